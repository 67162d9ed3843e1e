//! The `Orca` service: one registry, one store, one engine, shared by every front end (the CLI's
//! `ask`, `chat`, the HTTP API and the MCP server), so they all answer the same way.
//!
//! Invariant: a request sees one registry from start to end (it takes an `Arc` snapshot), and a
//! malformed request or one naming only unknown customers is rejected before anything runs.

use std::sync::{Arc, RwLock};
use std::time::Instant;

use chrono::{DateTime, Utc};
use orca_connectors::Store;
use orca_core::registry::Candidate;
use orca_core::{AnalyzeError, CacheStats, Plan, Registry, Report, Timings};
use orca_engine::{Engine, EngineEvent, RunOptions};
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use crate::config::Config;

/// Why an ask could not even start: always the caller's input (exit 2, HTTP 400, MCP isError).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AskError {
    #[error(transparent)]
    BadRequest(#[from] AnalyzeError),
    /// Nothing to run: the request names only unknown or ambiguous customers, or nothing at all.
    /// The message is the answer sentence that says so.
    #[error("{0}")]
    NothingToAnswer(String),
}

/// Per-ask options.
#[derive(Debug, Clone, Default)]
pub struct AskOptions {
    /// The clock for relative time ranges; the real one when absent.
    pub now: Option<DateTime<Utc>>,
    /// Bypass the result cache.
    pub no_cache: bool,
    /// Receives engine events (task started/finished) while the ask runs.
    pub events: Option<UnboundedSender<EngineEvent>>,
    /// Cancels the ask (sections not finished become `skipped`).
    pub cancel: CancellationToken,
}

/// The shared service. Cheap to clone.
#[derive(Clone)]
pub struct Orca {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    registry: RwLock<Arc<Registry>>,
    store: Store,
    engine: Engine,
}

impl Orca {
    /// Builds the service from parts already loaded (see `app::open_service`).
    pub fn new(config: Config, registry: Registry, store: Store, engine: Engine) -> Orca {
        Orca {
            inner: Arc::new(Inner {
                config,
                registry: RwLock::new(Arc::new(registry)),
                store,
                engine,
            }),
        }
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The current registry snapshot (a request keeps the one it started with).
    pub fn registry(&self) -> Arc<Registry> {
        match self.inner.registry.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Swaps in a new registry atomically: requests see the old or the new one, never half.
    pub fn replace_registry(&self, registry: Registry) {
        let registry = Arc::new(registry);
        match self.inner.registry.write() {
            Ok(mut guard) => *guard = registry,
            Err(poisoned) => *poisoned.into_inner() = registry,
        }
    }

    /// Resolution candidates for a customer name.
    pub fn resolve(&self, name: &str) -> Vec<Candidate> {
        self.registry().resolve(name)
    }

    /// Plans a request; nothing runs.
    pub fn plan(&self, request: &str, now: Option<DateTime<Utc>>) -> Result<Plan, AnalyzeError> {
        orca_core::analyze(
            request,
            &self.registry(),
            &self.inner.config.analyzer,
            now.unwrap_or_else(Utc::now),
        )
    }

    /// Plans, runs and reports one request.
    pub async fn ask(&self, request: &str, options: AskOptions) -> Result<Report, AskError> {
        let started = Instant::now();
        let plan = self.plan(request, options.now)?;
        let analysis_us = started.elapsed().as_secs_f64() * 1e6;
        if plan.tasks.is_empty() {
            let answer = orca_core::answer::compose(&plan, &[]);
            return Err(AskError::NothingToAnswer(answer.replace('\n', " ")));
        }
        let run_options = RunOptions {
            events: options.events,
            cancel: options.cancel,
            ..RunOptions::default()
        };
        let run = self.inner.engine.run(&plan, &run_options).await;
        let answer = orca_core::answer::compose(&plan, &run.sections);
        let total_ms = started.elapsed().as_secs_f64() * 1e3;
        let timings = Timings {
            total_ms,
            analysis_us,
            sequential_ms: run.sequential_ms,
            speedup: if total_ms > 0.0 {
                run.sequential_ms / total_ms
            } else {
                1.0
            },
        };
        // No result cache yet: no lookups, so no hits and no misses.
        let cache = CacheStats::default();
        Ok(Report::new(plan, answer, run.sections, timings, cache))
    }
}
