//! The plan: what the analyzer decided about one request (DESIGN section 5, `orca plan --format json`).
//!
//! Field names are a fixed contract; fields may be added, never renamed. A plan is data only:
//! nothing in it runs, and the engine executes its `tasks` graph.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::names::{AgentName, SourceKey};
use crate::shape::{Intent, Shape};

/// How much work a request is, bucketed from `score`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
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
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Unresolved {
    pub mention: String,
    /// Registry names that look close, best first (possibly empty).
    pub suggestions: Vec<String>,
}

/// A mention that fits several customers equally: never guessed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Ambiguous {
    pub mention: String,
    pub candidates: Vec<String>,
}

/// A resolved time range over one event column.
///
/// `from` is always included. `to` is excluded, except when `to_inclusive` is set: a range that
/// runs up to `now` ("last 30 days", "this month", "since March 1") includes `now` itself, so an
/// item stamped exactly at `now` is counted (DESIGN section 8: both ends included).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct TimeRange {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// Human label as understood, e.g. "last 30 days", "Q3 2026".
    pub label: String,
    /// True when `to` itself is in the range (ranges that end at `now`).
    #[serde(default)]
    pub to_inclusive: bool,
    /// Which event the range filters on: the verb of the request picks it ("closed last week").
    #[serde(default)]
    pub event: TimeEvent,
}

impl TimeRange {
    /// A half-open range `[from, to)` on the creation time.
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>, label: impl Into<String>) -> Self {
        TimeRange {
            from,
            to,
            label: label.into(),
            to_inclusive: false,
            event: TimeEvent::Created,
        }
    }

    /// True when the instant is inside the range.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.from <= t && (t < self.to || (self.to_inclusive && t == self.to))
    }
}

impl TimeRange {
    /// The period before this one, of the same length, ending where it starts; a calendar
    /// month ("last month", "in October") is compared with the month before it.
    pub fn previous(&self) -> TimeRange {
        use chrono::{Datelike, Months, Timelike};
        let range = self;
        let midnight_first =
            |t: chrono::DateTime<chrono::Utc>| t.day() == 1 && t.num_seconds_from_midnight() == 0;
        if midnight_first(range.from)
            && midnight_first(range.to)
            && range.from.checked_add_months(Months::new(1)) == Some(range.to)
            && let Some(from) = range.from.checked_sub_months(Months::new(1))
        {
            let mut previous = TimeRange::new(from, range.from, from.format("%B %Y").to_string());
            previous.event = range.event;
            return previous;
        }
        let length = range.to - range.from;
        let mut previous = TimeRange::new(
            range.from - length,
            range.from,
            format!("the {} before", describe_length(length)),
        );
        previous.event = range.event;
        previous
    }
}

/// A period's length in words, for the label of the period before it ("the week before").
fn describe_length(length: chrono::TimeDelta) -> String {
    let days = length.num_days();
    match days {
        0 => format!("{} hours", length.num_hours()),
        1 => "day".to_string(),
        d if (28..=31).contains(&d) => "month".to_string(),
        7 => "week".to_string(),
        d => format!("{d} days"),
    }
}

/// The event column a time range applies to (DESIGN section 8, "Event time follows the verb").
///
/// Per source: `Created` is CreatedAt (metrics: Date); `Closed` is ClosedAt for cases and
/// ResolvedAt for incidents; `Mitigated` is MitigatedAt (incidents only). A source without the
/// column (work items have no closed date) reports that it cannot apply the range.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimeEvent {
    #[default]
    Created,
    Closed,
    Mitigated,
}

impl TimeEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            TimeEvent::Created => "created",
            TimeEvent::Closed => "closed",
            TimeEvent::Mitigated => "mitigated",
        }
    }
}

/// Status filter by meaning (DESIGN section 6 and 8). Each source maps it onto its own states:
///
/// | value | cases, work items | incidents |
/// |---|---|---|
/// | `open` | not Resolved/Closed | Active |
/// | `closed` | Resolved or Closed | not Active |
/// | `unresolved` ("not resolved") | not Resolved/Closed | Active or Mitigated |
///
/// Exact state words ("waiting", "mitigated", "new") go to [`Filters::states`] instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusFilter {
    Open,
    Closed,
    Unresolved,
}

impl StatusFilter {
    pub fn as_str(self) -> &'static str {
        match self {
            StatusFilter::Open => "open",
            StatusFilter::Closed => "closed",
            StatusFilter::Unresolved => "unresolved",
        }
    }
}

/// One specific item named by its id ("case 2611240001000050", "ICM 400000457", "bug 3000061").
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub struct ItemId {
    pub source: SourceKey,
    pub id: String,
}

/// Filters that agents apply to their rows.
///
/// `severity` holds case severities as letters (`"A"`, `"B"`, `"C"`) and incident severities as
/// digits (`"0"`..`"4"`, `"25"` for Sev 2.5): each agent applies the values of its own kind and
/// ignores the others, so "Sev A cases and ICMs" narrows cases only. The same holds for `states`
/// (each source applies the state names it has) and `item_ids` (each source its own ids).
/// Every field is a typed value; none is ever spliced into SQL or KQL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Filters {
    pub status: Option<StatusFilter>,
    #[serde(default)]
    pub severity: Vec<String>,
    /// Work item types asked for (`"Bug"`, `"DCR"`, `"Feature"`); empty means every type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub work_item_types: Vec<String>,
    /// Exact states asked for, canonical spelling (`"Waiting"`, `"Mitigated"`, `"New"`,
    /// `"Active"`...): a source keeps rows in any of the listed states it knows, and ignores the
    /// filter when it knows none of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub states: Vec<String>,
    /// States excluded ("excluding waiting", "not closed"), canonical spelling; a source
    /// excludes the listed states it knows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_states: Vec<String>,
    /// Severities excluded ("excluding Sev C", "not Sev 1"), same encoding as `severity`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_severity: Vec<String>,
    /// Product areas asked for, as the data names them ("DLP", "eDiscovery"); empty = every area.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub product_areas: Vec<String>,
    /// Product areas excluded ("other than DLP").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_product_areas: Vec<String>,
    /// Only items created at or before this instant ("older than 30 days", "created before
    /// October", "open for more than a week").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_before: Option<DateTime<Utc>>,
    /// Owner ("assigned to Aisha Khan"), compared case-insensitively with the whole owner name
    /// (cases: Owner; incidents: OwningTeam).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Specific items: each source keeps only its own ids and, when it has some, returns only
    /// those rows (a lookup); a source with ids of other sources only is unaffected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub item_ids: Vec<ItemId>,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }

    /// The item ids of one source.
    pub fn ids_of(&self, source: SourceKey) -> impl Iterator<Item = &str> {
        self.item_ids
            .iter()
            .filter(move |i| i.source == source)
            .map(|i| i.id.as_str())
    }

    /// Case severities (letters) in this filter.
    pub fn case_severities(&self) -> impl Iterator<Item = &str> {
        letters(&self.severity)
    }

    /// Incident severities (digits) in this filter.
    pub fn incident_severities(&self) -> impl Iterator<Item = &str> {
        digits(&self.severity)
    }

    /// Case severities excluded.
    pub fn excluded_case_severities(&self) -> impl Iterator<Item = &str> {
        letters(&self.exclude_severity)
    }

    /// Incident severities excluded.
    pub fn excluded_incident_severities(&self) -> impl Iterator<Item = &str> {
        digits(&self.exclude_severity)
    }
}

fn letters(values: &[String]) -> impl Iterator<Item = &str> {
    values
        .iter()
        .map(String::as_str)
        .filter(|s| s.chars().all(|c| c.is_ascii_alphabetic()))
}

fn digits(values: &[String]) -> impl Iterator<Item = &str> {
    values
        .iter()
        .map(String::as_str)
        .filter(|s| s.chars().all(|c| c.is_ascii_digit()))
}

/// One unit of work: one agent, for one customer (or for all / none), after its dependencies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
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
    /// This task's own time range, when it differs from the plan's (one side of a comparison of
    /// periods: "this month vs last month").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_range: Option<TimeRange>,
}

/// Everything the analyzer decided about one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Plan {
    /// The request as asked.
    pub request: String,
    /// One plain sentence restating exactly what will be answered: resolved names, filters and
    /// absolute dates (DESIGN section 8).
    #[serde(default)]
    pub interpretation: String,
    /// Words of the request that no slot claimed, as written: the answer says it did not
    /// understand them rather than silently answering another question.
    #[serde(default)]
    pub not_understood: Vec<String>,
    pub complexity: Complexity,
    /// The complexity score: the sum of the factors' weights.
    pub score: u32,
    /// Human-readable reasons for the score, e.g. "2 data sources (kusto, icm)".
    pub factors: Vec<String>,
    pub strategy: Strategy,
    /// The agents that run, in the order of DESIGN section 3.
    pub agents: Vec<AgentName>,
    /// The data sources those agents query.
    pub data_sources: Vec<SourceKey>,
    pub scope: Scope,
    /// The segment for cohort requests ("MCS customers"); null otherwise.
    pub cohort: Option<String>,
    /// The cohort's tenant ids (lower case, sorted), resolved from the registry when the plan is
    /// made: scope-wide queries carry this list, so no source needs Orca's registry to know who
    /// is in a cohort (remote sources cannot join it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cohort_tenants: Vec<String>,
    /// Mentions resolved to exactly one registry customer.
    pub customers: Vec<ResolvedCustomer>,
    /// Company-like mentions that are not in the registry, with close names.
    pub unresolved: Vec<Unresolved>,
    /// Mentions that fit several customers equally: never guessed, stated in the answer.
    pub ambiguous: Vec<Ambiguous>,
    pub time_range: Option<TimeRange>,
    pub filters: Filters,
    /// One task per agent and customer (or all customers, or none), with its dependencies.
    pub tasks: Vec<Task>,
    /// The expected wall time of the run, from the sources' typical latencies.
    pub estimated_ms: u64,
    /// What kind of answer is asked for (DESIGN section 9); the same as `shape.intent`.
    #[serde(default)]
    pub intent: Intent,
    /// How the connectors aggregate for it: group, bucket, sort, limit, measure.
    #[serde(default)]
    pub shape: Shape,
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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
