//! Investigations (DESIGN section 9, `investigate`): "why did Contoso's Sev A cases spike last
//! month" answered as a chain where each step's output feeds the next step's query.
//!
//! 1. The measure in the asked period and in the previous period of the same length, broken
//!    down by product area: two tasks per customer (`t1`, `t2`: previous, asked), giving both the
//!    change and what drives it.
//! 2. The driver: the product area whose count grew most (ties: the larger asked-period count,
//!    then the name).
//! 3. For the driver, in parallel: the customer's incidents and work items in that area and
//!    period, and known-issue documents about the area; each depends on step 1's tasks.
//! 4. Findings: ordered sentences, each citing the task ids that support it.
//!
//! Invariant: pure. The plan lists the whole chain (`depends_on` shows it); the caller runs
//! [`first_step`], then [`second_step`] built from its sections, and asks [`findings`].

use crate::describe::capitalize;
use crate::names::{AgentName, SourceKey};
use crate::plan::{Plan, Task, TimeRange};
use crate::report::{Finding, Section};
use crate::shape::{Change, Direction, GroupBy, Intent, Shape};

/// The tasks of an investigation of `agent`'s items over `range` for the plan's customers (or
/// its scope): two breakdown tasks per customer, then incidents, work items and docs depending on
/// them. Ids t1, t2, ...
pub fn chain(
    customers: &[crate::plan::ResolvedCustomer],
    agent: AgentName,
    range: &TimeRange,
) -> Vec<Task> {
    let previous = TimeRange::previous(range);
    let mut tasks: Vec<Task> = Vec::new();
    let customers: Vec<(Option<String>, Option<String>)> = if customers.is_empty() {
        vec![(None, None)]
    } else {
        customers
            .iter()
            .map(|c| (Some(c.tenant_id.clone()), Some(c.name.clone())))
            .collect()
    };
    let task = |tasks: &mut Vec<Task>,
                agent: AgentName,
                who: &(Option<String>, Option<String>),
                range: Option<&TimeRange>,
                depends_on: Vec<String>,
                critical: bool| {
        let id = format!("t{}", tasks.len() + 1);
        tasks.push(Task {
            id: id.clone(),
            agent,
            source: agent.source(),
            tenant_id: who.0.clone(),
            customer: who.1.clone(),
            depends_on,
            critical,
            time_range: range.cloned(),
        });
        id
    };
    for who in &customers {
        let before = task(&mut tasks, agent, who, Some(&previous), Vec::new(), true);
        let asked = task(&mut tasks, agent, who, Some(range), Vec::new(), true);
        let needs = vec![before, asked];
        for follow in [AgentName::EscalationManager, AgentName::WorkItemManager] {
            if follow != agent {
                task(&mut tasks, follow, who, Some(range), needs.clone(), false);
            }
        }
    }
    let first_two: Vec<String> = tasks.iter().take(2).map(|t| t.id.clone()).collect();
    task(
        &mut tasks,
        AgentName::PurviewExpert,
        &(None, None),
        None,
        first_two,
        false,
    );
    tasks
}

/// The plan of step 1: the breakdown tasks (those without dependencies), by product area.
pub fn first_step(plan: &Plan) -> Plan {
    let mut step = plan.clone();
    step.tasks.retain(|t| t.depends_on.is_empty());
    step.shape = Shape {
        intent: Intent::Breakdown,
        group_by: Some(GroupBy::ProductArea),
        ..Shape::default()
    };
    step
}

/// The product area that drives the change, with its counts in the previous and asked periods.
#[derive(Debug, Clone, PartialEq)]
pub struct Driver {
    pub area: String,
    pub before: f64,
    pub asked: f64,
}

/// The driver of the change seen in step 1's sections (previous period first, then asked, per
/// customer): the area that grew most across them.
pub fn driver(plan: &Plan, sections: &[Section]) -> Option<Driver> {
    let previous = TimeRange::previous(plan.time_range.as_ref()?);
    let mut areas: Vec<Driver> = Vec::new();
    for s in sections.iter().filter(|s| s.is_ok()) {
        let is_before = s.period.as_deref() == Some(previous.label.as_str());
        for g in &s.shaped.groups {
            let entry = match areas.iter_mut().find(|d| d.area == g.key) {
                Some(entry) => entry,
                None => {
                    areas.push(Driver {
                        area: g.key.clone(),
                        before: 0.0,
                        asked: 0.0,
                    });
                    areas.last_mut()?
                }
            };
            if is_before {
                entry.before += g.value;
            } else {
                entry.asked += g.value;
            }
        }
    }
    areas
        .into_iter()
        .filter(|d| d.area != "(none)" && d.asked > d.before)
        .max_by(|a, b| {
            let growth = |d: &Driver| d.asked - d.before;
            growth(a)
                .total_cmp(&growth(b))
                .then(a.asked.total_cmp(&b.asked))
                .then(b.area.cmp(&a.area))
        })
}

/// The plan of step 2: the dependent tasks, narrowed to the driver's area, the docs searching
/// for its known issues. Dependencies are dropped: step 1 ran already.
pub fn second_step(plan: &Plan, driver: &Driver) -> Plan {
    let mut step = plan.clone();
    step.tasks.retain(|t| !t.depends_on.is_empty());
    for t in &mut step.tasks {
        t.depends_on.clear();
    }
    step.shape = Shape::default();
    step.filters = Default::default();
    step.filters.product_areas = vec![driver.area.clone()];
    step.search_terms = crate::text::fold_phrase(&driver.area)
        .split(' ')
        .map(str::to_string)
        .collect();
    step
}

/// The findings, in order: the change, its driver, and what step 2 found for the driver.
pub fn findings(
    plan: &Plan,
    first: &[Section],
    driver: Option<&Driver>,
    second: &[Section],
) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(range) = plan.time_range.as_ref() else {
        return out;
    };
    let previous = TimeRange::previous(range);
    let ok_first: Vec<&Section> = first.iter().filter(|s| s.is_ok()).collect();
    let total_of = |before: bool| -> f64 {
        ok_first
            .iter()
            .filter(|s| (s.period.as_deref() == Some(previous.label.as_str())) == before)
            .map(|s| crate::summary::total(&s.summary) as f64)
            .sum()
    };
    let evidence: Vec<String> = ok_first.iter().map(|s| s.task_id.clone()).collect();
    if ok_first.len() < 2 {
        out.push(Finding {
            text: "The change could not be measured: a source did not answer".to_string(),
            evidence,
        });
        return out;
    }
    let (before, asked) = (total_of(true), total_of(false));
    let change = Change::between(before, asked);
    let source = plan.tasks.first().map_or(SourceKey::Kusto, |t| t.source);
    let items = crate::describe::items(&plan.filters, source, 2);
    let verb = match change.direction {
        Direction::Up => "rose",
        Direction::Down => "fell",
        Direction::Flat => "stayed",
    };
    let pct = change
        .pct
        .map(|p| format!(" ({}{p:.0}%)", if p > 0.0 { "+" } else { "" }))
        .unwrap_or_default();
    out.push(Finding {
        text: format!(
            "{} {verb} from {before} to {asked}{pct} ({}, against {})",
            capitalize(&items),
            crate::describe::period(range),
            crate::describe::period(&previous)
        ),
        evidence: evidence.clone(),
    });
    match driver {
        Some(d) => out.push(Finding {
            text: format!(
                "{} drives it: {} to {} ({} more)",
                d.area,
                d.before,
                d.asked,
                d.asked - d.before
            ),
            evidence: evidence.clone(),
        }),
        None => {
            out.push(Finding {
                text: "No product area grew: nothing drives a rise".to_string(),
                evidence,
            });
            return out;
        }
    }
    for s in second.iter() {
        if !s.is_ok() {
            out.push(Finding {
                text: format!(
                    "{} could not be checked ({})",
                    capitalize(s.agent.noun()),
                    s.reason_text()
                ),
                evidence: vec![s.task_id.clone()],
            });
            continue;
        }
        let total = crate::summary::total(&s.summary);
        let title = |row: &serde_json::Value, id: &str| {
            format!(
                "{} {} (\"{}\", {})",
                match s.source {
                    SourceKey::Icm => "ICM",
                    _ => "work item",
                },
                row.get(id)
                    .map(|v| v.to_string().trim_matches('"').to_string())
                    .unwrap_or_default(),
                row.get("Title")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or(""),
                row.get("Status")
                    .or_else(|| row.get("State"))
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("")
            )
        };
        let text = match s.source {
            SourceKey::Icm | SourceKey::Ado => {
                let id = if s.source == SourceKey::Icm {
                    "IncidentId"
                } else {
                    "Id"
                };
                let noun = crate::describe::items(&Default::default(), s.source, total);
                let driver = driver.map_or("", |d| d.area.as_str());
                match s.rows.first() {
                    Some(row) => format!(
                        "{total} {noun} in {driver} in the period; the latest: {}",
                        title(row, id)
                    ),
                    None => format!("No {noun} in {driver} in the period"),
                }
            }
            SourceKey::Docs => match s
                .rows
                .first()
                .and_then(|r| r.get("title"))
                .and_then(serde_json::Value::as_str)
            {
                Some(doc) => format!("Known issue to check: \"{doc}\""),
                None => "No known-issue document matches".to_string(),
            },
            _ => continue,
        };
        out.push(Finding {
            text,
            evidence: vec![s.task_id.clone()],
        });
    }
    out
}
