//! Retries of one task's query: transient errors only, exponential backoff with full jitter,
//! honouring a source's `retry_after`, never waiting past the task's deadline.
//!
//! The connector classifies its errors; this module only asks `is_retryable()`. The wait before
//! a retry is `max(backoff, retry_after)`: a source that says "come back in 700 ms" is never
//! asked sooner. Invariant: if the next wait would reach the deadline, the loop stops at once
//! and reports the last error, rather than sleeping into a timeout.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use orca_core::{Connector, ConnectorError, ErrorKind, Query, QueryOutput};
use rand_chacha::ChaCha8Rng;
use tokio::time::Instant;

use crate::backoff::Backoff;

/// How often and how patiently to retry (validated by `EngineConfig`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first one included (>= 1).
    pub attempts: u32,
    pub backoff: Backoff,
}

/// Why the retry loop ended without an output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GaveUp {
    /// A permanent error (bad query, auth): retrying cannot help.
    Permanent(ConnectorError),
    /// Every attempt failed with a transient error.
    Exhausted(ConnectorError),
    /// The next wait would have reached the deadline.
    OutOfTime(ConnectorError),
}

impl GaveUp {
    pub fn error(&self) -> &ConnectorError {
        match self {
            GaveUp::Permanent(e) | GaveUp::Exhausted(e) | GaveUp::OutOfTime(e) => e,
        }
    }

    /// The section's reason, e.g. "unavailable after 3 attempts: connection refused".
    pub fn reason(&self, attempts: u32) -> String {
        let e = self.error();
        let kind = kind_name(&e.kind);
        let after = if attempts > 1 {
            format!(" after {attempts} attempts")
        } else {
            String::new()
        };
        match self {
            GaveUp::Permanent(_) => format!("{kind}: {} (not retried)", e.message),
            GaveUp::Exhausted(_) => format!("{kind}{after}: {}", e.message),
            GaveUp::OutOfTime(_) => format!(
                "{kind}{after}: {} (no time left for another retry)",
                e.message
            ),
        }
    }
}

/// Plain words for an error kind, as they appear in reasons.
pub fn kind_name(kind: &ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Timeout => "timeout",
        ErrorKind::Unavailable => "unavailable",
        ErrorKind::RateLimited { .. } => "rate limited",
        ErrorKind::BadQuery => "bad query",
        ErrorKind::Auth => "not authorized",
    }
}

/// A retry about to happen (for events and logs).
#[derive(Debug, Clone)]
pub struct RetryNotice<'a> {
    /// The attempt that failed (1-based).
    pub attempt: u32,
    pub wait: Duration,
    pub error: &'a ConnectorError,
}

/// Runs `query` on `connector` until it succeeds, fails permanently, runs out of attempts or
/// would wait past `deadline`. Counts started attempts in `attempts` (shared with the runner, so
/// an interrupted task still reports them).
pub async fn call_with_retry(
    connector: &dyn Connector,
    query: &Query,
    policy: &RetryPolicy,
    deadline: Instant,
    jitter: &Mutex<ChaCha8Rng>,
    attempts: &AtomicU32,
    mut on_retry: impl FnMut(RetryNotice<'_>),
) -> Result<QueryOutput, GaveUp> {
    loop {
        let attempt = attempts.fetch_add(1, Ordering::Relaxed) + 1;
        let error = match connector.run(query).await {
            Ok(output) => return Ok(output),
            Err(e) if !e.is_retryable() => return Err(GaveUp::Permanent(e)),
            Err(e) if attempt >= policy.attempts => return Err(GaveUp::Exhausted(e)),
            Err(e) => e,
        };
        let backoff = {
            let mut rng = jitter.lock().unwrap_or_else(|e| e.into_inner());
            policy.backoff.delay(attempt, &mut *rng)
        };
        let wait = backoff.max(error.retry_after().unwrap_or_default());
        let resume = Instant::now().checked_add(wait);
        if resume.is_none_or(|at| at >= deadline) {
            return Err(GaveUp::OutOfTime(error));
        }
        on_retry(RetryNotice {
            attempt,
            wait,
            error: &error,
        });
        tokio::time::sleep(wait).await;
    }
}
