//! Test doubles for the engine and its users: a scripted fake connector and plan builders.
//!
//! `ScriptedConnector` plays a queue of steps (wait, then answer, fail or hang), counts calls,
//! records the queries it saw and the most calls it had in flight at once. Compiled for this
//! crate's tests and, with the `testing` feature, for other crates' tests.
//! Invariant: all waiting uses tokio time, so scripts run instantly on a paused clock.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use orca_core::{
    AgentName, BoxFuture, Complexity, Connector, ConnectorError, ErrorKind, Filters, Plan, Query,
    QueryOutput, Scope, SourceKey, Strategy, Task,
};
use serde_json::json;

/// What one call of a scripted connector does after its delay.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Ok(QueryOutput),
    Err(ConnectorError),
    /// Never answers (until the engine drops the call).
    Hang,
}

/// One scripted call: wait `delay`, then `answer`.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub delay: Duration,
    pub answer: Answer,
}

impl Step {
    pub fn ok(output: QueryOutput) -> Step {
        Step {
            delay: Duration::ZERO,
            answer: Answer::Ok(output),
        }
    }

    pub fn err(error: ConnectorError) -> Step {
        Step {
            delay: Duration::ZERO,
            answer: Answer::Err(error),
        }
    }

    pub fn hang() -> Step {
        Step {
            delay: Duration::ZERO,
            answer: Answer::Hang,
        }
    }

    /// The same step after waiting `ms` milliseconds.
    pub fn after_ms(mut self, ms: u64) -> Step {
        self.delay = Duration::from_millis(ms);
        self
    }
}

/// A fake connector that plays a script, one step per call; when the script runs out it repeats
/// its `otherwise` step (by default: an instant ok with `total: 0`).
pub struct ScriptedConnector {
    source: SourceKey,
    name: String,
    script: Mutex<VecDeque<Step>>,
    otherwise: Step,
    calls: AtomicU32,
    in_flight: AtomicU32,
    max_in_flight: AtomicU32,
    queries: Mutex<Vec<Query>>,
}

impl ScriptedConnector {
    pub fn new(source: SourceKey) -> ScriptedConnector {
        ScriptedConnector {
            source,
            name: format!("scripted-{source}"),
            script: Mutex::new(VecDeque::new()),
            otherwise: Step::ok(output(0, &[])),
            calls: AtomicU32::new(0),
            in_flight: AtomicU32::new(0),
            max_in_flight: AtomicU32::new(0),
            queries: Mutex::new(Vec::new()),
        }
    }

    /// Appends one step to the script.
    pub fn then(self, step: Step) -> Self {
        self.script.lock().unwrap().push_back(step);
        self
    }

    /// Appends `n` copies of `step`.
    pub fn then_times(self, n: usize, step: Step) -> Self {
        self.script
            .lock()
            .unwrap()
            .extend(std::iter::repeat_n(step, n));
        self
    }

    /// What every call does once the script is used up.
    pub fn otherwise(mut self, step: Step) -> Self {
        self.otherwise = step;
        self
    }

    /// Shorthand: every call waits `ms`, then answers ok with `total: 1`.
    pub fn slow_ok(source: SourceKey, ms: u64) -> Self {
        ScriptedConnector::new(source).otherwise(Step::ok(output(1, &[])).after_ms(ms))
    }

    /// As an `Arc<dyn Connector>` for `Engine::new`, keeping a handle for assertions.
    pub fn shared(self) -> (Arc<ScriptedConnector>, Arc<dyn Connector>) {
        let this = Arc::new(self);
        let dyn_this: Arc<dyn Connector> = this.clone();
        (this, dyn_this)
    }

    /// Calls received so far.
    pub fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }

    /// The most calls that were running at the same time.
    pub fn max_in_flight(&self) -> u32 {
        self.max_in_flight.load(Ordering::SeqCst)
    }

    /// Every query received, in call order.
    pub fn queries(&self) -> Vec<Query> {
        self.queries.lock().unwrap().clone()
    }
}

/// Decrements the in-flight count even when the engine drops the call.
struct InFlight<'a>(&'a AtomicU32);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Connector for ScriptedConnector {
    fn source(&self) -> SourceKey {
        self.source
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn run<'a>(&'a self, query: &'a Query) -> BoxFuture<'a, Result<QueryOutput, ConnectorError>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.queries.lock().unwrap().push(query.clone());
        let step = self
            .script
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or_else(|| self.otherwise.clone());
        Box::pin(async move {
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.max_in_flight.fetch_max(now, Ordering::SeqCst);
            let _guard = InFlight(&self.in_flight);
            if !step.delay.is_zero() {
                tokio::time::sleep(step.delay).await;
            }
            match step.answer {
                Answer::Ok(output) => Ok(output),
                Answer::Err(error) => Err(error),
                Answer::Hang => std::future::pending().await,
            }
        })
    }
}

/// An output with `{"total": total}` and the given linkable ids (one row per id).
pub fn output(total: u64, ids: &[&str]) -> QueryOutput {
    QueryOutput {
        summary: json!({ "total": total })
            .as_object()
            .cloned()
            .unwrap_or_default(),
        rows: ids.iter().map(|id| json!({ "id": id })).collect(),
        ids: ids.iter().map(|id| id.to_string()).collect(),
        queries: 1,
        shaped: Default::default(),
    }
}

/// A transient error.
pub fn unavailable() -> ConnectorError {
    ConnectorError::unavailable("connection refused")
}

/// A transient error asking to wait `ms` before retrying.
pub fn rate_limited(ms: u64) -> ConnectorError {
    ConnectorError::new(
        ErrorKind::RateLimited {
            retry_after: Some(Duration::from_millis(ms)),
        },
        "too many requests",
    )
}

/// A task `id` for `source` about a made-up customer, non-critical, without dependencies.
pub fn task(id: &str, source: SourceKey) -> Task {
    Task {
        id: id.to_string(),
        agent: source.agent(),
        source,
        tenant_id: Some("00000000-0000-0000-0000-00000000f04d".to_string()),
        customer: Some("Ford Motor Company".to_string()),
        depends_on: Vec::new(),
        critical: false,
        time_range: None,
    }
}

/// A plan around `tasks`, with fields derived the way the analyzer would.
pub fn plan(tasks: Vec<Task>) -> Plan {
    let mut data_sources: Vec<SourceKey> = tasks.iter().map(|t| t.source).collect();
    data_sources.sort();
    data_sources.dedup();
    let agents: Vec<AgentName> = data_sources.iter().map(|s| s.agent()).collect();
    Plan {
        request: "test request".to_string(),
        interpretation: String::new(),
        not_understood: Vec::new(),
        intent: Default::default(),
        shape: Default::default(),
        complexity: Complexity::Simple,
        score: 1,
        factors: Vec::new(),
        strategy: Strategy::of(&tasks),
        agents,
        data_sources,
        scope: Scope::Customers,
        cohort: None,
        cohort_tenants: Vec::new(),
        customers: Vec::new(),
        unresolved: Vec::new(),
        ambiguous: Vec::new(),
        time_range: serde_json::from_value(json!({
            "from": "2026-10-25T00:00:00Z",
            "to": "2026-11-24T12:00:00Z",
            "label": "last 30 days",
        }))
        .ok(),
        filters: Filters::default(),
        tasks,
        estimated_ms: 0,
        search_terms: Vec::new(),
        default_agents: false,
        not_permitted: Vec::new(),
        permitted_tenants: None,
    }
}
