//! `orca soak`: the built binary against the demo store, as CI runs it (smaller), its JSON report,
//! a crossed threshold (exit 1), and what it refuses before any work (exit 2).

mod common;

use std::path::Path;
use std::sync::OnceLock;

use common::{new_demo_store, orca, run};
use serde_json::Value;

/// The demo store, generated once for this file (soaks only read it).
fn store() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| new_demo_store(None)).path()
}

fn soak_json(dir: &Path, extra: &[&str]) -> (i32, Value, String) {
    let mut cmd = orca(dir);
    cmd.args(["soak", "--format", "json"]).args(extra);
    let (code, stdout, stderr) = run(&mut cmd);
    let report = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not a JSON report ({e}): {stdout}\n{stderr}"));
    (code, report, stderr)
}

#[test]
fn a_soak_with_faults_has_no_hang_no_reasonless_gap_and_no_5xx() {
    // The overshoot limit is wider than the CI step's 50 ms: test binaries run beside other
    // builds, and the scheduler's delays on a busy machine are not the engine's.
    let (code, report, stderr) = soak_json(
        store(),
        &[
            "--asks",
            "200",
            "--fault-rate",
            "0.3",
            "--seed",
            "1",
            "--max-overshoot-ms",
            "250",
        ],
    );
    assert_eq!(code, 0, "{report:#}\n{stderr}");
    assert_eq!(report["asks"], 200);
    assert_eq!(report["seed"], 1);
    assert_eq!(report["fault_rate"], 0.3);
    assert_eq!(report["hangs"], 0, "{report:#}");
    assert_eq!(report["connection_errors"], 0, "{report:#}");
    assert_eq!(report["reasonless_gaps"], 0, "{report:#}");
    assert_eq!(report["status_5xx"], 0, "{report:#}");
    assert_eq!(report["failures"], serde_json::json!([]));
    let overshoot = report["max_overshoot_ms"].as_f64().unwrap();
    assert!(overshoot <= 250.0, "{report:#}");
    // Every ask got an answer, and the faults showed: some sections are not ok, each with a reason.
    let statuses = ["status_2xx", "status_4xx", "status_5xx"]
        .iter()
        .map(|k| report[k].as_u64().unwrap())
        .sum::<u64>();
    assert_eq!(statuses, 200, "{report:#}");
    assert!(
        report["sections_not_ok"].as_u64().unwrap() > 0,
        "{report:#}"
    );
    let injected = ["faults_error", "faults_timeout", "faults_slow"]
        .iter()
        .map(|k| report[k].as_u64().unwrap())
        .sum::<u64>();
    assert!(injected > 0, "{report:#}");
    assert!(report["rss_before_kb"].as_u64().unwrap() > 0);
    assert!(report["rss_after_kb"].as_u64().unwrap() > 0);
}

#[test]
fn a_crossed_threshold_exits_1_and_says_which() {
    // Every call misbehaves; one ask at a time, so the seed decides which calls hang: some ask
    // runs into its 200 ms deadline, and no ask can end exactly on it.
    let (code, report, stderr) = soak_json(
        store(),
        &[
            "--asks",
            "20",
            "--fault-rate",
            "1",
            "--seed",
            "1",
            "--concurrency",
            "1",
            "--deadline-ms",
            "200",
            "--max-overshoot-ms",
            "0",
        ],
    );
    assert_eq!(code, 1, "{report:#}\n{stderr}");
    assert!(stderr.contains("soak failed"), "{stderr}");
    assert!(
        stderr.contains("past the 200 ms deadline (limit 0 ms)"),
        "{stderr}"
    );
    assert_eq!(report["hangs"], 0, "{report:#}");
    assert_eq!(report["reasonless_gaps"], 0, "{report:#}");
}

#[test]
fn refuses_a_non_loopback_address_bad_flags_and_a_missing_store() {
    let cases: [(&[&str], &str); 8] = [
        (&["--addr", "0.0.0.0:0"], "not a loopback address"),
        (&["--addr", "10.1.2.3:8080"], "not a loopback address"),
        (&["--addr", "localhost"], "is not an address"),
        (&["--fault-rate", "1.5"], "--fault-rate must be"),
        (&["--asks", "0"], "--asks must be"),
        (&["--concurrency", "0"], "--concurrency must be"),
        (
            &["--deadline-ms", "100", "--task-timeout-ms", "200"],
            "--task-timeout-ms must be",
        ),
        (&["--fault-rate", "often"], "invalid value"),
    ];
    for (flags, message) in cases {
        let mut cmd = orca(store());
        cmd.arg("soak").args(flags);
        let (code, stdout, stderr) = run(&mut cmd);
        assert_eq!(code, 2, "{flags:?}: {stdout}{stderr}");
        assert!(stderr.contains(message), "{flags:?}: {stderr}");
        assert!(stdout.is_empty(), "{flags:?}: {stdout}");
    }
    // A chosen data directory without a store is an error, not a fresh demo set.
    let empty = tempfile::tempdir().unwrap();
    let mut cmd = orca(empty.path());
    cmd.args(["soak", "--asks", "1"]);
    let (code, _, stderr) = run(&mut cmd);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no data set"), "{stderr}");
}
