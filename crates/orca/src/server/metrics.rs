//! Prometheus metrics of the server (`GET /metrics`, OpenMetrics text).
//!
//! Invariant: labels are bounded sets only (route template, method, status code, complexity,
//! strategy, source, task status, reject reason): never a customer, tenant id, token or request
//! text, so the number of series is fixed by the code, not by the traffic.

use std::time::Duration;

use orca_engine::Engine;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::service::activity::{AskMetrics, SourceLabels, latency_histogram};

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
pub struct ReasonLabels {
    pub reason: &'static str,
}

/// Every metric of the server, registered once: its own HTTP metrics, and the ask metrics of the
/// service it serves (recorded by the service for every front end, see `service::activity`).
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub http_requests: Family<HttpLabels, Counter>,
    pub http_duration: Family<RouteLabels, Histogram>,
    pub breaker_state: Family<SourceLabels, Gauge>,
    pub in_flight: Gauge,
    pub rejected: Family<ReasonLabels, Counter>,
}

impl Metrics {
    /// The server's metrics, with the service's ask metrics `asks` registered among them.
    pub fn new(asks: &AskMetrics) -> Metrics {
        let mut registry = Registry::with_prefix("orca");
        let m = Metrics {
            http_requests: Family::default(),
            http_duration: Family::new_with_constructor(latency_histogram),
            breaker_state: Family::default(),
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
        asks.register(&mut registry);
        registry.register(
            "breaker_state",
            "Circuit breaker per source: 0 closed, 1 half-open, 2 open",
            m.breaker_state.clone(),
        );
        registry.register(
            "in_flight_requests",
            "API and MCP requests being handled",
            m.in_flight.clone(),
        );
        registry.register(
            "rejected_requests",
            "API and MCP requests refused before running (unauthorized, rate_limited, \
             overloaded, too_many_sessions)",
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
                    source: source.as_str(),
                })
                .set(value);
        }
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
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
