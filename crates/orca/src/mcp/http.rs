//! MCP over streamable HTTP: an axum `Router` serving `/mcp` that `orca serve` merges into its
//! own router, behind the same bearer-token authentication as the HTTP API (`server::auth::require`
//! puts the caller's `Principal` in the request; a tool call without one is refused, so the
//! endpoint fails closed if it is ever mounted without authentication).
//!
//! Invariant (MCP security best practices): a request whose `Origin` is not a loopback origin
//! (or one configured explicitly) is refused with 403 before any MCP processing, which defeats DNS
//! rebinding; on a loopback address the `Host` must be loopback too. Each tool call sees only the
//! permissions that authentication attached to *its* HTTP request, and a client's token is never
//! forwarded anywhere (tools read Orca's own store).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

use super::{McpStats, OrcaMcp};
use crate::server::{AppState, auth};
use crate::service::Orca;

/// The path MCP is served at.
pub const PATH: &str = "/mcp";

/// Origins a browser on this machine may send: any port on the loopback names.
pub const LOOPBACK_ORIGINS: [&str; 6] = [
    "http://localhost:*",
    "https://localhost:*",
    "http://127.0.0.1:*",
    "https://127.0.0.1:*",
    "http://[::1]:*",
    "https://[::1]:*",
];

/// How the `/mcp` endpoint checks where requests come from.
#[derive(Debug, Clone)]
pub struct McpHttpOptions {
    /// Origins accepted besides the loopback ones (scheme, host and port, `:*` for any port),
    /// e.g. `https://dashboard.example.com:443`. Requests without an Origin are accepted.
    pub extra_origins: Vec<String>,
    /// Accepted `Host` values (names or `host:port`); empty accepts any Host. Default: the
    /// loopback names, right for a server bound to a loopback address.
    pub allowed_hosts: Vec<String>,
    /// The clock for relative time ranges when a call gives none (`--now`).
    pub default_now: Option<DateTime<Utc>>,
    /// Ends every MCP session (share it with the server's graceful shutdown).
    pub shutdown: CancellationToken,
}

impl Default for McpHttpOptions {
    fn default() -> Self {
        McpHttpOptions {
            extra_origins: Vec::new(),
            allowed_hosts: vec!["localhost".into(), "127.0.0.1".into(), "::1".into()],
            default_now: None,
            shutdown: CancellationToken::new(),
        }
    }
}

/// The `/mcp` route: MCP streamable HTTP over `orca`, with counters shared by every session.
/// No authentication: put one in front (see [`router_for`]), or every call is refused.
pub fn router(orca: Orca, options: McpHttpOptions) -> axum::Router {
    axum::Router::new().route_service(PATH, service(orca, options))
}

/// `/mcp` for `orca serve`: behind the HTTP API's bearer-token authentication (`auth::require`,
/// without the API's rate limit and load shedding, which would count an MCP session's long-lived
/// event stream as a request in flight), ended with the server's asks when shutdown's grace runs
/// out. With tokens the `Host` is not checked (the token protects; the server may be reached by
/// any name); without them (loopback only) it must be a loopback name.
pub fn router_for(state: &AppState) -> axum::Router {
    let options = McpHttpOptions {
        allowed_hosts: if state.auth.is_enabled() {
            Vec::new()
        } else {
            McpHttpOptions::default().allowed_hosts
        },
        shutdown: state.asks_cancel.clone(),
        ..McpHttpOptions::default()
    };
    router(state.orca.clone(), options).route_layer(axum::middleware::from_fn_with_state(
        Arc::clone(state),
        auth::require,
    ))
}

/// The MCP streamable HTTP service itself (a tower service), for mounting elsewhere.
pub fn service(
    orca: Orca,
    options: McpHttpOptions,
) -> StreamableHttpService<OrcaMcp, LocalSessionManager> {
    let stats = Arc::new(McpStats::default());
    let origins: Vec<String> = LOOPBACK_ORIGINS
        .iter()
        .map(|o| (*o).to_string())
        .chain(options.extra_origins.iter().cloned())
        .collect();
    let mut config = StreamableHttpServerConfig::default()
        .with_allowed_origins(origins)
        .enforce_origin_validation()
        .with_cancellation_token(options.shutdown.child_token());
    config = if options.allowed_hosts.is_empty() {
        config.disable_allowed_hosts()
    } else {
        config.with_allowed_hosts(options.allowed_hosts.clone())
    };
    let default_now = options.default_now;
    StreamableHttpService::new(
        move || {
            Ok(OrcaMcp::with_stats(orca.clone(), Arc::clone(&stats))
                .with_default_now(default_now)
                .with_required_permissions(true))
        },
        Arc::default(),
        config,
    )
}
