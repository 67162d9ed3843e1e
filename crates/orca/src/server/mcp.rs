//! `/mcp` on `orca serve`: the MCP streamable HTTP service (`crate::mcp::http`) behind the
//! server's gate. The gate authenticates the bearer token like the API and hands the tools the
//! caller (`crate::mcp::Caller`: its name and permissions).
//!
//! The server depends on `crate::mcp`, never the other way: MCP knows nothing of `AppState`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::AppState;
use super::error::ApiError;
use crate::mcp::Caller;
use crate::mcp::http::{self, McpHttpOptions};

/// `/mcp` behind the gate, ended with the server's asks when shutdown's grace runs out. With
/// tokens the `Host` is not checked (the token protects; the server may be reached by any name);
/// without them (loopback only) it must be a loopback name.
pub fn router(state: &AppState) -> Router {
    let options = McpHttpOptions {
        allowed_hosts: if state.auth.is_enabled() {
            Vec::new()
        } else {
            McpHttpOptions::default().allowed_hosts
        },
        shutdown: state.asks_cancel.clone(),
        ..McpHttpOptions::default()
    };
    http::router(state.orca.clone(), options).route_layer(axum::middleware::from_fn_with_state(
        Arc::clone(state),
        gate,
    ))
}

/// Authenticates the request (401 otherwise) and puts its caller in the request extensions.
async fn gate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let principal = state.auth.authenticate(request.headers())?;
    request.extensions_mut().insert(Caller {
        name: Arc::clone(&principal.name),
        permissions: Arc::clone(&principal.permissions),
    });
    Ok(next.run(request).await)
}
