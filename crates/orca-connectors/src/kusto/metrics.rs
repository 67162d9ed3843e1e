//! The `tenant` source over Kusto: tenant health from the daily metrics table.
//!
//! The verdict is the store's (`store/agents/tenant.rs`): per tenant and metric the first and
//! the last value in the window, judged against `[health]`'s thresholds. The connector pushes
//! the tenant scope and the window down (`TenantId in~ (...) and Date >= from and Date < to`),
//! fetches those rows (at most `max_metric_rows`: more fails rather than judging on part of
//! them), and evaluates them with the store's own agent ([`DataSet::evaluate`] on a blocking
//! thread), so the verdicts, reasons and rows are the store's. Without a time range the window
//! ends at the scope's latest metric, which costs one more round trip (`summarize max(Date)`).

use orca_core::{ConnectorError, Query, QueryOutput};

use super::KustoConnector;
use super::frames;
use super::items::tenant_scope;
use super::kql::Batch;
use crate::DataSet;
use crate::store::model::MetricRow;

const DAY: i64 = 86_400;

pub(super) async fn run(c: &KustoConnector, query: &Query) -> Result<QueryOutput, ConnectorError> {
    let source = c.source;
    let table = c.table();
    let date = c.col("Date");
    let mut queries = 1;
    let (from, to) = match &query.time_range {
        Some(range) => (
            range.from.timestamp(),
            range.to.timestamp() + i64::from(range.to_inclusive),
        ),
        None => {
            queries += 1;
            let mut b = Batch::default();
            let scope = tenant_scope(c, query, false, &mut b)?;
            let filter = scope.map(|s| format!(" | where {s}")).unwrap_or_default();
            b.tabular(format!("{table}{filter} | summarize latest = max({date})"));
            let tables = c.execute(&b).await?;
            let latest = tables[0].column(source, "latest")?;
            let latest = tables[0]
                .rows
                .first()
                .and_then(|row| frames::seconds(&row[latest]));
            let to = latest.map_or_else(|| c.ctx.now_unix(), |d| d - d.rem_euclid(DAY) + DAY);
            (to - i64::from(c.ctx.health.window_days) * DAY, to)
        }
    };
    let mut b = Batch::default();
    let mut predicates: Vec<String> = tenant_scope(c, query, false, &mut b)?.into_iter().collect();
    let (from_p, to_p) = (b.datetime(from), b.datetime(to));
    predicates.push(format!("{date} >= {from_p} and {date} < {to_p}"));
    let bound = b.long(
        i64::try_from(c.max_metric_rows)
            .unwrap_or(i64::MAX)
            .saturating_add(1),
    );
    b.tabular(format!(
        "{table} | where {} | take {bound} | project TenantId = {}, Date = {date}, Metric = {}, Value = {}",
        predicates.join(" and "),
        c.col("TenantId"),
        c.col("Metric"),
        c.col("Value")
    ));
    let tables = c.execute(&b).await?;
    let rows = &tables[0];
    if rows.rows.len() > c.max_metric_rows {
        return Err(ConnectorError::bad_query(format!(
            "{source}: more than {} metric rows in the scope and window; narrow the question \
             (fewer tenants, a shorter range) or raise [sources.{source}] max_metric_rows",
            c.max_metric_rows
        )));
    }
    let (t, d, m, v) = (
        rows.column(source, "TenantId")?,
        rows.column(source, "Date")?,
        rows.column(source, "Metric")?,
        rows.column(source, "Value")?,
    );
    let mut data = DataSet::default();
    data.customers = c.ctx.customers.to_vec();
    // One value per (tenant, metric, day), the last read winning (as an import upserts).
    let mut seen: std::collections::HashMap<(String, String, i64), usize> = Default::default();
    for row in &rows.rows {
        let (Some(day), Some(value)) = (frames::seconds(&row[d]), frames::number(&row[v])) else {
            continue;
        };
        let metric = MetricRow {
            tenant_id: frames::text(&row[t]).trim().to_ascii_lowercase(),
            date: day - day.rem_euclid(DAY),
            metric: frames::text(&row[m]),
            value,
        };
        let key = (metric.tenant_id.clone(), metric.metric.clone(), metric.date);
        match seen.get(&key) {
            Some(&at) => data.metrics[at] = metric,
            None => {
                seen.insert(key, data.metrics.len());
                data.metrics.push(metric);
            }
        }
    }
    let now = c.ctx.now_unix();
    let health = c.ctx.health.clone();
    let query = query.clone();
    let mut output = tokio::task::spawn_blocking(move || data.evaluate(&query, now, &health))
        .await
        .map_err(|e| {
            ConnectorError::unavailable(format!("{source}: the health evaluation stopped: {e}"))
        })??;
    output.queries = queries;
    Ok(output)
}
