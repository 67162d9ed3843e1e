//! Request analysis: free text + registry + config + now -> `Plan`.
//!
//! Deterministic and explainable: the same inputs always give the same plan, and every score
//! point has a factor saying why. (Contract shell: the analyzer lands with the analysis work.)

use chrono::{DateTime, Utc};

use crate::config::AnalyzerConfig;
use crate::plan::Plan;
use crate::registry::Registry;

/// A request that cannot be analyzed: always the caller's input, so exit code 2 / HTTP 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnalyzeError {
    #[error("the request is empty")]
    Empty,
    #[error("the request is {chars} characters long; the limit is {max}")]
    TooLong { chars: usize, max: usize },
    #[error("the request contains a control character at position {position}")]
    ControlCharacter { position: usize },
}

pub fn analyze(
    request: &str,
    _registry: &Registry,
    _config: &AnalyzerConfig,
    _now: DateTime<Utc>,
) -> Result<Plan, AnalyzeError> {
    if request.trim().is_empty() {
        return Err(AnalyzeError::Empty);
    }
    Err(AnalyzeError::Empty)
}
