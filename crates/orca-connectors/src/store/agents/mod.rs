//! The five agents' queries over the store: one module per source, each turning a [`Query`] into
//! parameterized SQL and a [`QueryOutput`] (exact summary, newest rows first, linkable ids).
//!
//! Invariant: SQL text is assembled only from the `&'static str` fragments in this folder; every
//! value from a query (tenant ids, cohort, dates, severities, linked ids, search terms) is a bound
//! parameter, lists through `rarray(?)`.
//!
//! Shared semantics (documented once here):
//! - Scope: `tenant_ids` filters by tenant; `all_tenants` queries every tenant, or only the
//!   registry segment `cohort` (case-insensitive). A tenant source given neither fails as a bad
//!   query rather than guessing, unless it has context ids to follow.
//! - Time: `time_range` filters `CreatedAt` (cases, incidents, work items) or `Date` (metrics),
//!   `from` inclusive, `to` exclusive. Without one there is no time filter, except tenant health,
//!   which looks at the last `HealthThresholds::window_days` days of data.
//! - Status (DESIGN section 6): open is Status/State not Resolved/Closed for cases and work items,
//!   and Status Active for incidents; closed is the rest.
//! - Context: `icm` with `kusto` context returns the incidents linked to those case numbers, and
//!   `ado` with `icm` context the work items linked to those incidents; the link replaces the time
//!   filter (the cases were already chosen by time), while tenant, status and severity filters
//!   still apply. An empty list of linked ids matches nothing.
//! - `ids` lists every matching row's id (newest first), capped at [`MAX_LINK_IDS`].

mod cases;
mod docs;
mod incidents;
mod tenant;
mod work_items;

use std::rc::Rc;

use orca_core::{ConnectorError, ErrorKind, Query, QueryOutput, SourceKey, StatusFilter};
use rusqlite::types::{FromSql, ToSql, Value};
use rusqlite::{Connection, ErrorCode, Row, params_from_iter};
use serde_json::Map;

pub use tenant::HealthThresholds;

/// Most ids returned for context sharing; a dependent query over more would be a full scan anyway.
pub const MAX_LINK_IDS: usize = 50_000;

/// What every agent needs besides the query.
#[derive(Debug, Clone)]
pub(crate) struct AgentContext {
    /// Unix seconds used for ages ("oldest open case: 12 days").
    pub now: i64,
    pub health: HealthThresholds,
}

/// An agent failure before it is classified for the engine.
#[derive(Debug)]
pub(crate) enum AgentError {
    Sql(rusqlite::Error),
    BadQuery(String),
}

impl From<rusqlite::Error> for AgentError {
    fn from(e: rusqlite::Error) -> Self {
        AgentError::Sql(e)
    }
}

impl AgentError {
    /// Classifies for the engine: busy/locked/IO/corruption are `Unavailable` (retrying or
    /// failing over may help), an interrupted query is a `Timeout`, anything else a `BadQuery`.
    pub(crate) fn into_connector_error(self, source: SourceKey) -> ConnectorError {
        match self {
            AgentError::BadQuery(message) => {
                ConnectorError::bad_query(format!("{source}: {message}"))
            }
            AgentError::Sql(e) => {
                let kind = match e.sqlite_error_code() {
                    Some(ErrorCode::OperationInterrupted) => ErrorKind::Timeout,
                    Some(
                        ErrorCode::DatabaseBusy
                        | ErrorCode::DatabaseLocked
                        | ErrorCode::CannotOpen
                        | ErrorCode::NotADatabase
                        | ErrorCode::DatabaseCorrupt
                        | ErrorCode::SystemIoFailure
                        | ErrorCode::OutOfMemory
                        | ErrorCode::PermissionDenied
                        | ErrorCode::DiskFull
                        | ErrorCode::FileLockingProtocolFailed,
                    ) => ErrorKind::Unavailable,
                    _ => ErrorKind::BadQuery,
                };
                ConnectorError::new(kind, format!("{source} store query failed: {e}"))
            }
        }
    }
}

/// Runs the query of `source`'s agent.
pub(crate) fn run(
    conn: &Connection,
    source: SourceKey,
    query: &Query,
    ctx: &AgentContext,
) -> Result<QueryOutput, AgentError> {
    match source {
        SourceKey::Kusto => cases::run(conn, query, ctx),
        SourceKey::Icm => incidents::run(conn, query),
        SourceKey::Ado => work_items::run(conn, query),
        SourceKey::Tenant => tenant::run(conn, query, ctx),
        SourceKey::Docs => docs::run(conn, query),
    }
}

/// A WHERE clause built from static fragments and bound parameters.
#[derive(Default)]
pub(crate) struct Where {
    clauses: Vec<&'static str>,
    params: Vec<Box<dyn ToSql>>,
}

impl Where {
    /// A fragment without parameters.
    pub(crate) fn clause(&mut self, sql: &'static str) {
        self.clauses.push(sql);
    }

    /// A fragment with exactly one `?`.
    pub(crate) fn bind(&mut self, sql: &'static str, value: impl ToSql + 'static) {
        self.clauses.push(sql);
        self.params.push(Box::new(value));
    }

    /// A fragment `... IN rarray(?)` bound to a list.
    pub(crate) fn bind_list(&mut self, sql: &'static str, values: Vec<Value>) {
        self.bind(sql, Rc::new(values));
    }

    /// The clauses joined with AND ("1" when there are none).
    pub(crate) fn sql(&self) -> String {
        if self.clauses.is_empty() {
            "1".to_string()
        } else {
            self.clauses.join(" AND ")
        }
    }

    pub(crate) fn params(&self) -> impl Iterator<Item = &dyn ToSql> {
        self.params.iter().map(|p| p.as_ref())
    }

    /// The parameters followed by one more (e.g. LIMIT).
    pub(crate) fn params_with<'a>(&'a self, last: &'a dyn ToSql) -> Vec<&'a dyn ToSql> {
        self.params().chain(std::iter::once(last)).collect()
    }
}

/// Runs the one-row summary `sql` (filtered by `w`) and lets `fill` read the row into a new
/// summary object.
pub(crate) fn query_summary(
    conn: &Connection,
    sql: &str,
    w: &Where,
    fill: impl FnOnce(&Row<'_>, &mut Map<String, serde_json::Value>) -> rusqlite::Result<()>,
) -> Result<Map<String, serde_json::Value>, AgentError> {
    let mut summary = Map::new();
    conn.query_row(sql, params_from_iter(w.params()), |row| {
        fill(row, &mut summary)
    })?;
    Ok(summary)
}

/// Runs `sql` with `params` and collects every result row, in order, through `map_row`.
pub(crate) fn query_rows<T, C: FromIterator<T>>(
    conn: &Connection,
    sql: &str,
    params: &[&dyn ToSql],
    map_row: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<C, AgentError> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map(params, map_row)?.collect::<Result<C, _>>()?;
    Ok(rows)
}

/// The ids (column `id` of type `T`) of the rows of `table` matching `w`, in the order the
/// agents list rows (newest `created_at` first, then the highest id), capped at
/// [`MAX_LINK_IDS`].
pub(crate) fn query_ids<T: FromSql + ToString>(
    conn: &Connection,
    table: &'static str,
    id: &'static str,
    w: &Where,
) -> Result<Vec<String>, AgentError> {
    let sql = format!(
        "SELECT t.{id} FROM {table} t WHERE {} ORDER BY t.created_at DESC, t.{id} DESC LIMIT ?",
        w.sql()
    );
    query_rows(conn, &sql, &w.params_with(&MAX_LINK_IDS_PARAM), |row| {
        Ok(row.get::<_, T>(0)?.to_string())
    })
}

/// Applies the tenant scope (see the module docs). `linked` says the query follows context ids,
/// which may stand in for a tenant.
pub(crate) fn tenant_scope(w: &mut Where, query: &Query, linked: bool) -> Result<(), AgentError> {
    if query.all_tenants {
        if let Some(cohort) = query
            .cohort
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            w.bind(
                "t.tenant_id IN (SELECT tenant_id FROM registry WHERE segment = ? COLLATE NOCASE)",
                cohort.to_string(),
            );
        }
        Ok(())
    } else if !query.tenant_ids.is_empty() {
        w.bind_list("t.tenant_id IN rarray(?)", tenant_values(&query.tenant_ids));
        Ok(())
    } else if linked {
        Ok(())
    } else {
        Err(AgentError::BadQuery(
            "the query names no tenant (set tenant_ids or all_tenants)".into(),
        ))
    }
}

/// Tenant ids as stored: trimmed, lower case.
pub(crate) fn tenant_values(ids: &[String]) -> Vec<Value> {
    ids.iter()
        .map(|t| Value::Text(t.trim().to_ascii_lowercase()))
        .collect()
}

/// Applies `time_range` to a time column through its two fixed fragments.
pub(crate) fn time_filter(
    w: &mut Where,
    query: &Query,
    from_sql: &'static str,
    to_sql: &'static str,
) {
    if let Some(range) = &query.time_range {
        w.bind(from_sql, range.from.timestamp());
        w.bind(to_sql, range.to.timestamp());
    }
}

/// The fixed SQL fragments of one agent's status meanings (see `StatusFilter`).
pub(crate) struct StatusSql {
    pub open: &'static str,
    pub closed: &'static str,
    pub unresolved: &'static str,
}

/// Applies the status filter through the agent's fixed fragments.
pub(crate) fn status_filter(w: &mut Where, query: &Query, sql: &StatusSql) {
    match query.filters.status {
        Some(StatusFilter::Open) => w.clause(sql.open),
        Some(StatusFilter::Closed) => w.clause(sql.closed),
        Some(StatusFilter::Unresolved) => w.clause(sql.unresolved),
        None => {}
    }
}

/// The ids handed over by dependency tasks of `source`, or `None` when there are none.
pub(crate) fn context_ids(query: &Query, source: SourceKey) -> Option<Vec<String>> {
    let mut items = query
        .context
        .iter()
        .filter(|c| c.source == source)
        .peekable();
    items.peek()?;
    Some(items.flat_map(|c| c.ids.iter().cloned()).collect())
}

/// The row limit as a SQL parameter.
pub(crate) fn limit_of(query: &Query) -> i64 {
    i64::try_from(query.limit).unwrap_or(i64::MAX)
}

/// [`MAX_LINK_IDS`] as a SQL parameter.
pub(crate) const MAX_LINK_IDS_PARAM: i64 = MAX_LINK_IDS as i64;

/// Rounds to one decimal for summaries.
pub(crate) fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite_error(code: std::ffi::c_int) -> AgentError {
        AgentError::Sql(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(code),
            None,
        ))
    }

    #[test]
    fn sqlite_errors_are_classified_for_the_engine() {
        let kind = |code| {
            sqlite_error(code)
                .into_connector_error(SourceKey::Kusto)
                .kind
        };
        assert_eq!(kind(rusqlite::ffi::SQLITE_BUSY), ErrorKind::Unavailable);
        assert_eq!(kind(rusqlite::ffi::SQLITE_LOCKED), ErrorKind::Unavailable);
        assert_eq!(kind(rusqlite::ffi::SQLITE_CORRUPT), ErrorKind::Unavailable);
        assert_eq!(kind(rusqlite::ffi::SQLITE_INTERRUPT), ErrorKind::Timeout);
        assert_eq!(kind(rusqlite::ffi::SQLITE_ERROR), ErrorKind::BadQuery);
        let bad = AgentError::BadQuery("no tenant".into()).into_connector_error(SourceKey::Icm);
        assert_eq!(bad.kind, ErrorKind::BadQuery);
        assert_eq!(bad.message, "icm: no tenant");
    }
}
