//! The plan: what the analyzer decided about one request (DESIGN section 5, `orca plan --format json`).
//!
//! Field names are a fixed contract; fields may be added, never renamed. A plan is data only:
//! nothing in it runs, and the engine executes its `tasks` graph.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::names::{AgentName, SourceKey};

/// How much work a request is, bucketed from `score`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Complexity {
    Simple,
    Medium,
    Complex,
}

impl Complexity {
    /// Buckets a score: <= 2 simple, <= 5 medium, else complex.
    pub fn from_score(score: u32) -> Self {
        match score {
            0..=2 => Complexity::Simple,
            3..=5 => Complexity::Medium,
            _ => Complexity::Complex,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Complexity::Simple => "simple",
            Complexity::Medium => "medium",
            Complexity::Complex => "complex",
        }
    }
}

/// The shape of the task graph: one task, a chain with context sharing, or independent tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Exactly one task.
    Direct,
    /// At least one task needs another task's output (context sharing).
    Sequential,
    /// Several independent tasks, run at once.
    Parallel,
}

impl Strategy {
    /// Derives the strategy from the task graph; the plan never stores a contradicting one.
    pub fn of(tasks: &[Task]) -> Self {
        if tasks.len() <= 1 {
            Strategy::Direct
        } else if tasks.iter().any(|t| !t.depends_on.is_empty()) {
            Strategy::Sequential
        } else {
            Strategy::Parallel
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Direct => "direct",
            Strategy::Sequential => "sequential",
            Strategy::Parallel => "parallel",
        }
    }
}

/// Who the request is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Named customers (see `Plan::customers`).
    Customers,
    /// Every customer, or a cohort of them (`Plan::cohort` names the segment).
    All,
    /// No customer: e.g. a product documentation question.
    None,
}

/// How a mention was matched to a registry customer, in order of trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    Exact,
    Alias,
    Normalized,
    Fuzzy,
}

impl MatchKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::Exact => "exact",
            MatchKind::Alias => "alias",
            MatchKind::Normalized => "normalized",
            MatchKind::Fuzzy => "fuzzy",
        }
    }
}

/// A mention in the request resolved to exactly one registry customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResolvedCustomer {
    pub name: String,
    pub tenant_id: String,
    /// The words of the request that named the customer, as written.
    pub mention: String,
    #[serde(rename = "match")]
    pub match_kind: MatchKind,
    /// 1.0 for exact, alias and normalized matches; below 1.0 for fuzzy ones.
    pub confidence: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<String>,
}

/// A company-like mention that is not in the registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unresolved {
    pub mention: String,
    /// Registry names that look close, best first (possibly empty).
    pub suggestions: Vec<String>,
}

/// A mention that fits several customers equally: never guessed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ambiguous {
    pub mention: String,
    pub candidates: Vec<String>,
}

/// A resolved time range; `to` is exclusive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TimeRange {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Human label as understood, e.g. "last 30 days", "Q3 2026".
    pub label: String,
}

/// Status filter. Words map onto two values: open/active/outstanding -> `open`,
/// closed/resolved/fixed/mitigated -> `closed` (see DESIGN section 6 for what "open" means per source).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusFilter {
    Open,
    Closed,
}

/// Filters that agents apply to their rows.
///
/// `severity` holds case severities as letters (`"A"`, `"B"`, `"C"`) and incident severities as
/// digits (`"0"`..`"4"`, `"25"` for Sev 2.5): each agent applies the values of its own kind and
/// ignores the others, so "Sev A cases and ICMs" narrows cases only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Filters {
    pub status: Option<StatusFilter>,
    #[serde(default)]
    pub severity: Vec<String>,
    /// Work item types asked for (`"Bug"`, `"DCR"`, `"Feature"`); empty means every type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub work_item_types: Vec<String>,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        self.status.is_none() && self.severity.is_empty() && self.work_item_types.is_empty()
    }

    /// Case severities (letters) in this filter.
    pub fn case_severities(&self) -> impl Iterator<Item = &str> {
        self.severity
            .iter()
            .map(String::as_str)
            .filter(|s| s.chars().all(|c| c.is_ascii_alphabetic()))
    }

    /// Incident severities (digits) in this filter.
    pub fn incident_severities(&self) -> impl Iterator<Item = &str> {
        self.severity
            .iter()
            .map(String::as_str)
            .filter(|s| s.chars().all(|c| c.is_ascii_digit()))
    }
}

/// One unit of work: one agent, for one customer (or for all / none), after its dependencies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    /// `t1`, `t2`, ... in plan order.
    pub id: String,
    pub agent: AgentName,
    pub source: SourceKey,
    /// The customer's tenant; null for docs and for `scope: all` tasks.
    pub tenant_id: Option<String>,
    /// The customer's registry name, for sections and answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// Ids of tasks whose outputs this task receives (context sharing).
    pub depends_on: Vec<String>,
    /// A critical task answers the main question: if it fails, the answer says it cannot answer.
    #[serde(default)]
    pub critical: bool,
}

/// Everything the analyzer decided about one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub request: String,
    pub complexity: Complexity,
    pub score: u32,
    /// Human-readable reasons for the score, e.g. "2 data sources (kusto, icm)".
    pub factors: Vec<String>,
    pub strategy: Strategy,
    pub agents: Vec<AgentName>,
    pub data_sources: Vec<SourceKey>,
    pub scope: Scope,
    /// The segment for cohort requests ("MCS customers"); null otherwise.
    pub cohort: Option<String>,
    pub customers: Vec<ResolvedCustomer>,
    pub unresolved: Vec<Unresolved>,
    pub ambiguous: Vec<Ambiguous>,
    pub time_range: Option<TimeRange>,
    pub filters: Filters,
    pub tasks: Vec<Task>,
    pub estimated_ms: u64,
    /// Words for the docs agent's full-text search (request words minus stop words and names).
    #[serde(default)]
    pub search_terms: Vec<String>,
    /// True when no agent word was found and the default overview set was used.
    #[serde(default)]
    pub default_agents: bool,
    /// Customers the request named that the caller may not see: left out of `customers` and
    /// `tasks`, and stated in the answer (set by the front end's permission check, not `analyze`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_permitted: Vec<NotPermitted>,
    /// When set, `scope: all` tasks query only these tenants (the caller's permitted ones, in
    /// the cohort if any) instead of every tenant; the query, and so any cache key, carries them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permitted_tenants: Option<Vec<String>>,
}

/// A customer named in the request that the caller is not permitted to see. Only the words of
/// the request are repeated: neither the registry name nor the tenant id is revealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotPermitted {
    pub mention: String,
}

impl Plan {
    pub fn task(&self, id: &str) -> Option<&Task> {
        self.tasks.iter().find(|t| t.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complexity_buckets() {
        assert_eq!(Complexity::from_score(0), Complexity::Simple);
        assert_eq!(Complexity::from_score(2), Complexity::Simple);
        assert_eq!(Complexity::from_score(3), Complexity::Medium);
        assert_eq!(Complexity::from_score(5), Complexity::Medium);
        assert_eq!(Complexity::from_score(6), Complexity::Complex);
    }

    #[test]
    fn severity_kinds_split() {
        let f = Filters {
            status: None,
            severity: vec!["A".into(), "1".into(), "25".into()],
            ..Filters::default()
        };
        assert_eq!(f.case_severities().collect::<Vec<_>>(), ["A"]);
        assert_eq!(f.incident_severities().collect::<Vec<_>>(), ["1", "25"]);
    }
}
