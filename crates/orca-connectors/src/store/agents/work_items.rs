//! `ado`: work items. Summary: total, open, by_type {Bug,DCR,Feature}, by_state, open_bugs; ids
//! are work item ids. With `icm` context: the work items linked to those incidents.
//!
//! Filters (semantics in the parent module): time on CreatedAt only (`event: closed` or
//! `mitigated` is a bad query: work items have no such date); status (open = not
//! Resolved/Closed); `work_item_types` (empty = every type); `states` among New, Active,
//! Resolved, Closed; severities do not apply; `product_areas` / `exclude_product_areas` as a whole
//! word in Title or AreaPath, as written or with spaces removed (the demo data writes
//! `Bug: ... (DLP)` and `Purview\DLP\Service`); `created_before`; `owner` is a bad query (work
//! items have no owner); `item_ids` of `ado` against Id (non-numeric ids match nothing).

use orca_core::{Query, QueryOutput, SourceKey, TimeEvent};
use rusqlite::Connection;
use rusqlite::types::Value;
use serde_json::json;

use super::{
    AgentError, StatesSql, StatusSql, Where, area_word_patterns, context_ids,
    created_before_filter, integer_ids, item_ids, limit_of, owner_of, query_ids, query_rows,
    query_summary, states_filter, status_filter, tenant_scope, time_column, time_filter,
};
use crate::store::model::{format_timestamp, parse_work_item_state};

/// Area patterns against the title and the area path (see [`area_word_patterns`]).
const AREA_MATCH: &str = "EXISTS (SELECT 1 FROM rarray(?) a \
     WHERE ' ' || lower(t.title) || ' ' GLOB a.value OR ' ' || lower(t.area_path) || ' ' GLOB a.value)";
const AREA_NO_MATCH: &str = "NOT EXISTS (SELECT 1 FROM rarray(?) a \
     WHERE ' ' || lower(t.title) || ' ' GLOB a.value OR ' ' || lower(t.area_path) || ' ' GLOB a.value)";

const OPEN: &str = "t.state NOT IN ('Resolved', 'Closed')";
const CLOSED: &str = "t.state IN ('Resolved', 'Closed')";

pub(super) fn run(conn: &Connection, query: &Query) -> Result<QueryOutput, AgentError> {
    if owner_of(query).is_some() {
        return Err(AgentError::BadQuery(
            "work items have no owner to filter on".into(),
        ));
    }
    let mut w = Where::default();
    let linked = context_ids(query, SourceKey::Icm);
    let ids = item_ids(query, SourceKey::Ado);
    tenant_scope(&mut w, query, linked.is_some() || ids.is_some())?;
    if let Some(ids) = ids {
        w.bind_list("t.id IN rarray(?)", integer_ids(ids));
    }
    match linked {
        Some(incident_ids) => w.bind_list(
            "t.incident_id IN rarray(?)",
            integer_ids(incident_ids.iter().map(String::as_str)),
        ),
        None => {
            time_filter(&mut w, query, |event| match event {
                TimeEvent::Created => Ok(time_column!("t.created_at")),
                TimeEvent::Closed => Err("work items have no closed date"),
                TimeEvent::Mitigated => Err("work items have no mitigated date"),
            })?;
            created_before_filter(&mut w, query);
        }
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
    w.bind_list_if_any("t.work_item_type IN rarray(?)", types);
    states_filter(
        &mut w,
        query,
        &StatesSql {
            included: "t.state IN rarray(?)",
            excluded: "t.state NOT IN rarray(?)",
        },
        parse_work_item_state,
    );
    let areas = area_word_patterns(&query.filters.product_areas, true);
    w.bind_list_if_any(AREA_MATCH, areas);
    let excluded_areas = area_word_patterns(&query.filters.exclude_product_areas, true);
    w.bind_list_if_any(AREA_NO_MATCH, excluded_areas);
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
        shaped: Default::default(),
    })
}
