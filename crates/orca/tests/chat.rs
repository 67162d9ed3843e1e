//! `orca chat` through the built binary with piped standard input: no prompt decorations,
//! follow-ups keep context, repeats hit the session's cache, `/stats`, `/plan`, `/clear`,
//! `/quit`, and exit code 0.

mod common;

use std::path::Path;
use std::sync::OnceLock;

use common::{orca, run};

/// One demo store shared by the tests of this file (created by the first command).
fn store() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| common::new_demo_store(None)).path()
}

/// Runs a chat over `script` (one line per turn); returns (exit code, stdout, stderr).
fn chat(script: &str) -> (i32, String, String) {
    run(orca(store()).arg("chat").write_stdin(script))
}

/// The answer lines (each turn's first line, and follow-up notes), in order.
fn answers(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter(|l| {
            l.starts_with("(follow-up")
                || l.starts_with("Ford Motor Company:")
                || l.starts_with("General Motors:")
                || l.starts_with("Toyota Motor Corporation:")
        })
        .collect()
}

#[test]
fn follow_ups_keep_the_context() {
    let (code, out, err) = chat(
        "Show cases and ICMs for Ford\nand for GM?\nonly the open ones\nwhat about last week?\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        !out.contains("orca>"),
        "no prompt when stdin is not a terminal"
    );
    assert!(!out.contains("/help for commands"), "no banner either");
    let lines = answers(&out);
    assert!(lines[0].starts_with("Ford Motor Company:"), "{lines:?}");
    assert!(
        lines[0].contains("support cases") && lines[0].contains("ncidents"),
        "{lines:?}"
    );
    assert_eq!(
        lines[1],
        "(follow-up: kept agents from the previous request)"
    );
    assert!(lines[2].starts_with("General Motors:"), "{lines:?}");
    assert!(lines[2].contains("support cases") && lines[2].contains("ncidents"));
    assert_eq!(
        lines[3],
        "(follow-up: kept customers, agents from the previous request)"
    );
    // Only the open ones: every case counted is open.
    let open = lines[4];
    assert!(open.starts_with("General Motors:"), "{lines:?}");
    let total: String = open["General Motors: ".len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert!(open.contains(&format!("{total} open")), "{open}");
    assert_eq!(
        lines[5],
        "(follow-up: kept customers, agents, filters from the previous request)"
    );
    assert!(lines[6].starts_with("General Motors:"), "{lines:?}");
    assert!(lines[6].contains("last week"), "{lines:?}");
}

#[test]
fn repeats_hit_the_session_cache_and_stats_say_so() {
    let (code, out, err) = chat("cases for Toyota\ncases for Toyota\n/stats\n");
    assert_eq!(code, 0, "{err}");
    let footers: Vec<&str> = out.lines().filter(|l| l.contains(" · cache ")).collect();
    assert_eq!(footers.len(), 2, "{out}");
    assert!(
        footers[0].ends_with("cache 0 hits / 1 misses"),
        "{footers:?}"
    );
    assert!(
        footers[1].ends_with("cache 1 hits / 0 misses"),
        "{footers:?}"
    );
    assert!(out.contains("· cached"), "{out}");
    assert!(
        out.contains("cache: 1 hits, 1 misses, hit rate 50%"),
        "{out}"
    );
    assert!(
        out.contains("cache backend: memory, 1 entries, ttl 600 s"),
        "{out}"
    );
    assert!(
        out.contains("asks: 2, source queries per request: 0.5"),
        "{out}"
    );
    assert!(out.contains("latency by complexity: simple p50"), "{out}");
}

#[test]
fn plan_shows_the_merged_plan_and_runs_nothing() {
    let (code, out, err) = chat("Show cases and ICMs for Ford\n/plan and for Toyota?\n/stats\n");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Request:     and for Toyota?"), "{out}");
    assert!(
        out.contains("Agents:      support_case_manager (kusto), escalation_manager (icm)"),
        "{out}"
    );
    assert!(out.contains("Toyota Motor Corporation"), "{out}");
    assert!(out.contains("asks: 1,"), "/plan is not an ask: {out}");
    let (_, usage, _) = chat("/plan\n");
    assert!(usage.contains("usage: /plan <request>"), "{usage}");
}

#[test]
fn clear_forgets_the_context_and_quit_ends_the_session() {
    let (code, out, err) =
        chat("Show cases and ICMs for Ford\n/clear\nonly the open ones\n/quit\ncases for Ford\n");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Context cleared"), "{out}");
    assert!(
        !out.contains("(follow-up"),
        "no context after /clear: {out}"
    );
    let asks = out
        .lines()
        .filter(|l| l.starts_with("Ford Motor Company:"))
        .count();
    assert_eq!(asks, 1, "nothing after /quit runs: {out}");
}

#[test]
fn bad_lines_are_reported_and_the_session_goes_on() {
    let (code, out, err) = chat("/frobnicate\ncases for Acme Corp\n/help\ncases for Ford\n");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("unknown command /frobnicate"), "{out}");
    assert!(out.contains("/plan <request>"), "help: {out}");
    assert!(out.contains("Ford Motor Company:"), "{out}");
}

/// A line that is not UTF-8, or is far too long, is refused on stderr; the next line is answered.
#[test]
fn invalid_utf8_and_runaway_lines_are_refused_and_the_session_goes_on() {
    let mut script: Vec<u8> = b"cases for \xff\xfe Ford\n".to_vec();
    script.extend(std::iter::repeat_n(b'x', 200_000));
    script.extend_from_slice(b"\ncases for Ford\r\n");
    let (code, out, err) = run(orca(store()).arg("chat").write_stdin(script));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("line 1 is not valid UTF-8"), "{err}");
    assert!(err.contains("line 2 is longer than 64 KiB"), "{err}");
    assert_eq!(answers(&out).len(), 1, "{out}");
    assert!(out.contains("Ford Motor Company:"), "{out}");
}

#[test]
fn end_of_input_ends_the_session_cleanly() {
    let (code, out, _) = chat("");
    assert_eq!(code, 0);
    assert!(out.is_empty(), "{out}");
}

#[test]
fn lowercase_follow_ups_keep_the_agents_and_never_show_internal_errors() {
    let (code, out, err) = chat(
        "Show cases and ICMs for Ford\nand gm?\nonly the open ones\nwhat about toyota\nhow about last week\n",
    );
    assert_eq!(code, 0, "{err}");
    let lines = answers(&out);
    assert_eq!(
        lines[1], "(follow-up: kept agents from the previous request)",
        "{lines:?}"
    );
    assert!(
        lines[2].starts_with("General Motors:") && lines[2].contains("ncidents"),
        "{lines:?}"
    );
    assert!(
        lines[4].starts_with("General Motors:") && lines[4].contains("open support cases"),
        "{lines:?}"
    );
    assert!(
        lines[6].starts_with("Toyota Motor Corporation:")
            && lines[6].contains("open support cases"),
        "{lines:?}"
    );
    assert!(
        lines[8].starts_with("Toyota Motor Corporation:") && lines[8].contains("last week"),
        "{lines:?}"
    );
    for internal in ["bad query", "names no tenant", "No matching docs"] {
        assert!(!out.contains(internal), "{internal}: {out}");
    }
}
