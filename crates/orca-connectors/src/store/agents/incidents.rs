//! `icm`: incidents. Summary ([`IncidentSummary`]): total, active, by_severity (1, 2, 25, 3, 4;
//! 0 when present), by_status, mean_time_to_mitigate_hours (null when none mitigated); ids are
//! incident ids (for work items linked to them). With `kusto` context: the incidents linked to
//! those cases.
//!
//! Filters (semantics in the parent module): time on CreatedAt, ResolvedAt for `event: closed`,
//! MitigatedAt for `event: mitigated`; status (open = Active, unresolved = Active or Mitigated);
//! `states` among Active, Mitigated, Resolved; `severity` / `exclude_severity` digits (`25` =
//! Sev 2.5); `product_areas` / `exclude_product_areas` as a whole word in Title, as written or
//! with spaces removed (incidents have no area column; the demo data writes `[DLP] ...`);
//! `created_before`; `owner` against OwningTeam (case-insensitive); `item_ids` of `icm` against
//! IncidentId (non-numeric ids match nothing).

use crate::summaries::{self, IncidentGroup};
use orca_core::shape::GroupBy;
use orca_core::{Query, QueryOutput, SourceKey, TimeEvent};
use rusqlite::Connection;
use rusqlite::types::Value;
use serde_json::json;

use super::shaping::{self, ItemTable};
use super::{
    AgentError, StatesSql, StatusSql, TimeColumn, Where, area_word_patterns, context_ids,
    created_before_filter, integer_ids, item_ids, limit_of, owner_of, query_ids, query_rows,
    states_filter, status_filter, tenant_scope, time_column, time_filter,
};
use crate::store::model::{format_timestamp, parse_incident_severity, parse_incident_status};

pub(super) fn run(conn: &Connection, query: &Query, now: i64) -> Result<QueryOutput, AgentError> {
    let mut w = Where::default();
    let linked = context_ids(query, SourceKey::Kusto);
    let ids = item_ids(query, SourceKey::Icm);
    tenant_scope(&mut w, query, linked.is_some() || ids.is_some())?;
    if let Some(ids) = ids {
        w.bind_list("t.incident_id IN rarray(?)", integer_ids(ids));
    }
    match linked {
        Some(case_numbers) => w.bind_list(
            "t.case_number IN rarray(?)",
            case_numbers.into_iter().map(Value::Text).collect(),
        ),
        None => {
            time_filter(&mut w, query, time_column)?;
            created_before_filter(&mut w, query);
        }
    }
    status_filter(
        &mut w,
        query,
        &StatusSql {
            open: "t.status = 'Active'",
            closed: "t.status <> 'Active'",
            unresolved: "t.status <> 'Resolved'",
        },
    );
    let severities: Vec<Value> = query
        .filters
        .incident_severities()
        .filter_map(parse_incident_severity)
        .map(Value::Integer)
        .collect();
    if query.filters.incident_severities().next().is_some() {
        w.bind_list("t.severity IN rarray(?)", severities);
    }
    let excluded: Vec<Value> = query
        .filters
        .excluded_incident_severities()
        .filter_map(parse_incident_severity)
        .map(Value::Integer)
        .collect();
    w.bind_list_if_any("t.severity NOT IN rarray(?)", excluded);
    states_filter(
        &mut w,
        query,
        &StatesSql {
            included: "t.status IN rarray(?)",
            excluded: "t.status NOT IN rarray(?)",
        },
        incident_state,
    );
    let areas = area_word_patterns(&query.filters.product_areas, true);
    w.bind_list_if_any(
        "EXISTS (SELECT 1 FROM rarray(?) a WHERE ' ' || lower(t.title) || ' ' GLOB a.value)",
        areas,
    );
    let excluded_areas = area_word_patterns(&query.filters.exclude_product_areas, true);
    w.bind_list_if_any(
        "NOT EXISTS (SELECT 1 FROM rarray(?) a WHERE ' ' || lower(t.title) || ' ' GLOB a.value)",
        excluded_areas,
    );
    if let Some(owner) = owner_of(query) {
        w.bind("t.owning_team = ? COLLATE NOCASE", owner);
    }
    let order = shaping::check(query, &INCIDENTS)?;
    let filter = w.sql();

    // One row per (status, severity): at most 18, folded into the summary.
    let summary_sql = format!(
        "SELECT t.status, t.severity, count(*), sum(t.mitigated_at - t.created_at), \
                count(t.mitigated_at) \
         FROM incidents t WHERE {filter} GROUP BY t.status, t.severity"
    );
    let groups: Vec<(String, i64, i64, Option<i64>, i64)> =
        query_rows(conn, &summary_sql, &w.params().collect::<Vec<_>>(), |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
            ))
        })?;
    let incident_groups: Vec<IncidentGroup> = groups
        .iter()
        .map(
            |(status, severity, count, seconds, mitigated)| IncidentGroup {
                status: status.clone(),
                severity: *severity,
                count: *count,
                mitigation_seconds: seconds.unwrap_or(0) as f64,
                mitigated: *mitigated,
            },
        )
        .collect();
    let (summary, total) = summaries::incidents(&incident_groups);

    if shaping::is_aggregated(query.shape.intent) {
        let (shaped, queries) = shaping::aggregate(conn, query, now, &w, &INCIDENTS, total)?;
        return Ok(shaping::aggregated_output(summary, shaped, queries));
    }

    let rows_sql = format!(
        "SELECT t.incident_id, t.tenant_id, r.name, t.severity, t.status, t.title, t.owning_team, \
                t.created_at, t.mitigated_at, t.resolved_at, t.case_number \
         FROM incidents t LEFT JOIN registry r ON r.tenant_id = t.tenant_id \
         WHERE {filter} ORDER BY {order} LIMIT ?"
    );
    let rows: Vec<serde_json::Value> =
        query_rows(conn, &rows_sql, &w.params_with(&limit_of(query)), |row| {
            Ok(json!({
                "IncidentId": row.get::<_, i64>(0)?,
                "TenantId": row.get::<_, String>(1)?,
                "CustomerName": row.get::<_, Option<String>>(2)?,
                "Severity": row.get::<_, i64>(3)?,
                "Status": row.get::<_, String>(4)?,
                "Title": row.get::<_, String>(5)?,
                "OwningTeam": row.get::<_, String>(6)?,
                "CreatedAt": format_timestamp(row.get(7)?),
                "MitigatedAt": row.get::<_, Option<i64>>(8)?.map(format_timestamp),
                "ResolvedAt": row.get::<_, Option<i64>>(9)?.map(format_timestamp),
                "CaseNumber": row.get::<_, Option<String>>(10)?,
            }))
        })?;
    let ids = query_ids::<i64>(conn, "incidents", "incident_id", &w)?;
    let shaped = shaping::list_bounds(query, rows.len(), total);

    Ok(QueryOutput {
        summary,
        rows,
        ids,
        queries: 3,
        shaped: Box::new(shaped),
    })
}

/// The product area of an incident: the bracketed tag its title starts with (`[DLP] ...`),
/// `(none)` without one. The same expression is indexed (`incidents_area`).
const AREA_TAG: &str = "CASE WHEN t.title GLOB '[[]?*]*' \
     THEN substr(t.title, 2, instr(t.title, ']') - 2) ELSE '(none)' END";

/// The shapes of incidents: severity sorts 0, 1, 2, 2.5, 3, 4 (stored 25 sorts as 2.5); groups
/// by severity (keys as the summary's: `25` = 2.5), status, owner (OwningTeam), customer and
/// product area (the title's tag).
pub(crate) const INCIDENTS: ItemTable = ItemTable {
    table: "incidents",
    noun: "incidents",
    newest_first: "t.created_at DESC, t.incident_id DESC",
    oldest_first: "t.created_at ASC, t.incident_id ASC",
    most_severe_first: Some(
        "CASE t.severity WHEN 25 THEN 2.5 ELSE t.severity END ASC, t.created_at DESC, t.incident_id DESC",
    ),
    least_severe_first: Some(
        "CASE t.severity WHEN 25 THEN 2.5 ELSE t.severity END DESC, t.created_at DESC, t.incident_id DESC",
    ),
    group_key: |group_by| match group_by {
        GroupBy::ProductArea => Ok(AREA_TAG),
        GroupBy::Severity => Ok("CAST(t.severity AS TEXT)"),
        GroupBy::Status => Ok("t.status"),
        GroupBy::Owner => Ok("t.owning_team"),
        GroupBy::Customer => Ok("t.tenant_id"),
        GroupBy::WorkItemType => Err("incidents have no work item type to group by"),
    },
    key_name: |key| key,
    hours_to_mitigate: Some("avg((t.mitigated_at - t.created_at) / 3600.0)"),
    time_column,
};

/// The column of a time event: CreatedAt, ResolvedAt (closed), MitigatedAt.
fn time_column(event: TimeEvent) -> Result<TimeColumn, &'static str> {
    Ok(match event {
        TimeEvent::Created => time_column!("t.created_at"),
        TimeEvent::Closed => time_column!("t.resolved_at"),
        TimeEvent::Mitigated => time_column!("t.mitigated_at"),
    })
}

/// An incident state as stored; "Closed", a state incidents do not have, is their terminal
/// state Resolved ("closed incidents").
fn incident_state(state: &str) -> Option<&'static str> {
    if state.trim().eq_ignore_ascii_case("closed") {
        Some("Resolved")
    } else {
        parse_incident_status(state)
    }
}
