//! The shape of an answer over the three item tables in PostgreSQL: rank, breakdown, trend and
//! aggregate pushed down as one SQL aggregation each over the agent's WHERE clause. The
//! semantics are the store's (`store/agents/shaping.rs` documents them); the checks, ORDER BY
//! fragments, bucket arithmetic and grouping of breakdowns are the store's own functions, so
//! only the SQL differs.
//!
//! Invariant: nothing here fetches item rows to aggregate them; every value comes from a
//! `GROUP BY` or a one-row aggregate, with `now` and the limits bound.

use deadpool_postgres::ClientWrapper as Client;
use orca_core::shape::{Bucket, GroupBy, Intent, Measure, Order, Ranked, Shaped};
use orca_core::{CustomerRef, Query};

use super::{AgentError, TimeColumnOf, Where, cohort_of, query_rows, round1, tenant_values};
use crate::store::agents::shaping::{
    self as store_shaping, DEFAULT_RANK_ENTRIES, ItemTable, bucket_of, groups_of, series,
};

/// One item table in PostgreSQL: the store's table (its checks, orders and key names) and the
/// SQL of its keys and measures here.
pub(crate) struct PgTable {
    /// The store's description of the same table.
    pub store: &'static ItemTable,
    /// The key expression of a breakdown (customer aside); `None` where the store has none.
    pub group_key: fn(GroupBy) -> Option<&'static str>,
    /// The mean hours from creation to mitigation, when the source has them.
    pub hours_to_mitigate: Option<&'static str>,
    /// The column of a time event.
    pub time_column: TimeColumnOf,
}

impl PgTable {
    fn name(&self) -> &'static str {
        self.store.table
    }
}

/// Checks the shape as the store does; returns the ORDER BY of the rows.
pub(crate) fn check(query: &Query, table: &PgTable) -> Result<&'static str, AgentError> {
    Ok(store_shaping::check(query, table.store)?)
}

/// The aggregate of one entry (customer or group) as SQL: the inner aggregate over the group's
/// items (`a`, double precision) and the value read from it with the bound `now` (`p.now`).
fn per_entry_measure(
    measure: Measure,
    table: &PgTable,
) -> Result<(&'static str, &'static str), AgentError> {
    match measure {
        Measure::Count => Ok(("count(*)::float8", "g.a")),
        Measure::AverageAgeDays => Ok((
            "sum(t.created_at)::float8 / count(*)",
            "round(((p.now - g.a) / 86400.0::float8)::numeric, 1)::float8",
        )),
        Measure::MeanTimeToMitigateHours => match table.hours_to_mitigate {
            Some(hours) => Ok((hours, "round(g.a::numeric, 1)::float8")),
            None => Err(AgentError::BadQuery(format!(
                "{} have no time to mitigate",
                table.store.noun
            ))),
        },
        Measure::Customers => Err(AgentError::BadQuery(
            "the number of customers is not measured per customer or group".into(),
        )),
    }
}

/// Runs the aggregation of an aggregated intent over the rows `w` matches (`total` of them).
pub(crate) async fn aggregate(
    client: &Client,
    query: &Query,
    now: i64,
    w: &Where,
    table: &PgTable,
    total: i64,
) -> Result<Shaped, AgentError> {
    let shape = &query.shape;
    let filter = w.sql();
    let shaped = match shape.intent {
        Intent::Rank => rank(client, query, now, w, table).await?,
        Intent::Breakdown => breakdown(client, query, now, w, table, total).await?,
        Intent::Trend => trend(client, query, w, table).await?,
        _ => {
            let value = match shape.measure {
                Measure::Count => Some(total as f64),
                Measure::AverageAgeDays => {
                    let sql = format!(
                        "SELECT sum(t.created_at)::float8 / nullif(count(*), 0) FROM {} t \
                         WHERE {filter}",
                        table.name()
                    );
                    let rows = query_rows(client, &sql, &w.params()).await?;
                    let average: Option<f64> = match rows.first() {
                        Some(row) => row.try_get(0)?,
                        None => None,
                    };
                    average.map(|a| round1((now as f64 - a) / 86_400.0))
                }
                Measure::MeanTimeToMitigateHours => {
                    let hours = table.hours_to_mitigate.unwrap_or("NULL::float8");
                    let sql = format!("SELECT {hours} FROM {} t WHERE {filter}", table.name());
                    let rows = query_rows(client, &sql, &w.params()).await?;
                    let mean: Option<f64> = match rows.first() {
                        Some(row) => row.try_get(0)?,
                        None => None,
                    };
                    mean.map(round1)
                }
                Measure::Customers => Some(customers_in_scope(client, query).await? as f64),
            };
            Shaped {
                value,
                ..Shaped::default()
            }
        }
    };
    Ok(shaped)
}

async fn rank(
    client: &Client,
    query: &Query,
    now: i64,
    w: &Where,
    table: &PgTable,
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
                    FROM g CROSS JOIN (SELECT ?::bigint AS now) p \
                    LEFT JOIN registry r ON r.tenant_id = g.tenant_id WHERE g.a IS NOT NULL), \
              ranked AS (SELECT tenant_id, name, value, \
                                rank() OVER (ORDER BY value {direction}) AS place, \
                                count(*) OVER () AS entries FROM v) \
         SELECT tenant_id, name, value, entries FROM ranked WHERE place <= ? \
         ORDER BY value {direction}, name, tenant_id",
        table = table.name(),
        filter = w.sql(),
    );
    let entries_param = i64::try_from(entries).unwrap_or(i64::MAX);
    let rows = query_rows(client, &sql, &w.params_with(&[&now, &entries_param])).await?;
    let mut ranked_customers = 0_i64;
    let mut ranking = Vec::with_capacity(rows.len());
    for row in &rows {
        ranked_customers = row.try_get(3)?;
        ranking.push(Ranked {
            customer: CustomerRef {
                tenant_id: row.try_get(0)?,
                name: row.try_get(1)?,
            },
            value: row.try_get(2)?,
        });
    }
    Ok(Shaped {
        truncated: ranked_customers > ranking.len() as i64,
        ranking,
        sort: query.shape.sort,
        limit: Some(entries),
        ..Shaped::default()
    })
}

async fn breakdown(
    client: &Client,
    query: &Query,
    now: i64,
    w: &Where,
    table: &PgTable,
    total: i64,
) -> Result<Shaped, AgentError> {
    let (inner, outer) = per_entry_measure(query.shape.measure, table)?;
    let filter = w.sql();
    let table_name = table.name();
    let sql = match query.shape.group_by {
        Some(GroupBy::Customer) => format!(
            "SELECT coalesce(r.name, g.key) AS key, {outer} AS value, g.n \
             FROM (SELECT t.tenant_id AS key, {inner} AS a, count(*) AS n FROM {table_name} t \
                   WHERE {filter} GROUP BY t.tenant_id) g \
             CROSS JOIN (SELECT ?::bigint AS now) p LEFT JOIN registry r ON r.tenant_id = g.key \
             WHERE g.a IS NOT NULL"
        ),
        Some(group_by) => {
            let key = (table.group_key)(group_by).ok_or_else(|| {
                AgentError::BadQuery(format!(
                    "{} have no {} to group by",
                    table.store.noun,
                    group_by.as_str()
                ))
            })?;
            format!(
                "SELECT g.key, {outer} AS value, g.n \
                 FROM (SELECT {key} AS key, {inner} AS a, count(*) AS n FROM {table_name} t \
                       WHERE {filter} GROUP BY 1) g \
                 CROSS JOIN (SELECT ?::bigint AS now) p WHERE g.a IS NOT NULL"
            )
        }
        None => {
            return Err(AgentError::BadQuery(
                "a breakdown needs something to group by".into(),
            ));
        }
    };
    let rows = query_rows(client, &sql, &w.params_with(&[&now])).await?;
    let mut grouped: Vec<(String, f64, i64)> = Vec::with_capacity(rows.len());
    for row in &rows {
        grouped.push((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?));
    }
    Ok(Shaped {
        groups: groups_of(grouped, query.shape.measure, table.store, total),
        ..Shaped::default()
    })
}

/// The bucket number of `column` as the store numbers them: whole UTC days since 1970-01-01,
/// weeks from Monday 1969-12-29, months as year * 12 + month - 1.
fn bucket_sql(bucket: Bucket, column: &str) -> String {
    match bucket {
        Bucket::Day => format!("({column} / 86400)"),
        Bucket::Week => format!("(({column} + 259200) / 604800)"),
        Bucket::Month => format!(
            "(extract(year FROM to_timestamp({column}) AT TIME ZONE 'UTC') * 12 \
             + extract(month FROM to_timestamp({column}) AT TIME ZONE 'UTC') - 1)::bigint"
        ),
    }
}

async fn trend(
    client: &Client,
    query: &Query,
    w: &Where,
    table: &PgTable,
) -> Result<Shaped, AgentError> {
    let Some(range) = &query.time_range else {
        return Err(AgentError::BadQuery("a trend needs a time range".into()));
    };
    let column: &'static str =
        (table.time_column)(range.event).map_err(|reason| AgentError::BadQuery(reason.into()))?;
    let bucket = bucket_of(query, range);
    let sql = format!(
        "SELECT {} AS bucket, count(*) FROM {} t WHERE {} GROUP BY 1",
        bucket_sql(bucket, column),
        table.name(),
        w.sql()
    );
    let mut per_bucket = Vec::new();
    for row in query_rows(client, &sql, &w.params()).await? {
        per_bucket.push((row.try_get::<_, i64>(0)?, row.try_get::<_, i64>(1)?));
    }
    Ok(series(range, bucket, per_bucket))
}

/// Registry rows in the query's tenant scope: every customer, the cohort's, or the listed ones.
async fn customers_in_scope(client: &Client, query: &Query) -> Result<i64, AgentError> {
    let row = if query.all_tenants {
        match cohort_of(query) {
            Some(cohort) => {
                client
                    .query_one(
                        "SELECT count(*) FROM registry WHERE lower(segment) = $1",
                        &[&cohort.to_ascii_lowercase()],
                    )
                    .await?
            }
            None => {
                client
                    .query_one("SELECT count(*) FROM registry", &[])
                    .await?
            }
        }
    } else {
        client
            .query_one(
                "SELECT count(*) FROM registry WHERE tenant_id = ANY($1)",
                &[&tenant_values(&query.tenant_ids)],
            )
            .await?
    };
    Ok(row.try_get(0)?)
}
