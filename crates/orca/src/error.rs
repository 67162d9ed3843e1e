//! The one place that maps failures to exit codes (DESIGN section 4): 2 for bad input, 1 for
//! anything else. Errors print as one sentence on stderr.

use std::fmt;

/// Why a command failed, as the exit code needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The user's input is wrong: empty request, unreadable registry, bad flag or config.
    BadInput,
    /// Anything else: a store that cannot be opened, an internal failure.
    Other,
}

/// An error that knows its exit code.
#[derive(Debug)]
pub struct CliError {
    pub failure: Failure,
    pub error: anyhow::Error,
}

impl CliError {
    pub fn bad_input(error: impl Into<anyhow::Error>) -> Self {
        CliError {
            failure: Failure::BadInput,
            error: error.into(),
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self.failure {
            Failure::BadInput => 2,
            Failure::Other => 1,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.error)
    }
}

impl<E: Into<anyhow::Error>> From<E> for CliError {
    fn from(error: E) -> Self {
        CliError {
            failure: Failure::Other,
            error: error.into(),
        }
    }
}

/// Marks a result's error as bad input (exit code 2).
pub trait BadInput<T> {
    fn bad_input(self) -> Result<T, CliError>;
}

impl<T, E: Into<anyhow::Error>> BadInput<T> for Result<T, E> {
    fn bad_input(self) -> Result<T, CliError> {
        self.map_err(CliError::bad_input)
    }
}

pub type CliResult<T = ()> = Result<T, CliError>;
