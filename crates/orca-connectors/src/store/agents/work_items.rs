//! `ado`: work items. Summary ([`WorkItemSummary`]): total, open, by_type {Bug,DCR,Feature},
//! by_state, open_bugs; ids are work item ids. With `icm` context: the work items linked to
//! those incidents.
//!
//! Filters (semantics in the parent module): time on CreatedAt only (`event: closed` or
//! `mitigated` is a bad query: work items have no such date); status (open = not
//! Resolved/Closed); `work_item_types` (empty = every type); `states` among New, Active,
//! Resolved, Closed; severities do not apply; `product_areas` / `exclude_product_areas` as a whole
//! word in Title or AreaPath, as written or with spaces removed (the demo data writes
//! `Bug: ... (DLP)` and `Purview\DLP\Service`); `created_before`; `owner` is a bad query (work
//! items have no owner); `item_ids` of `ado` against Id (non-numeric ids match nothing).

use crate::summaries::{self, WorkItemGroup};
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
use crate::store::generate::area_of_path_key;
use crate::store::model::{format_timestamp, parse_work_item_state};

/// Area patterns against the title and the area path (see [`area_word_patterns`]).
const AREA_MATCH: &str = "EXISTS (SELECT 1 FROM rarray(?) a \
     WHERE ' ' || lower(t.title) || ' ' GLOB a.value OR ' ' || lower(t.area_path) || ' ' GLOB a.value)";
const AREA_NO_MATCH: &str = "NOT EXISTS (SELECT 1 FROM rarray(?) a \
     WHERE ' ' || lower(t.title) || ' ' GLOB a.value OR ' ' || lower(t.area_path) || ' ' GLOB a.value)";

const OPEN: &str = "t.state NOT IN ('Resolved', 'Closed')";
const CLOSED: &str = "t.state IN ('Resolved', 'Closed')";

pub(super) fn run(conn: &Connection, query: &Query, now: i64) -> Result<QueryOutput, AgentError> {
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
            time_filter(&mut w, query, time_column)?;
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
    let order = shaping::check(query, &WORK_ITEMS)?;
    let filter = w.sql();

    // One row per (state, type): at most 12, folded into the summary.
    let summary_sql = format!(
        "SELECT t.state, t.work_item_type, count(*) FROM work_items t WHERE {filter} \
         GROUP BY t.state, t.work_item_type"
    );
    let groups: Vec<(String, String, i64)> =
        query_rows(conn, &summary_sql, &w.params().collect::<Vec<_>>(), |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?;
    let item_groups: Vec<WorkItemGroup> = groups
        .iter()
        .map(|(state, kind, count)| WorkItemGroup {
            state: state.clone(),
            kind: kind.clone(),
            count: *count,
        })
        .collect();
    let (summary, total) = summaries::work_items(&item_groups);

    if shaping::is_aggregated(query.shape.intent) {
        let (shaped, queries) = shaping::aggregate(conn, query, now, &w, &WORK_ITEMS, total)?;
        return Ok(shaping::aggregated_output(summary, shaped, queries));
    }

    let rows_sql = format!(
        "SELECT t.id, t.work_item_type, t.state, t.title, t.area_path, t.tenant_id, r.name, t.tags, \
                t.created_at, t.incident_id \
         FROM work_items t LEFT JOIN registry r ON r.tenant_id = t.tenant_id \
         WHERE {filter} ORDER BY {order} LIMIT ?"
    );
    let rows: Vec<serde_json::Value> =
        query_rows(conn, &rows_sql, &w.params_with(&limit_of(query)), |row| {
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
    let shaped = shaping::list_bounds(query, rows.len(), total);

    Ok(QueryOutput {
        summary,
        rows,
        ids,
        queries: 3,
        shaped: Box::new(shaped),
    })
}

/// The product area of a work item: the second segment of its AreaPath (`Purview\DLP\Client`
/// is `DLP`), `(none)` without one. The same expression is indexed (`work_items_area`).
const AREA_SEGMENT: &str = "coalesce(nullif(CASE \
     WHEN instr(t.area_path, '\\') = 0 THEN '' \
     WHEN instr(substr(t.area_path, instr(t.area_path, '\\') + 1), '\\') = 0 \
       THEN substr(t.area_path, instr(t.area_path, '\\') + 1) \
     ELSE substr(t.area_path, instr(t.area_path, '\\') + 1, \
                 instr(substr(t.area_path, instr(t.area_path, '\\') + 1), '\\') - 1) \
     END, ''), '(none)')";

/// The shapes of work items: groups by type, status (State), customer and product area (the
/// AreaPath segment, the demo data's keys renamed to their area names: `InformationProtection`
/// is "Sensitivity Labels"); no severity and no owner.
pub(crate) const WORK_ITEMS: ItemTable = ItemTable {
    table: "work_items",
    noun: "work items",
    newest_first: "t.created_at DESC, t.id DESC",
    oldest_first: "t.created_at ASC, t.id ASC",
    most_severe_first: None,
    least_severe_first: None,
    group_key: |group_by| match group_by {
        GroupBy::ProductArea => Ok(AREA_SEGMENT),
        GroupBy::WorkItemType => Ok("t.work_item_type"),
        GroupBy::Status => Ok("t.state"),
        GroupBy::Customer => Ok("t.tenant_id"),
        GroupBy::Owner => Err("work items have no owner to group by"),
        GroupBy::Severity => Err("work items have no severity to group by"),
    },
    key_name: |key| match area_of_path_key(&key) {
        Some(area) => area.to_string(),
        None => key,
    },
    hours_to_mitigate: None,
    time_column,
};

/// The column of a time event: CreatedAt only.
fn time_column(event: TimeEvent) -> Result<TimeColumn, &'static str> {
    match event {
        TimeEvent::Created => Ok(time_column!("t.created_at")),
        TimeEvent::Closed => Err("work items have no closed date"),
        TimeEvent::Mitigated => Err("work items have no mitigated date"),
    }
}
