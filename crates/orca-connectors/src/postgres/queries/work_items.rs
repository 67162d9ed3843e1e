//! `ado`: work items in PostgreSQL, with the store's summary, rows, ids and filters
//! (`store/agents/work_items.rs` documents them): time on CreatedAt only; status (open = not
//! Resolved/Closed); `work_item_types`; `states`; product areas as a whole word in Title or
//! AreaPath; no owner (a bad query); `item_ids` against Id; with `icm` context, the work items
//! linked to those incidents.

use crate::summaries::{self, WorkItemGroup};
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
use crate::store::model::{format_timestamp, parse_work_item_state};

/// Area patterns against the title and the area path.
const AREA_MATCH: &str = "EXISTS (SELECT 1 FROM unnest(?::text[]) a(p) \
     WHERE (' ' || lower(t.title) || ' ') ~ a.p OR (' ' || lower(t.area_path) || ' ') ~ a.p)";
const AREA_NO_MATCH: &str = "NOT EXISTS (SELECT 1 FROM unnest(?::text[]) a(p) \
     WHERE (' ' || lower(t.title) || ' ') ~ a.p OR (' ' || lower(t.area_path) || ' ') ~ a.p)";

const OPEN: &str = "t.state NOT IN ('Resolved', 'Closed')";
const CLOSED: &str = "t.state IN ('Resolved', 'Closed')";

pub(crate) async fn run(
    client: &Client,
    query: &Query,
    now: i64,
) -> Result<QueryOutput, AgentError> {
    if folded_owner(query).is_some() {
        return Err(AgentError::BadQuery(
            "work items have no owner to filter on".into(),
        ));
    }
    let mut w = Where::default();
    let linked = context_ids(query, SourceKey::Icm);
    let ids = item_ids(query, SourceKey::Ado);
    tenant_scope(&mut w, query, linked.is_some() || ids.is_some())?;
    if let Some(ids) = ids {
        w.bind("t.id = ANY(?)", integer_ids(ids.iter().map(String::as_str)));
    }
    match linked {
        Some(incident_ids) => w.bind(
            "t.incident_id = ANY(?)",
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
    w.bind_list_if_any(
        "t.work_item_type = ANY(?)",
        query.filters.work_item_types.clone(),
    );
    states_filter(
        &mut w,
        query,
        "t.state = ANY(?)",
        "t.state <> ALL(?)",
        parse_work_item_state,
    );
    w.bind_list_if_any(
        AREA_MATCH,
        area_word_patterns(&query.filters.product_areas, true),
    );
    w.bind_list_if_any(
        AREA_NO_MATCH,
        area_word_patterns(&query.filters.exclude_product_areas, true),
    );
    let order = shaping::check(query, &WORK_ITEMS)?;
    let filter = w.sql();

    // One row per (state, type): at most 12, folded into the summary.
    let summary_sql = format!(
        "SELECT t.state, t.work_item_type, count(*) FROM work_items t WHERE {filter} \
         GROUP BY t.state, t.work_item_type"
    );
    let mut groups: Vec<(String, String, i64)> = Vec::new();
    for row in query_rows(client, &summary_sql, &w.params()).await? {
        groups.push((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?));
    }
    let item_groups: Vec<WorkItemGroup> = groups
        .iter()
        .map(|(state, kind, count)| WorkItemGroup {
            state: state.clone(),
            kind: kind.clone(),
            count: *count,
        })
        .collect();
    let (summary, total) = summaries::work_items(&item_groups);

    if is_aggregated(query.shape.intent) {
        let shaped = shaping::aggregate(client, query, now, &w, &WORK_ITEMS, total).await?;
        return Ok(aggregated_output(summary, shaped, 2));
    }

    let rows_sql = format!(
        "SELECT t.id, t.work_item_type, t.state, t.title, t.area_path, t.tenant_id, r.name, t.tags, \
                t.created_at, t.incident_id \
         FROM work_items t LEFT JOIN registry r ON r.tenant_id = t.tenant_id \
         WHERE {filter} ORDER BY {order} LIMIT ?"
    );
    let limit = limit_of(query);
    let mut rows = Vec::new();
    for row in query_rows(client, &rows_sql, &w.params_with(&[&limit])).await? {
        rows.push(json!({
            "Id": row.try_get::<_, i64>(0)?,
            "WorkItemType": row.try_get::<_, String>(1)?,
            "State": row.try_get::<_, String>(2)?,
            "Title": row.try_get::<_, String>(3)?,
            "AreaPath": row.try_get::<_, String>(4)?,
            "TenantId": row.try_get::<_, String>(5)?,
            "CustomerName": row.try_get::<_, Option<String>>(6)?,
            "Tags": row.try_get::<_, String>(7)?,
            "CreatedAt": format_timestamp(row.try_get(8)?),
            "IncidentId": row.try_get::<_, Option<i64>>(9)?,
        }));
    }
    let ids = query_ids(client, "work_items", "id", true, &w).await?;
    let shaped = list_bounds(query, rows.len(), total);
    Ok(QueryOutput {
        summary,
        rows,
        ids,
        queries: 3,
        shaped: Box::new(shaped),
    })
}

/// The product area of a work item: the second segment of its AreaPath (`Purview\DLP\Client` is
/// `DLP`), `(none)` without one; the store's `AREA_SEGMENT` as `split_part`.
const AREA_SEGMENT: &str = "coalesce(nullif(split_part(t.area_path, '\\', 2), ''), '(none)')";

/// Work items: the store's table (its key names map area path keys to area names).
pub(crate) const WORK_ITEMS: PgTable = PgTable {
    store: &crate::store::agents::work_items::WORK_ITEMS,
    group_key: |group_by| match group_by {
        GroupBy::ProductArea => Some(AREA_SEGMENT),
        GroupBy::WorkItemType => Some("t.work_item_type"),
        GroupBy::Status => Some("t.state"),
        GroupBy::Customer => Some("t.tenant_id"),
        GroupBy::Owner | GroupBy::Severity => None,
    },
    hours_to_mitigate: None,
    time_column,
};

/// The column of a time event: CreatedAt only.
fn time_column(event: TimeEvent) -> Result<&'static str, &'static str> {
    match event {
        TimeEvent::Created => Ok("t.created_at"),
        TimeEvent::Closed => Err("work items have no closed date"),
        TimeEvent::Mitigated => Err("work items have no mitigated date"),
    }
}
