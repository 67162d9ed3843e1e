//! The path of one spawned task (every task but a memory hit), the same for all: its cache
//! layer when the run has one (`flight.rs`), then `guarded`:
//! breaker -> `timeout_at(budget) { bulkhead -> retry { connector } }`.
//!
//! A task owns a `TaskRun` and shares a `TaskState` with the runner, which reads it even after
//! aborting the task: attempts started, the breaker permit to record, what it is waiting for.
//! Invariant: the breaker is asked at most once per task, here, and only by a task that would
//! otherwise call the source; the permit it gives lives in `TaskState` and nowhere else.

use tokio::time::Instant;

use super::state::{TaskEnd, TaskRun};
use super::{flight, ms};
use crate::events::EngineEvent;
use crate::retry::{RetryNotice, call_with_retry};

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
        Ok(permit) => t.state.keep_permit(permit),
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
            t.state.attempts_counter(),
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
