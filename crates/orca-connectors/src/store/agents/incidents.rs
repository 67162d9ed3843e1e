//! `icm`: incidents. Summary: total, active, by_severity (1, 2, 25, 3, 4; 0 when present),
//! by_status, mean_time_to_mitigate_hours (null when none mitigated); ids are incident ids (for
//! work items linked to them). With `kusto` context: the incidents linked to those cases.
//!
//! Filters (semantics in the parent module): time on CreatedAt, ResolvedAt for `event: closed`,
//! MitigatedAt for `event: mitigated`; status (open = Active, unresolved = Active or Mitigated);
//! `states` among Active, Mitigated, Resolved; `severity` / `exclude_severity` digits (`25` =
//! Sev 2.5); `product_areas` / `exclude_product_areas` as a whole word in Title, as written or
//! with spaces removed (incidents have no area column; the demo data writes `[DLP] ...`);
//! `created_before`; `owner` against OwningTeam (case-insensitive); `item_ids` of `icm` against
//! IncidentId (non-numeric ids match nothing).

use orca_core::{Query, QueryOutput, SourceKey, TimeEvent};
use rusqlite::Connection;
use rusqlite::types::Value;
use serde_json::{Map, json};

use super::{
    AgentError, StatesSql, StatusSql, Where, area_word_patterns, context_ids,
    created_before_filter, integer_ids, item_ids, limit_of, owner_of, query_ids, query_rows,
    query_summary, round1, states_filter, status_filter, tenant_scope, time_column, time_filter,
};
use crate::store::model::{format_timestamp, parse_incident_severity, parse_incident_status};

pub(super) fn run(conn: &Connection, query: &Query) -> Result<QueryOutput, AgentError> {
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
            time_filter(&mut w, query, |event| {
                Ok(match event {
                    TimeEvent::Created => time_column!("t.created_at"),
                    TimeEvent::Closed => time_column!("t.resolved_at"),
                    TimeEvent::Mitigated => time_column!("t.mitigated_at"),
                })
            })?;
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
    let filter = w.sql();

    let summary_sql = format!(
        "SELECT count(*), coalesce(sum(t.status = 'Active'), 0), \
            coalesce(sum(t.severity = 0), 0), coalesce(sum(t.severity = 1), 0), coalesce(sum(t.severity = 2), 0), \
            coalesce(sum(t.severity = 25), 0), coalesce(sum(t.severity = 3), 0), coalesce(sum(t.severity = 4), 0), \
            coalesce(sum(t.status = 'Mitigated'), 0), coalesce(sum(t.status = 'Resolved'), 0), \
            avg(CASE WHEN t.mitigated_at IS NOT NULL THEN (t.mitigated_at - t.created_at) / 3600.0 END) \
         FROM incidents t WHERE {filter}"
    );
    let summary = query_summary(conn, &summary_sql, &w, |row, summary| {
        let n = |i: usize| row.get::<_, i64>(i);
        summary.insert("total".into(), json!(n(0)?));
        summary.insert("active".into(), json!(n(1)?));
        summary.insert("open".into(), json!(n(1)?));
        let mut by_severity = Map::new();
        if n(2)? > 0 {
            by_severity.insert("0".into(), json!(n(2)?));
        }
        for (key, i) in [("1", 3), ("2", 4), ("25", 5), ("3", 6), ("4", 7)] {
            by_severity.insert(key.into(), json!(n(i)?));
        }
        summary.insert("by_severity".into(), by_severity.into());
        summary.insert(
            "by_status".into(),
            json!({"Active": n(1)?, "Mitigated": n(8)?, "Resolved": n(9)?}),
        );
        let mttm: Option<f64> = row.get(10)?;
        summary.insert(
            "mean_time_to_mitigate_hours".into(),
            json!(mttm.map(round1)),
        );
        Ok(())
    })?;

    let rows_sql = format!(
        "SELECT t.incident_id, t.tenant_id, r.name, t.severity, t.status, t.title, t.owning_team, \
                t.created_at, t.mitigated_at, t.resolved_at, t.case_number \
         FROM incidents t LEFT JOIN registry r ON r.tenant_id = t.tenant_id \
         WHERE {filter} ORDER BY t.created_at DESC, t.incident_id DESC LIMIT ?"
    );
    let rows = query_rows(conn, &rows_sql, &w.params_with(&limit_of(query)), |row| {
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

    Ok(QueryOutput {
        summary,
        rows,
        ids,
        queries: 3,
        shaped: Default::default(),
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
