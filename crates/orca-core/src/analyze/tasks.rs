//! The task graph: dependencies between agents (context sharing), the order of agents, the
//! tasks themselves and which of them are critical.
//!
//! - Dependencies: between two consecutive mentions of different agents X ... Y, a link word
//!   (linked, related, tied, associated, attached, connected, behind, caused, causing, underlying,
//!   blocking, spawned) or a preposition with a back-reference ("for those", "from these", "from
//!   the", "of the same") makes X need Y: "ADO bugs linked to Ford's ICMs", "work items for those
//!   incidents" -> ado needs icm. After a list joiner, a link adjective right before Y reverses it:
//!   "ICMs and their linked bugs", "cases with related ICMs" -> Y needs X. At most eight words
//!   between the two mentions; a dependency that would close a cycle, or involves the docs agent,
//!   is ignored.
//! - Order: agents in the fixed order kusto, icm, ado, tenant, docs, except that an agent always
//!   comes after the agents it needs. Tasks: per resolved customer (order of first mention), one
//!   task per customer agent in that order; `scope: all` (or an unnarrowed `none`) gives one task
//!   per agent with a null tenant; the docs agent gets one task, last, with a null tenant. Ids are
//!   t1, t2, ... in that order, so `depends_on` always points to earlier ids; a task depends on the
//!   same customer's tasks of the agents it needs.
//! - Critical: the agent that answers the main question (the first agent word of the request, or
//!   the first agent of the default or fallback set) and every agent it needs (transitively).

use super::keywords::AgentMention;
use super::tokens::{Role, Tok};
use crate::names::AgentName;
use crate::plan::{ResolvedCustomer, Task, TimeRange};

/// `(needs, needed)`: the first agent's tasks take the second's output.
pub(crate) type Dependency = (AgentName, AgentName);

const LINK_WORDS: &[&str] = &[
    "linked",
    "related",
    "tied",
    "associated",
    "attached",
    "connected",
    "behind",
    "caused",
    "causing",
    "underlying",
    "blocking",
    "spawned",
    "correlated",
];
const LINK_ADJECTIVES: &[&str] = &[
    "linked",
    "related",
    "associated",
    "attached",
    "connected",
    "underlying",
    "corresponding",
];
const JOINERS: &[&str] = &["and", "or", "plus", "&", "vs", "versus"];
const SOFT_JOINERS: &[&str] = &["with", "including"];
const PREPOSITIONS: &[&str] = &["for", "from", "of", "on", "about", "in", "behind"];
const BACK_REFERENCES: &[&str] = &["those", "these", "them", "same", "such"];

/// Finds the dependencies the request's words state between agent mentions.
pub(crate) fn dependencies(toks: &[Tok<'_>], mentions: &[AgentMention]) -> Vec<Dependency> {
    let mut deps: Vec<Dependency> = Vec::new();
    for pair in mentions.windows(2) {
        let (x, y) = (pair[0], pair[1]);
        if x.agent == y.agent
            || x.agent == AgentName::PurviewExpert
            || y.agent == AgentName::PurviewExpert
        {
            continue;
        }
        let gap = &toks[x.last + 1..y.first];
        if gap.is_empty() || gap.len() > 8 {
            continue;
        }
        let is = |t: &Tok<'_>, list: &[&str]| t.role != Role::Customer && list.contains(&t.folded);
        // A list joiner between two customer names ("Ford and GM") does not separate the agents.
        let joiner_at = |i: usize, list: &[&str]| {
            is(&gap[i], list)
                && !(i > 0
                    && gap[i - 1].role == Role::Customer
                    && gap.get(i + 1).is_some_and(|t| t.role == Role::Customer))
        };
        let last = gap.len() - 1;
        let dep = if is(&gap[last], LINK_ADJECTIVES)
            && (0..last).any(|i| joiner_at(i, JOINERS) || joiner_at(i, SOFT_JOINERS))
        {
            // "ICMs and their linked bugs", "cases with related ICMs": Y needs X.
            Some((y.agent, x.agent))
        } else if (0..gap.len()).any(|i| joiner_at(i, JOINERS)) {
            None
        } else {
            let linked = gap.iter().any(|t| is(t, LINK_WORDS))
                || gap.windows(2).any(|w| {
                    is(&w[0], PREPOSITIONS)
                        && (is(&w[1], BACK_REFERENCES)
                            || (w[0].folded == "from" && w[1].folded == "the"))
                });
            linked.then_some((x.agent, y.agent))
        };
        if let Some((needs, needed)) = dep
            && !deps.contains(&(needs, needed))
            && !reaches(&deps, needed, needs)
        {
            deps.push((needs, needed));
        }
    }
    deps
}

/// True when `from` needs `to`, directly or through other agents.
fn reaches(deps: &[Dependency], from: AgentName, to: AgentName) -> bool {
    let mut stack = vec![from];
    let mut seen = Vec::new();
    while let Some(agent) = stack.pop() {
        if agent == to {
            return true;
        }
        if seen.contains(&agent) {
            continue;
        }
        seen.push(agent);
        stack.extend(deps.iter().filter(|(n, _)| *n == agent).map(|(_, d)| *d));
    }
    false
}

/// The agents in plan order: the fixed order, with every agent after the agents it needs.
pub(crate) fn order(agents: &[AgentName], deps: &[Dependency]) -> Vec<AgentName> {
    let mut pending: Vec<AgentName> = AgentName::ALL
        .into_iter()
        .filter(|a| agents.contains(a))
        .collect();
    let mut out = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let ready = pending
            .iter()
            .position(|a| {
                deps.iter()
                    .filter(|(n, _)| n == a)
                    .all(|(_, d)| out.contains(d) || !pending.contains(d))
            })
            .unwrap_or(0);
        out.push(pending.remove(ready));
    }
    out
}

/// The main agent and every agent it needs.
pub(crate) fn critical_agents(primary: AgentName, deps: &[Dependency]) -> Vec<AgentName> {
    let mut out = vec![primary];
    let mut i = 0;
    while i < out.len() {
        for &(needs, needed) in deps {
            if needs == out[i] && !out.contains(&needed) {
                out.push(needed);
            }
        }
        i += 1;
    }
    out
}

/// Who the customer agents' tasks are for.
pub(crate) enum Targets<'a> {
    /// One group of tasks per resolved customer.
    Customers(&'a [ResolvedCustomer]),
    /// One group of tasks with a null tenant (`scope: all`, or no customer named at all).
    Unscoped,
    /// No task for customer agents (the customers named could not be resolved).
    Nobody,
}

/// Builds the tasks, ids t1, t2, ... in plan order.
pub(crate) fn build(
    agents: &[AgentName],
    deps: &[Dependency],
    critical: &[AgentName],
    targets: Targets<'_>,
) -> Vec<Task> {
    let customer_agents: Vec<AgentName> = agents
        .iter()
        .copied()
        .filter(|a| *a != AgentName::PurviewExpert)
        .collect();
    let groups: Vec<Option<&ResolvedCustomer>> = match targets {
        Targets::Customers(customers) => customers.iter().map(Some).collect(),
        Targets::Unscoped => vec![None],
        Targets::Nobody => Vec::new(),
    };
    let mut tasks: Vec<Task> = Vec::new();
    for customer in groups {
        let group_start = tasks.len();
        for &agent in &customer_agents {
            let depends_on = tasks[group_start..]
                .iter()
                .filter(|t| deps.contains(&(agent, t.agent)))
                .map(|t| t.id.clone())
                .collect();
            tasks.push(Task {
                id: format!("t{}", tasks.len() + 1),
                agent,
                source: agent.source(),
                tenant_id: customer.map(|c| c.tenant_id.clone()),
                customer: customer.map(|c| c.name.clone()),
                depends_on,
                critical: critical.contains(&agent),
                time_range: None,
            });
        }
    }
    if agents.contains(&AgentName::PurviewExpert) {
        tasks.push(Task {
            id: format!("t{}", tasks.len() + 1),
            agent: AgentName::PurviewExpert,
            source: AgentName::PurviewExpert.source(),
            tenant_id: None,
            customer: None,
            depends_on: Vec::new(),
            critical: critical.contains(&AgentName::PurviewExpert),
            time_range: None,
        });
    }
    tasks
}

/// A comparison of periods ("this month vs last month"): every customer agent's task twice, the
/// earlier period first, each with its own range; ids renumbered t1, t2, ... (the plan has no
/// dependencies, the caller checks).
pub(crate) fn for_two_periods(tasks: Vec<Task>, main: &TimeRange, other: TimeRange) -> Vec<Task> {
    let (earlier, later) = if other.from <= main.from {
        (other, main.clone())
    } else {
        (main.clone(), other)
    };
    let mut out: Vec<Task> = Vec::with_capacity(tasks.len() * 2);
    for task in tasks {
        if task.agent == AgentName::PurviewExpert {
            out.push(task);
            continue;
        }
        for range in [&earlier, &later] {
            let mut side = task.clone();
            side.time_range = Some(range.clone());
            out.push(side);
        }
    }
    for (i, task) in out.iter_mut().enumerate() {
        task.id = format!("t{}", i + 1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use AgentName::*;

    #[test]
    fn order_puts_needed_agents_first() {
        let agents = [SupportCaseManager, EscalationManager];
        assert_eq!(
            order(&agents, &[(SupportCaseManager, EscalationManager)]),
            [EscalationManager, SupportCaseManager]
        );
        assert_eq!(order(&agents, &[]), [SupportCaseManager, EscalationManager]);
    }

    #[test]
    fn critical_follows_needs() {
        let deps = [
            (WorkItemManager, EscalationManager),
            (EscalationManager, SupportCaseManager),
        ];
        assert_eq!(
            critical_agents(WorkItemManager, &deps),
            [WorkItemManager, EscalationManager, SupportCaseManager]
        );
        assert!(reaches(&deps, WorkItemManager, SupportCaseManager));
        assert!(!reaches(&deps, SupportCaseManager, WorkItemManager));
    }
}
