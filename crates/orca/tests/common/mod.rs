//! Helpers shared by the binary crate's integration tests: the built `orca` on a temp data
//! directory with a pinned clock, its output as (exit code, stdout, stderr), and the demo store
//! created once per test binary. Each test file uses only some of them.
#![allow(dead_code)]

use std::path::Path;
use std::process::Output;
use std::sync::OnceLock;

use assert_cmd::Command;
use orca::cli::CommonArgs;
use orca::service::Orca;

/// The clock every test pins with `--now`.
pub const NOW: &str = "2026-11-24T12:00:00Z";

/// The built binary on `dir` (store at `dir/store`), blind to the user's `ORCA_DATA` and
/// `ORCA_REDIS_URL`, with the real clock.
pub fn orca_unpinned(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("orca").expect("the orca binary is built");
    cmd.env_remove("ORCA_DATA")
        .env_remove("ORCA_REDIS_URL")
        .current_dir(dir)
        .arg("--data")
        .arg(dir.join("store"));
    cmd
}

/// `orca` with no `--data`: the default data directory, under `home` (XDG_DATA_HOME).
pub fn orca_at_default_dir(home: &Path) -> Command {
    let mut cmd = Command::cargo_bin("orca").expect("the orca binary is built");
    cmd.env_remove("ORCA_DATA")
        .env_remove("ORCA_REDIS_URL")
        .env("XDG_DATA_HOME", home)
        .env("HOME", home)
        .current_dir(home)
        .args(["--now", NOW]);
    cmd
}

/// [`orca_unpinned`] with the clock pinned at [`NOW`].
pub fn orca(dir: &Path) -> Command {
    let mut cmd = orca_unpinned(dir);
    cmd.arg("--now").arg(NOW);
    cmd
}

/// Runs and returns (exit code, stdout, stderr).
pub fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().expect("orca runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Fails with the process's stderr unless it exited 0.
pub fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A fresh data directory with the demo data set that `orca data generate` wrote (the same data
/// the first ask creates in the default directory), over `registry` when given. Test files keep
/// one in a `OnceLock` and share it.
pub fn new_demo_store(registry: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = orca(dir.path());
    cmd.args(["data", "generate"]);
    if let Some(registry) = registry {
        cmd.args(["--registry", registry]);
    }
    assert_success(&cmd.output().unwrap());
    dir
}

/// The command-line arguments of a service over `dir/store` at [`NOW`].
pub fn common_args(dir: &Path) -> CommonArgs {
    CommonArgs {
        data: Some(dir.join("store")),
        now: Some(NOW.parse().unwrap()),
        ..CommonArgs::default()
    }
}

/// The service over `dir/store` (created on first open), with these faults injected and seed 7.
pub fn open_service(dir: &Path, faults: &[&str]) -> Orca {
    let common = common_args(dir);
    let mut config = orca::app::config(&common).unwrap();
    config.engine.faults = faults.iter().map(|f| f.to_string()).collect();
    config.engine.seed = Some(7);
    orca::app::open_service(config, &common).unwrap()
}

/// A data directory with the demo data set, shared by the tests of one test binary.
pub fn service_data_dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| new_demo_store(None)).path()
}

/// The demo store's database file under `dir` opened read-only, for tests that compute the truth
/// with their own SQL.
pub fn demo_db(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open_with_flags(
        dir.join("store").join("orca.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("the demo store opens")
}

/// Unix seconds of an RFC 3339 instant.
pub fn unix(rfc3339: &str) -> i64 {
    rfc3339
        .parse::<chrono::DateTime<chrono::Utc>>()
        .expect("an RFC 3339 instant")
        .timestamp()
}

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// The demo store shared by the tests of one test binary (created by the first ask).
pub fn shared_demo_store() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| new_demo_store(None)).path()
}

/// The section of `source` for `customer` (by registry name; `None` for a scope-wide section).
pub fn find_section<'a>(
    report: &'a serde_json::Value,
    source: &str,
    customer: Option<&str>,
) -> Option<&'a serde_json::Value> {
    report["sections"].as_array()?.iter().find(|s| {
        s["source"] == source
            && match customer {
                Some(name) => s["customer"]["name"] == name,
                None => s["customer"].is_null(),
            }
    })
}

/// A running `orca serve`, killed when dropped.
pub struct Server {
    pub child: std::process::Child,
    pub addr: std::net::SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `orca serve` on a free loopback port over the store in `store`, at [`NOW`], with
/// `config` as its orca.toml (in `dir`) and `args` after `serve`; returns once it listens.
pub fn serve_over(store: &Path, dir: &Path, config: &str, args: &[&str]) -> Server {
    use std::io::BufRead as _;
    let config_file = dir.join("orca.toml");
    std::fs::write(&config_file, config).unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("orca"))
        .env_remove("ORCA_DATA")
        .env_remove("ORCA_REDIS_URL")
        .current_dir(dir)
        .arg("--config")
        .arg(&config_file)
        .arg("--data")
        .arg(store)
        .args(["--now", NOW, "serve", "--addr", "127.0.0.1:0"])
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let addr = loop {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap() == 0 {
            panic!("orca serve exited before listening: {seen}");
        }
        seen.push_str(&line);
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest.split_whitespace().next().unwrap().parse().unwrap();
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    Server { child, addr }
}

/// [`NOW`] as an instant.
pub fn now_utc() -> chrono::DateTime<chrono::Utc> {
    NOW.parse().expect("NOW is RFC 3339")
}

/// A small demo store (30 customers, seed 42) generated in process, shared by the tests of one
/// test binary that start the server in process.
pub fn small_store() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let options = orca_connectors::GenerateOptions {
            seed: 42,
            customers: Some(30),
            scale: 1.0,
            now: now_utc(),
        };
        orca_connectors::generate(dir.path(), &options, &indicatif::ProgressBar::hidden()).unwrap();
        dir
    })
    .path()
}

/// A token record: `values` are its tenants or its segments, as `scope` says.
pub fn token_record(
    name: &str,
    token: &str,
    scope: orca::server::auth::ScopeKind,
    values: &[&str],
) -> orca::server::auth::TokenRecord {
    use orca::server::auth::ScopeKind;
    let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
    orca::server::auth::TokenRecord {
        name: name.into(),
        sha256: orca::server::auth::hash_token(token),
        scope,
        tenants: if scope == ScopeKind::Tenants {
            values.clone()
        } else {
            vec![]
        },
        segments: if scope == ScopeKind::Segments {
            values
        } else {
            vec![]
        },
        created_at: None,
    }
}
