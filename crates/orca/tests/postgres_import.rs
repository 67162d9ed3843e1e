//! `orca data import --target postgres`, the built binary against the real PostgreSQL of the
//! environment (`ORCA_TEST_POSTGRES_URL`, default `postgresql://postgres@127.0.0.1:5432/test`):
//! the rows of a generated data directory land in a schema of the test's own (counted with SQL
//! against the embedded store's counts of the same files), a second import changes nothing, a
//! missing or bad URL is exit 2 with one sentence, and a bad row is exit 2 leaving the tables
//! as they were. The test fails with a sentence when PostgreSQL is not reachable.

#![cfg(feature = "postgres")]

mod common;

use std::path::Path;

use common::run;
use serde_json::Value;
use tokio_postgres::NoTls;

const DEFAULT_URL: &str = "postgresql://postgres@127.0.0.1:5432/test";

fn url() -> String {
    std::env::var("ORCA_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_URL.to_string())
}

/// Runs SQL statements and returns the first column of the first row of the last one.
fn sql(statements: &str) -> Vec<Vec<i64>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let url = url();
        let (client, connection) = tokio_postgres::connect(&url, NoTls)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL is not reachable at {url} ({e}); start it or set \
                     ORCA_TEST_POSTGRES_URL"
                )
            });
        tokio::spawn(connection);
        let mut out = Vec::new();
        for statement in statements.split(';').filter(|s| !s.trim().is_empty()) {
            let rows = client.query(statement, &[]).await.unwrap();
            out.push(rows.iter().map(|r| r.get::<_, i64>(0)).collect());
        }
        out
    })
}

/// Drops the schema when dropped (also when the test fails).
struct Schema(String);

impl Drop for Schema {
    fn drop(&mut self) {
        let name = self.0.clone();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                if let Ok((client, connection)) = tokio_postgres::connect(&url(), NoTls).await {
                    tokio::spawn(connection);
                    let _ = client
                        .batch_execute(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
                        .await;
                }
            });
        })
        .join();
    }
}

fn counts(schema: &str) -> Vec<i64> {
    let statements: Vec<String> = [
        "registry",
        "cases",
        "incidents",
        "work_items",
        "tenant_metrics",
        "docs",
    ]
    .iter()
    .map(|t| format!("SELECT count(*) FROM {schema}.{t}"))
    .collect();
    sql(&statements.join(";"))
        .into_iter()
        .map(|rows| rows[0])
        .collect()
}

fn orca(dir: &Path) -> assert_cmd::Command {
    let mut cmd = common::orca(dir);
    cmd.env("NO_COLOR", "1").env_remove("ORCA_PG_URL");
    cmd
}

fn assert_one_sentence_error(stderr: &str) {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line on stderr, got: {stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
}

#[test]
fn data_import_target_postgres_loads_every_row_in_one_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (code, _, err) = run(orca(dir.path())
        .args([
            "data",
            "generate",
            "--customers",
            "6",
            "--seed",
            "7",
            "--out",
        ])
        .arg(&data));
    assert_eq!(code, 0, "{err}");
    // The embedded store's counts of the same files: what PostgreSQL must hold.
    let (code, _, err) = run(orca(dir.path())
        .args(["data", "import", "--dir"])
        .arg(&data));
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(orca(dir.path()).args(["data", "stats", "--format", "json"]));
    assert_eq!(code, 0, "{err}");
    let stats: Value = serde_json::from_str(&out).unwrap();
    let expected: Vec<i64> = [
        "registry",
        "cases",
        "incidents",
        "work_items",
        "tenant_metrics",
        "docs",
    ]
    .iter()
    .map(|k| stats[k].as_i64().unwrap())
    .collect();
    assert!(expected.iter().all(|n| *n > 0), "{expected:?}");

    let schema = Schema(format!("orca_cli_test_{}", std::process::id()));
    sql(&format!(
        "DROP SCHEMA IF EXISTS {} CASCADE; SELECT 1::bigint",
        schema.0
    ));
    let import = |dir_arg: &Path, with_url: bool| {
        let mut cmd = orca(dir.path());
        cmd.args([
            "data",
            "import",
            "--target",
            "postgres",
            "--pg-schema",
            &schema.0,
            "--dir",
        ])
        .arg(dir_arg);
        if with_url {
            cmd.env("ORCA_PG_URL", url());
        }
        run(&mut cmd)
    };
    let (code, out, err) = import(&data, true);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(&format!("Imported {} rows", expected.iter().sum::<i64>())),
        "{out}"
    );
    assert!(
        out.contains(&format!("PostgreSQL schema {}", schema.0)),
        "{out}"
    );
    assert!(
        out.contains(&format!("cases.csv ({} rows)", expected[1])),
        "{out}"
    );
    assert_eq!(counts(&schema.0), expected);

    // Again: nothing changes.
    let (code, _, err) = import(&data, true);
    assert_eq!(code, 0, "{err}");
    assert_eq!(counts(&schema.0), expected);

    // No URL: exit 2, one sentence naming the variable and the flag.
    let (code, _, err) = import(&data, false);
    assert_eq!(code, 2, "{err}");
    assert_one_sentence_error(&err);
    assert!(
        err.contains("ORCA_PG_URL") && err.contains("--pg-url"),
        "{err}"
    );

    // A URL that cannot be parsed: exit 2, one sentence, the URL not repeated.
    let (code, _, err) = run(orca(dir.path())
        .args([
            "data",
            "import",
            "--target",
            "postgres",
            "--pg-url",
            "postgresql://u:secret@h:notaport/db",
            "--dir",
        ])
        .arg(&data));
    assert_eq!(code, 2, "{err}");
    assert_one_sentence_error(&err);
    assert!(!err.contains("secret"), "{err}");

    // PostgreSQL flags without the target: exit 2, one sentence.
    let (code, _, err) = run(orca(dir.path())
        .args(["data", "import", "--pg-schema", &schema.0, "--dir"])
        .arg(&data));
    assert_eq!(code, 2, "{err}");
    assert_one_sentence_error(&err);
    assert!(err.contains("--target postgres"), "{err}");

    // A bad row: exit 2 naming the file and line; the tables are as they were.
    let cases = std::fs::read_to_string(data.join("cases.csv")).unwrap();
    let lines = cases.lines().count();
    std::fs::write(data.join("cases.csv"), format!("{cases}not,a,valid,row\n")).unwrap();
    let (code, _, err) = import(&data, true);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("cases.csv:{}", lines + 1)), "{err}");
    assert_eq!(counts(&schema.0), expected);
}
