//! The bulkhead of one source: at most `limit` of its tasks run at once.
//!
//! One slow source then cannot take every worker, nor be buried under its own retries: a task
//! holds its slot from its first attempt to its last (backoff waits included), which is the
//! back-pressure a struggling source needs. Waiting for a slot counts against the task's budget
//! (the runner puts the wait inside the task timeout). Invariant: slots are RAII permits, so a
//! cancelled task always gives its slot back.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// A per-source concurrency limit.
#[derive(Debug, Clone)]
pub struct Bulkhead {
    slots: Arc<Semaphore>,
    limit: usize,
}

/// A held slot; dropping it frees the slot.
#[derive(Debug)]
pub struct Slot {
    _permit: OwnedSemaphorePermit,
}

impl Bulkhead {
    pub fn new(limit: usize) -> Bulkhead {
        Bulkhead {
            slots: Arc::new(Semaphore::new(limit)),
            limit,
        }
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Slots currently held.
    pub fn in_use(&self) -> usize {
        self.limit - self.slots.available_permits()
    }

    /// Waits for a free slot (FIFO: tasks get slots in the order they asked).
    pub async fn acquire(&self) -> Slot {
        let permit = Arc::clone(&self.slots)
            .acquire_owned()
            .await
            .expect("the bulkhead semaphore is never closed");
        Slot { _permit: permit }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn limits_and_releases_slots() {
        let bulkhead = Bulkhead::new(2);
        let a = bulkhead.acquire().await;
        let _b = bulkhead.acquire().await;
        assert_eq!(bulkhead.in_use(), 2);
        let waiting = tokio::time::timeout(std::time::Duration::from_millis(1), bulkhead.acquire());
        assert!(waiting.await.is_err(), "a third task waits");
        drop(a);
        let _c = bulkhead.acquire().await;
        assert_eq!(bulkhead.in_use(), 2);
    }
}
