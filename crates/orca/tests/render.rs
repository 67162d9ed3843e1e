//! Text and markdown rendering of shaped answers (DESIGN section 9, issue 12): rankings and
//! breakdowns with bars, trends with a sparkline, lists with their bounds, aggregates as one line;
//! every text line but the answer fits 100 columns, and markdown tables are well formed.

use chrono::{DateTime, Duration, Utc};
use orca::render::{report_markdown, report_text, report_text_width};
use orca_core::shape::{Bucket, GroupBy, Intent, Measure, Order, Shape, Sort, SortKey};
use orca_core::{CacheStats, Plan, Registry, Report, Section, Timings};
use serde_json::{Value, json};

const REGISTRY: &str = "Customer Name,Tenant ID,Aliases,Segment\n\
    Ford Motor Company,11111111-1111-1111-1111-111111111111,Ford,MCS\n\
    Toyota Motor Corporation,22222222-2222-2222-2222-222222222222,Toyota,IC\n";

const ANSWER: &str = "Top 25 by open support cases in the last 30 days: Ford Motor Company (29), \
    Toyota Motor Corporation (24), and a long tail of other customers that goes on and on (1).";

fn plan(shape: Shape) -> Plan {
    let registry = Registry::from_csv(REGISTRY.as_bytes()).unwrap().0;
    let now = "2026-11-24T12:00:00Z".parse().unwrap();
    let mut plan =
        orca_core::analyze("cases for Ford", &registry, &Default::default(), now).unwrap();
    plan.intent = shape.intent;
    plan.shape = shape;
    plan
}

/// A support-case section: the fields every section has, then `extra` over them.
fn section(extra: Value) -> Section {
    let mut base = json!({
        "task_id": "t1",
        "agent": "support_case_manager",
        "source": "kusto",
        "customer": null,
        "status": "ok",
        "summary": {"total": 95, "open": 24},
        "rows": [],
        "elapsed_ms": 12.5,
        "cached": false,
        "attempts": 1,
        "critical": true,
    });
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    serde_json::from_value(base).unwrap()
}

fn report(shape: Shape, sections: Vec<Section>) -> Report {
    let timings = Timings {
        total_ms: 12345.6,
        analysis_us: 123456.0,
        sequential_ms: 98765.4,
        speedup: 8.0,
    };
    let mut cache = CacheStats::new(12, 3456);
    cache.degraded = true;
    Report::new(plan(shape), ANSWER.to_string(), sections, timings, cache)
}

fn shape(intent: Intent) -> Shape {
    Shape {
        intent,
        ..Shape::default()
    }
}

/// Asserts the answer comes first and verbatim, no other line is wider than `width`, and no
/// ANSI escape is written.
fn assert_fits(text: &str, width: usize) {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(ANSWER), "{text}");
    for line in lines {
        let n = line.chars().count();
        assert!(n <= width, "{n} columns: {line:?}\n{text}");
    }
    assert!(!text.contains('\u{1b}'), "{text}");
}

/// Asserts every markdown table has the same number of `|` on each of its rows, and a rule.
fn assert_tables_well_formed(md: &str) -> usize {
    let mut tables = 0;
    let lines: Vec<&str> = md.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        if !lines[i].starts_with('|') {
            i += 1;
            continue;
        }
        let start = i;
        while i < lines.len() && lines[i].starts_with('|') {
            i += 1;
        }
        let table = &lines[start..i];
        let pipes = |l: &str| l.replace("\\|", "").matches('|').count();
        let expected = pipes(table[0]);
        assert!(table.len() >= 2, "{table:?}");
        assert!(
            table[1].chars().all(|c| matches!(c, '|' | '-' | ':')),
            "{table:?}"
        );
        for row in table {
            assert_eq!(pipes(row), expected, "{row:?} in\n{md}");
            assert!(row.ends_with('|'), "{row:?}");
        }
        tables += 1;
    }
    tables
}

fn ranked(name: &str, value: f64) -> Value {
    json!({"customer": {"name": name, "tenant_id": "00000000-0000-0000-0000-000000000000"}, "value": value})
}

fn ranking_report(truncated: bool) -> Report {
    let mut ranking = vec![
        ranked("Ford Motor Company", 29.0),
        ranked("Toyota Motor Corporation", 24.0),
        ranked(
            "A Customer With A Remarkably Long Registered Name That Keeps Going And Going Inc",
            24.0,
        ),
    ];
    for i in 0..22 {
        ranking.push(ranked(&format!("Customer {i:02}"), 1.0));
    }
    let s = section(json!({"ranking": ranking, "limit": 25, "truncated": truncated}));
    report(
        Shape {
            limit: Some(25),
            ..shape(Intent::Rank)
        },
        vec![s],
    )
}

#[test]
fn a_ranking_is_a_table_of_bars_scaled_to_the_leader() {
    let text = report_text_width(&ranking_report(false), false, 100);
    assert_fits(&text, 100);
    let leader = text
        .lines()
        .skip(1)
        .find(|l| l.contains("Ford Motor Company"))
        .unwrap();
    assert!(leader.contains(&"█".repeat(30)), "{leader}");
    assert!(!leader.contains(&"█".repeat(31)), "{leader}");
    let second = text.lines().skip(1).find(|l| l.contains("Toyota")).unwrap();
    // 24/29 of 30 cells: 24 full cells and 7 eighths.
    assert!(second.contains(&format!("{}▉", "█".repeat(24))), "{second}");
    assert!(second.contains(" 2 "), "ties share a rank: {second}");
    assert!(text.contains("count"), "{text}");
    assert!(text.contains("… and 5 more"), "{text}");
    assert!(!text.contains("more not shown"), "{text}");
}

#[test]
fn a_truncated_ranking_says_more_are_not_shown() {
    let text = report_text_width(&ranking_report(true), false, 100);
    assert!(text.contains("more not shown"), "{text}");
    let md = report_markdown(&ranking_report(true), false);
    assert!(md.contains("more not shown"), "{md}");
    assert!(md.contains("| # | customer | count |  |"), "{md}");
    assert!(md.contains(&"█".repeat(30)), "{md}");
    assert_eq!(assert_tables_well_formed(&md), 1);
}

fn breakdown_report() -> Report {
    let groups = json!([
        {"key": "DLP", "value": 42.0, "share": 0.42},
        {"key": "eDiscovery", "value": 30.0, "share": 0.30},
        {"key": "Information Protection", "value": 27.0, "share": 0.27},
        {"key": "Retention", "value": 1.0, "share": 0.01},
    ]);
    report(
        Shape {
            group_by: Some(GroupBy::ProductArea),
            ..shape(Intent::Breakdown)
        },
        vec![section(
            json!({"groups": groups, "summary": {"total": 100}}),
        )],
    )
}

#[test]
fn a_breakdown_shows_values_shares_and_bars() {
    let text = report_text_width(&breakdown_report(), false, 100);
    assert_fits(&text, 100);
    assert!(text.contains("product area"), "{text}");
    assert!(text.contains("share"), "{text}");
    let dlp = text.lines().skip(1).find(|l| l.contains("DLP")).unwrap();
    assert!(dlp.contains("42%"), "{dlp}");
    assert!(dlp.contains(&"█".repeat(30)), "{dlp}");
    let retention = text
        .lines()
        .skip(1)
        .find(|l| l.contains("Retention"))
        .unwrap();
    assert!(retention.contains("1%"), "{retention}");
    assert!(
        retention.contains('▊'),
        "1/42 of 30 cells is 6 eighths: {retention}"
    );

    let md = report_markdown(&breakdown_report(), false);
    assert!(md.contains("| product area | count | share |  |"), "{md}");
    assert!(md.contains("|---|---:|---:|---|"), "{md}");
    assert!(md.contains("| DLP | 42 | 42% | "), "{md}");
    assert_eq!(assert_tables_well_formed(&md), 1);
}

fn series(start: &str, bucket: Bucket, values: &[f64]) -> Value {
    let start: DateTime<Utc> = start.parse().unwrap();
    let points: Vec<Value> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let (from, to) = match bucket {
                Bucket::Day => (
                    start + Duration::days(i as i64),
                    start + Duration::days(i as i64 + 1),
                ),
                Bucket::Week => (
                    start + Duration::weeks(i as i64),
                    start + Duration::weeks(i as i64 + 1),
                ),
                Bucket::Month => {
                    let month = |n: usize| {
                        start
                            .checked_add_months(chrono::Months::new(n as u32))
                            .unwrap()
                    };
                    (month(i), month(i + 1))
                }
            };
            json!({"start": from, "end": to, "value": v})
        })
        .collect();
    json!(points)
}

fn trend_report(bucket: Option<Bucket>, start: &str, values: &[f64], with_change: bool) -> Report {
    let mut extra = json!({"series": series(start, bucket.unwrap_or(Bucket::Day), values)});
    if let Some(bucket) = bucket {
        extra["bucket"] = json!(bucket);
    }
    if with_change {
        let first = values[0];
        let last = values[values.len() - 1];
        extra["change"] =
            serde_json::to_value(orca_core::shape::Change::between(first, last)).unwrap();
    }
    report(shape(Intent::Trend), vec![section(extra)])
}

#[test]
fn a_monthly_trend_has_a_sparkline_its_buckets_and_the_change() {
    let r = trend_report(
        Some(Bucket::Month),
        "2026-09-01T00:00:00Z",
        &[5.0, 13.0, 29.0],
        true,
    );
    let text = report_text_width(&r, false, 100);
    assert_fits(&text, 100);
    assert!(
        text.contains("September 2026 ▂▄█ November 2026"),
        "sparkline between the first and last buckets: {text}"
    );
    let october = text
        .lines()
        .skip(1)
        .find(|l| l.contains("October 2026") && l.contains("13"))
        .unwrap();
    assert!(october.contains('█'), "{october}");
    assert!(
        text.contains("change: 5 → 29, +24 (+480%), rising"),
        "{text}"
    );

    let md = report_markdown(&r, false);
    assert!(md.contains("September 2026 ▂▄█ November 2026"), "{md}");
    assert!(md.contains("| month | count |  |"), "{md}");
    assert!(
        md.contains("**change** 5 → 29, +24 (+480%), rising"),
        "{md}"
    );
    assert_eq!(assert_tables_well_formed(&md), 1);
}

#[test]
fn a_weekly_trend_labels_weeks_and_derives_a_missing_change() {
    let r = trend_report(
        Some(Bucket::Week),
        "2026-10-26T00:00:00Z",
        &[8.0, 4.0, 2.0, 0.0, 4.0],
        false,
    );
    let text = report_text_width(&r, false, 100);
    assert_fits(&text, 100);
    assert!(
        text.contains("week of 2026-10-26 █▅▃▁▅ week of 2026-11-23"),
        "{text}"
    );
    assert!(text.contains("week of 2026-11-16"), "{text}");
    assert!(text.contains("change: 8 → 4, -4 (-50%), falling"), "{text}");
}

#[test]
fn a_long_daily_trend_still_fits_on_one_line() {
    let values: Vec<f64> = (0..120).map(|i| f64::from(i % 17)).collect();
    // No bucket given: the renderer reads it off the points (one day each).
    let r = trend_report(None, "2026-07-28T00:00:00Z", &values, true);
    for width in [100, 60] {
        let text = report_text_width(&r, false, width);
        assert_fits(&text, width);
        let spark = text
            .lines()
            .skip(1)
            .find(|l| l.contains("2026-07-28") && l.contains("2026-11-24"))
            .unwrap_or_else(|| panic!("{text}"));
        assert!(spark.contains('▁') || spark.contains('█'), "{spark}");
        assert!(text.contains("earlier days not shown"), "{text}");
    }
}

fn list_report(truncated: bool) -> Report {
    let rows: Vec<Value> = (0..5)
        .map(|i| {
            json!({
                "CaseNumber": format!("261124000100005{i}"),
                "Title": "A very long case title that explains at great length what went wrong with the DLP policy sync in the tenant and then some more words besides",
                "Severity": "A",
                "State": "Active",
                "Owner": "Aisha Khan",
                "ProductArea": "Data Loss Prevention",
                "CreatedAt": "2026-10-03T12:00:00Z",
                "CustomerName": "Ford Motor Company",
                "TenantId": "11111111-1111-1111-1111-111111111111",
            })
        })
        .collect();
    let sort = Sort {
        by: SortKey::Created,
        order: Order::Asc,
    };
    report(
        Shape {
            sort: Some(sort),
            limit: Some(5),
            ..shape(Intent::List)
        },
        vec![section(json!({
            "rows": rows,
            "sort": sort,
            "limit": 5,
            "truncated": truncated,
        }))],
    )
}

#[test]
fn a_list_says_how_much_is_shown_and_how_it_is_sorted() {
    let text = report_text_width(&list_report(true), false, 100);
    assert_fits(&text, 100);
    assert!(
        text.contains("5 of 5 shown, sorted by created ascending, limit 5 (truncated: 95 match)"),
        "{text}"
    );
    assert!(text.contains("2611240001000054"), "{text}");
    // Narrower than all columns: the first ones that fit, and a note naming the others.
    assert!(text.contains("  CaseNumber "), "{text}");
    assert!(!text.contains("  CreatedAt"), "{text}");
    assert!(
        text.contains("CreatedAt, CustomerName, TenantId not shown"),
        "{text}"
    );

    let untruncated = report_text_width(&list_report(false), false, 100);
    assert!(!untruncated.contains("truncated"), "{untruncated}");

    let md = report_markdown(&list_report(true), false);
    // Markdown rows do not wrap: the first seven columns, as before.
    assert!(
        md.contains("| CaseNumber | Title | Severity | State | Owner | ProductArea | CreatedAt |"),
        "{md}"
    );
    assert!(
        md.contains("_5 of 5 shown, sorted by created ascending"),
        "{md}"
    );
    assert_eq!(assert_tables_well_formed(&md), 1);
}

#[test]
fn narrow_widths_drop_columns_rather_than_overflow() {
    let r = list_report(true);
    for width in [40, 60, 80] {
        assert_fits(&report_text_width(&r, true, width), width);
    }
}

#[test]
fn an_aggregate_is_one_line_with_its_unit() {
    let r = report(
        Shape {
            measure: Measure::AverageAgeDays,
            ..shape(Intent::Aggregate)
        },
        vec![section(json!({"value": 12.44}))],
    );
    let text = report_text_width(&r, false, 100);
    assert_fits(&text, 100);
    assert!(text.contains("  average age: 12.4 days\n"), "{text}");
    let md = report_markdown(&r, false);
    assert!(md.contains("**average age** 12.4 days"), "{md}");
}

#[test]
fn every_shape_together_fits_with_the_timeline_and_gaps() {
    let mut sections = ranking_report(true).sections;
    sections.extend(breakdown_report().sections);
    sections.extend(
        trend_report(
            Some(Bucket::Week),
            "2026-10-26T00:00:00Z",
            &[1.0, 2.0],
            true,
        )
        .sections,
    );
    sections.extend(list_report(true).sections);
    let mut failed = section(json!({
        "task_id": "t9",
        "status": "timeout",
        "reason": "timeout after 5 s while waiting for a source that answers very slowly, again and again and again",
        "customer": {"name": "A Customer With A Remarkably Long Registered Name That Keeps Going And Going Inc", "tenant_id": "x"},
        "attempts": 4,
        "cached": true,
    }));
    failed.started_ms = 3.0;
    failed.ended_ms = 5003.0;
    sections.push(failed);
    let r = report(shape(Intent::Rank), sections);
    assert!(r.partial);
    let text = report_text_width(&r, true, 100);
    assert_fits(&text, 100);
    assert!(text.contains("Timeline"), "{text}");
    assert!(text.contains("shared cache degraded"), "{text}");
    assert!(text.contains("cache 12 hits / 3456 misses"), "{text}");
    let md = report_markdown(&r, true);
    assert_eq!(assert_tables_well_formed(&md), 4);
    assert!(md.starts_with("## Answer\n\n"), "{md}");
}

#[test]
fn stdout_text_fits_100_columns_too() {
    assert_fits(&report_text(&ranking_report(false), false), 100);
}

#[test]
fn plain_count_sections_render_as_before() {
    let rows: Vec<Value> = (0..12)
        .map(|i| json!({"CaseNumber": i, "State": "Active"}))
        .collect();
    let r = report(shape(Intent::Count), vec![section(json!({"rows": rows}))]);
    let text = report_text_width(&r, false, 100);
    assert_fits(&text, 100);
    assert!(text.contains("  total=95  open=24\n"), "{text}");
    assert!(text.contains("… 2 more rows (use --format json)"), "{text}");
    assert!(!text.contains("shown"), "{text}");
    assert!(!text.contains('█'), "{text}");
    let md = report_markdown(&r, false);
    assert!(md.contains("**total** 95 · **open** 24"), "{md}");
    assert!(md.contains("| CaseNumber | State |\n|---|---|\n"), "{md}");
}

#[test]
fn speedup_is_shown_only_when_tasks_could_overlap() {
    let one = report_text(
        &report(shape(Intent::Count), vec![section(json!({}))]),
        false,
    );
    assert!(!one.contains("speedup"), "{one}");
    assert!(one.contains("1 task in 12345.6 ms"), "{one}");
    let two = vec![section(json!({})), section(json!({"task_id": "t2"}))];
    let two = report_text(&report(shape(Intent::Count), two), false);
    assert!(two.contains("speedup 8.0x"), "{two}");
}

#[test]
fn incident_severity_2_5_reads_as_people_write_it() {
    let mut breakdown = shape(Intent::Breakdown);
    breakdown.group_by = Some(GroupBy::Severity);
    let s = section(json!({
        "agent": "escalation_manager",
        "source": "icm",
        "summary": {"total": 3, "by_severity": {"2": 1, "25": 2}},
        "rows": [{"IncidentId": 400000479, "Severity": 25}],
        "groups": [{"key": "25", "value": 2.0, "share": 0.67}, {"key": "2", "value": 1.0, "share": 0.33}],
    }));
    let text = report_text(&report(breakdown, vec![s]), false);
    assert!(text.contains("by_severity=2:1 2.5:2"), "{text}");
    let body: Vec<&str> = text.lines().skip(1).collect();
    assert!(text.contains("Sev 2.5 "), "{text}");
    assert!(!body.iter().any(|l| l.contains(" 25 ")), "{text}");
}
