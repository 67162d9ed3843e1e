//! `/mcp` on `orca serve`: the MCP streamable HTTP service (`crate::mcp::http`) behind the
//! server's gate, which applies to every `/mcp` request what the API applies to `/v1`, and more:
//!
//! 1. authenticate (401) and rate-limit by token (429), in the API's buckets;
//! 2. a request naming a session (`Mcp-Session-Id`) must come from the token that opened it:
//!    to any other token the session does not exist (404, so session ids cannot be probed);
//! 3. load shedding (503): a POST or DELETE holds an in-flight slot until its response is sent;
//!    a GET (the session's notification stream, open as long as the session) holds none: the
//!    session caps bound those;
//! 4. a POST body is read here (413 beyond `max_body_bytes`) and must be JSON (415) that parses
//!    (400 with a JSON-RPC parse error, -32700) into a JSON-RPC message (400, -32600);
//! 5. an `initialize` reserves a session for the token within `mcp_max_sessions_per_token`
//!    (429) and `mcp_max_sessions` (503), with a Retry-After for the least recently used session
//!    to expire; its response binds the new session to the token.
//!
//! The tools get the caller (`crate::mcp::Caller`: name and permissions). Every error on `/mcp`
//! is a JSON-RPC error response (`{"jsonrpc": "2.0", "id": null, "error": {code, message,
//! data: {status, reason}}}`), as MCP clients parse, including rmcp's own refusals (403 for a
//! foreign Origin or Host, 406, 415, 400 without a session id), which it writes as plain text.
//!
//! The server depends on `crate::mcp`, never the other way: MCP knows nothing of `AppState`.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::ApiError;
use super::limits;
use super::{AppState, ServerState};
use crate::mcp::Caller;
use crate::mcp::http::{self, McpHttpOptions};
use crate::mcp::sessions::{Owner, Refused, Sessions};

/// The session header of the streamable HTTP transport.
const SESSION_HEADER: &str = "mcp-session-id";

/// JSON-RPC error codes used on `/mcp`.
const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;
/// Transport refusals (as the reference TypeScript SDK answers them).
const SERVER_ERROR: i64 = -32000;
const SESSION_NOT_FOUND: i64 = -32001;

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
        max_body_bytes: state.max_body_bytes,
        default_now: state.default_now,
        ..McpHttpOptions::default()
    };
    http::router(state.orca.clone(), options, Arc::clone(&state.mcp_sessions)).route_layer(
        axum::middleware::from_fn_with_state(Arc::clone(state), gate),
    )
}

/// The gate (see the module docs); every error leaves as a JSON-RPC error response.
async fn gate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match admit(&state, request, next).await {
        Ok(response) => json_errors(response).await,
        Err(refusal) => refusal.into_response(),
    }
}

async fn admit(state: &ServerState, request: Request, next: Next) -> Result<Response, McpError> {
    let principal = limits::admit(state, request.headers())?;
    let owner = Owner(principal.token_sha256);
    let session: Option<String> = request
        .headers()
        .get(SESSION_HEADER)
        .map(|v| v.to_str().unwrap_or("").to_string());
    if let Some(id) = &session {
        state
            .mcp_sessions
            .check(id, owner)
            .map_err(|_| McpError::session_not_found())?;
    }
    let slot = match *request.method() {
        Method::GET => None,
        _ => Some(limits::slot(state)?),
    };
    let (mut request, initialize) = if request.method() == Method::POST {
        read_message(request, state.max_body_bytes).await?
    } else {
        (request, false)
    };
    let reservation = match (initialize, session) {
        (true, None) => Some(reserve(state, &state.mcp_sessions, owner)?),
        _ => None,
    };
    request.extensions_mut().insert(Caller {
        name: Arc::clone(&principal.name),
        permissions: Arc::clone(&principal.permissions),
    });
    let response = next.run(request).await;
    if let Some(reservation) = reservation {
        let created = response
            .headers()
            .get(SESSION_HEADER)
            .and_then(|v| v.to_str().ok())
            .filter(|_| response.status().is_success());
        if let Some(id) = created {
            reservation.bind(id).await;
        }
    }
    Ok(match slot {
        Some(slot) => limits::held_until_sent(response, slot),
        None => response,
    })
}

/// Reserves a session slot for `owner`, or refuses with 429 (the token's cap) or 503 (the
/// server's).
fn reserve(
    state: &ServerState,
    sessions: &Arc<Sessions>,
    owner: Owner,
) -> Result<crate::mcp::sessions::Reservation, McpError> {
    sessions.reserve(owner).map_err(|refused| {
        state.metrics.rejected("too_many_sessions");
        let seconds = |d: Duration| d.as_secs_f64().ceil().max(1.0) as u64;
        match refused {
            Refused::PerOwner { retry_after } => McpError::from(ApiError {
                retry_after: Some(seconds(retry_after)),
                ..ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_sessions",
                    "this token holds as many MCP sessions as it may \
                     ([server] mcp_max_sessions_per_token): end one (DELETE /mcp) or retry \
                     after the Retry-After delay, when the least recently used one expires",
                )
            }),
            Refused::Total { retry_after } => McpError::from(ApiError {
                retry_after: Some(seconds(retry_after)),
                ..ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "too_many_sessions",
                    "the server holds as many MCP sessions as it may ([server] \
                     mcp_max_sessions); retry after the Retry-After delay",
                )
            }),
        }
    })
}

/// Reads a POST body (bounded), checks that it is one JSON-RPC message, and returns the request rebuilt around it and whether it is an `initialize` request.
async fn read_message(request: Request, max_bytes: usize) -> Result<(Request, bool), McpError> {
    let (parts, body) = request.into_parts();
    let is_json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(McpError::transport(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "an MCP message must be sent as JSON (Content-Type: application/json)",
        ));
    }
    let bytes = axum::body::to_bytes(body, max_bytes).await.map_err(|_| {
        McpError::transport(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the request body is larger than {max_bytes} bytes ([server] max_body_bytes)"),
        )
    })?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| McpError {
        status: StatusCode::BAD_REQUEST,
        rpc_code: PARSE_ERROR,
        reason: "parse_error",
        message: format!("Parse error: the body is not valid JSON ({e})"),
        retry_after: None,
    })?;
    if serde_json::from_value::<rmcp::model::ClientJsonRpcMessage>(value.clone()).is_err() {
        return Err(McpError {
            status: StatusCode::BAD_REQUEST,
            rpc_code: INVALID_REQUEST,
            reason: "invalid_request",
            message: "Invalid Request: the body is JSON but not a JSON-RPC 2.0 request, \
                      notification or response the server understands"
                .to_string(),
            retry_after: None,
        });
    }
    let initialize = value.get("method").and_then(Value::as_str) == Some("initialize");
    Ok((Request::from_parts(parts, Body::from(bytes)), initialize))
}

/// An error on `/mcp`, answered as a JSON-RPC error response.
#[derive(Debug)]
struct McpError {
    status: StatusCode,
    rpc_code: i64,
    /// The API's stable error code (`unauthorized`, `rate_limited`, ...).
    reason: &'static str,
    message: String,
    retry_after: Option<u64>,
}

impl McpError {
    fn transport(status: StatusCode, reason: &'static str, message: impl Into<String>) -> Self {
        McpError {
            status,
            rpc_code: SERVER_ERROR,
            reason,
            message: message.into(),
            retry_after: None,
        }
    }

    fn session_not_found() -> Self {
        McpError {
            status: StatusCode::NOT_FOUND,
            rpc_code: SESSION_NOT_FOUND,
            reason: "session_not_found",
            message: "no such MCP session for this token (it ended, expired, or was never \
                      opened with it): start a new one with `initialize`"
                .to_string(),
            retry_after: None,
        }
    }
}

impl From<ApiError> for McpError {
    fn from(e: ApiError) -> Self {
        McpError {
            status: e.status,
            rpc_code: SERVER_ERROR,
            reason: e.code,
            message: e.message,
            retry_after: e.retry_after,
        }
    }
}

impl IntoResponse for McpError {
    fn into_response(self) -> Response {
        let body = json!({
            "jsonrpc": "2.0",
            "id": null,
            "error": {
                "code": self.rpc_code,
                "message": self.message,
                "data": {"status": self.status.as_u16(), "reason": self.reason},
            },
        });
        let mut response = (self.status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"orca\""),
            );
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// `error` as `/mcp` answers it (a JSON-RPC error response), for refusals made before the gate
/// (the server's header limits).
pub(super) fn refusal(error: ApiError) -> Response {
    McpError::from(error).into_response()
}

/// rmcp answers its own refusals (403 Origin/Host, 404 session, 405, 406, 413, 415, 400 without
/// a session id, 500) in plain text: the same refusal as a JSON-RPC error response. JSON bodies
/// (rmcp's JSON-RPC errors) and successes pass untouched.
async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 16 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let (rpc_code, reason) = match status {
        StatusCode::BAD_REQUEST => (INVALID_REQUEST, "bad_request"),
        StatusCode::FORBIDDEN => (SERVER_ERROR, "forbidden"),
        StatusCode::NOT_FOUND => (SESSION_NOT_FOUND, "session_not_found"),
        StatusCode::METHOD_NOT_ALLOWED => (SERVER_ERROR, "method_not_allowed"),
        StatusCode::NOT_ACCEPTABLE => (SERVER_ERROR, "not_acceptable"),
        StatusCode::PAYLOAD_TOO_LARGE => (SERVER_ERROR, "payload_too_large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (SERVER_ERROR, "unsupported_media_type"),
        s if s.is_server_error() => (SERVER_ERROR, "internal"),
        _ => (SERVER_ERROR, "bad_request"),
    };
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        text
    };
    let mut converted = McpError {
        status,
        rpc_code,
        reason,
        message,
        retry_after: None,
    }
    .into_response();
    // Keep the headers rmcp set (Allow on 405, ...), except the body's own.
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            converted.headers_mut().insert(name.clone(), value.clone());
        }
    }
    converted
}
