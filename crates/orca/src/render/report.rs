//! `orca ask` as text and markdown: the answer first, then one compact block per section, then
//! the gaps and the timings. `--explain` adds a task timeline.
//!
//! A shaped section (DESIGN section 9) is drawn to be looked at: a ranking or a breakdown as a
//! table with block bars, a trend as a sparkline plus its bucket table and change, a list with
//! how it was sorted and cut, an aggregate as one line. Each section becomes a list of `Block`s
//! once; text and markdown only lay those out, so both formats always say the same thing.
//!
//! Invariant: the answer is printed first and verbatim; every other text line fits the layout
//! width (100 columns, or a narrower terminal). No ANSI colors are ever written, so `NO_COLOR`
//! holds by construction.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use comfy_table::Table;
use orca_core::describe::{group_label, severity_label};
use orca_core::shape::{Bucket, Change, Direction, Measure, Order, Point, SortKey};
use orca_core::{Plan, Report, Section};
use serde_json::Value;

use super::blocks::{Block, Grid, Kind, MAX_WIDTH, md_escape, push_wrapped};
use super::cell;

/// A terminal narrower than this is treated as this wide (tables need some room).
const MIN_WIDTH: usize = 40;
/// The longest bar, in cells.
const BAR_CELLS: usize = 30;
/// Rows shown per section in text and markdown (JSON has them all).
const SHOWN_ROWS: usize = 10;
/// Rows shown of a list asked for with a sort or a limit ("the 20 oldest").
const LIST_ROWS: usize = 50;
/// Ranked entries or groups shown per section.
const SHOWN_ENTRIES: usize = 20;
/// Trend buckets shown in the bucket table (the most recent ones).
const SHOWN_BUCKETS: usize = 40;
/// Columns shown per rows table.
const SHOWN_COLUMNS: usize = 7;
/// The room counted for a column of long text (it wraps to this) when choosing columns.
const WRAPPED_COLUMN: usize = 24;
/// Padding comfy-table puts around each column, plus one column of slack.
const COLUMN_PADDING: usize = 3;
/// Sparkline levels, lowest first.
const SPARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
/// Partial bar cells, one to seven eighths.
const EIGHTHS: [char; 7] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/// The width text is laid out for: 100 columns, or the terminal's when stdout is a narrower one.
pub fn text_width() -> usize {
    // comfy-table reports a width only when stdout is a terminal (or one was set).
    Table::new()
        .width()
        .map(usize::from)
        .map_or(MAX_WIDTH, |w| w.clamp(MIN_WIDTH, MAX_WIDTH))
}

/// The report as text for stdout (laid out for [`text_width`]).
pub fn report_text(report: &Report, explain: bool) -> String {
    report_text_width(report, explain, text_width())
}

/// The report as text laid out for `width` columns (at most 100): for output that is not a
/// terminal, such as HTTP and MCP answers, or tests.
pub fn report_text_width(report: &Report, explain: bool, width: usize) -> String {
    let width = width.clamp(MIN_WIDTH, MAX_WIDTH);
    let bar_cells = bar_cells(width);
    let mut out = String::new();
    let _ = writeln!(out, "{}", report.answer);
    for s in &report.sections {
        out.push('\n');
        push_wrapped(&mut out, &section_title(s), width, "");
        if !s.is_ok() {
            push_wrapped(&mut out, s.reason_text(), width, "  ");
            continue;
        }
        for block in section_blocks(s, &report.plan, bar_cells, width) {
            block.write_text(&mut out, width);
        }
    }
    if report.partial {
        out.push('\n');
        push_wrapped(
            &mut out,
            &format!(
                "Partial answer: {} of {} sections missing:",
                report.errors.len(),
                report.sections.len()
            ),
            width,
            "",
        );
        for e in &report.errors {
            let who = e
                .customer
                .as_deref()
                .map(|c| format!(" for {c}"))
                .unwrap_or_default();
            let line = format!(
                "- {} ({}){who}: {} — {}",
                e.task_id,
                e.source,
                e.status.as_str(),
                e.reason
            );
            push_wrapped(&mut out, &line, width, "  ");
        }
    }
    if explain {
        let _ = write!(out, "\n{}", timeline(report, width));
    }
    out.push('\n');
    for line in footer(report, width).lines() {
        push_wrapped(&mut out, line, width, "");
    }
    out
}

pub fn report_markdown(report: &Report, explain: bool) -> String {
    let bar_cells = BAR_CELLS;
    let mut out = String::new();
    let _ = writeln!(out, "## Answer\n");
    for line in report.answer.lines() {
        let _ = writeln!(out, "{line}  ");
    }
    for s in &report.sections {
        let _ = writeln!(out, "\n### {}", section_title(s));
        if !s.is_ok() {
            let _ = writeln!(out, "\n_{}_", md_escape(s.reason_text()));
            continue;
        }
        // Markdown rows do not wrap: no width to fit.
        for block in section_blocks(s, &report.plan, bar_cells, usize::MAX) {
            out.push('\n');
            block.write_markdown(&mut out);
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
        let _ = write!(out, "\n```\n{}```\n", timeline(report, MAX_WIDTH));
    }
    let _ = writeln!(out, "\n_{}_", footer(report, usize::MAX));
    out
}

/// The task timeline: one bar per task on a shared time axis, so parallelism is visible; each
/// line cut to `width`.
fn timeline(report: &Report, width: usize) -> String {
    let cells = bar_cells(width);
    let mut out = String::from("Timeline (ms from start):\n");
    let end = report
        .sections
        .iter()
        .map(|s| s.ended_ms)
        .fold(0.0_f64, f64::max)
        .max(0.001);
    for s in &report.sections {
        let a = ((s.started_ms / end) * cells as f64).round() as usize;
        let b = (((s.ended_ms / end) * cells as f64).round() as usize)
            .max(a + 1)
            .min(cells);
        let a = a.min(b.saturating_sub(1));
        let bar: String = (0..cells)
            .map(|i| if i >= a && i < b { '█' } else { '·' })
            .collect();
        let who = s.customer.as_ref().map(|c| c.name.as_str()).unwrap_or("-");
        let line = format!(
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
        let _ = writeln!(out, "{}", super::truncate(&line, width));
    }
    out
}

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

/// The timings line; a shorter one when the full one does not fit `width`.
fn footer(report: &Report, width: usize) -> String {
    let t = &report.timings;
    let n = report.sections.len();
    let tasks = if n == 1 { "task" } else { "tasks" };
    let cache = format!(
        "cache {} hits / {} misses",
        report.cache.hits, report.cache.misses
    );
    // A speedup needs at least two tasks to run side by side; on one it is noise.
    let mut line = if n >= 2 {
        format!(
            "{n} {tasks} in {:.1} ms (sequential {:.1} ms, speedup {:.1}x; analysis {:.0} µs) · {cache}",
            t.total_ms, t.sequential_ms, t.speedup, t.analysis_us,
        )
    } else {
        format!(
            "{n} {tasks} in {:.1} ms (analysis {:.0} µs) · {cache}",
            t.total_ms, t.analysis_us,
        )
    };
    if line.chars().count() > width {
        line = if n >= 2 {
            format!(
                "{n} {tasks} in {:.1} ms (speedup {:.1}x) · {cache}",
                t.total_ms, t.speedup
            )
        } else {
            format!("{n} {tasks} in {:.1} ms · {cache}", t.total_ms)
        };
    }
    if report.cache.degraded {
        const DEGRADED: &str = "(shared cache degraded: answered from the sources)";
        let sep = if line.chars().count() + 1 + DEGRADED.chars().count() > width {
            '\n'
        } else {
            ' '
        };
        line.push(sep);
        line.push_str(DEGRADED);
    }
    line
}

/// Everything shown for an ok section, in order: summary, aggregate value, ranking, groups,
/// trend, rows. `width` is what rows tables must fit (`usize::MAX` for markdown, whose rows
/// never wrap); bars are `bar_cells` long at most.
fn section_blocks(s: &Section, plan: &Plan, bar_cells: usize, width: usize) -> Vec<Block> {
    let mut blocks = Vec::new();
    if !s.summary.is_empty() {
        blocks.push(Block::Summary(
            s.summary
                .iter()
                .map(|(k, v)| (k.clone(), summary_cell(k, v)))
                .collect(),
        ));
    }
    let shaped = &s.shaped;
    let measure = plan.shape.measure;
    if let Some(value) = shaped.value {
        let unit = measure.unit();
        let value = if unit.is_empty() {
            number(value)
        } else {
            format!("{} {unit}", number(value))
        };
        blocks.push(Block::Field(measure_label(measure).to_string(), value));
    }
    if !shaped.ranking.is_empty() {
        ranking_blocks(s, measure, bar_cells, &mut blocks);
    }
    if !shaped.groups.is_empty() {
        group_blocks(s, plan, bar_cells, &mut blocks);
    }
    if !shaped.series.is_empty() {
        trend_blocks(s, plan, bar_cells, width, &mut blocks);
    }
    row_blocks(s, plan, width, &mut blocks);
    blocks
}

fn ranking_blocks(s: &Section, measure: Measure, bar_cells: usize, blocks: &mut Vec<Block>) {
    let ranking = &s.shaped.ranking;
    let max = ranking.iter().map(|r| r.value).fold(0.0_f64, f64::max);
    let mut grid = Grid::new(&[
        ("#", Kind::Number),
        ("customer", Kind::Text),
        (value_header(measure), Kind::Number),
        ("", Kind::Bar),
    ]);
    // Ties share a rank: 1, 2, 2, 4.
    let mut rank = 0;
    for (i, r) in ranking.iter().take(SHOWN_ENTRIES).enumerate() {
        if i == 0 || r.value != ranking[i - 1].value {
            rank = i + 1;
        }
        grid.rows.push(vec![
            rank.to_string(),
            super::truncate(&r.customer.name, 60),
            number(r.value),
            bar(r.value, max, bar_cells),
        ]);
    }
    blocks.push(Block::Table(grid));
    if let Some(note) = more_note(ranking.len(), SHOWN_ENTRIES, s.shaped.truncated) {
        blocks.push(Block::Note(note));
    }
}

fn group_blocks(s: &Section, plan: &Plan, bar_cells: usize, blocks: &mut Vec<Block>) {
    let groups = &s.shaped.groups;
    let max = groups.iter().map(|g| g.value).fold(0.0_f64, f64::max);
    let by = plan.shape.group_by.map_or("group", |g| g.as_str());
    let mut grid = Grid::new(&[
        (by, Kind::Text),
        (value_header(plan.shape.measure), Kind::Number),
        ("share", Kind::Number),
        ("", Kind::Bar),
    ]);
    for g in groups.iter().take(SHOWN_ENTRIES) {
        grid.rows.push(vec![
            super::truncate(&group_label(plan.shape.group_by, &g.key), 60),
            number(g.value),
            percent(g.share),
            bar(g.value, max, bar_cells),
        ]);
    }
    blocks.push(Block::Table(grid));
    if let Some(note) = more_note(groups.len(), SHOWN_ENTRIES, s.shaped.truncated) {
        blocks.push(Block::Note(note));
    }
}

/// A summary count as shown: severity keys read as people write them (`2.5:2`, not `25:2`).
fn summary_cell(key: &str, v: &Value) -> String {
    match v {
        Value::Object(map) if key == "by_severity" => super::object_cell(map, severity_label),
        _ => cell(v),
    }
}

/// A row's value as shown: severities read as people write them (2.5, not 25).
fn row_cell(column: &str, v: &Value) -> String {
    let shown = cell(v);
    if column == "Severity" {
        severity_label(&shown).to_string()
    } else {
        shown
    }
}

/// "and 3 more" when entries were left out here, "more not shown" when the source had more.
fn more_note(len: usize, shown: usize, truncated: bool) -> Option<String> {
    let hidden = len.saturating_sub(shown);
    match (hidden, truncated) {
        (0, false) => None,
        (0, true) => Some("… more not shown (the source returned the first ones)".to_string()),
        (n, false) => Some(format!("… and {n} more (use --format json)")),
        (n, true) => Some(format!(
            "… and {n} more (use --format json); more not shown"
        )),
    }
}

fn trend_blocks(s: &Section, plan: &Plan, bar_cells: usize, width: usize, blocks: &mut Vec<Block>) {
    let series = &s.shaped.series;
    let bucket = s
        .shaped
        .bucket
        .or(plan.shape.bucket)
        .unwrap_or_else(|| guess_bucket(series));
    let (Some(first), Some(last)) = (series.first(), series.last()) else {
        return;
    };
    let first_label = bucket_label(bucket, first.start);
    let last_label = bucket_label(bucket, last.start);
    // "  {first} {spark} {last}" on one line.
    let room =
        width.saturating_sub(2 + first_label.chars().count() + last_label.chars().count() + 2);
    let values: Vec<f64> = series.iter().map(|p| p.value).collect();
    blocks.push(Block::Line(format!(
        "{first_label} {} {last_label}",
        sparkline(&values, room.max(1))
    )));

    let max = values.iter().copied().fold(0.0_f64, f64::max);
    let mut grid = Grid::new(&[
        (bucket.as_str(), Kind::Text),
        (value_header(plan.shape.measure), Kind::Number),
        ("", Kind::Bar),
    ]);
    let skipped = series.len().saturating_sub(SHOWN_BUCKETS);
    for p in &series[skipped..] {
        grid.rows.push(vec![
            bucket_label(bucket, p.start),
            number(p.value),
            bar(p.value, max, bar_cells),
        ]);
    }
    blocks.push(Block::Table(grid));
    if skipped > 0 {
        blocks.push(Block::Note(format!(
            "… {skipped} earlier {}s not shown (use --format json)",
            bucket.as_str()
        )));
    }
    let change = s
        .shaped
        .change
        .clone()
        .or_else(|| (series.len() > 1).then(|| Change::between(first.value, last.value)));
    if let Some(change) = change {
        blocks.push(Block::Field("change".to_string(), change_text(&change)));
    }
}

/// The rows table, capped in rows and columns, and for a sorted or limited list how much of it
/// is shown and how it is sorted.
fn row_blocks(s: &Section, plan: &Plan, width: usize, blocks: &mut Vec<Block>) {
    let shaped = &s.shaped;
    let sort = shaped.sort.or(plan.shape.sort);
    let limit = shaped.limit.or(plan.shape.limit);
    let bounded = !s.rows.is_empty() && (sort.is_some() || limit.is_some() || shaped.truncated);
    let shown = if bounded { LIST_ROWS } else { SHOWN_ROWS };
    let all = columns(s);
    let cols = fitting_columns(&all, &s.rows[..s.rows.len().min(shown)], width);
    if !cols.is_empty() {
        let mut grid = Grid::new(&[]);
        grid.header = cols.clone();
        grid.numeric = vec![false; cols.len()];
        grid.fixed = vec![false; cols.len()];
        for row in s.rows.iter().take(shown) {
            grid.rows.push(
                cols.iter()
                    .map(|c| row_cell(c, row.get(c).unwrap_or(&Value::Null)))
                    .collect(),
            );
        }
        blocks.push(Block::Table(grid));
        let left_out: Vec<&str> = all
            .iter()
            .filter(|c| !cols.contains(c))
            .map(String::as_str)
            .collect();
        if !left_out.is_empty() {
            blocks.push(Block::Note(format!(
                "… {} not shown (use --format json)",
                left_out.join(", ")
            )));
        }
        if !bounded && s.rows.len() > SHOWN_ROWS {
            blocks.push(Block::Note(format!(
                "… {} more rows (use --format json)",
                s.rows.len() - SHOWN_ROWS
            )));
        }
    }
    if bounded {
        let shown = s.rows.len().min(LIST_ROWS);
        let mut note = format!("{shown} of {} shown", s.rows.len());
        if let Some(sort) = sort {
            let by = match sort.by {
                SortKey::Created => "created",
                SortKey::Severity => "severity",
                SortKey::Value => "value",
            };
            let order = match sort.order {
                Order::Asc => "ascending",
                Order::Desc => "descending",
            };
            let _ = write!(note, ", sorted by {by} {order}");
        }
        if let Some(limit) = limit {
            let _ = write!(note, ", limit {limit}");
        }
        if shaped.truncated {
            match s.summary.get("total").and_then(Value::as_u64) {
                Some(total) => {
                    let _ = write!(note, " (truncated: {total} match)");
                }
                None => note.push_str(" (truncated: more match)"),
            }
        }
        blocks.push(Block::Note(note));
    }
}

/// Column names of a section's rows: the first row's keys, in order. A section about one
/// customer leaves out the customer's own columns (the title already names it).
fn columns(s: &Section) -> Vec<String> {
    let per_customer = s.customer.is_some();
    s.rows
        .first()
        .and_then(Value::as_object)
        .map(|o| {
            o.keys()
                .filter(|k| !(per_customer && matches!(k.as_str(), "TenantId" | "CustomerName")))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// The first columns, at most `SHOWN_COLUMNS`, that fit `width` side by side: each needs its
/// widest cell (long text counted as `WRAPPED_COLUMN`, it wraps) plus its padding. The first
/// column is always kept.
fn fitting_columns(columns: &[String], rows: &[Value], width: usize) -> Vec<String> {
    let mut used = 0;
    let mut kept = Vec::new();
    for c in columns {
        let widest = rows
            .iter()
            .map(|r| cell(r.get(c).unwrap_or(&Value::Null)).chars().count())
            .chain([c.chars().count()])
            .max()
            .unwrap_or(0)
            .min(WRAPPED_COLUMN);
        let need = widest + COLUMN_PADDING;
        if !kept.is_empty() && (kept.len() == SHOWN_COLUMNS || used + need > width) {
            break;
        }
        used += need;
        kept.push(c.clone());
    }
    kept
}

/// The longest bar for a layout `width` columns wide.
fn bar_cells(width: usize) -> usize {
    width.saturating_sub(50).clamp(10, BAR_CELLS)
}

/// `value` as a bar of block characters, `cells` long for `max`, in eighths of a cell. A value
/// above zero always shows at least a sliver.
fn bar(value: f64, max: f64, cells: usize) -> String {
    // NaN compares false too: no bar.
    let positive = |v: f64| v > 0.0;
    if !positive(max) || !positive(value) {
        return String::new();
    }
    let eighths = ((value.min(max) / max) * (cells * 8) as f64).round() as usize;
    let eighths = eighths.max(1);
    let mut s = "█".repeat(eighths / 8);
    if let Some(partial) = (eighths % 8).checked_sub(1) {
        s.push(EIGHTHS[partial]);
    }
    s
}

/// `values` as a sparkline at most `room` characters long, scaled from zero to the largest.
/// Longer series are summed in equal runs of buckets so the whole range shows.
fn sparkline(values: &[f64], room: usize) -> String {
    let chunk = values.len().div_ceil(room.max(1)).max(1);
    let values: Vec<f64> = values.chunks(chunk).map(|c| c.iter().sum()).collect();
    let max = values.iter().copied().fold(0.0_f64, f64::max);
    values
        .iter()
        .map(|&v| {
            if max > 0.0 && v > 0.0 {
                let level = ((v / max) * 7.0).round() as usize;
                SPARKS[level.min(7)]
            } else {
                SPARKS[0]
            }
        })
        .collect()
}

/// A bucket's start as people say it: "2026-11-16", "week of 2026-11-16", "October 2026".
fn bucket_label(bucket: Bucket, start: DateTime<Utc>) -> String {
    match bucket {
        Bucket::Day => start.format("%Y-%m-%d").to_string(),
        Bucket::Week => format!("week of {}", start.format("%Y-%m-%d")),
        Bucket::Month => start.format("%B %Y").to_string(),
    }
}

/// The bucket of a series that does not say: from the width of its first bucket.
fn guess_bucket(series: &[Point]) -> Bucket {
    let days = series.first().map_or(0, |p| (p.end - p.start).num_days());
    match days {
        d if d >= 28 => Bucket::Month,
        d if d >= 7 => Bucket::Week,
        _ => Bucket::Day,
    }
}

/// "13 → 29, +16 (+123.1%), rising".
fn change_text(c: &Change) -> String {
    let signed = |v: f64| {
        if v > 0.0 {
            format!("+{}", number(v))
        } else {
            number(v)
        }
    };
    let pct = c
        .pct
        .map(|p| format!(" ({}%)", signed(p)))
        .unwrap_or_default();
    let word = match c.direction {
        Direction::Up => "rising",
        Direction::Down => "falling",
        Direction::Flat => "flat",
    };
    format!(
        "{} → {}, {}{pct}, {word}",
        number(c.from_value),
        number(c.to_value),
        signed(c.delta)
    )
}

fn measure_label(measure: Measure) -> &'static str {
    match measure {
        Measure::Count => "count",
        Measure::AverageAgeDays => "average age",
        Measure::MeanTimeToMitigateHours => "mean time to mitigate",
        Measure::Customers => "customers",
    }
}

fn value_header(measure: Measure) -> &'static str {
    match measure {
        Measure::Count => "count",
        Measure::AverageAgeDays => "avg age (days)",
        Measure::MeanTimeToMitigateHours => "MTTM (h)",
        Measure::Customers => "customers",
    }
}

/// A whole number without decimals, anything else with one.
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// A share (0..1) as a percentage: "42%", "<1%" for a sliver.
fn percent(share: f64) -> String {
    let p = share * 100.0;
    if p > 0.0 && p < 0.5 {
        "<1%".to_string()
    } else {
        format!("{p:.0}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_in_eighths() {
        assert_eq!(bar(10.0, 10.0, 30), "█".repeat(30));
        assert_eq!(bar(5.0, 10.0, 30), "█".repeat(15));
        // 1/16 of 30 cells = 15 eighths = one cell and seven eighths.
        assert_eq!(bar(1.0, 16.0, 30), "█▉");
        assert_eq!(bar(0.001, 1000.0, 30), "▏");
        assert_eq!(bar(0.0, 10.0, 30), "");
        assert_eq!(bar(3.0, 0.0, 30), "");
        assert_eq!(bar(f64::NAN, 10.0, 30), "");
        assert!(bar(1e9, 1e9, 30).chars().count() <= 30);
    }

    #[test]
    fn sparklines_scale_from_zero_and_fit_their_room() {
        assert_eq!(sparkline(&[0.0, 1.0, 2.0, 7.0], 10), "▁▂▃█");
        assert_eq!(sparkline(&[0.0, 0.0], 10), "▁▁");
        let long: Vec<f64> = (0..90).map(f64::from).collect();
        let spark = sparkline(&long, 40);
        assert!(spark.chars().count() <= 40, "{spark}");
        assert!(spark.ends_with('█'), "{spark}");
    }

    #[test]
    fn changes_read_from_to_delta_and_percent() {
        assert_eq!(
            change_text(&Change::between(13.0, 29.0)),
            "13 → 29, +16 (+123.1%), rising"
        );
        assert_eq!(change_text(&Change::between(0.0, 3.0)), "0 → 3, +3, rising");
        assert_eq!(
            change_text(&Change::between(4.0, 2.0)),
            "4 → 2, -2 (-50%), falling"
        );
    }

    #[test]
    fn buckets_are_labelled_as_people_say_them() {
        let t: DateTime<Utc> = "2026-10-01T00:00:00Z".parse().unwrap();
        assert_eq!(bucket_label(Bucket::Month, t), "October 2026");
        assert_eq!(bucket_label(Bucket::Week, t), "week of 2026-10-01");
        assert_eq!(bucket_label(Bucket::Day, t), "2026-10-01");
    }

    #[test]
    fn notes_say_how_many_more() {
        assert_eq!(more_note(5, 20, false), None);
        assert_eq!(
            more_note(23, 20, false).as_deref(),
            Some("… and 3 more (use --format json)")
        );
        assert!(more_note(5, 20, true).unwrap().contains("more not shown"));
    }
}
