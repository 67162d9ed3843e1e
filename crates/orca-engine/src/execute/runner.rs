//! One run's bookkeeping, on the caller's task: schedules the graph, starts each ready task down
//! its path, and closes every task, however it ends, into its section.
//!
//! Every started task ends in `Runner::settle` (a spawned one through `close`, a memory hit at
//! once), the one place that records its breaker outcome, counts its cache lookup and builds
//! its section. Tasks that never start (a failed or missing
//! dependency, no connector, the deadline, a cycle) get a section from `done_instantly`.
//! Invariant: the runner never waits on anything but its `JoinSet`, the caller's cancellation
//! and the deadline.

use std::collections::HashMap;
use std::sync::Arc;

use orca_core::{ContextItem, CustomerRef, Plan, QueryOutput, Section, SectionStatus};
use tokio::task::{Id, JoinError, JoinSet};
use tokio::time::Instant;

use super::state::{Budget, TaskEnd, TaskRun, TaskState};
use super::task;
use super::{CacheUse, Inner, Run, RunOptions, ms, query_for, reason};
use crate::cache::{Cache, Hit};
use crate::events::{Emitter, EngineEvent, StopReason};

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

/// A spawned task on its path.
struct Running {
    started: Instant,
    state: Arc<TaskState>,
    /// The task looked the cache up, and so counts as a hit or a miss when it ends.
    looked_up: bool,
}

enum Readiness {
    Wait,
    Ready,
    Blocked(String),
}

/// One run's bookkeeping; lives on the caller's task, never shared.
pub(super) struct Runner<'a> {
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

impl<'a> Runner<'a> {
    pub(super) fn new(
        engine: &'a Inner,
        plan: &'a Plan,
        options: &'a RunOptions,
        emitter: Emitter,
        start: Instant,
    ) -> Runner<'a> {
        let mut index = HashMap::with_capacity(plan.tasks.len());
        for (i, task) in plan.tasks.iter().enumerate() {
            index.entry(task.id.as_str()).or_insert(i);
        }
        Runner {
            engine,
            plan,
            options,
            emitter,
            start,
            deadline: options.deadline_at.map_or(start + engine.deadline, |at| {
                at.min(start + engine.deadline)
            }),
            slots: plan.tasks.iter().map(|_| Slot::Waiting).collect(),
            index,
            set: JoinSet::new(),
            running: HashMap::new(),
            queries: 0,
            cache_use: CacheUse {
                backend: run_cache(engine, options).map(Cache::backend),
                ..CacheUse::default()
            },
        }
    }

    /// Runs the graph until every task is done, the deadline passes or the caller cancels.
    pub(super) async fn run(mut self) -> Run {
        self.schedule();
        let deadline_reached = tokio::time::sleep_until(self.deadline);
        let cancelled = self.options.cancel.cancelled();
        tokio::pin!(deadline_reached, cancelled);
        let stopped = loop {
            if self.options.cancel.is_cancelled() {
                break Some(StopReason::Cancelled);
            }
            if Instant::now() >= self.deadline && self.slots.iter().any(Slot::is_pending) {
                break Some(StopReason::Deadline);
            }
            if self.set.is_empty() {
                break None;
            }
            tokio::select! {
                biased;
                Some(joined) = self.set.join_next_with_id() => {
                    self.finish(joined, None);
                    self.schedule();
                }
                () = &mut cancelled => break Some(StopReason::Cancelled),
                () = &mut deadline_reached => break Some(StopReason::Deadline),
            }
        };
        if let Some(reason) = stopped {
            self.stop(reason).await;
        }
        self.finish_unstarted(stopped);

        let sections: Vec<Section> = self
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
            wall_ms: ms(self.start.elapsed()),
            sequential_ms,
            queries: self.queries,
            stopped,
            cache: self.cache_use,
        };
        self.emitter.emit(|| EngineEvent::RunFinished {
            wall_ms: run.wall_ms,
            sequential_ms: run.sequential_ms,
            queries: run.queries,
            stopped: run.stopped,
        });
        run
    }

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

    /// Sends a ready task down its path: the memory tier here (a hit settles the task at once),
    /// the rest in a spawned `task::run`.
    fn start_task(&mut self, i: usize) {
        let plan = self.plan;
        let task = &plan.tasks[i];
        let source = Arc::clone(&self.engine.sources[&task.source]);
        let Some(connector) = source.connector.clone() else {
            let reason = format!("no connector is configured for source {}", task.source);
            return self.done_instantly(i, SectionStatus::Error, reason);
        };
        let query = query_for(plan, task, self.context(i), self.options.limit);
        let now = Instant::now();
        let budget = Budget::new(
            now,
            source.policy.task_timeout,
            self.deadline,
            self.engine.deadline,
        );
        let cache = match run_cache(self.engine, self.options) {
            Some(cache) => {
                let key = cache.key(&query);
                if let Some(output) = cache.get_local(&key) {
                    // A task that ends where it starts: nothing spawned, nothing to share.
                    let state = TaskState::new(source, budget);
                    let end = TaskEnd::Cached(output, Hit::Memory);
                    return self.settle(i, now, &state, true, end, now);
                }
                Some((cache.clone(), key))
            }
            None => None,
        };
        let looked_up = cache.is_some();
        let state = Arc::new(TaskState::new(source, budget));
        let run = TaskRun {
            connector,
            query,
            cache,
            state: Arc::clone(&state),
            jitter: Arc::clone(&self.engine.jitter),
            emitter: self.emitter.clone(),
            task_id: task.id.clone(),
        };
        let handle = self.set.spawn(task::run(run));
        self.running.insert(handle.id(), i);
        self.slots[i] = Slot::Running(Running {
            started: now,
            state,
            looked_up,
        });
        let started_ms = ms(now - self.start);
        self.emitter.emit(|| EngineEvent::TaskStarted {
            task_id: task.id.clone(),
            source: task.source,
            started_ms,
        });
    }

    /// The outputs of task `i`'s dependencies, for its query.
    fn context(&self, i: usize) -> Vec<ContextItem> {
        self.plan.tasks[i]
            .depends_on
            .iter()
            .filter_map(|dep| {
                let d = self.index[dep.as_str()];
                let Slot::Done { ids, .. } = &self.slots[d] else {
                    return None;
                };
                Some(ContextItem {
                    task_id: dep.clone(),
                    source: self.plan.tasks[d].source,
                    ids: ids.clone(),
                })
            })
            .collect()
    }

    /// Turns a joined task into its section; `stop` says why aborted tasks were aborted.
    fn finish(
        &mut self,
        joined: Result<(Id, (TaskEnd, Instant)), JoinError>,
        stop: Option<StopReason>,
    ) {
        let (id, end, ended) = match joined {
            Ok((id, (end, ended))) => (id, end, ended),
            Err(e) => {
                let end = if !e.is_cancelled() {
                    TaskEnd::Panicked
                } else if stop == Some(StopReason::Deadline) {
                    TaskEnd::DeadlineReached
                } else {
                    TaskEnd::Cancelled
                };
                (e.id(), end, Instant::now())
            }
        };
        let i = self
            .running
            .remove(&id)
            .expect("every spawned task is tracked");
        self.close(i, end, ended);
    }

    /// Ends a running task, however it ended.
    fn close(&mut self, i: usize, end: TaskEnd, ended: Instant) {
        let Slot::Running(running) = std::mem::replace(&mut self.slots[i], Slot::Waiting) else {
            unreachable!("only running tasks close")
        };
        self.settle(
            i,
            running.started,
            &running.state,
            running.looked_up,
            end,
            ended,
        );
    }

    /// The end of every started task: records its breaker outcome, counts its cache lookup
    /// (`looked_up`), and builds its section.
    fn settle(
        &mut self,
        i: usize,
        started: Instant,
        state: &TaskState,
        looked_up: bool,
        end: TaskEnd,
        ended: Instant,
    ) {
        let verdict = end.verdict(state);
        if let Some(permit) = state.take_permit() {
            state
                .source
                .with_breaker(&self.emitter, |b| b.record(permit, verdict.outcome, ended));
        }
        if looked_up {
            self.count_lookup(i, end.hit(), state.degraded());
        }

        let attempts = state.attempts();
        let mut section = self.section(i, verdict.status, verdict.reason);
        section.attempts = attempts;
        section.elapsed_ms = ms(ended.saturating_duration_since(started));
        section.started_ms = ms(started - self.start);
        section.ended_ms = ms(ended.saturating_duration_since(self.start));
        let (ids, queries) = match end {
            TaskEnd::Output(output) => {
                section.summary = output.summary;
                section.rows = output.rows;
                section.shaped = output.shaped;
                (
                    output.ids,
                    attempts.saturating_sub(1) + output.queries.max(1),
                )
            }
            TaskEnd::Cached(output, _) => {
                section.cached = true;
                section.summary = output.summary.clone();
                section.rows = output.rows.clone();
                section.shaped = output.shaped.clone();
                (self.ids_for_dependents(i, &output), attempts)
            }
            _ => (Vec::new(), attempts),
        };
        self.queries = self.queries.saturating_add(queries);
        self.done(i, section, ids);
    }

    /// Linkable ids matter only to dependents; most sections have none, so skip the copy.
    fn ids_for_dependents(&self, i: usize, output: &QueryOutput) -> Vec<String> {
        let id = &self.plan.tasks[i].id;
        if self.plan.tasks.iter().any(|t| t.depends_on.contains(id)) {
            output.ids.clone()
        } else {
            Vec::new()
        }
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
        let deadline = reason::human(self.engine.deadline);
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

/// The cache this run looks up: the engine's, unless the run bypasses it.
fn run_cache<'a>(engine: &'a Inner, options: &RunOptions) -> Option<&'a Cache> {
    engine.cache.as_ref().filter(|_| !options.no_cache)
}
