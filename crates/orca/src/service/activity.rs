//! The record of every ask the service answered or refused, whichever front end made it (CLI,
//! chat, HTTP, MCP over stdio or HTTP): the performance monitor behind `/v1/stats` and the MCP
//! `stats` tool ([`Monitor`]) and the ask metrics of `/metrics` ([`AskMetrics`]).
//!
//! Invariant: the service records each ask exactly once (`Orca::plan_to_run` a refusal,
//! `Orca::run` an answer); front ends only read. Metric labels are bounded sets (complexity,
//! strategy, outcome, source, status): never a customer, tenant, token or request text.

use std::sync::Arc;

use orca_core::Report;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use super::AskError;
use super::monitor::{AskOutcome, Monitor};

/// The service's record of its asks.
#[derive(Debug, Default)]
pub struct Activity {
    monitor: Monitor,
    metrics: AskMetrics,
}

impl Activity {
    pub fn new() -> Activity {
        Activity::default()
    }

    /// Latency windows, counters and the latest asks (`/v1/stats`, the MCP `stats` tool).
    pub fn monitor(&self) -> &Monitor {
        &self.monitor
    }

    /// The ask metrics; a server registers them next to its own (`AskMetrics::register`).
    pub fn metrics(&self) -> &AskMetrics {
        &self.metrics
    }

    /// Records a report `caller` received.
    pub(crate) fn answered(&self, caller: &Arc<str>, report: &Report, cancelled: bool) {
        let outcome = AskOutcome::of(report, cancelled);
        self.metrics.answered(report, outcome);
        self.monitor.answered(caller, report, outcome);
    }

    /// Records an ask refused before it ran, `ms` after it started.
    pub(crate) fn refused(&self, caller: &Arc<str>, request: &str, error: &AskError, ms: f64) {
        let outcome = AskOutcome::refused(error);
        self.metrics.outcome(outcome);
        self.monitor.rejected(caller, request, outcome, ms);
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct AskLabels {
    pub complexity: &'static str,
    pub strategy: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TaskLabels {
    pub source: &'static str,
    pub status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SourceLabels {
    pub source: &'static str,
}

/// Latency buckets from 0.25 ms to about 8 s.
pub fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

fn queries_histogram() -> Histogram {
    Histogram::new(exponential_buckets(1.0, 2.0, 8))
}

/// The Prometheus metrics of asks (the families are shared: a clone registered elsewhere counts
/// the same series).
#[derive(Debug)]
pub struct AskMetrics {
    pub ask_duration: Family<AskLabels, Histogram>,
    pub asks: Family<OutcomeLabels, Counter>,
    pub task_duration: Family<TaskLabels, Histogram>,
    pub task_retries: Family<SourceLabels, Counter>,
    pub cache_hits: Counter,
    pub cache_misses: Counter,
    pub queries_per_request: Histogram,
}

impl Default for AskMetrics {
    fn default() -> Self {
        AskMetrics {
            ask_duration: Family::new_with_constructor(latency_histogram),
            asks: Family::default(),
            task_duration: Family::new_with_constructor(latency_histogram),
            task_retries: Family::default(),
            cache_hits: Counter::default(),
            cache_misses: Counter::default(),
            queries_per_request: queries_histogram(),
        }
    }
}

impl AskMetrics {
    /// Registers every ask metric in `registry` (e.g. the server's `/metrics`).
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "ask_duration_seconds",
            "Answered asks: latency by complexity and strategy",
            self.ask_duration.clone(),
        );
        registry.register(
            "asks",
            "Asks by outcome (ok, partial, unanswered, cancelled, bad_request, not_permitted), \
             from every front end",
            self.asks.clone(),
        );
        registry.register(
            "task_duration_seconds",
            "Task duration by source and status",
            self.task_duration.clone(),
        );
        registry.register(
            "task_retries",
            "Task retries by source",
            self.task_retries.clone(),
        );
        registry.register("cache_hits", "Result cache hits", self.cache_hits.clone());
        registry.register(
            "cache_misses",
            "Result cache misses",
            self.cache_misses.clone(),
        );
        registry.register(
            "queries_per_request",
            "Source queries per answered ask",
            self.queries_per_request.clone(),
        );
    }

    /// Counts one ask that ran: its latency, its tasks, retries, cache lookups and queries.
    fn answered(&self, report: &Report, outcome: AskOutcome) {
        let plan = &report.plan;
        self.ask_duration
            .get_or_create(&AskLabels {
                complexity: plan.complexity.as_str(),
                strategy: plan.strategy.as_str(),
            })
            .observe(report.timings.total_ms / 1e3);
        self.outcome(outcome);
        let mut queries = 0u64;
        for s in &report.sections {
            self.task_duration
                .get_or_create(&TaskLabels {
                    source: s.source.as_str(),
                    status: s.status.as_str(),
                })
                .observe(s.elapsed_ms / 1e3);
            if s.attempts > 1 {
                self.task_retries
                    .get_or_create(&SourceLabels {
                        source: s.source.as_str(),
                    })
                    .inc_by(u64::from(s.attempts - 1));
            }
            if !s.cached {
                queries += u64::from(s.attempts);
            }
        }
        self.cache_hits.inc_by(report.cache.hits);
        self.cache_misses.inc_by(report.cache.misses);
        self.queries_per_request.observe(queries as f64);
    }

    fn outcome(&self, outcome: AskOutcome) {
        self.asks
            .get_or_create(&OutcomeLabels {
                outcome: outcome.as_str(),
            })
            .inc();
    }
}
