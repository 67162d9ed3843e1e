//! The shape of an answer (DESIGN section 9): what kind of answer a request asks for (`Intent`)
//! and how a connector must aggregate to give it (`Shape`), plus the aggregated outputs a
//! section carries (`Shaped`: ranking, groups, series, list bounds, one measured value).
//!
//! Invariant: a shape is typed values only. A connector pushes it down as an aggregation (SQL
//! `GROUP BY`, KQL `summarize ... by bin()`), never by fetching every row; the JSON names are the
//! contract of DESIGN section 9.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::names::CustomerRef;

/// What kind of answer a request asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// "how many", "show cases for": the summary counts.
    #[default]
    Count,
    /// "list", "show me the 5 oldest": rows sorted and limited as asked.
    List,
    /// "who owns case N", "status of ICM N": one item.
    Lookup,
    /// "which customer has the most open cases", "top 5 customers by Sev A".
    Rank,
    /// "by product area", "by severity", "per owner", "distribution".
    Breakdown,
    /// "trend", "over time", "per week", "trending up".
    Trend,
    /// "compare Ford and GM", "this month vs last month".
    Compare,
    /// "average age of open cases", "mean time to mitigate", "how many customers in MCS".
    Aggregate,
    /// "why did X spike", "root cause", "what's driving".
    Investigate,
    /// Product questions.
    Docs,
}

impl Intent {
    pub fn as_str(self) -> &'static str {
        match self {
            Intent::Count => "count",
            Intent::List => "list",
            Intent::Lookup => "lookup",
            Intent::Rank => "rank",
            Intent::Breakdown => "breakdown",
            Intent::Trend => "trend",
            Intent::Compare => "compare",
            Intent::Aggregate => "aggregate",
            Intent::Investigate => "investigate",
            Intent::Docs => "docs",
        }
    }
}

/// What to group by for a breakdown (rank groups by customer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Customer,
    ProductArea,
    Severity,
    Status,
    Owner,
    WorkItemType,
}

impl GroupBy {
    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Customer => "customer",
            GroupBy::ProductArea => "product area",
            GroupBy::Severity => "severity",
            GroupBy::Status => "status",
            GroupBy::Owner => "owner",
            GroupBy::WorkItemType => "work item type",
        }
    }
}

/// The width of one bucket of a trend: chosen by the range unless asked ("per week").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    Day,
    Week,
    Month,
}

impl Bucket {
    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Day => "day",
            Bucket::Week => "week",
            Bucket::Month => "month",
        }
    }
}

/// What rows (or ranked entries) are sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    /// Creation time: "newest", "oldest" (oldest first is ascending).
    Created,
    /// Severity, most severe first when descending ("worst").
    Severity,
    /// The measured value (ranking).
    Value,
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    Asc,
    Desc,
}

/// A sort as asked: `{"by": "created", "order": "asc"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Sort {
    pub by: SortKey,
    pub order: Order,
}

/// What is measured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Items matching the filters.
    #[default]
    Count,
    /// Average age in days of the matching items, at `now` (open ones for "average age").
    AverageAgeDays,
    /// Mean hours from creation to mitigation (incidents).
    MeanTimeToMitigateHours,
    /// Customers (registry rows) in the scope: "how many customers are in MCS".
    Customers,
}

impl Measure {
    /// The unit the answer states with the value.
    pub fn unit(self) -> &'static str {
        match self {
            Measure::Count => "",
            Measure::AverageAgeDays => "days",
            Measure::MeanTimeToMitigateHours => "h",
            Measure::Customers => "customers",
        }
    }
}

/// The shape of the answer a query must produce. `Shape::default()` is a plain count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Shape {
    pub intent: Intent,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_by: Option<GroupBy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<Bucket>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<Sort>,
    /// Rows (list) or entries (rank) asked for; `None` = the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
    #[serde(default)]
    pub measure: Measure,
}

impl Shape {
    /// Most rows (or ranked entries) "all" asks for (DESIGN section 9: `[answer] max_rows`).
    pub const MAX_ROWS: usize = 1000;
}

/// One ranked customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Ranked {
    pub customer: CustomerRef,
    pub value: f64,
}

/// One group of a breakdown; `share` is the group's part of the total (0..1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Group {
    pub key: String,
    pub value: f64,
    pub share: f64,
}

/// One bucket of a trend, `[start, end)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Point {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub value: f64,
}

/// The direction of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Up,
    Down,
    Flat,
}

/// A change between two values (two periods, two customers, first and last bucket).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Change {
    pub from_value: f64,
    pub to_value: f64,
    pub delta: f64,
    /// Percent change from `from_value`; null when `from_value` is 0.
    pub pct: Option<f64>,
    pub direction: Direction,
    /// What `from_value` is ("last month", "Ford Motor Company"), for the reader.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_label: Option<String>,
}

impl Change {
    pub fn between(from_value: f64, to_value: f64) -> Change {
        let delta = to_value - from_value;
        let pct = (from_value != 0.0).then(|| (delta / from_value * 1000.0).round() / 10.0);
        let direction = if delta > 0.0 {
            Direction::Up
        } else if delta < 0.0 {
            Direction::Down
        } else {
            Direction::Flat
        };
        Change {
            from_value,
            to_value,
            delta,
            pct,
            direction,
            from_label: None,
        }
    }
}

/// What a shaped query returns besides the summary: empty for a plain count. A section carries
/// it flattened, so its fields sit beside `summary` and `rows` in the JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Shaped {
    /// rank: customers by the measure, highest first (or lowest when asked), ties kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranking: Vec<Ranked>,
    /// breakdown: one group per key (severity, state, product area, owner, ...) with its share.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Group>,
    /// trend: one point per bucket, oldest first, empty buckets included as 0.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub series: Vec<Point>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<Bucket>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<Sort>,
    /// The most rows (or ranked entries) returned, as asked ("top 5") or by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
    /// More rows (or ranked entries) match than were returned.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// The measured value of an aggregate (with `Shape::measure`'s unit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Change from the first to the last bucket of a trend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<Change>,
}

impl Shaped {
    pub fn is_empty(&self) -> bool {
        *self == Shaped::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_reads_up_down_and_flat() {
        let up = Change::between(13.0, 29.0);
        assert_eq!(up.delta, 16.0);
        assert_eq!(up.pct, Some(123.1));
        assert_eq!(up.direction, Direction::Up);
        assert_eq!(Change::between(0.0, 3.0).pct, None);
        assert_eq!(Change::between(4.0, 4.0).direction, Direction::Flat);
        assert_eq!(Change::between(4.0, 1.0).direction, Direction::Down);
    }

    #[test]
    fn a_default_shape_is_a_count() {
        let json = serde_json::to_value(Shape::default()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"intent": "count", "measure": "count"})
        );
        assert!(Shaped::default().is_empty());
    }
}
