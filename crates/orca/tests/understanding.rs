//! Issue 11, end to end: the questions users typed that Orca once answered wrong while looking
//! right. Each runs through the built binary on the demo store (`--now` pinned) and is checked
//! against the store itself with hand-written SQL, never with Orca's own code; or it must say
//! precisely what it did not understand (exit 2 with the reason, or `not_understood`).

mod common;

use std::path::Path;

use common::{DAY, NOW, orca, run};
use rusqlite::Connection;
use serde_json::Value;

fn store() -> &'static Path {
    common::shared_demo_store()
}

fn db() -> Connection {
    common::demo_db(store())
}

fn now() -> i64 {
    common::unix(NOW)
}

fn at(rfc3339: &str) -> i64 {
    common::unix(rfc3339)
}

fn tenant(name: &str) -> String {
    db().query_row(
        "SELECT tenant_id FROM registry WHERE name = ?",
        [name],
        |r| r.get(0),
    )
    .unwrap_or_else(|e| panic!("{name} is in the demo registry: {e}"))
}

/// `SELECT count(*) FROM {table} t WHERE {filter}` with `?1` = the tenant (if any).
fn count(table: &str, filter: &str, customer: Option<&str>) -> u64 {
    let sql = format!("SELECT count(*) FROM {table} t WHERE {filter}");
    let conn = db();
    match customer {
        Some(name) => conn.query_row(&sql, [tenant(name)], |r| r.get(0)),
        None => conn.query_row(&sql, [], |r| r.get(0)),
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn ask(request: &str, extra: &[&str]) -> (i32, Value, String) {
    let (code, stdout, stderr) = run(orca(store())
        .arg("ask")
        .arg(request)
        .args(["--format", "json", "--seed", "7"])
        .args(extra));
    (
        code,
        serde_json::from_str(&stdout).unwrap_or(Value::Null),
        stderr,
    )
}

/// The `summary.total` of the section of `source` for `customer` (by registry name; `None` for
/// a scope-wide section).
fn total(report: &Value, source: &str, customer: Option<&str>) -> u64 {
    let section = common::find_section(report, source, customer)
        .unwrap_or_else(|| panic!("no {source} section for {customer:?} in {report:#}"));
    assert_eq!(section["status"], "ok", "{section:#}");
    section["summary"]["total"].as_u64().expect("total")
}

/// Asks, expects exit 0, and compares the section's total with the SQL count.
fn check_count(request: &str, source: &str, customer: Option<&str>, table: &str, filter: &str) {
    let (code, report, stderr) = ask(request, &[]);
    assert_eq!(code, 0, "{request:?}: {stderr}");
    let want = count(table, filter, customer);
    assert_eq!(
        total(&report, source, customer),
        want,
        "{request:?} ({customer:?}): {}",
        report["answer"]
    );
    assert_eq!(
        report["plan"]["not_understood"],
        Value::Array(vec![]),
        "{request:?}"
    );
}

/// Asks and expects bad input (exit 2) whose message mentions `words`.
fn check_refused(request: &str, extra: &[&str], words: &str) {
    let (code, _, stderr) = ask(request, extra);
    assert_eq!(code, 2, "{request:?} should be refused: {stderr}");
    assert!(
        stderr.to_lowercase().contains(&words.to_lowercase()),
        "{request:?}: {stderr}"
    );
}

const OPEN: &str = "t.status NOT IN ('Resolved', 'Closed')";

#[test]
fn lowercase_typos_aliases_and_lists_name_their_customers() {
    let since_30 = now() - 30 * DAY;
    check_count(
        "open sev a cases for toyta in the last 30 days",
        "kusto",
        Some("Toyota Motor Corporation"),
        "cases",
        &format!(
            "t.tenant_id = ?1 AND {OPEN} AND t.severity = 'A' AND t.created_at BETWEEN {since_30} AND {}",
            now()
        ),
    );
    check_count(
        "fords open cases",
        "kusto",
        Some("Ford Motor Company"),
        "cases",
        &format!("t.tenant_id = ?1 AND {OPEN}"),
    );
    let month = at("2026-11-01T00:00:00Z");
    check_count(
        "gm cases this month",
        "kusto",
        Some("General Motors"),
        "cases",
        &format!(
            "t.tenant_id = ?1 AND t.created_at BETWEEN {month} AND {}",
            now()
        ),
    );
    check_count(
        "Gm cases",
        "kusto",
        Some("General Motors"),
        "cases",
        "t.tenant_id = ?1",
    );
    check_count(
        "lowes open cases",
        "kusto",
        Some("Lowe's Companies"),
        "cases",
        &format!("t.tenant_id = ?1 AND {OPEN}"),
    );
    for request in ["ford and gm cases this month", "ford & gm cases this month"] {
        for customer in ["Ford Motor Company", "General Motors"] {
            check_count(
                request,
                "kusto",
                Some(customer),
                "cases",
                &format!(
                    "t.tenant_id = ?1 AND t.created_at BETWEEN {month} AND {}",
                    now()
                ),
            );
        }
    }
    for customer in ["Ford Motor Company", "General Motors"] {
        check_count(
            "ford vs gm open icms",
            "icm",
            Some(customer),
            "incidents",
            "t.tenant_id = ?1 AND t.status = 'Active'",
        );
    }
}

#[test]
fn unknown_customers_are_reported_never_widened() {
    let (code, report, stderr) = ask("open cases for Ford and Acme", &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(report["plan"]["unresolved"][0]["mention"], "Acme");
    assert!(
        report["answer"].as_str().unwrap().contains("Acme"),
        "{}",
        report["answer"]
    );
    assert_eq!(
        total(&report, "kusto", Some("Ford Motor Company")),
        count(
            "cases",
            &format!("t.tenant_id = ?1 AND {OPEN}"),
            Some("Ford Motor Company")
        )
    );
    for (request, words) in [
        ("cases for acme corp", "acme corp"),
        ("cases for acme", "acme"),
        ("how many cases does zzyzx have?", "zzyzx"),
        ("cases for ' OR 1=1 --", "not understood"),
    ] {
        check_refused(request, &[], words);
    }
}

#[test]
fn tenant_ids_punctuation_and_look_alikes_name_customers() {
    check_count(
        "cases for ceb4e8c9-5025-5f01-8536-77e4ee39672c",
        "kusto",
        Some("Toyota Motor Corporation"),
        "cases",
        "t.tenant_id = ?1",
    );
    for (request, customer) in [
        ("cases for Yum! Brands", "Yum! Brands"),
        ("cases for A. Datum", "A. Datum Corporation"),
        ("Warner Bros. Discovery cases", "Warner Bros. Discovery"),
        ("A.P. Moller-Maersk cases", "A.P. Moller-Maersk"),
        (
            "\u{FF26}\u{FF2F}\u{FF32}\u{FF24} cases",
            "Ford Motor Company",
        ),
        ("F\u{200B}ord cases", "Ford Motor Company"),
    ] {
        check_count(
            request,
            "kusto",
            Some(customer),
            "cases",
            "t.tenant_id = ?1",
        );
    }
    // A guess says what it was read from.
    for written in ["Fnord", "F\u{043E}rd"] {
        let (code, report, stderr) = ask(&format!("cases for {written}"), &[]);
        assert_eq!(code, 0, "{stderr}");
        let answer = report["answer"].as_str().unwrap();
        assert!(
            answer.starts_with(&format!("Ford Motor Company (read from '{written}')")),
            "{answer}"
        );
    }
}

#[test]
fn filters_users_say_are_applied() {
    let ford = Some("Ford Motor Company");
    check_count(
        "P1 incidents for ford",
        "icm",
        ford,
        "incidents",
        "t.tenant_id = ?1 AND t.severity = 1",
    );
    check_count(
        "waiting cases for ford",
        "kusto",
        ford,
        "cases",
        "t.tenant_id = ?1 AND t.status = 'Waiting'",
    );
    check_count(
        "mitigated incidents for contoso",
        "icm",
        Some("Contoso"),
        "incidents",
        "t.tenant_id = ?1 AND t.status = 'Mitigated'",
    );
    check_count(
        "new bugs for toyota",
        "ado",
        Some("Toyota Motor Corporation"),
        "work_items",
        "t.tenant_id = ?1 AND t.state = 'New' AND t.work_item_type = 'Bug'",
    );
    check_count(
        "ford dlp cases",
        "kusto",
        ford,
        "cases",
        "t.tenant_id = ?1 AND t.product_area = 'DLP'",
    );
    check_count(
        "open eDiscovery cases for toyota",
        "kusto",
        Some("Toyota Motor Corporation"),
        "cases",
        &format!("t.tenant_id = ?1 AND {OPEN} AND t.product_area = 'eDiscovery'"),
    );
    check_count(
        "open cases for ford excluding sev c",
        "kusto",
        ford,
        "cases",
        &format!("t.tenant_id = ?1 AND {OPEN} AND t.severity <> 'C'"),
    );
    check_count(
        "open cases older than 30 days",
        "kusto",
        None,
        "cases",
        &format!("{OPEN} AND t.created_at <= {}", now() - 30 * DAY),
    );
    check_count(
        "cases created before october",
        "kusto",
        None,
        "cases",
        &format!("t.created_at <= {}", at("2026-10-01T00:00:00Z")),
    );
    check_count(
        "case 2611240001000050",
        "kusto",
        None,
        "cases",
        "t.case_number = '2611240001000050'",
    );
    // States are the states the data has: closed is Closed; incidents close as Resolved.
    {
        check_count(
            "closed cases for contoso",
            "kusto",
            Some("Contoso"),
            "cases",
            "t.tenant_id = ?1 AND t.status = 'Closed'",
        );
        check_count(
            "cases for ford not closed",
            "kusto",
            ford,
            "cases",
            "t.tenant_id = ?1 AND t.status <> 'Closed'",
        );
        check_count(
            "ford cases excluding waiting",
            "kusto",
            ford,
            "cases",
            "t.tenant_id = ?1 AND t.status <> 'Waiting'",
        );
        check_count(
            "closed incidents for ford",
            "icm",
            ford,
            "incidents",
            "t.tenant_id = ?1 AND t.status = 'Resolved'",
        );
        check_count(
            "cases for ford excluding audit and dlp",
            "kusto",
            ford,
            "cases",
            "t.tenant_id = ?1 AND t.product_area NOT IN ('Audit', 'DLP')",
        );
        check_count(
            "cases for ford not in dlp",
            "kusto",
            ford,
            "cases",
            "t.tenant_id = ?1 AND t.product_area <> 'DLP'",
        );
        check_count(
            "how many open bugs does toyota have in ado",
            "ado",
            Some("Toyota Motor Corporation"),
            "work_items",
            "t.tenant_id = ?1 AND t.work_item_type = 'Bug' AND t.state NOT IN ('Resolved', 'Closed')",
        );
        check_count(
            "ford cases that aren't sev c",
            "kusto",
            ford,
            "cases",
            "t.tenant_id = ?1 AND t.severity <> 'C'",
        );
    }
}

#[test]
fn the_verb_picks_the_event_column() {
    let ford = Some("Ford Motor Company");
    check_count(
        "cases closed last week for ford",
        "kusto",
        ford,
        "cases",
        &format!(
            "t.tenant_id = ?1 AND t.closed_at >= {} AND t.closed_at < {}",
            at("2026-11-16T00:00:00Z"),
            at("2026-11-23T00:00:00Z")
        ),
    );
    // The customer may sit between the verb and the range.
    check_count(
        "how many cases were closed for ford last week",
        "kusto",
        ford,
        "cases",
        &format!(
            "t.tenant_id = ?1 AND t.closed_at >= {} AND t.closed_at < {}",
            at("2026-11-16T00:00:00Z"),
            at("2026-11-23T00:00:00Z")
        ),
    );
    check_count(
        "how many cases did ford open last month",
        "kusto",
        ford,
        "cases",
        &format!(
            "t.tenant_id = ?1 AND t.created_at >= {} AND t.created_at < {}",
            at("2026-10-01T00:00:00Z"),
            at("2026-11-01T00:00:00Z")
        ),
    );
    {
        check_count(
            "ford cases closed in the last 30 days",
            "kusto",
            ford,
            "cases",
            &format!(
                "t.tenant_id = ?1 AND t.closed_at BETWEEN {} AND {}",
                now() - 30 * DAY,
                now()
            ),
        );
        check_count(
            "gm icms mitigated in the last 7 days",
            "icm",
            Some("General Motors"),
            "incidents",
            &format!(
                "t.tenant_id = ?1 AND t.mitigated_at BETWEEN {} AND {}",
                now() - 7 * DAY,
                now()
            ),
        );
    }
}

#[test]
fn time_phrases_are_calendar_or_rolling_with_both_ends() {
    let ford = Some("Ford Motor Company");
    check_count(
        "ford cases over the weekend",
        "kusto",
        ford,
        "cases",
        &format!(
            "t.tenant_id = ?1 AND t.created_at >= {} AND t.created_at < {}",
            at("2026-11-21T00:00:00Z"),
            at("2026-11-23T00:00:00Z")
        ),
    );
    check_count(
        "ford cases in H1",
        "kusto",
        ford,
        "cases",
        &format!(
            "t.tenant_id = ?1 AND t.created_at >= {} AND t.created_at < {}",
            at("2026-01-01T00:00:00Z"),
            at("2026-07-01T00:00:00Z")
        ),
    );
    check_count(
        "ford cases in the past fortnight",
        "kusto",
        ford,
        "cases",
        &format!(
            "t.tenant_id = ?1 AND t.created_at BETWEEN {} AND {}",
            now() - 14 * DAY,
            now()
        ),
    );
    // The headline question: items stamped exactly at `now` count too.
    let request =
        "Show open Sev A cases, ICMs and ADO bugs for Ford, GM and Toyota in the last 30 days";
    let (code, report, stderr) = ask(request, &[]);
    assert_eq!(code, 0, "{stderr}");
    let window = format!("t.created_at BETWEEN {} AND {}", now() - 30 * DAY, now());
    for customer in [
        "Ford Motor Company",
        "General Motors",
        "Toyota Motor Corporation",
    ] {
        assert_eq!(
            total(&report, "icm", Some(customer)),
            count(
                "incidents",
                &format!("t.tenant_id = ?1 AND t.status = 'Active' AND {window}"),
                Some(customer)
            ),
            "{customer}"
        );
        assert_eq!(
            total(&report, "kusto", Some(customer)),
            count(
                "cases",
                &format!("t.tenant_id = ?1 AND {OPEN} AND t.severity = 'A' AND {window}"),
                Some(customer)
            ),
            "{customer}"
        );
    }
    for (request, extra) in [
        ("ford cases next week", &[][..]),
        ("ford cases since 2027-01-01", &[]),
        ("ford cases in the last 0 days", &[]),
        ("cases between 2026-12-31 and 2026-01-01", &[]),
        ("cases from 2026-02-30 to 2026-02-31", &[]),
        ("cases since 2027-06-01", &[]),
        (
            "ford cases in the last 30 days",
            &["--now", "1970-01-01T00:00:00Z"],
        ),
    ] {
        check_refused(request, extra, "");
    }
}

#[test]
fn answers_name_what_they_count() {
    let (code, report, stderr) = ask("which mcs customers have unhealthy tenants", &[]);
    assert_eq!(code, 0, "{stderr}");
    let answer = report["answer"].as_str().unwrap();
    let unhealthy = report["sections"][0]["summary"]["unhealthy"]
        .as_u64()
        .unwrap();
    let named = answer
        .split("unhealthy: ")
        .nth(1)
        .unwrap_or("")
        .split(", ")
        .count() as u64;
    assert!(named == unhealthy || answer.contains("more"), "{answer}");

    let (code, report, stderr) = ask("open DCRs for contoso", &[]);
    assert_eq!(code, 0, "{stderr}");
    let dcrs = count(
        "work_items",
        "t.tenant_id = ?1 AND t.work_item_type = 'DCR' AND t.state NOT IN ('Resolved', 'Closed')",
        Some("Contoso"),
    );
    let answer = report["answer"].as_str().unwrap();
    assert!(answer.contains(&format!("{dcrs} open DCR")), "{answer}");

    let (code, report, _) = ask("open cases for Ford over the fortnightly sync", &[]);
    assert_eq!(code, 0);
    assert!(
        report["answer"]
            .as_str()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .contains("(not understood: 'over the fortnightly sync')"),
        "{}",
        report["answer"]
    );
    check_refused("hi", &[], "nothing");
    check_refused("delete all cases for Ford", &[], "Orca cannot answer this");
    check_refused(
        "forecast Ford's cases for next quarter",
        &[],
        "does not forecast",
    );
}
