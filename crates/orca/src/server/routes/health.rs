//! `GET /healthz` (the process is up), `GET /readyz` (registry loaded, store reachable, breaker
//! per source) and `GET /metrics` (Prometheus). None of them needs a token or shows customer data.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::server::AppState;
use crate::server::metrics::CONTENT_TYPE;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    pub status: String,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, description = "Up", body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".to_string(),
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// True when the registry has customers and the store answers.
    pub ready: bool,
    /// Customers in the registry snapshot.
    pub registry_customers: usize,
    pub store_reachable: bool,
    pub sources: Vec<SourceReadiness>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SourceReadiness {
    pub source: String,
    /// closed, open or half_open.
    pub breaker: String,
    /// Consecutive failed tasks while closed.
    pub failures: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_in_ms: Option<u64>,
}

/// Ready to answer: registry loaded, store reachable; breaker state per source (an open breaker
/// degrades answers but does not make the server unready).
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses(
        (status = 200, description = "Ready", body = Readiness),
        (status = 503, description = "Not ready", body = Readiness),
    ))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let registry_customers = state.orca.registry().len();
    let data_dir = state.orca.config().data_dir.clone();
    let store_reachable =
        tokio::task::spawn_blocking(move || orca_connectors::Store::exists(&data_dir))
            .await
            .unwrap_or(false);
    let sources = state
        .orca
        .engine()
        .breaker_states()
        .into_iter()
        .map(|(source, b)| SourceReadiness {
            source: source.as_str().to_string(),
            breaker: b.state.to_string(),
            failures: b.failures,
            reason: b.reason,
            retry_in_ms: b.retry_in_ms,
        })
        .collect();
    let ready = registry_customers > 0 && store_reachable;
    let body = Readiness {
        ready,
        registry_customers,
        store_reachable,
        sources,
    };
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

/// Prometheus metrics (OpenMetrics text): bounded labels only.
#[utoipa::path(get, path = "/metrics", tag = "health",
    responses((status = 200, description = "Metrics", body = String,
        content_type = "application/openmetrics-text")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let text = state.metrics.render(state.orca.engine());
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response()
}
