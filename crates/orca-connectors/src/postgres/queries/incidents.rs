//! `icm`: incidents in PostgreSQL, with the store's summary, rows, ids and filters
//! (`store/agents/incidents.rs` documents them): time on CreatedAt, ResolvedAt or MitigatedAt;
//! status (open = Active, unresolved = Active or Mitigated); `states`; severity digits (`25` =
//! Sev 2.5); product areas as a whole word in Title; OwningTeam case-insensitive; `item_ids`
//! against IncidentId; with `kusto` context, the incidents linked to those cases.

use crate::summaries::{self, IncidentGroup};
use deadpool_postgres::ClientWrapper as Client;
use orca_core::shape::GroupBy;
use orca_core::{Query, QueryOutput, SourceKey, TimeEvent};
use serde_json::json;

use super::shaping::{self, PgTable};
use super::{
    AgentError, StatusSql, Where, area_word_patterns, context_ids, created_before_filter,
    folded_owner, integer_ids, item_ids, limit_of, query_ids, query_rows, states_filter,
    status_filter, tenant_scope, time_filter,
};
use crate::store::agents::shaping::{aggregated_output, is_aggregated, list_bounds};
use crate::store::model::{format_timestamp, parse_incident_severity, parse_incident_status};

pub(crate) async fn run(
    client: &Client,
    query: &Query,
    now: i64,
) -> Result<QueryOutput, AgentError> {
    let mut w = Where::default();
    let linked = context_ids(query, SourceKey::Kusto);
    let ids = item_ids(query, SourceKey::Icm);
    tenant_scope(&mut w, query, linked.is_some() || ids.is_some())?;
    if let Some(ids) = ids {
        w.bind(
            "t.incident_id = ANY(?)",
            integer_ids(ids.iter().map(String::as_str)),
        );
    }
    match linked {
        Some(case_numbers) => w.bind("t.case_number = ANY(?)", case_numbers),
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
    let severities: Vec<i64> = query
        .filters
        .incident_severities()
        .filter_map(parse_incident_severity)
        .collect();
    if query.filters.incident_severities().next().is_some() {
        w.bind("t.severity = ANY(?)", severities);
    }
    let excluded: Vec<i64> = query
        .filters
        .excluded_incident_severities()
        .filter_map(parse_incident_severity)
        .collect();
    w.bind_list_if_any("t.severity <> ALL(?)", excluded);
    states_filter(
        &mut w,
        query,
        "t.status = ANY(?)",
        "t.status <> ALL(?)",
        incident_state,
    );
    w.bind_list_if_any(
        "EXISTS (SELECT 1 FROM unnest(?::text[]) a(p) WHERE (' ' || lower(t.title) || ' ') ~ a.p)",
        area_word_patterns(&query.filters.product_areas, true),
    );
    w.bind_list_if_any(
        "NOT EXISTS (SELECT 1 FROM unnest(?::text[]) a(p) WHERE (' ' || lower(t.title) || ' ') ~ a.p)",
        area_word_patterns(&query.filters.exclude_product_areas, true),
    );
    if let Some(owner) = folded_owner(query) {
        w.bind("lower(t.owning_team) = ?", owner);
    }
    let order = shaping::check(query, &INCIDENTS)?;
    let filter = w.sql();

    // One row per (status, severity): at most 18, folded into the summary.
    let summary_sql = format!(
        "SELECT t.status, t.severity, count(*), sum(t.mitigated_at - t.created_at)::bigint, \
                count(t.mitigated_at) \
         FROM incidents t WHERE {filter} GROUP BY t.status, t.severity"
    );
    let mut groups: Vec<(String, i64, i64, Option<i64>, i64)> = Vec::new();
    for row in query_rows(client, &summary_sql, &w.params()).await? {
        groups.push((
            row.try_get(0)?,
            row.try_get(1)?,
            row.try_get(2)?,
            row.try_get(3)?,
            row.try_get(4)?,
        ));
    }
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

    if is_aggregated(query.shape.intent) {
        let shaped = shaping::aggregate(client, query, now, &w, &INCIDENTS, total).await?;
        return Ok(aggregated_output(summary, shaped, 2));
    }

    let rows_sql = format!(
        "SELECT t.incident_id, t.tenant_id, r.name, t.severity, t.status, t.title, t.owning_team, \
                t.created_at, t.mitigated_at, t.resolved_at, t.case_number \
         FROM incidents t LEFT JOIN registry r ON r.tenant_id = t.tenant_id \
         WHERE {filter} ORDER BY {order} LIMIT ?"
    );
    let limit = limit_of(query);
    let mut rows = Vec::new();
    for row in query_rows(client, &rows_sql, &w.params_with(&[&limit])).await? {
        rows.push(json!({
            "IncidentId": row.try_get::<_, i64>(0)?,
            "TenantId": row.try_get::<_, String>(1)?,
            "CustomerName": row.try_get::<_, Option<String>>(2)?,
            "Severity": row.try_get::<_, i64>(3)?,
            "Status": row.try_get::<_, String>(4)?,
            "Title": row.try_get::<_, String>(5)?,
            "OwningTeam": row.try_get::<_, String>(6)?,
            "CreatedAt": format_timestamp(row.try_get(7)?),
            "MitigatedAt": super::timestamp_at(&row, 8)?,
            "ResolvedAt": super::timestamp_at(&row, 9)?,
            "CaseNumber": row.try_get::<_, Option<String>>(10)?,
        }));
    }
    let ids = query_ids(client, "incidents", "incident_id", true, &w).await?;
    let shaped = list_bounds(query, rows.len(), total);
    Ok(QueryOutput {
        summary,
        rows,
        ids,
        queries: 3,
        shaped: Box::new(shaped),
    })
}

/// The product area of an incident: the bracketed tag its title starts with (`[DLP] ...`),
/// `(none)` without one; the store's `AREA_TAG` (GLOB `'[[]?*]*'`) as LIKE.
const AREA_TAG: &str = "CASE WHEN t.title LIKE '[_%]%' \
     THEN substr(t.title, 2, strpos(t.title, ']') - 2) ELSE '(none)' END";

/// Incidents: the store's table; severity keys as the summary's (`25` = 2.5).
pub(crate) const INCIDENTS: PgTable = PgTable {
    store: &crate::store::agents::incidents::INCIDENTS,
    group_key: |group_by| match group_by {
        GroupBy::ProductArea => Some(AREA_TAG),
        GroupBy::Severity => Some("t.severity::text"),
        GroupBy::Status => Some("t.status"),
        GroupBy::Owner => Some("t.owning_team"),
        GroupBy::Customer => Some("t.tenant_id"),
        GroupBy::WorkItemType => None,
    },
    hours_to_mitigate: Some("avg((t.mitigated_at - t.created_at)::float8 / 3600.0::float8)"),
    time_column,
};

/// The column of a time event: CreatedAt, ResolvedAt (closed), MitigatedAt.
fn time_column(event: TimeEvent) -> Result<&'static str, &'static str> {
    Ok(match event {
        TimeEvent::Created => "t.created_at",
        TimeEvent::Closed => "t.resolved_at",
        TimeEvent::Mitigated => "t.mitigated_at",
    })
}

/// An incident state as stored; "Closed" is their terminal state Resolved (as the store).
fn incident_state(state: &str) -> Option<&'static str> {
    if state.trim().eq_ignore_ascii_case("closed") {
        Some("Resolved")
    } else {
        parse_incident_status(state)
    }
}
