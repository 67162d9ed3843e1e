//! `kusto`: support cases. Summary: total, open, by_severity {A,B,C}, open_by_severity {A,B,C},
//! by_status, oldest_open_days;
//! rows newest first; ids are case numbers (for incidents linked to them).
//!
//! Filters (semantics in the parent module): time on CreatedAt, or ClosedAt for `event: closed`
//! (`mitigated` is a bad query: cases have no mitigated date); status; `states` among Active,
//! Waiting, Resolved, Closed; `severity` / `exclude_severity` letters; `product_areas` /
//! `exclude_product_areas` against ProductArea (case-insensitive); `created_before`; `owner`
//! against Owner (case-insensitive); `item_ids` of `kusto` against CaseNumber.

use orca_core::{Query, QueryOutput, SourceKey, TimeEvent};
use rusqlite::Connection;
use rusqlite::types::Value;
use serde_json::json;

use super::{
    AgentContext, AgentError, StatesSql, StatusSql, Where, area_names, created_before_filter,
    item_ids, limit_of, owner_of, query_ids, query_rows, query_summary, states_filter,
    status_filter, tenant_scope, time_column, time_filter,
};
use crate::store::model::{format_timestamp, parse_case_status};

const OPEN: &str = "t.status NOT IN ('Resolved', 'Closed')";
const CLOSED: &str = "t.status IN ('Resolved', 'Closed')";

pub(super) fn run(
    conn: &Connection,
    query: &Query,
    ctx: &AgentContext,
) -> Result<QueryOutput, AgentError> {
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
    time_filter(&mut w, query, |event| match event {
        TimeEvent::Created => Ok(time_column!("t.created_at")),
        TimeEvent::Closed => Ok(time_column!("t.closed_at")),
        TimeEvent::Mitigated => Err("cases have no mitigated date"),
    })?;
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
    let areas = area_names(&query.filters.product_areas);
    w.bind_list_if_any("lower(t.product_area) IN rarray(?)", areas);
    let excluded_areas = area_names(&query.filters.exclude_product_areas);
    w.bind_list_if_any("lower(t.product_area) NOT IN rarray(?)", excluded_areas);
    if let Some(owner) = owner_of(query) {
        w.bind("t.owner = ? COLLATE NOCASE", owner);
    }
    let filter = w.sql();

    let summary_sql = format!(
        "SELECT count(*), \
            coalesce(sum({OPEN}), 0), \
            coalesce(sum(t.severity = 'A'), 0), coalesce(sum(t.severity = 'B'), 0), coalesce(sum(t.severity = 'C'), 0), \
            coalesce(sum(t.status = 'Active'), 0), coalesce(sum(t.status = 'Waiting'), 0), \
            coalesce(sum(t.status = 'Resolved'), 0), coalesce(sum(t.status = 'Closed'), 0), \
            min(CASE WHEN {OPEN} THEN t.created_at END), \
            coalesce(sum({OPEN} AND t.severity = 'A'), 0), coalesce(sum({OPEN} AND t.severity = 'B'), 0), \
            coalesce(sum({OPEN} AND t.severity = 'C'), 0) \
         FROM cases t WHERE {filter}"
    );
    let summary = query_summary(conn, &summary_sql, &w, |row, summary| {
        let n = |i: usize| row.get::<_, i64>(i);
        summary.insert("total".into(), json!(n(0)?));
        summary.insert("open".into(), json!(n(1)?));
        summary.insert(
            "by_severity".into(),
            json!({"A": n(2)?, "B": n(3)?, "C": n(4)?}),
        );
        summary.insert(
            "open_by_severity".into(),
            json!({"A": n(10)?, "B": n(11)?, "C": n(12)?}),
        );
        summary.insert(
            "by_status".into(),
            json!({"Active": n(5)?, "Waiting": n(6)?, "Resolved": n(7)?, "Closed": n(8)?}),
        );
        let oldest: Option<i64> = row.get(9)?;
        summary.insert(
            "oldest_open_days".into(),
            json!(oldest.map(|t| (ctx.now - t).max(0) / 86_400)),
        );
        Ok(())
    })?;

    let rows_sql = format!(
        "SELECT t.case_number, t.tenant_id, r.name, t.title, t.severity, t.status, t.product_area, \
                t.created_at, t.closed_at, t.owner \
         FROM cases t LEFT JOIN registry r ON r.tenant_id = t.tenant_id \
         WHERE {filter} ORDER BY t.created_at DESC, t.case_number DESC LIMIT ?"
    );
    let rows = query_rows(conn, &rows_sql, &w.params_with(&limit_of(query)), |row| {
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

    Ok(QueryOutput {
        summary,
        rows,
        ids,
        queries: 3,
        shaped: Default::default(),
    })
}
