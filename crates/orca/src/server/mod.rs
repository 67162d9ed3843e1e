//! `orca serve`: the HTTP API over the shared `Orca` service (axum).
//!
//! Layout: `router` composes the routes (`routes/`), admission control on the `/v1` routes
//! (`limits::guard`: auth -> rate limit -> load shedding), request metrics on every route
//! (`track`), and JSON errors for unknown routes and methods (`error`). `serve` runs it on a
//! listener with graceful shutdown: on the shutdown token it stops accepting, lets in-flight
//! requests finish for up to the grace period, then cancels the asks still running (their
//! unfinished sections end as `skipped`) and returns.
//!
//! MCP over streamable HTTP is mounted at `/mcp` by [`mcp`] (the server depends on `crate::mcp`,
//! never the other way). Asks are recorded by the service (`service::activity`), not here.
//! Invariant: every `/v1` handler sees an authenticated `Principal` and passes its permissions
//! to the service, so no response carries data outside the caller's scope.

pub mod auth;
pub mod conn;
pub mod dashboard;
pub mod error;
pub mod limits;
pub mod mcp;
pub mod metrics;
pub mod openapi;
pub mod routes;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse as _, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use crate::config::ServerConfig;
use crate::mcp::sessions::{SessionLimits, Sessions};
use crate::service::Orca;
use auth::Auth;
use error::ApiError;
use limits::{ConcurrencyLimit, RateLimiter};
use metrics::Metrics;

/// Everything the handlers share.
pub struct ServerState {
    pub orca: Orca,
    pub auth: Auth,
    pub rate_limiter: RateLimiter,
    pub concurrency: ConcurrencyLimit,
    pub metrics: Arc<Metrics>,
    /// Parent of every ask's cancel token: cancelled when shutdown's grace period runs out.
    pub asks_cancel: CancellationToken,
    pub max_body_bytes: usize,
    /// The OpenAPI document, rendered once.
    pub openapi_json: Arc<str>,
    /// The MCP sessions of `/mcp`, each bound to the token that opened it.
    pub mcp_sessions: Arc<Sessions>,
    /// The clock for relative time ranges when a request gives no `now` (`orca serve --now`);
    /// the real clock when absent. Every door of the server uses it: `/v1/ask`, `/v1/plan`, the
    /// stream (and so the dashboard) and `/mcp`.
    pub default_now: Option<DateTime<Utc>>,
}

/// The state handlers get (cheap to clone).
pub type AppState = Arc<ServerState>;

impl ServerState {
    /// State for a service, with its `[server]` limits and a token table.
    pub fn new(orca: Orca, auth: Auth) -> ServerState {
        let config: ServerConfig = orca.config().server.clone();
        let max_request_chars = orca.config().analyzer.config().max_request_chars;
        let openapi_json = openapi::document(auth.is_enabled(), max_request_chars).to_string();
        ServerState {
            metrics: Arc::new(Metrics::new(orca.activity().metrics())),
            orca,
            auth,
            rate_limiter: RateLimiter::new(config.rate_limit_per_second, config.rate_limit_burst),
            concurrency: ConcurrencyLimit::new(config.max_in_flight),
            asks_cancel: CancellationToken::new(),
            max_body_bytes: config.max_body_bytes,
            openapi_json: Arc::from(openapi_json),
            mcp_sessions: Arc::new(Sessions::new(SessionLimits {
                max_total: config.mcp_max_sessions,
                max_per_owner: config.mcp_max_sessions_per_token,
                idle: Duration::from_millis(config.mcp_session_idle_ms),
            })),
            default_now: None,
        }
    }

    /// Sets the clock used when a request gives no `now` (the `--now` flag of `orca serve`).
    pub fn with_default_now(mut self, now: Option<DateTime<Utc>>) -> ServerState {
        self.default_now = now;
        self
    }
}

impl ServerState {
    /// Loads the tokens file at `path` again (it changed): the new table replaces the old one at
    /// once, and the MCP sessions of revoked tokens are closed; a file that cannot be read or
    /// parsed keeps the old table (and says so in the log).
    pub fn reload_tokens(&self, path: &std::path::Path) {
        match self.auth.reload(path) {
            Ok(replaced) => {
                tracing::info!(
                    path = %path.display(),
                    tokens = replaced.tokens,
                    revoked = replaced.revoked,
                    "tokens file reloaded"
                );
                if replaced.revoked > 0 {
                    let (sessions, auth) = (Arc::clone(&self.mcp_sessions), self.auth.clone());
                    tokio::spawn(async move {
                        sessions.close_unless(|owner| auth.knows(&owner.0)).await;
                    });
                }
            }
            Err(error) => tracing::warn!(
                path = %path.display(),
                error = %format!("{error:#}"),
                "tokens file changed but could not be loaded; keeping the previous tokens"
            ),
        }
    }
}

/// The whole HTTP surface: API, MCP at `/mcp`, health, metrics, OpenAPI and dashboard.
pub fn router(state: AppState) -> Router {
    router_with(Arc::clone(&state), mcp::router(&state))
}

/// The router with `extra` routes merged in (e.g. MCP at `/mcp`, behind its gate); they get the
/// same request metrics and JSON 404/405 answers.
pub fn router_with(state: AppState, extra: Router) -> Router {
    let api = Router::new()
        .route("/v1/ask", post(routes::ask::ask))
        .route("/v1/plan", post(routes::ask::plan))
        .route("/v1/ask/stream", get(routes::ask::stream))
        .route("/v1/customers", get(routes::customers::customers))
        .route("/v1/stats", get(routes::stats::stats))
        .route("/v1/docs", get(routes::docs::doc))
        .route_layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            limits::guard,
        ));
    let public = Router::new()
        .route("/", get(dashboard::index))
        .route("/healthz", get(routes::health::healthz))
        .route("/readyz", get(routes::health::readyz))
        .route("/metrics", get(routes::health::metrics))
        .route("/openapi.json", get(openapi::openapi_json));
    api.merge(public)
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(state.max_body_bytes))
        .with_state(Arc::clone(&state))
        .merge(extra)
        .layer(middleware::from_fn(edge))
        .layer(middleware::from_fn_with_state(state, track))
}

/// Request headers accepted: at most this many (the connection parser allows more, so that the
/// refusal is this JSON 431 rather than its empty one)...
pub const MAX_REQUEST_HEADERS: usize = 100;
/// ...and this many bytes of names and values in all.
pub const MAX_REQUEST_HEADER_BYTES: usize = 32 * 1024;

/// The first and last layer of every request: headers beyond the limits above are refused (431),
/// and an error response that is not JSON (from a layer that answers in plain text) gets the
/// API's JSON error body, so every error of every route is JSON (`/mcp` answers its own, as
/// JSON-RPC).
async fn edge(request: Request, next: Next) -> Response {
    let mcp = request.uri().path() == crate::mcp::http::PATH;
    let headers = request.headers();
    let bytes: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if headers.len() > MAX_REQUEST_HEADERS || bytes > MAX_REQUEST_HEADER_BYTES {
        let error = ApiError::headers_too_large(MAX_REQUEST_HEADERS, MAX_REQUEST_HEADER_BYTES);
        return if mcp {
            mcp::refusal(error)
        } else {
            error.into_response()
        };
    }
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if mcp || is_json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 16 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let mut json = ApiError::from_plain(status, &text).into_response();
    for (name, value) in &parts.headers {
        if name != axum::http::header::CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            json.headers_mut().insert(name.clone(), value.clone());
        }
    }
    json
}

async fn not_found() -> ApiError {
    ApiError::not_found()
}

async fn method_not_allowed() -> ApiError {
    ApiError::method_not_allowed()
}

/// Counts every request by route template, method and status, with its latency.
async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = route_label(
        request
            .extensions()
            .get::<MatchedPath>()
            .map(MatchedPath::as_str),
    );
    let method = metrics::method_label(request.method());
    let response = next.run(request).await;
    state
        .metrics
        .http_request(route, method, response.status().as_u16(), started.elapsed());
    response
}

/// The route template as a bounded label.
fn route_label(matched: Option<&str>) -> &'static str {
    const ROUTES: [&str; 12] = [
        "/",
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
        "/v1/ask",
        "/v1/plan",
        "/v1/ask/stream",
        "/v1/customers",
        "/v1/stats",
        "/v1/docs",
        "/mcp",
    ];
    match matched {
        Some(path) => ROUTES
            .iter()
            .find(|r| **r == path)
            .copied()
            .unwrap_or("other"),
        None => "unmatched",
    }
}

/// The runtime of a long-running server (`orca serve`, `orca mcp`): the blocking pool, where store
/// queries run, is bounded by `max_blocking_threads`. Tokio's default (512) let a burst of 200
/// concurrent asks start a thread and a store connection per query, and the memory they took
/// stayed with the process after the burst; bounded, the extra queries wait in the pool's queue
/// (each still bounded by its task timeout) and memory returns near its steady state.
pub fn runtime(config: &ServerConfig) -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(config.max_blocking_threads.max(1))
        .build()
}

/// Serves `app` on `listener` until `shutdown` is cancelled, then drains: in-flight requests get
/// `grace` to finish, after which running asks are cancelled (they answer at once with skipped
/// sections) and connections get one more second. Connections get `TCP_NODELAY` and the
/// header-read and idle timeouts of `[server]` (see [`conn`]).
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    state: AppState,
    shutdown: CancellationToken,
    grace: Duration,
) -> std::io::Result<()> {
    let config = &state.orca.config().server;
    let timeouts = conn::Timeouts {
        header_read: Duration::from_millis(config.header_read_timeout_ms),
        idle: Duration::from_millis(config.idle_timeout_ms),
    };
    let server = conn::serve(listener, app, timeouts, shutdown.clone());
    let mut server = tokio::spawn(server);
    tokio::select! {
        joined = &mut server => return joined.map_err(std::io::Error::other)?,
        () = shutdown.cancelled() => {}
    }
    tracing::info!(
        grace_ms = grace.as_millis() as u64,
        "shutting down: draining in-flight requests"
    );
    match tokio::time::timeout(grace, &mut server).await {
        Ok(joined) => joined.map_err(std::io::Error::other)?,
        Err(_) => {
            tracing::warn!("grace period over: cancelling the asks still running");
            state.asks_cancel.cancel();
            match tokio::time::timeout(Duration::from_secs(1), &mut server).await {
                Ok(joined) => joined.map_err(std::io::Error::other)?,
                Err(_) => {
                    server.abort();
                    Ok(())
                }
            }
        }
    }
}
