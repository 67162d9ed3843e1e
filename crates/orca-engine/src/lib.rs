//! Runs a `Plan`'s task graph against connectors: fan-out, deadline, retry, breaker, bulkhead.
//!
//! Start at `execute/mod.rs` (the one path every task takes, and the order of its layers); each
//! layer has its own module: `cache` (result cache, coalescing, Redis tier), `breaker`,
//! `bulkhead`, `retry` (+ `backoff`), and `fault` for injected failures.
//! Invariant: knows the `Connector` trait, never a concrete connector; nothing runs past the
//! request deadline; every task ends as a `Section`, never as an `Err`; time is tokio time
//! (`std::time::Instant` is banned in `clippy.toml`).

#![deny(clippy::disallowed_types)]

pub mod backoff;
pub mod breaker;
pub mod bulkhead;
pub mod cache;
pub mod config;
pub mod events;
pub mod execute;
pub mod fault;
pub mod retry;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use backoff::{Backoff, InvalidBackoff, Jitter};
pub use breaker::{Breaker, BreakerSnapshot, BreakerState};
pub use cache::{Backend as CacheBackend, Cache, CacheConfig, CacheKey, CacheSnapshot};
pub use config::{
    BreakerConfig, BreakerOverrides, ConfigError, EngineConfig, RetryConfig, RetryOverrides,
    SourceOverrides,
};
pub use events::{EngineEvent, StopReason};
pub use execute::{CacheUse, Engine, Run, RunOptions, query_for};
pub use fault::{Fault, FaultParseError, FaultSpec, FaultyConnector};
pub use tokio_util::sync::CancellationToken;
