//! The shared tier: results in Redis, so replicas (and successive `orca` processes) share them.
//!
//! Key: `{key_prefix}{source}:{fnv1a64 of the canonical key}` (see `key.rs`). Value, format
//! version 1: one byte `0x01`, the canonical key's length (u32, big endian) and bytes, then the
//! `QueryOutput` as JSON. A reader checks the version and the canonical key, so an old format or
//! a hash collision reads as a miss, never as another query's rows. The TTL is set in Redis
//! (`SET .. PX`); a hit is copied into the memory tier for what is left of it (`PTTL`).
//!
//! Redis is an optimization, never a dependency: every operation is bounded
//! (`redis_timeout_ms`, `redis_connect_timeout_ms` for the first connection); a failure or a
//! timeout marks the tier degraded and skips it for a backoff (1 s doubling to 30 s) so a dead
//! server costs nothing and sees no reconnect storm; the first success after that clears it.
//! Invariant: no method here returns an error; the worst case is "degraded, go to the source".

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use orca_core::QueryOutput;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use serde::Serialize;
use tokio::sync::OnceCell;
use tokio::time::Instant;

use super::config::CacheConfig;
use super::key::CacheKey;

/// The value format version this build writes and reads.
pub const FORMAT_VERSION: u8 = 2;
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Health of the shared tier, for stats and the ask report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SharedHealth {
    /// The server, without credentials.
    pub url: String,
    /// The last operation failed or timed out, or the tier is skipped after a failure.
    pub degraded: bool,
    /// Failed or timed-out operations since start.
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

struct Health {
    down_until: Option<Instant>,
    backoff: Duration,
    errors: u64,
    last_error: Option<String>,
    degraded: bool,
}

pub(crate) struct SharedTier {
    client: redis::Client,
    url: String,
    prefix: String,
    ttl: Duration,
    op_timeout: Duration,
    connect_timeout: Duration,
    connection: OnceCell<ConnectionManager>,
    connected_once: AtomicBool,
    health: Mutex<Health>,
}

impl SharedTier {
    /// Parses the URL; connects lazily, on the first operation.
    pub(crate) fn new(config: &CacheConfig) -> Result<SharedTier, String> {
        let url = config.url.clone().unwrap_or_default();
        let client = redis::Client::open(url.as_str())
            .map_err(|e| format!("`{}` is not a Redis URL ({e})", redact(&url)))?;
        Ok(SharedTier {
            client,
            url: redact(&url),
            prefix: config.key_prefix.clone(),
            ttl: config.ttl(),
            op_timeout: Duration::from_millis(config.redis_timeout_ms),
            connect_timeout: Duration::from_millis(config.redis_connect_timeout_ms),
            connection: OnceCell::new(),
            connected_once: AtomicBool::new(false),
            health: Mutex::new(Health {
                down_until: None,
                backoff: FIRST_BACKOFF,
                errors: 0,
                last_error: None,
                degraded: false,
            }),
        })
    }

    pub(crate) fn health(&self) -> SharedHealth {
        let h = lock(&self.health);
        SharedHealth {
            url: self.url.clone(),
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

    /// Runs one bounded operation; `None` on failure, timeout or while skipped.
    async fn call<T, F, Fut>(&self, op: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        if !self.may_try() {
            return None;
        }
        let first = !self.connected_once.load(Ordering::Relaxed);
        let bound = if first {
            self.connect_timeout + self.op_timeout
        } else {
            self.op_timeout
        };
        let work = async {
            let conn = self
                .connection
                .get_or_try_init(|| async {
                    let config = ConnectionManagerConfig::new()
                        .set_connection_timeout(Some(self.connect_timeout))
                        .set_response_timeout(Some(self.op_timeout))
                        .set_number_of_retries(1)
                        .set_min_delay(Duration::from_millis(100))
                        .set_max_delay(FIRST_BACKOFF);
                    ConnectionManager::new_lazy_with_config(self.client.clone(), config)
                })
                .await?
                .clone();
            op(conn).await
        };
        match tokio::time::timeout(bound, work).await {
            Ok(Ok(value)) => {
                self.succeeded();
                Some(value)
            }
            Ok(Err(e)) => {
                self.failed(e.to_string());
                None
            }
            Err(_) => {
                self.failed(format!("no answer within {} ms", bound.as_millis()));
                None
            }
        }
    }

    fn may_try(&self) -> bool {
        let h = lock(&self.health);
        h.down_until.is_none_or(|until| Instant::now() >= until)
    }

    fn succeeded(&self) {
        self.connected_once.store(true, Ordering::Relaxed);
        let mut h = lock(&self.health);
        if h.degraded {
            tracing::info!(url = %self.url, "shared cache recovered");
        }
        h.degraded = false;
        h.down_until = None;
        h.backoff = FIRST_BACKOFF;
    }

    fn failed(&self, error: String) {
        let mut h = lock(&self.health);
        if !h.degraded {
            tracing::warn!(url = %self.url, %error, retry_in_ms = h.backoff.as_millis() as u64, "shared cache degraded: answering from the sources");
        }
        h.errors += 1;
        h.degraded = true;
        h.last_error = Some(error);
        h.down_until = Some(Instant::now() + h.backoff);
        h.backoff = (h.backoff * 2).min(MAX_BACKOFF);
    }
}

/// Version 1: `0x01 | u32 BE key length | canonical key | JSON output`.
pub fn encode(canonical: &str, output: &QueryOutput) -> Vec<u8> {
    let json = serde_json::to_vec(output).unwrap_or_default();
    let mut bytes = Vec::with_capacity(5 + canonical.len() + json.len());
    bytes.push(FORMAT_VERSION);
    bytes.extend_from_slice(&(canonical.len() as u32).to_be_bytes());
    bytes.extend_from_slice(canonical.as_bytes());
    bytes.extend_from_slice(&json);
    bytes
}

/// The output in `bytes` if it is version 1 and was stored for exactly `canonical`.
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
