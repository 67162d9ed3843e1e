//! `orca ask` end to end through the built binary on a fresh data directory: the first run
//! creates the demo data set, answers carry the DESIGN section 5 shape, faults give partial
//! answers that say why, and parallel sources cost the slowest one, not the sum.

mod common;

use std::path::Path;
use std::sync::OnceLock;

use common::{orca, run};
use serde_json::Value;

/// One demo store shared by the tests of this file.
fn store() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| common::new_demo_store(None)).path()
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
fn first_ask_creates_the_demo_set_in_the_default_dir_and_answers() {
    let home = tempfile::tempdir().unwrap();
    let ask = || {
        common::orca_at_default_dir(home.path())
            .args(["ask", "How many cases does Ford have?"])
            .output()
            .unwrap()
    };
    let out = ask();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("creating the demo data set"), "{stderr}");
    assert!(home.path().join("orca").join("orca.db").is_file());
    assert!(stdout.starts_with("Ford Motor Company: "), "{stdout}");
    assert!(stdout.contains("support cases"), "{stdout}");
    // The second run reuses the store silently.
    let out = ask();
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("creating"));
}

/// A directory the user chose never gets demo data: a mistyped `--data` is an error, not an
/// answer from fresh synthetic data.
#[test]
fn a_chosen_data_dir_without_a_store_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(orca(dir.path()).args(["ask", "How many cases does Ford have?"]));
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("no data set in") && err.contains("orca data generate"),
        "{err}"
    );
    assert!(out.is_empty(), "{out}");
    assert!(!dir.path().join("store").exists(), "nothing is created");
}

/// A store file that is empty, truncated or corrupt is named in the error and left as it was,
/// whether the directory was chosen or is the default one.
#[test]
fn a_file_that_is_not_a_store_is_never_replaced() {
    let valid = std::fs::read(store().join("store").join("orca.db")).unwrap();
    let cases: [(&str, Vec<u8>, &str); 3] = [
        ("empty", Vec::new(), "empty file"),
        ("truncated", valid[..valid.len() / 3].to_vec(), "corrupt"),
        (
            "garbage header",
            b"not a database at all, just some bytes".repeat(200),
            "corrupt",
        ),
    ];
    for (what, bytes, says) in cases {
        let home = tempfile::tempdir().unwrap();
        let chosen = home.path().join("store");
        let default = home.path().join("orca");
        for dir in [&chosen, &default] {
            std::fs::create_dir_all(dir).unwrap();
            std::fs::write(dir.join("orca.db"), &bytes).unwrap();
        }
        let chosen_run = run(orca(home.path()).args(["ask", "cases for Ford"]));
        let default_run =
            run(common::orca_at_default_dir(home.path()).args(["ask", "cases for Ford"]));
        for (dir, (code, out, err)) in [(&chosen, chosen_run), (&default, default_run)] {
            assert_ne!(code, 0, "{what}: {out}");
            assert!(
                err.contains("orca.db") && err.contains(says),
                "{what}: {err}"
            );
            assert!(!err.contains("creating the demo"), "{what}: {err}");
            assert_eq!(err.trim().lines().count(), 1, "{what}: one sentence: {err}");
            let after = std::fs::read(dir.join("orca.db")).unwrap();
            assert!(after == bytes, "{what}: {} was changed", dir.display());
        }
    }
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
