//! The tables of a Kusto batch turned into the store's `QueryOutput` for the item sources: the
//! summary folded from its (status, severity) rows exactly as the store folds its own, rows with
//! DESIGN names and the registry's CustomerName, linkable ids, and the shaped answers (ranking
//! with the store's ties and name order, groups through the store's `groups_of`, trend series on
//! the store's buckets, aggregate values rounded as the store rounds them).

use chrono::{DateTime, Datelike, Utc};
use orca_core::shape::{Bucket, GroupBy, Intent, Measure, Order, Ranked, Shaped};
use orca_core::{ConnectorError, CustomerRef, Query, SourceKey};
use serde_json::{Map, Value, json};

use super::KustoConnector;
use super::frames::{self, Table};
use super::tables::{bad, item_table, row_columns};
use crate::store::agents::round1;
use crate::store::agents::shaping::{self, DEFAULT_RANK_ENTRIES};
use crate::store::model::format_timestamp;
use crate::summaries::{self, CaseGroup, IncidentGroup, WorkItemGroup};

/// The value of one entry from its aggregate `a` (as the store's SQL reads it).
fn entry_value(measure: Measure, a: f64, now: i64) -> f64 {
    match measure {
        Measure::AverageAgeDays => round1((now as f64 - a) / 86_400.0),
        Measure::MeanTimeToMitigateHours => round1(a),
        _ => a,
    }
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
pub(super) fn summary(
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
    Ok(match source {
        SourceKey::Kusto => {
            let oldest = groups
                .iter()
                .filter(|g| summaries::is_open_case(&g.status))
                .filter_map(|g| g.extra)
                .map(|t| t as i64)
                .min();
            let groups: Vec<CaseGroup> = groups
                .iter()
                .map(|g| CaseGroup {
                    status: g.status.clone(),
                    severity: frames::text(&g.key),
                    count: g.n,
                })
                .collect();
            summaries::cases(&groups, oldest, now)
        }
        SourceKey::Icm => {
            let groups: Vec<IncidentGroup> = groups
                .iter()
                .map(|g| IncidentGroup {
                    status: g.status.clone(),
                    // No severity matches -1: a missing one counts in no Sev bucket.
                    severity: frames::long(&g.key).unwrap_or(-1),
                    count: g.n,
                    mitigation_seconds: g.extra.unwrap_or(0.0),
                    mitigated: g.mitigated,
                })
                .collect();
            summaries::incidents(&groups)
        }
        _ => {
            let groups: Vec<WorkItemGroup> = groups
                .iter()
                .map(|g| WorkItemGroup {
                    state: g.status.clone(),
                    kind: frames::text(&g.key),
                    count: g.n,
                })
                .collect();
            summaries::work_items(&groups)
        }
    })
}

/// The rows table as the store's rows (DESIGN names, CustomerName from the registry).
pub(super) fn rows(c: &KustoConnector, table: &Table) -> Result<Vec<Value>, ConnectorError> {
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

pub(super) fn ids(source: SourceKey, table: &Table) -> Result<Vec<String>, ConnectorError> {
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
pub(super) fn shaped(
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
            let table = &tables[0];
            let (bc, nc) = (table.column(source, "b")?, table.column(source, "n")?);
            let per_bucket = table.rows.iter().filter_map(|row| {
                let start = frames::seconds(&row[bc])?;
                Some((
                    bucket_number(bucket, start),
                    frames::long(&row[nc]).unwrap_or(0),
                ))
            });
            Ok(shaping::series(range, bucket, per_bucket))
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
