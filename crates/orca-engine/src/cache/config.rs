//! `CacheConfig`: the `[cache]` table of `orca.toml` as the user wrote it, checked with every
//! problem reported at once.
//!
//! Invariant: a `Cache` is only built from a configuration that validated; `ttl_secs = 0` or
//! `enabled = false` means no cache at all (no lookups, so no hits and no misses).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::ConfigError;

/// Where results are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// This process only (moka).
    Memory,
    /// This process, plus a Redis server shared by every replica (needs `url`).
    Redis,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Memory => "memory",
            Backend::Redis => "redis",
        }
    }
}

/// Result cache settings (`[cache]` in `orca.toml`). Every field has a default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheConfig {
    /// False turns the cache off (as does `ttl_secs = 0`).
    pub enabled: bool,
    /// How long a result stays fresh, in seconds; any positive value, 0 disables the cache.
    pub ttl_secs: u64,
    /// Most results kept in this process (least recently used ones go first).
    pub max_entries: u64,
    /// `memory` or `redis`. `ORCA_REDIS_URL` selects `redis` with that url.
    pub backend: Backend,
    /// Redis URL, e.g. `redis://127.0.0.1:6379` (required with `backend = "redis"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Prefix of every Redis key; bump the version part when the key or value format changes.
    pub key_prefix: String,
    /// Bound of one Redis operation of an ask (ms), connecting included when there is no
    /// connection yet; slower means degraded, never failed.
    pub redis_timeout_ms: u64,
    /// Bound of a connection attempt by the background probe that runs while Redis is degraded
    /// (ms); off the ask path, so a slow handshake can still connect.
    pub redis_connect_timeout_ms: u64,
    /// Relative time ranges are rounded down to this many seconds in cache keys, so "last 30
    /// days" asked twice a minute apart is the same key.
    pub time_granularity_secs: u64,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            enabled: true,
            ttl_secs: 600,
            max_entries: 10_000,
            backend: Backend::Memory,
            url: None,
            key_prefix: "orca:v1:".to_string(),
            redis_timeout_ms: 50,
            redis_connect_timeout_ms: 250,
            time_granularity_secs: 60,
        }
    }
}

impl CacheConfig {
    /// True when results are cached at all.
    pub fn is_active(&self) -> bool {
        self.enabled && self.ttl_secs > 0
    }

    pub fn ttl(&self) -> Duration {
        Duration::from_secs(self.ttl_secs)
    }

    /// Checks the configuration, listing every problem at once (keys named `cache.*`).
    pub fn validate(&self) -> Result<(), Vec<ConfigError>> {
        let mut errors = Vec::new();
        let mut push = |path: &str, message: String| {
            errors.push(ConfigError {
                path: path.to_string(),
                message,
            })
        };
        if self.max_entries == 0 {
            push(
                "cache.max_entries",
                "cache.max_entries must be at least 1".to_string(),
            );
        }
        if !(1..=60_000).contains(&self.redis_timeout_ms) {
            push(
                "cache.redis_timeout_ms",
                format!(
                    "cache.redis_timeout_ms ({}) must be between 1 and 60000",
                    self.redis_timeout_ms
                ),
            );
        }
        if !(1..=60_000).contains(&self.redis_connect_timeout_ms) {
            push(
                "cache.redis_connect_timeout_ms",
                format!(
                    "cache.redis_connect_timeout_ms ({}) must be between 1 and 60000",
                    self.redis_connect_timeout_ms
                ),
            );
        }
        if !(1..=86_400).contains(&self.time_granularity_secs) {
            push(
                "cache.time_granularity_secs",
                format!(
                    "cache.time_granularity_secs ({}) must be between 1 and 86400",
                    self.time_granularity_secs
                ),
            );
        }
        if self.ttl_secs > 30 * 24 * 3600 {
            push(
                "cache.ttl_secs",
                format!("cache.ttl_secs ({}) is longer than 30 days", self.ttl_secs),
            );
        }
        if self.key_prefix.is_empty() || self.key_prefix.chars().any(char::is_whitespace) {
            push(
                "cache.key_prefix",
                "cache.key_prefix must be non-empty and without spaces".to_string(),
            );
        }
        if self.backend == Backend::Redis && self.is_active() {
            match self.url.as_deref() {
                None | Some("") => push(
                    "cache.url",
                    "cache.url is required when cache.backend is \"redis\" (or set ORCA_REDIS_URL)"
                        .to_string(),
                ),
                Some(url) => {
                    if let Err(message) = check_redis_url(url) {
                        push("cache.url", format!("cache.url: {message}"));
                    }
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

#[cfg(feature = "redis")]
fn check_redis_url(url: &str) -> Result<(), String> {
    redis::Client::open(url)
        .map(|_| ())
        .map_err(|e| format!("`{url}` is not a Redis URL ({e})"))
}

#[cfg(not(feature = "redis"))]
fn check_redis_url(_url: &str) -> Result<(), String> {
    Err("this build of orca has no Redis support (cargo feature `redis`)".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_documented_values() {
        let c = CacheConfig::default();
        c.validate().unwrap();
        assert!(c.is_active());
        assert_eq!(c.ttl(), Duration::from_secs(600));
        assert_eq!(c.key_prefix, "orca:v1:");
        assert_eq!(c.redis_timeout_ms, 50);
    }

    #[test]
    fn zero_ttl_disables_and_any_positive_ttl_is_valid() {
        for ttl in [0, 1, 300, 900, 86_400] {
            let c = CacheConfig {
                ttl_secs: ttl,
                ..CacheConfig::default()
            };
            c.validate().unwrap();
            assert_eq!(c.is_active(), ttl > 0);
        }
    }

    #[test]
    fn lists_every_problem_at_once() {
        let c = CacheConfig {
            max_entries: 0,
            redis_timeout_ms: 0,
            time_granularity_secs: 0,
            key_prefix: String::new(),
            backend: Backend::Redis,
            url: None,
            ..CacheConfig::default()
        };
        let paths: Vec<String> = c
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.path)
            .collect();
        assert_eq!(
            paths,
            [
                "cache.max_entries",
                "cache.redis_timeout_ms",
                "cache.time_granularity_secs",
                "cache.key_prefix",
                "cache.url"
            ]
        );
    }

    #[test]
    fn parses_and_rejects_unknown_keys() {
        let c: CacheConfig =
            toml::from_str("ttl_secs = 300\nbackend = \"redis\"\nurl = \"redis://127.0.0.1:6379\"")
                .unwrap();
        assert_eq!(c.ttl_secs, 300);
        assert_eq!(c.backend, Backend::Redis);
        assert_eq!(c.max_entries, 10_000, "unset keys keep their defaults");
        assert!(toml::from_str::<CacheConfig>("ttl = 5").is_err());
        assert!(toml::from_str::<CacheConfig>("backend = \"memcached\"").is_err());
        let again: CacheConfig = toml::from_str(&toml::to_string(&c).unwrap()).unwrap();
        assert_eq!(again, c);
    }
}
