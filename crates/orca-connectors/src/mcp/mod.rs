//! PLACEHOLDER: being written (issue 15); the `mcp` feature's connector.

use std::sync::Arc;

use orca_core::Connector;
use serde::Deserialize;

use crate::sources::SourceContext;

/// Settings of `type = "mcp"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct McpConfig {}

impl McpConfig {
    /// Builds the connector.
    pub fn build(&self, _ctx: &SourceContext) -> Result<Arc<dyn Connector>, String> {
        Err("is not available in this build yet".into())
    }
}
