//! The five agents' queries over PostgreSQL, one module per source mirroring the store's
//! `store/agents/`: each turns a [`Query`] into parameterized SQL and a [`QueryOutput`] equal to
//! the store's for the same rows (summary, rows and their JSON, ids, ranking, groups, series and
//! list bounds).
//!
//! Invariant: SQL text is assembled only from the `&'static str` fragments of this folder (and
//! the store's ORDER BY fragments, which are plain SQL); every value of a query is a bound
//! parameter, lists as one array parameter (`= ANY(?)`). Fragments are written with `?`;
//! [`numbered`] turns them into `$1, $2, ...` in order when the statement is sent.
//!
//! The semantics of every filter are the store's (`store/agents/mod.rs` documents them once);
//! where SQLite and PostgreSQL differ, the SQL here is written so that the answer does not:
//! - `COLLATE NOCASE` (ASCII folding) is `lower(column) = ?` with the value folded in Rust with
//!   `to_ascii_lowercase` (the columns are `COLLATE "C"`, so `lower()` folds ASCII only);
//! - GLOB word patterns are POSIX regular expressions (`~`) with the same classes;
//! - `count(*)` and `sum()` are cast to `bigint`, averages to `double precision` as SQLite
//!   computes them (`sum / count` in floating point);
//! - months are `extract(year/month)` of the UTC instant instead of `strftime`.
//!
//! The shape checks (which intent, group and sort a source answers, and the reasons it refuses),
//! the ORDER BY fragments, the trend buckets and the grouping of breakdowns are the store's own
//! code (`store::agents::shaping`), so they cannot drift apart.

pub(crate) mod cases;
pub(crate) mod docs;
pub(crate) mod incidents;
pub(crate) mod shaping;
pub(crate) mod tenant;
pub(crate) mod work_items;

use deadpool_postgres::ClientWrapper as Client;
use orca_core::{Query, QueryOutput, SourceKey, StatusFilter, TimeEvent};
use tokio_postgres::types::ToSql;

use crate::store::HealthThresholds;
use crate::store::agents::AgentError as StoreAgentError;

/// Most ids returned for context sharing (the store's bound).
pub(crate) const MAX_LINK_IDS: i64 = crate::store::MAX_LINK_IDS as i64;

/// What every agent needs besides the query.
#[derive(Debug, Clone)]
pub(crate) struct AgentContext {
    /// Unix seconds used for ages.
    pub now: i64,
    pub health: HealthThresholds,
}

/// An agent failure before it is classified for the engine.
#[derive(Debug)]
pub(crate) enum AgentError {
    Sql(tokio_postgres::Error),
    BadQuery(String),
    /// Client-side work failed (the docs ranking).
    Other(orca_core::ConnectorError),
}

impl From<tokio_postgres::Error> for AgentError {
    fn from(e: tokio_postgres::Error) -> Self {
        AgentError::Sql(e)
    }
}

impl From<StoreAgentError> for AgentError {
    fn from(e: StoreAgentError) -> Self {
        match e {
            StoreAgentError::BadQuery(message) => AgentError::BadQuery(message),
            // The store's checks run no SQL; keep the reason if one ever does.
            StoreAgentError::Sql(e) => AgentError::BadQuery(e.to_string()),
        }
    }
}

/// Runs the query of `source`'s agent on `client`.
pub(crate) async fn run(
    client: &Client,
    source: SourceKey,
    query: &Query,
    ctx: &AgentContext,
) -> Result<QueryOutput, AgentError> {
    match source {
        SourceKey::Kusto => cases::run(client, query, ctx.now).await,
        SourceKey::Icm => incidents::run(client, query, ctx.now).await,
        SourceKey::Ado => work_items::run(client, query, ctx.now).await,
        SourceKey::Tenant => tenant::run(client, query, ctx).await,
        SourceKey::Docs => docs::run(client, query, ctx).await,
    }
}

/// One bound value.
pub(crate) type Param = Box<dyn ToSql + Sync + Send>;

/// A WHERE clause built from static fragments (each with as many `?` as values it binds) and
/// bound parameters.
#[derive(Default)]
pub(crate) struct Where {
    clauses: Vec<String>,
    params: Vec<Param>,
}

impl Where {
    /// A fragment without parameters.
    pub(crate) fn clause(&mut self, sql: &'static str) {
        self.clauses.push(sql.to_string());
    }

    /// A fragment with exactly one `?`.
    pub(crate) fn bind(&mut self, sql: &'static str, value: impl ToSql + Sync + Send + 'static) {
        self.clauses.push(sql.to_string());
        self.params.push(Box::new(value));
    }

    /// A fragment with one `?` after a column chosen from static fragments (`column` then `sql`).
    pub(crate) fn bind_on(
        &mut self,
        column: &'static str,
        sql: &'static str,
        value: impl ToSql + Sync + Send + 'static,
    ) {
        self.clauses.push(format!("{column}{sql}"));
        self.params.push(Box::new(value));
    }

    /// `bind`, only when the list has values (an empty filter list means "no filter").
    pub(crate) fn bind_list_if_any<T>(&mut self, sql: &'static str, values: Vec<T>)
    where
        Vec<T>: ToSql + Sync + Send + 'static,
    {
        if !values.is_empty() {
            self.bind(sql, values);
        }
    }

    /// The clauses joined with AND (`TRUE` when there are none), with `?` placeholders.
    pub(crate) fn sql(&self) -> String {
        if self.clauses.is_empty() {
            "TRUE".to_string()
        } else {
            self.clauses.join(" AND ")
        }
    }

    pub(crate) fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params
            .iter()
            .map(|p| p.as_ref() as &(dyn ToSql + Sync))
            .collect()
    }

    /// The parameters followed by more (e.g. LIMIT).
    pub(crate) fn params_with<'a>(
        &'a self,
        more: &[&'a (dyn ToSql + Sync)],
    ) -> Vec<&'a (dyn ToSql + Sync)> {
        let mut params = self.params();
        params.extend_from_slice(more);
        params
    }
}

/// `sql` with its `?` placeholders numbered `$1, $2, ...` in order; a `?` inside a quoted
/// literal or identifier is left alone.
pub(crate) fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    let mut quote: Option<char> = None;
    for c in sql.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                out.push(c);
            }
            (Some(_), c) => out.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                out.push(c);
            }
            (None, '?') => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            (None, c) => out.push(c),
        }
    }
    out
}

/// Runs `sql` (with `?` placeholders) and returns every row. The statement is prepared once per
/// pooled connection and kept (the texts come from fixed fragments, so there are few): an
/// unprepared query costs a second round trip (parse and describe) every time.
pub(crate) async fn query_rows(
    client: &Client,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<tokio_postgres::Row>, AgentError> {
    let statement = client.prepare_cached(&numbered(sql)).await?;
    Ok(client.query(&statement, params).await?)
}

/// The ids of the rows of `table` matching `w`, as the agents list rows (newest first, then the
/// highest id), capped at [`MAX_LINK_IDS`]. `id` is `text` (cases) or `bigint`.
pub(crate) async fn query_ids(
    client: &Client,
    table: &'static str,
    id: &'static str,
    integer: bool,
    w: &Where,
) -> Result<Vec<String>, AgentError> {
    let sql = format!(
        "SELECT t.{id} FROM {table} t WHERE {} ORDER BY t.created_at DESC, t.{id} DESC LIMIT ?",
        w.sql()
    );
    let rows = query_rows(client, &sql, &w.params_with(&[&MAX_LINK_IDS])).await?;
    rows.iter()
        .map(|row| {
            Ok(if integer {
                row.try_get::<_, i64>(0)?.to_string()
            } else {
                row.try_get::<_, String>(0)?
            })
        })
        .collect()
}

/// Applies the tenant scope (see the store's module docs). `named_items` says the query names its
/// items another way (context ids, or item ids of its own), which may stand in for a tenant.
pub(crate) fn tenant_scope(
    w: &mut Where,
    query: &Query,
    named_items: bool,
) -> Result<(), AgentError> {
    if query.all_tenants {
        if let Some(cohort) = cohort_of(query) {
            w.bind(
                "t.tenant_id IN (SELECT r.tenant_id FROM registry r WHERE lower(r.segment) = ?)",
                cohort.to_ascii_lowercase(),
            );
        }
        Ok(())
    } else if !query.tenant_ids.is_empty() {
        w.bind("t.tenant_id = ANY(?)", tenant_values(&query.tenant_ids));
        Ok(())
    } else if named_items {
        Ok(())
    } else {
        Err(AgentError::BadQuery(
            "the query names no tenant (set tenant_ids or all_tenants)".into(),
        ))
    }
}

/// The cohort asked, trimmed; `None` when absent or blank.
pub(crate) fn cohort_of(query: &Query) -> Option<&str> {
    query
        .cohort
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
}

/// Tenant ids as stored: trimmed, lower case.
pub(crate) fn tenant_values(ids: &[String]) -> Vec<String> {
    ids.iter().map(|t| t.trim().to_ascii_lowercase()).collect()
}

/// The time column (a static fragment such as `t.created_at`) of the range's event, or why the
/// source has none.
pub(crate) type TimeColumnOf = fn(TimeEvent) -> Result<&'static str, &'static str>;

/// Applies `time_range` to the column `column` picks for the range's event.
pub(crate) fn time_filter(
    w: &mut Where,
    query: &Query,
    column: TimeColumnOf,
) -> Result<(), AgentError> {
    let Some(range) = &query.time_range else {
        return Ok(());
    };
    let column = column(range.event).map_err(|reason| AgentError::BadQuery(reason.into()))?;
    w.bind_on(column, " >= ?", range.from.timestamp());
    if range.to_inclusive {
        w.bind_on(column, " <= ?", range.to.timestamp());
    } else {
        w.bind_on(column, " < ?", range.to.timestamp());
    }
    Ok(())
}

/// Applies `created_before` (CreatedAt at or before the instant).
pub(crate) fn created_before_filter(w: &mut Where, query: &Query) {
    if let Some(instant) = query.filters.created_before {
        w.bind("t.created_at <= ?", instant.timestamp());
    }
}

/// Applies `states` and `exclude_states` on `column`: the listed states `canonical` knows, in
/// their stored spelling; a list of which it knows none is ignored.
pub(crate) fn states_filter(
    w: &mut Where,
    query: &Query,
    included: &'static str,
    excluded: &'static str,
    canonical: fn(&str) -> Option<&'static str>,
) {
    let known = |states: &[String]| -> Vec<String> {
        states
            .iter()
            .filter_map(|s| canonical(s))
            .map(str::to_string)
            .collect()
    };
    w.bind_list_if_any(included, known(&query.filters.states));
    w.bind_list_if_any(excluded, known(&query.filters.exclude_states));
}

/// The fixed fragments of one agent's status meanings.
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

/// The owner asked for, trimmed and ASCII-folded (as `COLLATE NOCASE` compares); `None` when
/// absent or blank.
pub(crate) fn folded_owner(query: &Query) -> Option<String> {
    query
        .filters
        .owner
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(str::to_ascii_lowercase)
}

/// The item ids of `source` in the filters, trimmed; `None` when it has none.
pub(crate) fn item_ids(query: &Query, source: SourceKey) -> Option<Vec<String>> {
    let ids: Vec<String> = query
        .filters
        .ids_of(source)
        .map(|id| id.trim().to_string())
        .collect();
    (!ids.is_empty()).then_some(ids)
}

/// Integer ids; ids that are not integers are dropped, so they match nothing.
pub(crate) fn integer_ids<'a>(ids: impl IntoIterator<Item = &'a str>) -> Vec<i64> {
    ids.into_iter()
        .filter_map(|id| id.trim().parse::<i64>().ok())
        .collect()
}

/// Product area names as compared with an area column: trimmed, ASCII lower case, blanks
/// dropped.
pub(crate) fn area_names(areas: &[String]) -> Vec<String> {
    areas
        .iter()
        .map(|a| a.trim().to_ascii_lowercase())
        .filter(|a| !a.is_empty())
        .collect()
}

/// Regular expressions matching each area name as a whole word in a text that is lower-cased
/// and padded with one space on each side (`' ' || lower(x) || ' '`): the store's GLOB patterns
/// (`*[^a-z0-9]name[^a-z0-9]*`) as POSIX expressions, for each of the store's
/// [`area_word_forms`](crate::store::agents::area_word_forms).
pub(crate) fn area_word_patterns(areas: &[String], spaces_removed: bool) -> Vec<String> {
    crate::store::agents::area_word_forms(areas, spaces_removed)
        .iter()
        .map(|form| word_regex(form))
        .collect()
}

/// A regular expression for `phrase` with no ASCII letter or digit on either side; every ASCII
/// character of the phrase that is not a letter or digit is escaped, so it matches literally.
fn word_regex(phrase: &str) -> String {
    let mut pattern = String::from("[^a-z0-9]");
    for c in phrase.chars() {
        if c.is_ascii() && !c.is_ascii_alphanumeric() {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push_str("[^a-z0-9]");
    pattern
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

pub(crate) use crate::summaries::round1;

/// The timestamp of a nullable `bigint` column, formatted as the store does.
pub(crate) fn timestamp_at(
    row: &tokio_postgres::Row,
    index: usize,
) -> Result<Option<String>, AgentError> {
    Ok(row
        .try_get::<_, Option<i64>>(index)?
        .map(crate::store::model::format_timestamp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_outside_literals() {
        assert_eq!(
            numbered("a = ? AND b LIKE '[?]' AND \"c?\" = ANY(?)"),
            "a = $1 AND b LIKE '[?]' AND \"c?\" = ANY($2)"
        );
    }

    #[test]
    fn area_regexes_escape_punctuation() {
        let patterns = area_word_patterns(
            &["DLP".into(), " Data   Map ".into(), "a*b?[c]".into()],
            true,
        );
        assert_eq!(
            patterns,
            [
                "[^a-z0-9]dlp[^a-z0-9]",
                "[^a-z0-9]data\\ map[^a-z0-9]",
                "[^a-z0-9]datamap[^a-z0-9]",
                "[^a-z0-9]a\\*b\\?\\[c\\][^a-z0-9]"
            ]
        );
    }
}
