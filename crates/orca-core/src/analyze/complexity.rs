//! Complexity: a score with one human-readable factor per reason, and the estimated latency of
//! the task graph.
//!
//! Points: 2 data sources +3, 3 +5, 4 or more +6 (one source: 0, still listed), so that the
//! seed guide's worked examples get its labels: "How many cases does Ford have?" simple (0),
//! "Show me cases and ICMs for Ford" medium (3), "Show cases, ICMs, and ADO bugs for Ford, GM,
//! and Toyota" complex (5 + 1), "Show full health report for Ford: cases, ICMs, ADO bugs, and
//! tenant metrics" complex (6); 2-5 customers +1, 6 or
//! more +3; scope all or a cohort +3; time-series words (trend, over time, spike, history,
//! timeline...) +1; aggregation words (compare, versus, breakdown, distribution, "by severity",
//! "per customer"...) +2; investigation words (why, root cause, investigate, RCA, diagnose, "what
//! caused") +2; each context-sharing dependency +1. `Complexity::from_score` buckets the total.
//! `estimated_ms` is the longest path through the task graph, each task costing its agent's
//! configured `estimated_ms`: parallel tasks cost their maximum, chains add up.

use super::tasks::Dependency;
use super::tokens::{Role, Tok};
use crate::config::AnalyzerConfig;
use crate::names::SourceKey;
use crate::plan::{Scope, Task};

/// The first word of each signal family found in the request, as a label.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Signals {
    pub time_series: Option<&'static str>,
    pub aggregation: Option<&'static str>,
    pub investigation: Option<&'static str>,
}

/// A signal family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    TimeSeries,
    Aggregation,
    Investigation,
}

/// The signal phrase starting at token `i`, if any:
/// time series: trend(s/ing), spike(s/d), spiking, over time, history, historical, timeline,
/// week over week, month over month, surge; aggregation: compare(d), comparing, comparison,
/// versus, vs, breakdown, break down, distribution, group(ed) by, by severity|status|month|week|
/// customer|segment|product, per customer|month|week|segment; investigation: why, root cause,
/// investigate, investigating, investigation, rca, diagnose, what caused, what happened.
fn signal_at(toks: &[Tok<'_>], i: usize) -> Option<(Family, &'static str)> {
    use Family::*;
    let w = |k: usize| {
        toks.get(i + k)
            .filter(|t| t.role != Role::Customer)
            .map(|t| t.folded)
    };
    let next = w(1);
    Some(match w(0)? {
        "trend" => (TimeSeries, "trend"),
        "trends" => (TimeSeries, "trends"),
        "trending" => (TimeSeries, "trending"),
        "spike" => (TimeSeries, "spike"),
        "spikes" => (TimeSeries, "spikes"),
        "spiked" => (TimeSeries, "spiked"),
        "spiking" => (TimeSeries, "spiking"),
        "history" => (TimeSeries, "history"),
        "historical" => (TimeSeries, "historical"),
        "timeline" => (TimeSeries, "timeline"),
        "surge" => (TimeSeries, "surge"),
        "over" if next == Some("time") => (TimeSeries, "over time"),
        "week" if next == Some("over") && w(2) == Some("week") => (TimeSeries, "week over week"),
        "month" if next == Some("over") && w(2) == Some("month") => {
            (TimeSeries, "month over month")
        }
        "compare" => (Aggregation, "compare"),
        "compared" => (Aggregation, "compared"),
        "comparing" => (Aggregation, "comparing"),
        "comparison" => (Aggregation, "comparison"),
        "versus" => (Aggregation, "versus"),
        "vs" => (Aggregation, "vs"),
        "breakdown" => (Aggregation, "breakdown"),
        "break" if next == Some("down") => (Aggregation, "break down"),
        "distribution" => (Aggregation, "distribution"),
        "group" if next == Some("by") => (Aggregation, "group by"),
        "grouped" if next == Some("by") => (Aggregation, "grouped by"),
        "by" => match next? {
            "severity" => (Aggregation, "by severity"),
            "status" => (Aggregation, "by status"),
            "month" => (Aggregation, "by month"),
            "week" => (Aggregation, "by week"),
            "customer" => (Aggregation, "by customer"),
            "segment" => (Aggregation, "by segment"),
            "product" => (Aggregation, "by product"),
            _ => return None,
        },
        "per" => match next? {
            "customer" => (Aggregation, "per customer"),
            "month" => (Aggregation, "per month"),
            "week" => (Aggregation, "per week"),
            "segment" => (Aggregation, "per segment"),
            _ => return None,
        },
        "why" => (Investigation, "why"),
        "root" if next == Some("cause") => (Investigation, "root cause"),
        "investigate" => (Investigation, "investigate"),
        "investigating" => (Investigation, "investigating"),
        "investigation" => (Investigation, "investigation"),
        "rca" => (Investigation, "rca"),
        "diagnose" => (Investigation, "diagnose"),
        "what" if next == Some("caused") => (Investigation, "what caused"),
        "what" if next == Some("happened") => (Investigation, "what happened"),
        _ => return None,
    })
}

/// Finds the first signal phrase of each family among the tokens outside customer mentions.
pub(crate) fn signals(toks: &[Tok<'_>]) -> Signals {
    let mut out = Signals::default();
    for i in 0..toks.len() {
        let slot = match signal_at(toks, i) {
            Some((Family::TimeSeries, label)) => (&mut out.time_series, label),
            Some((Family::Aggregation, label)) => (&mut out.aggregation, label),
            Some((Family::Investigation, label)) => (&mut out.investigation, label),
            None => continue,
        };
        slot.0.get_or_insert(slot.1);
    }
    out
}

/// What the score is computed from.
pub(crate) struct Inputs<'a> {
    pub sources: &'a [SourceKey],
    pub customers: usize,
    pub scope: Scope,
    pub cohort: Option<&'a str>,
    pub signals: &'a Signals,
    pub deps: &'a [Dependency],
}

/// The score and its factors.
pub(crate) fn score(inputs: &Inputs<'_>) -> (u32, Vec<String>) {
    let mut score = 0;
    let mut factors = Vec::new();
    let mut add = |points: u32, factor: String| {
        score += points;
        factors.push(factor);
    };
    let n = inputs.sources.len();
    if n > 0 {
        let names: Vec<&str> = inputs.sources.iter().map(|s| s.as_str()).collect();
        let plural = if n == 1 { "" } else { "s" };
        let points = match n {
            1 => 0,
            2 => 3,
            3 => 5,
            _ => 6,
        };
        add(
            points,
            format!("{n} data source{plural} ({})", names.join(", ")),
        );
    }
    if inputs.scope == Scope::All {
        match inputs.cohort {
            Some(cohort) => add(3, format!("cohort: all {cohort} customers")),
            None => add(3, "all customers".to_string()),
        }
    } else if inputs.customers >= 6 {
        add(3, format!("{} customers", inputs.customers));
    } else if inputs.customers >= 2 {
        add(1, format!("{} customers", inputs.customers));
    }
    if let Some(word) = inputs.signals.time_series {
        add(1, format!("time series ({word})"));
    }
    if let Some(word) = inputs.signals.aggregation {
        add(2, format!("aggregation ({word})"));
    }
    if let Some(word) = inputs.signals.investigation {
        add(2, format!("investigation ({word})"));
    }
    for (needs, needed) in inputs.deps {
        add(
            1,
            format!(
                "context sharing: {} needs {}",
                needs.source(),
                needed.source()
            ),
        );
    }
    (score, factors)
}

/// The longest path through the task graph, each task costing its agent's estimated latency.
pub(crate) fn estimated_ms(tasks: &[Task], config: &AnalyzerConfig) -> u64 {
    let mut finish: Vec<u64> = Vec::with_capacity(tasks.len());
    for task in tasks {
        let start = task
            .depends_on
            .iter()
            .filter_map(|id| tasks.iter().position(|t| t.id == *id))
            .filter_map(|i| finish.get(i).copied())
            .max()
            .unwrap_or(0);
        finish.push(start.saturating_add(config.agents.get(task.agent).estimated_ms));
    }
    finish.into_iter().max().unwrap_or(0)
}
