//! Configured data sources: one `[sources.<key>]` table of `orca.toml` per source key of DESIGN
//! section 2 (`kusto`, `icm`, `ado`, `tenant`, `docs`), each naming the connector that serves it
//! with `type`. A source without a table is served by the embedded store, so nothing changes for
//! a user who configures nothing.
//!
//! ```toml
//! [sources.kusto]            # support cases from Azure Data Explorer
//! type = "kusto"
//! cluster = "https://help.kusto.windows.net"
//! database = "Support"
//! token_env = "ORCA_KUSTO_TOKEN"
//! ```
//!
//! Invariants:
//! - Every connector gets its queries with the tenant scope already resolved to tenant ids (the
//!   engine turns cohorts and token scopes into lists), so a remote source never needs Orca's
//!   registry to filter; it uses the registry in [`SourceContext`] only to name customers.
//! - Queries carry typed values; each connector turns them into its source's query language
//!   from fixed text, with user values as parameters (Kusto, PostgreSQL) or escaped literals
//!   (WIQL, which has no parameters).
//!
//! Layout: this file holds the tagged config list and the build context; `mapping` the table and
//! column names a team may override; `secret` reading credentials; each connector lives in its
//! own folder of the crate behind its own cargo feature (`kusto`, `azure-devops`, `mcp`,
//! `postgres`; all on in the default build).

pub mod mapping;
pub mod secret;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use orca_core::{Connector, Customer, SourceKey};
use serde::Deserialize;

pub use self::mapping::{TableMap, Tables};
use crate::store::HealthThresholds;

/// One `[sources.<key>]` table: which connector serves the source, and its settings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SourceConfig {
    /// The embedded store (the default; the table may be left out).
    Store {},
    /// Azure Data Explorer over the Kusto v2 REST API.
    #[cfg(feature = "kusto")]
    Kusto(crate::kusto::KustoConfig),
    /// Azure DevOps: WIQL, then `workitemsbatch`.
    #[cfg(feature = "azure-devops")]
    AzureDevops(crate::ado::AdoConfig),
    /// A tool of another MCP server (stdio or streamable HTTP).
    #[cfg(feature = "mcp")]
    Mcp(crate::mcp::McpConfig),
    /// The store's tables in PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(crate::postgres::PostgresConfig),
}

/// What a connector is built from besides its own settings.
#[derive(Debug, Clone)]
pub struct SourceContext {
    /// The source the connector serves.
    pub source: SourceKey,
    /// The customer registry: names for rankings and rows (remote sources hold no registry).
    pub customers: Arc<[Customer]>,
    /// Tenant health verdict thresholds (the `tenant` source).
    pub health: HealthThresholds,
    /// Fixed clock for ages (`--now`); `None` reads the real clock per query.
    pub now: Option<DateTime<Utc>>,
    /// The longest one call to the source may take (the engine's per-task timeout): clients set
    /// their own request timeouts from it, so a connection never outlives the task.
    pub timeout: Duration,
}

impl SourceContext {
    /// A context for tests: the given registry, default thresholds, the real clock, 5 s calls.
    pub fn for_test(source: SourceKey, customers: Vec<Customer>) -> Self {
        SourceContext {
            source,
            customers: customers.into(),
            health: HealthThresholds::default(),
            now: None,
            timeout: Duration::from_secs(5),
        }
    }

    /// Unix seconds of "now" for this context's clock.
    pub fn now_unix(&self) -> i64 {
        self.now.unwrap_or_else(Utc::now).timestamp()
    }

    /// The registry name of a tenant, if it has one.
    pub fn customer_name(&self, tenant_id: &str) -> Option<&str> {
        let tenant_id = tenant_id.trim();
        self.customers
            .iter()
            .find(|c| c.tenant_id.trim().eq_ignore_ascii_case(tenant_id))
            .map(|c| c.name.as_str())
    }
}

/// A source's settings that cannot work, said in one sentence with the setting's path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("[sources.{key}] {message}")]
pub struct SourceConfigError {
    pub key: String,
    pub message: String,
}

impl SourceConfig {
    /// The `type` as written in the config.
    pub fn kind(&self) -> &'static str {
        match self {
            SourceConfig::Store {} => "store",
            #[cfg(feature = "kusto")]
            SourceConfig::Kusto(_) => "kusto",
            #[cfg(feature = "azure-devops")]
            SourceConfig::AzureDevops(_) => "azure_devops",
            #[cfg(feature = "mcp")]
            SourceConfig::Mcp(_) => "mcp",
            #[cfg(feature = "postgres")]
            SourceConfig::Postgres(_) => "postgres",
        }
    }

    /// Builds the connector of a remote source; `None` for the store, which the caller opens
    /// (it is shared by every source it serves). Fails when the settings cannot work (a missing
    /// credential variable, a bad URL), before any query is sent.
    pub fn build(
        &self,
        ctx: &SourceContext,
    ) -> Result<Option<Arc<dyn Connector>>, SourceConfigError> {
        let error = |message: String| SourceConfigError {
            key: ctx.source.to_string(),
            message,
        };
        match self {
            SourceConfig::Store {} => Ok(None),
            #[cfg(feature = "kusto")]
            SourceConfig::Kusto(config) => config.build(ctx).map(Some).map_err(error),
            #[cfg(feature = "azure-devops")]
            SourceConfig::AzureDevops(config) => config.build(ctx).map(Some).map_err(error),
            #[cfg(feature = "mcp")]
            SourceConfig::Mcp(config) => config.build(ctx).map(Some).map_err(error),
            #[cfg(feature = "postgres")]
            SourceConfig::Postgres(config) => config.build(ctx).map(Some).map_err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_table_names_its_connector_with_type() {
        let store: SourceConfig = toml::from_str("type = \"store\"").unwrap();
        assert_eq!(store.kind(), "store");
        let unknown = toml::from_str::<SourceConfig>("type = \"oracle\"").unwrap_err();
        assert!(unknown.to_string().contains("oracle"), "{unknown}");
        let missing = toml::from_str::<SourceConfig>("cluster = \"x\"").unwrap_err();
        assert!(missing.to_string().contains("type"), "{missing}");
    }
}
