//! `ado`: work items. Summary: total, open, by_type {Bug,DCR,Feature}, by_state, open_bugs; ids
//! are work item ids. With `icm` context: the work items linked to those incidents. Filters:
//! status (open = not Resolved/Closed) and `work_item_types` (empty = every type).

use orca_core::{Query, QueryOutput, SourceKey};
use rusqlite::Connection;
use rusqlite::types::Value;
use serde_json::json;

use super::{
    AgentError, StatusSql, Where, context_ids, limit_of, query_ids, query_rows, query_summary,
    status_filter, tenant_scope, time_filter,
};
use crate::store::model::format_timestamp;

const OPEN: &str = "t.state NOT IN ('Resolved', 'Closed')";
const CLOSED: &str = "t.state IN ('Resolved', 'Closed')";

pub(super) fn run(conn: &Connection, query: &Query) -> Result<QueryOutput, AgentError> {
    let mut w = Where::default();
    let linked = context_ids(query, SourceKey::Icm);
    tenant_scope(&mut w, query, linked.is_some())?;
    match linked {
        Some(incident_ids) => w.bind_list(
            "t.incident_id IN rarray(?)",
            incident_ids
                .iter()
                .filter_map(|id| id.trim().parse::<i64>().ok())
                .map(Value::Integer)
                .collect(),
        ),
        None => time_filter(&mut w, query, "t.created_at >= ?", "t.created_at < ?"),
    }
    status_filter(
        &mut w,
        query,
        &StatusSql {
            open: OPEN,
            closed: CLOSED,
            unresolved: OPEN,
        },
    );
    let types: Vec<Value> = query
        .filters
        .work_item_types
        .iter()
        .map(|t| Value::Text(t.clone()))
        .collect();
    if !types.is_empty() {
        w.bind_list("t.work_item_type IN rarray(?)", types);
    }
    let filter = w.sql();

    let summary_sql = format!(
        "SELECT count(*), coalesce(sum({OPEN}), 0), \
            coalesce(sum(t.work_item_type = 'Bug'), 0), coalesce(sum(t.work_item_type = 'DCR'), 0), \
            coalesce(sum(t.work_item_type = 'Feature'), 0), \
            coalesce(sum(t.state = 'New'), 0), coalesce(sum(t.state = 'Active'), 0), \
            coalesce(sum(t.state = 'Resolved'), 0), coalesce(sum(t.state = 'Closed'), 0), \
            coalesce(sum(t.work_item_type = 'Bug' AND {OPEN}), 0) \
         FROM work_items t WHERE {filter}"
    );
    let summary = query_summary(conn, &summary_sql, &w, |row, summary| {
        let n = |i: usize| row.get::<_, i64>(i);
        summary.insert("total".into(), json!(n(0)?));
        summary.insert("open".into(), json!(n(1)?));
        summary.insert(
            "by_type".into(),
            json!({"Bug": n(2)?, "DCR": n(3)?, "Feature": n(4)?}),
        );
        summary.insert(
            "by_state".into(),
            json!({"New": n(5)?, "Active": n(6)?, "Resolved": n(7)?, "Closed": n(8)?}),
        );
        summary.insert("open_bugs".into(), json!(n(9)?));
        Ok(())
    })?;

    let rows_sql = format!(
        "SELECT t.id, t.work_item_type, t.state, t.title, t.area_path, t.tenant_id, r.name, t.tags, \
                t.created_at, t.incident_id \
         FROM work_items t LEFT JOIN registry r ON r.tenant_id = t.tenant_id \
         WHERE {filter} ORDER BY t.created_at DESC, t.id DESC LIMIT ?"
    );
    let rows = query_rows(conn, &rows_sql, &w.params_with(&limit_of(query)), |row| {
        Ok(json!({
            "Id": row.get::<_, i64>(0)?,
            "WorkItemType": row.get::<_, String>(1)?,
            "State": row.get::<_, String>(2)?,
            "Title": row.get::<_, String>(3)?,
            "AreaPath": row.get::<_, String>(4)?,
            "TenantId": row.get::<_, String>(5)?,
            "CustomerName": row.get::<_, Option<String>>(6)?,
            "Tags": row.get::<_, String>(7)?,
            "CreatedAt": format_timestamp(row.get(8)?),
            "IncidentId": row.get::<_, Option<i64>>(9)?,
        }))
    })?;
    let ids = query_ids::<i64>(conn, "work_items", "id", &w)?;

    Ok(QueryOutput {
        summary,
        rows,
        ids,
        queries: 3,
    })
}
