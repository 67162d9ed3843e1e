//! `orca ask` end to end through the built binary on a fresh data directory: the first run
//! creates the demo data set, answers carry the DESIGN section 5 shape, faults give partial
//! answers that say why, and parallel sources cost the slowest one, not the sum.

mod common;

use std::path::Path;
use std::sync::OnceLock;

use common::{orca, run};
use serde_json::Value;

/// One demo store shared by the tests of this file (created by the first ask).
fn store() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| common::new_demo_store(&[])).path()
}

fn ask_json(args: &[&str]) -> (i32, Value, String) {
    let (code, stdout, stderr) = run(orca(store())
        .arg("ask")
        .args(args)
        .args(["--format", "json", "--seed", "7"]));
    let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (code, json, stderr)
}

#[test]
fn first_ask_creates_the_demo_set_and_answers() {
    let dir = tempfile::tempdir().unwrap();
    let out = orca(dir.path())
        .args(["ask", "How many cases does Ford have?"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("creating the demo data set"), "{stderr}");
    assert!(stdout.starts_with("Ford Motor Company: "), "{stdout}");
    assert!(stdout.contains("support cases"), "{stdout}");
    // The second run reuses the store silently.
    let out = orca(dir.path())
        .args(["ask", "How many cases does Ford have?"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("creating"));
}

#[test]
fn json_report_has_the_design_shape() {
    let (code, v, err) = ask_json(&["Show cases and ICMs for Ford"]);
    assert_eq!(code, 0, "{err}");
    for key in [
        "request", "plan", "answer", "sections", "partial", "errors", "timings", "cache",
    ] {
        assert!(v.get(key).is_some(), "report lacks `{key}`");
    }
    for key in ["total_ms", "analysis_us", "sequential_ms", "speedup"] {
        assert!(v["timings"][key].is_number(), "timings lack `{key}`");
    }
    for key in ["hits", "misses", "hit_rate"] {
        assert!(v["cache"][key].is_number(), "cache lacks `{key}`");
    }
    let sections = v["sections"].as_array().unwrap();
    assert_eq!(sections.len(), 2);
    for s in sections {
        for key in [
            "agent",
            "source",
            "customer",
            "status",
            "summary",
            "rows",
            "elapsed_ms",
            "cached",
            "attempts",
        ] {
            assert!(s.get(key).is_some(), "section lacks `{key}`: {s}");
        }
        assert_eq!(s["customer"]["name"], "Ford Motor Company");
        assert_eq!(s["status"], "ok");
    }
    assert_eq!(v["partial"], false);
    assert!(
        v["answer"]
            .as_str()
            .unwrap()
            .starts_with("Ford Motor Company: ")
    );
}

#[test]
fn a_failing_source_gives_a_partial_answer_that_says_why() {
    let (code, v, err) = ask_json(&[
        "Show cases and ICMs for Ford",
        "--inject-fault",
        "icm=error",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["partial"], true);
    let icm = v["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == "icm")
        .unwrap();
    assert_eq!(icm["status"], "error");
    assert!(icm["reason"].as_str().is_some_and(|r| !r.is_empty()));
    assert_eq!(icm["attempts"], 3, "transient errors are retried");
    assert!(
        v["answer"]
            .as_str()
            .unwrap()
            .contains("Incidents: unavailable"),
        "{}",
        v["answer"]
    );
    assert_eq!(v["errors"].as_array().unwrap().len(), 1);
}

#[test]
fn a_failing_critical_source_means_no_answer_and_exit_1() {
    let (code, v, _) = ask_json(&[
        "How many cases does Ford have?",
        "--inject-fault",
        "kusto=error",
    ]);
    assert_eq!(code, 1);
    assert!(
        v["answer"].as_str().unwrap().starts_with("Cannot answer"),
        "{}",
        v["answer"]
    );
}

#[test]
fn slow_sources_run_in_parallel() {
    let (code, v, err) = ask_json(&[
        "Show cases, ICMs and ADO bugs for Ford",
        "--inject-fault",
        "kusto=slow:300",
        "--inject-fault",
        "icm=slow:300",
        "--inject-fault",
        "ado=slow:300",
    ]);
    assert_eq!(code, 0, "{err}");
    let sequential = v["timings"]["sequential_ms"].as_f64().unwrap();
    let total = v["timings"]["total_ms"].as_f64().unwrap();
    // Behaviour, not speed: three 300 ms tasks overlap, so the sum of task times is about three
    // times the wall time. (Loose bounds; BENCHMARKS.md has the measured figures.)
    assert!(sequential >= 900.0, "{sequential}");
    assert!(
        total < sequential,
        "total {total} vs sequential {sequential}"
    );
    assert!(v["timings"]["speedup"].as_f64().unwrap() > 1.5);
}

#[test]
fn bad_fault_specs_are_bad_input() {
    for spec in [
        "icm",
        "icm=explode",
        "nosuch=error",
        "icm=flaky:2",
        "icm=slow:abc",
    ] {
        let (code, _, err) = ask_json(&["cases for Ford", "--inject-fault", spec]);
        assert_eq!(code, 2, "{spec}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

#[test]
fn unknown_customers_only_is_bad_input() {
    let (code, _, err) = ask_json(&["How many cases does Acme Corp have?"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("Acme Corp"), "{err}");
}

#[test]
fn text_and_markdown_lead_with_the_answer() {
    for format in ["text", "markdown"] {
        let out = orca(store())
            .args(["ask", "cases for Ford", "--explain", "--format", format])
            .output()
            .unwrap();
        assert!(out.status.success());
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("Ford Motor Company: "), "{stdout}");
        assert!(stdout.contains("Timeline"), "{stdout}");
    }
}
