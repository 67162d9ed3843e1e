//! Plain words for what a plan will answer: the plan's `interpretation` sentence, and the item
//! phrases ("open Sev A support cases") and periods ("created 2026-10-25 12:00 to 2026-11-24
//! 12:00 UTC") that the answer repeats, so the answer always restates the filters it applied.
//!
//! Invariant: only what the connectors will apply is said. A filter value is named for a source
//! only when that source applies it (case letters for support cases, incident digits for
//! incidents, each source's own states), with absolute dates in UTC.

use chrono::{DateTime, Duration, Timelike, Utc};

use crate::names::{AgentName, SourceKey};
use crate::plan::{Filters, MatchKind, Plan, Scope, StatusFilter, TimeEvent, TimeRange};
use crate::shape::{Bucket, GroupBy, Intent, Measure, Order, Shape, Sort, SortKey};

/// States each item source has (DESIGN section 6).
pub fn states_of(source: SourceKey) -> &'static [&'static str] {
    match source {
        SourceKey::Kusto => &["Active", "Waiting", "Resolved", "Closed"],
        SourceKey::Icm => &["Active", "Mitigated", "Resolved"],
        SourceKey::Ado => &["New", "Active", "Resolved", "Closed"],
        SourceKey::Tenant | SourceKey::Docs => &[],
    }
}

/// The state a source applies for a state word, if it has one: its own states, and Closed read
/// as Resolved for incidents (their terminal state).
pub fn state_for(source: SourceKey, state: &str) -> Option<&'static str> {
    if source == SourceKey::Icm && state == "Closed" {
        return Some("Resolved");
    }
    states_of(source).iter().copied().find(|s| *s == state)
}

/// The one-sentence interpretation of a plan (DESIGN section 8).
pub fn interpretation(plan: &Plan) -> String {
    let customer_agents: Vec<AgentName> = plan
        .agents
        .iter()
        .copied()
        .filter(|a| *a != AgentName::PurviewExpert)
        .collect();
    let has_customer_tasks = plan
        .tasks
        .iter()
        .any(|t| t.agent != AgentName::PurviewExpert);
    let mut parts: Vec<String> = Vec::new();
    if plan.intent == Intent::Investigate
        && let (Some(range), Some(first)) = (&plan.time_range, plan.tasks.first())
    {
        let mut items_of = items(&plan.filters, first.source, 2);
        let who = who(plan);
        if !who.is_empty() {
            items_of = format!("{items_of} of {who}");
        }
        let previous = range.previous();
        let text = format!(
            "Why {items_of} changed: {} against {}, by product area; then the incidents, work items and known issues of the area that drives the change",
            period(range),
            period(&previous)
        );
        return capitalize(&text);
    }
    if plan.shape.measure == Measure::Customers && has_customer_tasks {
        let who = who(plan);
        return format!("Number of {}", who.strip_prefix("all ").unwrap_or(&who));
    }
    if !customer_agents.is_empty() {
        if has_customer_tasks {
            let phrases: Vec<String> = customer_agents
                .iter()
                .map(|a| items(&plan.filters, a.source(), 2))
                .collect();
            let mut sentence = join_and(&phrases);
            let who = who(plan);
            if !who.is_empty() {
                sentence.push_str(" of ");
                sentence.push_str(&who);
            }
            for clause in clauses(&plan.filters, &customer_agents) {
                sentence.push_str(", ");
                sentence.push_str(&clause);
            }
            // A comparison of periods names both; otherwise the plan's range.
            let mut periods: Vec<&TimeRange> = Vec::new();
            for t in &plan.tasks {
                if let Some(r) = &t.time_range
                    && !periods.contains(&r)
                {
                    periods.push(r);
                }
            }
            if periods.len() >= 2 {
                let sides: Vec<String> = periods.iter().map(|r| period(r)).collect();
                sentence.push_str(", ");
                sentence.push_str(&sides.join(" against "));
            } else if let Some(range) = &plan.time_range {
                sentence.push(' ');
                sentence.push_str(&period(range));
            }
            parts.push(shaped_sentence(&plan.shape, sentence));
        } else {
            let named = !(plan.unresolved.is_empty() && plan.ambiguous.is_empty());
            parts.push(if named {
                "Nothing to look up: no customer named was resolved".to_string()
            } else if !plan.not_understood.is_empty() {
                "Nothing to look up: the customers are unclear (not widened to all customers)"
                    .to_string()
            } else {
                "Nothing to look up: no customer was resolved".to_string()
            });
        }
    }
    if plan.agents.contains(&AgentName::PurviewExpert) {
        let terms = plan.search_terms.join(" ");
        parts.push(if terms.is_empty() {
            "Product documents".to_string()
        } else {
            format!("Product documents matching \"{terms}\"")
        });
    }
    capitalize(&parts.join("; and "))
}

/// The sentence for the intent: "Customers ranked by ...", "... by product area", "... per
/// month", "The 5 oldest ...", "Average age of ...".
fn shaped_sentence(shape: &Shape, sentence: String) -> String {
    let descending = shape.sort.is_none_or(|s| s.order == Order::Desc);
    match shape.intent {
        Intent::Rank => {
            let most = if descending { "most" } else { "fewest" };
            match shape.limit {
                Some(Shape::MAX_ROWS) | None => {
                    format!("Customers with {sentence}, {most} first")
                }
                Some(1) => format!("The customer with the {most} {sentence} (ties kept)"),
                Some(n) => format!("The {n} customers with the {most} {sentence} (ties kept)"),
            }
        }
        Intent::Breakdown => {
            let by = shape.group_by.map_or("product area", GroupBy::as_str);
            format!("{sentence}, by {by}")
        }
        Intent::Trend => {
            let per = shape.bucket.map_or("month", Bucket::as_str);
            format!("{sentence}, per {per}")
        }
        Intent::List => {
            let limit = shape
                .limit
                .unwrap_or(crate::connector::Query::DEFAULT_LIMIT);
            let order = list_order(shape);
            if limit >= Shape::MAX_ROWS {
                format!("Every one of the {sentence} (up to {limit}), {order} first")
            } else {
                format!("The {limit} {order} {sentence}")
            }
        }
        Intent::Aggregate => match shape.measure {
            Measure::AverageAgeDays => format!("Average age in days of the {sentence}"),
            Measure::MeanTimeToMitigateHours => {
                format!("Mean time to mitigate, in hours, of the {sentence}")
            }
            Measure::Customers => format!("Number of customers: {sentence}"),
            Measure::Count => sentence,
        },
        _ => sentence,
    }
}

/// Which rows a list shows first: "oldest", "newest" or "most severe".
pub fn list_order(shape: &Shape) -> &'static str {
    match shape.sort {
        Some(Sort {
            by: SortKey::Created,
            order: Order::Asc,
        }) => "oldest",
        Some(Sort {
            by: SortKey::Severity,
            ..
        }) => "most severe",
        _ => "newest",
    }
}

/// Who the customer tasks are for: names (a guess says what it was read from), all customers,
/// or a cohort.
fn who(plan: &Plan) -> String {
    match plan.scope {
        Scope::Customers => {
            let names: Vec<String> = plan
                .customers
                .iter()
                .map(|c| match c.match_kind {
                    MatchKind::Fuzzy => format!("{} (read from \"{}\")", c.name, c.mention),
                    _ => c.name.clone(),
                })
                .collect();
            join_and(&names)
        }
        // A looked-up item is named by its id, whoever its customer is.
        Scope::All if plan.shape.intent == Intent::Lookup && plan.cohort.is_none() => String::new(),
        Scope::All => match (&plan.cohort, plan.permitted_tenants.is_some()) {
            (Some(c), false) => format!("all {c} customers"),
            (Some(c), true) => format!("the {c} customers you may see"),
            (None, false) => "all customers".to_string(),
            (None, true) => "the customers you may see".to_string(),
        },
        Scope::None => String::new(),
    }
}

/// The items of one source with the filters it applies, as a noun phrase: "open Sev A DLP
/// support cases". `n` picks singular (1) or plural.
pub fn items(filters: &Filters, source: SourceKey, n: u64) -> String {
    let ids: Vec<&str> = filters.ids_of(source).collect();
    let noun = noun(
        filters,
        source,
        if ids.is_empty() { n } else { ids.len() as u64 },
    );
    if !ids.is_empty() {
        return format!("{noun} {}", join_and(&ids));
    }
    let mut words: Vec<String> = Vec::new();
    if matches!(source, SourceKey::Kusto | SourceKey::Icm | SourceKey::Ado) {
        if let Some(status) = filters.status {
            words.push(status_word(status, source).to_string());
        }
        let mut states: Vec<String> = filters
            .states
            .iter()
            .filter_map(|s| state_for(source, s))
            .map(str::to_lowercase)
            .collect();
        states.dedup();
        if !states.is_empty() {
            words.push(join_or(&states));
        }
        let sev = severities(filters, source, false);
        if !sev.is_empty() {
            words.push(sev);
        }
        if !filters.product_areas.is_empty() {
            words.push(join_or(&filters.product_areas));
        }
    }
    words.push(noun);
    words.join(" ")
}

/// "open" means Active for incidents; say so.
fn status_word(status: StatusFilter, source: SourceKey) -> &'static str {
    match (status, source) {
        (StatusFilter::Open, SourceKey::Icm) => "active",
        (StatusFilter::Unresolved, SourceKey::Icm) => "active or mitigated",
        (s, _) => s.as_str(),
    }
}

fn noun(filters: &Filters, source: SourceKey, n: u64) -> String {
    let one = n == 1;
    let pick = |singular: &str, plural: &str| if one { singular } else { plural }.to_string();
    match source {
        SourceKey::Kusto => pick("support case", "support cases"),
        SourceKey::Icm => pick("incident", "incidents"),
        SourceKey::Ado => {
            let types: Vec<String> = filters
                .work_item_types
                .iter()
                .map(|t| match t.as_str() {
                    "Bug" => pick("bug", "bugs"),
                    "DCR" => pick("DCR", "DCRs"),
                    "Feature" => pick("feature request", "feature requests"),
                    other => other.to_string(),
                })
                .collect();
            match types.as_slice() {
                [] => pick("work item", "work items"),
                [one_type] => one_type.clone(),
                _ => format!("{} ({})", pick("work item", "work items"), types.join(", ")),
            }
        }
        SourceKey::Tenant => "tenant health".to_string(),
        SourceKey::Docs => pick("product document", "product documents"),
    }
}

/// "Sev A or B" for cases, "Sev 1 or 2.5" for incidents; `excluded` reads the exclusions.
fn severities(filters: &Filters, source: SourceKey, excluded: bool) -> String {
    let values: Vec<String> = match (source, excluded) {
        (SourceKey::Kusto, false) => filters.case_severities().map(str::to_string).collect(),
        (SourceKey::Kusto, true) => filters
            .excluded_case_severities()
            .map(str::to_string)
            .collect(),
        (SourceKey::Icm, false) => filters
            .incident_severities()
            .map(incident_severity)
            .collect(),
        (SourceKey::Icm, true) => filters
            .excluded_incident_severities()
            .map(incident_severity)
            .collect(),
        _ => Vec::new(),
    };
    if values.is_empty() {
        String::new()
    } else {
        format!("Sev {}", join_or(&values))
    }
}

fn incident_severity(s: &str) -> String {
    severity_label(s).to_string()
}

/// A severity as people write it: the data's `25` is Sev 2.5; every other value reads as stored.
pub fn severity_label(value: &str) -> &str {
    if value == "25" { "2.5" } else { value }
}

/// A breakdown group's key as people read it: "Sev 2.5" for severities, the key otherwise.
pub fn group_label(group_by: Option<GroupBy>, key: &str) -> String {
    match group_by {
        Some(GroupBy::Severity) => format!("Sev {}", severity_label(key)),
        _ => key.to_string(),
    }
}

/// The clauses after the items: exclusions, age, owner.
fn clauses(filters: &Filters, agents: &[AgentName]) -> Vec<String> {
    let mut out = Vec::new();
    let mut excluded: Vec<String> = Vec::new();
    for agent in agents {
        let sev = severities(filters, agent.source(), true);
        if !sev.is_empty() && !excluded.contains(&sev) {
            excluded.push(sev);
        }
    }
    excluded.extend(filters.exclude_product_areas.iter().cloned());
    for state in &filters.exclude_states {
        let applies = agents
            .iter()
            .any(|a| state_for(a.source(), state).is_some());
        let word = state.to_lowercase();
        if applies && !excluded.contains(&word) {
            excluded.push(word);
        }
    }
    if !excluded.is_empty() {
        out.push(format!("excluding {}", join_or(&excluded)));
    }
    if let Some(before) = filters.created_before {
        out.push(format!("created on or before {} UTC", instant(before)));
    }
    if let Some(owner) = &filters.owner {
        out.push(format!("assigned to {owner}"));
    }
    out
}

/// "created 2026-10-25 12:00 to 2026-11-24 12:00 UTC", "closed 2026-10-01 through
/// 2026-10-31", "created on 2026-11-23".
pub fn period(range: &TimeRange) -> String {
    let event = match range.event {
        TimeEvent::Created => "created",
        TimeEvent::Closed => "closed",
        TimeEvent::Mitigated => "mitigated",
    };
    let midnight = |t: DateTime<Utc>| t.num_seconds_from_midnight() == 0;
    if !range.to_inclusive && midnight(range.from) && midnight(range.to) {
        let last = range.to - Duration::days(1);
        if last <= range.from {
            return format!("{event} on {}", instant(range.from));
        }
        return format!("{event} {} through {}", instant(range.from), instant(last));
    }
    let to = if range.to_inclusive { "to" } else { "up to" };
    format!(
        "{event} {} {to} {} UTC",
        instant(range.from),
        instant(range.to)
    )
}

/// "2026-10-25" at midnight, else "2026-10-25 12:00" (seconds when there are some).
fn instant(t: DateTime<Utc>) -> String {
    use chrono::Datelike;
    // Written by hand: chrono's `format` parses its pattern on every call, a tenth of an
    // analysis.
    let date = format!("{:04}-{:02}-{:02}", t.year(), t.month(), t.day());
    if t.num_seconds_from_midnight() == 0 {
        date
    } else if t.second() == 0 {
        format!("{date} {:02}:{:02}", t.hour(), t.minute())
    } else {
        format!("{date} {:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
    }
}

/// The words a plan did not understand, quoted: "'over the weekend', 'top 5'".
pub fn not_understood(plan: &Plan) -> String {
    let quoted: Vec<String> = plan
        .not_understood
        .iter()
        .map(|w| format!("'{w}'"))
        .collect();
    quoted.join(", ")
}

/// The text with its first letter upper case.
pub fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// "A", "A and B", "A, B and C".
pub fn join_and<S: AsRef<str>>(items: &[S]) -> String {
    join(items, "and")
}

/// "A", "A or B", "A, B or C".
pub fn join_or<S: AsRef<str>>(items: &[S]) -> String {
    join(items, "or")
}

fn join<S: AsRef<str>>(items: &[S], word: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [rest @ .., last] => {
            let rest: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} {word} {}", rest.join(", "), last.as_ref())
        }
    }
}
