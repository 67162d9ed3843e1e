//! `orca plan --format text`: the plan as a short, aligned listing.

use std::fmt::Write as _;

use orca_core::Plan;

use super::enum_str;

pub fn plan_text(plan: &Plan) -> String {
    let mut out = String::new();
    let mut line = |label: &str, value: String| {
        let _ = writeln!(out, "{label:<12} {value}");
    };
    line("Request:", plan.request.clone());
    line("Read as:", plan.interpretation.clone());
    if !plan.not_understood.is_empty() {
        line("Not understood:", orca_core::describe::not_understood(plan));
    }
    let factors = if plan.factors.is_empty() {
        String::new()
    } else {
        format!(": {}", plan.factors.join("; "))
    };
    line(
        "Complexity:",
        format!(
            "{} (score {}){factors}",
            plan.complexity.as_str(),
            plan.score
        ),
    );
    line("Strategy:", plan.strategy.as_str().to_string());
    let agents: Vec<String> = plan
        .agents
        .iter()
        .map(|a| format!("{a} ({})", a.source()))
        .collect();
    line(
        "Agents:",
        if agents.is_empty() {
            "none".into()
        } else {
            agents.join(", ")
        },
    );
    let scope = match &plan.cohort {
        Some(c) => format!("{} (cohort {c})", enum_str(&plan.scope)),
        None => enum_str(&plan.scope),
    };
    line("Scope:", scope);
    for c in &plan.customers {
        line(
            "Customer:",
            format!(
                "{} ({}) from \"{}\" [{}, {:.2}]",
                c.name,
                c.tenant_id,
                c.mention,
                c.match_kind.as_str(),
                c.confidence
            ),
        );
    }
    for a in &plan.ambiguous {
        line(
            "Ambiguous:",
            format!("\"{}\" could be {}", a.mention, a.candidates.join(", ")),
        );
    }
    for u in &plan.unresolved {
        let s = if u.suggestions.is_empty() {
            "no close match".to_string()
        } else {
            format!("did you mean {}?", u.suggestions.join(", "))
        };
        line("Unresolved:", format!("\"{}\": {s}", u.mention));
    }
    line(
        "Time range:",
        match &plan.time_range {
            Some(t) => format!(
                "{} ({} to {})",
                t.label,
                t.from.format("%Y-%m-%d %H:%M"),
                t.to.format("%Y-%m-%d %H:%M")
            ),
            None => "none".into(),
        },
    );
    let mut filters = Vec::new();
    if let Some(s) = plan.filters.status {
        filters.push(format!("status={}", enum_str(&s)));
    }
    if !plan.filters.severity.is_empty() {
        filters.push(format!("severity={}", plan.filters.severity.join(",")));
    }
    line(
        "Filters:",
        if filters.is_empty() {
            "none".into()
        } else {
            filters.join(" ")
        },
    );
    line(
        "Tasks:",
        format!("{} (estimated {} ms)", plan.tasks.len(), plan.estimated_ms),
    );
    for t in &plan.tasks {
        let mut s = format!(
            "  {:<4} {:<22} {}",
            t.id,
            t.agent.as_str(),
            t.customer.as_deref().unwrap_or(match plan.scope {
                orca_core::Scope::All => "all customers",
                _ => "-",
            })
        );
        if !t.depends_on.is_empty() {
            let _ = write!(s, "  after {}", t.depends_on.join(", "));
        }
        if t.critical {
            s.push_str("  [critical]");
        }
        let _ = writeln!(out, "{s}");
    }
    out
}
