//! The path of one spawned task (every task but a memory hit), the same for all: its cache
//! layer when the run has one (`flight.rs`), then `guarded`:
//! breaker -> `timeout_at(budget) { bulkhead -> retry { connector } }`.
//!
//! A task owns a `TaskRun` and shares a `TaskState` with the runner, which reads it even after
//! aborting the task: attempts started, the breaker permit to record, what it is waiting for.
//! Invariant: the breaker is asked at most once per task, here, and only by a task that would
//! otherwise call the source; the permit it gives lives in `TaskState` and nowhere else.

use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use orca_core::{Connector, Query, QueryOutput, SectionStatus};
use rand_chacha::ChaCha8Rng;
use tokio::time::Instant;

use super::reason::{Limit, Waiting};
use super::{Source, flight, lock, ms};
use crate::breaker::{Permit, Rejected};
use crate::cache::{Cache, CacheKey, Hit};
use crate::events::{Emitter, EngineEvent};
use crate::retry::{GaveUp, RetryNotice, call_with_retry};

/// Everything a spawned task owns.
pub(super) struct TaskRun {
    pub(super) connector: Arc<dyn Connector>,
    pub(super) query: Query,
    /// The result cache and this query's key; `None` without a cache or when the run bypasses it.
    pub(super) cache: Option<(Cache, CacheKey)>,
    pub(super) state: Arc<TaskState>,
    pub(super) jitter: Arc<Mutex<ChaCha8Rng>>,
    pub(super) emitter: Emitter,
    pub(super) task_id: String,
}

/// How a task ended.
pub(super) enum TaskEnd {
    /// The source answered.
    Output(QueryOutput),
    /// The retry layer gave up on the source's errors.
    GaveUp(GaveUp),
    /// The task budget ran out (in the flight, the shared tier, waiting for a slot, in an
    /// attempt, or about to retry).
    TimedOut,
    /// From memory, the shared tier, or the identical query in flight this task followed.
    Cached(Arc<QueryOutput>, Hit),
    /// The breaker turned the task away.
    Rejected(Rejected),
    /// The identical query in flight that this task followed failed: the leader's verdict.
    Followed {
        status: SectionStatus,
        reason: String,
    },
    /// The runner aborted the task at the run deadline.
    DeadlineReached,
    /// The runner aborted the task because the caller cancelled the run.
    Cancelled,
    /// The task panicked (a connector bug).
    Panicked,
}

impl TaskEnd {
    /// How the task's cache lookup (if it made one) counts.
    pub(super) fn hit(&self) -> Hit {
        match self {
            TaskEnd::Cached(_, hit) => *hit,
            _ => Hit::Miss,
        }
    }
}

/// The end of a task's time: `min(start + task_timeout, run deadline)`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Budget {
    pub(super) at: Instant,
    task_timeout: Duration,
    run_deadline: Duration,
    /// The run deadline, not the task timeout, ends it (a tie goes to the deadline).
    deadline_bound: bool,
}

impl Budget {
    pub(super) fn new(
        now: Instant,
        task_timeout: Duration,
        deadline_at: Instant,
        run_deadline: Duration,
    ) -> Budget {
        let (at, deadline_bound) = match now.checked_add(task_timeout) {
            Some(at) if at < deadline_at => (at, false),
            _ => (deadline_at, true),
        };
        Budget {
            at,
            task_timeout,
            run_deadline,
            deadline_bound,
        }
    }

    /// What ends this budget.
    pub(super) fn limit(&self) -> Limit {
        if self.deadline_bound {
            self.run_deadline()
        } else {
            Limit::Task(self.task_timeout)
        }
    }

    /// The run deadline, which ends every task still running.
    pub(super) fn run_deadline(&self) -> Limit {
        Limit::Deadline(self.run_deadline)
    }
}

/// What a task waits for before its first attempt (`Waiting` once its time runs out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(super) enum Stage {
    /// Going through the breaker to the bulkhead (the default).
    Slot = 0,
    Flight = 1,
    SharedCache = 2,
}

/// What a running task and the runner both see.
pub(super) struct TaskState {
    pub(super) source: Arc<Source>,
    pub(super) budget: Budget,
    /// Attempts started (the retry layer counts them).
    attempts: AtomicU32,
    /// The breaker permit `guarded` got; the runner records its outcome however the task ends.
    permit: Mutex<Option<Permit>>,
    /// A shared-tier operation failed, timed out or was skipped.
    degraded: AtomicBool,
    /// A `Stage`.
    stage: AtomicU8,
}

impl TaskState {
    pub(super) fn new(source: Arc<Source>, budget: Budget) -> TaskState {
        TaskState {
            source,
            budget,
            attempts: AtomicU32::new(0),
            permit: Mutex::new(None),
            degraded: AtomicBool::new(false),
            stage: AtomicU8::new(Stage::Slot as u8),
        }
    }

    pub(super) fn attempts(&self) -> u32 {
        self.attempts.load(Ordering::Relaxed)
    }

    pub(super) fn take_permit(&self) -> Option<Permit> {
        lock(&self.permit).take()
    }

    pub(super) fn degraded(&self) -> bool {
        self.degraded.load(Ordering::Relaxed)
    }

    pub(super) fn set_degraded(&self) {
        self.degraded.store(true, Ordering::Relaxed);
    }

    pub(super) fn set_stage(&self, stage: Stage) {
        self.stage.store(stage as u8, Ordering::Relaxed);
    }

    /// What the task is doing now, as a timeout reason names it.
    pub(super) fn waiting(&self) -> Waiting {
        let stage = self.stage.load(Ordering::Relaxed);
        if stage == Stage::Flight as u8 {
            Waiting::Flight
        } else if self.attempts() > 0 {
            Waiting::Source
        } else if stage == Stage::SharedCache as u8 {
            Waiting::SharedCache
        } else {
            Waiting::Slot {
                source: self.source.key,
                limit: self.source.bulkhead.limit(),
            }
        }
    }
}

/// The spawned part of every task: the cache layer if the run has one, else straight on.
#[expect(
    clippy::manual_async_fn,
    reason = "an async fn future would hold its argument twice"
)]
pub(super) fn run(t: TaskRun) -> impl Future<Output = (TaskEnd, Instant)> + Send {
    // An `async` block holds `t` once; an `async fn` would keep a second copy of its argument
    // in the spawned future (~900 bytes more per task).
    async move {
        let end = match &t.cache {
            // Boxed: the cache layer's future is large (the shared tier's I/O), and a task
            // without a cache should not carry it.
            Some((cache, key)) => Box::pin(flight::through(&t, cache, key, guarded(&t))).await,
            None => guarded(&t).await,
        };
        (end, Instant::now())
    }
}

/// breaker -> `timeout_at(budget) { bulkhead -> retry { connector } }`.
pub(super) async fn guarded(t: &TaskRun) -> TaskEnd {
    let source = &t.state.source;
    match source.with_breaker(&t.emitter, |b| b.allow(Instant::now())) {
        Ok(permit) => *lock(&t.state.permit) = Some(permit),
        Err(rejected) => return TaskEnd::Rejected(rejected),
    }
    let budget = t.state.budget.at;
    let work = async {
        let _slot = source.bulkhead.acquire().await;
        if Instant::now() >= budget {
            // The slot came as the budget ran out: do not start an attempt with no time left.
            return None;
        }
        let on_retry = |notice: RetryNotice<'_>| {
            t.emitter.emit(|| EngineEvent::TaskRetrying {
                task_id: t.task_id.clone(),
                source: source.key,
                attempt: notice.attempt,
                wait_ms: ms(notice.wait),
                error: notice.error.to_string(),
            });
        };
        let result = call_with_retry(
            &*t.connector,
            &t.query,
            &source.policy.retry,
            budget,
            &t.jitter,
            &t.state.attempts,
            on_retry,
        )
        .await;
        Some(result)
    };
    match tokio::time::timeout_at(budget, work).await {
        Ok(Some(Ok(output))) => TaskEnd::Output(output),
        Ok(Some(Err(gave_up))) => TaskEnd::GaveUp(gave_up),
        Ok(None) | Err(_) => TaskEnd::TimedOut,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_ends_at_the_task_timeout_or_the_deadline_whichever_is_first() {
        let now = Instant::now();
        let five = Duration::from_secs(5);
        let ten = Duration::from_secs(10);
        let early = Budget::new(now, five, now + ten, ten);
        assert_eq!((early.at, early.limit()), (now + five, Limit::Task(five)));
        let late = Budget::new(now + Duration::from_secs(7), five, now + ten, ten);
        assert_eq!((late.at, late.limit()), (now + ten, Limit::Deadline(ten)));
        let tie = Budget::new(now, ten, now + ten, ten);
        assert_eq!(tie.limit(), Limit::Deadline(ten), "a tie is the deadline");
        let huge = Budget::new(now, Duration::MAX, now + ten, ten);
        assert_eq!(huge.at, now + ten);
    }
}
