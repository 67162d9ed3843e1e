//! Admission control for the API routes and `/mcp`, in this order: authenticate (401), per-token
//! rate limit (429 + Retry-After), global concurrency limit with load shedding (503 +
//! Retry-After). A request holds its in-flight slot until its response body is sent (or the
//! client goes away), so a streamed answer counts for as long as it runs.
//!
//! The rate limit is a token bucket per principal (refill `rate_limit_per_second`, size
//! `rate_limit_burst`) on tokio time, so paused-clock tests drive it exactly. Load shedding never
//! queues: when `max_in_flight` requests are running, the next one is refused at once, which keeps
//! latency bounded for the requests already admitted.
//! Invariant: the in-flight permit and gauge are released however the request ends (a guard's
//! `Drop`), even when the client goes away mid-request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::auth::Principal;
use super::error::ApiError;
use super::metrics::Metrics;
use super::{AppState, ServerState};

/// Seconds a shed request is told to wait.
pub const OVERLOAD_RETRY_AFTER_S: u64 = 1;

/// A token bucket per key.
#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<Arc<str>, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl RateLimiter {
    /// `per_second == 0` disables the limit.
    pub fn new(per_second: f64, burst: u32) -> RateLimiter {
        RateLimiter {
            per_second,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`, or says how long until one is available.
    pub fn check(&self, key: &Arc<str>, now: Instant) -> Result<(), Duration> {
        if self.per_second <= 0.0 {
            return Ok(());
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let bucket = buckets.entry(Arc::clone(key)).or_insert(Bucket {
            tokens: self.burst,
            last: now,
        });
        let refill = now.saturating_duration_since(bucket.last).as_secs_f64() * self.per_second;
        bucket.tokens = (bucket.tokens + refill).min(self.burst);
        bucket.last = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - bucket.tokens) / self.per_second,
            ))
        }
    }
}

/// The global concurrency limit.
#[derive(Debug, Clone)]
pub struct ConcurrencyLimit {
    permits: Arc<Semaphore>,
}

impl ConcurrencyLimit {
    pub fn new(max_in_flight: usize) -> ConcurrencyLimit {
        ConcurrencyLimit {
            permits: Arc::new(Semaphore::new(max_in_flight)),
        }
    }

    /// A permit, or `None` when the server is full (shed the request).
    pub fn try_admit(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.permits).try_acquire_owned().ok()
    }
}

/// Holds a request's slot: releases the permit and the in-flight gauge on drop.
pub struct InFlight {
    _permit: OwnedSemaphorePermit,
    metrics: Arc<Metrics>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.metrics.in_flight.dec();
    }
}

/// Authenticates a request and takes one token of its principal's rate limit (401, 429).
pub fn admit(state: &ServerState, headers: &HeaderMap) -> Result<Principal, ApiError> {
    let principal = state.auth.authenticate(headers).inspect_err(|_| {
        state.metrics.rejected("unauthorized");
    })?;
    if let Err(wait) = state.rate_limiter.check(&principal.name, Instant::now()) {
        state.metrics.rejected("rate_limited");
        return Err(ApiError::rate_limited(wait.as_secs_f64().ceil() as u64));
    }
    Ok(principal)
}

/// Takes an in-flight slot, or sheds the request at once (503).
pub fn slot(state: &ServerState) -> Result<InFlight, ApiError> {
    let Some(permit) = state.concurrency.try_admit() else {
        state.metrics.rejected("overloaded");
        return Err(ApiError::overloaded(OVERLOAD_RETRY_AFTER_S));
    };
    state.metrics.in_flight.inc();
    Ok(InFlight {
        _permit: permit,
        metrics: Arc::clone(&state.metrics),
    })
}

/// Middleware for the API routes: authenticate, rate limit, admit (see the module docs); puts
/// the `Principal` in the request extensions.
pub async fn guard(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let principal = admit(&state, request.headers())?;
    let slot = slot(&state)?;
    request.extensions_mut().insert(principal);
    Ok(held_until_sent(next.run(request).await, slot))
}

/// `response`, holding `guard` until its body has been sent or dropped.
pub fn held_until_sent<G: Send + Unpin + 'static>(response: Response, guard: G) -> Response {
    response.map(|body| {
        Body::new(Holding {
            body,
            _guard: guard,
        })
    })
}

/// A response body that keeps a guard alive as long as it is.
struct Holding<G> {
    body: Body,
    _guard: G,
}

impl<G: Send + Unpin + 'static> HttpBody for Holding<G> {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_bucket_refills_at_its_rate() {
        let limiter = RateLimiter::new(2.0, 3);
        let key: Arc<str> = Arc::from("a");
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check(&key, t0).is_ok());
        }
        assert_eq!(limiter.check(&key, t0), Err(Duration::from_millis(500)));
        // Other keys have their own bucket.
        assert!(limiter.check(&Arc::from("b"), t0).is_ok());
        tokio::time::advance(Duration::from_millis(500)).await;
        assert!(limiter.check(&key, Instant::now()).is_ok());
        assert!(limiter.check(&key, Instant::now()).is_err());
    }

    #[test]
    fn zero_rate_disables_the_limit() {
        let limiter = RateLimiter::new(0.0, 1);
        let key: Arc<str> = Arc::from("a");
        let now = Instant::now();
        for _ in 0..100 {
            assert!(limiter.check(&key, now).is_ok());
        }
    }

    #[test]
    fn the_concurrency_limit_sheds_beyond_its_size() {
        let limit = ConcurrencyLimit::new(2);
        let a = limit.try_admit().unwrap();
        let _b = limit.try_admit().unwrap();
        assert!(limit.try_admit().is_none());
        drop(a);
        assert!(limit.try_admit().is_some());
    }
}
