//! The boundary between the engine and the data: a `Query` in, a `QueryOutput` or a classified
//! `ConnectorError` out.
//!
//! The connector classifies its errors (`ErrorKind`); the engine only asks `is_retryable()`.
//! Queries carry typed values only, never SQL or KQL text built from user words.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::names::SourceKey;
use crate::plan::{Filters, TimeRange};
use crate::shape::{Shape, Shaped};

/// A boxed, sendable future: what `Connector::run` returns so connectors can be `dyn`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Outputs of a dependency task handed to a dependent task (context sharing).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ContextItem {
    pub task_id: String,
    pub source: SourceKey,
    /// Linkable ids the dependency found: case numbers for `kusto`, incident ids for `icm`,
    /// work item ids for `ado`.
    pub ids: Vec<String>,
}

/// One query for one source.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Query {
    pub source: SourceKey,
    /// Tenants to query. Empty with `all_tenants` false means "no tenant filter applies" (docs).
    pub tenant_ids: Vec<String>,
    /// Query every tenant (optionally only those of `cohort`).
    pub all_tenants: bool,
    /// Registry segment for cohort queries ("MCS").
    pub cohort: Option<String>,
    pub time_range: Option<TimeRange>,
    pub filters: Filters,
    /// Words for full-text search (docs).
    pub search_terms: Vec<String>,
    /// Maximum rows returned; summaries stay exact regardless.
    pub limit: usize,
    /// The shape of the answer, pushed down as an aggregation (`Shape::default()`: a count).
    #[serde(default)]
    pub shape: Shape,
    /// Outputs of the tasks this one depends on.
    pub context: Vec<ContextItem>,
}

impl Query {
    pub const DEFAULT_LIMIT: usize = 20;

    pub fn new(source: SourceKey) -> Self {
        Query {
            source,
            tenant_ids: Vec::new(),
            all_tenants: false,
            cohort: None,
            time_range: None,
            filters: Filters::default(),
            search_terms: Vec::new(),
            limit: Self::DEFAULT_LIMIT,
            shape: Shape::default(),
            context: Vec::new(),
        }
    }
}

/// What a connector found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QueryOutput {
    /// Exact aggregates over every matching row, e.g. `{"total": 12, "open": 3}`.
    pub summary: Map<String, Value>,
    /// The first `limit` matching rows, newest first.
    pub rows: Vec<Value>,
    /// Linkable ids of every matching row (not only the returned ones), for dependent tasks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<String>,
    /// Number of source round trips this output took (for "queries per request").
    #[serde(default)]
    pub queries: u32,
    /// The aggregated outputs of a shaped query (ranking, groups, series, list bounds).
    #[serde(default, flatten)]
    pub shaped: Box<Shaped>,
}

/// Why a connector failed, as the engine needs to know it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ErrorKind {
    /// The source did not answer in time (transient).
    Timeout,
    /// The source is down or refused the connection (transient).
    Unavailable,
    /// The source asked us to slow down (transient); honour `retry_after` when given.
    RateLimited { retry_after: Option<Duration> },
    /// The query is wrong; retrying cannot help.
    BadQuery,
    /// Credentials missing or refused; retrying cannot help.
    Auth,
}

/// A classified connector failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ConnectorError {
    pub kind: ErrorKind,
    pub message: String,
}

impl ConnectorError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ConnectorError {
            kind,
            message: message.into(),
        }
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unavailable, message)
    }

    pub fn bad_query(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadQuery, message)
    }

    /// Timeouts, unavailability and rate limits are transient; bad queries and auth are not.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Timeout | ErrorKind::Unavailable | ErrorKind::RateLimited { .. }
        )
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self.kind {
            ErrorKind::RateLimited { retry_after } => retry_after,
            _ => None,
        }
    }
}

/// A data source. Held as `Arc<dyn Connector>`; the engine never knows the concrete type.
pub trait Connector: Send + Sync {
    /// The source this connector serves.
    fn source(&self) -> SourceKey;

    /// A short name for logs and `--explain` (e.g. "store", "kusto-http").
    fn name(&self) -> &str;

    /// Runs one query. Must be cancel-safe: the engine drops the future at its deadline.
    fn run<'a>(&'a self, query: &'a Query) -> BoxFuture<'a, Result<QueryOutput, ConnectorError>>;

    /// Checks that the source can answer (reachable, authenticated, its tables and columns
    /// present): `orca doctor` and `/readyz`. `Ok` carries a short description of what was
    /// checked; the error says what is wrong and how to fix it, in one sentence.
    fn check(&self) -> BoxFuture<'_, Result<String, ConnectorError>> {
        Box::pin(async { Ok("ready".to_string()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_transient_errors_retry() {
        assert!(ConnectorError::new(ErrorKind::Timeout, "t").is_retryable());
        assert!(ConnectorError::unavailable("down").is_retryable());
        let limited = ConnectorError::new(
            ErrorKind::RateLimited {
                retry_after: Some(Duration::from_millis(700)),
            },
            "slow down",
        );
        assert!(limited.is_retryable());
        assert_eq!(limited.retry_after(), Some(Duration::from_millis(700)));
        assert!(!ConnectorError::bad_query("syntax").is_retryable());
        assert!(!ConnectorError::new(ErrorKind::Auth, "denied").is_retryable());
    }
}
