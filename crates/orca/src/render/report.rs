//! `orca ask` as text and markdown: the answer first, then one compact table per section,
//! then the gaps and the timings. `--explain` adds a task timeline.

use std::fmt::Write as _;

use comfy_table::{ContentArrangement, Table};
use orca_core::{Report, Section};
use serde_json::Value;

use super::cell;

/// Rows shown per section in text and markdown (JSON has them all).
const SHOWN_ROWS: usize = 10;
/// A comfy-table preset that draws only the rule under the header (compact, easy to scan).
const HEADER_RULE_ONLY: &str = "    ────           ";

/// Columns shown per table.
const SHOWN_COLUMNS: usize = 7;

fn section_title(s: &Section) -> String {
    let who = s
        .customer
        .as_ref()
        .map(|c| format!("{} · ", c.name))
        .unwrap_or_default();
    let mut t = format!(
        "{who}{} ({}) · {} · {:.1} ms",
        s.agent.noun(),
        s.source,
        s.status.as_str(),
        s.elapsed_ms
    );
    if s.attempts > 1 {
        let _ = write!(t, " · {} attempts", s.attempts);
    }
    if s.cached {
        t.push_str(" · cached");
    }
    t
}

/// Column names of a section's rows: the first row's keys, in order, capped. A section about
/// one customer leaves out the customer's own columns (the title already names it).
fn columns(s: &Section) -> Vec<String> {
    let per_customer = s.customer.is_some();
    s.rows
        .first()
        .and_then(Value::as_object)
        .map(|o| {
            o.keys()
                .filter(|k| !(per_customer && matches!(k.as_str(), "TenantId" | "CustomerName")))
                .take(SHOWN_COLUMNS)
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

fn footer(report: &Report) -> String {
    let t = &report.timings;
    let n = report.sections.len();
    let degraded = if report.cache.degraded {
        " (shared cache degraded: answered from the sources)"
    } else {
        ""
    };
    let line = format!(
        "{n} {} in {:.1} ms (sequential {:.1} ms, speedup {:.1}x; analysis {:.0} µs) · cache {} hits / {} misses",
        if n == 1 { "task" } else { "tasks" },
        t.total_ms,
        t.sequential_ms,
        t.speedup,
        t.analysis_us,
        report.cache.hits,
        report.cache.misses
    );
    format!("{line}{degraded}")
}

pub fn report_text(report: &Report, explain: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", report.answer);
    for s in &report.sections {
        let _ = writeln!(out, "\n{}", section_title(s));
        if !s.is_ok() {
            let _ = writeln!(out, "  {}", s.reason_text());
            continue;
        }
        if !s.summary.is_empty() {
            let parts: Vec<String> = s
                .summary
                .iter()
                .map(|(k, v)| format!("{k}={}", cell(v)))
                .collect();
            let _ = writeln!(out, "  {}", parts.join("  "));
        }
        let cols = columns(s);
        if cols.is_empty() {
            continue;
        }
        let mut table = Table::new();
        table
            .load_preset(HEADER_RULE_ONLY)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_header(cols.clone());
        for row in s.rows.iter().take(SHOWN_ROWS) {
            table.add_row(
                cols.iter()
                    .map(|c| cell(row.get(c).unwrap_or(&Value::Null))),
            );
        }
        let _ = writeln!(out, "{table}");
        if s.rows.len() > SHOWN_ROWS {
            let _ = writeln!(
                out,
                "  … {} more rows (use --format json)",
                s.rows.len() - SHOWN_ROWS
            );
        }
    }
    if report.partial {
        let _ = writeln!(
            out,
            "\nPartial answer: {} of {} sections missing:",
            report.errors.len(),
            report.sections.len()
        );
        for e in &report.errors {
            let who = e
                .customer
                .as_deref()
                .map(|c| format!(" for {c}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  - {} ({}){who}: {} — {}",
                e.task_id,
                e.source,
                e.status.as_str(),
                e.reason
            );
        }
    }
    if explain {
        let _ = write!(out, "\n{}", timeline_text(report));
    }
    let _ = writeln!(out, "\n{}", footer(report));
    out
}

pub fn report_markdown(report: &Report, explain: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## Answer\n");
    for line in report.answer.lines() {
        let _ = writeln!(out, "{line}  ");
    }
    for s in &report.sections {
        let _ = writeln!(out, "\n### {}\n", section_title(s));
        if !s.is_ok() {
            let _ = writeln!(out, "_{}_", md_escape(s.reason_text()));
            continue;
        }
        if !s.summary.is_empty() {
            let parts: Vec<String> = s
                .summary
                .iter()
                .map(|(k, v)| format!("**{k}** {}", md_escape(&cell(v))))
                .collect();
            let _ = writeln!(out, "{}\n", parts.join(" · "));
        }
        let cols = columns(s);
        if cols.is_empty() {
            continue;
        }
        let _ = writeln!(out, "| {} |", cols.join(" | "));
        let _ = writeln!(out, "|{}", "---|".repeat(cols.len()));
        for row in s.rows.iter().take(SHOWN_ROWS) {
            let cells: Vec<String> = cols
                .iter()
                .map(|c| md_escape(&cell(row.get(c).unwrap_or(&Value::Null))))
                .collect();
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
    }
    if report.partial {
        let _ = writeln!(out, "\n**Partial answer**\n");
        for e in &report.errors {
            let _ = writeln!(
                out,
                "- `{}` ({}): {} — {}",
                e.task_id,
                e.source,
                e.status.as_str(),
                md_escape(&e.reason)
            );
        }
    }
    if explain {
        let _ = write!(out, "\n```\n{}```\n", timeline_text(report));
    }
    let _ = writeln!(out, "\n_{}_", footer(report));
    out
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The task timeline: one bar per task on a shared time axis, so parallelism is visible.
pub fn timeline_text(report: &Report) -> String {
    const WIDTH: usize = 40;
    let mut out = String::from("Timeline (ms from start):\n");
    let end = report
        .sections
        .iter()
        .map(|s| s.ended_ms)
        .fold(0.0_f64, f64::max)
        .max(0.001);
    for s in &report.sections {
        let a = ((s.started_ms / end) * WIDTH as f64).round() as usize;
        let b = (((s.ended_ms / end) * WIDTH as f64).round() as usize)
            .max(a + 1)
            .min(WIDTH);
        let a = a.min(b.saturating_sub(1));
        let bar: String = (0..WIDTH)
            .map(|i| if i >= a && i < b { '█' } else { '·' })
            .collect();
        let who = s.customer.as_ref().map(|c| c.name.as_str()).unwrap_or("-");
        let _ = writeln!(
            out,
            "  {:<4} {:<6} {bar} {:>8.1} → {:>8.1}  attempts {}  {}{}  {}",
            s.task_id,
            s.source.as_str(),
            s.started_ms,
            s.ended_ms,
            s.attempts,
            s.status.as_str(),
            if s.cached { " (cached)" } else { "" },
            who
        );
    }
    out
}
