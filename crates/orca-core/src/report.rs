//! The ask report (DESIGN section 5, `orca ask --format json`): sections per agent and customer,
//! the answer sentence, timings and cache figures.
//!
//! A task never ends as an `Err`: it ends as a `Section` whose `status` and `reason` say what
//! happened. `partial`, `errors` and `unanswered` are derived from the sections when the report is
//! assembled ([`Report::new`]), never set on their own.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use crate::names::CustomerRef;
use crate::names::{AgentName, SourceKey};
use crate::plan::Plan;
use crate::shape::Shaped;

/// How a task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SectionStatus {
    Ok,
    Error,
    Timeout,
    Skipped,
}

impl SectionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SectionStatus::Ok => "ok",
            SectionStatus::Error => "error",
            SectionStatus::Timeout => "timeout",
            SectionStatus::Skipped => "skipped",
        }
    }
}

/// The result of one task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Section {
    /// The plan task this section answers.
    pub task_id: String,
    pub agent: AgentName,
    pub source: SourceKey,
    /// The customer the task was for; null for tasks over all customers or none (docs).
    pub customer: Option<CustomerRef>,
    /// ok, or why there is no result: error, timeout, skipped.
    pub status: SectionStatus,
    /// Why the section is not ok ("timeout after 5 s", "source paused after 5 failures in a row; trying it again in 30 s").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Counts of the source's results, such as total and open (DESIGN section 5).
    pub summary: Map<String, Value>,
    /// The items behind the summary (cases, incidents, work items, tenants, doc passages).
    pub rows: Vec<Value>,
    /// The period of this section when the request compares periods ("last month").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// Ranking, groups, series and list bounds of a shaped answer (DESIGN section 9).
    #[serde(default, flatten)]
    pub shaped: Box<Shaped>,
    /// How long the task took, retries included.
    pub elapsed_ms: f64,
    /// True when the result came from the session cache.
    pub cached: bool,
    /// Calls made to the source, retries included.
    pub attempts: u32,
    /// True when the answer depends on this section: its failure leaves the question unanswered.
    pub critical: bool,
    /// Milliseconds from the start of the run to the task's start (for `--explain`).
    #[serde(default)]
    pub started_ms: f64,
    /// Milliseconds from the start of the run to the task's end.
    #[serde(default)]
    pub ended_ms: f64,
}

impl Section {
    pub fn is_ok(&self) -> bool {
        self.status == SectionStatus::Ok
    }

    /// Why the section is not ok, falling back to its status word.
    pub fn reason_text(&self) -> &str {
        self.reason.as_deref().unwrap_or(self.status.as_str())
    }
}

/// One gap in the answer, listed at the top level for readers that skip sections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ReportError {
    pub task_id: String,
    pub source: SourceKey,
    pub status: SectionStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    pub reason: String,
    pub critical: bool,
}

/// Where the time went.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Timings {
    /// Wall time of the whole ask (analysis + execution + merge).
    pub total_ms: f64,
    /// Time spent analyzing the request, in microseconds.
    pub analysis_us: f64,
    /// Sum of the task times: what running them one after another would have cost.
    pub sequential_ms: f64,
    /// `sequential_ms / total_ms` (1.0 when nothing ran).
    pub speedup: f64,
}

/// Result cache figures for this ask (lookups counted once each).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    pub hit_rate: f64,
    /// Where results were looked up: `memory` or `redis`; `off` without a cache, `bypassed` for
    /// `--no-cache`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub backend: String,
    /// Hits served by following an identical query already in flight (part of `hits`).
    #[serde(default)]
    pub coalesced: u64,
    /// The shared cache failed or was skipped during this ask: the answer came from the sources.
    #[serde(default)]
    pub degraded: bool,
}

impl CacheStats {
    pub fn new(hits: u64, misses: u64) -> Self {
        let total = hits + misses;
        let hit_rate = if total == 0 {
            0.0
        } else {
            hits as f64 / total as f64
        };
        CacheStats {
            hits,
            misses,
            hit_rate,
            ..CacheStats::default()
        }
    }
}

/// The full answer to one ask.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    /// The request as asked.
    pub request: String,
    /// How the request was understood and what ran.
    pub plan: Plan,
    /// The answer in a few sentences; its first line answers the question, its last restates
    /// the interpretation.
    pub answer: String,
    /// One per task: an agent's result for one customer (or all, or none).
    pub sections: Vec<Section>,
    /// True when any section is not ok: the answer is missing what `errors` lists.
    pub partial: bool,
    /// One entry per section that is not ok, with the reason.
    pub errors: Vec<ReportError>,
    pub timings: Timings,
    pub cache: CacheStats,
    /// True when a critical task failed: the main question could not be answered.
    #[serde(default)]
    pub unanswered: bool,
    /// An investigation's findings, in order, each with the ids of the tasks that support it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
}

impl Report {
    /// Assembles a report; `partial`, `errors` and `unanswered` are derived from the sections.
    pub fn new(
        plan: Plan,
        answer: String,
        sections: Vec<Section>,
        timings: Timings,
        cache: CacheStats,
    ) -> Self {
        let errors: Vec<ReportError> = sections
            .iter()
            .filter(|s| !s.is_ok())
            .map(|s| ReportError {
                task_id: s.task_id.clone(),
                source: s.source,
                status: s.status,
                customer: s.customer.as_ref().map(|c| c.name.clone()),
                reason: s.reason_text().to_string(),
                critical: s.critical,
            })
            .collect();
        let partial = !errors.is_empty();
        let unanswered = errors.iter().any(|e| e.critical);
        Report {
            request: plan.request.clone(),
            plan,
            answer,
            sections,
            partial,
            errors,
            timings,
            cache,
            unanswered,
            findings: Vec::new(),
        }
    }
}

/// One finding of an investigation and the tasks that support it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    pub text: String,
    pub evidence: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hit_rate_is_zero_without_lookups() {
        assert_eq!(CacheStats::new(0, 0).hit_rate, 0.0);
        assert_eq!(CacheStats::new(3, 1).hit_rate, 0.75);
    }
}
