//! The HTTP client of the Kusto and Azure DevOps connectors, and how their answers are classified
//! for the engine.
//!
//! Decisions:
//! - rustls with the ring provider (no OpenSSL, no cmake), installed once per process.
//! - The client's whole-request timeout is the context's per-call timeout, so a connection never
//!   outlives the task; a request that runs out of it is `Timeout`.
//! - Status classes: 429 is `RateLimited` with its `Retry-After`; 503 with a `Retry-After` too,
//!   else `Unavailable`, like any other 5xx; 408 is `Timeout`; 401 and 403 are `Auth`; any other
//!   4xx is `BadQuery`. The message quotes the start of the body (sources put the reason there).

use std::sync::Once;
use std::time::Duration;

use orca_core::{ConnectorError, ErrorKind, SourceKey};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// Most characters of an error body quoted in a message.
const BODY_EXCERPT: usize = 300;

/// A client whose every request ends within `timeout`.
pub fn client(timeout: Duration) -> Result<reqwest::Client, String> {
    static PROVIDER: Once = Once::new();
    PROVIDER.call_once(|| {
        // Fails only when another provider was installed first, which is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .tcp_nodelay(true)
        .user_agent(concat!("orca/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))
}

/// The `Retry-After` of a response, in seconds (the HTTP-date form is read as no hint).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// The error of a response that is not a success.
pub fn status_error(
    source: SourceKey,
    status: StatusCode,
    headers: &HeaderMap,
    body: &str,
) -> ConnectorError {
    let kind = match status.as_u16() {
        429 => ErrorKind::RateLimited {
            retry_after: retry_after(headers),
        },
        503 => match retry_after(headers) {
            Some(after) => ErrorKind::RateLimited {
                retry_after: Some(after),
            },
            None => ErrorKind::Unavailable,
        },
        408 => ErrorKind::Timeout,
        401 | 403 => ErrorKind::Auth,
        400..=499 => ErrorKind::BadQuery,
        _ => ErrorKind::Unavailable,
    };
    let body = body.trim();
    let excerpt: String = body.chars().take(BODY_EXCERPT).collect();
    let more = if excerpt.len() < body.len() {
        "..."
    } else {
        ""
    };
    let reason = match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    };
    if excerpt.is_empty() {
        ConnectorError::new(kind, format!("{source}: the source answered {reason}"))
    } else {
        ConnectorError::new(
            kind,
            format!("{source}: the source answered {reason}: {excerpt}{more}"),
        )
    }
}

/// The error of a request that got no response.
pub fn send_error(source: SourceKey, error: &reqwest::Error) -> ConnectorError {
    if error.is_timeout() {
        ConnectorError::new(
            ErrorKind::Timeout,
            format!("{source}: the source did not answer in time"),
        )
    } else if error.is_connect() {
        ConnectorError::unavailable(format!("{source}: cannot connect to the source: {error}"))
    } else if error.is_decode() {
        ConnectorError::bad_query(format!(
            "{source}: the source's answer is not what was expected: {error}"
        ))
    } else {
        ConnectorError::unavailable(format!("{source}: the request failed: {error}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn kind(code: u16, retry: Option<&str>) -> ErrorKind {
        let mut headers = HeaderMap::new();
        if let Some(r) = retry {
            headers.insert(RETRY_AFTER, HeaderValue::from_str(r).unwrap());
        }
        status_error(
            SourceKey::Kusto,
            StatusCode::from_u16(code).unwrap(),
            &headers,
            "",
        )
        .kind
    }

    #[test]
    fn statuses_are_classified_for_the_engine() {
        let limited = |s| ErrorKind::RateLimited {
            retry_after: Some(Duration::from_secs(s)),
        };
        assert_eq!(kind(429, Some("3")), limited(3));
        assert_eq!(
            kind(429, None),
            ErrorKind::RateLimited { retry_after: None }
        );
        assert_eq!(kind(503, Some("7")), limited(7));
        assert_eq!(kind(503, None), ErrorKind::Unavailable);
        assert_eq!(kind(500, None), ErrorKind::Unavailable);
        assert_eq!(kind(408, None), ErrorKind::Timeout);
        assert_eq!(kind(401, None), ErrorKind::Auth);
        assert_eq!(kind(403, None), ErrorKind::Auth);
        assert_eq!(kind(400, None), ErrorKind::BadQuery);
        assert_eq!(kind(404, None), ErrorKind::BadQuery);
    }

    #[test]
    fn the_message_quotes_the_start_of_the_body() {
        let long = "x".repeat(1000);
        let e = status_error(
            SourceKey::Ado,
            StatusCode::BAD_REQUEST,
            &HeaderMap::new(),
            &long,
        );
        assert!(
            e.message
                .starts_with("ado: the source answered 400 Bad Request: xxx")
        );
        assert!(e.message.ends_with("..."));
        assert!(e.message.len() < 400);
    }
}
