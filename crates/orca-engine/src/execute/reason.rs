//! How a task ended, in words: the one mapping from a `TaskEnd` to its section's status and
//! reason and to what the source's breaker learns (`Verdict`).
//!
//! The runner uses it for every task it closes, and a flight's leader for what it hands its
//! followers, so a follower reads exactly what the leader's own section says. Invariant: every
//! status but `ok` comes with a reason.

use std::time::Duration;

use orca_core::{ErrorKind, SectionStatus};

use super::state::{Limit, TaskEnd, TaskState, Waiting};
use crate::breaker::Outcome;
use crate::retry::GaveUp;

/// A task's section status and reason, and the outcome its breaker permit (if any) records.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Verdict {
    pub(super) status: SectionStatus,
    /// `None` exactly when the status is `ok`.
    pub(super) reason: Option<String>,
    pub(super) outcome: Outcome,
}

impl TaskEnd {
    /// The one mapping from how a task ended to its section and its breaker outcome.
    pub(super) fn verdict(&self, state: &TaskState) -> Verdict {
        let attempts = state.attempts();
        let (status, reason, outcome) = match self {
            TaskEnd::Output(_) => (SectionStatus::Ok, None, Outcome::Success),
            TaskEnd::Cached(..) => (SectionStatus::Ok, None, Outcome::Abandoned),
            TaskEnd::GaveUp(gave_up) => (
                gave_up_status(gave_up),
                Some(gave_up.reason(attempts)),
                // A permanent error is an answer: the source is up.
                match gave_up {
                    GaveUp::Permanent(_) => Outcome::Success,
                    GaveUp::Exhausted(_) | GaveUp::OutOfTime(_) => Outcome::Failure,
                },
            ),
            TaskEnd::TimedOut => (
                SectionStatus::Timeout,
                Some(timed_out(state.budget.limit(), state.waiting())),
                talked(attempts),
            ),
            TaskEnd::DeadlineReached => (
                SectionStatus::Timeout,
                Some(timed_out(state.budget.run_deadline(), state.waiting())),
                talked(attempts),
            ),
            TaskEnd::Rejected(rejected) => (
                SectionStatus::Skipped,
                Some(rejected.to_string()),
                Outcome::Abandoned,
            ),
            TaskEnd::Followed { status, reason } => (
                *status,
                Some(format!("{reason} (an identical query in flight)")),
                Outcome::Abandoned,
            ),
            TaskEnd::Cancelled => (
                SectionStatus::Skipped,
                Some("cancelled".to_string()),
                Outcome::Abandoned,
            ),
            // A panicking connector is a bug, reported as that source failing.
            TaskEnd::Panicked => (
                SectionStatus::Error,
                Some(format!("the {} connector panicked", state.source.key)),
                Outcome::Failure,
            ),
        };
        Verdict {
            status,
            reason,
            outcome,
        }
    }
}

/// A connector error that persisted is a `timeout` section when it was one, else an `error`.
fn gave_up_status(gave_up: &GaveUp) -> SectionStatus {
    match gave_up.error().kind {
        ErrorKind::Timeout => SectionStatus::Timeout,
        _ => SectionStatus::Error,
    }
}

/// A task that ran out of time failed the source only if it was talking to it.
fn talked(attempts: u32) -> Outcome {
    if attempts > 0 {
        Outcome::Failure
    } else {
        Outcome::Abandoned
    }
}

/// "timeout after 5 s" or "deadline of 10 s reached", then what the task was waiting for.
fn timed_out(limit: Limit, waiting: Waiting) -> String {
    let mut reason = match limit {
        Limit::Task(timeout) => format!("timeout after {}", human(timeout)),
        Limit::Deadline(deadline) => format!("deadline of {} reached", human(deadline)),
    };
    match waiting {
        Waiting::Source => {}
        Waiting::Slot { source, limit } => {
            reason.push_str(&format!(
                " waiting for a free {source} slot (all {limit} in use)"
            ));
        }
        Waiting::Flight => reason.push_str(" waiting for an identical query in flight"),
        Waiting::SharedCache => reason.push_str(" waiting for the shared cache"),
    }
    reason
}

/// "5 s", "300 ms", "1.5 s".
pub(super) fn human(d: Duration) -> String {
    let millis = d.as_millis();
    if millis < 1000 {
        format!("{millis} ms")
    } else if millis.is_multiple_of(1000) {
        format!("{} s", millis / 1000)
    } else {
        format!("{} s", millis as f64 / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use orca_core::SourceKey;

    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(human(Duration::from_millis(300)), "300 ms");
        assert_eq!(human(Duration::from_secs(5)), "5 s");
        assert_eq!(human(Duration::from_millis(1_500)), "1.5 s");
    }

    #[test]
    fn a_timeout_names_its_limit_and_what_it_waited_for() {
        let five = Limit::Task(Duration::from_secs(5));
        let ten = Limit::Deadline(Duration::from_secs(10));
        assert_eq!(timed_out(five, Waiting::Source), "timeout after 5 s");
        assert_eq!(timed_out(ten, Waiting::Source), "deadline of 10 s reached");
        let slot = Waiting::Slot {
            source: SourceKey::Icm,
            limit: 2,
        };
        assert_eq!(
            timed_out(five, slot),
            "timeout after 5 s waiting for a free icm slot (all 2 in use)"
        );
        assert_eq!(
            timed_out(ten, Waiting::Flight),
            "deadline of 10 s reached waiting for an identical query in flight"
        );
        assert_eq!(
            timed_out(five, Waiting::SharedCache),
            "timeout after 5 s waiting for the shared cache"
        );
    }

    #[test]
    fn only_time_spent_talking_to_the_source_counts_against_it() {
        assert_eq!(talked(0), Outcome::Abandoned);
        assert_eq!(talked(2), Outcome::Failure);
    }
}
