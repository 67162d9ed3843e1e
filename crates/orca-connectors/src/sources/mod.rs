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
//! Layout: this file holds the tagged config list; `context` what a connector is built from;
//! `mapping` the table and
//! column names a team may override; `secret` reading credentials; each connector lives in its
//! own folder of the crate behind its own cargo feature (`kusto`, `azure-devops`, `mcp`,
//! `postgres`; all on in the default build).

pub mod context;
pub mod mapping;
pub mod secret;

use std::sync::Arc;

use orca_core::Connector;
use serde::Deserialize;

pub use self::context::{SourceConfigError, SourceContext};
pub use self::mapping::{TableMap, Tables};

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
    // Without any remote connector feature, only the store arm is left to build.
    #[cfg_attr(
        not(any(
            feature = "kusto",
            feature = "azure-devops",
            feature = "mcp",
            feature = "postgres"
        )),
        allow(unused_variables)
    )]
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
    use orca_core::SourceKey;

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

    #[cfg(feature = "azure-devops")]
    #[test]
    fn a_sources_table_builds_the_connector() {
        let config: SourceConfig = toml::from_str(
            "type = \"azure_devops\"\norganization = \"contoso\"\nproject = \"Purview\"\n\
             pat_env = \"ORCA_ADO_PAT\"\nmax_items = 100\n",
        )
        .unwrap();
        assert_eq!(config.kind(), "azure_devops");
        let built = config
            .build(&SourceContext::for_test(SourceKey::Ado, Vec::new()))
            .unwrap()
            .unwrap();
        assert_eq!(built.source(), SourceKey::Ado);
        let Err(e) = config.build(&SourceContext::for_test(SourceKey::Icm, Vec::new())) else {
            panic!("the ado connector served icm");
        };
        assert!(
            e.to_string()
                .starts_with("[sources.icm] type = \"azure_devops\""),
            "{e}"
        );
    }

    #[cfg(feature = "mcp")]
    #[test]
    fn a_source_table_of_type_mcp_reads_as_this_config() {
        let text = "type = \"mcp\"\ncommand = [\"icm-mcp-server\"]\ntool = \"search_incidents\"";
        let source: SourceConfig = toml::from_str(text).unwrap();
        assert_eq!(source.kind(), "mcp");
        let typo = toml::from_str::<SourceConfig>(&format!("{text}\ntools = \"x\""));
        assert!(typo.unwrap_err().to_string().contains("tools"));
    }

    #[cfg(feature = "postgres")]
    #[test]
    fn a_sources_table_names_the_postgres_connector() {
        let config: SourceConfig = toml::from_str(
            "type = \"postgres\"\nurl_env = \"MY_PG\"\nschema = \"orca\"\npool_size = 8\n",
        )
        .unwrap();
        let SourceConfig::Postgres(pg) = &config else {
            panic!("{config:?}")
        };
        assert_eq!(config.kind(), "postgres");
        assert_eq!(pg.url_env.as_deref(), Some("MY_PG"));
        assert_eq!(pg.schema(), "orca");
        assert_eq!(pg.pool_size, Some(8));
        let defaults: SourceConfig = toml::from_str("type = \"postgres\"").unwrap();
        let SourceConfig::Postgres(pg) = &defaults else {
            panic!("{defaults:?}")
        };
        assert_eq!(pg.schema(), crate::postgres::DEFAULT_SCHEMA);
        let unknown = toml::from_str::<SourceConfig>("type = \"postgres\"\nhost = \"x\"");
        assert!(unknown.unwrap_err().to_string().contains("host"));
    }
}
