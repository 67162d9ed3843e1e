//! The result cache in front of every source: a normalized-query key, an in-process tier, an
//! optional shared tier on Redis, request coalescing, and hit/miss counts.
//!
//! Where it sits (see `execute/mod.rs`): `cache -> breaker -> bulkhead -> retry`. The runner
//! looks the memory tier up synchronously before anything else (a hit is a section at once,
//! never touching the source, even one whose circuit is open); on a miss the task joins the
//! key's flight (`coalesce.rs`): one leader checks the shared tier, then goes through the
//! breaker to the source and stores an ok output; followers wait for the leader's result.
//!
//! Counting, decided here: every lookup counts exactly once, per source and in total, when its
//! task ends. A **hit** is a lookup answered with a result without this task calling the source:
//! from memory, from Redis, or by following an identical query in flight (also counted as
//! `coalesced`). Anything else is a **miss** (the task called the source, or it failed, or it was
//! cut short). So misses are the source calls the cache could not save. Errors and timeouts are
//! never stored. A bypassed lookup (`RunOptions::no_cache`) counts as neither.
//!
//! A cached section says `cached: true` and `attempts: 0` (no attempt was made for this ask).
//! Invariant: the cache never makes an ask fail: a broken shared tier only makes it "degraded".

pub mod coalesce;
pub mod config;
pub mod key;
mod memory;
#[cfg(feature = "redis")]
pub mod redis;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use orca_core::{Query, QueryOutput, SectionStatus, SourceKey};
use serde::Serialize;

pub use self::coalesce::Flights;
pub use self::config::{Backend, CacheConfig};
pub use self::key::CacheKey;
use self::memory::MemoryTier;
use crate::config::ConfigError;

/// What a coalesced flight hands its followers.
#[derive(Debug, Clone)]
pub(crate) enum Flown {
    Output(Arc<QueryOutput>),
    Failed {
        status: SectionStatus,
        reason: String,
    },
}

/// What the shared tier said.
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
pub(crate) enum SharedLookup {
    Hit(Arc<QueryOutput>),
    Miss,
    Degraded,
}

/// The result cache. Cheap to clone (an `Arc` inside); one per engine.
#[derive(Clone)]
pub struct Cache {
    inner: Arc<Inner>,
}

struct Inner {
    config: CacheConfig,
    memory: MemoryTier,
    #[cfg(feature = "redis")]
    shared: Option<self::redis::SharedTier>,
    flights: Flights<CacheKey, Flown>,
    counters: Counters,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("backend", &self.backend())
            .field("ttl_secs", &self.inner.config.ttl_secs)
            .finish_non_exhaustive()
    }
}

impl Cache {
    /// Builds the cache a configuration asks for: `None` when it is off (`enabled = false` or
    /// `ttl_secs = 0`). Every problem is listed at once. Connects to Redis lazily.
    pub fn new(config: &CacheConfig) -> Result<Option<Cache>, Vec<ConfigError>> {
        config.validate()?;
        if !config.is_active() {
            return Ok(None);
        }
        #[cfg(feature = "redis")]
        let shared = match config.backend {
            Backend::Memory => None,
            Backend::Redis => Some(self::redis::SharedTier::new(config).map_err(|message| {
                vec![ConfigError {
                    path: "cache.url".to_string(),
                    message: format!("cache.url: {message}"),
                }]
            })?),
        };
        Ok(Some(Cache {
            inner: Arc::new(Inner {
                config: config.clone(),
                memory: MemoryTier::new(config.max_entries, config.ttl()),
                #[cfg(feature = "redis")]
                shared,
                flights: Flights::new(),
                counters: Counters::default(),
            }),
        }))
    }

    pub fn config(&self) -> &CacheConfig {
        &self.inner.config
    }

    pub fn backend(&self) -> Backend {
        self.inner.config.backend
    }

    /// The key of a query under this cache's time granularity.
    pub fn key(&self, query: &Query) -> CacheKey {
        CacheKey::of(query, self.inner.config.time_granularity_secs)
    }

    /// The memory tier only (synchronous; what the runner checks first).
    pub fn get_local(&self, key: &CacheKey) -> Option<Arc<QueryOutput>> {
        self.inner.memory.get(key)
    }

    /// The shared tier; a hit is copied into memory for what is left of its TTL.
    pub(crate) async fn get_shared(&self, key: &CacheKey) -> SharedLookup {
        #[cfg(feature = "redis")]
        if let Some(shared) = &self.inner.shared {
            return match shared.get(key).await {
                self::redis::SharedGet::Hit(output, left) => {
                    self.inner
                        .memory
                        .put(key.clone(), Arc::clone(&output), left);
                    SharedLookup::Hit(output)
                }
                self::redis::SharedGet::Miss => SharedLookup::Miss,
                self::redis::SharedGet::Degraded => SharedLookup::Degraded,
            };
        }
        let _ = key;
        SharedLookup::Miss
    }

    /// Stores an ok output in every tier; false when the shared tier failed (degraded).
    pub(crate) async fn put(&self, key: &CacheKey, output: Arc<QueryOutput>) -> bool {
        self.inner
            .memory
            .put(key.clone(), Arc::clone(&output), None);
        #[cfg(feature = "redis")]
        if let Some(shared) = &self.inner.shared {
            return shared.put(key, &output).await;
        }
        true
    }

    pub(crate) fn flights(&self) -> &Flights<CacheKey, Flown> {
        &self.inner.flights
    }

    /// Counts one lookup (the runner calls this exactly once per lookup).
    pub(crate) fn record(&self, source: SourceKey, hit: Hit) {
        let c = &self.inner.counters;
        let i = source_index(source);
        match hit {
            Hit::Miss => {
                c.misses[i].fetch_add(1, Ordering::Relaxed);
            }
            Hit::Memory | Hit::Shared | Hit::Coalesced => {
                c.hits[i].fetch_add(1, Ordering::Relaxed);
                if hit == Hit::Shared {
                    c.shared_hits.fetch_add(1, Ordering::Relaxed);
                }
                if hit == Hit::Coalesced {
                    c.coalesced.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }

    /// Drops every entry of this process (the shared tier keeps its own until their TTL).
    pub fn clear(&self) {
        self.inner.memory.clear();
    }

    /// Process-wide figures, for `/stats`, the HTTP API and metrics.
    pub fn stats(&self) -> CacheSnapshot {
        let c = &self.inner.counters;
        let mut sources = BTreeMap::new();
        let (mut hits, mut misses) = (0, 0);
        for (i, source) in SourceKey::ALL.into_iter().enumerate() {
            let h = c.hits[i].load(Ordering::Relaxed);
            let m = c.misses[i].load(Ordering::Relaxed);
            hits += h;
            misses += m;
            if h + m > 0 {
                sources.insert(source, SourceCounts::new(h, m));
            }
        }
        #[cfg(feature = "redis")]
        let shared = self.inner.shared.as_ref().map(|s| s.health());
        #[cfg(not(feature = "redis"))]
        let shared: Option<SharedHealth> = None;
        CacheSnapshot {
            backend: self.backend().as_str(),
            ttl_secs: self.inner.config.ttl_secs,
            entries: self.inner.memory.entries(),
            hits,
            misses,
            hit_rate: rate(hits, misses),
            coalesced: c.coalesced.load(Ordering::Relaxed),
            shared_hits: c.shared_hits.load(Ordering::Relaxed),
            degraded: shared.as_ref().is_some_and(|s| s.degraded),
            shared,
            sources,
        }
    }
}

/// How one lookup ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hit {
    Memory,
    Shared,
    Coalesced,
    Miss,
}

#[derive(Default)]
struct Counters {
    hits: [AtomicU64; 5],
    misses: [AtomicU64; 5],
    coalesced: AtomicU64,
    shared_hits: AtomicU64,
}

fn source_index(source: SourceKey) -> usize {
    SourceKey::ALL
        .iter()
        .position(|s| *s == source)
        .unwrap_or(0)
}

fn rate(hits: u64, misses: u64) -> f64 {
    if hits + misses == 0 {
        0.0
    } else {
        hits as f64 / (hits + misses) as f64
    }
}

#[cfg(feature = "redis")]
pub use self::redis::SharedHealth;

/// Without the `redis` feature there is no shared tier, so this is never built.
#[cfg(not(feature = "redis"))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SharedHealth {
    pub degraded: bool,
}

/// Hits and misses of one source.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SourceCounts {
    pub hits: u64,
    pub misses: u64,
    pub hit_rate: f64,
}

impl SourceCounts {
    fn new(hits: u64, misses: u64) -> Self {
        SourceCounts {
            hits,
            misses,
            hit_rate: rate(hits, misses),
        }
    }
}

/// Process-wide cache figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CacheSnapshot {
    /// `memory` or `redis`.
    pub backend: &'static str,
    pub ttl_secs: u64,
    /// Entries in this process's memory tier.
    pub entries: u64,
    pub hits: u64,
    pub misses: u64,
    pub hit_rate: f64,
    /// Hits served by following an identical query in flight.
    pub coalesced: u64,
    /// Hits served by the shared tier (Redis).
    pub shared_hits: u64,
    /// The shared tier is failing or being skipped: answers come from the sources.
    pub degraded: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared: Option<SharedHealth>,
    /// Per source, only those looked up at least once.
    pub sources: BTreeMap<SourceKey, SourceCounts>,
}
