//! Orca's vocabulary and request analysis.
//!
//! Everything here is pure: no async runtime, no network, no disk. Time comes in as a parameter
//! (`now`), so the analyzer is deterministic and thousands of cases run in milliseconds.
//! Invariant: this crate never depends on tokio, a database or an HTTP client (see Cargo.toml).

pub mod analyze;
pub mod answer;
pub mod config;
pub mod connector;
pub mod describe;
pub mod followup;
pub mod investigate;
pub mod names;
pub mod plan;
pub mod registry;
pub mod report;
pub mod shape;
pub mod summary;
pub mod text;

pub use analyze::{AnalyzeError, Analyzer, analyze, check_request};
pub use config::AnalyzerConfig;
pub use connector::{
    BoxFuture, Connector, ConnectorError, ContextItem, ErrorKind, Query, QueryOutput,
};
pub use names::{AgentName, SourceKey};
pub use plan::{
    Ambiguous, Complexity, Filters, ItemId, MatchKind, NotPermitted, Plan, ResolvedCustomer, Scope,
    StatusFilter, Strategy, Task, TimeEvent, TimeRange, Unresolved,
};
pub use registry::{Customer, Registry, RegistryError, RowError};
pub use report::{CacheStats, CustomerRef, Report, Section, SectionStatus, Timings};
