//! The task graph runner: `Engine::run` executes a `Plan` and always returns one `Section` per
//! task by the request deadline.
//!
//! Every task takes one path, in the order of DESIGN section 1 (the session cache, then error
//! handling), written here once and followed once per task:
//!
//! ```text
//! [cache: memory -> flight -> shared tier] -> breaker -> bulkhead -> retry { connector }
//! ```
//!
//! - **cache first**, when the engine has one and the run does not bypass it: the memory tier is
//!   looked up on the runner (`runner.rs`), so a hit is a `cached` section at once and never
//!   touches the source, even one whose circuit is open. A miss spawns the task, which joins the
//!   key's flight (`flight.rs`, coalescing): the leader looks the memory and shared tiers up,
//!   then takes the rest of the path and stores an ok output; followers wait for the leader and
//!   never reach the breaker. Without a cache, the spawned task goes straight to the breaker.
//! - **breaker next**, asked once per task, in `task::guarded`, by a task about to call its
//!   source: a source known to be down answers at once (`skipped`), without queueing for a slot
//!   or spending any budget. The breaker sees each task once, after its retries: the runner
//!   records the outcome of the permit however the task ends (aborted tasks included).
//! - **one timeout around everything else**: the task budget is `min(start + task_timeout,
//!   run deadline)` and covers the flight, the shared tier, the wait for a slot, every attempt
//!   and every backoff wait; so "per-task timeout 5 s" means what it says, and a hanging source
//!   costs 5 s, not 3 x 5 s.
//! - **bulkhead outside retry**: a task holds its source slot across its retries, so a failing
//!   source never has more than `max_concurrency` tasks hammering it.
//! - **retry innermost**: it only sees connector errors and never sleeps past the task budget.
//!
//! However a task ends (an output, a cached output, an error, its budget, the deadline, the
//! caller, a panic), `Runner::settle` turns it into its section: the status and reason come from
//! one mapping (`reason.rs`), the breaker outcome is recorded and the cache lookup counted there
//! and only there. `query_for` builds the `Query` a cache key is made from.
//!
//! Structured concurrency: started tasks are spawned into one `JoinSet`; the runner waits on
//! completions, the caller's `CancellationToken` and the deadline, and when either of the last
//! two fires it aborts the set, so stragglers are dropped (connectors must be cancel-safe) and
//! become `timeout` ("deadline of 10 s reached") or `skipped` ("cancelled") sections.
//! Invariant: all time is tokio time, so paused-clock tests are exact; nothing runs past the
//! deadline; every non-ok section has a reason.

mod flight;
mod reason;
mod runner;
mod state;
mod task;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use orca_core::{Connector, ContextItem, Plan, Query, Scope, Section, SourceKey, Task};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use self::runner::Runner;
use crate::breaker::{Breaker, BreakerSnapshot};
use crate::bulkhead::Bulkhead;
use crate::cache::{Backend, Cache};
use crate::config::{ConfigError, EngineConfig, SourcePolicy};
use crate::events::{Emitter, EngineEvent, StopReason};
use crate::fault::apply_faults;

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

impl Source {
    /// Runs `f` on this source's breaker and emits `BreakerChanged` when its state changed.
    fn with_breaker<T>(&self, emitter: &Emitter, f: impl FnOnce(&mut Breaker) -> T) -> T {
        let now = Instant::now();
        let (result, changed) = {
            let mut breaker = lock(&self.breaker);
            let before = breaker.snapshot(now).state;
            let result = f(&mut breaker);
            let after = breaker.snapshot(now);
            (result, (after.state != before).then_some(after))
        };
        if let Some(breaker) = changed {
            let source = self.key;
            emitter.emit(|| EngineEvent::BreakerChanged { source, breaker });
        }
        result
    }
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
    /// An earlier end than `start + deadline`: the request's own deadline when one request makes
    /// several runs (an investigation's steps share one deadline, never one each).
    pub deadline_at: Option<tokio::time::Instant>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            events: None,
            cancel: CancellationToken::new(),
            limit: Query::DEFAULT_LIMIT,
            no_cache: false,
            deadline_at: None,
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

    /// The connector of every source, as runs use them (with injected faults): for checks.
    pub fn connectors(&self) -> Vec<Arc<dyn Connector>> {
        self.inner
            .sources
            .values()
            .filter_map(|s| s.connector.clone())
            .collect()
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
        let emitter = Emitter::new(options.events.clone());
        emitter.emit(|| EngineEvent::RunStarted {
            tasks: plan.tasks.len(),
            deadline_ms: ms(self.inner.deadline),
        });
        Runner::new(&self.inner, plan, options, emitter, start)
            .run()
            .await
    }
}

/// Builds the query of one task: its tenant (or all tenants of the plan's scope and cohort), the
/// plan's time range, filters and search terms, the dependencies' outputs, and the row limit.
/// This is also the key a result cache would use.
///
/// Scopes leave the engine as tenant lists wherever they can: a plan restricted to the caller's
/// permitted tenants (`Plan::permitted_tenants`) queries exactly those, and a cohort exactly its
/// tenants (`Plan::cohort_tenants`), so results (and cache keys) never cross permission scopes
/// and no source needs the registry to know who is in a cohort. Only "every customer" is sent
/// as `all_tenants` (no tenant filter). A cohort plan without its tenant list (one made before
/// plans carried it) still sends the cohort name, which only the store can resolve.
pub fn query_for(plan: &Plan, task: &Task, context: Vec<ContextItem>, limit: usize) -> Query {
    let scope_wide = plan.scope == Scope::All && task.tenant_id.is_none();
    let (tenant_ids, all_tenants, cohort) = match (&plan.permitted_tenants, scope_wide) {
        (Some(permitted), true) => (permitted.clone(), false, None),
        (None, true) if plan.cohort.is_some() && !plan.cohort_tenants.is_empty() => {
            (plan.cohort_tenants.clone(), false, None)
        }
        (None, true) => (Vec::new(), true, plan.cohort.clone()),
        _ => (task.tenant_id.iter().cloned().collect(), false, None),
    };
    Query {
        source: task.source,
        tenant_ids,
        all_tenants,
        cohort,
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

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn ms(d: Duration) -> f64 {
    d.as_nanos() as f64 / 1_000_000.0
}

#[cfg(test)]
mod tests {
    use orca_core::Scope;
    use orca_core::SourceKey;

    use super::query_for;
    use crate::testing::{plan, task};

    /// A plan with one task over the whole scope (no tenant of its own).
    fn scope_wide() -> orca_core::Plan {
        let mut wide = task("t1", SourceKey::Kusto);
        wide.tenant_id = None;
        wide.customer = None;
        let mut p = plan(vec![wide]);
        p.scope = Scope::All;
        p
    }

    #[test]
    fn scopes_leave_the_engine_as_tenant_lists() {
        let mut cohort = scope_wide();
        cohort.cohort = Some("MCS".into());
        cohort.cohort_tenants = vec!["a".into(), "b".into()];
        let query = query_for(&cohort, &cohort.tasks[0], Vec::new(), 20);
        assert_eq!(query.tenant_ids, ["a", "b"]);
        assert!(!query.all_tenants);
        assert_eq!(query.cohort, None, "no source needs the cohort's name");

        // Permissions win: the permitted list is already cut to the cohort.
        cohort.permitted_tenants = Some(vec!["b".into()]);
        let query = query_for(&cohort, &cohort.tasks[0], Vec::new(), 20);
        assert_eq!(query.tenant_ids, ["b"]);
        assert!(!query.all_tenants);

        // Every customer: no tenant filter at all.
        let mut all = scope_wide();
        let query = query_for(&all, &all.tasks[0], Vec::new(), 20);
        assert!(query.all_tenants && query.tenant_ids.is_empty() && query.cohort.is_none());

        // A cohort plan without its list (made before plans carried one) keeps the name.
        all.cohort = Some("MCS".into());
        let query = query_for(&all, &all.tasks[0], Vec::new(), 20);
        assert!(query.all_tenants);
        assert_eq!(query.cohort.as_deref(), Some("MCS"));
    }
}
