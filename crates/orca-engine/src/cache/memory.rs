//! The in-process tier: a moka cache of query outputs, bounded in entries, with a TTL.
//!
//! moka evicts by its own clock; freshness is also checked here against tokio time (each entry
//! carries its expiry), so paused-clock tests can step past the TTL exactly. Lookups are
//! synchronous (moka's `sync` cache), so a hit is served on the runner without spawning a task.
//! Invariant: an entry is never returned after its expiry.

use std::sync::Arc;
use std::time::Duration;

use orca_core::QueryOutput;
use tokio::time::Instant;

use super::key::CacheKey;

#[derive(Clone)]
struct Entry {
    output: Arc<QueryOutput>,
    expires: Instant,
}

pub(crate) struct MemoryTier {
    cache: moka::sync::Cache<CacheKey, Entry>,
    ttl: Duration,
}

impl MemoryTier {
    pub(crate) fn new(max_entries: u64, ttl: Duration) -> MemoryTier {
        MemoryTier {
            cache: moka::sync::Cache::builder()
                .max_capacity(max_entries)
                .time_to_live(ttl)
                .build(),
            ttl,
        }
    }

    /// A fresh output for `key`.
    pub(crate) fn get(&self, key: &CacheKey) -> Option<Arc<QueryOutput>> {
        let entry = self.cache.get(key)?;
        if Instant::now() < entry.expires {
            Some(entry.output)
        } else {
            self.cache.invalidate(key);
            None
        }
    }

    /// Keeps `output` for the TTL, or for `ttl` when shorter (what is left of a shared entry's).
    pub(crate) fn put(&self, key: CacheKey, output: Arc<QueryOutput>, ttl: Option<Duration>) {
        let ttl = ttl.map_or(self.ttl, |t| t.min(self.ttl));
        let expires = Instant::now() + ttl;
        self.cache.insert(key, Entry { output, expires });
    }

    pub(crate) fn entries(&self) -> u64 {
        self.cache.run_pending_tasks();
        self.cache.entry_count()
    }

    pub(crate) fn clear(&self) {
        self.cache.invalidate_all();
    }
}
