//! `GET /v1/stats`: the performance monitor's summary, as the caller may see it.

use axum::Json;
use axum::extract::{Extension, State};

use crate::server::AppState;
use crate::server::auth::Principal;
use crate::server::error::GuardErrors;
use crate::service::monitor::Stats;

/// Latency percentiles by complexity, cache hit rate, per-source health and the last 50 asks
/// (request text only for the caller's own asks).
#[utoipa::path(
    get,
    path = "/v1/stats",
    tag = "monitor",
    responses(
        (status = 200, description = "The monitor's summary", body = Stats),
        GuardErrors,
    ),
    security(("bearer" = []))
)]
pub async fn stats(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Json<Stats> {
    let monitor = state.orca.activity().monitor();
    Json(monitor.stats(&principal.name, state.orca.engine()))
}
