//! The shared result cache across `orca` processes, through the built binary: with
//! `ORCA_REDIS_URL`, a second process gets the first one's results as cached; with Redis
//! unreachable, asks still answer and say the shared cache is degraded.
//!
//! Needs the Redis of this machine (`ORCA_TEST_REDIS_URL`, default `redis://127.0.0.1:6379`):
//! the test fails, never skips, when it is unreachable. Each run uses its own key prefix.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{assert_success, orca};
use serde_json::Value;

fn redis_url() -> String {
    std::env::var("ORCA_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_string())
}

/// Fails with a clear message unless the test Redis answers PING.
fn require_redis() {
    let url = redis_url();
    let addr = url
        .trim_start_matches("redis://")
        .split(['/', '?'])
        .next()
        .unwrap_or("")
        .rsplit('@')
        .next()
        .unwrap_or("")
        .to_string();
    let pong = (|| {
        let addr = std::net::ToSocketAddrs::to_socket_addrs(&addr)
            .ok()?
            .next()?;
        let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
        s.write_all(b"PING\r\n").ok()?;
        let mut buf = [0u8; 16];
        let n = s.read(&mut buf).ok()?;
        Some(buf[..n].starts_with(b"+PONG"))
    })();
    assert_eq!(
        pong,
        Some(true),
        "this test needs a Redis server at {url} (set ORCA_TEST_REDIS_URL or start redis-server; \
         `.ci/run` starts one)"
    );
}

/// One demo store shared by the tests of this file.
fn store() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| common::new_demo_store(None)).path()
}

/// `orca ask --format json` with a config whose key prefix is `prefix` and `ORCA_REDIS_URL`.
fn ask(url: &str, prefix: &str, request: &str) -> Value {
    let config = store().join(format!("{}.toml", prefix.replace(':', "_")));
    std::fs::write(&config, format!("[cache]\nkey_prefix = \"{prefix}\"\n")).unwrap();
    let out = orca(store())
        .env("ORCA_REDIS_URL", url)
        .arg("--config")
        .arg(&config)
        .args(["ask", request, "--format", "json"])
        .output()
        .unwrap();
    assert_success(&out);
    serde_json::from_slice(&out.stdout).unwrap()
}

fn unique_prefix() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("orca:clitest:{}:{nanos}:", std::process::id())
}

#[test]
fn a_second_process_gets_the_first_ones_results_as_cached() {
    require_redis();
    let prefix = unique_prefix();
    let request = "Show cases and ICMs for Ford";
    let first = ask(&redis_url(), &prefix, request);
    assert_eq!(first["cache"]["backend"], "redis");
    assert_eq!(first["cache"]["misses"], 2, "{}", first["cache"]);
    assert_eq!(first["cache"]["degraded"], false);
    assert!(
        first["sections"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["cached"] == false)
    );

    let second = ask(&redis_url(), &prefix, request);
    assert_eq!(second["cache"]["hits"], 2, "{}", second["cache"]);
    assert_eq!(second["cache"]["misses"], 0);
    assert_eq!(second["cache"]["hit_rate"], 1.0);
    for (a, b) in first["sections"]
        .as_array()
        .unwrap()
        .iter()
        .zip(second["sections"].as_array().unwrap())
    {
        assert_eq!(b["cached"], true);
        assert_eq!(b["attempts"], 0);
        assert_eq!(a["summary"], b["summary"]);
        assert_eq!(a["rows"], b["rows"]);
    }
    assert_eq!(
        first["answer"],
        second["answer"].as_str().unwrap().replace(" [cached]", "")
    );
}

#[test]
fn an_unreachable_redis_still_answers_and_says_degraded() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let report = ask(
        &format!("redis://127.0.0.1:{port}"),
        &unique_prefix(),
        "Show cases and ICMs for Ford",
    );
    assert_eq!(report["partial"], false);
    assert_eq!(report["cache"]["backend"], "redis");
    assert_eq!(report["cache"]["degraded"], true, "{}", report["cache"]);
    assert!(
        report["sections"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["status"] == "ok")
    );
}
