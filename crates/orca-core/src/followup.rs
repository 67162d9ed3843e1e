//! Follow-ups in a conversation: a short request that leans on the previous one ("and for GM?",
//! "only the open ones", "what about last week?") is merged into the previous plan.
//!
//! The follow-up is analyzed on its own first; then each dimension it leaves out is taken from
//! the previous plan:
//!
//! - it names customers (or "all customers") **and** kinds of data: a new question, no merge;
//! - it names neither, nor a time range or a filter: a new question too (a product question);
//! - otherwise: customers (with scope and cohort) are the follow-up's if it names any, else the
//!   previous ones; agents (with their dependencies, critical agents and search terms) are the
//!   follow-up's if it has agent words, else the previous ones; the time range is the
//!   follow-up's if it has one, else the previous one; filters narrow: each filter the follow-up
//!   gives (status, severities, work item types) replaces the previous one, the others stay.
//!
//! The merged plan is rebuilt the way `analyze` builds one (tasks, strategy, score, estimate) and
//! says what it kept in a factor. Invariant: pure, and a merged plan's tenants are always
//! customers that `analyze` resolved, in this request or in the previous one: a follow-up never
//! widens a failed narrowing (a follow-up naming only unknown customers gets no customer task).

use crate::analyze::Analyzer;
use crate::analyze::complexity::{self, Signals};
use crate::analyze::tasks::{self, Dependency, Targets};
use crate::analyze::tokens::tokens;
use crate::names::{AgentName, SourceKey};
use crate::plan::{Filters, Plan, Scope, Strategy};
use crate::text;

/// A dimension taken from the previous plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    Customers,
    Agents,
    TimeRange,
    Filters,
}

impl Kept {
    pub fn as_str(self) -> &'static str {
        match self {
            Kept::Customers => "customers",
            Kept::Agents => "agents",
            Kept::TimeRange => "time range",
            Kept::Filters => "filters",
        }
    }
}

/// A follow-up merged into the previous plan.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUp {
    pub plan: Plan,
    /// What came from the previous plan, in the order customers, agents, time range, filters.
    pub kept: Vec<Kept>,
}

/// Merges `next` (the follow-up, analyzed alone) into `previous`; `None` when `next` stands on
/// its own (see the module documentation).
pub fn merge(previous: &Plan, next: &Plan, analyzer: &Analyzer) -> Option<FollowUp> {
    if previous.tasks.is_empty() {
        return None;
    }
    let names_customers = names_customers(next);
    let agent_words = has_agent_words(next, analyzer);
    let refines = next.time_range.is_some() || !next.filters.is_empty();
    let docs_only = next.agents.iter().all(|a| *a == AgentName::PurviewExpert);
    if (names_customers && agent_words)
        || (!names_customers && !agent_words && !refines)
        || (agent_words && docs_only)
    {
        return None;
    }

    let mut kept = Vec::new();
    let who = if names_customers {
        next
    } else {
        kept.push(Kept::Customers);
        previous
    };
    let what = if agent_words {
        next
    } else {
        kept.push(Kept::Agents);
        previous
    };
    let time_range = match (&next.time_range, &previous.time_range) {
        (Some(range), _) => Some(range.clone()),
        (None, Some(range)) => {
            kept.push(Kept::TimeRange);
            Some(range.clone())
        }
        (None, None) => None,
    };
    // Status, states and excluded states are one dimension: "only the closed ones" after "open
    // cases" replaces all three, never adds a contradiction.
    let status_from = if next.filters.status.is_some()
        || !next.filters.states.is_empty()
        || !next.filters.exclude_states.is_empty()
    {
        next
    } else {
        previous
    };
    let filters = Filters {
        status: status_from.filters.status,
        severity: or_previous(&next.filters.severity, &previous.filters.severity),
        work_item_types: or_previous(
            &next.filters.work_item_types,
            &previous.filters.work_item_types,
        ),
        states: status_from.filters.states.clone(),
        exclude_states: status_from.filters.exclude_states.clone(),
        exclude_severity: or_previous(
            &next.filters.exclude_severity,
            &previous.filters.exclude_severity,
        ),
        product_areas: or_previous(&next.filters.product_areas, &previous.filters.product_areas),
        exclude_product_areas: or_previous(
            &next.filters.exclude_product_areas,
            &previous.filters.exclude_product_areas,
        ),
        created_before: next
            .filters
            .created_before
            .or(previous.filters.created_before),
        owner: next
            .filters
            .owner
            .clone()
            .or_else(|| previous.filters.owner.clone()),
        item_ids: or_previous(&next.filters.item_ids, &previous.filters.item_ids),
    };
    if filters != next.filters {
        kept.push(Kept::Filters);
    }

    let agents = what.agents.clone();
    let deps = dependencies(what);
    let critical: Vec<AgentName> = what
        .tasks
        .iter()
        .filter(|t| t.critical)
        .map(|t| t.agent)
        .fold(Vec::new(), |mut out, a| {
            if !out.contains(&a) {
                out.push(a);
            }
            out
        });
    let targets = match who.scope {
        Scope::Customers => Targets::Customers(&who.customers),
        Scope::All => Targets::Unscoped,
        Scope::None if names_customers => Targets::Nobody,
        Scope::None => Targets::Unscoped,
    };
    let tasks = tasks::build(&agents, &deps, &critical, targets);
    let data_sources: Vec<SourceKey> = agents.iter().map(|a| a.source()).collect();
    let signals = merged_signals(&next.request, &previous.request);
    let (score, mut factors) = complexity::score(&complexity::Inputs {
        sources: &data_sources,
        customers: who.customers.len(),
        scope: who.scope,
        cohort: who.cohort.as_deref(),
        signals: &signals,
        deps: &deps,
    });
    let kept_list: Vec<&str> = kept.iter().map(|k| k.as_str()).collect();
    factors.push(format!(
        "follow-up of \"{}\": kept {}",
        previous.request,
        kept_list.join(", ")
    ));
    let estimated_ms = complexity::estimated_ms(&tasks, analyzer.config());

    let plan = Plan {
        request: next.request.clone(),
        complexity: crate::plan::Complexity::from_score(score),
        score,
        factors,
        strategy: Strategy::of(&tasks),
        agents,
        data_sources,
        scope: who.scope,
        cohort: who.cohort.clone(),
        cohort_tenants: who.cohort_tenants.clone(),
        customers: who.customers.clone(),
        unresolved: next.unresolved.clone(),
        ambiguous: next.ambiguous.clone(),
        time_range,
        filters,
        tasks,
        estimated_ms,
        search_terms: what.search_terms.clone(),
        default_agents: what.default_agents,
        ..next.clone()
    };
    let mut plan = plan;
    // "and for GM?" after "top 5 customers by Sev A" or "Ford cases per month": the same kind of
    // answer, unless the follow-up asks for another.
    let asks_another = !matches!(
        next.intent,
        crate::shape::Intent::Count | crate::shape::Intent::Docs
    );
    if !asks_another && previous.intent != crate::shape::Intent::Docs {
        plan.intent = previous.intent;
        plan.shape = previous.shape;
    }
    plan.interpretation = crate::describe::interpretation(&plan);
    Some(FollowUp { plan, kept })
}

/// The follow-up's values when it gives any, else the previous ones.
fn or_previous<T: Clone>(next: &[T], previous: &[T]) -> Vec<T> {
    if next.is_empty() { previous } else { next }.to_vec()
}

/// The analyzer's note for a request with agent words and no customer at all (it is then about
/// every customer), and the start of its note for a name-like word that is not in the registry.
const IMPLICIT_ALL_NOTE: &str = "no customer named: all customers";
const NAME_LIKE_NOTE: &str = "no task for customer agents: \"";

/// True when the request names customers: resolved, ambiguous or unknown ones, a word written
/// like a name that is not in the registry, or "all (MCS) customers" in so many words.
fn names_customers(plan: &Plan) -> bool {
    let noted = |prefix: &str| plan.factors.iter().any(|f| f.starts_with(prefix));
    !plan.customers.is_empty()
        || !plan.ambiguous.is_empty()
        || !plan.unresolved.is_empty()
        || noted(NAME_LIKE_NOTE)
        || (plan.scope == Scope::All && !noted(IMPLICIT_ALL_NOTE))
}

/// True when the request has an agent keyword outside its customer mentions.
fn has_agent_words(plan: &Plan, analyzer: &Analyzer) -> bool {
    let mut request = plan.request.clone();
    let mentions = plan
        .customers
        .iter()
        .map(|c| c.mention.as_str())
        .chain(plan.ambiguous.iter().map(|a| a.mention.as_str()))
        .chain(plan.unresolved.iter().map(|u| u.mention.as_str()));
    for mention in mentions {
        request = request.replace(mention, " ");
    }
    let words = text::words(&request);
    let mut toks = tokens(&words);
    !analyzer.keywords().find(&mut toks).is_empty()
}

/// The agent-level dependencies a plan's tasks state.
fn dependencies(plan: &Plan) -> Vec<Dependency> {
    let mut deps: Vec<Dependency> = Vec::new();
    for task in &plan.tasks {
        for id in &task.depends_on {
            if let Some(needed) = plan.task(id) {
                let dep = (task.agent, needed.agent);
                if !deps.contains(&dep) {
                    deps.push(dep);
                }
            }
        }
    }
    deps
}

/// The follow-up's complexity signals, each family falling back to the previous request's.
fn merged_signals(next: &str, previous: &str) -> Signals {
    let of = |request: &str| {
        let words = text::words(request);
        complexity::signals(&tokens(&words))
    };
    let (n, p) = (of(next), of(previous));
    Signals {
        time_series: n.time_series.or(p.time_series),
        aggregation: n.aggregation.or(p.aggregation),
        investigation: n.investigation.or(p.investigation),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::StatusFilter;
    use crate::registry::Registry;
    use chrono::{DateTime, Utc};

    const REGISTRY: &str = "Customer Name,Tenant ID,Aliases,Segment\n\
        Ford Motor Company,8b6958f6-be40-5556-9cd7-5f8b285c5ca2,Ford,MCS\n\
        General Motors,1657788d-0452-5833-ba44-554f1bf16984,GM,MCS\n\
        Toyota Motor Corporation,3a1f0c55-0b8e-5d0a-9d0e-6b0f5a3c2e11,Toyota,IC\n";

    fn registry() -> Registry {
        Registry::from_csv(REGISTRY.as_bytes()).unwrap().0
    }

    fn now() -> DateTime<Utc> {
        "2026-11-24T12:00:00Z".parse().unwrap()
    }

    fn analyze(request: &str) -> Plan {
        crate::analyze(request, &registry(), &Analyzer::default(), now()).unwrap()
    }

    /// The plan after `previous` then `next` (merged, or `next` alone).
    fn follow(previous: &Plan, next: &str) -> (Plan, Vec<Kept>) {
        let next = analyze(next);
        match merge(previous, &next, &Analyzer::default()) {
            Some(f) => (f.plan, f.kept),
            None => (next, Vec::new()),
        }
    }

    fn names(plan: &Plan) -> Vec<&str> {
        plan.customers.iter().map(|c| c.name.as_str()).collect()
    }

    fn tenants(plan: &Plan) -> Vec<Option<&str>> {
        plan.tasks.iter().map(|t| t.tenant_id.as_deref()).collect()
    }

    #[test]
    fn another_customer_keeps_the_agents() {
        let first = analyze("Show cases and ICMs for Ford");
        let (plan, kept) = follow(&first, "and for GM?");
        assert_eq!(kept, [Kept::Agents]);
        assert_eq!(names(&plan), ["General Motors"]);
        assert_eq!(plan.agents, first.agents);
        assert_eq!(plan.data_sources, [SourceKey::Kusto, SourceKey::Icm]);
        assert_eq!(plan.tasks.len(), 2);
        assert!(
            plan.tasks
                .iter()
                .all(|t| t.customer.as_deref() == Some("General Motors"))
        );
        assert!(!plan.default_agents);
        assert_eq!(plan.request, "and for GM?");
        assert!(
            plan.factors.last().unwrap().contains("kept agents"),
            "{:?}",
            plan.factors
        );
    }

    #[test]
    fn only_the_open_ones_narrows_the_filters() {
        let first = analyze("Show cases and ICMs for Ford");
        let (plan, kept) = follow(&first, "only the open ones");
        assert_eq!(kept, [Kept::Customers, Kept::Agents]);
        assert_eq!(plan.filters.status, Some(StatusFilter::Open));
        assert_eq!(names(&plan), ["Ford Motor Company"]);
        assert_eq!(plan.agents, first.agents);
        assert_eq!(tenants(&plan), tenants(&first));
    }

    #[test]
    fn another_time_range_keeps_customers_agents_and_filters() {
        let first = analyze("Show open Sev A cases for Ford in the last 30 days");
        let (plan, kept) = follow(&first, "what about last week?");
        assert_eq!(kept, [Kept::Customers, Kept::Agents, Kept::Filters]);
        let range = plan.time_range.as_ref().unwrap();
        assert_eq!(range.label, "last week");
        assert_ne!(plan.time_range, first.time_range);
        assert_eq!(plan.filters, first.filters);
        assert_eq!(names(&plan), ["Ford Motor Company"]);
    }

    #[test]
    fn new_agents_keep_the_customers_and_time_range() {
        let first = analyze("Show cases for Ford and Toyota last week");
        let (plan, kept) = follow(&first, "what about their bugs?");
        assert_eq!(kept, [Kept::Customers, Kept::TimeRange]);
        assert_eq!(plan.data_sources, [SourceKey::Ado]);
        assert_eq!(
            names(&plan),
            ["Ford Motor Company", "Toyota Motor Corporation"]
        );
        assert_eq!(plan.tasks.len(), 2);
        assert_eq!(plan.time_range, first.time_range);
    }

    #[test]
    fn a_complete_request_stands_alone() {
        let first = analyze("Show cases and ICMs for Ford");
        let (plan, kept) = follow(&first, "Show ADO bugs for Toyota");
        assert!(kept.is_empty());
        assert_eq!(plan, analyze("Show ADO bugs for Toyota"));
    }

    #[test]
    fn a_product_question_stands_alone() {
        let first = analyze("Show cases and ICMs for Ford");
        let (plan, kept) = follow(&first, "How do I configure auto-labeling?");
        assert!(kept.is_empty());
        assert_eq!(plan.data_sources, [SourceKey::Docs]);
        assert!(plan.customers.is_empty());
    }

    #[test]
    fn an_unknown_customer_never_falls_back_to_the_previous_one() {
        let first = analyze("Show cases and ICMs for Ford");
        let (plan, _) = follow(&first, "and for Acme Corp?");
        assert!(plan.customers.is_empty());
        assert!(
            plan.tasks.iter().all(|t| t.tenant_id.is_none()),
            "no customer task: {:?}",
            plan.tasks
        );
        assert!(plan.tasks.is_empty());
    }

    #[test]
    fn follow_ups_chain_and_keep_dependencies() {
        let first = analyze("ADO bugs linked to Ford's ICMs");
        assert!(first.tasks.iter().any(|t| !t.depends_on.is_empty()));
        let (second, _) = follow(&first, "and for GM?");
        assert_eq!(second.strategy, Strategy::Sequential);
        assert_eq!(second.tasks[1].depends_on, ["t1"]);
        assert_eq!(second.score, first.score);
        let (third, kept) = follow(&second, "only the closed ones");
        assert_eq!(kept, [Kept::Customers, Kept::Agents, Kept::Filters]);
        assert_eq!(third.filters.work_item_types, ["Bug"], "bugs, still");
        assert_eq!(names(&third), ["General Motors"]);
        assert_eq!(third.filters.states, ["Closed"]);
        assert_eq!(third.filters.status, None);
        assert_eq!(third.strategy, Strategy::Sequential);
    }

    #[test]
    fn a_name_not_in_the_registry_never_falls_back_to_the_previous_customer() {
        let first = analyze("Show cases and ICMs for Ford");
        let (plan, _) = follow(&first, "and for Microsoft?");
        assert!(
            plan.tasks.iter().all(|t| t.tenant_id.is_none()),
            "{:?}",
            plan.tasks
        );
        let (plan, _) = follow(&first, "any incidents for Microsoft?");
        assert!(
            plan.tasks.iter().all(|t| t.tenant_id.is_none()),
            "{:?}",
            plan.tasks
        );
    }

    #[test]
    fn all_customers_in_so_many_words_replaces_the_customers() {
        let first = analyze("Show cases and ICMs for Ford");
        let (plan, kept) = follow(&first, "and for all MCS customers?");
        assert_eq!(kept, [Kept::Agents]);
        assert_eq!(plan.scope, Scope::All);
        assert_eq!(plan.cohort.as_deref(), Some("MCS"));
        assert!(plan.tasks.iter().all(|t| t.tenant_id.is_none()));
        assert_eq!(plan.data_sources, [SourceKey::Kusto, SourceKey::Icm]);
        // The cohort's tenants, resolved from the registry by hand here.
        let mcs: Vec<String> = registry()
            .customers()
            .iter()
            .filter(|c| c.segment.as_deref() == Some("MCS"))
            .map(|c| c.tenant_id.to_ascii_lowercase())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert!(!mcs.is_empty());
        assert_eq!(plan.cohort_tenants, mcs);

        // A follow-up that keeps the customers keeps the cohort's tenants.
        let (next, _) = follow(&plan, "and their incidents?");
        assert_eq!(next.cohort.as_deref(), Some("MCS"));
        assert_eq!(next.cohort_tenants, mcs);
    }

    #[test]
    fn nothing_to_follow_when_the_previous_plan_had_no_task() {
        let first = analyze("cases for Acme Corp");
        assert!(first.tasks.is_empty());
        assert!(merge(&first, &analyze("and for GM?"), &Analyzer::default()).is_none());
    }

    #[test]
    fn a_follow_up_keeps_the_kind_of_answer() {
        let first = analyze("Ford cases per month this year");
        assert_eq!(first.intent, crate::shape::Intent::Trend);
        let (second, _) = follow(&first, "and for GM?");
        assert_eq!(second.intent, crate::shape::Intent::Trend);
        assert_eq!(second.shape, first.shape);
        let (third, _) = follow(&second, "only the open ones");
        assert_eq!(third.intent, crate::shape::Intent::Trend);
        assert!(
            third.interpretation.contains("per month"),
            "{}",
            third.interpretation
        );
    }
}
