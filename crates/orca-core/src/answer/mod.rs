//! The answer: the human summary at the top of every report, composed from the plan and sections.
//!
//! One line per customer (or per scope), leading with the main question's figures, then one
//! clause per other agent; every gap is named with its reason ("Incidents: unavailable (timeout
//! after 5 s)"). Ambiguous and unknown customers are stated first, so a reader never mistakes a
//! missing customer for an empty one.

use std::fmt::Write as _;

use serde_json::Value;

use crate::describe::{self, capitalize, join_or};
use crate::names::AgentName;
use crate::plan::{Filters, MatchKind, Plan, Scope, TimeEvent};
use crate::report::{Section, SectionStatus};
use crate::shape::Intent;
use crate::summary::{CaseSummary, HealthSummary, IncidentSummary, WorkItemSummary};

mod shaped;

pub use shaped::apply_changes;
use shaped::shaped_clause;

/// Composes the answer text for a plan and its sections.
pub fn compose(plan: &Plan, sections: &[Section]) -> String {
    let mut lines: Vec<String> = Vec::new();
    for a in &plan.ambiguous {
        lines.push(format!(
            "\"{}\" could be {}: say which one.",
            a.mention,
            join_or(&a.candidates)
        ));
    }
    for u in &plan.unresolved {
        let mut line = format!("No customer named \"{}\" is in the registry", u.mention);
        if !u.suggestions.is_empty() {
            let _ = write!(line, " (did you mean {}?)", join_or(&u.suggestions));
        }
        line.push('.');
        lines.push(line);
    }
    for n in &plan.not_permitted {
        lines.push(format!(
            "You are not permitted to see \"{}\": no data is shown for it.",
            n.mention
        ));
    }
    if let Some(failed) = sections.iter().find(|s| s.critical && !s.is_ok()) {
        lines.push(
            format!(
                "Cannot answer: {} {} {} ({}).",
                capitalize(failed.agent.noun()),
                match &failed.customer {
                    Some(c) => format!("for {}", c.name),
                    None => String::new(),
                },
                status_word(failed.status),
                failed.reason_text()
            )
            .replace("  ", " "),
        );
    }

    // Group sections by customer in plan order; scope-wide and docs sections get their own line.
    let mut groups: Vec<(Option<&str>, Vec<&Section>)> = Vec::new();
    for s in sections {
        let key = s.customer.as_ref().map(|c| c.name.as_str());
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(s),
            None => groups.push((key, vec![s])),
        }
    }
    let period = plan
        .time_range
        .as_ref()
        .map(|t| {
            let verb = match t.event {
                TimeEvent::Created => "",
                TimeEvent::Closed => " closed",
                TimeEvent::Mitigated => " mitigated",
            };
            format!("{verb}{}", period_phrase(&t.label))
        })
        .unwrap_or_default();
    for (customer, group) in groups {
        let who = match (customer, plan.scope) {
            // A guess says what it was read from: "Ford Motor Company (read from 'Fnord')".
            (Some(name), _) => match plan
                .customers
                .iter()
                .find(|c| c.name == name && c.match_kind == MatchKind::Fuzzy)
            {
                Some(c) => format!("{name} (read from '{}')", c.mention),
                None => name.to_string(),
            },
            // A ranking names its customers itself.
            (None, Scope::All) if matches!(plan.shape.intent, Intent::Rank | Intent::Lookup) => {
                String::new()
            }
            (None, Scope::All) => match (&plan.cohort, &plan.permitted_tenants) {
                (Some(c), None) => format!("{c} customers"),
                (None, None) => "All customers".to_string(),
                (Some(c), Some(_)) => format!("{c} customers you may see"),
                (None, Some(_)) => "All customers you may see".to_string(),
            },
            (None, _) => String::new(),
        };
        let clauses: Vec<String> = group
            .iter()
            .enumerate()
            .map(|(i, s)| {
                // One side of a comparison of periods speaks of its own period.
                let period = match &s.period {
                    Some(own) => period_phrase(own),
                    None => period.clone(),
                };
                shaped_clause(s, plan, &period)
                    .unwrap_or_else(|| clause(s, &plan.filters, i == 0 && !who.is_empty(), &period))
            })
            .collect();
        let body = clauses.join(". ");
        lines.push(if who.is_empty() {
            format!("{body}.")
        } else {
            format!("{who}: {body}.")
        });
    }
    if lines.is_empty() {
        lines.push(if plan.not_understood.is_empty() {
            "Nothing to answer: the request names no customer and no kind of data.".to_string()
        } else {
            "Nothing to answer: part of the request was not understood, so it was not widened to all customers.".to_string()
        });
    }
    if !plan.not_understood.is_empty() {
        let first = &mut lines[0];
        let ends_with_period = first.ends_with('.');
        if ends_with_period {
            first.pop();
        }
        let _ = write!(
            first,
            " (not understood: {}).",
            describe::not_understood(plan)
        );
    }
    if !plan.interpretation.is_empty() && !plan.tasks.is_empty() {
        lines.push(format!("Read as: {}.", plan.interpretation));
    }
    lines.join("\n")
}

fn status_word(status: SectionStatus) -> &'static str {
    match status {
        SectionStatus::Ok => "are available",
        SectionStatus::Error | SectionStatus::Timeout => "are unavailable",
        SectionStatus::Skipped => "were skipped",
    }
}

/// One clause for one section. `lead` sections state their noun in full.
fn clause(s: &Section, filters: &Filters, lead: bool, period: &str) -> String {
    if !s.is_ok() {
        let what = match s.status {
            SectionStatus::Skipped => "skipped",
            _ => "unavailable",
        };
        return format!(
            "{}: {what} ({})",
            capitalize(s.agent.noun()),
            s.reason_text()
        );
    }
    let m = &s.summary;
    let cached = if s.cached { " [cached]" } else { "" };
    let text = match s.agent {
        AgentName::SupportCaseManager => {
            let cases = CaseSummary::from_map(m).unwrap_or_default();
            let total = cases.total;
            let mut t = format!(
                "{} {}{period}",
                count(total),
                describe::items(filters, s.source, total)
            );
            let by_status = filters.status.is_some() || !filters.states.is_empty();
            if let Some(open) = cases.open.filter(|_| total > 0 && !by_status) {
                let _ = write!(t, ", {open} open");
                let sev_a = cases.open_by_severity.a;
                if sev_a > 0 && open > 0 {
                    let _ = write!(t, " ({sev_a} Sev A)");
                }
            }
            t
        }
        AgentName::EscalationManager => {
            let incidents = IncidentSummary::from_map(m).unwrap_or_default();
            let total = incidents.total;
            let mut t = format!(
                "{} {}{period}",
                count(total),
                describe::items(filters, s.source, total)
            );
            let by_status = filters.status.is_some() || !filters.states.is_empty();
            if total > 0 {
                if let Some(active) = incidents.active.filter(|_| !by_status) {
                    let _ = write!(t, ", {active} active");
                }
                if let Some(h) = incidents.mean_time_to_mitigate_hours {
                    let _ = write!(t, ", mean time to mitigate {h:.1} h");
                }
            }
            if lead { t } else { format!("Incidents: {t}") }
        }
        AgentName::WorkItemManager => {
            let work_items = WorkItemSummary::from_map(m).unwrap_or_default();
            let total = work_items.total;
            let mut t = format!(
                "{} {}{period}",
                count(total),
                describe::items(filters, s.source, total)
            );
            let narrowed = filters.status.is_some()
                || !filters.states.is_empty()
                || !filters.work_item_types.is_empty();
            if let Some(bugs) = work_items.open_bugs.filter(|_| total > 0 && !narrowed) {
                let _ = write!(t, ", {bugs} open {}", plural(bugs, "bug"));
            }
            if lead { t } else { format!("Work items: {t}") }
        }
        AgentName::TenantHealthMonitor => {
            let mut t = String::from("tenant health ");
            match HealthSummary::from_map(m) {
                Some(HealthSummary::Tenant(tenant)) => {
                    t.push_str(&tenant.health);
                    if !tenant.reasons.is_empty() {
                        let _ = write!(t, " ({})", tenant.reasons.join("; "));
                    }
                }
                Some(HealthSummary::Tenants(counts)) => {
                    // Several tenants: counts per verdict, then the worst ones by name.
                    let tenants = counts.tenants;
                    let parts = [
                        (counts.unhealthy, "unhealthy"),
                        (counts.warning, "warning"),
                        (counts.healthy, "healthy"),
                    ]
                    .map(|(n, k)| format!("{n} {k}"));
                    let _ = write!(
                        t,
                        "of {tenants} {}: {}",
                        plural(tenants, "tenant"),
                        parts.join(", ")
                    );
                    // Name every unhealthy one the rows hold, and say how many more there are.
                    let worst: Vec<&str> = s
                        .rows
                        .iter()
                        .filter(|r| r.get("health").and_then(Value::as_str) == Some("unhealthy"))
                        .filter_map(|r| {
                            r.get("CustomerName")
                                .and_then(Value::as_str)
                                .or_else(|| r.get("TenantId").and_then(Value::as_str))
                        })
                        .collect();
                    if !worst.is_empty() {
                        let _ = write!(t, "; unhealthy: {}", worst.join(", "));
                        let unhealthy = counts.unhealthy;
                        if unhealthy > worst.len() as u64 {
                            let _ = write!(t, " and {} more", unhealthy - worst.len() as u64);
                        }
                    }
                }
                None => t.push_str("unknown (no metrics)"),
            }
            capitalize(&t)
        }
        AgentName::PurviewExpert => {
            let n = s.rows.len();
            let mut t = format!("{} matching {}", count(n as u64), plural(n as u64, "doc"));
            if let Some(title) = s
                .rows
                .first()
                .and_then(|r| r.get("title"))
                .and_then(Value::as_str)
            {
                let _ = write!(t, ", best: \"{title}\"");
            }
            if lead { t } else { capitalize(&t) }
        }
    };
    format!("{text}{cached}")
}

/// " in the last 30 days", " since 2026-03-01", " yesterday", " in Q3 2026".
fn period_phrase(label: &str) -> String {
    let label = label.trim();
    let first = label.split_whitespace().next().unwrap_or("").to_lowercase();
    match first.as_str() {
        "" => String::new(),
        "last" | "past" | "previous" if label.chars().any(|c| c.is_ascii_digit()) => {
            format!(" in the {label}")
        }
        "last" | "past" | "this" | "previous" => format!(" {label}"),
        "since" | "between" | "from" | "yesterday" | "today" | "before" | "after" | "in" => {
            format!(" {label}")
        }
        _ => format!(" in {label}"),
    }
}

/// "no" for zero, else the number.
fn count(n: u64) -> String {
    if n == 0 {
        "no".to_string()
    } else {
        n.to_string()
    }
}

/// The noun, with an "s" unless there is exactly one.
fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        noun.to_string()
    } else {
        format!("{noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::SourceKey;
    use crate::plan::{Ambiguous, Complexity, Filters, Strategy, TimeRange};
    use crate::report::CustomerRef;
    use crate::shape::{Bucket, GroupBy, Measure, Order, Shape, Sort, SortKey};
    use serde_json::json;

    fn plan() -> Plan {
        Plan {
            request: "r".into(),
            interpretation: String::new(),
            not_understood: vec![],
            complexity: Complexity::Simple,
            score: 0,
            factors: vec![],
            strategy: Strategy::Parallel,
            agents: vec![],
            data_sources: vec![],
            scope: Scope::Customers,
            cohort: None,
            cohort_tenants: Vec::new(),
            customers: vec![],
            unresolved: vec![],
            ambiguous: vec![],
            time_range: Some(TimeRange::new(
                chrono::DateTime::UNIX_EPOCH,
                chrono::DateTime::UNIX_EPOCH,
                "last 30 days",
            )),
            filters: Filters::default(),
            tasks: vec![],
            estimated_ms: 0,
            intent: Default::default(),
            shape: Default::default(),
            search_terms: vec![],
            default_agents: false,
            not_permitted: vec![],
            permitted_tenants: None,
        }
    }

    fn section(
        agent: AgentName,
        status: SectionStatus,
        summary: Value,
        reason: Option<&str>,
    ) -> Section {
        Section {
            task_id: "t1".into(),
            agent,
            source: agent.source(),
            customer: Some(CustomerRef {
                name: "Ford Motor Company".into(),
                tenant_id: "x".into(),
            }),
            status,
            reason: reason.map(str::to_string),
            summary: summary.as_object().cloned().unwrap_or_default(),
            rows: vec![],
            period: None,
            shaped: Default::default(),
            elapsed_ms: 1.0,
            cached: false,
            attempts: 1,
            critical: agent == AgentName::SupportCaseManager,
            started_ms: 0.0,
            ended_ms: 1.0,
        }
    }

    #[test]
    fn leads_with_the_main_figures_and_names_gaps() {
        let sections = vec![
            section(
                AgentName::SupportCaseManager,
                SectionStatus::Ok,
                json!({"total": 12, "open": 3, "open_by_severity": {"A": 1}}),
                None,
            ),
            section(
                AgentName::EscalationManager,
                SectionStatus::Timeout,
                json!({}),
                Some("timeout after 5 s"),
            ),
        ];
        assert_eq!(
            compose(&plan(), &sections),
            "Ford Motor Company: 12 support cases in the last 30 days, 3 open (1 Sev A). \
             Incidents: unavailable (timeout after 5 s)."
        );
    }

    #[test]
    fn critical_failure_says_it_cannot_answer() {
        let sections = vec![section(
            AgentName::SupportCaseManager,
            SectionStatus::Error,
            json!({}),
            Some("source unavailable"),
        )];
        let text = compose(&plan(), &sections);
        assert!(text.starts_with("Cannot answer: Support cases for Ford Motor Company are unavailable (source unavailable)."), "{text}");
    }

    #[test]
    fn zero_counts_read_naturally() {
        let sections = vec![
            section(
                AgentName::SupportCaseManager,
                SectionStatus::Ok,
                json!({"total": 1, "open": 0}),
                None,
            ),
            section(
                AgentName::EscalationManager,
                SectionStatus::Ok,
                json!({"total": 0, "active": 0}),
                None,
            ),
        ];
        assert_eq!(
            compose(&plan(), &sections),
            "Ford Motor Company: 1 support case in the last 30 days, 0 open. Incidents: no incidents in the last 30 days."
        );
    }

    #[test]
    fn several_tenants_name_the_unhealthy_ones() {
        let mut s = section(
            AgentName::TenantHealthMonitor,
            SectionStatus::Ok,
            json!({"tenants": 3, "healthy": 1, "warning": 1, "unhealthy": 1}),
            None,
        );
        s.customer = None;
        s.rows = vec![
            json!({"CustomerName": "Contoso", "health": "unhealthy"}),
            json!({"CustomerName": "GM", "health": "warning"}),
        ];
        let mut p = plan();
        p.scope = Scope::All;
        p.cohort = Some("MCS".into());
        p.time_range = None;
        assert_eq!(
            compose(&p, &[s]),
            "MCS customers: Tenant health of 3 tenants: 1 unhealthy, 1 warning, 1 healthy; unhealthy: Contoso."
        );
    }

    #[test]
    fn ambiguity_comes_first() {
        let mut p = plan();
        p.ambiguous.push(Ambiguous {
            mention: "GM".into(),
            candidates: vec!["General Motors".into(), "General Mills".into()],
        });
        let text = compose(&p, &[]);
        assert_eq!(
            text,
            "\"GM\" could be General Motors or General Mills: say which one."
        );
        let _ = SourceKey::Kusto;
    }

    #[test]
    fn says_what_it_did_not_understand_in_the_first_line() {
        let mut p = plan();
        p.not_understood = vec!["over the fortnightly sync".into()];
        p.time_range = None;
        let sections = vec![section(
            AgentName::SupportCaseManager,
            SectionStatus::Ok,
            json!({"total": 2, "open": 1}),
            None,
        )];
        assert_eq!(
            compose(&p, &sections),
            "Ford Motor Company: 2 support cases, 1 open (not understood: 'over the fortnightly sync')."
        );
    }

    #[test]
    fn a_guess_says_what_it_was_read_from_and_filters_are_restated() {
        let mut p = plan();
        p.time_range = None;
        p.filters.status = Some(crate::plan::StatusFilter::Open);
        p.filters.work_item_types = vec!["DCR".into()];
        p.customers.push(crate::plan::ResolvedCustomer {
            name: "Ford Motor Company".into(),
            tenant_id: "x".into(),
            mention: "Fnord".into(),
            match_kind: MatchKind::Fuzzy,
            confidence: 0.75,
            segment: None,
        });
        let sections = vec![section(
            AgentName::WorkItemManager,
            SectionStatus::Ok,
            json!({"total": 2, "open_bugs": 0}),
            None,
        )];
        assert_eq!(
            compose(&p, &sections),
            "Ford Motor Company (read from 'Fnord'): 2 open DCRs."
        );
    }

    #[test]
    fn every_unhealthy_tenant_is_named_or_counted() {
        let mut s = section(
            AgentName::TenantHealthMonitor,
            SectionStatus::Ok,
            json!({"tenants": 9, "healthy": 2, "warning": 0, "unhealthy": 7}),
            None,
        );
        s.customer = None;
        s.rows = (0..5)
            .map(|i| json!({"CustomerName": format!("C{i}"), "health": "unhealthy"}))
            .collect();
        let mut p = plan();
        p.scope = Scope::All;
        p.time_range = None;
        let text = compose(&p, &[s]);
        assert!(
            text.ends_with("unhealthy: C0, C1, C2, C3, C4 and 2 more."),
            "{text}"
        );
    }

    fn shaped_plan(shape: Shape) -> Plan {
        let mut p = plan();
        p.time_range = None;
        p.shape = shape;
        p.intent = shape.intent;
        p
    }

    fn shaped_section(summary: Value, shaped: crate::shape::Shaped) -> Section {
        let mut s = section(
            AgentName::SupportCaseManager,
            SectionStatus::Ok,
            summary,
            None,
        );
        s.shaped = Box::new(shaped);
        s
    }

    fn customer(name: &str) -> CustomerRef {
        CustomerRef {
            name: name.into(),
            tenant_id: name.to_lowercase(),
        }
    }

    #[test]
    fn a_ranking_names_the_leaders_with_ties() {
        use crate::shape::{Ranked, Shaped};
        let mut p = shaped_plan(Shape {
            intent: Intent::Rank,
            limit: Some(1),
            ..Shape::default()
        });
        p.scope = Scope::All;
        p.filters.status = Some(crate::plan::StatusFilter::Open);
        let ranking = vec![
            Ranked {
                customer: customer("Ford Motor Company"),
                value: 24.0,
            },
            Ranked {
                customer: customer("Toyota Motor Corporation"),
                value: 24.0,
            },
        ];
        let mut s = shaped_section(
            json!({"total": 300}),
            Shaped {
                ranking,
                ..Shaped::default()
            },
        );
        s.customer = None;
        assert_eq!(
            compose(&p, &[s]),
            "Ford Motor Company and Toyota Motor Corporation have the most open support cases (24 each)."
        );
    }

    #[test]
    fn breakdown_trend_list_aggregate_and_lookup_say_their_shape() {
        use crate::shape::{Group, Point, Shaped};
        let p = shaped_plan(Shape {
            intent: Intent::Breakdown,
            group_by: Some(GroupBy::ProductArea),
            ..Shape::default()
        });
        let groups = vec![
            Group {
                key: "DLP".into(),
                value: 3.0,
                share: 0.75,
            },
            Group {
                key: "Audit".into(),
                value: 1.0,
                share: 0.25,
            },
        ];
        let s = shaped_section(
            json!({"total": 4}),
            Shaped {
                groups,
                ..Shaped::default()
            },
        );
        assert_eq!(
            compose(&p, &[s]),
            "Ford Motor Company: 4 support cases by product area: DLP: 3 (75%), Audit: 1 (25%)."
        );

        let p = shaped_plan(Shape {
            intent: Intent::Trend,
            bucket: Some(Bucket::Month),
            ..Shape::default()
        });
        let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
        let series = vec![
            Point {
                start: at("2026-10-01T00:00:00Z"),
                end: at("2026-11-01T00:00:00Z"),
                value: 13.0,
            },
            Point {
                start: at("2026-11-01T00:00:00Z"),
                end: at("2026-11-24T12:00:00Z"),
                value: 29.0,
            },
        ];
        let s = shaped_section(
            json!({"total": 42}),
            Shaped {
                series,
                ..Shaped::default()
            },
        );
        assert_eq!(
            compose(&p, &[s]),
            "Ford Motor Company: Support cases per month, rising: 13 in October, 29 in November (+123%)."
        );

        let p = shaped_plan(Shape {
            intent: Intent::List,
            limit: Some(2),
            sort: Some(Sort {
                by: SortKey::Created,
                order: Order::Asc,
            }),
            ..Shape::default()
        });
        let mut s = shaped_section(json!({"total": 24}), Shaped::default());
        s.rows = vec![json!({}), json!({})];
        assert_eq!(
            compose(&p, &[s]),
            "Ford Motor Company: 24 support cases, the 2 oldest listed."
        );

        let p = shaped_plan(Shape {
            intent: Intent::Aggregate,
            measure: Measure::AverageAgeDays,
            ..Shape::default()
        });
        let s = shaped_section(
            json!({"total": 24}),
            Shaped {
                value: Some(41.94),
                ..Shaped::default()
            },
        );
        assert_eq!(
            compose(&p, &[s]),
            "Ford Motor Company: average age 41.9 days over 24 support cases."
        );

        let mut p = shaped_plan(Shape {
            intent: Intent::Lookup,
            ..Shape::default()
        });
        p.filters.item_ids.push(crate::plan::ItemId {
            source: SourceKey::Kusto,
            id: "2611240001000050".into(),
        });
        let mut s = shaped_section(json!({"total": 1}), Shaped::default());
        s.rows = vec![
            json!({"CaseNumber": "2611240001000050", "Status": "Active", "Severity": "C",
                             "Owner": "Aisha Khan", "Title": "Policy not matching"}),
        ];
        assert_eq!(
            compose(&p, &[s]),
            "Ford Motor Company: Support case 2611240001000050: Active, Sev C, owner Aisha Khan, \"Policy not matching\"."
        );
    }
}
