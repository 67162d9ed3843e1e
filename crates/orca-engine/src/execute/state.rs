//! What a task is and what it shares: the `TaskRun` a spawned task owns, the `TaskState` the
//! runner reads even after aborting it, its `Budget`, and how it ended (`TaskEnd`). Types only:
//! the path (`task.rs`), the cache layer (`flight.rs`) and the verdict (`reason.rs`) use them
//! and never each other's types, so the arrows run one way.

use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use orca_core::{Connector, Query, QueryOutput, SectionStatus, SourceKey};
use rand_chacha::ChaCha8Rng;
use tokio::time::Instant;

use super::{Source, lock};
use crate::breaker::{Permit, Rejected};
use crate::cache::{Cache, CacheKey, Hit};
use crate::events::Emitter;
use crate::retry::GaveUp;

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

    /// The attempts counter, for the retry layer to count attempts as it starts them.
    pub(super) fn attempts_counter(&self) -> &AtomicU32 {
        &self.attempts
    }

    /// Keeps the breaker permit `guarded` got, for the runner to record.
    pub(super) fn keep_permit(&self, permit: Permit) {
        *lock(&self.permit) = Some(permit);
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

/// What ran a task's time out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Limit {
    /// The source's per-task timeout: "timeout after 5 s".
    Task(Duration),
    /// The run deadline: "deadline of 10 s reached".
    Deadline(Duration),
}

/// What a task was doing when its time ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Waiting {
    /// Talking to the source (an attempt had started): no more to say.
    Source,
    /// Waiting for a bulkhead slot of `source`, all `limit` of them taken.
    Slot { source: SourceKey, limit: usize },
    /// Following an identical query in flight.
    Flight,
    /// Looking the shared cache tier up.
    SharedCache,
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
