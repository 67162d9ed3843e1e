//! Orca's data sources. The embedded store is the default: SQLite with FTS5 under the data dir.
//!
//! - [`store`]: open a store, fill it ([`generate`], [`import`]), inspect it ([`Store::stats`]),
//!   and serve the five agents from it ([`Store::connectors`]).
//!
//! Invariant: every query is parameterized; user text never becomes SQL.

pub mod sources;
pub mod store;
pub(crate) mod summaries;

#[cfg(feature = "azure-devops")]
pub mod ado;
#[cfg(feature = "http-client")]
pub mod http;
#[cfg(feature = "kusto")]
pub mod kusto;
#[cfg(feature = "mcp")]
pub mod mcp;
#[cfg(feature = "postgres")]
pub mod postgres;

pub use store::{
    DEMO_REGISTRY_CSV, DataSet, GenerateOptions, GenerateSummary, HealthThresholds, ImportError,
    ImportSummary, ImportedFile, OpenMode, Store, StoreConnector, StoreError, StoreState,
    StoreStats, generate, import, read_dir, write_csv,
};
