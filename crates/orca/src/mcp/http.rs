//! MCP over streamable HTTP: the rmcp service serving `/mcp`, which `orca serve` mounts behind its
//! own gate (`server::mcp`: authentication, limits, sessions bound to their token). The gate puts
//! the caller ([`super::Caller`]) in the request; a tool call without one is refused, so the
//! endpoint fails closed if it is ever mounted without the gate. This module knows nothing of the
//! HTTP server: the server depends on it, never the other way.
//!
//! Invariant (MCP security best practices): a request whose `Origin` is not a loopback origin
//! (or one configured explicitly) is refused with 403 before any MCP processing, which defeats DNS
//! rebinding; on a loopback address the `Host` must be loopback too. Each tool call sees only the
//! permissions that authentication attached to *its* HTTP request, and a client's token is never
//! forwarded anywhere (tools read Orca's own store).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

use super::OrcaMcp;
use super::sessions::Sessions;
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
    /// Largest request body rmcp reads (the server's gate checks it first).
    pub max_body_bytes: usize,
}

impl Default for McpHttpOptions {
    fn default() -> Self {
        McpHttpOptions {
            extra_origins: Vec::new(),
            allowed_hosts: vec!["localhost".into(), "127.0.0.1".into(), "::1".into()],
            default_now: None,
            shutdown: CancellationToken::new(),
            max_body_bytes: 64 * 1024,
        }
    }
}

/// The `/mcp` route: MCP streamable HTTP over `orca`, its sessions kept in `sessions`. No
/// authentication: put a gate in front (as `orca serve` does), or every tool call is refused.
pub fn router(orca: Orca, options: McpHttpOptions, sessions: Arc<Sessions>) -> axum::Router {
    axum::Router::new().route_service(PATH, service(orca, options, sessions))
}

/// The MCP streamable HTTP service itself (a tower service), for mounting elsewhere.
pub fn service(
    orca: Orca,
    options: McpHttpOptions,
    sessions: Arc<Sessions>,
) -> StreamableHttpService<OrcaMcp, Sessions> {
    let origins: Vec<String> = LOOPBACK_ORIGINS
        .iter()
        .map(|o| (*o).to_string())
        .chain(options.extra_origins.iter().cloned())
        .collect();
    let mut config = StreamableHttpServerConfig::default()
        .with_allowed_origins(origins)
        .enforce_origin_validation()
        .with_max_request_body_bytes(options.max_body_bytes)
        .with_cancellation_token(options.shutdown.child_token());
    config = if options.allowed_hosts.is_empty() {
        config.disable_allowed_hosts()
    } else {
        config.with_allowed_hosts(options.allowed_hosts.clone())
    };
    let default_now = options.default_now;
    StreamableHttpService::new(
        move || {
            Ok(OrcaMcp::new(orca.clone())
                .with_default_now(default_now)
                .with_required_permissions(true))
        },
        sessions,
        config,
    )
}
