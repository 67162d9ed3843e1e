//! The five agents' queries over the store: one module per source, each turning a [`Query`] into
//! parameterized SQL and a [`QueryOutput`] (exact summary, newest rows first, linkable ids).
//!
//! Invariant: SQL text is assembled only from the `&'static str` fragments in this folder; every
//! value from a query (tenant ids, cohort, dates, severities, states, areas, owner, item and linked
//! ids, search terms) is a bound parameter, lists through `rarray(?)`.
//!
//! Shared semantics (documented once here; every filter is ANDed with the others):
//! - Scope: `tenant_ids` filters by tenant; `all_tenants` queries every tenant, or only the
//!   registry segment `cohort` (case-insensitive). A tenant source given neither fails as a bad
//!   query rather than guessing, unless it has context ids to follow or item ids of its own (the
//!   id names the item); a given scope still applies then, so a caller scoped to some tenants
//!   never sees another tenant's item.
//! - Time: `time_range` filters the column of its `event`, `from` inclusive, `to` exclusive
//!   unless `to_inclusive` (then `<=`). Without one there is no time filter, except tenant health,
//!   which looks at the last `HealthThresholds::window_days` days of data. A source without the
//!   event's column fails as a bad query with that reason, never falls back to CreatedAt.
//! - Status (DESIGN section 6): open is Status/State not Resolved/Closed for cases and work items,
//!   and Status Active for incidents; closed is the rest; unresolved is open for cases and work
//!   items, and Active or Mitigated for incidents.
//! - `states`: the exact states a source knows (matched case-insensitively, stored canonically);
//!   a source that knows none of the listed states ignores the list.
//! - Severity: `severity` keeps and `exclude_severity` drops the values of the source's own kind
//!   (letters for cases, digits for incidents, `25` = Sev 2.5); the other kind is ignored.
//! - Product areas: compared case-insensitively with the whole name. Sources without an area
//!   column match the name as a whole word (ASCII letters and digits not on either side, so
//!   `[DLP]` and `(DLP)` match and `DLPX` does not) in the text they have: incidents the title,
//!   work items the title and the area path, each as written or with its spaces removed
//!   (`Purview\DataMap\Service` is "Data Map").
//! - `created_before`: CreatedAt at or before the instant (cases, incidents, work items).
//! - `owner`: the whole owner name, case-insensitive (cases Owner, incidents OwningTeam); work
//!   items have no owner and fail as a bad query.
//! - `item_ids`: a source with ids of its own keeps only those rows; an id that is not of the
//!   source's type (a non-numeric incident id) matches nothing; ids of other sources are ignored.
//! - Context: `icm` with `kusto` context returns the incidents linked to those case numbers, and
//!   `ado` with `icm` context the work items linked to those incidents; the link replaces the time
//!   filters (`time_range` and `created_before`: the parent items were already chosen by time),
//!   while the other filters still apply. An empty list of linked ids matches nothing.
//! - Tenant health and docs ignore every item filter (states, severities, areas, owner, ids,
//!   `created_before`); tenant health applies the time range to Date whatever its `event`.
//! - `ids` lists every matching row's id (newest first), capped at [`MAX_LINK_IDS`].
//!
//! | filter | `kusto` cases | `icm` incidents | `ado` work items |
//! |---|---|---|---|
//! | time `event` created / closed / mitigated | CreatedAt / ClosedAt / bad query | CreatedAt / ResolvedAt / MitigatedAt | CreatedAt / bad query / bad query |
//! | `states` known | Active, Waiting, Resolved, Closed | Active, Mitigated, Resolved | New, Active, Resolved, Closed |
//! | `product_areas` | ProductArea | word in Title | word in Title or AreaPath |
//! | `owner` | Owner | OwningTeam | bad query |
//! | `item_ids` | CaseNumber (text) | IncidentId (integer) | Id (integer) |

pub(crate) mod cases;
mod docs;
pub(crate) mod incidents;
pub(crate) mod shaping;
pub(crate) mod tenant;
pub(crate) mod work_items;

use std::rc::Rc;

use orca_core::{
    ConnectorError, ErrorKind, Query, QueryOutput, SourceKey, StatusFilter, TimeEvent,
};
use rusqlite::types::{FromSql, ToSql, Value};
use rusqlite::{Connection, ErrorCode, Row};

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
        SourceKey::Icm => incidents::run(conn, query, ctx.now),
        SourceKey::Ado => work_items::run(conn, query, ctx.now),
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

    /// `bind_list`, only when the list has values (an empty filter list means "no filter").
    pub(crate) fn bind_list_if_any(&mut self, sql: &'static str, values: Vec<Value>) {
        if !values.is_empty() {
            self.bind_list(sql, values);
        }
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

/// Applies the tenant scope (see the module docs). `named_items` says the query names its items
/// another way (context ids to follow, or item ids of its own), which may stand in for a tenant.
pub(crate) fn tenant_scope(
    w: &mut Where,
    query: &Query,
    named_items: bool,
) -> Result<(), AgentError> {
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
    } else if named_items {
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

/// The fixed fragments comparing one time column with a bound instant, and numbering its
/// trend buckets; build it with [`time_column!`].
pub(crate) struct TimeColumn {
    /// `column >= ?`
    pub from: &'static str,
    /// `column < ?`
    pub before: &'static str,
    /// `column <= ?`
    pub through: &'static str,
    /// The UTC day of the column: whole days since 1970-01-01.
    pub day: &'static str,
    /// The week (Monday 00:00 UTC to Monday) of the column: whole weeks since Monday
    /// 1969-12-29 (the epoch is a Thursday, 3 days later).
    pub week: &'static str,
    /// The UTC month of the column: year * 12 + month - 1.
    pub month: &'static str,
}

/// The [`TimeColumn`] of a column named by a literal, e.g. `time_column!("t.created_at")`.
macro_rules! time_column {
    ($column:literal) => {
        $crate::store::agents::TimeColumn {
            from: concat!($column, " >= ?"),
            before: concat!($column, " < ?"),
            through: concat!($column, " <= ?"),
            day: concat!($column, " / 86400"),
            week: concat!("(", $column, " + 259200) / 604800"),
            month: concat!(
                "CAST(strftime('%Y', ",
                $column,
                ", 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', ",
                $column,
                ", 'unixepoch') AS INTEGER) - 1"
            ),
        }
    };
}
pub(crate) use time_column;

/// Applies `time_range` to the column `column` picks for the range's event, or fails with the
/// reason it returns when the source has no such column (see the module docs).
pub(crate) fn time_filter(
    w: &mut Where,
    query: &Query,
    column: impl FnOnce(TimeEvent) -> Result<TimeColumn, &'static str>,
) -> Result<(), AgentError> {
    let Some(range) = &query.time_range else {
        return Ok(());
    };
    let column = column(range.event).map_err(|reason| AgentError::BadQuery(reason.into()))?;
    w.bind(column.from, range.from.timestamp());
    if range.to_inclusive {
        w.bind(column.through, range.to.timestamp());
    } else {
        w.bind(column.before, range.to.timestamp());
    }
    Ok(())
}

/// Applies `created_before` (CreatedAt at or before the instant).
pub(crate) fn created_before_filter(w: &mut Where, query: &Query) {
    if let Some(instant) = query.filters.created_before {
        w.bind("t.created_at <= ?", instant.timestamp());
    }
}

/// The fixed fragments of one agent's state column: `... IN rarray(?)` and `... NOT IN
/// rarray(?)`.
pub(crate) struct StatesSql {
    pub included: &'static str,
    pub excluded: &'static str,
}

/// Applies `states` and `exclude_states`: the listed states `canonical` knows, in their stored
/// spelling; a list of which it knows none is ignored.
pub(crate) fn states_filter(
    w: &mut Where,
    query: &Query,
    sql: &StatesSql,
    canonical: fn(&str) -> Option<&'static str>,
) {
    let known = |states: &[String]| -> Vec<Value> {
        states
            .iter()
            .filter_map(|s| canonical(s))
            .map(|s| Value::Text(s.to_string()))
            .collect()
    };
    let included = known(&query.filters.states);
    w.bind_list_if_any(sql.included, included);
    let excluded = known(&query.filters.exclude_states);
    w.bind_list_if_any(sql.excluded, excluded);
}

/// The owner asked for, trimmed; `None` when absent or blank.
pub(crate) fn owner_of(query: &Query) -> Option<String> {
    query
        .filters
        .owner
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(str::to_string)
}

/// The item ids of `source` in the filters, trimmed; `None` when it has none.
pub(crate) fn item_ids(query: &Query, source: SourceKey) -> Option<Vec<&str>> {
    let ids: Vec<&str> = query.filters.ids_of(source).map(str::trim).collect();
    (!ids.is_empty()).then_some(ids)
}

/// Integer ids (incidents, work items) as SQL values; ids that are not integers are dropped, so
/// they match nothing.
pub(crate) fn integer_ids<'a>(ids: impl IntoIterator<Item = &'a str>) -> Vec<Value> {
    ids.into_iter()
        .filter_map(|id| id.trim().parse::<i64>().ok())
        .map(Value::Integer)
        .collect()
}

/// Product area names as compared with an area column: trimmed, ASCII lower case (as SQLite's
/// `lower()`), blanks dropped.
pub(crate) fn area_names(areas: &[String]) -> Vec<Value> {
    areas
        .iter()
        .map(|a| a.trim().to_ascii_lowercase())
        .filter(|a| !a.is_empty())
        .map(Value::Text)
        .collect()
}

/// The forms of each area name matched as a whole word, distinct and in order: the name in
/// ASCII lower case with inner whitespace collapsed to one space and, when `spaces_removed`,
/// also without its spaces ("data map" and "datamap"). Each source writes them as its own
/// patterns (GLOB here, regular expressions in PostgreSQL).
pub(crate) fn area_word_forms(areas: &[String], spaces_removed: bool) -> Vec<String> {
    let mut forms: Vec<String> = Vec::new();
    for area in areas {
        let words: Vec<String> = area
            .split_whitespace()
            .map(|w| w.to_ascii_lowercase())
            .collect();
        if words.is_empty() {
            continue;
        }
        let mut mine = vec![words.join(" ")];
        if spaces_removed && words.len() > 1 {
            mine.push(words.concat());
        }
        for form in mine {
            if !forms.contains(&form) {
                forms.push(form);
            }
        }
    }
    forms
}

/// GLOB patterns matching each area name as a whole word in a text that is lower-cased and padded
/// with one space on each side (`' ' || lower(x) || ' '`), for each of its [`area_word_forms`].
pub(crate) fn area_word_patterns(areas: &[String], spaces_removed: bool) -> Vec<Value> {
    area_word_forms(areas, spaces_removed)
        .iter()
        .map(|form| Value::Text(word_glob(form)))
        .collect()
}

/// A GLOB pattern for `phrase` with no ASCII letter or digit on either side; the GLOB
/// metacharacters of the phrase are matched literally.
fn word_glob(phrase: &str) -> String {
    let mut pattern = String::from("*[^a-z0-9]");
    for c in phrase.chars() {
        match c {
            '*' => pattern.push_str("[*]"),
            '?' => pattern.push_str("[?]"),
            '[' => pattern.push_str("[[]"),
            c => pattern.push(c),
        }
    }
    pattern.push_str("[^a-z0-9]*");
    pattern
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

pub(crate) use crate::summaries::round1;

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

    #[test]
    fn area_patterns_match_whole_words_only() {
        let conn = Connection::open_in_memory().unwrap();
        let areas = ["DLP".to_string(), " Data   Map ".into(), "a*b?[c]".into()];
        let patterns = area_word_patterns(&areas, true);
        let texts = |p: &Value| -> Vec<&str> {
            [
                "[DLP] sync failures",
                "Bug: backlog (DLP)",
                "Endpoint dlp onboarding",
                "DLPX rollout",
                "NoDLP here",
                "Purview\\DataMap\\Service",
                "data map scan",
                "Data Mapping",
                "A*B?[C] literal",
                "axxb?[c] glob",
            ]
            .into_iter()
            .filter(|t| {
                conn.query_row(
                    "SELECT ' ' || lower(?1) || ' ' GLOB ?2",
                    rusqlite::params![t, p],
                    |row| row.get::<_, bool>(0),
                )
                .unwrap()
            })
            .collect()
        };
        assert_eq!(patterns.len(), 4, "{patterns:?}");
        assert_eq!(
            texts(&patterns[0]),
            [
                "[DLP] sync failures",
                "Bug: backlog (DLP)",
                "Endpoint dlp onboarding"
            ]
        );
        assert_eq!(texts(&patterns[1]), ["data map scan"]);
        assert_eq!(texts(&patterns[2]), ["Purview\\DataMap\\Service"]);
        assert_eq!(texts(&patterns[3]), ["A*B?[C] literal"]);
        assert!(area_word_patterns(&["  ".to_string()], true).is_empty());
    }
}
