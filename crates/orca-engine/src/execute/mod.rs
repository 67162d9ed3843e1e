//! The task graph runner: `Engine::run` executes a `Plan` and always returns one `Section` per
//! task by the request deadline.
//!
//! Each task goes through the resilience layers in this order, written once here:
//!
//! ```text
//! cache -> breaker -> timeout_at(task budget) { bulkhead -> retry { connector } }
//! ```
//!
//! - **breaker first**: a source known to be down answers instantly (`skipped`), without queueing
//!   for a slot or spending any budget. The breaker sees each task once, after its retries.
//! - **one timeout around everything else**: the task budget is `min(start + task_timeout,
//!   run deadline)` and covers the wait for a slot, every attempt and every backoff wait; so
//!   "per-task timeout 5 s" means what it says, and a hanging source costs 5 s, not 3 x 5 s.
//! - **bulkhead outside retry**: a task holds its source slot across its retries, so a failing
//!   source never has more than `max_concurrency` tasks hammering it.
//! - **retry innermost**: it only sees connector errors and never sleeps past the task budget.
//! - **cache first** (`cache/`): the memory tier is looked up on the runner before anything
//!   else, so a hit is a `cached` section at once and never touches the source, even one whose
//!   circuit is open. A miss spawns the task through the key's flight (coalescing): its leader
//!   checks the shared tier, then asks the breaker itself and runs the layers below; followers
//!   wait for the leader. `query_for` builds the `Query` the key is made from.
//!
//! Structured concurrency: ready tasks are spawned into one `JoinSet`; the runner waits on
//! completions, the caller's `CancellationToken` and the deadline, and when either of the last
//! two fires it aborts the set, so stragglers are dropped (connectors must be cancel-safe) and
//! become `timeout` ("deadline of 10 s reached") or `skipped` ("cancelled") sections.
//! Invariant: all time is tokio time, so paused-clock tests are exact; nothing runs past the
//! deadline; every non-ok section has a reason.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use orca_core::{
    Connector, ContextItem, CustomerRef, ErrorKind, Plan, Query, QueryOutput, Scope, Section,
    SectionStatus, SourceKey, Task,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio::task::{Id, JoinError, JoinSet};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::breaker::{Breaker, BreakerSnapshot, Outcome, Permit};
use crate::bulkhead::Bulkhead;
use crate::cache::coalesce::Join;
use crate::cache::{Backend, Cache, CacheKey, Flown, Hit, SharedLookup};
use crate::config::{ConfigError, EngineConfig, SourcePolicy};
use crate::events::{Emitter, EngineEvent, StopReason};
use crate::fault::apply_faults;
use crate::retry::{GaveUp, RetryNotice, call_with_retry};

/// Runs plans. Cheap to clone and share (an `Arc` inside); breakers live as long as the engine,
/// so they carry over from one run to the next.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    deadline: Duration,
    sources: BTreeMap<SourceKey, Arc<Source>>,
    /// Backoff jitter, seeded from `EngineConfig::seed` when given.
    jitter: Arc<Mutex<ChaCha8Rng>>,
    /// The result cache, when one is configured.
    cache: Option<Cache>,
}

/// Everything the engine keeps about one data source.
struct Source {
    key: SourceKey,
    connector: Option<Arc<dyn Connector>>,
    policy: SourcePolicy,
    breaker: Mutex<Breaker>,
    bulkhead: Bulkhead,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let connectors: BTreeMap<SourceKey, &str> = self
            .inner
            .sources
            .values()
            .filter_map(|s| Some((s.key, s.connector.as_ref()?.name())))
            .collect();
        f.debug_struct("Engine")
            .field("deadline", &self.inner.deadline)
            .field("connectors", &connectors)
            .finish_non_exhaustive()
    }
}

/// Per-run options.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Receives `EngineEvent`s as the run progresses (for `--explain`, streaming, dashboards).
    pub events: Option<tokio::sync::mpsc::UnboundedSender<EngineEvent>>,
    /// Cancelling it ends the run promptly; unfinished tasks become `skipped` ("cancelled").
    pub cancel: CancellationToken,
    /// Maximum rows per section (`Query::limit`); summaries stay exact.
    pub limit: usize,
    /// Bypass the result cache for this run (no lookup, no store, counted neither way).
    pub no_cache: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            events: None,
            cancel: CancellationToken::new(),
            limit: Query::DEFAULT_LIMIT,
            no_cache: false,
        }
    }
}

/// What the result cache did for one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheUse {
    /// The backend looked up; `None` when there is no cache or the run bypassed it.
    pub backend: Option<Backend>,
    /// Lookups answered without calling the source (memory, shared tier, or coalesced).
    pub hits: u64,
    /// Lookups that called the source, or ended without a result.
    pub misses: u64,
    /// Lookups answered by following an identical query in flight (part of `hits`).
    pub coalesced: u64,
    /// A shared-tier operation of this run failed, timed out or was skipped.
    pub degraded: bool,
}

/// The outcome of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// One section per plan task, in plan task order.
    pub sections: Vec<Section>,
    /// Wall time of the run.
    pub wall_ms: f64,
    /// Sum of the sections' `elapsed_ms`: what running the tasks one after another would cost.
    pub sequential_ms: f64,
    /// Source round trips: every attempt, and what successful outputs report (at least one).
    pub queries: u32,
    /// Set when the deadline or the caller ended the run before every task did.
    pub stopped: Option<StopReason>,
    /// Cache lookups of this run, each counted once.
    pub cache: CacheUse,
}

impl Run {
    /// `sequential_ms / wall_ms` (1.0 when nothing measurable ran).
    pub fn speedup(&self) -> f64 {
        if self.wall_ms > 0.0 && self.sequential_ms > 0.0 {
            self.sequential_ms / self.wall_ms
        } else {
            1.0
        }
    }
}

impl Engine {
    /// Builds an engine from its configuration (checked, every problem at once) and the
    /// connectors it may use, one per source (a later connector for the same source replaces an
    /// earlier one). `config.faults` wrap the matching connectors in `FaultyConnector`s.
    pub fn new(
        config: EngineConfig,
        connectors: Vec<Arc<dyn Connector>>,
    ) -> Result<Engine, Vec<ConfigError>> {
        Engine::with_cache(config, connectors, None)
    }

    /// As `new`, with a result cache in front of every source (see `Cache::new`).
    pub fn with_cache(
        config: EngineConfig,
        connectors: Vec<Arc<dyn Connector>>,
        cache: Option<Cache>,
    ) -> Result<Engine, Vec<ConfigError>> {
        let resolved = config.resolve()?;
        let seed = resolved.seed.unwrap_or_else(|| rand::rng().random());
        let connectors = apply_faults(connectors, &resolved.faults, Some(seed));
        let mut by_source: BTreeMap<SourceKey, Arc<dyn Connector>> = BTreeMap::new();
        for connector in connectors {
            if let Some(old) = by_source.insert(connector.source(), connector) {
                tracing::warn!(source = %old.source(), replaced = old.name(), "two connectors for one source; the later one is used");
            }
        }
        let sources = resolved
            .sources
            .into_iter()
            .map(|(key, policy)| {
                let source = Source {
                    key,
                    connector: by_source.remove(&key),
                    breaker: Mutex::new(Breaker::new(policy.breaker)),
                    bulkhead: Bulkhead::new(policy.max_concurrency),
                    policy,
                };
                (key, Arc::new(source))
            })
            .collect();
        Ok(Engine {
            inner: Arc::new(Inner {
                deadline: resolved.deadline,
                sources,
                jitter: Arc::new(Mutex::new(ChaCha8Rng::seed_from_u64(seed))),
                cache,
            }),
        })
    }

    /// The result cache, if any (for stats and `/clear`).
    pub fn cache(&self) -> Option<&Cache> {
        self.inner.cache.as_ref()
    }

    /// The request deadline every run gets.
    pub fn deadline(&self) -> Duration {
        self.inner.deadline
    }

    /// The breaker of every source that has a connector (for health endpoints).
    pub fn breaker_states(&self) -> Vec<(SourceKey, BreakerSnapshot)> {
        let now = Instant::now();
        self.inner
            .sources
            .values()
            .filter(|s| s.connector.is_some())
            .map(|s| (s.key, lock(&s.breaker).snapshot(now)))
            .collect()
    }

    /// Runs the plan's task graph and returns one section per task, by the deadline.
    pub async fn run(&self, plan: &Plan, options: &RunOptions) -> Run {
        let start = Instant::now();
        let deadline = start + self.inner.deadline;
        let emitter = Emitter::new(options.events.clone());
        emitter.emit(|| EngineEvent::RunStarted {
            tasks: plan.tasks.len(),
            deadline_ms: ms(self.inner.deadline),
        });
        let mut runner = Runner {
            engine: &self.inner,
            plan,
            options,
            emitter,
            start,
            deadline,
            slots: plan.tasks.iter().map(|_| Slot::Waiting).collect(),
            index: HashMap::with_capacity(plan.tasks.len()),
            set: JoinSet::new(),
            running: HashMap::new(),
            queries: 0,
            cache_use: CacheUse {
                backend: self
                    .inner
                    .cache
                    .as_ref()
                    .filter(|_| !options.no_cache)
                    .map(Cache::backend),
                ..CacheUse::default()
            },
        };
        for (i, task) in plan.tasks.iter().enumerate() {
            runner.index.entry(task.id.as_str()).or_insert(i);
        }

        runner.schedule();
        let deadline_reached = tokio::time::sleep_until(deadline);
        let cancelled = options.cancel.cancelled();
        tokio::pin!(deadline_reached, cancelled);
        let stopped = loop {
            if options.cancel.is_cancelled() {
                break Some(StopReason::Cancelled);
            }
            if Instant::now() >= deadline && runner.slots.iter().any(Slot::is_pending) {
                break Some(StopReason::Deadline);
            }
            if runner.set.is_empty() {
                break None;
            }
            tokio::select! {
                biased;
                Some(joined) = runner.set.join_next_with_id() => {
                    runner.finish(joined, None);
                    runner.schedule();
                }
                () = &mut cancelled => break Some(StopReason::Cancelled),
                () = &mut deadline_reached => break Some(StopReason::Deadline),
            }
        };
        if let Some(reason) = stopped {
            runner.stop(reason).await;
        }
        runner.finish_unstarted(stopped);

        let queries = runner.queries;
        let cache_use = runner.cache_use;
        let sections: Vec<Section> = runner
            .slots
            .into_iter()
            .map(|slot| match slot {
                Slot::Done { section, .. } => *section,
                _ => unreachable!("every task is done after finish_unstarted"),
            })
            .collect();
        let sequential_ms = sections.iter().map(|s| s.elapsed_ms).sum();
        let run = Run {
            sections,
            wall_ms: ms(start.elapsed()),
            sequential_ms,
            queries,
            stopped,
            cache: cache_use,
        };
        runner.emitter.emit(|| EngineEvent::RunFinished {
            wall_ms: run.wall_ms,
            sequential_ms: run.sequential_ms,
            queries: run.queries,
            stopped: run.stopped,
        });
        run
    }
}

/// Builds the query of one task: its tenant (or all tenants of the plan's scope and cohort), the
/// plan's time range, filters and search terms, the dependencies' outputs, and the row limit.
/// This is also the key a result cache would use.
///
/// A plan restricted to the caller's permitted tenants (`Plan::permitted_tenants`) turns its
/// all-tenants tasks into queries over exactly those tenants, so results (and cache keys) never
/// cross permission scopes.
pub fn query_for(plan: &Plan, task: &Task, context: Vec<ContextItem>, limit: usize) -> Query {
    let scope_wide = plan.scope == Scope::All && task.tenant_id.is_none();
    let (tenant_ids, all_tenants) = match (&plan.permitted_tenants, scope_wide) {
        (Some(permitted), true) => (permitted.clone(), false),
        _ => (task.tenant_id.iter().cloned().collect(), scope_wide),
    };
    Query {
        source: task.source,
        tenant_ids,
        all_tenants,
        cohort: if all_tenants {
            plan.cohort.clone()
        } else {
            None
        },
        // One side of a comparison of periods has its own range.
        time_range: task.time_range.clone().or_else(|| plan.time_range.clone()),
        filters: plan.filters.clone(),
        search_terms: plan.search_terms.clone(),
        // A list asks for its own number of rows ("the 5 oldest", "all").
        limit: plan.shape.limit.unwrap_or(limit),
        shape: plan.shape,
        context,
    }
}

/// Where one task is in its life.
enum Slot {
    /// Waiting for its dependencies.
    Waiting,
    Running(Running),
    Done {
        /// Boxed: a section is large and most slots are small.
        section: Box<Section>,
        /// Linkable ids of an ok output, handed to dependents.
        ids: Vec<String>,
    },
}

impl Slot {
    fn is_pending(&self) -> bool {
        !matches!(self, Slot::Done { .. })
    }
}

struct Running {
    started: Instant,
    shared: Arc<TaskShared>,
    /// Taken by the runner's breaker check; cached-path tasks take theirs in `shared.permit`.
    permit: Option<Permit>,
    /// The run deadline, not the task timeout, ends this task's budget.
    deadline_bound: bool,
    /// The task looked the cache up (and so counts as a hit or a miss when it ends).
    looked_up: bool,
}

/// What a running task and the runner both see.
#[derive(Default)]
struct TaskShared {
    /// Attempts started (the retry layer counts them).
    attempts: AtomicU32,
    /// The breaker permit a cached-path leader got; the runner records its outcome, even when
    /// the task is aborted.
    permit: Mutex<Option<Permit>>,
    /// A shared-tier operation failed, timed out or was skipped.
    degraded: AtomicBool,
    /// The task is following an identical query in flight.
    following: AtomicBool,
}

/// How a spawned task ended.
enum TaskEnd {
    Output(QueryOutput),
    GaveUp(GaveUp),
    /// The task budget ran out (waiting for a slot, in an attempt, or about to retry).
    TimedOut,
    /// From the shared tier, or from the identical query in flight this task followed.
    Cached(Arc<QueryOutput>, Hit),
    /// The breaker turned a cached-path leader away.
    Rejected(String),
    /// The identical query in flight that this task followed failed.
    Followed(SectionStatus, String),
}

/// A result handed to `complete_with`.
enum Served {
    Fresh(QueryOutput),
    Cached(Arc<QueryOutput>),
}

/// One run's bookkeeping; lives on the caller's task, never shared.
struct Runner<'a> {
    engine: &'a Inner,
    plan: &'a Plan,
    options: &'a RunOptions,
    emitter: Emitter,
    start: Instant,
    deadline: Instant,
    slots: Vec<Slot>,
    /// Task id -> position (the first task wins if a plan repeats an id).
    index: HashMap<&'a str, usize>,
    set: JoinSet<(TaskEnd, Instant)>,
    running: HashMap<Id, usize>,
    queries: u32,
    cache_use: CacheUse,
}

impl Runner<'_> {
    /// Starts every waiting task whose dependencies are done, and skips those with a failed
    /// dependency, until nothing changes (a skip can decide its own dependents).
    fn schedule(&mut self) {
        if self.options.cancel.is_cancelled() || Instant::now() >= self.deadline {
            return;
        }
        loop {
            let mut changed = false;
            for i in 0..self.slots.len() {
                if !matches!(self.slots[i], Slot::Waiting) {
                    continue;
                }
                match self.readiness(i) {
                    Readiness::Wait => {}
                    Readiness::Ready => {
                        self.start_task(i);
                        changed = true;
                    }
                    Readiness::Blocked(reason) => {
                        self.done_instantly(i, SectionStatus::Skipped, reason);
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
    }

    fn readiness(&self, i: usize) -> Readiness {
        let task = &self.plan.tasks[i];
        let mut ready = true;
        for dep in &task.depends_on {
            let Some(&d) = self.index.get(dep.as_str()) else {
                return Readiness::Blocked(format!("needs {dep}, which is not in the plan"));
            };
            match &self.slots[d] {
                Slot::Done { section, .. } if section.is_ok() => {}
                Slot::Done { section, .. } => {
                    let what = match section.status {
                        SectionStatus::Timeout => "timed out",
                        SectionStatus::Skipped => "was skipped",
                        _ => "failed",
                    };
                    let why = section.reason.as_deref().unwrap_or("no reason given");
                    return Readiness::Blocked(format!(
                        "needs {dep} ({}), which {what}: {why}",
                        section.source
                    ));
                }
                _ => ready = false,
            }
        }
        if ready {
            Readiness::Ready
        } else {
            Readiness::Wait
        }
    }

    /// The cache, then the breaker (if it lets the task through), then spawn:
    /// timeout { bulkhead -> retry }. A memory miss spawns the cached path, which asks the
    /// breaker itself after the shared tier and the flight.
    fn start_task(&mut self, i: usize) {
        let plan = self.plan;
        let task = &plan.tasks[i];
        let source = Arc::clone(&self.engine.sources[&task.source]);
        let Some(connector) = source.connector.clone() else {
            let reason = format!("no connector is configured for source {}", task.source);
            return self.done_instantly(i, SectionStatus::Error, reason);
        };

        let context = task
            .depends_on
            .iter()
            .filter_map(|dep| {
                let d = self.index[dep.as_str()];
                let Slot::Done { ids, .. } = &self.slots[d] else {
                    return None;
                };
                Some(ContextItem {
                    task_id: dep.clone(),
                    source: plan.tasks[d].source,
                    ids: ids.clone(),
                })
            })
            .collect();
        let query = query_for(plan, task, context, self.options.limit);

        let lookup = match self.engine.cache.as_ref() {
            Some(cache) if !self.options.no_cache => {
                let key = cache.key(&query);
                if let Some(output) = cache.get_local(&key) {
                    return self.done_from_memory(i, &output);
                }
                Some((cache.clone(), key))
            }
            _ => None,
        };

        let now = Instant::now();
        let permit = if lookup.is_some() {
            None
        } else {
            match self.breaker(&source, |b| b.allow(now)) {
                Ok(permit) => Some(permit),
                Err(rejected) => {
                    return self.done_instantly(i, SectionStatus::Skipped, rejected.to_string());
                }
            }
        };

        let timeout_at = now.checked_add(source.policy.task_timeout);
        let (budget, deadline_bound) = match timeout_at {
            Some(at) if at < self.deadline => (at, false),
            _ => (self.deadline, true),
        };
        let shared = Arc::new(TaskShared::default());
        let looked_up = lookup.is_some();
        let run = TaskRun {
            source,
            connector,
            query,
            budget,
            shared: Arc::clone(&shared),
            jitter: Arc::clone(&self.engine.jitter),
            emitter: self.emitter.clone(),
            task_id: task.id.clone(),
        };
        let handle = match lookup {
            Some((cache, key)) => self.set.spawn(run_cached_task(run, cache, key)),
            None => self.set.spawn(run_task(run)),
        };
        self.running.insert(handle.id(), i);
        self.slots[i] = Slot::Running(Running {
            started: now,
            shared,
            permit,
            deadline_bound,
            looked_up,
        });
        let started_ms = ms(now - self.start);
        self.emitter.emit(|| EngineEvent::TaskStarted {
            task_id: task.id.clone(),
            source: task.source,
            started_ms,
        });
    }

    /// A memory-tier hit: the section is done at once.
    fn done_from_memory(&mut self, i: usize, output: &QueryOutput) {
        let at = ms(Instant::now() - self.start);
        let mut section = self.section(i, SectionStatus::Ok, None);
        section.cached = true;
        section.started_ms = at;
        section.ended_ms = at;
        section.summary = output.summary.clone();
        section.rows = output.rows.clone();
        section.shaped = output.shaped.clone();
        self.count_lookup(i, Hit::Memory, false);
        // Linkable ids matter only to dependents; most sections have none, so skip the copy.
        let id = &self.plan.tasks[i].id;
        let needed = self.plan.tasks.iter().any(|t| t.depends_on.contains(id));
        let ids = if needed {
            output.ids.clone()
        } else {
            Vec::new()
        };
        self.done(i, section, ids);
    }

    /// Counts one lookup of task `i`, for this run and for the process.
    fn count_lookup(&mut self, i: usize, hit: Hit, degraded: bool) {
        let Some(cache) = self.engine.cache.as_ref() else {
            return;
        };
        cache.record(self.plan.tasks[i].source, hit);
        match hit {
            Hit::Miss => self.cache_use.misses += 1,
            Hit::Coalesced => {
                self.cache_use.hits += 1;
                self.cache_use.coalesced += 1;
            }
            Hit::Memory | Hit::Shared => self.cache_use.hits += 1,
        }
        self.cache_use.degraded |= degraded;
    }

    fn breaker<T>(&self, source: &Source, f: impl FnOnce(&mut Breaker) -> T) -> T {
        with_breaker(source, &self.emitter, f)
    }

    fn done_instantly(&mut self, i: usize, status: SectionStatus, reason: String) {
        let at = ms(Instant::now() - self.start);
        let mut section = self.section(i, status, Some(reason));
        section.started_ms = at;
        section.ended_ms = at;
        self.done(i, section, Vec::new());
    }

    fn done(&mut self, i: usize, section: Section, ids: Vec<String>) {
        self.emitter
            .emit(|| EngineEvent::TaskFinished(section.clone()));
        self.slots[i] = Slot::Done {
            section: Box::new(section),
            ids,
        };
    }

    /// A blank section of task `i`; callers fill in what happened.
    fn section(&self, i: usize, status: SectionStatus, reason: Option<String>) -> Section {
        let task = &self.plan.tasks[i];
        let customer = match (&task.customer, &task.tenant_id) {
            (Some(name), Some(tenant_id)) => Some(CustomerRef {
                name: name.clone(),
                tenant_id: tenant_id.clone(),
            }),
            (None, Some(tenant_id)) => Some(CustomerRef {
                name: tenant_id.clone(),
                tenant_id: tenant_id.clone(),
            }),
            _ => None,
        };
        Section {
            task_id: task.id.clone(),
            agent: task.agent,
            source: task.source,
            customer,
            status,
            reason,
            summary: Default::default(),
            rows: Vec::new(),
            period: task.time_range.as_ref().map(|r| r.label.clone()),
            shaped: Default::default(),
            elapsed_ms: 0.0,
            cached: false,
            attempts: 0,
            critical: task.critical,
            started_ms: 0.0,
            ended_ms: 0.0,
        }
    }

    /// Turns a joined task into its section; `stop` says why aborted tasks were aborted.
    fn finish(
        &mut self,
        joined: Result<(Id, (TaskEnd, Instant)), JoinError>,
        stop: Option<StopReason>,
    ) {
        match joined {
            Ok((id, (end, ended))) => {
                let i = self
                    .running
                    .remove(&id)
                    .expect("every spawned task is tracked");
                self.complete(i, end, ended);
            }
            Err(e) => {
                let i = self
                    .running
                    .remove(&e.id())
                    .expect("every spawned task is tracked");
                if e.is_cancelled() {
                    self.interrupt(i, stop.unwrap_or(StopReason::Cancelled));
                } else {
                    if let Slot::Running(running) = &self.slots[i]
                        && running.looked_up
                    {
                        self.count_lookup(i, Hit::Miss, false);
                    }
                    // A panicking connector is a bug, reported as that source failing.
                    self.complete_with(
                        i,
                        SectionStatus::Error,
                        Some(format!(
                            "the {} connector panicked",
                            self.plan.tasks[i].source
                        )),
                        Outcome::Failure,
                        None,
                        Instant::now(),
                    );
                }
            }
        }
    }

    fn complete(&mut self, i: usize, end: TaskEnd, ended: Instant) {
        let Slot::Running(running) = &self.slots[i] else {
            unreachable!("only running tasks complete")
        };
        let attempts = running.shared.attempts.load(Ordering::Relaxed);
        let degraded = running.shared.degraded.load(Ordering::Relaxed);
        let (looked_up, deadline_bound) = (running.looked_up, running.deadline_bound);
        let (status, reason, outcome, output) = match end {
            TaskEnd::Output(output) => (
                SectionStatus::Ok,
                None,
                Outcome::Success,
                Some(Served::Fresh(output)),
            ),
            TaskEnd::Cached(output, hit) => {
                self.count_lookup(i, hit, degraded);
                let served = Some(Served::Cached(output));
                return self.complete_with(
                    i,
                    SectionStatus::Ok,
                    None,
                    Outcome::Abandoned,
                    served,
                    ended,
                );
            }
            TaskEnd::Rejected(reason) => (
                SectionStatus::Skipped,
                Some(reason),
                Outcome::Abandoned,
                None,
            ),
            TaskEnd::Followed(status, reason) => (status, Some(reason), Outcome::Abandoned, None),
            TaskEnd::GaveUp(gave_up) => {
                let status = match gave_up.error().kind {
                    ErrorKind::Timeout => SectionStatus::Timeout,
                    _ => SectionStatus::Error,
                };
                // A permanent error is an answer: the source is up.
                let outcome = match gave_up {
                    GaveUp::Permanent(_) => Outcome::Success,
                    GaveUp::Exhausted(_) | GaveUp::OutOfTime(_) => Outcome::Failure,
                };
                (status, Some(gave_up.reason(attempts)), outcome, None)
            }
            TaskEnd::TimedOut => {
                let reason = self.timeout_reason(i, deadline_bound, attempts);
                (SectionStatus::Timeout, Some(reason), talked(attempts), None)
            }
        };
        if looked_up {
            self.count_lookup(i, Hit::Miss, degraded);
        }
        self.complete_with(i, status, reason, outcome, output, ended);
    }

    /// Ends a task the runner aborted: at the deadline (`timeout`) or on cancellation (`skipped`).
    fn interrupt(&mut self, i: usize, stop: StopReason) {
        let Slot::Running(running) = &self.slots[i] else {
            unreachable!("only running tasks are interrupted")
        };
        let attempts = running.shared.attempts.load(Ordering::Relaxed);
        let degraded = running.shared.degraded.load(Ordering::Relaxed);
        if running.looked_up {
            self.count_lookup(i, Hit::Miss, degraded);
        }
        let (status, reason, outcome) = match stop {
            StopReason::Deadline => (
                SectionStatus::Timeout,
                self.timeout_reason(i, true, attempts),
                talked(attempts),
            ),
            StopReason::Cancelled => (
                SectionStatus::Skipped,
                "cancelled".to_string(),
                Outcome::Abandoned,
            ),
        };
        self.complete_with(i, status, Some(reason), outcome, None, Instant::now());
    }

    /// Records the breaker outcome and the section of a task that was running.
    fn complete_with(
        &mut self,
        i: usize,
        status: SectionStatus,
        reason: Option<String>,
        outcome: Outcome,
        output: Option<Served>,
        ended: Instant,
    ) {
        let Slot::Running(running) = std::mem::replace(&mut self.slots[i], Slot::Waiting) else {
            unreachable!("only running tasks complete")
        };
        let permit = running
            .permit
            .or_else(|| lock(&running.shared.permit).take());
        if let Some(permit) = permit {
            let source = Arc::clone(&self.engine.sources[&self.plan.tasks[i].source]);
            self.breaker(&source, |b| b.record(permit, outcome, ended));
        }

        let attempts = running.shared.attempts.load(Ordering::Relaxed);
        let mut section = self.section(i, status, reason);
        section.attempts = attempts;
        section.elapsed_ms = ms(ended.saturating_duration_since(running.started));
        section.started_ms = ms(running.started - self.start);
        section.ended_ms = ms(ended.saturating_duration_since(self.start));
        let mut ids = Vec::new();
        let queries = match output {
            Some(Served::Fresh(output)) => {
                section.summary = output.summary;
                section.rows = output.rows;
                section.shaped = output.shaped;
                ids = output.ids;
                attempts.saturating_sub(1) + output.queries.max(1)
            }
            Some(Served::Cached(output)) => {
                section.cached = true;
                section.summary = output.summary.clone();
                section.rows = output.rows.clone();
                section.shaped = output.shaped.clone();
                ids = output.ids.clone();
                attempts
            }
            None => attempts,
        };
        self.queries = self.queries.saturating_add(queries);
        self.done(i, section, ids);
    }

    /// "timeout after 5 s" or "deadline of 10 s reached", naming the bulkhead when the task never
    /// got a slot.
    fn timeout_reason(&self, i: usize, deadline_bound: bool, attempts: u32) -> String {
        let source = &self.engine.sources[&self.plan.tasks[i].source];
        let mut reason = if deadline_bound {
            format!("deadline of {} reached", human(self.engine.deadline))
        } else {
            format!("timeout after {}", human(source.policy.task_timeout))
        };
        let following = matches!(&self.slots[i], Slot::Running(r) if r.shared.following.load(Ordering::Relaxed));
        if following {
            reason.push_str(" waiting for an identical query in flight");
        } else if attempts == 0 {
            reason.push_str(&format!(
                " waiting for a free {} slot (all {} in use)",
                source.key,
                source.bulkhead.limit()
            ));
        }
        reason
    }

    /// Aborts every running task and turns each into its section.
    async fn stop(&mut self, reason: StopReason) {
        self.set.abort_all();
        while let Some(joined) = self.set.join_next_with_id().await {
            self.finish(joined, Some(reason));
        }
    }

    /// Gives a section to every task that never started: after a cancellation, "cancelled";
    /// otherwise first those whose dependency failed (with its reason), then those the deadline
    /// or a dependency cycle left waiting.
    fn finish_unstarted(&mut self, stopped: Option<StopReason>) {
        while stopped != Some(StopReason::Cancelled) {
            let mut changed = false;
            for i in 0..self.slots.len() {
                if !matches!(self.slots[i], Slot::Waiting) {
                    continue;
                }
                if let Readiness::Blocked(reason) = self.readiness(i) {
                    self.done_instantly(i, SectionStatus::Skipped, reason);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let deadline = human(self.engine.deadline);
        let leftovers: Vec<(usize, SectionStatus, String)> = (0..self.slots.len())
            .filter(|&i| matches!(self.slots[i], Slot::Waiting))
            .map(|i| {
                let waiting_for = self.plan.tasks[i]
                    .depends_on
                    .iter()
                    .map(String::as_str)
                    .filter(|dep| {
                        self.index
                            .get(dep)
                            .is_some_and(|&d| self.slots[d].is_pending())
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                let (status, reason) = match stopped {
                    Some(StopReason::Cancelled) => {
                        (SectionStatus::Skipped, "cancelled".to_string())
                    }
                    Some(StopReason::Deadline) if waiting_for.is_empty() => (
                        SectionStatus::Timeout,
                        format!("deadline of {deadline} reached before it could start"),
                    ),
                    Some(StopReason::Deadline) => (
                        SectionStatus::Timeout,
                        format!("deadline of {deadline} reached while it waited for {waiting_for}"),
                    ),
                    None => (
                        SectionStatus::Skipped,
                        format!("dependency cycle: needs {waiting_for}, which never finished"),
                    ),
                };
                (i, status, reason)
            })
            .collect();
        for (i, status, reason) in leftovers {
            self.done_instantly(i, status, reason);
        }
    }
}

/// Everything a spawned task owns.
struct TaskRun {
    source: Arc<Source>,
    connector: Arc<dyn Connector>,
    query: Query,
    /// End of the task budget: `min(start + task_timeout, run deadline)`.
    budget: Instant,
    shared: Arc<TaskShared>,
    jitter: Arc<Mutex<ChaCha8Rng>>,
    emitter: Emitter,
    task_id: String,
}

/// The spawned part of a task: `timeout_at(budget) { bulkhead -> retry { connector } }`.
async fn run_task(t: TaskRun) -> (TaskEnd, Instant) {
    let end = call_source(&t).await;
    (end, Instant::now())
}

/// The spawned part of a task that missed the memory tier: join the key's flight; the leader
/// checks the shared tier, then the breaker, then calls the source and stores an ok output;
/// a follower waits (within its own budget) for the leader's result. A leader that is dropped
/// unpublished releases its followers, and one of them leads next.
async fn run_cached_task(t: TaskRun, cache: Cache, key: CacheKey) -> (TaskEnd, Instant) {
    let end = loop {
        match cache.flights().join(&key) {
            Join::Follower(follower) => {
                t.shared.following.store(true, Ordering::Relaxed);
                match tokio::time::timeout_at(t.budget, follower.wait()).await {
                    Err(_) => break TaskEnd::TimedOut,
                    Ok(Some(Flown::Output(output))) => {
                        break TaskEnd::Cached(output, Hit::Coalesced);
                    }
                    Ok(Some(Flown::Failed { status, reason })) => {
                        break TaskEnd::Followed(
                            status,
                            format!("{reason} (an identical query in flight)"),
                        );
                    }
                    Ok(None) => t.shared.following.store(false, Ordering::Relaxed),
                }
            }
            Join::Leader(flight) => {
                let (end, flown) = lead(&t, &cache, &key).await;
                flight.publish(flown);
                break end;
            }
        }
    };
    (end, Instant::now())
}

/// The leader of a flight: memory again (a flight may have just ended), the shared tier, the
/// breaker, the source. Returns the task's end and what its followers get.
async fn lead(t: &TaskRun, cache: &Cache, key: &CacheKey) -> (TaskEnd, Flown) {
    if let Some(output) = cache.get_local(key) {
        return (
            TaskEnd::Cached(Arc::clone(&output), Hit::Memory),
            Flown::Output(output),
        );
    }
    match tokio::time::timeout_at(t.budget, cache.get_shared(key)).await {
        Ok(SharedLookup::Hit(output)) => {
            return (
                TaskEnd::Cached(Arc::clone(&output), Hit::Shared),
                Flown::Output(output),
            );
        }
        Ok(SharedLookup::Miss) => {}
        Ok(SharedLookup::Degraded) => t.shared.degraded.store(true, Ordering::Relaxed),
        Err(_) => {
            t.shared.degraded.store(true, Ordering::Relaxed);
            let reason = "the task budget ran out in the shared cache".to_string();
            return (
                TaskEnd::TimedOut,
                Flown::Failed {
                    status: SectionStatus::Timeout,
                    reason,
                },
            );
        }
    }
    let permit = with_breaker(&t.source, &t.emitter, |b| b.allow(Instant::now()));
    match permit {
        Ok(permit) => *lock(&t.shared.permit) = Some(permit),
        Err(rejected) => {
            let reason = rejected.to_string();
            let flown = Flown::Failed {
                status: SectionStatus::Skipped,
                reason: reason.clone(),
            };
            return (TaskEnd::Rejected(reason), flown);
        }
    }
    let end = call_source(t).await;
    let flown = match &end {
        TaskEnd::Output(output) => {
            let output = Arc::new(output.clone());
            if !cache.put(key, Arc::clone(&output)).await {
                t.shared.degraded.store(true, Ordering::Relaxed);
            }
            Flown::Output(output)
        }
        TaskEnd::GaveUp(gave_up) => {
            let status = match gave_up.error().kind {
                ErrorKind::Timeout => SectionStatus::Timeout,
                _ => SectionStatus::Error,
            };
            let attempts = t.shared.attempts.load(Ordering::Relaxed);
            Flown::Failed {
                status,
                reason: gave_up.reason(attempts),
            }
        }
        _ => Flown::Failed {
            status: SectionStatus::Timeout,
            reason: format!("timeout after {}", human(t.source.policy.task_timeout)),
        },
    };
    (end, flown)
}

/// `timeout_at(budget) { bulkhead -> retry { connector } }`.
async fn call_source(t: &TaskRun) -> TaskEnd {
    let work = async {
        let _slot = t.source.bulkhead.acquire().await;
        if Instant::now() >= t.budget {
            // The slot came as the budget ran out: do not start an attempt with no time left.
            return None;
        }
        let on_retry = |notice: RetryNotice<'_>| {
            t.emitter.emit(|| EngineEvent::TaskRetrying {
                task_id: t.task_id.clone(),
                source: t.source.key,
                attempt: notice.attempt,
                wait_ms: ms(notice.wait),
                error: notice.error.to_string(),
            });
        };
        let result = call_with_retry(
            &*t.connector,
            &t.query,
            &t.source.policy.retry,
            t.budget,
            &t.jitter,
            &t.shared.attempts,
            on_retry,
        )
        .await;
        Some(result)
    };
    match tokio::time::timeout_at(t.budget, work).await {
        Ok(Some(Ok(output))) => TaskEnd::Output(output),
        Ok(Some(Err(gave_up))) => TaskEnd::GaveUp(gave_up),
        Ok(None) | Err(_) => TaskEnd::TimedOut,
    }
}

/// Runs `f` on the source's breaker and emits `BreakerChanged` when its state changed.
fn with_breaker<T>(source: &Source, emitter: &Emitter, f: impl FnOnce(&mut Breaker) -> T) -> T {
    let now = Instant::now();
    let (result, changed) = {
        let mut breaker = lock(&source.breaker);
        let before = breaker.snapshot(now).state;
        let result = f(&mut breaker);
        let after = breaker.snapshot(now);
        (result, (after.state != before).then_some(after))
    };
    if let Some(breaker) = changed {
        let key = source.key;
        emitter.emit(|| EngineEvent::BreakerChanged {
            source: key,
            breaker,
        });
    }
    result
}

/// A task that ran out of time failed the source only if it was talking to it.
fn talked(attempts: u32) -> Outcome {
    if attempts > 0 {
        Outcome::Failure
    } else {
        Outcome::Abandoned
    }
}

enum Readiness {
    Wait,
    Ready,
    Blocked(String),
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn ms(d: Duration) -> f64 {
    d.as_nanos() as f64 / 1_000_000.0
}

/// "5 s", "300 ms", "1.5 s".
fn human(d: Duration) -> String {
    let millis = d.as_millis();
    if millis < 1000 {
        format!("{millis} ms")
    } else if millis.is_multiple_of(1000) {
        format!("{} s", millis / 1000)
    } else {
        format!("{} s", millis as f64 / 1000.0)
    }
}
