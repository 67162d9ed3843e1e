//! The analyzer's slice of the configuration: agent keywords, the default overview set, limits.
//!
//! Defaults are the documented behaviour; `orca.toml` may override any of them.
//! (Contract shell: keywords land with the analyzer work.)

use serde::{Deserialize, Serialize};

use crate::names::AgentName;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnalyzerConfig {
    /// Longest request accepted, in characters.
    pub max_request_chars: usize,
    /// Agents used when a request names a customer but no agent word ("What's going on with Ford?").
    pub default_agents: Vec<AgentName>,
}

impl Default for AnalyzerConfig {
    fn default() -> Self {
        AnalyzerConfig {
            max_request_chars: 4000,
            default_agents: vec![
                AgentName::SupportCaseManager,
                AgentName::EscalationManager,
                AgentName::TenantHealthMonitor,
            ],
        }
    }
}
