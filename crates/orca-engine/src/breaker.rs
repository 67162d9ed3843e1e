//! The circuit breaker of one source: a small, pure state machine over consecutive failed tasks.
//!
//! `Closed { failures }` lets every task through and counts consecutive failures; at the
//! threshold it turns `Open { until, reason }` and rejects tasks instantly until `until`; the
//! first task after that is the single probe (`HalfOpen`: every other task is rejected while it
//! runs); the probe's success closes the circuit, its failure opens it again.
//!
//! What counts (decided here, applied by the runner): the breaker sees each *task* once, after
//! its retries, not each attempt; retries are the retry layer's business, and counting attempts
//! would open the circuit after two unlucky tasks. A task that ends in a transient error or a
//! timeout while talking to the source is a failure. A task that got an answer from the source,
//! even a permanent error (bad query, auth), is a success: the source is up. A task that never
//! reached the source, or was cancelled by the caller, is `Abandoned`: it changes nothing, except
//! that an abandoned probe lets the next task probe.
//!
//! Invariant: no clock and no runtime inside; `now` is a parameter, so tests drive time by hand.

use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

/// Breaker settings (validated by `EngineConfig`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerPolicy {
    /// Consecutive failed tasks that open the circuit (>= 1).
    pub failures: u32,
    /// How long an open circuit rejects tasks before it lets one probe through.
    pub open_for: Duration,
}

/// Where the breaker is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BreakerState {
    /// Tasks pass; `failures` consecutive tasks have failed so far.
    Closed { failures: u32 },
    /// Tasks are rejected until `until`; `reason` says why it opened ("5 failures in a row").
    Open { until: Instant, reason: String },
    /// One probe task is running; every other task is rejected until it ends.
    HalfOpen,
}

/// How a task that was let through ended, as far as the source's health goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The source answered (with data, or with a permanent error).
    Success,
    /// A transient error or a timeout while talking to the source.
    Failure,
    /// The task never reached the source or was cancelled: no evidence either way.
    Abandoned,
}

/// Proof that `allow` let a task through; hand it back to `record` exactly once.
#[derive(Debug, PartialEq, Eq)]
#[must_use = "record the task's outcome with Breaker::record"]
pub struct Permit {
    probe: bool,
}

impl Permit {
    /// True when this task is the half-open probe.
    pub fn is_probe(&self) -> bool {
        self.probe
    }
}

/// Why a task was rejected; `Display` is the section's reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    #[error("source paused after {reason}; trying it again in {} s", whole_seconds_up(*.retry_in))]
    Open { reason: String, retry_in: Duration },
    #[error("source recovering: one trial request is checking it")]
    ProbeInFlight,
}

fn whole_seconds_up(d: Duration) -> u64 {
    d.as_millis().div_ceil(1000) as u64
}

/// A point-in-time view of a breaker, for health endpoints and `--explain`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BreakerSnapshot {
    /// `closed`, `open` or `half_open`.
    pub state: &'static str,
    /// Consecutive failed tasks counted while closed.
    pub failures: u32,
    /// Why it is open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Milliseconds until an open breaker lets a probe through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_in_ms: Option<u64>,
}

/// The circuit breaker of one source.
#[derive(Debug, Clone)]
pub struct Breaker {
    policy: BreakerPolicy,
    state: BreakerState,
}

impl Breaker {
    pub fn new(policy: BreakerPolicy) -> Breaker {
        Breaker {
            policy,
            state: BreakerState::Closed { failures: 0 },
        }
    }

    pub fn state(&self) -> &BreakerState {
        &self.state
    }

    /// Lets a task through, or says why not. An open circuit past its `until` becomes half-open
    /// and this caller is its probe.
    pub fn allow(&mut self, now: Instant) -> Result<Permit, Rejected> {
        match &self.state {
            BreakerState::Closed { .. } => Ok(Permit { probe: false }),
            BreakerState::Open { until, .. } if now >= *until => {
                self.state = BreakerState::HalfOpen;
                Ok(Permit { probe: true })
            }
            BreakerState::Open { until, reason } => Err(Rejected::Open {
                reason: reason.clone(),
                retry_in: *until - now,
            }),
            BreakerState::HalfOpen => Err(Rejected::ProbeInFlight),
        }
    }

    /// Records how a task that `allow` let through ended.
    pub fn record(&mut self, permit: Permit, outcome: Outcome, now: Instant) {
        let probe = permit.probe;
        self.state = match (&self.state, outcome) {
            // The probe decides the half-open circuit.
            (BreakerState::HalfOpen, Outcome::Success) if probe => {
                BreakerState::Closed { failures: 0 }
            }
            (BreakerState::HalfOpen, Outcome::Failure) if probe => BreakerState::Open {
                until: now + self.policy.open_for,
                reason: "a failed trial request".to_string(),
            },
            // An abandoned probe proves nothing: let the next task probe right away.
            (BreakerState::HalfOpen, Outcome::Abandoned) if probe => BreakerState::Open {
                until: now,
                reason: "an abandoned probe".to_string(),
            },
            (BreakerState::Closed { .. }, Outcome::Success) => BreakerState::Closed { failures: 0 },
            (BreakerState::Closed { failures }, Outcome::Failure) => {
                let failures = failures + 1;
                if failures >= self.policy.failures {
                    BreakerState::Open {
                        until: now + self.policy.open_for,
                        reason: format!(
                            "{failures} failure{} in a row",
                            if failures == 1 { "" } else { "s" }
                        ),
                    }
                } else {
                    BreakerState::Closed { failures }
                }
            }
            // Abandoned tasks, and late results of tasks let through before the circuit
            // opened, change nothing.
            (state, _) => state.clone(),
        };
    }

    pub fn snapshot(&self, now: Instant) -> BreakerSnapshot {
        match &self.state {
            BreakerState::Closed { failures } => BreakerSnapshot {
                state: "closed",
                failures: *failures,
                reason: None,
                retry_in_ms: None,
            },
            BreakerState::Open { until, reason } => BreakerSnapshot {
                state: "open",
                failures: 0,
                reason: Some(reason.clone()),
                retry_in_ms: Some(until.saturating_duration_since(now).as_millis() as u64),
            },
            BreakerState::HalfOpen => BreakerSnapshot {
                state: "half_open",
                failures: 0,
                reason: None,
                retry_in_ms: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPEN_FOR: Duration = Duration::from_secs(30);

    fn breaker() -> Breaker {
        Breaker::new(BreakerPolicy {
            failures: 5,
            open_for: OPEN_FOR,
        })
    }

    fn fail(b: &mut Breaker, now: Instant) {
        let permit = b.allow(now).expect("allowed");
        b.record(permit, Outcome::Failure, now);
    }

    #[test]
    fn opens_after_five_consecutive_failures() {
        let t0 = Instant::now();
        let mut b = breaker();
        for _ in 0..4 {
            fail(&mut b, t0);
        }
        assert_eq!(b.state(), &BreakerState::Closed { failures: 4 });
        fail(&mut b, t0);
        assert!(matches!(b.state(), BreakerState::Open { .. }));
        let rejected = b.allow(t0 + Duration::from_secs(18)).unwrap_err();
        assert_eq!(
            rejected.to_string(),
            "source paused after 5 failures in a row; trying it again in 12 s"
        );
    }

    #[test]
    fn a_success_resets_the_count() {
        let t0 = Instant::now();
        let mut b = breaker();
        for _ in 0..4 {
            fail(&mut b, t0);
        }
        let permit = b.allow(t0).unwrap();
        b.record(permit, Outcome::Success, t0);
        for _ in 0..4 {
            fail(&mut b, t0);
        }
        assert_eq!(b.state(), &BreakerState::Closed { failures: 4 });
    }

    #[test]
    fn abandoned_tasks_do_not_count() {
        let t0 = Instant::now();
        let mut b = breaker();
        fail(&mut b, t0);
        let permit = b.allow(t0).unwrap();
        b.record(permit, Outcome::Abandoned, t0);
        assert_eq!(b.state(), &BreakerState::Closed { failures: 1 });
    }

    fn opened() -> (Breaker, Instant) {
        let t0 = Instant::now();
        let mut b = breaker();
        for _ in 0..5 {
            fail(&mut b, t0);
        }
        (b, t0)
    }

    #[test]
    fn half_opens_after_the_open_period_with_a_single_probe() {
        let (mut b, t0) = opened();
        assert!(b.allow(t0 + OPEN_FOR - Duration::from_millis(1)).is_err());
        let probe = b.allow(t0 + OPEN_FOR).unwrap();
        assert!(probe.is_probe());
        assert_eq!(b.state(), &BreakerState::HalfOpen);
        assert_eq!(b.allow(t0 + OPEN_FOR), Err(Rejected::ProbeInFlight));
        b.record(probe, Outcome::Success, t0 + OPEN_FOR);
        assert_eq!(b.state(), &BreakerState::Closed { failures: 0 });
    }

    #[test]
    fn a_failed_probe_reopens_for_another_period() {
        let (mut b, t0) = opened();
        let t1 = t0 + OPEN_FOR;
        let probe = b.allow(t1).unwrap();
        b.record(probe, Outcome::Failure, t1);
        let rejected = b.allow(t1 + Duration::from_secs(1)).unwrap_err();
        assert_eq!(
            rejected.to_string(),
            "source paused after a failed trial request; trying it again in 29 s"
        );
        assert!(b.allow(t1 + OPEN_FOR).unwrap().is_probe());
    }

    #[test]
    fn an_abandoned_probe_lets_the_next_task_probe() {
        let (mut b, t0) = opened();
        let t1 = t0 + OPEN_FOR;
        let probe = b.allow(t1).unwrap();
        b.record(probe, Outcome::Abandoned, t1);
        assert!(b.allow(t1).unwrap().is_probe());
    }

    #[test]
    fn late_results_from_before_the_opening_are_ignored() {
        let t0 = Instant::now();
        let mut b = breaker();
        let late = b.allow(t0).unwrap();
        for _ in 0..5 {
            fail(&mut b, t0);
        }
        b.record(late, Outcome::Success, t0);
        assert!(matches!(b.state(), BreakerState::Open { .. }));
        let probe = b.allow(t0 + OPEN_FOR).unwrap();
        let late = Permit { probe: false };
        b.record(late, Outcome::Success, t0 + OPEN_FOR);
        assert_eq!(b.state(), &BreakerState::HalfOpen, "only the probe decides");
        b.record(probe, Outcome::Failure, t0 + OPEN_FOR);
        assert!(matches!(b.state(), BreakerState::Open { .. }));
    }

    #[test]
    fn snapshot_names_the_state() {
        let (b, t0) = opened();
        let snap = b.snapshot(t0 + Duration::from_secs(10));
        assert_eq!(snap.state, "open");
        assert_eq!(snap.retry_in_ms, Some(20_000));
        assert_eq!(breaker().snapshot(t0).state, "closed");
    }
}
