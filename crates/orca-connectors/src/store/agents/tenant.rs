//! `tenant`: tenant health from the daily metrics. For each metric over the range: the latest
//! value, the first value, and the trend (last vs first, percent); then a verdict
//! `healthy | warning | unhealthy` with the reasons, from [`HealthThresholds`].
//!
//! The summary is a [`HealthSummary`]. One tenant: `summary.health`, `summary.reasons`,
//! `summary.metrics`, `summary.active_ratio`; rows are one per metric. Several tenants (a list,
//! `all_tenants` or a cohort): counts per verdict, and rows are the warning and unhealthy
//! tenants, worst first. A tenant without metrics in the range is `unknown` (one tenant) or not
//! counted (several).
//!
//! Filters: the time range applies to Date whatever its `event` (a metric has no other date),
//! with `to` included when `to_inclusive`; the item filters (states, severities, areas,
//! `created_before`, owner, item ids) do not apply to metrics and are ignored.

use std::collections::BTreeMap;

use orca_core::summary::{HealthCounts, HealthSummary, MetricSummary, TenantHealth};
use orca_core::{Query, QueryOutput};
use rusqlite::{Connection, params_from_iter};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{AgentContext, AgentError, Where, query_rows, round1, tenant_scope, tenant_values};
use crate::store::model::format_date;

const DAY: i64 = 86_400;

/// Thresholds for the health verdict (config section `[health]`). A value past a `warning`
/// threshold makes the tenant `warning`, past an `unhealthy` one `unhealthy`; the worst wins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HealthThresholds {
    /// Latest daily `ingestion_errors` above this: warning.
    pub ingestion_errors_warning: f64,
    /// Latest daily `ingestion_errors` above this: unhealthy.
    pub ingestion_errors_unhealthy: f64,
    /// Latest `active_users / licensed_users` below this: warning.
    pub active_ratio_warning: f64,
    /// Latest `active_users / licensed_users` below this: unhealthy.
    pub active_ratio_unhealthy: f64,
    /// `label_adoption` falling by more than this many percent over the range: warning.
    pub label_adoption_drop_warning_pct: f64,
    /// `label_adoption` falling by more than this many percent over the range: unhealthy.
    pub label_adoption_drop_unhealthy_pct: f64,
    /// `active_users` falling by more than this many percent over the range: warning.
    pub active_users_drop_warning_pct: f64,
    /// `active_users` falling by more than this many percent over the range: unhealthy.
    pub active_users_drop_unhealthy_pct: f64,
    /// Days of data judged when the request names no time range (ending at the latest metric).
    pub window_days: u32,
}

impl Default for HealthThresholds {
    fn default() -> Self {
        HealthThresholds {
            ingestion_errors_warning: 10.0,
            ingestion_errors_unhealthy: 50.0,
            active_ratio_warning: 0.5,
            active_ratio_unhealthy: 0.3,
            label_adoption_drop_warning_pct: 10.0,
            label_adoption_drop_unhealthy_pct: 25.0,
            active_users_drop_warning_pct: 15.0,
            active_users_drop_unhealthy_pct: 30.0,
            window_days: 30,
        }
    }
}

impl HealthThresholds {
    /// Every inconsistency at once (each unhealthy threshold must be at least as strict as its
    /// warning threshold; ratios within 0..=1; a window of at least one day).
    pub fn validate(&self) -> Result<(), Vec<String>> {
        let mut errors = Vec::new();
        if self.ingestion_errors_unhealthy < self.ingestion_errors_warning {
            errors.push(
                "health.ingestion_errors_unhealthy must be >= ingestion_errors_warning".into(),
            );
        }
        if self.active_ratio_unhealthy > self.active_ratio_warning {
            errors.push("health.active_ratio_unhealthy must be <= active_ratio_warning".into());
        }
        for (name, v) in [
            ("active_ratio_warning", self.active_ratio_warning),
            ("active_ratio_unhealthy", self.active_ratio_unhealthy),
        ] {
            if !(0.0..=1.0).contains(&v) {
                errors.push(format!("health.{name} must be between 0 and 1, got {v}"));
            }
        }
        if self.label_adoption_drop_unhealthy_pct < self.label_adoption_drop_warning_pct {
            errors.push(
                "health.label_adoption_drop_unhealthy_pct must be >= label_adoption_drop_warning_pct".into(),
            );
        }
        if self.active_users_drop_unhealthy_pct < self.active_users_drop_warning_pct {
            errors.push(
                "health.active_users_drop_unhealthy_pct must be >= active_users_drop_warning_pct"
                    .into(),
            );
        }
        if self.window_days == 0 {
            errors.push("health.window_days must be at least 1".into());
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// A verdict, worst last (so `max` is the worst).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Verdict {
    Healthy,
    Warning,
    Unhealthy,
}

impl Verdict {
    fn as_str(self) -> &'static str {
        match self {
            Verdict::Healthy => "healthy",
            Verdict::Warning => "warning",
            Verdict::Unhealthy => "unhealthy",
        }
    }
}

/// First and last value of one metric in the range.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Span {
    pub first: f64,
    pub last: f64,
    pub last_date: i64,
}

impl Span {
    fn trend_pct(&self) -> Option<f64> {
        (self.first != 0.0).then(|| round1((self.last - self.first) / self.first.abs() * 100.0))
    }
}

pub(crate) type Metrics = BTreeMap<String, Span>;

struct Assessment {
    verdict: Verdict,
    reasons: Vec<String>,
    active_ratio: Option<f64>,
}

fn assess(metrics: &Metrics, t: &HealthThresholds) -> Assessment {
    let mut verdict = Verdict::Healthy;
    let mut reasons = Vec::new();
    let mut flag = |v: Verdict, reason: String| {
        verdict = verdict.max(v);
        reasons.push(reason);
    };
    if let Some(errors) = metrics.get("ingestion_errors").map(|s| s.last) {
        if errors > t.ingestion_errors_unhealthy {
            flag(
                Verdict::Unhealthy,
                format!(
                    "ingestion_errors {errors} above {}",
                    t.ingestion_errors_unhealthy
                ),
            );
        } else if errors > t.ingestion_errors_warning {
            flag(
                Verdict::Warning,
                format!(
                    "ingestion_errors {errors} above {}",
                    t.ingestion_errors_warning
                ),
            );
        }
    }
    let active_ratio = match (metrics.get("active_users"), metrics.get("licensed_users")) {
        (Some(a), Some(l)) if l.last > 0.0 => Some((a.last / l.last * 1000.0).round() / 1000.0),
        _ => None,
    };
    if let Some(ratio) = active_ratio {
        if ratio < t.active_ratio_unhealthy {
            flag(
                Verdict::Unhealthy,
                format!("active/licensed {ratio} below {}", t.active_ratio_unhealthy),
            );
        } else if ratio < t.active_ratio_warning {
            flag(
                Verdict::Warning,
                format!("active/licensed {ratio} below {}", t.active_ratio_warning),
            );
        }
    }
    for (metric, warning, unhealthy) in [
        (
            "label_adoption",
            t.label_adoption_drop_warning_pct,
            t.label_adoption_drop_unhealthy_pct,
        ),
        (
            "active_users",
            t.active_users_drop_warning_pct,
            t.active_users_drop_unhealthy_pct,
        ),
    ] {
        let Some(trend) = metrics.get(metric).and_then(Span::trend_pct) else {
            continue;
        };
        if -trend > unhealthy {
            flag(
                Verdict::Unhealthy,
                format!("{metric} fell {}% (more than {unhealthy}%)", -trend),
            );
        } else if -trend > warning {
            flag(
                Verdict::Warning,
                format!("{metric} fell {}% (more than {warning}%)", -trend),
            );
        }
    }
    Assessment {
        verdict,
        reasons,
        active_ratio,
    }
}

pub(super) fn run(
    conn: &Connection,
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
            let latest: Option<i64> = conn.query_row(
                &format!("SELECT max(t.date) FROM tenant_metrics t WHERE {}", w.sql()),
                params_from_iter(w.params()),
                |row| row.get(0),
            )?;
            let to = latest.map_or(ctx.now, |d| d + DAY);
            (to - i64::from(ctx.health.window_days) * DAY, to)
        }
    };
    w.bind("t.date >= ?", from);
    w.bind("t.date < ?", to);
    let filter = w.sql();

    // SQLite fills bare columns from the row that holds the min()/max(): the first and last value.
    let mut tenants: BTreeMap<String, Metrics> = BTreeMap::new();
    for (aggregate, is_last) in [("min", false), ("max", true)] {
        let sql = format!(
            "SELECT t.tenant_id, t.metric, {aggregate}(t.date), t.value FROM tenant_metrics t \
             WHERE {filter} GROUP BY t.tenant_id, t.metric"
        );
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query(params_from_iter(w.params()))?;
        while let Some(row) = rows.next()? {
            let span = tenants
                .entry(row.get(0)?)
                .or_default()
                .entry(row.get(1)?)
                .or_default();
            if is_last {
                span.last = row.get(3)?;
                span.last_date = row.get(2)?;
            } else {
                span.first = row.get(3)?;
            }
        }
    }

    respond(tenants, from, to, query, &ctx.health, queries, |tenants| {
        customer_names(conn, tenants)
    })
}

/// The answer from the first and last value of each metric of each tenant in `from..to` (Unix
/// seconds, `to` exclusive): the verdicts, the summary and the rows. `names` gives the registry
/// names of the flagged tenants it is handed (one more query). Shared with the PostgreSQL
/// connector, which finds the same spans with its own SQL.
pub(crate) fn respond(
    tenants: BTreeMap<String, Metrics>,
    from: i64,
    to: i64,
    query: &Query,
    health: &HealthThresholds,
    mut queries: u32,
    names: impl FnOnce(Vec<String>) -> Result<BTreeMap<String, String>, AgentError>,
) -> Result<QueryOutput, AgentError> {
    let single = !query.all_tenants && query.tenant_ids.len() == 1;
    let assessed: Vec<(String, Metrics, Assessment)> = tenants
        .into_iter()
        .map(|(tenant, metrics)| {
            let a = assess(&metrics, health);
            (tenant, metrics, a)
        })
        .collect();
    let count = |v: Verdict| assessed.iter().filter(|(_, _, a)| a.verdict == v).count() as u64;
    let counts = HealthCounts {
        from: format_date(from),
        to: format_date(to - 1),
        total: assessed.len() as u64,
        tenants: assessed.len() as u64,
        healthy: count(Verdict::Healthy),
        warning: count(Verdict::Warning),
        unhealthy: count(Verdict::Unhealthy),
    };

    if single {
        let Some((tenant, metrics, a)) = assessed.into_iter().next() else {
            let summary = HealthSummary::Tenant(TenantHealth {
                counts,
                health: "unknown".into(),
                reasons: vec!["no metrics in the range".into()],
                active_ratio: None,
                metrics: BTreeMap::new(),
            });
            return Ok(QueryOutput {
                summary: summary.to_map(),
                rows: Vec::new(),
                ids: Vec::new(),
                queries,
                shaped: Default::default(),
            });
        };
        let mut by_metric = BTreeMap::new();
        let mut rows = Vec::new();
        for (metric, span) in &metrics {
            by_metric.insert(
                metric.clone(),
                MetricSummary {
                    latest: span.last,
                    first: span.first,
                    trend_pct: span.trend_pct(),
                    date: format_date(span.last_date),
                },
            );
            rows.push(json!({
                "TenantId": tenant,
                "Metric": metric,
                "Value": span.last,
                "Date": format_date(span.last_date),
                "First": span.first,
                "TrendPct": span.trend_pct(),
            }));
        }
        rows.truncate(query.limit);
        let summary = HealthSummary::Tenant(TenantHealth {
            counts,
            health: a.verdict.as_str().into(),
            reasons: a.reasons,
            active_ratio: a.active_ratio,
            metrics: by_metric,
        });
        return Ok(QueryOutput {
            summary: summary.to_map(),
            rows,
            ids: Vec::new(),
            queries,
            shaped: Default::default(),
        });
    }

    let mut flagged: Vec<&(String, Metrics, Assessment)> = assessed
        .iter()
        .filter(|(_, _, a)| a.verdict != Verdict::Healthy)
        .collect();
    flagged.sort_by(|x, y| y.2.verdict.cmp(&x.2.verdict).then_with(|| x.0.cmp(&y.0)));
    flagged.truncate(query.limit);
    let names = names(flagged.iter().map(|f| f.0.clone()).collect())?;
    queries += 1;
    let rows = flagged
        .iter()
        .map(|(tenant, metrics, a)| {
            json!({
                "TenantId": tenant,
                "CustomerName": names.get(tenant),
                "health": a.verdict.as_str(),
                "reasons": a.reasons,
                "active_ratio": a.active_ratio,
                "ingestion_errors": metrics.get("ingestion_errors").map(|s| s.last),
                "label_adoption_trend_pct": metrics.get("label_adoption").and_then(Span::trend_pct),
            })
        })
        .collect();
    Ok(QueryOutput {
        summary: HealthSummary::Tenants(counts).to_map(),
        rows,
        ids: Vec::new(),
        queries,
        shaped: Default::default(),
    })
}

fn customer_names(
    conn: &Connection,
    tenants: Vec<String>,
) -> Result<BTreeMap<String, String>, AgentError> {
    query_rows(
        conn,
        "SELECT tenant_id, name FROM registry WHERE tenant_id IN rarray(?1)",
        &[&std::rc::Rc::new(tenant_values(&tenants))],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_thresholds_are_consistent_and_round_trip() {
        let t = HealthThresholds::default();
        assert_eq!(t.validate(), Ok(()));
        let parsed: HealthThresholds = serde_json::from_str(r#"{"window_days": 7}"#).unwrap();
        assert_eq!(parsed.window_days, 7);
        assert_eq!(parsed.ingestion_errors_warning, 10.0);
        let bad = HealthThresholds {
            active_ratio_unhealthy: 0.9,
            window_days: 0,
            ..t
        };
        assert_eq!(bad.validate().unwrap_err().len(), 2);
    }

    #[test]
    fn the_worst_reason_decides() {
        let mut m = Metrics::new();
        m.insert(
            "ingestion_errors".into(),
            Span {
                first: 1.0,
                last: 12.0,
                last_date: 0,
            },
        );
        m.insert(
            "active_users".into(),
            Span {
                first: 100.0,
                last: 20.0,
                last_date: 0,
            },
        );
        m.insert(
            "licensed_users".into(),
            Span {
                first: 100.0,
                last: 100.0,
                last_date: 0,
            },
        );
        let a = assess(&m, &HealthThresholds::default());
        assert_eq!(a.verdict, Verdict::Unhealthy);
        assert_eq!(a.active_ratio, Some(0.2));
        assert_eq!(a.reasons.len(), 3, "{:?}", a.reasons);
    }
}
