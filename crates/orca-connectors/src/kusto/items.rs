//! The item sources over Kusto (`kusto` cases, `icm` incidents, `ado` work items): the one batch
//! of a query, sent; `answer.rs` turns its tables into exactly the store's `QueryOutput`.
//!
//! The batch: `let M = T | where <filter>;` then the summary (`M | summarize ... by Status,
//! Severity`), then either the rows and the linkable ids (`M | order by ... | take N`) or the
//! shape's aggregation. The filter is the store's (`store/agents/mod.rs` documents each rule);
//! the store's shape checks (`shaping::check`) refuse what the store refuses, with its words, and
//! its helpers (`groups_of`, buckets, `list_bounds`) finish the answer, so the two cannot drift.

use orca_core::shape::{Bucket, GroupBy, Intent, Measure, Order, SortKey};
use orca_core::{ConnectorError, Query, QueryOutput, SourceKey, StatusFilter, TimeEvent};

use super::KustoConnector;
use super::answer::{ids, rows, shaped, summary};
use super::kql::{Batch, area_regex};
use super::tables::{bad, item_table, row_columns};
use crate::store::agents::shaping;
use crate::store::agents::{context_ids, item_ids, owner_of};
use crate::store::model::{
    parse_case_status, parse_incident_severity, parse_incident_status, parse_work_item_state,
};

/// Most linkable ids returned (the store's cap).
const MAX_LINK_IDS: usize = crate::store::MAX_LINK_IDS;

/// The DESIGN column of a time event, or why the source has none (the store's words).
fn time_column(source: SourceKey, event: TimeEvent) -> Result<&'static str, &'static str> {
    match (source, event) {
        (_, TimeEvent::Created) => Ok("CreatedAt"),
        (SourceKey::Kusto, TimeEvent::Closed) => Ok("ClosedAt"),
        (SourceKey::Kusto, TimeEvent::Mitigated) => Err("cases have no mitigated date"),
        (SourceKey::Icm, TimeEvent::Closed) => Ok("ResolvedAt"),
        (SourceKey::Icm, TimeEvent::Mitigated) => Ok("MitigatedAt"),
        (_, TimeEvent::Closed) => Err("work items have no closed date"),
        (_, TimeEvent::Mitigated) => Err("work items have no mitigated date"),
    }
}

/// The id column of a source.
fn id_column(source: SourceKey) -> &'static str {
    match source {
        SourceKey::Kusto => "CaseNumber",
        SourceKey::Icm => "IncidentId",
        _ => "Id",
    }
}

/// The status column of a source.
fn status_column(source: SourceKey) -> &'static str {
    if source == SourceKey::Ado {
        "State"
    } else {
        "Status"
    }
}

/// The tenant scope as a predicate (see the store's `tenant_scope`): the cohort is resolved to
/// its tenants from the registry, as the engine does before a query leaves it. `None` when no
/// tenant filter applies.
pub(super) fn tenant_scope(
    c: &KustoConnector,
    query: &Query,
    named_items: bool,
    batch: &mut Batch,
) -> Result<Option<String>, ConnectorError> {
    let tenant = c.col("TenantId");
    if query.all_tenants {
        let Some(cohort) = query
            .cohort
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        else {
            return Ok(None);
        };
        let tenants: Vec<&str> = c
            .ctx
            .customers
            .iter()
            .filter(|customer| {
                customer
                    .segment
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case(cohort))
            })
            .map(|customer| customer.tenant_id.as_str())
            .collect();
        let p = batch.strings(tenants);
        Ok(Some(format!("{tenant} in~ ({p})")))
    } else if !query.tenant_ids.is_empty() {
        let ids: Vec<String> = query
            .tenant_ids
            .iter()
            .map(|t| t.trim().to_ascii_lowercase())
            .collect();
        let p = batch.strings(ids.iter().map(String::as_str));
        Ok(Some(format!("{tenant} in~ ({p})")))
    } else if named_items {
        Ok(None)
    } else {
        Err(bad(
            c.source,
            "the query names no tenant (set tenant_ids or all_tenants)",
        ))
    }
}

/// Integer ids; ids that are not integers are dropped, so they match nothing.
fn integers<'a>(ids: impl IntoIterator<Item = &'a str>) -> Vec<i64> {
    ids.into_iter()
        .filter_map(|id| id.trim().parse::<i64>().ok())
        .collect()
}

/// The predicates of the rows a query keeps (every filter of the store's module docs).
fn filter(c: &KustoConnector, query: &Query, b: &mut Batch) -> Result<Vec<String>, ConnectorError> {
    let source = c.source;
    let f = &query.filters;
    if source == SourceKey::Ado && owner_of(query).is_some() {
        return Err(bad(source, "work items have no owner to filter on"));
    }
    let mut w: Vec<String> = Vec::new();
    let linked = match source {
        SourceKey::Icm => context_ids(query, SourceKey::Kusto),
        SourceKey::Ado => context_ids(query, SourceKey::Icm),
        _ => None,
    };
    let ids = item_ids(query, source);
    w.extend(tenant_scope(
        c,
        query,
        linked.is_some() || ids.is_some(),
        b,
    )?);
    let id = c.col(id_column(source));
    if let Some(ids) = ids {
        let p = if source == SourceKey::Kusto {
            b.strings(ids)
        } else {
            b.longs(integers(ids))
        };
        w.push(format!("{id} in ({p})"));
    }
    match linked {
        Some(linked) if source == SourceKey::Icm => {
            let p = b.strings(linked.iter().map(String::as_str));
            w.push(format!("{} in ({p})", c.col("CaseNumber")));
        }
        Some(linked) => {
            let p = b.longs(integers(linked.iter().map(String::as_str)));
            w.push(format!("{} in ({p})", c.col("IncidentId")));
        }
        None => {
            if let Some(range) = &query.time_range {
                let column = time_column(source, range.event).map_err(|m| bad(source, m))?;
                let column = c.col(column);
                let from = b.datetime(range.from.timestamp());
                let to = b.datetime(range.to.timestamp());
                let op = if range.to_inclusive { "<=" } else { "<" };
                w.push(format!("{column} >= {from} and {column} {op} {to}"));
            }
            if let Some(instant) = f.created_before {
                let p = b.datetime(instant.timestamp());
                w.push(format!("{} <= {p}", c.col("CreatedAt")));
            }
        }
    }
    let status = c.col(status_column(source));
    let (open, closed, unresolved) = match source {
        SourceKey::Kusto => (
            format!("{status} in (\"Active\", \"Waiting\")"),
            format!("{status} in (\"Resolved\", \"Closed\")"),
            format!("{status} in (\"Active\", \"Waiting\")"),
        ),
        SourceKey::Icm => (
            format!("{status} == \"Active\""),
            format!("{status} != \"Active\""),
            format!("{status} != \"Resolved\""),
        ),
        _ => (
            format!("{status} !in (\"Resolved\", \"Closed\")"),
            format!("{status} in (\"Resolved\", \"Closed\")"),
            format!("{status} !in (\"Resolved\", \"Closed\")"),
        ),
    };
    match f.status {
        Some(StatusFilter::Open) => w.push(open),
        Some(StatusFilter::Closed) => w.push(closed),
        Some(StatusFilter::Unresolved) => w.push(unresolved),
        None => {}
    }
    let severity = c.col("Severity");
    match source {
        SourceKey::Kusto => {
            let kept: Vec<String> = f
                .case_severities()
                .map(|s| s.to_ascii_uppercase())
                .collect();
            if !kept.is_empty() {
                let p = b.strings(kept.iter().map(String::as_str));
                w.push(format!("{severity} in ({p})"));
            }
            let dropped: Vec<String> = f
                .excluded_case_severities()
                .map(|s| s.to_ascii_uppercase())
                .collect();
            if !dropped.is_empty() {
                let p = b.strings(dropped.iter().map(String::as_str));
                w.push(format!("{severity} !in ({p})"));
            }
        }
        SourceKey::Icm => {
            // Asked severities that are none of the known ones match nothing (the store binds
            // the list, possibly empty, whenever digits were asked).
            if f.incident_severities().next().is_some() {
                let p = b.longs(f.incident_severities().filter_map(parse_incident_severity));
                w.push(format!("{severity} in ({p})"));
            }
            let dropped: Vec<i64> = f
                .excluded_incident_severities()
                .filter_map(parse_incident_severity)
                .collect();
            if !dropped.is_empty() {
                let p = b.longs(dropped);
                w.push(format!("{severity} !in ({p})"));
            }
        }
        _ => {}
    }
    let canonical: fn(&str) -> Option<&'static str> = match source {
        SourceKey::Kusto => parse_case_status,
        SourceKey::Icm => incident_state,
        _ => parse_work_item_state,
    };
    let known = |states: &[String]| -> Vec<&'static str> {
        states.iter().filter_map(|s| canonical(s)).collect()
    };
    let kept = known(&f.states);
    if !kept.is_empty() {
        let p = b.strings(kept);
        w.push(format!("{status} in ({p})"));
    }
    let dropped = known(&f.exclude_states);
    if !dropped.is_empty() {
        let p = b.strings(dropped);
        w.push(format!("{status} !in ({p})"));
    }
    if source == SourceKey::Ado && !f.work_item_types.is_empty() {
        let p = b.strings(f.work_item_types.iter().map(String::as_str));
        w.push(format!("{} in ({p})", c.col("WorkItemType")));
    }
    match source {
        SourceKey::Kusto => {
            let names = |areas: &[String]| -> Vec<String> {
                areas
                    .iter()
                    .map(|a| a.trim().to_ascii_lowercase())
                    .filter(|a| !a.is_empty())
                    .collect()
            };
            let area = c.col("ProductArea");
            let kept = names(&f.product_areas);
            if !kept.is_empty() {
                let p = b.strings(kept.iter().map(String::as_str));
                w.push(format!("tolower({area}) in ({p})"));
            }
            let dropped = names(&f.exclude_product_areas);
            if !dropped.is_empty() {
                let p = b.strings(dropped.iter().map(String::as_str));
                w.push(format!("tolower({area}) !in ({p})"));
            }
        }
        _ => {
            let texts: Vec<String> = if source == SourceKey::Icm {
                vec![c.col("Title")]
            } else {
                vec![c.col("Title"), c.col("AreaPath")]
            };
            let mut matches = |regex: String| -> String {
                let p = b.string(&regex);
                let each: Vec<String> = texts
                    .iter()
                    .map(|t| format!("tolower({t}) matches regex {p}"))
                    .collect();
                format!("({})", each.join(" or "))
            };
            if let Some(regex) = area_regex(&f.product_areas, true) {
                w.push(matches(regex));
            }
            if let Some(regex) = area_regex(&f.exclude_product_areas, true) {
                let m = matches(regex);
                w.push(format!("not{m}"));
            }
        }
    }
    if let Some(owner) = owner_of(query) {
        let column = if source == SourceKey::Icm {
            "OwningTeam"
        } else {
            "Owner"
        };
        let p = b.string(&owner);
        w.push(format!("{} =~ {p}", c.col(column)));
    }
    Ok(w)
}

/// An incident state as stored; "Closed" is their terminal state Resolved (as the store).
fn incident_state(state: &str) -> Option<&'static str> {
    if state.trim().eq_ignore_ascii_case("closed") {
        Some("Resolved")
    } else {
        parse_incident_status(state)
    }
}

/// `order by` of rows: newest first, or the list's sort (validated by `shaping::check`).
fn order(c: &KustoConnector, query: &Query) -> String {
    let source = c.source;
    let created = c.col("CreatedAt");
    let id = c.col(id_column(source));
    let newest = format!("{created} desc, {id} desc");
    let sort = match (query.shape.intent, query.shape.sort) {
        (Intent::List, Some(sort)) => sort,
        _ => return newest,
    };
    let severity = if source == SourceKey::Icm {
        "SeverityOrder".to_string()
    } else {
        c.col("Severity")
    };
    match (sort.by, sort.order) {
        (SortKey::Created, Order::Asc) => format!("{created} asc, {id} asc"),
        (SortKey::Severity, Order::Desc) => format!("{severity} asc, {newest}"),
        (SortKey::Severity, Order::Asc) => format!("{severity} desc, {newest}"),
        _ => newest,
    }
}

/// KQL of one entry's aggregate `a` (per customer, per group, or over every item).
fn entry_kql(c: &KustoConnector, measure: Measure) -> String {
    match measure {
        Measure::AverageAgeDays => {
            format!("avg(({} - datetime(1970-01-01)) / 1s)", c.col("CreatedAt"))
        }
        Measure::MeanTimeToMitigateHours => format!(
            "avg(({} - {}) / 1h)",
            c.col("MitigatedAt"),
            c.col("CreatedAt")
        ),
        Measure::Count | Measure::Customers => "count()".to_string(),
    }
}

/// The breakdown key of a group, as KQL (customer: the tenant, named afterwards).
fn group_key(c: &KustoConnector, group_by: GroupBy) -> String {
    let source = c.source;
    match (source, group_by) {
        (_, GroupBy::Customer) => c.col("TenantId"),
        (SourceKey::Kusto, GroupBy::ProductArea) => c.col("ProductArea"),
        (SourceKey::Icm, GroupBy::ProductArea) => {
            // The bracketed tag a title starts with (`[DLP] ...`), `(none)` without one.
            let title = c.col("Title");
            format!(
                "iff({title} matches regex @\"(?s)^\\[.+\\]\", substring({title}, 1, indexof({title}, \"]\") - 1), \"(none)\")"
            )
        }
        (_, GroupBy::ProductArea) => {
            // The second segment of the area path (`Purview\DLP\Client` is `DLP`).
            let segment = format!("tostring(split({}, \"\\\\\")[1])", c.col("AreaPath"));
            format!("iff(isempty({segment}), \"(none)\", {segment})")
        }
        (SourceKey::Icm, GroupBy::Severity) => format!("tostring({})", c.col("Severity")),
        (_, GroupBy::Severity) => c.col("Severity"),
        (_, GroupBy::Status) => c.col(status_column(source)),
        (SourceKey::Icm, GroupBy::Owner) => c.col("OwningTeam"),
        (_, GroupBy::Owner) => c.col("Owner"),
        (_, GroupBy::WorkItemType) => c.col("WorkItemType"),
    }
}

pub(super) async fn run(c: &KustoConnector, query: &Query) -> Result<QueryOutput, ConnectorError> {
    let source = c.source;
    let table = item_table(source);
    let mut b = Batch::default();
    let predicates = filter(c, query, &mut b)?;
    shaping::check(query, table).map_err(|e| e.into_connector_error(source))?;
    let body = if predicates.is_empty() {
        c.table()
    } else {
        format!("{} | where {}", c.table(), predicates.join(" and "))
    };
    b.let_("M", body);
    // The summary: one row per (status, severity) or (state, type).
    let status = c.col(status_column(source));
    let created = c.col("CreatedAt");
    b.tabular(match source {
        SourceKey::Kusto => format!(
            "M | summarize n = count(), oldest = min({created}) by s = {status}, v = {}",
            c.col("Severity")
        ),
        SourceKey::Icm => {
            let mitigated = c.col("MitigatedAt");
            format!(
                "M | summarize n = count(), secs = sum(({mitigated} - {created}) / 1s), \
                 mitigated = countif(isnotnull({mitigated})) by s = {status}, v = {}",
                c.col("Severity")
            )
        }
        _ => format!(
            "M | summarize n = count() by s = {status}, v = {}",
            c.col("WorkItemType")
        ),
    });
    let shape = &query.shape;
    let aggregated = shaping::is_aggregated(shape.intent);
    let now = c.ctx.now_unix();
    if aggregated {
        match shape.intent {
            Intent::Rank => b.tabular(format!(
                "M | summarize a = {} by k = {}",
                entry_kql(c, shape.measure),
                c.col("TenantId")
            )),
            Intent::Breakdown => {
                let group_by = shape.group_by.unwrap_or(GroupBy::Customer);
                b.tabular(format!(
                    "M | summarize a = {}, n = count() by k = {}",
                    entry_kql(c, shape.measure),
                    group_key(c, group_by)
                ));
            }
            Intent::Trend => {
                let range = query
                    .time_range
                    .as_ref()
                    .ok_or_else(|| bad(source, "a trend needs a time range"))?;
                let column = c.col(time_column(source, range.event).map_err(|m| bad(source, m))?);
                let bucket = match shaping::bucket_of(query, range) {
                    Bucket::Day => format!("bin({column}, 1d)"),
                    // Weeks from Monday 00:00 UTC: aligned on a Monday, as the store's.
                    Bucket::Week => format!("bin_at({column}, 7d, datetime(2024-01-01))"),
                    Bucket::Month => format!("startofmonth({column})"),
                };
                b.tabular(format!("M | summarize n = count() by b = {bucket}"));
            }
            _ => match shape.measure {
                Measure::AverageAgeDays | Measure::MeanTimeToMitigateHours => {
                    b.tabular(format!("M | summarize a = {}", entry_kql(c, shape.measure)))
                }
                Measure::Count | Measure::Customers => {}
            },
        }
    } else {
        let limit = b.long(i64::try_from(query.limit).unwrap_or(i64::MAX));
        let severity_rank = if source == SourceKey::Icm {
            let severity = c.col("Severity");
            format!(" | extend SeverityOrder = iff({severity} == 25, 2.5, todouble({severity}))")
        } else {
            String::new()
        };
        let projection: Vec<String> = row_columns(source)
            .iter()
            .map(|name| format!("{name} = {}", c.col(name)))
            .collect();
        b.tabular(format!(
            "M{severity_rank} | order by {} | take {limit} | project {}",
            order(c, query),
            projection.join(", ")
        ));
        b.tabular(format!(
            "M | order by {created} desc, {id} desc | take {MAX_LINK_IDS} | project id = {id}",
            id = c.col(id_column(source))
        ));
    }

    let tables = c.execute(&b).await?;
    let (summary, total) = summary(source, &tables[0], now)?;
    if aggregated {
        let shaped = shaped(c, query, &tables[1..], total, now)?;
        return Ok(shaping::aggregated_output(summary, shaped, 1));
    }
    let rows = rows(c, &tables[1])?;
    let ids = ids(source, &tables[2])?;
    let shaped = shaping::list_bounds(query, rows.len(), total);
    Ok(QueryOutput {
        summary,
        rows,
        ids,
        queries: 1,
        shaped: Box::new(shaped),
    })
}
