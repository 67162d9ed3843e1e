//! Request coalescing (singleflight): of several concurrent lookups of one key, one is the
//! leader and does the work; the others follow and receive its result.
//!
//! The leader's `Flight` publishes exactly one value; if the leader is dropped before publishing
//! (its run was cancelled or reached its deadline) the followers are told, and one of them
//! becomes the next leader, so nobody waits for a result that will never come.
//! Invariant: at most one leader per key at a time; the key leaves the table when its leader
//! publishes or is dropped, so a later lookup starts a new flight.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

/// The in-flight lookups, by key.
pub struct Flights<K, V> {
    table: Arc<Mutex<HashMap<K, watch::Receiver<Option<V>>>>>,
}

impl<K, V> Default for Flights<K, V> {
    fn default() -> Self {
        Flights {
            table: Arc::new(Mutex::new(HashMap::new())),
        }
    }
}

/// What joining a key made of the caller.
pub enum Join<K: Hash + Eq, V> {
    /// Do the work, then `publish`.
    Leader(Flight<K, V>),
    /// Wait for the leader with `Follower::wait`.
    Follower(Follower<V>),
}

/// The leader's duty: publish one value (dropping it unpublished releases the followers).
pub struct Flight<K: Hash + Eq, V> {
    key: Option<K>,
    sender: watch::Sender<Option<V>>,
    table: Arc<Mutex<HashMap<K, watch::Receiver<Option<V>>>>>,
}

/// A follower's end of a flight.
pub struct Follower<V> {
    receiver: watch::Receiver<Option<V>>,
}

impl<K: Hash + Eq + Clone, V: Clone> Flights<K, V> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Leads the flight of `key`, or follows the one already under way.
    pub fn join(&self, key: &K) -> Join<K, V> {
        let mut table = lock(&self.table);
        if let Some(receiver) = table.get(key) {
            return Join::Follower(Follower {
                receiver: receiver.clone(),
            });
        }
        let (sender, receiver) = watch::channel(None);
        table.insert(key.clone(), receiver);
        Join::Leader(Flight {
            key: Some(key.clone()),
            sender,
            table: Arc::clone(&self.table),
        })
    }

    /// Keys in flight now.
    pub fn len(&self) -> usize {
        lock(&self.table).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<K: Hash + Eq, V> Flight<K, V> {
    /// Hands `value` to every follower and ends the flight.
    pub fn publish(mut self, value: V) {
        self.leave();
        // Followers that gave up already are no concern.
        let _ = self.sender.send(Some(value));
    }

    fn leave(&mut self) {
        if let Some(key) = self.key.take() {
            lock(&self.table).remove(&key);
        }
    }
}

impl<K: Hash + Eq, V> Drop for Flight<K, V> {
    fn drop(&mut self) {
        // Unpublished: leave the table; dropping the sender wakes the followers with `None`.
        self.leave();
    }
}

impl<V: Clone> Follower<V> {
    /// The leader's value, or `None` when the leader was dropped without one (join again).
    pub async fn wait(mut self) -> Option<V> {
        let published = match self.receiver.wait_for(Option::is_some).await {
            Ok(value) => value.clone(),
            Err(_) => None,
        };
        // A leader that published and left at once still counts as published.
        published.or_else(|| self.receiver.borrow().clone())
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_leader_many_followers_one_value() {
        let flights: Flights<&str, u32> = Flights::new();
        let Join::Leader(flight) = flights.join(&"k") else {
            panic!("the first is the leader")
        };
        let followers: Vec<_> = (0..10)
            .map(|_| match flights.join(&"k") {
                Join::Follower(f) => tokio::spawn(f.wait()),
                Join::Leader(_) => panic!("only one leader"),
            })
            .collect();
        assert!(matches!(flights.join(&"other"), Join::Leader(_)));
        flight.publish(7);
        for f in followers {
            assert_eq!(f.await.unwrap(), Some(7));
        }
        assert!(flights.is_empty(), "a published flight leaves the table");
        assert!(matches!(flights.join(&"k"), Join::Leader(_)));
    }

    #[tokio::test]
    async fn a_dropped_leader_releases_its_followers() {
        let flights: Flights<&str, u32> = Flights::new();
        let leader = flights.join(&"k");
        let Join::Follower(follower) = flights.join(&"k") else {
            panic!("second is a follower")
        };
        let waiting = tokio::spawn(follower.wait());
        drop(leader);
        assert_eq!(waiting.await.unwrap(), None);
        assert!(matches!(flights.join(&"k"), Join::Leader(_)));
    }
}
