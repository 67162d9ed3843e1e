//! `tenant`: tenant health from the daily metrics in PostgreSQL. The SQL finds, per tenant and
//! metric in the range, the first and the last value and the last date (one `GROUP BY` with
//! ordered `array_agg`); the verdicts, the summary and the rows are the store's own code
//! (`store::agents::tenant::respond`), so thresholds and wording cannot drift apart.
//!
//! Filters as the store: the time range applies to Date whatever its `event` (`to` included when
//! `to_inclusive`); without one, the last `window_days` days of data; item filters are ignored.

use std::collections::BTreeMap;

use deadpool_postgres::ClientWrapper as Client;
use orca_core::{Query, QueryOutput};

use super::{AgentContext, AgentError, Where, query_rows, tenant_scope, tenant_values};
use crate::store::agents::tenant::{Metrics, Span, respond};

const DAY: i64 = 86_400;

pub(crate) async fn run(
    client: &Client,
    query: &Query,
    ctx: &AgentContext,
) -> Result<QueryOutput, AgentError> {
    let mut w = Where::default();
    tenant_scope(&mut w, query, false)?;
    let mut queries = 2;
    // `to` is exclusive here: an inclusive range ends one second later (dates are whole seconds).
    let (from, to) = match &query.time_range {
        Some(range) => (
            range.from.timestamp(),
            range.to.timestamp() + i64::from(range.to_inclusive),
        ),
        None => {
            queries += 1;
            let sql = format!("SELECT max(t.date) FROM tenant_metrics t WHERE {}", w.sql());
            let rows = query_rows(client, &sql, &w.params()).await?;
            let latest: Option<i64> = match rows.first() {
                Some(row) => row.try_get(0)?,
                None => None,
            };
            let to = latest.map_or(ctx.now, |d| d + DAY);
            (to - i64::from(ctx.health.window_days) * DAY, to)
        }
    };
    w.bind("t.date >= ?", from);
    w.bind("t.date < ?", to);
    let sql = format!(
        "SELECT t.tenant_id, t.metric, max(t.date), \
                (array_agg(t.value ORDER BY t.date ASC))[1], \
                (array_agg(t.value ORDER BY t.date DESC))[1] \
         FROM tenant_metrics t WHERE {} GROUP BY t.tenant_id, t.metric",
        w.sql()
    );
    let mut tenants: BTreeMap<String, Metrics> = BTreeMap::new();
    for row in query_rows(client, &sql, &w.params()).await? {
        let span = Span {
            last_date: row.try_get(2)?,
            first: row.try_get(3)?,
            last: row.try_get(4)?,
        };
        tenants
            .entry(row.try_get(0)?)
            .or_default()
            .insert(row.try_get(1)?, span);
    }
    // The names of every assessed tenant, fetched before the verdicts (the store asks for the
    // flagged ones only; the answer is the same).
    let ids: Vec<String> = tenants.keys().cloned().collect();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    // One tenant's answer names nobody (the store reads no names for it).
    let single = !query.all_tenants && query.tenant_ids.len() == 1;
    if !ids.is_empty() && !single {
        let rows = client
            .query(
                "SELECT tenant_id, name FROM registry WHERE tenant_id = ANY($1)",
                &[&tenant_values(&ids)],
            )
            .await?;
        for row in rows {
            names.insert(row.try_get(0)?, row.try_get(1)?);
        }
    }
    Ok(respond(
        tenants,
        from,
        to,
        query,
        &ctx.health,
        queries,
        |flagged| {
            Ok(flagged
                .into_iter()
                .filter_map(|t| names.get(&t).map(|n| (t, n.clone())))
                .collect())
        },
    )?)
}
