//! The item sources over Kusto (`kusto` cases, `icm` incidents, `ado` work items): one batch per
//! query, and its tables turned into exactly the store's `QueryOutput`.
//!
//! The batch: `let M = T | where <filter>;` then the summary (`M | summarize ... by Status,
//! Severity`), then either the rows and the linkable ids (`M | order by ... | take N`) or the
//! shape's aggregation. The filter is the store's (`store/agents/mod.rs` documents each rule);
//! the store's shape checks (`shaping::check`) refuse what the store refuses, with its words, and
//! its helpers (`groups_of`, buckets, `list_bounds`) finish the answer, so the two cannot drift.

use chrono::{DateTime, Datelike, Utc};
use orca_core::shape::{
    Bucket, Change, GroupBy, Intent, Measure, Order, Point, Ranked, Shaped, SortKey,
};
use orca_core::summary::{
    CaseSeverities, CaseStatuses, CaseSummary, IncidentSeverities, IncidentStatuses,
    IncidentSummary, WorkItemStates, WorkItemSummary, WorkItemTypes,
};
use orca_core::{
    ConnectorError, CustomerRef, Query, QueryOutput, SourceKey, StatusFilter, TimeEvent,
};
use serde_json::{Map, Value, json};

use super::KustoConnector;
use super::frames::{self, Table};
use super::kql::{Batch, area_regex};
use crate::store::agents::shaping::{self, DEFAULT_RANK_ENTRIES, ItemTable};
use crate::store::agents::{cases, context_ids, incidents, item_ids, owner_of, round1, work_items};
use crate::store::model::{
    format_timestamp, parse_case_status, parse_incident_severity, parse_incident_status,
    parse_work_item_state,
};

/// Most linkable ids returned (the store's cap).
const MAX_LINK_IDS: usize = crate::store::MAX_LINK_IDS;

fn bad(source: SourceKey, message: &str) -> ConnectorError {
    ConnectorError::bad_query(format!("{source}: {message}"))
}

/// The store's item table of a source (its shape checks and breakdown key names).
fn item_table(source: SourceKey) -> &'static ItemTable {
    match source {
        SourceKey::Icm => &incidents::INCIDENTS,
        SourceKey::Ado => &work_items::WORK_ITEMS,
        _ => &cases::CASES,
    }
}

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
        "_severity".to_string()
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

/// The DESIGN columns of a row, in the store's order (CustomerName is added after TenantId).
fn row_columns(source: SourceKey) -> &'static [&'static str] {
    match source {
        SourceKey::Kusto => &[
            "CaseNumber",
            "TenantId",
            "Title",
            "Severity",
            "Status",
            "ProductArea",
            "CreatedAt",
            "ClosedAt",
            "Owner",
        ],
        SourceKey::Icm => &[
            "IncidentId",
            "TenantId",
            "Severity",
            "Status",
            "Title",
            "OwningTeam",
            "CreatedAt",
            "MitigatedAt",
            "ResolvedAt",
            "CaseNumber",
        ],
        _ => &[
            "Id",
            "WorkItemType",
            "State",
            "Title",
            "AreaPath",
            "TenantId",
            "Tags",
            "CreatedAt",
            "IncidentId",
        ],
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

/// The value of one entry from its aggregate `a` (as the store's SQL reads it).
fn entry_value(measure: Measure, a: f64, now: i64) -> f64 {
    match measure {
        Measure::AverageAgeDays => round1((now as f64 - a) / 86_400.0),
        Measure::MeanTimeToMitigateHours => round1(a),
        _ => a,
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
                    Bucket::Week => format!("bin({column}, 7d)"),
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
            format!(" | extend _severity = iff({severity} == 25, 2.5, todouble({severity}))")
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

/// One summary row: status, severity (or type), items, and the source's extras.
struct SummaryRow {
    status: String,
    key: Value,
    n: i64,
    /// Cases: the oldest CreatedAt; incidents: seconds to mitigate summed.
    extra: Option<f64>,
    /// Incidents: mitigated ones.
    mitigated: i64,
}

/// The store's summary of a source from its summary table, and the total.
fn summary(
    source: SourceKey,
    table: &Table,
    now: i64,
) -> Result<(Map<String, Value>, i64), ConnectorError> {
    let (s, v, n) = (
        table.column(source, "s")?,
        table.column(source, "v")?,
        table.column(source, "n")?,
    );
    let extra = match source {
        SourceKey::Kusto => Some(table.column(source, "oldest")?),
        SourceKey::Icm => Some(table.column(source, "secs")?),
        _ => None,
    };
    let mitigated = match source {
        SourceKey::Icm => Some(table.column(source, "mitigated")?),
        _ => None,
    };
    let groups: Vec<SummaryRow> = table
        .rows
        .iter()
        .map(|row| SummaryRow {
            status: frames::text(&row[s]),
            key: row[v].clone(),
            n: frames::long(&row[n]).unwrap_or(0),
            extra: extra.and_then(|i| {
                if source == SourceKey::Kusto {
                    frames::seconds(&row[i]).map(|t| t as f64)
                } else {
                    frames::number(&row[i])
                }
            }),
            mitigated: mitigated.and_then(|i| frames::long(&row[i])).unwrap_or(0),
        })
        .collect();
    let count = |keep: &dyn Fn(&SummaryRow) -> bool| -> i64 {
        groups.iter().filter(|g| keep(g)).map(|g| g.n).sum()
    };
    let n = |keep: &dyn Fn(&SummaryRow) -> bool| count(keep) as u64;
    let total = count(&|_| true);
    let map = match source {
        SourceKey::Kusto => {
            let is_open = |g: &SummaryRow| g.status == "Active" || g.status == "Waiting";
            let letter = |g: &SummaryRow| frames::text(&g.key);
            let oldest = groups
                .iter()
                .filter(|g| is_open(g))
                .filter_map(|g| g.extra)
                .map(|t| t as i64)
                .min();
            let by_severity = |open_only: bool| {
                let sev = |s: &str| n(&|g| letter(g) == s && (!open_only || is_open(g)));
                CaseSeverities {
                    a: sev("A"),
                    b: sev("B"),
                    c: sev("C"),
                }
            };
            let status = |s: &str| n(&|g| g.status == s);
            CaseSummary {
                total: total as u64,
                open: Some(n(&is_open)),
                by_severity: by_severity(false),
                open_by_severity: by_severity(true),
                by_status: CaseStatuses {
                    active: status("Active"),
                    waiting: status("Waiting"),
                    resolved: status("Resolved"),
                    closed: status("Closed"),
                },
                oldest_open_days: oldest.map(|t| ((now - t).max(0) / 86_400) as u64),
            }
            .to_map()
        }
        SourceKey::Icm => {
            let active = count(&|g| g.status == "Active");
            let severity = |s: i64| n(&|g| frames::long(&g.key) == Some(s));
            let status = |s: &str| n(&|g| g.status == s);
            let mitigated: i64 = groups.iter().map(|g| g.mitigated).sum();
            let seconds: f64 = groups.iter().filter_map(|g| g.extra).sum();
            IncidentSummary {
                total: total as u64,
                active: Some(active as u64),
                open: Some(active as u64),
                by_severity: IncidentSeverities {
                    sev0: Some(severity(0)).filter(|n| *n > 0),
                    sev1: severity(1),
                    sev2: severity(2),
                    sev25: severity(25),
                    sev3: severity(3),
                    sev4: severity(4),
                },
                by_status: IncidentStatuses {
                    active: active as u64,
                    mitigated: status("Mitigated"),
                    resolved: status("Resolved"),
                },
                mean_time_to_mitigate_hours: (mitigated > 0)
                    .then(|| round1(seconds / 3600.0 / mitigated as f64)),
            }
            .to_map()
        }
        _ => {
            let is_open = |g: &SummaryRow| g.status != "Resolved" && g.status != "Closed";
            let kind = |t: &str| n(&|g| frames::text(&g.key) == t);
            let state = |s: &str| n(&|g| g.status == s);
            WorkItemSummary {
                total: total as u64,
                open: n(&is_open),
                by_type: WorkItemTypes {
                    bug: kind("Bug"),
                    dcr: kind("DCR"),
                    feature: kind("Feature"),
                },
                by_state: WorkItemStates {
                    new: state("New"),
                    active: state("Active"),
                    resolved: state("Resolved"),
                    closed: state("Closed"),
                },
                open_bugs: Some(n(&|g| frames::text(&g.key) == "Bug" && is_open(g))),
            }
            .to_map()
        }
    };
    Ok((map, total))
}

/// The rows table as the store's rows (DESIGN names, CustomerName from the registry).
fn rows(c: &KustoConnector, table: &Table) -> Result<Vec<Value>, ConnectorError> {
    let source = c.source;
    let columns: Vec<usize> = row_columns(source)
        .iter()
        .map(|name| table.column(source, name))
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let mut object = Map::new();
        for (name, &i) in row_columns(source).iter().zip(&columns) {
            let cell = &row[i];
            let value = match *name {
                "IncidentId" | "Id" => json!(frames::long(cell)),
                "Severity" if source == SourceKey::Icm => json!(frames::long(cell)),
                "CreatedAt" | "ClosedAt" | "MitigatedAt" | "ResolvedAt" => {
                    json!(frames::seconds(cell).map(format_timestamp))
                }
                // Kusto strings are never null: an empty linked id is none.
                "CaseNumber" if source == SourceKey::Icm => {
                    let text = frames::text(cell);
                    json!((!text.is_empty()).then_some(text))
                }
                _ => Value::String(frames::text(cell)),
            };
            object.insert((*name).to_string(), value);
            if *name == "TenantId" {
                let tenant = frames::text(cell);
                object.insert("CustomerName".into(), json!(c.name_of(&tenant)));
            }
        }
        out.push(Value::Object(object));
    }
    Ok(out)
}

fn ids(source: SourceKey, table: &Table) -> Result<Vec<String>, ConnectorError> {
    let id = table.column(source, "id")?;
    Ok(table
        .rows
        .iter()
        .map(|row| match &row[id] {
            Value::String(s) => s.clone(),
            other => frames::long(other).map_or_else(|| other.to_string(), |n| n.to_string()),
        })
        .collect())
}

/// The shaped answer of an aggregated intent from its table (if it has one).
fn shaped(
    c: &KustoConnector,
    query: &Query,
    tables: &[Table],
    total: i64,
    now: i64,
) -> Result<Shaped, ConnectorError> {
    let source = c.source;
    let shape = &query.shape;
    let measure = shape.measure;
    match shape.intent {
        Intent::Rank => {
            let table = &tables[0];
            let (k, a) = (table.column(source, "k")?, table.column(source, "a")?);
            let mut entries: Vec<(String, String, f64)> = table
                .rows
                .iter()
                .filter_map(|row| {
                    let a = frames::number(&row[a])?;
                    let tenant = frames::text(&row[k]);
                    let name = c
                        .name_of(&tenant)
                        .map_or_else(|| tenant.clone(), str::to_string);
                    Some((tenant, name, entry_value(measure, a, now)))
                })
                .collect();
            let ascending = matches!(shape.sort.map(|s| s.order), Some(Order::Asc));
            entries.sort_by(|x, y| {
                let by_value = if ascending {
                    x.2.total_cmp(&y.2)
                } else {
                    y.2.total_cmp(&x.2)
                };
                by_value
                    .then_with(|| x.1.cmp(&y.1))
                    .then_with(|| x.0.cmp(&y.0))
            });
            let wanted = shape.limit.unwrap_or(DEFAULT_RANK_ENTRIES).max(1);
            let mut ranking = Vec::new();
            for (index, (tenant_id, name, value)) in entries.iter().enumerate() {
                // SQL rank(): ties with the last ranked entry are kept.
                let tied = index > 0 && entries[index - 1].2 == *value;
                if !tied && index >= wanted {
                    break;
                }
                ranking.push(Ranked {
                    customer: CustomerRef {
                        tenant_id: tenant_id.clone(),
                        name: name.clone(),
                    },
                    value: *value,
                });
            }
            Ok(Shaped {
                truncated: entries.len() > ranking.len(),
                ranking,
                sort: shape.sort,
                limit: Some(wanted),
                ..Shaped::default()
            })
        }
        Intent::Breakdown => {
            let table = &tables[0];
            let (k, a, n) = (
                table.column(source, "k")?,
                table.column(source, "a")?,
                table.column(source, "n")?,
            );
            let per_customer = shape.group_by == Some(GroupBy::Customer);
            let grouped: Vec<(String, f64, i64)> = table
                .rows
                .iter()
                .filter_map(|row| {
                    let a = frames::number(&row[a])?;
                    let key = frames::text(&row[k]);
                    let key = if per_customer {
                        c.name_of(&key).map_or(key.clone(), str::to_string)
                    } else {
                        key
                    };
                    let n = frames::long(&row[n]).unwrap_or(0);
                    Some((key, entry_value(measure, a, now), n))
                })
                .collect();
            Ok(Shaped {
                groups: shaping::groups_of(grouped, measure, item_table(source), total),
                ..Shaped::default()
            })
        }
        Intent::Trend => {
            let Some(range) = &query.time_range else {
                return Err(bad(source, "a trend needs a time range"));
            };
            let bucket = shaping::bucket_of(query, range);
            let (first, last) = shaping::bucket_span(range, bucket);
            let table = &tables[0];
            let (bc, nc) = (table.column(source, "b")?, table.column(source, "n")?);
            let mut counts = vec![0_i64; usize::try_from(last - first + 1).unwrap_or(1)];
            for row in &table.rows {
                let Some(start) = frames::seconds(&row[bc]) else {
                    continue;
                };
                let index = (bucket_number(bucket, start) - first).clamp(0, last - first);
                counts[index as usize] += frames::long(&row[nc]).unwrap_or(0);
            }
            let series: Vec<Point> = counts
                .iter()
                .enumerate()
                .map(|(i, &n)| {
                    let number = first + i as i64;
                    let end = if number == last {
                        range.to
                    } else {
                        shaping::bucket_start(bucket, number + 1)
                    };
                    Point {
                        start: shaping::bucket_start(bucket, number),
                        end,
                        value: n as f64,
                    }
                })
                .collect();
            let change = match (series.first(), series.last()) {
                (Some(first), Some(last)) => Some(Change::between(first.value, last.value)),
                _ => None,
            };
            Ok(Shaped {
                series,
                bucket: Some(bucket),
                change,
                ..Shaped::default()
            })
        }
        _ => {
            let value = match measure {
                Measure::Count => Some(total as f64),
                Measure::AverageAgeDays | Measure::MeanTimeToMitigateHours => {
                    let table = &tables[0];
                    let a = table.column(source, "a")?;
                    table
                        .rows
                        .first()
                        .and_then(|row| frames::number(&row[a]))
                        .map(|a| entry_value(measure, a, now))
                }
                Measure::Customers => Some(customers_in_scope(c, query) as f64),
            };
            Ok(Shaped {
                value,
                ..Shaped::default()
            })
        }
    }
}

/// The number of the bucket holding `at` (the store numbers its buckets so).
fn bucket_number(bucket: Bucket, at: i64) -> i64 {
    match bucket {
        Bucket::Day => at.div_euclid(86_400),
        Bucket::Week => (at + 259_200).div_euclid(604_800),
        Bucket::Month => {
            let date = DateTime::<Utc>::from_timestamp(at, 0).unwrap_or_default();
            i64::from(date.year()) * 12 + i64::from(date.month0())
        }
    }
}

/// Registry rows in the query's tenant scope (the store counts its registry table so).
fn customers_in_scope(c: &KustoConnector, query: &Query) -> usize {
    let customers = &c.ctx.customers;
    let cohort = query
        .cohort
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if query.all_tenants {
        match cohort {
            Some(cohort) => customers
                .iter()
                .filter(|c| {
                    c.segment
                        .as_deref()
                        .is_some_and(|s| s.eq_ignore_ascii_case(cohort))
                })
                .count(),
            None => customers.len(),
        }
    } else {
        let ids: std::collections::HashSet<String> = query
            .tenant_ids
            .iter()
            .map(|t| t.trim().to_ascii_lowercase())
            .collect();
        customers
            .iter()
            .filter(|c| ids.contains(&c.tenant_id.trim().to_ascii_lowercase()))
            .count()
    }
}
