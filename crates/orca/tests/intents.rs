//! Issue 12, end to end: each intent of DESIGN section 9 through the built binary on the demo
//! store (`--now` pinned), checked against the store with hand-written SQL, never with Orca's
//! own code.

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

fn ask(request: &str) -> Value {
    let (code, stdout, stderr) = run(orca(store())
        .arg("ask")
        .arg(request)
        .args(["--format", "json", "--seed", "7"]));
    assert_eq!(code, 0, "{request:?}: {stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("a JSON report");
    assert_eq!(
        report["plan"]["not_understood"],
        Value::Array(vec![]),
        "{request:?}"
    );
    report
}

/// `(name, value)` rows of a hand-written SQL query.
fn pairs(sql: &str) -> Vec<(String, f64)> {
    let conn = db();
    let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, f64>(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn scalar(sql: &str) -> f64 {
    db().query_row(sql, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// The `(key, value)` groups of the cases section.
fn groups(report: &Value) -> Vec<(String, f64)> {
    section(report, "kusto")["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["key"].as_str().unwrap().to_string(),
                g["value"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn section<'a>(report: &'a Value, source: &str) -> &'a Value {
    report["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == source)
        .unwrap_or_else(|| panic!("no {source} section in {report:#}"))
}

const OPEN: &str = "t.status NOT IN ('Resolved', 'Closed')";

#[test]
fn rank_names_the_leaders_with_ties() {
    let report = ask("which customer has the most open cases");
    let truth = pairs(&format!(
        "SELECT r.name, count(*) AS n FROM cases t JOIN registry r ON r.tenant_id = t.tenant_id \
         WHERE {OPEN} GROUP BY t.tenant_id ORDER BY n DESC"
    ));
    let top = truth[0].1;
    let leaders: Vec<&str> = truth
        .iter()
        .filter(|(_, n)| *n == top)
        .map(|(name, _)| name.as_str())
        .collect();
    let ranking = section(&report, "kusto")["ranking"].as_array().unwrap();
    let got: Vec<&str> = ranking
        .iter()
        .map(|r| r["customer"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(got.len(), leaders.len(), "ties kept: {got:?}");
    for name in &leaders {
        assert!(got.contains(name), "{name} missing from {got:?}");
        assert!(report["answer"].as_str().unwrap().contains(name));
    }

    let report = ask("top 5 customers by Sev A cases");
    let truth = pairs(
        "SELECT r.name, count(*) AS n FROM cases t JOIN registry r ON r.tenant_id = t.tenant_id \
         WHERE t.severity = 'A' GROUP BY t.tenant_id ORDER BY n DESC, r.name",
    );
    let ranking = section(&report, "kusto")["ranking"].as_array().unwrap();
    assert!(ranking.len() >= 5);
    let fifth = truth[4].1;
    assert_eq!(
        ranking.len(),
        truth.iter().filter(|(_, n)| *n >= fifth).count(),
        "the top 5 and every tie with the fifth"
    );
    for (r, (_, n)) in ranking.iter().zip(&truth) {
        assert_eq!(r["value"].as_f64().unwrap(), *n);
    }

    let report = ask("which MCS customer has the most Sev 2 incidents");
    let truth = pairs(
        "SELECT r.name, count(*) AS n FROM incidents t JOIN registry r ON r.tenant_id = t.tenant_id \
         WHERE t.severity = 2 AND r.segment = 'MCS' GROUP BY t.tenant_id ORDER BY n DESC",
    );
    let ranking = section(&report, "icm")["ranking"].as_array().unwrap();
    assert_eq!(ranking[0]["customer"]["name"], truth[0].0.as_str());
    assert_eq!(ranking[0]["value"].as_f64().unwrap(), truth[0].1);

    let customers = scalar(&format!(
        "SELECT count(DISTINCT t.tenant_id) FROM cases t WHERE {OPEN} AND t.severity = 'A'"
    ));
    // "how many customers have ..." counts the customers, never the cases.
    for request in [
        "which customers have open Sev A cases",
        "how many customers have open sev a cases",
        "number of customers with open Sev A cases",
    ] {
        let report = ask(request);
        assert_eq!(
            section(&report, "kusto")["ranking"]
                .as_array()
                .unwrap()
                .len() as f64,
            customers,
            "{request}"
        );
        assert!(
            report["answer"].as_str().unwrap().starts_with(&format!(
                "{customers} customers have open Sev A support cases"
            )),
            "{request}: {}",
            report["answer"]
        );
    }
}

#[test]
fn breakdown_groups_with_shares() {
    let report = ask("breakdown of Toyota cases by product area");
    let truth = pairs(
        "SELECT t.product_area, count(*) AS n FROM cases t JOIN registry r ON r.tenant_id = t.tenant_id \
         WHERE r.name = 'Toyota Motor Corporation' GROUP BY t.product_area ORDER BY n DESC, t.product_area",
    );
    assert_eq!(groups(&report), truth);
    let total: f64 = truth.iter().map(|(_, n)| n).sum();
    let share = section(&report, "kusto")["groups"][0]["share"]
        .as_f64()
        .unwrap();
    assert!((share - truth[0].1 / total).abs() < 0.001);

    let report = ask("GM cases by severity");
    let truth = pairs(
        "SELECT t.severity, count(*) AS n FROM cases t JOIN registry r ON r.tenant_id = t.tenant_id \
         WHERE r.name = 'General Motors' GROUP BY t.severity ORDER BY n DESC, t.severity",
    );
    assert_eq!(groups(&report), truth);
}

#[test]
fn trend_per_bucket_with_its_direction() {
    let report = ask("are Ford's cases trending up");
    let month = |from: &str, to: i64, inclusive: bool| {
        scalar(&format!(
            "SELECT count(*) FROM cases t JOIN registry r ON r.tenant_id = t.tenant_id \
             WHERE r.name = 'Ford Motor Company' AND t.created_at >= {} AND t.created_at {} {to}",
            common::unix(from),
            if inclusive { "<=" } else { "<" }
        ))
    };
    let october = month(
        "2026-10-01T00:00:00Z",
        common::unix("2026-11-01T00:00:00Z"),
        false,
    );
    let november = month("2026-11-01T00:00:00Z", now(), true);
    let series = section(&report, "kusto")["series"].as_array().unwrap();
    let values: Vec<f64> = series
        .iter()
        .map(|p| p["value"].as_f64().unwrap())
        .collect();
    assert_eq!(values, [october, november]);
    let answer = report["answer"].as_str().unwrap();
    let word = if november > october {
        "rising"
    } else {
        "falling"
    };
    assert!(
        answer.contains(&format!(
            "{word}: {october} in October, {november} in November"
        )),
        "{answer}"
    );

    let report = ask("Ford cases per week this quarter");
    let series = section(&report, "kusto")["series"].as_array().unwrap();
    assert_eq!(section(&report, "kusto")["bucket"], "week");
    let sum: f64 = series.iter().map(|p| p["value"].as_f64().unwrap()).sum();
    let truth = scalar(&format!(
        "SELECT count(*) FROM cases t JOIN registry r ON r.tenant_id = t.tenant_id \
         WHERE r.name = 'Ford Motor Company' AND t.created_at BETWEEN {} AND {}",
        common::unix("2026-10-01T00:00:00Z"),
        now()
    ));
    assert_eq!(sum, truth, "the buckets add up to the quarter");
}

#[test]
fn lists_sort_and_limit_as_asked() {
    let report = ask("show me the 5 oldest open cases for GM");
    let truth: Vec<String> = {
        let conn = db();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT t.case_number FROM cases t JOIN registry r ON r.tenant_id = t.tenant_id \
                 WHERE r.name = 'General Motors' AND {OPEN} ORDER BY t.created_at ASC LIMIT 5"
            ))
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let rows = section(&report, "kusto")["rows"].as_array().unwrap();
    let got: Vec<&str> = rows
        .iter()
        .map(|r| r["CaseNumber"].as_str().unwrap())
        .collect();
    assert_eq!(got, truth);
    assert_eq!(section(&report, "kusto")["truncated"], true);

    let report = ask("list all open cases for ford");
    let open = scalar(&format!(
        "SELECT count(*) FROM cases t JOIN registry r ON r.tenant_id = t.tenant_id \
         WHERE r.name = 'Ford Motor Company' AND {OPEN}"
    ));
    assert_eq!(
        section(&report, "kusto")["rows"].as_array().unwrap().len() as f64,
        open,
        "all of them, not the default 20"
    );
}

#[test]
fn lookup_and_aggregate_answer_the_field_or_value() {
    let report = ask("who owns case 2611240001000050");
    let owner: String = db()
        .query_row(
            "SELECT owner FROM cases WHERE case_number = '2611240001000050'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(report["answer"].as_str().unwrap().contains(&owner));

    let report = ask("average age of GM's open cases");
    let truth = scalar(&format!(
        "SELECT round(avg(({} - t.created_at) / 86400.0), 1) FROM cases t \
         JOIN registry r ON r.tenant_id = t.tenant_id WHERE r.name = 'General Motors' AND {OPEN}",
        now()
    ));
    assert_eq!(section(&report, "kusto")["value"].as_f64().unwrap(), truth);

    let report = ask("how many customers are in MCS");
    let truth = scalar("SELECT count(*) FROM registry WHERE segment = 'MCS'");
    assert_eq!(section(&report, "kusto")["value"].as_f64().unwrap(), truth);
}

#[test]
fn compare_gives_both_sides_and_the_change() {
    let report = ask("Ford cases this month vs last month");
    let count = |from: &str, to: &str, op: &str| {
        scalar(&format!(
            "SELECT count(*) FROM cases t JOIN registry r ON r.tenant_id = t.tenant_id \
             WHERE r.name = 'Ford Motor Company' AND t.created_at >= {} AND t.created_at {op} {}",
            common::unix(from),
            common::unix(to)
        ))
    };
    let last = count("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", "<");
    let this = count("2026-11-01T00:00:00Z", NOW, "<=");
    let sections = report["sections"].as_array().unwrap();
    assert_eq!(sections.len(), 2);
    assert_eq!(sections[0]["summary"]["total"].as_f64().unwrap(), last);
    assert_eq!(sections[1]["summary"]["total"].as_f64().unwrap(), this);
    let change = &sections[1]["change"];
    assert_eq!(change["delta"].as_f64().unwrap(), this - last);

    let report = ask("compare ford and gm open cases");
    let open = |name: &str| {
        scalar(&format!(
            "SELECT count(*) FROM cases t JOIN registry r ON r.tenant_id = t.tenant_id \
             WHERE r.name = '{name}' AND {OPEN}"
        ))
    };
    let sections = report["sections"].as_array().unwrap();
    assert_eq!(
        sections[1]["change"]["delta"].as_f64().unwrap(),
        open("General Motors") - open("Ford Motor Company")
    );
    let _ = DAY;
}

#[test]
fn investigate_finds_the_change_and_its_driver() {
    let report = ask("why did Contoso's Sev A cases spike last month");
    let count = |from: &str, to: &str, area: Option<&str>| {
        scalar(&format!(
            "SELECT count(*) FROM cases t JOIN registry r ON r.tenant_id = t.tenant_id \
             WHERE r.name = 'Contoso' AND t.severity = 'A' AND t.created_at >= {} AND t.created_at < {}{}",
            common::unix(from),
            common::unix(to),
            area.map_or(String::new(), |a| format!(" AND t.product_area = '{a}'"))
        ))
    };
    let september = count("2026-09-01T00:00:00Z", "2026-10-01T00:00:00Z", None);
    let october = count("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", None);
    let findings = report["findings"].as_array().expect("findings");
    let first = findings[0]["text"].as_str().unwrap();
    assert!(
        first.contains(&format!("from {september} to {october}")),
        "{first}"
    );
    assert_eq!(findings[0]["evidence"], serde_json::json!(["t1", "t2"]));
    // The driver: the area that grew most, by the store's own counts.
    let areas = pairs("SELECT DISTINCT product_area, 0 FROM cases");
    let growth = |area: &str| {
        count("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z", Some(area))
            - count("2026-09-01T00:00:00Z", "2026-10-01T00:00:00Z", Some(area))
    };
    let best = areas
        .iter()
        .map(|(a, _)| growth(a))
        .fold(f64::MIN, f64::max);
    let second = findings[1]["text"].as_str().unwrap();
    let driver = second.split(" drives it").next().unwrap();
    assert_eq!(growth(driver), best, "{second}");
    // Step 2 ran for the driver: incidents, work items and docs, after step 1.
    let sections = report["sections"].as_array().unwrap();
    assert_eq!(sections.len(), 5);
    let step1_end = sections[..2]
        .iter()
        .map(|s| s["ended_ms"].as_f64().unwrap())
        .fold(0.0, f64::max);
    for s in &sections[2..] {
        assert!(s["started_ms"].as_f64().unwrap() >= step1_end, "{s}");
    }
}

#[test]
fn the_other_examples_of_the_issue() {
    // "open cases per owner": every owner's open cases, across customers.
    let report = ask("open cases per owner");
    let truth = pairs(&format!(
        "SELECT t.owner, count(*) AS n FROM cases t WHERE {OPEN} GROUP BY t.owner ORDER BY n DESC, t.owner"
    ));
    assert_eq!(groups(&report), truth);

    // "Ford cases per month this year": January to November, the buckets add up.
    let report = ask("Ford cases per month this year");
    let series = section(&report, "kusto")["series"].as_array().unwrap();
    assert_eq!(series.len(), 11, "January to November");
    let sum: f64 = series.iter().map(|p| p["value"].as_f64().unwrap()).sum();
    let truth = scalar(&format!(
        "SELECT count(*) FROM cases t JOIN registry r ON r.tenant_id = t.tenant_id \
         WHERE r.name = 'Ford Motor Company' AND t.created_at BETWEEN {} AND {}",
        common::unix("2026-01-01T00:00:00Z"),
        now()
    ));
    assert_eq!(sum, truth);

    // "is Contoso getting better": a trend of its cases (the overview's first agent).
    let report = ask("is Contoso getting better");
    assert_eq!(report["plan"]["intent"], "trend");
    assert!(
        !section(&report, "kusto")["series"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // "what's the status of ICM 400000000": that incident's status, from the store.
    let report = ask("what's the status of ICM 400000000");
    let status: String = db()
        .query_row(
            "SELECT status FROM incidents WHERE incident_id = 400000000",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let answer = report["answer"].as_str().unwrap();
    assert!(
        answer.starts_with(&format!("ICM 400000000: {status}")),
        "{answer}"
    );
}
