//! The cache layer of a task that missed the memory tier: join the key's flight (coalescing).
//!
//! A follower waits, within its own budget, for the leader's result. The leader looks the memory
//! tier up again (a flight may have just ended) and the shared tier, and only then takes the
//! rest of the path (`below`: breaker, bulkhead, retry); it stores an ok output and publishes
//! what its followers get: the output, or its own section's status and reason. A leader dropped
//! unpublished (aborted) releases its followers, and one of them leads next.
//! Invariant: followers never reach the breaker or the source.

use std::sync::Arc;

use super::state::{Stage, TaskEnd, TaskRun};
use crate::cache::coalesce::Join;
use crate::cache::{Cache, CacheKey, Flown, Hit, SharedLookup};

/// Follows the identical query in flight, or leads it through `below`.
pub(super) async fn through(
    t: &TaskRun,
    cache: &Cache,
    key: &CacheKey,
    below: impl Future<Output = TaskEnd>,
) -> TaskEnd {
    let flight = loop {
        match cache.flights().join(key) {
            Join::Leader(flight) => break flight,
            Join::Follower(follower) => {
                t.state.set_stage(Stage::Flight);
                match tokio::time::timeout_at(t.state.budget.at, follower.wait()).await {
                    Err(_) => return TaskEnd::TimedOut,
                    Ok(Some(Flown::Output(output))) => {
                        return TaskEnd::Cached(output, Hit::Coalesced);
                    }
                    Ok(Some(Flown::Failed { status, reason })) => {
                        return TaskEnd::Followed { status, reason };
                    }
                    // The leader was dropped: join again.
                    Ok(None) => t.state.set_stage(Stage::Slot),
                }
            }
        }
    };
    let end = lead(t, cache, key, below).await;
    let flown = match &end {
        TaskEnd::Output(output) => {
            let output = Arc::new(output.clone());
            if !cache.put(key, Arc::clone(&output)).await {
                t.state.set_degraded();
            }
            Flown::Output(output)
        }
        TaskEnd::Cached(output, _) => Flown::Output(Arc::clone(output)),
        failed => {
            let verdict = failed.verdict(&t.state);
            Flown::Failed {
                status: verdict.status,
                reason: verdict.reason.unwrap_or_default(),
            }
        }
    };
    flight.publish(flown);
    end
}

/// The leader's lookups before the source: memory, then the shared tier, then `below`.
async fn lead(
    t: &TaskRun,
    cache: &Cache,
    key: &CacheKey,
    below: impl Future<Output = TaskEnd>,
) -> TaskEnd {
    if let Some(output) = cache.get_local(key) {
        return TaskEnd::Cached(output, Hit::Memory);
    }
    t.state.set_stage(Stage::SharedCache);
    match tokio::time::timeout_at(t.state.budget.at, cache.get_shared(key)).await {
        Ok(SharedLookup::Hit(output)) => return TaskEnd::Cached(output, Hit::Shared),
        Ok(SharedLookup::Miss) => {}
        Ok(SharedLookup::Degraded) => t.state.set_degraded(),
        Err(_) => {
            t.state.set_degraded();
            return TaskEnd::TimedOut;
        }
    }
    t.state.set_stage(Stage::Slot);
    below.await
}
