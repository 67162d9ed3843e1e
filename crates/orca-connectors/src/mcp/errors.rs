//! Error classification: a failed request, `initialize` or child start of the MCP client, as a
//! [`ConnectorError`] of the right kind, and whether the session survived it.

use orca_core::{ConnectorError, ErrorKind, SourceKey};
use rmcp::ServiceError;
use rmcp::model::{ErrorCode, ErrorData};
use rmcp::service::ClientInitializeError;
use rmcp::transport::streamable_http_client::StreamableHttpError;

/// Characters of a tool's error text quoted in a message.
const QUOTED: usize = 300;

/// A classified failure of a request on a session.
pub(super) struct Failure {
    pub(super) error: ConnectorError,
    /// The session is no use any more (drop it).
    pub(super) lost: bool,
    /// The session was found dead before any answer: worth one more try on a new one.
    pub(super) dead: bool,
}

impl Failure {
    fn kept(error: ConnectorError) -> Failure {
        Failure {
            error,
            lost: false,
            dead: false,
        }
    }

    fn lost(error: ConnectorError, dead: bool) -> Failure {
        Failure {
            error,
            lost: true,
            dead,
        }
    }
}

pub(super) fn service_failure(source: SourceKey, tool: &str, error: ServiceError) -> Failure {
    match error {
        ServiceError::McpError(data) => Failure::kept(rpc_error(source, tool, &data)),
        ServiceError::TransportSend(e) => {
            let (error, dead) = transport_error(source, e.error.as_ref());
            Failure::lost(error, dead)
        }
        ServiceError::TransportClosed => Failure::lost(
            ConnectorError::unavailable(format!(
                "{source}: the MCP session closed (the server exited or dropped the connection)"
            )),
            true,
        ),
        ServiceError::Timeout { .. } => Failure::kept(ConnectorError::new(
            ErrorKind::Timeout,
            format!("{source}: the MCP server did not answer in time"),
        )),
        ServiceError::UnexpectedResponse => Failure::kept(ConnectorError::bad_query(format!(
            "{source}: the MCP server answered `{tool}` with something other than a tool result (a task or an input request), which Orca does not support"
        ))),
        other => Failure::lost(
            ConnectorError::unavailable(format!("{source}: the MCP call failed: {other}")),
            false,
        ),
    }
}

/// A JSON-RPC error, by its code: the request's fault is permanent, the server's is not.
fn rpc_error(source: SourceKey, tool: &str, data: &ErrorData) -> ConnectorError {
    let message = format!(
        "{source}: the MCP server refused the call to `{tool}` (JSON-RPC error {}): {}",
        data.code.0,
        quote(&data.message)
    );
    match data.code {
        ErrorCode::PARSE_ERROR
        | ErrorCode::INVALID_REQUEST
        | ErrorCode::METHOD_NOT_FOUND
        | ErrorCode::INVALID_PARAMS
        | ErrorCode::RESOURCE_NOT_FOUND => ConnectorError::bad_query(message),
        _ => ConnectorError::unavailable(message),
    }
}

/// A transport failure, classified; `true` when the connection itself is gone (closed, refused,
/// broken pipe) rather than answered with an HTTP error.
fn transport_error(
    source: SourceKey,
    error: &(dyn std::error::Error + Send + Sync + 'static),
) -> (ConnectorError, bool) {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = next {
        if let Some(http) = e.downcast_ref::<StreamableHttpError<reqwest::Error>>() {
            return http_error(source, http);
        }
        if let Some(e) = e.downcast_ref::<reqwest::Error>() {
            return (crate::http::send_error(source, e), e.is_connect());
        }
        if let Some(e) = e.downcast_ref::<std::io::Error>() {
            return (
                ConnectorError::unavailable(format!(
                    "{source}: the connection to the MCP server broke: {e}"
                )),
                true,
            );
        }
        next = e.source();
    }
    (
        ConnectorError::unavailable(format!("{source}: the MCP transport failed: {error}")),
        true,
    )
}

fn http_error(
    source: SourceKey,
    error: &StreamableHttpError<reqwest::Error>,
) -> (ConnectorError, bool) {
    let status = |code: u16, retry_after: Option<&str>, body: &str| {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(value) =
            retry_after.and_then(|v| reqwest::header::HeaderValue::from_str(v).ok())
        {
            headers.insert(reqwest::header::RETRY_AFTER, value);
        }
        let code = reqwest::StatusCode::from_u16(code)
            .unwrap_or(reqwest::StatusCode::INTERNAL_SERVER_ERROR);
        (
            crate::http::status_error(source, code, &headers, body),
            false,
        )
    };
    let refused = |code: u16| {
        let message = format!(
            "{source}: the MCP server refused the credential (HTTP {code}); set [sources.{source}] token_env or token_command to a token it accepts"
        );
        (ConnectorError::new(ErrorKind::Auth, message), false)
    };
    match error {
        StreamableHttpError::HttpStatus(e) => status(e.status, e.retry_after.as_deref(), ""),
        StreamableHttpError::AuthRequired(_) => refused(401),
        StreamableHttpError::InsufficientScope(_) => refused(403),
        // The reqwest client reports other non-success statuses as "HTTP 400 Bad Request: body".
        StreamableHttpError::UnexpectedServerResponse(text) => {
            let code = text
                .strip_prefix("HTTP ")
                .and_then(|rest| rest.get(..3))
                .and_then(|digits| digits.parse::<u16>().ok());
            match code {
                Some(code @ (401 | 403)) => refused(code),
                Some(code) => {
                    let body = text.get(4 + 3..).unwrap_or_default();
                    let body = body.split_once(": ").map_or("", |(_, body)| body);
                    status(code, None, body)
                }
                None => (
                    ConnectorError::bad_query(format!(
                        "{source}: the server's answer is not MCP: {}",
                        quote(text)
                    )),
                    false,
                ),
            }
        }
        StreamableHttpError::Client(e) => (crate::http::send_error(source, e), e.is_connect()),
        StreamableHttpError::SessionExpired
        | StreamableHttpError::SessionRecoveryTimeout
        | StreamableHttpError::ReinitializationFailed(_) => (
            ConnectorError::unavailable(format!(
                "{source}: the MCP server dropped the session and a new one could not be opened: {error}"
            )),
            true,
        ),
        other => (
            ConnectorError::unavailable(format!("{source}: the MCP transport failed: {other}")),
            true,
        ),
    }
}

/// A failed `initialize`.
pub(super) fn init_error(source: SourceKey, error: ClientInitializeError) -> ConnectorError {
    match error {
        ClientInitializeError::TransportError { error, .. } => {
            transport_error(source, error.error.as_ref()).0
        }
        ClientInitializeError::JsonRpcError(data) => rpc_error(source, "initialize", &data),
        ClientInitializeError::ConnectionClosed(reason) => ConnectorError::unavailable(format!(
            "{source}: the MCP server closed the connection during the handshake ({reason}); run its command yourself to see why"
        )),
        ClientInitializeError::Cancelled => {
            ConnectorError::unavailable(format!("{source}: the MCP handshake was cancelled"))
        }
        other => ConnectorError::bad_query(format!("{source}: the MCP handshake failed: {other}")),
    }
}

pub(super) fn spawn_error(
    source: SourceKey,
    program: &str,
    error: &std::io::Error,
) -> ConnectorError {
    let message = format!(
        "{source}: cannot start the MCP server `{program}` ({error}); check [sources.{source}] command"
    );
    match error.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => {
            ConnectorError::bad_query(message)
        }
        _ => ConnectorError::unavailable(message),
    }
}

/// The start of a text, for a message.
pub(super) fn quote(text: &str) -> String {
    let text = text.trim();
    let cut: String = text.chars().take(QUOTED).collect();
    if cut.len() < text.len() {
        format!("{cut}...")
    } else {
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_rpc_errors_are_classified_by_code() {
        let kind =
            |code: ErrorCode| rpc_error(SourceKey::Icm, "t", &ErrorData::new(code, "m", None)).kind;
        assert_eq!(kind(ErrorCode::INVALID_PARAMS), ErrorKind::BadQuery);
        assert_eq!(kind(ErrorCode::METHOD_NOT_FOUND), ErrorKind::BadQuery);
        assert_eq!(kind(ErrorCode::INTERNAL_ERROR), ErrorKind::Unavailable);
        assert_eq!(kind(ErrorCode(-32000)), ErrorKind::Unavailable);
    }

    #[test]
    fn unexpected_statuses_from_the_http_client_are_classified() {
        let kind = |text: &'static str| {
            http_error(
                SourceKey::Icm,
                &StreamableHttpError::UnexpectedServerResponse(text.into()),
            )
            .0
            .kind
        };
        assert_eq!(kind("HTTP 400 Bad Request: nope"), ErrorKind::BadQuery);
        assert_eq!(kind("HTTP 401 Unauthorized: "), ErrorKind::Auth);
        assert_eq!(kind("HTTP 403 Forbidden"), ErrorKind::Auth);
        assert_eq!(kind("something else"), ErrorKind::BadQuery);
    }
}
