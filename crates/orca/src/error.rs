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
    /// The error and its causes joined by ": ", each cause said once: a cause whose text the
    /// sentence already holds (errors that quote their source) is left out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut said = String::new();
        for cause in self.error.chain() {
            let text = cause.to_string();
            if said.contains(&text) {
                continue;
            }
            if !said.is_empty() {
                said.push_str(": ");
            }
            said.push_str(&text);
        }
        f.write_str(&said)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("store x is corrupt: {source}")]
    struct Quoting {
        source: std::io::Error,
    }

    #[test]
    fn each_cause_is_said_once() {
        let inner = std::io::Error::other("file is not a database");
        let e =
            CliError::from(anyhow::Error::new(Quoting { source: inner }).context("cannot open"));
        assert_eq!(
            e.to_string(),
            "cannot open: store x is corrupt: file is not a database"
        );
        let plain = CliError::from(anyhow::anyhow!("inner").context("outer"));
        assert_eq!(plain.to_string(), "outer: inner");
    }
}
