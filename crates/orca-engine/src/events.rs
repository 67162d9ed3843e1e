//! What the engine tells the outside world while it runs: one enum of plain event structs, each
//! logged (with `source`, `task_id`, `status` fields) and sent to the caller's channel in one
//! place, `Emitter::emit`.
//!
//! Events serialize (`{"event": "task_finished", ...}`) so a dashboard or a streaming API can
//! forward them as they are. Invariant: events never carry a tenant id outside a `Section`, so
//! log fields and metric labels stay bounded (source, status).

use orca_core::{Section, SourceKey};
use serde::Serialize;
use tokio::sync::mpsc::UnboundedSender;
use tracing::Level;
use tracing::level_filters::LevelFilter;

use crate::breaker::BreakerSnapshot;

/// Why a run ended before all its tasks did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The request deadline was reached; unfinished tasks became `timeout` sections.
    Deadline,
    /// The caller cancelled the run; unfinished tasks became `skipped` sections.
    Cancelled,
}

/// Something that happened during a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EngineEvent {
    RunStarted {
        tasks: usize,
        deadline_ms: f64,
    },
    /// A task's dependencies are done and it missed the memory tier (or the run has no cache):
    /// it now goes down the rest of its path (flight, breaker, slot, source) and ends in a
    /// `TaskFinished`. A memory hit, or a task that cannot start, has only its `TaskFinished`.
    TaskStarted {
        task_id: String,
        source: SourceKey,
        started_ms: f64,
    },
    /// An attempt failed with a transient error; the task retries after `wait_ms`.
    TaskRetrying {
        task_id: String,
        source: SourceKey,
        attempt: u32,
        wait_ms: f64,
        error: String,
    },
    /// A task ended (every task ends exactly once, in a section).
    TaskFinished(Section),
    /// A source's circuit breaker changed state.
    BreakerChanged {
        source: SourceKey,
        breaker: BreakerSnapshot,
    },
    RunFinished {
        wall_ms: f64,
        sequential_ms: f64,
        queries: u32,
        stopped: Option<StopReason>,
    },
}

impl EngineEvent {
    fn level(&self) -> Level {
        match self {
            EngineEvent::TaskFinished(s) if !s.is_ok() => Level::INFO,
            EngineEvent::TaskRetrying { .. } => Level::INFO,
            EngineEvent::BreakerChanged { .. } => Level::WARN,
            _ => Level::DEBUG,
        }
    }

    fn log(&self) {
        match self {
            EngineEvent::RunStarted { tasks, deadline_ms } => {
                tracing::debug!(tasks, deadline_ms, "run started");
            }
            EngineEvent::TaskStarted {
                task_id, source, ..
            } => {
                tracing::debug!(%source, task_id, "task started");
            }
            EngineEvent::TaskRetrying {
                task_id,
                source,
                attempt,
                wait_ms,
                error,
            } => {
                tracing::info!(%source, task_id, attempt, wait_ms, error, "task retrying");
            }
            EngineEvent::TaskFinished(s) => {
                let (source, task_id, status) = (s.source.as_str(), &s.task_id, s.status.as_str());
                let reason = s.reason.as_deref().unwrap_or("");
                if s.is_ok() {
                    tracing::debug!(
                        source,
                        task_id,
                        status,
                        elapsed_ms = s.elapsed_ms,
                        attempts = s.attempts,
                        "task finished"
                    );
                } else {
                    tracing::info!(
                        source,
                        task_id,
                        status,
                        elapsed_ms = s.elapsed_ms,
                        attempts = s.attempts,
                        critical = s.critical,
                        reason,
                        "task finished"
                    );
                }
            }
            EngineEvent::BreakerChanged { source, breaker } => {
                let reason = breaker.reason.as_deref().unwrap_or("");
                tracing::warn!(%source, state = breaker.state, reason, "circuit breaker changed");
            }
            EngineEvent::RunFinished {
                wall_ms,
                sequential_ms,
                queries,
                stopped,
            } => {
                let stopped = stopped.map(|s| format!("{s:?}"));
                tracing::debug!(wall_ms, sequential_ms, queries, stopped, "run finished");
            }
        }
    }
}

/// Sends events to the caller (if it listens) and logs them (if logging is on).
#[derive(Debug, Clone, Default)]
pub(crate) struct Emitter {
    listener: Option<UnboundedSender<EngineEvent>>,
}

impl Emitter {
    pub(crate) fn new(listener: Option<UnboundedSender<EngineEvent>>) -> Emitter {
        Emitter { listener }
    }

    /// Builds the event only when someone will see it: the hot path stays allocation-free.
    pub(crate) fn emit(&self, make: impl FnOnce() -> EngineEvent) {
        let max_level = LevelFilter::current();
        if self.listener.is_none() && max_level < LevelFilter::WARN {
            return;
        }
        let event = make();
        if max_level >= event.level() {
            event.log();
        }
        if let Some(listener) = &self.listener {
            // A caller that dropped its receiver just stops listening.
            let _ = listener.send(event);
        }
    }
}
