//! PLACEHOLDER: being written (issue 15); the `azure-devops` feature's connector.

use std::sync::Arc;

use orca_core::Connector;
use serde::Deserialize;

use crate::sources::SourceContext;

/// Settings of `type = "ado"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdoConfig {}

impl AdoConfig {
    /// Builds the connector.
    pub fn build(&self, _ctx: &SourceContext) -> Result<Arc<dyn Connector>, String> {
        Err("is not available in this build yet".into())
    }
}
