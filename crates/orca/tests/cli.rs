//! The built binary, run the way users run it: exit codes, stderr sentences, JSON shapes.
//! Every test gets its own data directory, so nothing touches the user's store.

mod common;

use std::path::Path;

use assert_cmd::Command;
use common::run;
use serde_json::Value;

/// [`common::orca`] without colour.
fn orca(data: &Path) -> Command {
    let mut cmd = common::orca(data);
    cmd.env("NO_COLOR", "1");
    cmd
}

fn fixture_registry() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../orca-core/tests/fixtures/registry.csv")
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().expect("an object").keys().cloned().collect();
    k.sort();
    k
}

fn assert_one_sentence_error(stderr: &str) {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line on stderr, got: {stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn plan_json_has_the_design_shape() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(orca(dir.path())
        .args([
            "plan",
            "Show cases and ICMs for Ford in the last 30 days",
            "--format",
            "json",
        ])
        .arg("--registry")
        .arg(fixture_registry()));
    assert_eq!(code, 0, "{err}");
    let plan: Value = serde_json::from_str(&out).unwrap();
    for key in [
        "request",
        "complexity",
        "score",
        "factors",
        "strategy",
        "agents",
        "data_sources",
        "scope",
        "cohort",
        "customers",
        "unresolved",
        "ambiguous",
        "time_range",
        "filters",
        "tasks",
        "estimated_ms",
    ] {
        assert!(plan.get(key).is_some(), "plan JSON lacks `{key}`: {out}");
    }
    assert_eq!(
        plan["agents"],
        serde_json::json!(["support_case_manager", "escalation_manager"])
    );
    assert_eq!(plan["customers"][0]["name"], "Ford Motor Company");
    assert!(keys(&plan["customers"][0]).contains(&"match".to_string()));
    assert_eq!(plan["time_range"]["label"], "last 30 days");
    assert_eq!(plan["tasks"][0]["id"], "t1");
    assert!(plan["tasks"][0]["depends_on"].is_array());
    // The plan never touches the store.
    assert!(!dir.path().join("store").exists());
}

#[test]
fn plan_text_works_without_any_data() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(orca(dir.path()).args(["plan", "How many cases does Ford have?"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Ford Motor Company"), "{out}");
    assert!(out.contains("support_case_manager"), "{out}");
}

#[test]
fn bad_requests_exit_2_with_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let long = "cases ".repeat(800);
    for request in ["", "   ", long.as_str(), "cases for Ford\u{0007}"] {
        for command in ["plan", "ask"] {
            let (code, out, err) = run(orca(dir.path()).args([command, request]));
            assert_eq!(code, 2, "{command} {request:?}: {out} {err}");
            assert_one_sentence_error(&err);
        }
    }
}

#[test]
fn bad_flags_and_files_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(orca(dir.path()).args(["plan", "cases for Ford", "--frobnicate"]));
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(orca(dir.path()).args(["plan", "cases for Ford", "--format", "yaml"]));
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(orca(dir.path())
        .args(["plan", "cases for Ford", "--registry"])
        .arg(dir.path().join("missing.csv")));
    assert_eq!(code, 2, "{err}");
    assert_one_sentence_error(&err);
    assert!(err.contains("missing.csv"), "{err}");
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "Name,Tenant\nFord,x\n").unwrap();
    let (code, _, err) = run(orca(dir.path())
        .args(["plan", "cases for Ford", "--registry"])
        .arg(&bad));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("Customer Name"), "{err}");
    let (code, _, err) = run(Command::cargo_bin("orca")
        .unwrap()
        .current_dir(dir.path())
        .args(["--now", "yesterday", "plan", "cases for Ford"]));
    assert_eq!(code, 2, "{err}");
}

#[test]
fn config_errors_are_listed_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("orca.toml");
    std::fs::write(
        &config,
        "[engine]\ntask_timeout_ms = 0\n[engine.retry]\nbase_ms = 3000\ncap_ms = 2000\n",
    )
    .unwrap();
    let (code, _, err) = run(orca(dir.path())
        .args(["plan", "cases for Ford", "--config"])
        .arg(&config));
    assert_eq!(code, 2, "{err}");
    assert_one_sentence_error(&err);
    assert!(
        err.contains("2 configuration errors") || err.contains("configuration errors"),
        "{err}"
    );
    std::fs::write(&config, "[enigne]\n").unwrap();
    let (code, _, err) = run(orca(dir.path())
        .args(["plan", "cases for Ford", "--config"])
        .arg(&config));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("enigne"), "{err}");
}

/// Values that used to be accepted silently (issue 14, item 10) are bad input, one sentence each.
#[test]
fn settings_that_cannot_work_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for level in ["garbage", "", "orca=loud", "=debug"] {
        let (code, _, err) = run(orca(dir.path()).args(["plan", "cases for Ford", "--log", level]));
        assert_eq!(code, 2, "--log {level:?}: {err}");
        assert!(err.contains("not a log level"), "{err}");
    }
    let (code, _, err) =
        run(orca(dir.path()).args(["plan", "cases for Ford", "--log", "warn,orca_engine=debug"]));
    assert_eq!(code, 0, "{err}");
    let config = dir.path().join("orca.toml");
    for (toml, says) in [
        ("[analyzer]\ndefault_agents = []\n", "default_agents"),
        (
            "[analyzer.agents.purview_expert]\nkeywords = [\"\"]\n",
            "has no words",
        ),
    ] {
        std::fs::write(&config, toml).unwrap();
        let (code, _, err) = run(orca(dir.path())
            .args(["plan", "cases for Ford", "--config"])
            .arg(&config));
        assert_eq!(code, 2, "{toml}: {err}");
        assert_one_sentence_error(&err);
        assert!(err.contains(says), "{toml}: {err}");
    }
}

#[test]
fn completions_for_each_shell() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let (code, out, err) = run(orca(dir.path()).args(["completions", shell]));
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("orca"), "{shell}");
    }
}

#[test]
fn customers_shows_candidates_and_rejects_unknown_names() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(orca(dir.path())
        .args(["customers", "Ford", "--format", "json", "--registry"])
        .arg(fixture_registry()));
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["candidates"][0]["name"], "Ford Motor Company");
    assert_eq!(v["candidates"][0]["match"], "alias");
    let (code, _, err) = run(orca(dir.path())
        .args(["customers", "Qwxzvbnm", "--registry"])
        .arg(fixture_registry()));
    assert_eq!(code, 2, "{err}");
    assert_one_sentence_error(&err);
    // A name longer than any registry name is refused before any work (issue 14.2).
    let (code, _, err) = run(orca(dir.path())
        .args(["customers", &"Frod".repeat(15_000), "--registry"])
        .arg(fixture_registry()));
    assert_eq!(code, 2, "{err}");
    assert_one_sentence_error(&err);
    assert!(err.contains("60000 characters long; at most 200"), "{err}");
}

/// A reader that stops early (`orca ask ... | head -c 100`) closes the pipe: Orca stops quietly
/// with exit 0, never a "failed printing to stdout" panic (exit 101).
#[test]
fn a_reader_that_stops_early_is_no_panic() {
    use std::io::Read as _;
    let dir = common::shared_demo_store();
    for args in [
        &["ask", "list all cases", "--format", "json"][..],
        &["completions", "bash"],
    ] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("orca"))
            .env_remove("ORCA_DATA")
            .env_remove("ORCA_REDIS_URL")
            .arg("--data")
            .arg(dir.join("store"))
            .args(["--now", common::NOW])
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0_u8; 100];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        // The pipe is closed here, long before the ~400 KB of output are written.
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}
