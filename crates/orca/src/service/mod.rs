//! The `Orca` service: one registry, one store, one engine, shared by every front end (the CLI's
//! `ask`, `chat`, the HTTP API and the MCP server), so they all answer the same way.
//!
//! Every ask is recorded once, here, whichever front end made it ([`activity`]: the figures of
//! `/v1/stats`, the Prometheus ask metrics and the MCP `stats` tool): front ends never record asks
//! themselves.
//!
//! Invariant: a request sees one registry from start to end (it takes an `Arc` snapshot), and a
//! malformed request or one naming only unknown customers is rejected before anything runs.

pub mod activity;
pub mod monitor;

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
use activity::Activity;

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
    /// Who asks (a token's name), for the activity record: a request's text is shown only to the
    /// caller that asked it. `None` is the local user ([`LOCAL_CALLER`]).
    pub caller: Option<Arc<str>>,
}

/// The caller of asks made without one: the local user of the CLI, `chat` or `orca mcp`.
pub const LOCAL_CALLER: &str = "local";

impl AskOptions {
    fn caller(&self) -> Arc<str> {
        self.caller
            .clone()
            .unwrap_or_else(|| Arc::from(LOCAL_CALLER))
    }
}

/// A request planned for its caller with something to run (see [`Orca::plan_to_run`]).
#[derive(Debug, Clone)]
pub struct Planned {
    pub plan: Plan,
    /// When the ask started (before its analysis).
    pub started: Instant,
    /// How long the analysis took, in microseconds.
    pub analysis_us: f64,
}

/// The shared service. Cheap to clone.
#[derive(Clone)]
pub struct Orca {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    registry: RwLock<Arc<Registry>>,
    engine: Engine,
    activity: Activity,
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
                engine,
                activity: Activity::new(),
            }),
        }
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// Every ask this service answered or refused, and its metrics.
    pub fn activity(&self) -> &Activity {
        &self.inner.activity
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

    /// Plans, runs and reports one request; answered or refused, the ask is recorded.
    pub async fn ask(&self, request: &str, options: AskOptions) -> Result<Report, AskError> {
        let planned = self.plan_to_run(request, &options)?;
        Ok(self.run(planned, options).await)
    }

    /// Plans a request for the caller of `options` and checks that it has something to run; a
    /// refusal is recorded as the ask's outcome. Run the result with [`Orca::run`] (a front end
    /// that shows the plan first, such as the event stream, takes these two steps itself).
    pub fn plan_to_run(&self, request: &str, options: &AskOptions) -> Result<Planned, AskError> {
        let started = Instant::now();
        let planned = self
            .plan_permitted(request, options.now, options.permissions.as_deref())
            .map_err(AskError::from)
            .and_then(|plan| {
                runnable(&plan)?;
                Ok(plan)
            });
        match planned {
            Ok(plan) => Ok(Planned {
                plan,
                started,
                analysis_us: started.elapsed().as_secs_f64() * 1e6,
            }),
            Err(e) => {
                let ms = started.elapsed().as_secs_f64() * 1e3;
                self.inner
                    .activity
                    .refused(&options.caller(), request, &e, ms);
                Err(e)
            }
        }
    }

    /// Runs and reports a planned request, and records it (answered, or cancelled when
    /// `options.cancel` fired before every section finished).
    pub async fn run(&self, planned: Planned, options: AskOptions) -> Report {
        let caller = options.caller();
        let cancel = options.cancel.clone();
        let report = self.run_plan(planned, options).await;
        self.inner
            .activity
            .answered(&caller, &report, cancel.is_cancelled());
        report
    }

    /// Runs and reports a plan made already (e.g. `chat` merging a follow-up into the previous
    /// request); `started` and `analysis_us` say when and how long its analysis took. Recorded as
    /// [`Orca::run`] records.
    pub async fn ask_plan(
        &self,
        plan: Plan,
        started: Instant,
        analysis_us: f64,
        options: AskOptions,
    ) -> Result<Report, AskError> {
        let planned = Planned {
            plan,
            started,
            analysis_us,
        };
        Ok(self.run(planned, options).await)
    }

    async fn run_plan(&self, planned: Planned, options: AskOptions) -> Report {
        let Planned {
            plan,
            started,
            analysis_us,
        } = planned;
        let run_options = RunOptions {
            events: options.events,
            cancel: options.cancel,
            no_cache: options.no_cache,
            ..RunOptions::default()
        };
        if plan.intent == orca_core::shape::Intent::Investigate {
            return self
                .investigate(plan, started, analysis_us, run_options, options.no_cache)
                .await;
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
        Report::new(plan, answer, sections, timings, cache)
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
        // One deadline for the whole ask: the second step gets what the first left.
        let deadline_at = tokio::time::Instant::from_std(started) + self.inner.engine.deadline();
        let first_options = RunOptions {
            events: run_options.events.clone(),
            cancel: run_options.cancel.clone(),
            deadline_at: Some(deadline_at),
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
