//! Accepting and serving connections (in place of `axum::serve`, which has no timeouts).
//!
//! Every accepted socket gets `TCP_NODELAY`: a response written in several pieces (an SSE event
//! stream, an MCP tool call's reply) is not held back by Nagle's algorithm waiting for the
//! client's delayed ACK, which cost every stream and every MCP call about 44 ms. Each connection
//! then runs under two clocks, checked by a watchdog every few hundred milliseconds:
//!
//! - **header read** ([`Timeouts::header_read`]): from the connection's start, and again from
//!   the first byte of each later request, the whole request head must arrive within this time.
//!   A client holding half a header is cut off; authentication runs only once the head is in,
//!   so this is what bounds an unauthenticated client's hold on a connection.
//! - **idle** ([`Timeouts::idle`]): a connection on which no byte moved either way for this long
//!   is closed: a kept-alive connection waiting for its next request, a stalled request body, a
//!   client that stopped reading its response. Streaming responses (SSE, MCP) send a keep-alive
//!   comment every 15 s, and asks end by their deadline, so the idle time must exceed both.
//!
//! Invariant: the header clock never runs while a request is being handled (from the complete
//! head until its response body is finished or dropped); only the idle clock does. Closing a
//! connection drops it: its in-flight request future is dropped like on a client disconnect.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::http::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::limits::held_until_sent;

/// Headers the HTTP parser reads: room above the router's own limit
/// (`server::MAX_REQUEST_HEADERS`), so that too many headers get the router's JSON 431 rather
/// than the parser's empty one (which still answers beyond this, or beyond ~400 KiB of head).
const PARSER_MAX_HEADERS: usize = 256;

/// How long a connection may take to send a request head, and stay without traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub header_read: Duration,
    pub idle: Duration,
}

impl Timeouts {
    /// How often the watchdog looks at a connection: a quarter of the shorter clock, between
    /// 10 ms and 1 s, so a connection is closed at most 25% (or 1 s) past its time.
    fn tick(self) -> Duration {
        (self.header_read.min(self.idle) / 4)
            .clamp(Duration::from_millis(10), Duration::from_secs(1))
    }
}

/// Serves `app` on every connection `listener` accepts until `shutdown` is cancelled; then stops
/// accepting (the listener is closed), asks every connection to finish its in-flight requests
/// (idle ones close at once) and returns when the last one has closed.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    timeouts: Timeouts,
    shutdown: CancellationToken,
) -> io::Result<()> {
    let connections = TaskTracker::new();
    loop {
        let stream = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(e) if is_connection_error(&e) => continue,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::error!(error = %e, "cannot accept a connection; retrying in 1 s");
                    tokio::select! {
                        () = shutdown.cancelled() => break,
                        () = tokio::time::sleep(Duration::from_secs(1)) => continue,
                    }
                }
            },
        };
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY on an accepted connection");
        }
        connections.spawn(serve_connection(
            stream,
            app.clone(),
            timeouts,
            shutdown.clone(),
        ));
    }
    drop(listener);
    connections.close();
    connections.wait().await;
    Ok(())
}

/// Errors that concern one connection only (it went away before it was accepted).
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Serves one HTTP/1.1 connection until it ends, its clocks run out, or shutdown has let its
/// in-flight requests finish.
async fn serve_connection(
    stream: TcpStream,
    app: Router,
    timeouts: Timeouts,
    shutdown: CancellationToken,
) {
    let clock = Arc::new(Clock::new());
    let io = TokioIo::new(Watched {
        inner: stream,
        clock: Arc::clone(&clock),
    });
    let service = TowerToHyperService::new(Counted {
        app,
        clock: Arc::clone(&clock),
    });
    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().max_headers(PARSER_MAX_HEADERS);
    let connection = builder.serve_connection(io, service);
    tokio::pin!(connection);
    let mut watchdog = tokio::time::interval(timeouts.tick());
    watchdog.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut draining = false;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            () = shutdown.cancelled(), if !draining => {
                draining = true;
                connection.as_mut().graceful_shutdown();
            }
            _ = watchdog.tick() => {
                if let Some(reason) = clock.expired(timeouts) {
                    tracing::debug!(reason, "closing a connection");
                    return;
                }
            }
        }
    }
}

/// Sentinel for "no request head being read".
const NO_HEAD: u64 = u64::MAX;

/// What the watchdog reads about one connection, in milliseconds since it was accepted.
#[derive(Debug)]
struct Clock {
    start: Instant,
    /// When a byte last moved either way.
    last_io_ms: AtomicU64,
    /// When the request head now being read started (`NO_HEAD` when none is).
    head_since_ms: AtomicU64,
    /// Requests being handled (head complete, response body not yet finished or dropped).
    requests: AtomicUsize,
}

impl Clock {
    fn new() -> Clock {
        Clock {
            start: Instant::now(),
            last_io_ms: AtomicU64::new(0),
            // A new connection owes its first request head at once.
            head_since_ms: AtomicU64::new(0),
            requests: AtomicUsize::new(0),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX - 1)
    }

    fn read(&self) {
        let now = self.now_ms();
        self.last_io_ms.store(now, Ordering::Relaxed);
        if self.requests.load(Ordering::Acquire) == 0 {
            // The first byte of the next request head starts the header clock.
            let _ = self.head_since_ms.compare_exchange(
                NO_HEAD,
                now,
                Ordering::AcqRel,
                Ordering::Relaxed,
            );
        }
    }

    fn wrote(&self) {
        self.last_io_ms.store(self.now_ms(), Ordering::Relaxed);
    }

    fn request_started(&self) {
        self.requests.fetch_add(1, Ordering::AcqRel);
        self.head_since_ms.store(NO_HEAD, Ordering::Release);
    }

    fn request_finished(&self) {
        self.requests.fetch_sub(1, Ordering::AcqRel);
    }

    /// Why the connection must be closed now, if it must.
    fn expired(&self, timeouts: Timeouts) -> Option<&'static str> {
        let now = self.now_ms();
        let head = self.head_since_ms.load(Ordering::Acquire);
        if head != NO_HEAD
            && self.requests.load(Ordering::Acquire) == 0
            && now.saturating_sub(head) >= millis(timeouts.header_read)
        {
            return Some("request head not received within the header read timeout");
        }
        let last_io = self.last_io_ms.load(Ordering::Relaxed);
        (now.saturating_sub(last_io) >= millis(timeouts.idle))
            .then_some("no traffic within the idle timeout")
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The socket, noting on the clock every read and write that moved bytes.
struct Watched {
    inner: TcpStream,
    clock: Arc<Clock>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.clock.read();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.clock.wrote();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.clock.wrote();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The router, counting each request from its complete head until its response body is
/// finished or dropped.
#[derive(Clone)]
struct Counted {
    app: Router,
    clock: Arc<Clock>,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl<B> tower::Service<Request<B>> for Counted
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let handling = Handling::new(Arc::clone(&self.clock));
        let response = tower::Service::call(&mut self.app, request);
        Box::pin(async move { Ok(held_until_sent(response.await?, handling)) })
    }
}

/// One request being handled; finished when dropped.
struct Handling {
    clock: Arc<Clock>,
}

impl Handling {
    fn new(clock: Arc<Clock>) -> Handling {
        clock.request_started();
        Handling { clock }
    }
}

impl Drop for Handling {
    fn drop(&mut self) {
        self.clock.request_finished();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeouts(header_ms: u64, idle_ms: u64) -> Timeouts {
        Timeouts {
            header_read: Duration::from_millis(header_ms),
            idle: Duration::from_millis(idle_ms),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_header_clock_runs_only_while_a_head_is_being_read() {
        let clock = Clock::new();
        let t = timeouts(100, 1_000);
        assert_eq!(clock.expired(t), None);
        tokio::time::advance(Duration::from_millis(100)).await;
        assert!(clock.expired(t).unwrap().contains("header"), "no head yet");

        let clock = Clock::new();
        clock.read();
        clock.request_started();
        tokio::time::advance(Duration::from_millis(500)).await;
        assert_eq!(clock.expired(t), None, "a request being handled");
        clock.request_finished();
        assert_eq!(
            clock.expired(t),
            None,
            "waiting for the next request is idle time"
        );
        clock.read();
        tokio::time::advance(Duration::from_millis(100)).await;
        assert!(clock.expired(t).unwrap().contains("header"), "half a head");
    }

    #[tokio::test(start_paused = true)]
    async fn the_idle_clock_runs_from_the_last_byte_either_way() {
        let clock = Clock::new();
        clock.read();
        clock.request_started();
        let t = timeouts(100, 1_000);
        tokio::time::advance(Duration::from_millis(900)).await;
        clock.wrote();
        tokio::time::advance(Duration::from_millis(900)).await;
        assert_eq!(clock.expired(t), None);
        tokio::time::advance(Duration::from_millis(100)).await;
        assert!(clock.expired(t).unwrap().contains("idle"));
    }

    #[test]
    fn the_watchdog_ticks_at_a_quarter_of_the_shorter_clock() {
        assert_eq!(timeouts(10_000, 60_000).tick(), Duration::from_secs(1));
        assert_eq!(timeouts(400, 60_000).tick(), Duration::from_millis(100));
        assert_eq!(timeouts(1, 1).tick(), Duration::from_millis(10));
    }
}
