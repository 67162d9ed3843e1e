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
use crate::permissions::Permissions;

/// Why an ask could not even start: always the caller's input (exit 2, HTTP 400, MCP isError).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AskError {
    #[error(transparent)]
    BadRequest(#[from] AnalyzeError),
    /// Nothing to run: the request names only unknown or ambiguous customers, or nothing at all.
    /// The message is the answer sentence that says so.
    #[error("{0}")]
    NothingToAnswer(String),
    /// Everything the request names is outside the caller's permissions (HTTP 403). The message
    /// is the answer sentence that says so.
    #[error("{0}")]
    NotPermitted(String),
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
    /// What the caller may see; `None` means everything (the CLI). See `permissions.rs`.
    pub permissions: Option<Arc<Permissions>>,
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
    pub fn new(mut config: Config, registry: Registry, store: Store, engine: Engine) -> Orca {
        // Teach the analyzer the product areas the data names ("DLP cases"); a store that
        // cannot list them keeps the configured ones.
        match store.product_areas() {
            Ok(areas) => config
                .analyzer
                .add_product_areas(areas.iter().map(String::as_str)),
            Err(e) => {
                tracing::warn!(error = %e, "cannot list product areas; using the configured ones")
            }
        }
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

    /// Resolution candidates the caller may see.
    pub fn resolve_permitted(&self, name: &str, permissions: &Permissions) -> Vec<Candidate> {
        let mut candidates = self.registry().resolve(name);
        candidates.retain(|c| permissions.permits(&c.tenant_id, c.segment.as_deref()));
        candidates
    }

    /// Plans a request and restricts the plan to what the caller may see; nothing runs.
    pub fn plan_permitted(
        &self,
        request: &str,
        now: Option<DateTime<Utc>>,
        permissions: Option<&Permissions>,
    ) -> Result<Plan, AnalyzeError> {
        let registry = self.registry();
        let plan = orca_core::analyze(
            request,
            &registry,
            &self.inner.config.analyzer,
            now.unwrap_or_else(Utc::now),
        )?;
        Ok(match permissions {
            Some(p) => p.restrict(plan, &registry),
            None => plan,
        })
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
        let plan = self.plan_permitted(request, options.now, options.permissions.as_deref())?;
        let analysis_us = started.elapsed().as_secs_f64() * 1e6;
        runnable(&plan)?;
        self.ask_plan(plan, started, analysis_us, options).await
    }

    /// Runs and reports a plan made already (e.g. `chat` merging a follow-up into the previous
    /// request); `started` and `analysis_us` say when and how long its analysis took.
    pub async fn ask_plan(
        &self,
        plan: Plan,
        started: Instant,
        analysis_us: f64,
        options: AskOptions,
    ) -> Result<Report, AskError> {
        let run_options = RunOptions {
            events: options.events,
            cancel: options.cancel,
            no_cache: options.no_cache,
            ..RunOptions::default()
        };
        if plan.intent == orca_core::shape::Intent::Investigate {
            return Ok(self
                .investigate(plan, started, analysis_us, run_options, options.no_cache)
                .await);
        }
        let run = self.inner.engine.run(&plan, &run_options).await;
        let mut sections = run.sections;
        orca_core::answer::apply_changes(&plan, &mut sections);
        let answer = orca_core::answer::compose(&plan, &sections);
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
        let cache = cache_stats(&run.cache, options.no_cache);
        Ok(Report::new(plan, answer, sections, timings, cache))
    }
}

impl Orca {
    /// Runs an investigation (`orca_core::investigate`): step 1 (the change, by product area),
    /// then step 2 built from its output (incidents, work items and known issues of the driving
    /// area), and reports the findings with their evidence. Sections keep the plan's task ids and
    /// their times from the start of the ask, so `--explain` shows the chain.
    async fn investigate(
        &self,
        plan: Plan,
        started: Instant,
        analysis_us: f64,
        run_options: RunOptions,
        no_cache: bool,
    ) -> Report {
        use orca_core::investigate;
        let offset = |t: Instant| t.duration_since(started).as_secs_f64() * 1e3;
        let first_plan = investigate::first_step(&plan);
        let first_started = Instant::now();
        let first_options = RunOptions {
            events: run_options.events.clone(),
            cancel: run_options.cancel.clone(),
            ..run_options
        };
        let first = self.inner.engine.run(&first_plan, &first_options).await;
        let mut sections = first.sections;
        shift(&mut sections, offset(first_started));
        let driver = investigate::driver(&plan, &sections);
        let mut second_sections = Vec::new();
        let mut sequential_ms = first.sequential_ms;
        let mut cache = first.cache;
        if let Some(driver) = &driver {
            let second_plan = investigate::second_step(&plan, driver);
            let second_started = Instant::now();
            let second = self.inner.engine.run(&second_plan, &first_options).await;
            second_sections = second.sections;
            shift(&mut second_sections, offset(second_started));
            sequential_ms += second.sequential_ms;
            cache.hits += second.cache.hits;
            cache.misses += second.cache.misses;
            cache.coalesced += second.cache.coalesced;
            cache.degraded |= second.cache.degraded;
        }
        let findings = investigate::findings(&plan, &sections, driver.as_ref(), &second_sections);
        sections.extend(second_sections);
        let mut answer: Vec<String> = findings.iter().map(|f| format!("{}.", f.text)).collect();
        if !plan.not_understood.is_empty()
            && let Some(first_line) = answer.first_mut()
        {
            first_line.pop();
            first_line.push_str(&format!(
                " (not understood: {}).",
                orca_core::describe::not_understood(&plan)
            ));
        }
        answer.push(format!("Read as: {}.", plan.interpretation));
        let total_ms = started.elapsed().as_secs_f64() * 1e3;
        let timings = Timings {
            total_ms,
            analysis_us,
            sequential_ms,
            speedup: if total_ms > 0.0 {
                sequential_ms / total_ms
            } else {
                1.0
            },
        };
        let mut report = Report::new(
            plan,
            answer.join("\n"),
            sections,
            timings,
            cache_stats(&cache, no_cache),
        );
        report.findings = findings;
        report
    }
}

/// Moves a step's section times to the start of the ask.
fn shift(sections: &mut [orca_core::Section], by_ms: f64) {
    for s in sections {
        s.started_ms += by_ms;
        s.ended_ms += by_ms;
    }
}

/// A plan without tasks has nothing to run: the error carries the answer sentence that says why
/// (everything named is outside the permissions, or nothing could be resolved).
pub fn runnable(plan: &Plan) -> Result<(), AskError> {
    if !plan.tasks.is_empty() {
        return Ok(());
    }
    let answer = orca_core::answer::compose(plan, &[]).replace('\n', " ");
    if plan.not_permitted.is_empty() {
        Err(AskError::NothingToAnswer(answer))
    } else {
        Err(AskError::NotPermitted(answer))
    }
}

/// The report's `cache` object from the run's own lookups.
fn cache_stats(used: &orca_engine::CacheUse, no_cache: bool) -> CacheStats {
    let backend = match used.backend {
        Some(backend) => backend.as_str(),
        None if no_cache => "bypassed",
        None => "off",
    };
    CacheStats {
        backend: backend.to_string(),
        coalesced: used.coalesced,
        degraded: used.degraded,
        ..CacheStats::new(used.hits, used.misses)
    }
}
