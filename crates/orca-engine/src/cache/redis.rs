//! The shared tier: results in Redis, so replicas (and successive `orca` processes) share them.
//!
//! Key: `{key_prefix}{source}:{fnv1a64 of the canonical key}` (see `key.rs`). Value, format
//! version 2: one byte `0x02`, the canonical key's length (u32, big endian) and bytes, then the
//! `QueryOutput` as JSON. A reader checks the version and the canonical key, so an old format or
//! a hash collision reads as a miss, never as another query's rows. The TTL is set in Redis
//! (`SET .. PX`); a hit is copied into the memory tier for what is left of it (`PTTL`).
//!
//! Redis is an optimization, never a dependency. The policy (issue 14.11):
//!
//! - **Every operation an ask makes is bounded by `redis_timeout_ms`** (default 50 ms) in total,
//!   connecting included when there is no connection yet. A cold process (`orca ask`) whose
//!   Redis is unreachable or silent pays at most one such timeout, then answers from memory and
//!   the sources, marked degraded. Concurrent operations share one connection attempt (the
//!   others wait for it within their own bound), and a failed attempt is not retried inside the
//!   operation, so there is never a second connect on the ask's path.
//! - **A failure or a timeout marks the tier degraded.** From then on operations skip Redis at
//!   once (no cost, no error counted) while one background probe per process tries every
//!   [`PROBE_INTERVAL`] (500 ms): a new connection if the last one failed, bounded by
//!   `redis_connect_timeout_ms` (off the ask path, so a slow handshake can still succeed), then
//!   `PING`, bounded by `redis_timeout_ms`.
//! - **The first probe (or operation) that succeeds clears degraded**: a server stops saying
//!   `degraded` within about one interval of Redis coming back, with or without traffic. A dead
//!   Redis sees one connection attempt per process per interval, never a reconnect storm.
//!   Failed probes update `last_error`, not `errors` (which counts the asks' operations).
//! - A connection whose operation failed with an I/O error or timed out is dropped; the probe
//!   opens the next one.
//!
//! Invariant: no method here returns an error; the worst case is "degraded, go to the source".

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use orca_core::QueryOutput;
use redis::AsyncConnectionConfig;
use redis::aio::MultiplexedConnection;
use serde::Serialize;
use tokio::time::Instant;

use super::config::CacheConfig;
use super::key::CacheKey;

/// The value format version this build writes and reads.
pub const FORMAT_VERSION: u8 = 2;
/// How often the background probe tries a degraded Redis.
pub const PROBE_INTERVAL: Duration = Duration::from_millis(500);

/// Health of the shared tier, for stats and the ask report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SharedHealth {
    /// The server, without credentials.
    pub url: String,
    /// An operation failed or timed out and no probe has succeeded since: Redis is skipped.
    pub degraded: bool,
    /// Failed or timed-out operations of asks since start (background probes not counted).
    pub errors: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

/// What a shared-tier lookup found.
pub(crate) enum SharedGet {
    /// A fresh output, with what is left of its TTL.
    Hit(Arc<QueryOutput>, Option<Duration>),
    Miss,
    /// Redis failed, timed out, or is being skipped after a failure.
    Degraded,
}

pub(crate) struct SharedTier {
    link: Arc<Link>,
    prefix: String,
    ttl: Duration,
}

/// The connection and its health, shared with the background probe (which holds it weakly, so
/// dropping the cache ends the probe).
struct Link {
    client: redis::Client,
    url: String,
    op_timeout: Duration,
    connect_timeout: Duration,
    /// The connection in use and its generation (a failure drops only the one it used).
    connection: Mutex<Option<(u64, MultiplexedConnection)>>,
    generations: AtomicU64,
    /// Held while connecting: concurrent operations share one connection attempt.
    connecting: tokio::sync::Mutex<()>,
    health: Mutex<Health>,
}

struct Health {
    degraded: bool,
    /// A probe task is alive (at most one per process).
    probing: bool,
    errors: u64,
    last_error: Option<String>,
}

/// Why an operation gave no value.
enum Failure {
    /// Redis is degraded: skipped, nothing to record.
    Skipped,
    /// Connecting failed; already recorded.
    Recorded,
    /// The command failed on connection `generation`.
    Command(u64, redis::RedisError),
}

/// Who is connecting: an ask's operation (bounded by its own deadline, records its failure) or
/// the probe.
#[derive(Clone, Copy, PartialEq)]
enum Caller {
    Ask,
    Probe,
}

impl SharedTier {
    /// Parses the URL; connects lazily, on the first operation.
    pub(crate) fn new(config: &CacheConfig) -> Result<SharedTier, String> {
        let url = config.url.clone().unwrap_or_default();
        let client = redis::Client::open(url.as_str())
            .map_err(|e| format!("`{}` is not a Redis URL ({e})", redact(&url)))?;
        Ok(SharedTier {
            link: Arc::new(Link {
                client,
                url: redact(&url),
                op_timeout: Duration::from_millis(config.redis_timeout_ms),
                connect_timeout: Duration::from_millis(config.redis_connect_timeout_ms),
                connection: Mutex::new(None),
                generations: AtomicU64::new(0),
                connecting: tokio::sync::Mutex::new(()),
                health: Mutex::new(Health {
                    degraded: false,
                    probing: false,
                    errors: 0,
                    last_error: None,
                }),
            }),
            prefix: config.key_prefix.clone(),
            ttl: config.ttl(),
        })
    }

    pub(crate) fn health(&self) -> SharedHealth {
        let h = lock(&self.link.health);
        SharedHealth {
            url: self.link.url.clone(),
            degraded: h.degraded,
            errors: h.errors,
            last_error: h.last_error.clone(),
        }
    }

    /// Looks `key` up (one round trip: GET and PTTL pipelined).
    pub(crate) async fn get(&self, key: &CacheKey) -> SharedGet {
        let canonical = key.canonical();
        let name = key.shared_name(&self.prefix, &canonical);
        let result = self
            .call(|mut conn| async move {
                redis::pipe()
                    .get(&name)
                    .cmd("PTTL")
                    .arg(&name)
                    .query_async::<(Option<Vec<u8>>, i64)>(&mut conn)
                    .await
            })
            .await;
        match result {
            None => SharedGet::Degraded,
            Some((None, _)) => SharedGet::Miss,
            Some((Some(bytes), pttl)) => match decode(&bytes, &canonical) {
                Some(output) => {
                    let left = u64::try_from(pttl).ok().map(Duration::from_millis);
                    SharedGet::Hit(Arc::new(output), left)
                }
                None => SharedGet::Miss,
            },
        }
    }

    /// Stores `output` under `key` with the TTL; false when Redis failed (degraded).
    pub(crate) async fn put(&self, key: &CacheKey, output: &QueryOutput) -> bool {
        let canonical = key.canonical();
        let name = key.shared_name(&self.prefix, &canonical);
        let value = encode(&canonical, output);
        let ttl_ms = self.ttl.as_millis().max(1) as u64;
        self.call(|mut conn| async move {
            redis::cmd("SET")
                .arg(&name)
                .arg(value)
                .arg("PX")
                .arg(ttl_ms)
                .query_async::<()>(&mut conn)
                .await
        })
        .await
        .is_some()
    }

    /// Runs one operation of an ask, bounded by `redis_timeout_ms` in total (connecting
    /// included); `None` on failure, timeout or while degraded.
    async fn call<T, F, Fut>(&self, op: F) -> Option<T>
    where
        F: FnOnce(MultiplexedConnection) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let link = &self.link;
        if link.skipping() {
            return None;
        }
        let deadline = Instant::now() + link.op_timeout;
        // The generation of the connection the command went out on (0: none yet).
        let used = AtomicU64::new(0);
        let work = async {
            let (generation, conn) = link.connection(Caller::Ask, deadline).await?;
            used.store(generation, Ordering::Relaxed);
            op(conn).await.map_err(|e| Failure::Command(generation, e))
        };
        match tokio::time::timeout_at(deadline, work).await {
            Ok(Ok(value)) => {
                link.succeeded();
                Some(value)
            }
            Ok(Err(Failure::Skipped | Failure::Recorded)) => None,
            Ok(Err(Failure::Command(generation, e))) => {
                if e.is_io_error() || e.is_unrecoverable_error() || e.is_timeout() {
                    link.drop_connection(generation);
                }
                link.failed(e.to_string());
                None
            }
            Err(_) => {
                link.drop_connection(used.load(Ordering::Relaxed));
                link.failed(format!(
                    "no answer within {} ms",
                    link.op_timeout.as_millis()
                ));
                None
            }
        }
    }
}

impl Link {
    /// True while degraded: the operation skips Redis. Makes sure a probe is running (one lost
    /// with the runtime that ran it is started again).
    fn skipping(self: &Arc<Self>) -> bool {
        let mut h = lock(&self.health);
        if !h.degraded {
            return false;
        }
        if !h.probing {
            self.start_probe(&mut h);
        }
        true
    }

    /// The connection in use, or a new one made before `deadline`. An ask's failed attempt is
    /// recorded while the attempt's lock is held, so operations waiting for it skip Redis
    /// instead of connecting again.
    async fn connection(
        self: &Arc<Self>,
        caller: Caller,
        deadline: Instant,
    ) -> Result<(u64, MultiplexedConnection), Failure> {
        if let Some(current) = self.current() {
            return Ok(current);
        }
        let _attempt = self.connecting.lock().await;
        if let Some(current) = self.current() {
            return Ok(current);
        }
        if caller == Caller::Ask && lock(&self.health).degraded {
            return Err(Failure::Skipped);
        }
        let bound = deadline.saturating_duration_since(Instant::now());
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(bound))
            .set_response_timeout(Some(self.op_timeout));
        let connect = self
            .client
            .get_multiplexed_async_connection_with_config(&config);
        let error = match tokio::time::timeout_at(deadline, connect).await {
            Ok(Ok(conn)) => {
                let generation = self.generations.fetch_add(1, Ordering::Relaxed) + 1;
                *lock(&self.connection) = Some((generation, conn.clone()));
                return Ok((generation, conn));
            }
            Ok(Err(e)) => e.to_string(),
            Err(_) => format!("no connection within {} ms", bound.as_millis()),
        };
        match caller {
            Caller::Ask => self.failed(error),
            Caller::Probe => lock(&self.health).last_error = Some(error),
        }
        Err(Failure::Recorded)
    }

    fn current(&self) -> Option<(u64, MultiplexedConnection)> {
        lock(&self.connection).clone()
    }

    /// Forgets connection `generation` (not a newer one another operation made).
    fn drop_connection(&self, generation: u64) {
        let mut slot = lock(&self.connection);
        if slot.as_ref().is_some_and(|(g, _)| *g == generation) {
            *slot = None;
        }
    }

    fn succeeded(&self) {
        let mut h = lock(&self.health);
        if h.degraded {
            tracing::info!(url = %self.url, "shared cache recovered");
        }
        h.degraded = false;
    }

    fn failed(self: &Arc<Self>, error: String) {
        let mut h = lock(&self.health);
        if !h.degraded {
            tracing::warn!(url = %self.url, %error, probe_every_ms = PROBE_INTERVAL.as_millis() as u64, "shared cache degraded: answering from the sources");
        }
        h.errors += 1;
        h.degraded = true;
        h.last_error = Some(error);
        if !h.probing {
            self.start_probe(&mut h);
        }
    }

    /// Spawns the probe on the current runtime (none outside one: the next operation retries).
    fn start_probe(self: &Arc<Self>, h: &mut Health) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        h.probing = true;
        let mut guard = ProbeGuard {
            link: Arc::downgrade(self),
            armed: true,
        };
        runtime.spawn(async move {
            loop {
                tokio::time::sleep(PROBE_INTERVAL).await;
                let Some(link) = guard.link.upgrade() else {
                    return;
                };
                if link.probe().await {
                    guard.disarm();
                    return;
                }
            }
        });
    }

    /// One probe: connect if needed, then `PING`. On success clears degraded and ends probing
    /// (under one lock, so a failure right after starts a new probe).
    async fn probe(self: &Arc<Self>) -> bool {
        let deadline = Instant::now() + self.connect_timeout;
        let Ok((generation, mut conn)) = self.connection(Caller::Probe, deadline).await else {
            return false;
        };
        let ping_cmd = redis::cmd("PING");
        let ping = ping_cmd.query_async::<String>(&mut conn);
        let error = match tokio::time::timeout(self.op_timeout, ping).await {
            Ok(Ok(_)) => {
                let mut h = lock(&self.health);
                if h.degraded {
                    tracing::info!(url = %self.url, "shared cache recovered");
                }
                h.degraded = false;
                h.probing = false;
                return true;
            }
            Ok(Err(e)) => e.to_string(),
            Err(_) => format!("no answer within {} ms", self.op_timeout.as_millis()),
        };
        self.drop_connection(generation);
        lock(&self.health).last_error = Some(error);
        false
    }
}

/// Marks the probe gone if its task ends without a success (cache dropped, runtime shut down),
/// so the next operation starts another.
struct ProbeGuard {
    link: Weak<Link>,
    armed: bool,
}

impl ProbeGuard {
    /// The probe succeeded (and already marked itself gone).
    fn disarm(&mut self) {
        self.armed = false;
    }
}

impl Drop for ProbeGuard {
    fn drop(&mut self) {
        if self.armed
            && let Some(link) = self.link.upgrade()
        {
            lock(&link.health).probing = false;
        }
    }
}

/// `FORMAT_VERSION | u32 BE key length | canonical key | JSON output`.
pub fn encode(canonical: &str, output: &QueryOutput) -> Vec<u8> {
    let json = serde_json::to_vec(output).unwrap_or_default();
    let mut bytes = Vec::with_capacity(5 + canonical.len() + json.len());
    bytes.push(FORMAT_VERSION);
    bytes.extend_from_slice(&(canonical.len() as u32).to_be_bytes());
    bytes.extend_from_slice(canonical.as_bytes());
    bytes.extend_from_slice(&json);
    bytes
}

/// The output in `bytes` if it is `FORMAT_VERSION` and was stored for exactly `canonical`.
pub fn decode(bytes: &[u8], canonical: &str) -> Option<QueryOutput> {
    let (&version, rest) = bytes.split_first()?;
    if version != FORMAT_VERSION || rest.len() < 4 {
        return None;
    }
    let (len, rest) = rest.split_at(4);
    let len = u32::from_be_bytes(len.try_into().ok()?) as usize;
    if rest.len() < len || &rest[..len] != canonical.as_bytes() {
        return None;
    }
    serde_json::from_slice(&rest[len..]).ok()
}

/// `redis://user:secret@host:6379/0` -> `redis://***@host:6379/0`.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_round_trip_and_check_version_and_key() {
        let output = QueryOutput {
            summary: json!({"total": 3}).as_object().cloned().unwrap(),
            rows: vec![json!({"id": "1"})],
            ids: vec!["1".into()],
            queries: 1,
            shaped: Default::default(),
        };
        let bytes = encode("{\"k\":1}", &output);
        assert_eq!(bytes[0], FORMAT_VERSION);
        assert_eq!(decode(&bytes, "{\"k\":1}"), Some(output));
        assert_eq!(decode(&bytes, "{\"k\":2}"), None, "another key's value");
        let mut old = bytes.clone();
        old[0] = 0;
        assert_eq!(decode(&old, "{\"k\":1}"), None, "another format version");
        assert_eq!(decode(&[], "x"), None);
        assert_eq!(decode(&[1, 0, 0], "x"), None);
    }

    #[test]
    fn urls_lose_their_credentials() {
        assert_eq!(redact("redis://u:pw@h:6379/0"), "redis://***@h:6379/0");
        assert_eq!(redact("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
    }
}
