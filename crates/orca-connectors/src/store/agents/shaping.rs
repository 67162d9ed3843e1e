//! The shape of an answer (DESIGN section 9) over the three item tables (cases, incidents, work
//! items): rows sorted and bounded for a list, and rank, breakdown, trend and aggregate pushed
//! down as one SQL aggregation each over the agent's own WHERE clause.
//!
//! Invariant: nothing here fetches item rows to aggregate them; every value comes from a
//! `GROUP BY` (or a one-row aggregate), and the SQL text is built only from the `&'static str`
//! fragments of an [`ItemTable`] and this module, values bound (as the parent module requires).
//!
//! Per intent (the summary is the agent's, unchanged, in every case):
//! - `list`: rows in the asked order (newest first without one), `limit` = `Query::limit`,
//!   `truncated` when more match. Severity, most severe first: cases A, B, C; incidents 0, 1, 2,
//!   2.5, 3, 4; ties by newest then the highest id. Work items have no severity; sorting rows
//!   by a value is a bad query.
//! - `rank`: matching items per customer (`GROUP BY tenant_id`, name from the registry, the
//!   tenant id when it has none), the highest value first (`order: asc` = fewest first), then by
//!   name; `Shape::limit` entries (default [`DEFAULT_RANK_ENTRIES`]) and every customer tied with
//!   the last one (SQL `rank()`); customers without a matching item are not ranked.
//! - `breakdown`: matching items per key of `group_by` (see each agent for the keys it has),
//!   largest first then by key; `share` is the group's part of the matching items (3 decimals).
//! - rank and breakdown measure `count` (default), `average_age_days` or
//!   `mean_time_to_mitigate_hours` (incidents) per entry.
//! - `trend`: items per bucket of the range's event column (the column the time filter uses),
//!   every bucket of the range, empty ones as 0. Buckets are UTC days, weeks from Monday 00:00
//!   or months from the 1st: the first starts on the boundary at or before `from` (only items in
//!   the range count), the last ends at `to`. `change` is from the first bucket to the last.
//! - `aggregate`: `count` (the total), `average_age_days` at `now` (one decimal),
//!   `mean_time_to_mitigate_hours` (incidents, mitigated ones; one decimal), `customers`
//!   (registry rows in the query's tenant scope; the cases agent answers it).
//! - Aggregated intents (rank, breakdown, trend, aggregate) return no rows and no ids.
//!
//! Fewer scans ([`plan`]): an agent whose summary counts rows per pair of two columns (cases:
//! status, severity) answers a count breakdown by one of them from the summary's own rows, and a
//! count rank or breakdown by another key from one scan grouped by (key, both columns), folding
//! the summary and the per-key counts from the same rows ([`from_counts`]). Other shapes run
//! their own query after the summary. Either way the answer is the one described above.

use chrono::{DateTime, Datelike, TimeZone, Utc};
use orca_core::shape::{
    Bucket, Change, Group, GroupBy, Intent, Measure, Order, Point, Ranked, Shaped, SortKey,
};
use orca_core::{CustomerRef, Query, QueryOutput, TimeRange};
use rusqlite::types::ToSql;
use rusqlite::{Connection, params_from_iter};

use super::{AgentError, TimeColumn, Where, query_rows, tenant_values};

/// Ranked entries when the shape asks for no number.
pub(crate) const DEFAULT_RANK_ENTRIES: usize = 10;

/// Most buckets a trend may have (about three years of days).
pub(crate) const MAX_TREND_BUCKETS: i64 = 1_100;

/// The fixed SQL fragments of one item table (alias `t`), and the shapes it can answer.
pub(crate) struct ItemTable {
    /// The table name.
    pub table: &'static str,
    /// The items in a sentence ("work items").
    pub noun: &'static str,
    /// ORDER BY of rows: newest first (the default), oldest first.
    pub newest_first: &'static str,
    pub oldest_first: &'static str,
    /// ORDER BY of rows by severity, most and least severe first; `None` without a severity.
    pub most_severe_first: Option<&'static str>,
    pub least_severe_first: Option<&'static str>,
    /// The key expression of a breakdown by `GroupBy` (customer aside), or why there is none.
    pub group_key: fn(GroupBy) -> Result<&'static str, &'static str>,
    /// Mapping of breakdown keys after aggregation (work items: area path keys to area names).
    pub key_name: fn(String) -> String,
    /// Hours from creation to mitigation of one item, when the source has them.
    pub hours_to_mitigate: Option<&'static str>,
    /// The column of a time event (the one the agent's time filter uses).
    pub time_column: fn(orca_core::TimeEvent) -> Result<TimeColumn, &'static str>,
}

/// Whether the intent is answered by an aggregation alone (no rows, no ids).
/// The output of an aggregated intent: the summary and the shaped values, no rows and no ids
/// (an aggregate links to nothing).
pub(crate) fn aggregated_output(
    summary: serde_json::Map<String, serde_json::Value>,
    shaped: Shaped,
    queries: u32,
) -> QueryOutput {
    QueryOutput {
        summary,
        rows: Vec::new(),
        ids: Vec::new(),
        queries,
        shaped: Box::new(shaped),
    }
}

pub(crate) fn is_aggregated(intent: Intent) -> bool {
    matches!(
        intent,
        Intent::Rank | Intent::Breakdown | Intent::Trend | Intent::Aggregate
    )
}

/// Checks that `table` can give the shape asked, before any SQL runs; returns the ORDER BY of
/// the rows (for intents that return rows).
pub(crate) fn check(query: &Query, table: &ItemTable) -> Result<&'static str, AgentError> {
    let shape = &query.shape;
    let bad = |message: String| Err(AgentError::BadQuery(message));
    match shape.intent {
        Intent::List => return list_order(query, table),
        Intent::Rank => {
            if let Some(group_by) = shape.group_by.filter(|g| *g != GroupBy::Customer) {
                return bad(format!(
                    "a ranking is by customer, not by {}; ask for a breakdown by {0}",
                    group_by.as_str()
                ));
            }
            per_entry_measure(shape.measure, table)?;
        }
        Intent::Breakdown => {
            let Some(group_by) = shape.group_by else {
                return bad("a breakdown needs something to group by".into());
            };
            if group_by != GroupBy::Customer {
                (table.group_key)(group_by)
                    .map_err(|reason| AgentError::BadQuery(reason.into()))?;
            }
            per_entry_measure(shape.measure, table)?;
        }
        Intent::Trend => {
            let Some(range) = &query.time_range else {
                return bad("a trend needs a time range".into());
            };
            (table.time_column)(range.event)
                .map_err(|reason| AgentError::BadQuery(reason.into()))?;
            if shape.measure != Measure::Count {
                return bad(format!(
                    "a trend counts {} per bucket; it cannot measure {}",
                    table.noun,
                    measure_name(shape.measure)
                ));
            }
            let (first, last) = bucket_span(range, bucket_of(query, range));
            if last - first >= MAX_TREND_BUCKETS {
                return bad(format!(
                    "a trend of more than {MAX_TREND_BUCKETS} buckets; ask per week or month"
                ));
            }
        }
        Intent::Aggregate => match shape.measure {
            Measure::Count | Measure::AverageAgeDays => {}
            Measure::MeanTimeToMitigateHours if table.hours_to_mitigate.is_some() => {}
            Measure::MeanTimeToMitigateHours => {
                return bad(format!("{} have no time to mitigate", table.noun));
            }
            Measure::Customers if table.table == "cases" => {}
            Measure::Customers => {
                return bad("the number of customers is answered by the cases source".into());
            }
        },
        Intent::Count | Intent::Lookup | Intent::Compare | Intent::Investigate | Intent::Docs => {}
    }
    Ok(table.newest_first)
}

fn list_order(query: &Query, table: &ItemTable) -> Result<&'static str, AgentError> {
    let Some(sort) = query.shape.sort else {
        return Ok(table.newest_first);
    };
    let order = match (sort.by, sort.order) {
        (SortKey::Created, Order::Desc) => Some(table.newest_first),
        (SortKey::Created, Order::Asc) => Some(table.oldest_first),
        (SortKey::Severity, Order::Desc) => table.most_severe_first,
        (SortKey::Severity, Order::Asc) => table.least_severe_first,
        (SortKey::Value, _) => {
            return Err(AgentError::BadQuery(format!(
                "{} are listed by creation time or severity, not by a value",
                table.noun
            )));
        }
    };
    order.ok_or_else(|| AgentError::BadQuery(format!("{} have no severity to sort by", table.noun)))
}

fn measure_name(measure: Measure) -> &'static str {
    match measure {
        Measure::Count => "a count",
        Measure::AverageAgeDays => "an average age",
        Measure::MeanTimeToMitigateHours => "a mean time to mitigate",
        Measure::Customers => "a number of customers",
    }
}

/// The aggregate of one entry (customer or group) as SQL: the inner aggregate over the group's
/// items (`a`) and the value read from it with the bound `now` (`p.now`).
fn per_entry_measure(
    measure: Measure,
    table: &ItemTable,
) -> Result<(&'static str, &'static str), AgentError> {
    match measure {
        Measure::Count => Ok(("count(*)", "g.a")),
        Measure::AverageAgeDays => Ok(("avg(t.created_at)", "round((p.now - g.a) / 86400.0, 1)")),
        Measure::MeanTimeToMitigateHours => match table.hours_to_mitigate {
            Some(hours) => Ok((hours, "round(g.a, 1)")),
            None => Err(AgentError::BadQuery(format!(
                "{} have no time to mitigate",
                table.noun
            ))),
        },
        Measure::Customers => Err(AgentError::BadQuery(
            "the number of customers is not measured per customer or group".into(),
        )),
    }
}

/// The bounds of a list: the sort asked, the limit applied, and whether more rows match.
pub(crate) fn list_bounds(query: &Query, returned: usize, total: i64) -> Shaped {
    if query.shape.intent != Intent::List {
        return Shaped::default();
    }
    Shaped {
        sort: query.shape.sort,
        limit: Some(query.limit),
        truncated: total > returned as i64,
        ..Shaped::default()
    }
}

/// Runs the aggregation of an aggregated intent (see [`is_aggregated`]) over the rows `w`
/// matches (`total` of them); [`check`] has passed. Returns the output and the queries run.
pub(crate) fn aggregate(
    conn: &Connection,
    query: &Query,
    now: i64,
    w: &Where,
    table: &ItemTable,
    total: i64,
) -> Result<(Shaped, u32), AgentError> {
    let shape = &query.shape;
    let filter = w.sql();
    let shaped = match shape.intent {
        Intent::Rank => rank(conn, query, now, w, table)?,
        Intent::Breakdown => breakdown(conn, query, now, w, table, total)?,
        Intent::Trend => trend(conn, query, w, table)?,
        _ => {
            let value = match shape.measure {
                Measure::Count => Some(total as f64),
                Measure::AverageAgeDays => {
                    let sql = format!(
                        "SELECT avg(t.created_at) FROM {} t WHERE {filter}",
                        table.table
                    );
                    let average: Option<f64> =
                        conn.query_row(&sql, params_from_iter(w.params()), |row| row.get(0))?;
                    average.map(|a| round1((now as f64 - a) / 86_400.0))
                }
                Measure::MeanTimeToMitigateHours => {
                    let hours = table.hours_to_mitigate.unwrap_or("NULL");
                    let sql = format!("SELECT {hours} FROM {} t WHERE {filter}", table.table);
                    let mean: Option<f64> =
                        conn.query_row(&sql, params_from_iter(w.params()), |row| row.get(0))?;
                    mean.map(round1)
                }
                Measure::Customers => Some(customers_in_scope(conn, query)? as f64),
            };
            Shaped {
                value,
                ..Shaped::default()
            }
        }
    };
    Ok((shaped, 2))
}

/// How an aggregated shape is answered, given an agent's summary that counts the matching rows
/// per pair of two columns answering the breakdowns `summary_keys` (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plan {
    /// Counts per value of the summary's column `0` or `1`: no query besides the summary.
    FromSummary(usize),
    /// Counts per value of this key expression, grouped with the summary's columns in the
    /// summary's own scan.
    Folded(&'static str),
    /// A query of its own after the summary ([`aggregate`]).
    Separate,
}

/// The [`Plan`] of `query` over `table`, whose summary groups by `summary_keys`; [`check`] has
/// passed. Only counts fold: another measure per entry is not a sum of the summary's groups.
pub(crate) fn plan(query: &Query, table: &ItemTable, summary_keys: [GroupBy; 2]) -> Plan {
    let shape = &query.shape;
    if shape.measure != Measure::Count {
        return Plan::Separate;
    }
    let group_by = match shape.intent {
        Intent::Rank => GroupBy::Customer,
        Intent::Breakdown => match shape.group_by {
            Some(group_by) => group_by,
            None => return Plan::Separate,
        },
        _ => return Plan::Separate,
    };
    if let Some(column) = summary_keys.iter().position(|k| *k == group_by) {
        return Plan::FromSummary(column);
    }
    match (table.group_key)(group_by) {
        Ok(key) => Plan::Folded(key),
        Err(_) => Plan::Separate,
    }
}

/// Answers a count rank or breakdown ([`plan`] gave `FromSummary` or `Folded`) from the matching
/// items per key (`counts`: key, items; the key is the tenant id for a rank or a breakdown by
/// customer), `total` items in all. Same answer as [`aggregate`]'s SQL: customers named from the
/// registry (the tenant id without a name), ranks with ties, groups largest first. Returns the
/// output and the queries it ran (the registry names, for customers).
pub(crate) fn from_counts(
    conn: &Connection,
    query: &Query,
    table: &ItemTable,
    counts: Vec<(String, i64)>,
    total: i64,
) -> Result<(Shaped, u32), AgentError> {
    let per_customer =
        query.shape.intent == Intent::Rank || query.shape.group_by == Some(GroupBy::Customer);
    if !per_customer {
        let grouped = counts
            .into_iter()
            .map(|(key, n)| (key, n as f64, n))
            .collect();
        return Ok((
            Shaped {
                groups: groups_of(grouped, query.shape.measure, table, total),
                ..Shaped::default()
            },
            0,
        ));
    }
    // Names of the counted tenants (registry tenant ids are unique), the tenant id without one.
    let ids: Vec<rusqlite::types::Value> = counts
        .iter()
        .map(|(tenant, _)| rusqlite::types::Value::Text(tenant.clone()))
        .collect();
    let names: std::collections::HashMap<String, String> = query_rows(
        conn,
        "SELECT tenant_id, name FROM registry WHERE tenant_id IN rarray(?)",
        &[&std::rc::Rc::new(ids) as &dyn ToSql],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    let named = counts.into_iter().map(|(tenant, n)| {
        let name = names
            .get(&tenant)
            .cloned()
            .unwrap_or_else(|| tenant.clone());
        (tenant, name, n)
    });
    if query.shape.intent == Intent::Breakdown {
        let grouped = named.map(|(_, name, n)| (name, n as f64, n)).collect();
        return Ok((
            Shaped {
                groups: groups_of(grouped, query.shape.measure, table, total),
                ..Shaped::default()
            },
            1,
        ));
    }
    // As `rank`'s SQL: ORDER BY value (asked direction), name, tenant id; `rank()` places.
    let ascending = matches!(query.shape.sort.map(|s| s.order), Some(Order::Asc));
    let mut entries: Vec<(String, String, i64)> = named.collect();
    entries.sort_by(|a, b| {
        let by_value = if ascending {
            a.2.cmp(&b.2)
        } else {
            b.2.cmp(&a.2)
        };
        by_value
            .then_with(|| a.1.cmp(&b.1))
            .then_with(|| a.0.cmp(&b.0))
    });
    let wanted = query.shape.limit.unwrap_or(DEFAULT_RANK_ENTRIES).max(1);
    let mut ranking: Vec<Ranked> = Vec::new();
    for (index, (tenant_id, name, n)) in entries.iter().enumerate() {
        // rank(): 1 + the entries before it with another value.
        let tied_with_previous = index > 0 && entries[index - 1].2 == *n;
        if !tied_with_previous && index >= wanted {
            break;
        }
        ranking.push(Ranked {
            customer: CustomerRef {
                tenant_id: tenant_id.clone(),
                name: name.clone(),
            },
            value: *n as f64,
        });
    }
    Ok((
        Shaped {
            truncated: entries.len() > ranking.len(),
            ranking,
            sort: query.shape.sort,
            limit: Some(wanted),
            ..Shaped::default()
        },
        1,
    ))
}

fn rank(
    conn: &Connection,
    query: &Query,
    now: i64,
    w: &Where,
    table: &ItemTable,
) -> Result<Shaped, AgentError> {
    let (inner, outer) = per_entry_measure(query.shape.measure, table)?;
    let direction = match query.shape.sort.map(|s| s.order) {
        Some(Order::Asc) => "ASC",
        _ => "DESC",
    };
    let entries = query.shape.limit.unwrap_or(DEFAULT_RANK_ENTRIES).max(1);
    let sql = format!(
        "WITH g AS (SELECT t.tenant_id AS tenant_id, {inner} AS a FROM {table} t WHERE {filter} \
                    GROUP BY t.tenant_id), \
              v AS (SELECT g.tenant_id AS tenant_id, coalesce(r.name, g.tenant_id) AS name, \
                           {outer} AS value \
                    FROM g CROSS JOIN (SELECT ? AS now) p \
                    LEFT JOIN registry r ON r.tenant_id = g.tenant_id WHERE g.a IS NOT NULL), \
              ranked AS (SELECT tenant_id, name, value, \
                                rank() OVER (ORDER BY value {direction}) AS place, \
                                count(*) OVER () AS entries FROM v) \
         SELECT tenant_id, name, value, entries FROM ranked WHERE place <= ? \
         ORDER BY value {direction}, name, tenant_id",
        table = table.table,
        filter = w.sql(),
    );
    let entries_param = i64::try_from(entries).unwrap_or(i64::MAX);
    let params: Vec<&dyn ToSql> = w
        .params()
        .chain([&now as &dyn ToSql, &entries_param as &dyn ToSql])
        .collect();
    let mut ranked_customers = 0_i64;
    let ranking: Vec<Ranked> = query_rows(conn, &sql, &params, |row| {
        ranked_customers = row.get(3)?;
        Ok(Ranked {
            customer: CustomerRef {
                tenant_id: row.get(0)?,
                name: row.get(1)?,
            },
            value: row.get(2)?,
        })
    })?;
    Ok(Shaped {
        truncated: ranked_customers > ranking.len() as i64,
        ranking,
        sort: query.shape.sort,
        limit: Some(entries),
        ..Shaped::default()
    })
}

fn breakdown(
    conn: &Connection,
    query: &Query,
    now: i64,
    w: &Where,
    table: &ItemTable,
    total: i64,
) -> Result<Shaped, AgentError> {
    let (inner, outer) = per_entry_measure(query.shape.measure, table)?;
    let filter = w.sql();
    let table_name = table.table;
    let sql = match query.shape.group_by {
        Some(GroupBy::Customer) => format!(
            "SELECT coalesce(r.name, g.key) AS key, {outer} AS value, g.n \
             FROM (SELECT t.tenant_id AS key, {inner} AS a, count(*) AS n FROM {table_name} t \
                   WHERE {filter} GROUP BY t.tenant_id) g \
             CROSS JOIN (SELECT ? AS now) p LEFT JOIN registry r ON r.tenant_id = g.key \
             WHERE g.a IS NOT NULL ORDER BY value DESC, key"
        ),
        Some(group_by) => {
            let key = (table.group_key)(group_by)
                .map_err(|reason| AgentError::BadQuery(reason.into()))?;
            format!(
                "SELECT g.key, {outer} AS value, g.n \
                 FROM (SELECT {key} AS key, {inner} AS a, count(*) AS n FROM {table_name} t \
                       WHERE {filter} GROUP BY 1) g \
                 CROSS JOIN (SELECT ? AS now) p WHERE g.a IS NOT NULL ORDER BY value DESC, g.key"
            )
        }
        None => {
            return Err(AgentError::BadQuery(
                "a breakdown needs something to group by".into(),
            ));
        }
    };
    let params: Vec<&dyn ToSql> = w.params_with(&now);
    let grouped: Vec<(String, f64, i64)> = query_rows(conn, &sql, &params, |row| {
        Ok((row.get(0)?, row.get(1)?, row.get(2)?))
    })?;
    Ok(Shaped {
        groups: groups_of(grouped, query.shape.measure, table, total),
        ..Shaped::default()
    })
}

/// The groups of a breakdown from `(key, value, items)` per key as aggregated: keys renamed
/// (`ItemTable::key_name`), largest first then by key, shares of `total`.
pub(crate) fn groups_of(
    grouped: Vec<(String, f64, i64)>,
    measure: Measure,
    table: &ItemTable,
    total: i64,
) -> Vec<Group> {
    let share = |n: i64| {
        if total > 0 {
            (n as f64 / total as f64 * 1000.0).round() / 1000.0
        } else {
            0.0
        }
    };
    // Keys renamed after aggregation may meet: add their counts (only a count adds up).
    let mut groups: Vec<(String, f64, i64)> = Vec::with_capacity(grouped.len());
    for (key, value, n) in grouped {
        let key = (table.key_name)(key);
        match groups.iter_mut().find(|g| g.0 == key) {
            Some(group) if measure == Measure::Count => {
                group.1 += value;
                group.2 += n;
            }
            _ => groups.push((key, value, n)),
        }
    }
    groups.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    groups
        .into_iter()
        .map(|(key, value, n)| Group {
            key,
            value,
            share: share(n),
        })
        .collect()
}

/// The bucket asked, or one chosen by the range's length: days up to two weeks, weeks up to
/// about four months, months beyond.
pub(crate) fn bucket_of(query: &Query, range: &TimeRange) -> Bucket {
    query.shape.bucket.unwrap_or_else(|| {
        let days = (range.to - range.from).num_days();
        if days <= 14 {
            Bucket::Day
        } else if days <= 120 {
            Bucket::Week
        } else {
            Bucket::Month
        }
    })
}

/// The number of the bucket holding `at` (as the SQL of [`TimeColumn`] numbers them).
fn bucket_number(bucket: Bucket, at: i64) -> i64 {
    match bucket {
        Bucket::Day => at.div_euclid(86_400),
        Bucket::Week => (at + 259_200).div_euclid(604_800),
        Bucket::Month => {
            let date = DateTime::from_timestamp(at, 0).unwrap_or_default();
            i64::from(date.year()) * 12 + i64::from(date.month0())
        }
    }
}

/// Where bucket `number` starts.
pub(crate) fn bucket_start(bucket: Bucket, number: i64) -> DateTime<Utc> {
    let at = match bucket {
        Bucket::Day => number * 86_400,
        Bucket::Week => number * 604_800 - 259_200,
        Bucket::Month => {
            let year = i32::try_from(number.div_euclid(12)).unwrap_or(i32::MAX);
            let month = u32::try_from(number.rem_euclid(12)).unwrap_or(0) + 1;
            return Utc
                .with_ymd_and_hms(year, month, 1, 0, 0, 0)
                .single()
                .unwrap_or_default();
        }
    };
    DateTime::from_timestamp(at, 0).unwrap_or_default()
}

/// The first and last bucket numbers of a range (the last holds `to` when it is in the range,
/// the instant before it otherwise).
pub(crate) fn bucket_span(range: &TimeRange, bucket: Bucket) -> (i64, i64) {
    let from = range.from.timestamp();
    let to = range.to.timestamp();
    let last_instant = if range.to_inclusive { to } else { to - 1 };
    let first = bucket_number(bucket, from);
    (
        first,
        bucket_number(bucket, last_instant.max(from)).max(first),
    )
}

fn trend(
    conn: &Connection,
    query: &Query,
    w: &Where,
    table: &ItemTable,
) -> Result<Shaped, AgentError> {
    let Some(range) = &query.time_range else {
        return Err(AgentError::BadQuery("a trend needs a time range".into()));
    };
    let column =
        (table.time_column)(range.event).map_err(|reason| AgentError::BadQuery(reason.into()))?;
    let bucket = bucket_of(query, range);
    let number = match bucket {
        Bucket::Day => column.day,
        Bucket::Week => column.week,
        Bucket::Month => column.month,
    };
    let sql = format!(
        "SELECT {number} AS bucket, count(*) FROM {} t WHERE {} GROUP BY 1",
        table.table,
        w.sql()
    );
    let per_bucket: Vec<(i64, i64)> =
        query_rows(conn, &sql, &w.params().collect::<Vec<_>>(), |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?;
    Ok(series(range, bucket, per_bucket))
}

/// The trend of `range` in `bucket`s from (bucket number, count) rows, as every connector that
/// pushes the trend down gets them: every bucket of the range present (empty ones 0), the last
/// ending at the range's end, and the change from the first bucket to the last.
pub(crate) fn series(
    range: &TimeRange,
    bucket: Bucket,
    per_bucket: impl IntoIterator<Item = (i64, i64)>,
) -> Shaped {
    let (first, last) = bucket_span(range, bucket);
    let mut counts = vec![0_i64; usize::try_from(last - first + 1).unwrap_or(1)];
    for (number, n) in per_bucket {
        // The filter keeps the range; `to` itself (inclusive ranges) counts in the last bucket.
        let index = (number - first).clamp(0, last - first);
        counts[index as usize] += n;
    }
    let series: Vec<Point> = counts
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let number = first + i as i64;
            let end = if number == last {
                range.to
            } else {
                bucket_start(bucket, number + 1)
            };
            Point {
                start: bucket_start(bucket, number),
                end,
                value: n as f64,
            }
        })
        .collect();
    let change = match (series.first(), series.last()) {
        (Some(first), Some(last)) => Some(Change::between(first.value, last.value)),
        _ => None,
    };
    Shaped {
        series,
        bucket: Some(bucket),
        change,
        ..Shaped::default()
    }
}

/// Registry rows in the query's tenant scope: every customer, the cohort's, or the listed ones.
fn customers_in_scope(conn: &Connection, query: &Query) -> Result<i64, AgentError> {
    let cohort = query
        .cohort
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let count = if query.all_tenants {
        match cohort {
            Some(cohort) => conn.query_row(
                "SELECT count(*) FROM registry WHERE segment = ? COLLATE NOCASE",
                [cohort],
                |row| row.get(0),
            )?,
            None => conn.query_row("SELECT count(*) FROM registry", [], |row| row.get(0))?,
        }
    } else {
        let ids = std::rc::Rc::new(tenant_values(&query.tenant_ids));
        conn.query_row(
            "SELECT count(*) FROM registry WHERE tenant_id IN rarray(?)",
            [ids],
            |row| row.get(0),
        )?
    };
    Ok(count)
}

fn round1(x: f64) -> f64 {
    super::round1(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> i64 {
        DateTime::parse_from_rfc3339(rfc3339).unwrap().timestamp()
    }

    #[test]
    fn buckets_start_on_utc_days_mondays_and_first_of_month() {
        // 2026-03-04 is a Wednesday; its week starts Monday 2026-03-02.
        let wednesday = at("2026-03-04T15:30:00Z");
        let week = bucket_number(Bucket::Week, wednesday);
        assert_eq!(
            bucket_start(Bucket::Week, week).to_rfc3339(),
            "2026-03-02T00:00:00+00:00"
        );
        assert_eq!(
            bucket_number(Bucket::Week, at("2026-03-02T00:00:00Z")),
            week
        );
        assert_eq!(
            bucket_number(Bucket::Week, at("2026-03-01T23:59:59Z")),
            week - 1
        );
        let day = bucket_number(Bucket::Day, wednesday);
        assert_eq!(
            bucket_start(Bucket::Day, day).to_rfc3339(),
            "2026-03-04T00:00:00+00:00"
        );
        let month = bucket_number(Bucket::Month, wednesday);
        assert_eq!(
            bucket_start(Bucket::Month, month).to_rfc3339(),
            "2026-03-01T00:00:00+00:00"
        );
        assert_eq!(
            bucket_start(Bucket::Month, month + 10).to_rfc3339(),
            "2027-01-01T00:00:00+00:00"
        );
    }

    #[test]
    fn sql_bucket_numbers_match_rust_ones() {
        let conn = Connection::open_in_memory().unwrap();
        let column = super::super::time_column!("t.at");
        for instant in [
            "2026-03-01T23:59:59Z",
            "2026-03-02T00:00:00Z",
            "2025-12-31T12:00:00Z",
        ] {
            let sql = format!(
                "SELECT {}, {}, {} FROM (SELECT ? AS at) t",
                column.day, column.week, column.month
            );
            let numbers: (i64, i64, i64) = conn
                .query_row(&sql, [at(instant)], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .unwrap();
            assert_eq!(
                numbers,
                (
                    bucket_number(Bucket::Day, at(instant)),
                    bucket_number(Bucket::Week, at(instant)),
                    bucket_number(Bucket::Month, at(instant))
                ),
                "{instant}"
            );
        }
    }
}
