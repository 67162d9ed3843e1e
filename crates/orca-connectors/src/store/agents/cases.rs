//! `kusto`: support cases. Summary ([`CaseSummary`]): total, open, by_severity {A,B,C},
//! open_by_severity {A,B,C}, by_status, oldest_open_days; rows newest first; ids are case
//! numbers (for incidents linked to them).
//!
//! Filters (semantics in the parent module): time on CreatedAt, or ClosedAt for `event: closed`
//! (`mitigated` is a bad query: cases have no mitigated date); status; `states` among Active,
//! Waiting, Resolved, Closed; `severity` / `exclude_severity` letters; `product_areas` /
//! `exclude_product_areas` against ProductArea (case-insensitive); `created_before`; `owner`
//! against Owner (case-insensitive); `item_ids` of `kusto` against CaseNumber.

use crate::summaries::{self, CaseGroup};
use orca_core::shape::GroupBy;
use orca_core::{Query, QueryOutput, SourceKey, TimeEvent};
use rusqlite::Connection;
use rusqlite::types::{ToSql, Value};
use serde_json::json;

use super::shaping::{self, ItemTable};
use super::{
    AgentContext, AgentError, StatesSql, StatusSql, TimeColumn, Where, area_names,
    created_before_filter, item_ids, limit_of, owner_of, query_ids, query_rows, states_filter,
    status_filter, tenant_scope, time_column, time_filter,
};
use crate::store::model::{format_timestamp, parse_case_status};

fn is_open(status: &str) -> bool {
    status == "Active" || status == "Waiting"
}

/// Open cases, written as the two open states (the CHECK allows no others) so that it seeks
/// `cases_status_severity` and matches the partial index `cases_open_created` word for word.
const OPEN: &str = "t.status IN ('Active', 'Waiting')";
const CLOSED: &str = "t.status IN ('Resolved', 'Closed')";

/// The same with the status as `+t.status` (SQLite's way to keep a term from choosing the index),
/// for a list of product areas: the planner cannot tell how many values `IN rarray(?)` holds and
/// would seek `cases_status_severity` and look up every open case (~0.45 s on 372k cases, 81k
/// open) instead of reading the areas' entries of `cases_area_nocase`, status included (~15 ms).
const OPEN_BY_AREAS: &str = "+t.status IN ('Active', 'Waiting')";
const CLOSED_BY_AREAS: &str = "+t.status IN ('Resolved', 'Closed')";

pub(super) fn run(
    conn: &Connection,
    query: &Query,
    ctx: &AgentContext,
) -> Result<QueryOutput, AgentError> {
    let w = filter_of(query)?;
    let order = shaping::check(query, &CASES)?;
    let filter = w.sql();

    // One row per (status, severity): at most 12, folded into the summary. A count rank or
    // breakdown by another key groups by (key, status, severity) instead: the same scan gives
    // the summary and the counts per key (see `shaping::plan`).
    let plan = shaping::plan(query, &CASES, [GroupBy::Status, GroupBy::Severity]);
    let (groups, oldest, per_key) = match plan {
        shaping::Plan::Folded(key) => {
            let sql = format!(
                "SELECT {key}, t.status, t.severity, count(*), \
                        (SELECT min(t.created_at) FROM cases t WHERE {filter} AND {OPEN}) \
                 FROM cases t WHERE {filter} GROUP BY 1, 2, 3"
            );
            let params: Vec<&dyn ToSql> = w.params().chain(w.params()).collect();
            let mut stmt = conn.prepare(&sql)?;
            let mut rows = stmt.query(params.as_slice())?;
            let mut oldest = None;
            let mut groups: Vec<(String, String, i64)> = Vec::new();
            let mut per_key: Vec<(String, i64)> = Vec::new();
            // ~11,000 rows for all tenants: read in place, a key allocated once per key.
            while let Some(row) = rows.next()? {
                let text = |i: usize| {
                    let value = row.get_ref(i)?;
                    value.as_str().map_err(|e| {
                        rusqlite::Error::FromSqlConversionFailure(i, value.data_type(), e.into())
                    })
                };
                let (key, status, severity) = (text(0)?, text(1)?, text(2)?);
                let n: i64 = row.get(3)?;
                oldest = row.get(4)?;
                match groups.iter_mut().find(|g| g.0 == status && g.1 == severity) {
                    Some(group) => group.2 += n,
                    None => groups.push((status.to_string(), severity.to_string(), n)),
                }
                // Rows come grouped by key (GROUP BY 1, 2, 3), but do not rely on it.
                match per_key.last_mut().filter(|k| k.0 == key) {
                    Some(entry) => entry.1 += n,
                    None => match per_key.iter_mut().find(|k| k.0 == key) {
                        Some(entry) => entry.1 += n,
                        None => per_key.push((key.to_string(), n)),
                    },
                }
            }
            (groups, oldest, Some(per_key))
        }
        _ => {
            let rows: Vec<(String, String, i64, i64)> = query_rows(
                conn,
                &summary_sql(&filter),
                &w.params().collect::<Vec<_>>(),
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )?;
            let oldest = rows.iter().filter(|g| is_open(&g.0)).map(|g| g.3).min();
            let groups = rows
                .into_iter()
                .map(|(st, sev, n, _)| (st, sev, n))
                .collect();
            (groups, oldest, None)
        }
    };
    let case_groups: Vec<CaseGroup> = groups
        .iter()
        .map(|(status, severity, count)| CaseGroup {
            status: status.clone(),
            severity: severity.clone(),
            count: *count,
        })
        .collect();
    let (summary, total) = summaries::cases(&case_groups, oldest, ctx.now);

    if shaping::is_aggregated(query.shape.intent) {
        let (shaped, queries) = match (plan, per_key) {
            (shaping::Plan::Folded(_), Some(per_key)) => {
                let (shaped, names) = shaping::from_counts(conn, query, &CASES, per_key, total)?;
                (shaped, 1 + names)
            }
            (shaping::Plan::FromSummary(column), _) => {
                let mut counts: Vec<(String, i64)> = Vec::new();
                for (status, severity, n) in &groups {
                    let key = if column == 0 { status } else { severity };
                    match counts.iter_mut().find(|c| &c.0 == key) {
                        Some(c) => c.1 += n,
                        None => counts.push((key.clone(), *n)),
                    }
                }
                let (shaped, names) = shaping::from_counts(conn, query, &CASES, counts, total)?;
                (shaped, 1 + names)
            }
            _ => shaping::aggregate(conn, query, ctx.now, &w, &CASES, total)?,
        };
        return Ok(shaping::aggregated_output(summary, shaped, queries));
    }

    let rows_sql = format!(
        "SELECT t.case_number, t.tenant_id, r.name, t.title, t.severity, t.status, t.product_area, \
                t.created_at, t.closed_at, t.owner \
         FROM (SELECT t.rowid AS id FROM cases t WHERE {filter} ORDER BY {order} LIMIT ?) k \
         CROSS JOIN cases t ON t.rowid = k.id LEFT JOIN registry r ON r.tenant_id = t.tenant_id \
         ORDER BY {order}"
    );
    let rows: Vec<serde_json::Value> =
        query_rows(conn, &rows_sql, &w.params_with(&limit_of(query)), |row| {
            Ok(json!({
                "CaseNumber": row.get::<_, String>(0)?,
                "TenantId": row.get::<_, String>(1)?,
                "CustomerName": row.get::<_, Option<String>>(2)?,
                "Title": row.get::<_, String>(3)?,
                "Severity": row.get::<_, String>(4)?,
                "Status": row.get::<_, String>(5)?,
                "ProductArea": row.get::<_, String>(6)?,
                "CreatedAt": format_timestamp(row.get(7)?),
                "ClosedAt": row.get::<_, Option<i64>>(8)?.map(format_timestamp),
                "Owner": row.get::<_, String>(9)?,
            }))
        })?;
    let ids = query_ids::<String>(conn, "cases", "case_number", &w)?;
    let shaped = shaping::list_bounds(query, rows.len(), total);

    Ok(QueryOutput {
        summary,
        rows,
        ids,
        queries: 3,
        shaped: Box::new(shaped),
    })
}

/// The summary's one row per (status, severity) of the cases `filter` keeps: count and oldest.
fn summary_sql(filter: &str) -> String {
    format!(
        "SELECT t.status, t.severity, count(*), min(t.created_at) FROM cases t \
         WHERE {filter} GROUP BY t.status, t.severity"
    )
}

/// The WHERE clause of the cases a query keeps (every filter of the module docs).
fn filter_of(query: &Query) -> Result<Where, AgentError> {
    let mut w = Where::default();
    let ids = item_ids(query, SourceKey::Kusto);
    tenant_scope(&mut w, query, ids.is_some())?;
    if let Some(ids) = ids {
        w.bind_list(
            "t.case_number IN rarray(?)",
            ids.into_iter()
                .map(|id| Value::Text(id.to_string()))
                .collect(),
        );
    }
    time_filter(&mut w, query, time_column)?;
    created_before_filter(&mut w, query);
    let mut areas = area_names(&query.filters.product_areas);
    let (open, closed) = if areas.len() > 1 {
        (OPEN_BY_AREAS, CLOSED_BY_AREAS)
    } else {
        (OPEN, CLOSED)
    };
    status_filter(
        &mut w,
        query,
        &StatusSql {
            open,
            closed,
            unresolved: open,
        },
    );
    let severities: Vec<Value> = query
        .filters
        .case_severities()
        .map(|s| Value::Text(s.to_ascii_uppercase()))
        .collect();
    w.bind_list_if_any("t.severity IN rarray(?)", severities);
    let excluded: Vec<Value> = query
        .filters
        .excluded_case_severities()
        .map(|s| Value::Text(s.to_ascii_uppercase()))
        .collect();
    w.bind_list_if_any("t.severity NOT IN rarray(?)", excluded);
    states_filter(
        &mut w,
        query,
        &StatesSql {
            included: "t.status IN rarray(?)",
            excluded: "t.status NOT IN rarray(?)",
        },
        parse_case_status,
    );
    // One area (the usual question) as `=`: the planner then knows it selects one value and
    // seeks `cases_area_nocase` by area and status; with `IN rarray(?)` it cannot tell how many
    // values the list has and prefers `cases_status_severity` and a lookup per case (a status
    // filter then keeps from that index: `OPEN_BY_AREAS`).
    if areas.len() == 1 {
        w.bind("lower(t.product_area) = ?", areas.remove(0));
    } else {
        w.bind_list_if_any("lower(t.product_area) IN rarray(?)", areas);
    }
    let excluded_areas = area_names(&query.filters.exclude_product_areas);
    w.bind_list_if_any("lower(t.product_area) NOT IN rarray(?)", excluded_areas);
    if let Some(owner) = owner_of(query) {
        w.bind("t.owner = ? COLLATE NOCASE", owner);
    }
    Ok(w)
}

/// The shapes of cases: every group but work item type; severity sorts A, B, C.
pub(crate) const CASES: ItemTable = ItemTable {
    table: "cases",
    noun: "cases",
    newest_first: "t.created_at DESC, t.case_number DESC",
    oldest_first: "t.created_at ASC, t.case_number ASC",
    most_severe_first: Some("t.severity ASC, t.created_at DESC, t.case_number DESC"),
    least_severe_first: Some("t.severity DESC, t.created_at DESC, t.case_number DESC"),
    group_key: |group_by| match group_by {
        GroupBy::ProductArea => Ok("t.product_area"),
        GroupBy::Severity => Ok("t.severity"),
        GroupBy::Status => Ok("t.status"),
        GroupBy::Owner => Ok("t.owner"),
        GroupBy::Customer => Ok("t.tenant_id"),
        GroupBy::WorkItemType => Err("cases have no work item type to group by"),
    },
    key_name: |key| key,
    hours_to_mitigate: None,
    time_column,
};

/// The column of a time event: CreatedAt, ClosedAt; cases have no mitigated date.
fn time_column(event: TimeEvent) -> Result<TimeColumn, &'static str> {
    match event {
        TimeEvent::Created => Ok(time_column!("t.created_at")),
        TimeEvent::Closed => Ok(time_column!("t.closed_at")),
        TimeEvent::Mitigated => Err("cases have no mitigated date"),
    }
}

#[cfg(test)]
mod tests {
    use orca_core::StatusFilter;

    use super::*;
    use crate::store::agents::MAX_LINK_IDS_PARAM;
    use crate::store::schema;

    /// A store of 2,400 cases over 8 areas, 24 owners, 4 statuses and 3 severities, with
    /// statistics (as every load leaves them).
    fn store() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        schema::migrate(&mut conn).unwrap();
        rusqlite::vtab::array::load_module(&conn).unwrap();
        let areas = [
            "DLP",
            "Audit",
            "eDiscovery",
            "Retention",
            "Data Map",
            "Insider Risk",
        ];
        let statuses = ["Active", "Waiting", "Resolved", "Closed", "Closed"];
        let tx = conn.transaction().unwrap();
        for i in 0..2_400_i64 {
            tx.execute(
                "INSERT INTO cases VALUES (?1, ?2, 't', ?3, ?4, ?5, ?6, NULL, ?7)",
                rusqlite::params![
                    format!("{:016}", 2_601_010_000_000_000_i64 + i),
                    format!("tenant-{}", i % 100),
                    ["A", "B", "C"][(i % 3) as usize],
                    statuses[(i % 5) as usize],
                    areas[(i % 6) as usize],
                    1_767_225_600 + i * 3_600,
                    format!("Owner {}", i % 24),
                ],
            )
            .unwrap();
        }
        tx.execute_batch("ANALYZE cases").unwrap();
        tx.commit().unwrap();
        conn
    }

    /// `EXPLAIN QUERY PLAN` of `sql` (with the parameters of `w` and then `extra`), one line.
    fn plan_of(conn: &Connection, sql: &str, w: &Where, extra: &[&dyn ToSql]) -> String {
        let params: Vec<&dyn ToSql> = w.params().chain(extra.iter().copied()).collect();
        query_rows::<String, Vec<_>>(conn, &format!("EXPLAIN QUERY PLAN {sql}"), &params, |row| {
            row.get(3)
        })
        .unwrap()
        .join("; ")
    }

    #[test]
    fn area_and_owner_filters_seek_their_folded_indexes() {
        let conn = store();
        let all = Query {
            all_tenants: true,
            ..Query::new(SourceKey::Kusto)
        };
        let mut dlp = all.clone();
        dlp.filters.product_areas = vec![" dlp ".into()];
        let mut open_dlp = dlp.clone();
        open_dlp.filters.status = Some(StatusFilter::Open);
        let mut owned = all.clone();
        owned.filters.owner = Some("OWNER 7".into());
        let mut open_owned = owned.clone();
        open_owned.filters.status = Some(StatusFilter::Open);
        let mut two = dlp.clone();
        two.filters.product_areas.push("Audit".into());
        let mut open_two = two.clone();
        open_two.filters.status = Some(StatusFilter::Open);
        let mut closed_two = two.clone();
        closed_two.filters.status = Some(StatusFilter::Closed);
        for (query, index) in [
            (&dlp, "cases_area_nocase"),
            (&open_dlp, "cases_area_nocase"),
            (&two, "cases_area_nocase"),
            (&open_two, "cases_area_nocase"),
            (&closed_two, "cases_area_nocase"),
            (&owned, "cases_owner_nocase"),
            (&open_owned, "cases_owner_nocase"),
        ] {
            let w = filter_of(query).unwrap();
            let filter = w.sql();
            let ids = format!(
                "SELECT t.case_number FROM cases t WHERE {filter} \
                 ORDER BY t.created_at DESC, t.case_number DESC LIMIT ?"
            );
            for (sql, extra) in [
                (summary_sql(&filter), &[] as &[&dyn ToSql]),
                (ids, &[&MAX_LINK_IDS_PARAM as &dyn ToSql]),
            ] {
                let plan = plan_of(&conn, &sql, &w, extra);
                assert!(
                    plan.starts_with(&format!("SEARCH t USING COVERING INDEX {index} (")),
                    "{sql}: {plan}"
                );
            }
        }
        // A rank of one area's cases per customer reads the same index, not the table.
        let w = filter_of(&dlp).unwrap();
        let filter = w.sql();
        let rank = format!(
            "SELECT t.tenant_id, t.status, t.severity, count(*) FROM cases t WHERE {filter} \
             GROUP BY 1, 2, 3"
        );
        let plan = plan_of(&conn, &rank, &w, &[]);
        assert!(
            plan.starts_with("SEARCH t USING COVERING INDEX cases_area_nocase ("),
            "{plan}"
        );
    }

    #[test]
    fn one_area_or_several_keep_the_same_cases() {
        let conn = store();
        let count = |areas: &[&str]| -> i64 {
            let mut query = Query {
                all_tenants: true,
                ..Query::new(SourceKey::Kusto)
            };
            query.filters.product_areas = areas.iter().map(|a| a.to_string()).collect();
            let w = filter_of(&query).unwrap();
            let sql = format!("SELECT count(*) FROM cases t WHERE {}", w.sql());
            let params: Vec<&dyn ToSql> = w.params().collect();
            conn.query_row(&sql, params.as_slice(), |row| row.get(0))
                .unwrap()
        };
        assert_eq!(count(&["DATA MAP"]), 400);
        assert_eq!(count(&["data map", "Data Map"]), 400);
        assert_eq!(count(&["dlp", "audit"]), 800);
        let open = |areas: &[&str]| -> i64 {
            let mut query = Query {
                all_tenants: true,
                ..Query::new(SourceKey::Kusto)
            };
            query.filters.status = Some(StatusFilter::Open);
            query.filters.product_areas = areas.iter().map(|a| a.to_string()).collect();
            let w = filter_of(&query).unwrap();
            let sql = format!("SELECT count(*) FROM cases t WHERE {}", w.sql());
            let params: Vec<&dyn ToSql> = w.params().collect();
            conn.query_row(&sql, params.as_slice(), |row| row.get(0))
                .unwrap()
        };
        // Statuses cycle Active, Waiting, Resolved, Closed, Closed over i; areas over i % 6.
        let truth: i64 = conn
            .query_row(
                "SELECT count(*) FROM cases WHERE status IN ('Active', 'Waiting') \
                 AND product_area IN ('DLP', 'Audit')",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(open(&["dlp", "AUDIT"]), truth);
        assert_eq!(open(&["dlp"]) + open(&["audit"]), truth);
        assert_eq!(count(&["  "]), 2_400);
    }
}
