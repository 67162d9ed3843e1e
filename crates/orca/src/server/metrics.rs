//! Prometheus metrics of the server (`GET /metrics`, OpenMetrics text).
//!
//! Invariant: labels are bounded sets only (route template, method, status code, complexity,
//! strategy, source, task status, reject reason): never a customer, tenant id, token or request
//! text, so the number of series is fixed by the code, not by the traffic.

use std::time::Duration;

use orca_core::{Report, SourceKey};
use orca_engine::Engine;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// The content type of `/metrics`.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub route: &'static str,
    pub method: &'static str,
    pub status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: &'static str,
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

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabels {
    pub reason: &'static str,
}

fn latency_histogram() -> Histogram {
    // 0.25 ms .. ~8 s
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

fn queries_histogram() -> Histogram {
    Histogram::new(exponential_buckets(1.0, 2.0, 8))
}

/// Every metric of the server, registered once.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub http_requests: Family<HttpLabels, Counter>,
    pub http_duration: Family<RouteLabels, Histogram>,
    pub ask_duration: Family<AskLabels, Histogram>,
    pub asks: Family<OutcomeLabels, Counter>,
    pub task_duration: Family<TaskLabels, Histogram>,
    pub task_retries: Family<SourceLabels, Counter>,
    pub breaker_state: Family<SourceLabels, Gauge>,
    pub cache_hits: Counter,
    pub cache_misses: Counter,
    pub queries_per_request: Histogram,
    pub in_flight: Gauge,
    pub rejected: Family<ReasonLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("orca");
        let m = Metrics {
            http_requests: Family::default(),
            http_duration: Family::new_with_constructor(latency_histogram),
            ask_duration: Family::new_with_constructor(latency_histogram),
            asks: Family::default(),
            task_duration: Family::new_with_constructor(latency_histogram),
            task_retries: Family::default(),
            breaker_state: Family::default(),
            cache_hits: Counter::default(),
            cache_misses: Counter::default(),
            queries_per_request: queries_histogram(),
            in_flight: Gauge::default(),
            rejected: Family::default(),
            registry: Registry::default(),
        };
        registry.register(
            "http_requests",
            "HTTP requests by route template, method and status",
            m.http_requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route template",
            m.http_duration.clone(),
        );
        registry.register(
            "ask_duration_seconds",
            "Answered asks: latency by complexity and strategy",
            m.ask_duration.clone(),
        );
        registry.register(
            "asks",
            "Asks by outcome (ok, partial, unanswered, bad_request, not_permitted)",
            m.asks.clone(),
        );
        registry.register(
            "task_duration_seconds",
            "Task duration by source and status",
            m.task_duration.clone(),
        );
        registry.register(
            "task_retries",
            "Task retries by source",
            m.task_retries.clone(),
        );
        registry.register(
            "breaker_state",
            "Circuit breaker per source: 0 closed, 1 half-open, 2 open",
            m.breaker_state.clone(),
        );
        registry.register("cache_hits", "Result cache hits", m.cache_hits.clone());
        registry.register(
            "cache_misses",
            "Result cache misses",
            m.cache_misses.clone(),
        );
        registry.register(
            "queries_per_request",
            "Source queries per answered ask",
            m.queries_per_request.clone(),
        );
        registry.register(
            "in_flight_requests",
            "API requests being handled",
            m.in_flight.clone(),
        );
        registry.register(
            "rejected_requests",
            "API requests refused before running (unauthorized, rate_limited, overloaded)",
            m.rejected.clone(),
        );
        Metrics { registry, ..m }
    }

    pub fn rejected(&self, reason: &'static str) {
        self.rejected.get_or_create(&ReasonLabels { reason }).inc();
    }

    pub fn http_request(
        &self,
        route: &'static str,
        method: &'static str,
        status: u16,
        took: Duration,
    ) {
        self.http_requests
            .get_or_create(&HttpLabels {
                route,
                method,
                status: status.to_string(),
            })
            .inc();
        self.http_duration
            .get_or_create(&RouteLabels { route })
            .observe(took.as_secs_f64());
    }

    /// Counts one answered ask: its latency, its tasks, retries, cache lookups and queries.
    pub fn ask(&self, report: &Report) {
        let plan = &report.plan;
        self.ask_duration
            .get_or_create(&AskLabels {
                complexity: plan.complexity.as_str(),
                strategy: plan.strategy.as_str(),
            })
            .observe(report.timings.total_ms / 1e3);
        self.ask_outcome(answered_outcome(report));
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

    pub fn ask_outcome(&self, outcome: &'static str) {
        self.asks.get_or_create(&OutcomeLabels { outcome }).inc();
    }

    /// The OpenMetrics text, with breaker states read from the engine now.
    pub fn render(&self, engine: &Engine) -> String {
        for (source, snapshot) in engine.breaker_states() {
            let value = match snapshot.state {
                "open" => 2,
                "half_open" => 1,
                _ => 0,
            };
            self.breaker_state
                .get_or_create(&SourceLabels {
                    source: source_str(source),
                })
                .set(value);
        }
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// The outcome label of an answered ask: `unanswered`, `partial` or `ok`.
pub fn answered_outcome(report: &Report) -> &'static str {
    if report.unanswered {
        "unanswered"
    } else if report.partial {
        "partial"
    } else {
        "ok"
    }
}

fn source_str(source: SourceKey) -> &'static str {
    source.as_str()
}

/// The method as a bounded label.
pub fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}
