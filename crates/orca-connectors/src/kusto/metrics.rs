//! The `tenant` source over Kusto: tenant health from the daily metrics table.
//!
//! The verdict is the store's (`store/agents/tenant.rs`): per tenant and metric the first and
//! the last value in the window, judged against `[health]`'s thresholds. Kusto computes those
//! two values: over the scope and window (`TenantId in~ (...) and Date >= from and Date < to`),
//! `summarize arg_min(Date, Value) by TenantId, Metric` and the same with `arg_max`, so two rows
//! per tenant and metric travel whatever the window's length. The verdict itself (thresholds,
//! reasons, the worst-first list of flagged tenants) is evaluated client-side with the store's
//! own agent over those rows ([`DataSet::evaluate`] on a blocking thread): the agent reads only
//! each group's first and last value, so its answer over them is its answer over the window, and
//! the verdicts and reasons are the store's word for word. Without a time range the window ends
//! at the scope's latest metric, found in the same batch (`toscalar(... summarize max(Date))`).

use orca_core::{ConnectorError, Query, QueryOutput};

use super::KustoConnector;
use super::frames::{self, Table};
use super::items::tenant_scope;
use super::kql::Batch;
use crate::DataSet;
use crate::store::model::MetricRow;

const DAY: i64 = 86_400;

pub(super) async fn run(c: &KustoConnector, query: &Query) -> Result<QueryOutput, ConnectorError> {
    let source = c.source;
    let table = c.table();
    let date = c.col("Date");
    let mut b = Batch::default();
    let scope = tenant_scope(c, query, false, &mut b)?;
    let scoped = match scope {
        Some(predicate) => format!("{table} | where {predicate}"),
        None => table,
    };
    b.let_("S", scoped);
    let window = match &query.time_range {
        Some(range) => {
            // `to` is exclusive here: an inclusive range ends one second later (whole seconds).
            let from = b.datetime(range.from.timestamp());
            let to = b.datetime(range.to.timestamp() + i64::from(range.to_inclusive));
            format!("{date} >= {from} and {date} < {to}")
        }
        None => {
            // The last `window_days` days up to the scope's latest metric (now without one).
            let now = b.datetime(c.ctx.now_unix());
            let days = b.long(i64::from(c.ctx.health.window_days));
            b.let_("latest", format!("toscalar(S | summarize max({date}))"));
            b.let_(
                "window_end",
                format!("iff(isnull(latest), {now}, startofday(latest) + 1d)"),
            );
            format!("{date} >= window_end - 1d * {days} and {date} < window_end")
        }
    };
    b.let_(
        "M",
        format!(
            "S | where {window} | project TenantId = {}, Metric = {}, Date = {date}, Value = {}",
            c.col("TenantId"),
            c.col("Metric"),
            c.col("Value")
        ),
    );
    b.tabular("M | summarize arg_min(Date, Value) by TenantId, Metric".into());
    b.tabular("M | summarize arg_max(Date, Value) by TenantId, Metric".into());
    let tables = c.execute(&b).await?;

    let mut data = DataSet::default();
    data.customers = c.ctx.customers.to_vec();
    // The first and the last value of each (tenant, metric); one row when they are the same day.
    let mut seen = std::collections::HashSet::new();
    for table in &tables {
        for metric in metric_rows(source, table)? {
            if seen.insert((metric.tenant_id.clone(), metric.metric.clone(), metric.date)) {
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
    output.queries = 1;
    Ok(output)
}

/// The metric rows of an `arg_min` / `arg_max` table (tenant ids in lower case, as stored).
fn metric_rows(
    source: orca_core::SourceKey,
    table: &Table,
) -> Result<Vec<MetricRow>, ConnectorError> {
    let (t, m, d, v) = (
        table.column(source, "TenantId")?,
        table.column(source, "Metric")?,
        table.column(source, "Date")?,
        table.column(source, "Value")?,
    );
    Ok(table
        .rows
        .iter()
        .filter_map(|row| {
            let day = frames::seconds(&row[d])?;
            Some(MetricRow {
                tenant_id: frames::text(&row[t]).trim().to_ascii_lowercase(),
                date: day - day.rem_euclid(DAY),
                metric: frames::text(&row[m]),
                value: frames::number(&row[v])?,
            })
        })
        .collect())
}
