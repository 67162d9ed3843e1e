//! `kusto`: support cases in PostgreSQL, with the store's summary, rows, ids and filters
//! (`store/agents/cases.rs` documents them): time on CreatedAt or ClosedAt; status; `states`;
//! severity letters; product areas against ProductArea and the owner against Owner, both
//! case-insensitive (ASCII); `item_ids` against CaseNumber.

use crate::summaries::{self, CaseGroup};
use deadpool_postgres::ClientWrapper as Client;
use orca_core::shape::GroupBy;
use orca_core::{Query, QueryOutput, SourceKey, TimeEvent};
use serde_json::json;

use super::shaping::{self, PgTable};
use super::{
    AgentError, StatusSql, Where, area_names, created_before_filter, folded_owner, item_ids,
    limit_of, query_ids, query_rows, states_filter, status_filter, tenant_scope, time_filter,
};
use crate::store::agents::shaping::{aggregated_output, is_aggregated, list_bounds};
use crate::store::model::{format_timestamp, parse_case_status};

fn is_open(status: &str) -> bool {
    status == "Active" || status == "Waiting"
}

const OPEN: &str = "t.status IN ('Active', 'Waiting')";
const CLOSED: &str = "t.status IN ('Resolved', 'Closed')";

pub(crate) async fn run(
    client: &Client,
    query: &Query,
    now: i64,
) -> Result<QueryOutput, AgentError> {
    let w = filter_of(query)?;
    let order = shaping::check(query, &CASES)?;
    let filter = w.sql();

    // One row per (status, severity): at most 12, folded into the summary.
    let summary_sql = format!(
        "SELECT t.status, t.severity, count(*), min(t.created_at) FROM cases t \
         WHERE {filter} GROUP BY t.status, t.severity"
    );
    let mut groups: Vec<(String, String, i64, i64)> = Vec::new();
    for row in query_rows(client, &summary_sql, &w.params()).await? {
        groups.push((
            row.try_get(0)?,
            row.try_get(1)?,
            row.try_get(2)?,
            row.try_get(3)?,
        ));
    }
    let oldest = groups.iter().filter(|g| is_open(&g.0)).map(|g| g.3).min();
    let case_groups: Vec<CaseGroup> = groups
        .iter()
        .map(|(status, severity, count, _)| CaseGroup {
            status: status.clone(),
            severity: severity.clone(),
            count: *count,
        })
        .collect();
    let (summary, total) = summaries::cases(&case_groups, oldest, now);

    if is_aggregated(query.shape.intent) {
        let shaped = shaping::aggregate(client, query, now, &w, &CASES, total).await?;
        return Ok(aggregated_output(summary, shaped, 2));
    }

    let rows_sql = format!(
        "SELECT t.case_number, t.tenant_id, r.name, t.title, t.severity, t.status, t.product_area, \
                t.created_at, t.closed_at, t.owner \
         FROM cases t LEFT JOIN registry r ON r.tenant_id = t.tenant_id \
         WHERE {filter} ORDER BY {order} LIMIT ?"
    );
    let limit = limit_of(query);
    let mut rows = Vec::new();
    for row in query_rows(client, &rows_sql, &w.params_with(&[&limit])).await? {
        rows.push(json!({
            "CaseNumber": row.try_get::<_, String>(0)?,
            "TenantId": row.try_get::<_, String>(1)?,
            "CustomerName": row.try_get::<_, Option<String>>(2)?,
            "Title": row.try_get::<_, String>(3)?,
            "Severity": row.try_get::<_, String>(4)?,
            "Status": row.try_get::<_, String>(5)?,
            "ProductArea": row.try_get::<_, String>(6)?,
            "CreatedAt": format_timestamp(row.try_get(7)?),
            "ClosedAt": super::timestamp_at(&row, 8)?,
            "Owner": row.try_get::<_, String>(9)?,
        }));
    }
    let ids = query_ids(client, "cases", "case_number", false, &w).await?;
    let shaped = list_bounds(query, rows.len(), total);
    Ok(QueryOutput {
        summary,
        rows,
        ids,
        queries: 3,
        shaped: Box::new(shaped),
    })
}

/// The WHERE clause of the cases a query keeps (every filter of the module docs).
fn filter_of(query: &Query) -> Result<Where, AgentError> {
    let mut w = Where::default();
    let ids = item_ids(query, SourceKey::Kusto);
    tenant_scope(&mut w, query, ids.is_some())?;
    if let Some(ids) = ids {
        w.bind("t.case_number = ANY(?)", ids);
    }
    time_filter(&mut w, query, time_column)?;
    created_before_filter(&mut w, query);
    status_filter(
        &mut w,
        query,
        &StatusSql {
            open: OPEN,
            closed: CLOSED,
            unresolved: OPEN,
        },
    );
    let severities: Vec<String> = query
        .filters
        .case_severities()
        .map(|s| s.to_ascii_uppercase())
        .collect();
    w.bind_list_if_any("t.severity = ANY(?)", severities);
    let excluded: Vec<String> = query
        .filters
        .excluded_case_severities()
        .map(|s| s.to_ascii_uppercase())
        .collect();
    w.bind_list_if_any("t.severity <> ALL(?)", excluded);
    states_filter(
        &mut w,
        query,
        "t.status = ANY(?)",
        "t.status <> ALL(?)",
        parse_case_status,
    );
    w.bind_list_if_any(
        "lower(t.product_area) = ANY(?)",
        area_names(&query.filters.product_areas),
    );
    w.bind_list_if_any(
        "lower(t.product_area) <> ALL(?)",
        area_names(&query.filters.exclude_product_areas),
    );
    if let Some(owner) = folded_owner(query) {
        w.bind("lower(t.owner) = ?", owner);
    }
    Ok(w)
}

/// Cases: the store's table, keys as columns.
pub(crate) const CASES: PgTable = PgTable {
    store: &crate::store::agents::cases::CASES,
    group_key: |group_by| match group_by {
        GroupBy::ProductArea => Some("t.product_area"),
        GroupBy::Severity => Some("t.severity"),
        GroupBy::Status => Some("t.status"),
        GroupBy::Owner => Some("t.owner"),
        GroupBy::Customer => Some("t.tenant_id"),
        GroupBy::WorkItemType => None,
    },
    hours_to_mitigate: None,
    time_column,
};

/// The column of a time event: CreatedAt, ClosedAt; cases have no mitigated date.
fn time_column(event: TimeEvent) -> Result<&'static str, &'static str> {
    match event {
        TimeEvent::Created => Ok("t.created_at"),
        TimeEvent::Closed => Ok("t.closed_at"),
        TimeEvent::Mitigated => Err("cases have no mitigated date"),
    }
}
