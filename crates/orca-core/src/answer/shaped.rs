//! The first-line clauses of shaped answers (DESIGN section 9): a ranking's leaders, the largest
//! groups, a trend's direction, how many rows a list shows, an aggregate's value, a looked-up
//! item, a comparison's change; and the changes a comparison's sections carry.
//!
//! Invariant: a clause never reads as zero when the source gave no shape: it says the source
//! gave none.

use std::fmt::Write as _;

use serde_json::Value;

use super::{count, plural};
use crate::describe::{self, capitalize, join_and};
use crate::names::AgentName;
use crate::plan::Plan;
use crate::report::Section;
use crate::shape::{Bucket, Direction, GroupBy, Intent, Measure, Order, Shape};
use crate::summary;

/// Sets the `change` of a comparison (DESIGN section 9): for periods, on each later-period
/// section, from the earlier period of the same agent and customer; for customers, on each
/// customer's section after the first, from the first customer's section of the same agent.
pub fn apply_changes(plan: &Plan, sections: &mut [Section]) {
    if plan.shape.intent != Intent::Compare {
        return;
    }
    let total = |s: &Section| summary::total(&s.summary) as f64;
    let mut changes: Vec<(usize, crate::shape::Change)> = Vec::new();
    for (i, s) in sections.iter().enumerate() {
        if !s.is_ok() || s.agent == AgentName::PurviewExpert {
            continue;
        }
        let base = sections[..i].iter().find(|b| {
            b.is_ok()
                && b.agent == s.agent
                && if s.period.is_some() {
                    b.customer == s.customer && b.period.is_some() && b.period != s.period
                } else {
                    b.customer != s.customer
                }
        });
        if let Some(base) = base {
            let mut change = crate::shape::Change::between(total(base), total(s));
            change.from_label = base
                .period
                .clone()
                .or_else(|| base.customer.as_ref().map(|c| c.name.clone()));
            changes.push((i, change));
        }
    }
    for (i, change) in changes {
        sections[i].shaped.change = Some(change);
    }
}

/// The clause of a section whose answer has a shape (DESIGN section 9: "the first line says"):
/// the leaders of a ranking, the largest groups, a trend's direction with its first and last
/// buckets, how many rows a list shows, an aggregate's value, a looked-up item. `None` for a
/// plain count, a failed section, or a source that does not aggregate.
pub(super) fn shaped_clause(s: &Section, plan: &Plan, period: &str) -> Option<String> {
    if !s.is_ok()
        || !matches!(
            s.agent,
            AgentName::SupportCaseManager
                | AgentName::EscalationManager
                | AgentName::WorkItemManager
        )
    {
        return None;
    }
    let shape = &plan.shape;
    let shaped = &s.shaped;
    let total = summary::total(&s.summary);
    let items = |n: u64| describe::items(&plan.filters, s.source, n);
    let descending = shape.sort.is_none_or(|x| x.order == Order::Desc);
    let number = |v: f64| {
        if v.fract() == 0.0 {
            format!("{v:.0}")
        } else {
            format!("{v:.1}")
        }
    };
    Some(match shape.intent {
        Intent::Rank => {
            let ranking = &shaped.ranking;
            if ranking.is_empty() && total > 0 {
                // The source counted but did not rank: say so rather than "no customer".
                return Some(format!(
                    "{} {}{period}; this source gave no ranking by customer",
                    count(total),
                    items(total)
                ));
            }
            if ranking.is_empty() {
                return Some(format!("No customer has {}{period}", items(2)));
            }
            let most = if descending { "most" } else { "fewest" };
            let entry =
                |r: &crate::shape::Ranked| format!("{} ({})", r.customer.name, number(r.value));
            match shape.limit {
                Some(1) => {
                    let lead = ranking[0].value;
                    let leaders: Vec<&str> = ranking
                        .iter()
                        .filter(|r| r.value == lead)
                        .map(|r| r.customer.name.as_str())
                        .collect();
                    let each = if leaders.len() > 1 { " each" } else { "" };
                    let verb = if leaders.len() > 1 { "have" } else { "has" };
                    format!(
                        "{} {verb} the {most} {}{period} ({}{each})",
                        join_and(&leaders),
                        items(2),
                        number(lead)
                    )
                }
                Some(Shape::MAX_ROWS) | None => {
                    let shown: Vec<String> = ranking.iter().take(10).map(entry).collect();
                    let more = ranking.len().saturating_sub(10);
                    let mut t = format!(
                        "{} {} {} {}{period}: {}",
                        ranking.len(),
                        plural(ranking.len() as u64, "customer"),
                        if ranking.len() == 1 { "has" } else { "have" },
                        items(2),
                        shown.join(", ")
                    );
                    if more > 0 {
                        let _ = write!(t, " and {more} more");
                    }
                    t
                }
                Some(n) => {
                    let shown: Vec<String> = ranking.iter().map(entry).collect();
                    let ties = if ranking.len() > n {
                        " (ties kept)"
                    } else {
                        ""
                    };
                    format!(
                        "Top {n} by {}{period}{ties}: {}",
                        items(2),
                        shown.join(", ")
                    )
                }
            }
        }
        Intent::Breakdown => {
            let by = shape.group_by.map_or("product area", GroupBy::as_str);
            let shown: Vec<String> = shaped
                .groups
                .iter()
                .take(5)
                .map(|g| {
                    let key = crate::describe::group_label(shape.group_by, &g.key);
                    format!("{key}: {} ({:.0}%)", number(g.value), g.share * 100.0)
                })
                .collect();
            let more = shaped.groups.len().saturating_sub(5);
            let mut t = format!("{} {}{period} by {by}", count(total), items(total));
            if shown.is_empty() && total > 0 {
                let _ = write!(t, "; this source gave no breakdown");
            }
            if !shown.is_empty() {
                let _ = write!(t, ": {}", shown.join(", "));
            }
            if more > 0 {
                let _ = write!(t, " and {more} more");
            }
            t
        }
        Intent::Trend => {
            let series = &shaped.series;
            let (Some(first), Some(last)) = (series.first(), series.last()) else {
                return Some(format!(
                    "{} {}{period}; this source gave no series over time",
                    count(total),
                    items(total)
                ));
            };
            let bucket = shaped.bucket.or(shape.bucket).unwrap_or(Bucket::Month);
            let change = crate::shape::Change::between(first.value, last.value);
            let word = match change.direction {
                Direction::Up => "rising",
                Direction::Down => "falling",
                Direction::Flat => "flat",
            };
            let pct = change
                .pct
                .map(|p| format!(" ({}{p:.0}%)", if p > 0.0 { "+" } else { "" }))
                .unwrap_or_default();
            format!(
                "{} per {}, {word}: {} in {}, {} in {}{pct}",
                capitalize(&items(2)),
                bucket.as_str(),
                number(first.value),
                bucket_label(bucket, first.start),
                number(last.value),
                bucket_label(bucket, last.start),
            )
        }
        Intent::List => {
            let listed = s.rows.len();
            let order = describe::list_order(shape);
            let mut t = format!("{} {}{period}", count(total), items(total));
            if listed as u64 >= total {
                let _ = write!(t, ", all listed");
            } else {
                let _ = write!(t, ", the {listed} {order} listed");
            }
            t
        }
        Intent::Aggregate => {
            let Some(value) = shaped.value else {
                return Some(format!(
                    "{} {}{period}; this source gave no {}",
                    count(total),
                    items(total),
                    match shape.measure {
                        Measure::AverageAgeDays => "average age",
                        Measure::MeanTimeToMitigateHours => "mean time to mitigate",
                        Measure::Customers | Measure::Count => "value",
                    }
                ));
            };
            match shape.measure {
                Measure::AverageAgeDays => format!(
                    "average age {:.1} days over {} {}{period}",
                    value,
                    count(total),
                    items(total)
                ),
                Measure::MeanTimeToMitigateHours => format!(
                    "mean time to mitigate {:.1} h over {}{period}",
                    value,
                    items(2)
                ),
                Measure::Customers => format!("{} customers", number(value)),
                Measure::Count => return None,
            }
        }
        Intent::Compare => {
            let change = shaped.change.as_ref()?;
            let signed = |v: f64| {
                if v > 0.0 {
                    format!("+{}", number(v))
                } else {
                    number(v)
                }
            };
            let pct = change
                .pct
                .map(|p| format!(", {}{p:.0}%", if p > 0.0 { "+" } else { "" }))
                .unwrap_or_default();
            let against = change.from_label.as_deref().unwrap_or("the other side");
            format!(
                "{} {}{period} ({}{pct} against {against}: {})",
                count(total),
                items(total),
                signed(change.delta),
                number(change.from_value)
            )
        }
        Intent::Lookup => {
            let row = s.rows.first();
            let ids: Vec<&str> = plan.filters.ids_of(s.source).collect();
            let Some(row) = row else {
                return Some(format!("No {} {} was found", items(1), ids.join(", ")));
            };
            lookup_text(s.source, row)
        }
        _ => return None,
    })
}

/// "Support case 2611240001000050: Active, Sev C, owner Aisha Khan, \"Title\"".
fn lookup_text(source: crate::names::SourceKey, row: &Value) -> String {
    let field = |k: &str| {
        row.get(k)
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .unwrap_or_default()
    };
    match source {
        crate::names::SourceKey::Kusto => format!(
            "Support case {}: {}, Sev {}, owner {}, \"{}\"",
            field("CaseNumber"),
            field("Status"),
            field("Severity"),
            field("Owner"),
            field("Title")
        ),
        crate::names::SourceKey::Icm => format!(
            "ICM {}: {}, Sev {}, team {}, \"{}\"",
            field("IncidentId"),
            field("Status"),
            crate::describe::severity_label(&field("Severity")),
            field("OwningTeam"),
            field("Title")
        ),
        _ => format!(
            "{} {}: {}, \"{}\"",
            field("WorkItemType"),
            field("Id"),
            field("State"),
            field("Title")
        ),
    }
}

/// "October", "the week of 2026-11-16", "2026-11-23".
fn bucket_label(bucket: Bucket, start: chrono::DateTime<chrono::Utc>) -> String {
    match bucket {
        Bucket::Month => start.format("%B").to_string(),
        Bucket::Week => format!("the week of {}", start.format("%Y-%m-%d")),
        Bucket::Day => start.format("%Y-%m-%d").to_string(),
    }
}
