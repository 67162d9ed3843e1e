//! `GET /healthz` (the process is up), `GET /readyz` (registry loaded, store reachable, breaker
//! and check per source) and `GET /metrics` (Prometheus). None of them needs a token or shows
//! customer data.
//!
//! Decision: `/readyz` runs the checks of `orca doctor` on every source's connector and reports
//! each, but a failing source does not make the replica unready: every replica shares its
//! sources, so taking them all out of a load balancer would turn partial answers into none (an
//! open breaker is treated the same way). Ready means this replica can answer: registry loaded
//! and store reachable. The checks are not cached: each probe asks every source once, within
//! its per-task timeout.

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
    /// The connector serving the source: `store`, `kusto`, `azure_devops`, `mcp`, `postgres`.
    pub connector: String,
    /// The source's check (`orca doctor`) passed: reachable, authenticated, tables present.
    pub check_ok: bool,
    /// What the check found, or what is wrong and how to fix it.
    pub check: String,
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
    let connectors = state.orca.engine().connectors();
    let checks = crate::commands::doctor::check_all(state.orca.config(), &connectors).await;
    let sources = state
        .orca
        .engine()
        .breaker_states()
        .into_iter()
        .map(|(source, b)| {
            let check = checks.iter().find(|c| c.source == source.as_str());
            SourceReadiness {
                source: source.as_str().to_string(),
                breaker: b.state.to_string(),
                failures: b.failures,
                reason: b.reason,
                retry_in_ms: b.retry_in_ms,
                connector: check.map_or_else(String::new, |c| c.connector.clone()),
                check_ok: check.is_some_and(|c| c.ok),
                check: check.map_or_else(String::new, |c| c.detail.clone()),
            }
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
