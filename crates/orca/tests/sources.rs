//! `[sources.<key>]` and `orca doctor`: which connector serves each source, and the checks.

mod common;

use common::{orca, run, service_data_dir};

#[test]
fn doctor_checks_every_source_of_the_store() {
    let (code, out, err) = run(orca(service_data_dir()).arg("doctor"));
    assert_eq!(code, 0, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    for (line, source) in lines.iter().zip(["kusto", "icm", "ado", "tenant", "docs"]) {
        assert!(line.starts_with("ok "), "{line}");
        assert!(line.contains(source) && line.contains("store"), "{line}");
    }

    let (code, out, _) = run(orca(service_data_dir()).args(["doctor", "--format", "json"]));
    assert_eq!(code, 0);
    let checks: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(checks.as_array().unwrap().len(), 5);
    assert!(checks.as_array().unwrap().iter().all(|c| c["ok"] == true));
}

#[test]
fn a_source_table_that_names_no_source_or_connector_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("orca.toml");
    std::fs::write(&config, "[sources.kusot]\ntype = \"store\"\n").unwrap();
    let (code, _, err) = run(orca(service_data_dir())
        .arg("--config")
        .arg(&config)
        .arg("doctor"));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("[sources.kusot] names no source"), "{err}");

    std::fs::write(&config, "[sources.icm]\ntype = \"oracle\"\n").unwrap();
    let (code, _, err) = run(orca(service_data_dir())
        .arg("--config")
        .arg(&config)
        .args(["ask", "How many cases does Ford have?"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown variant `oracle`"), "{err}");
}

/// The PostgreSQL server of the tests; a clear failure when it is missing.
fn postgres_url() -> String {
    std::env::var("ORCA_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/test".into())
}

/// What an answer is, without what differs by source or by run (timings, round trips, cache,
/// connector names): the answer text, and each section's status, summary, rows and shaped outputs.
fn answer_of(report: &serde_json::Value) -> serde_json::Value {
    let sections: Vec<serde_json::Value> = report["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .map(|s| {
            let mut s = s.clone();
            let m = s.as_object_mut().unwrap();
            for volatile in [
                "elapsed_ms",
                "started_ms",
                "ended_ms",
                "cached",
                "attempts",
                "queries",
            ] {
                m.remove(volatile);
            }
            s
        })
        .collect();
    serde_json::json!({
        "answer": report["answer"],
        "partial": report["partial"],
        "errors": report["errors"],
        "sections": sections,
    })
}

/// `orca ask` with cases from Kusto, incidents through MCP, work items from Azure DevOps (their
/// loopback fakes) and tenant metrics from PostgreSQL (the real server), all serving the fixture,
/// answers exactly as the embedded store holding the same rows.
#[test]
fn ask_against_remote_sources_gives_the_stores_answers() {
    use orca_testkit::Fixture;
    use orca_testkit::ado::AdoFake;
    use orca_testkit::kusto::KustoFake;
    use orca_testkit::mcp::McpFake;

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fixture = Fixture::new();
    let (kusto, ado, mcp) = runtime.block_on(async {
        (
            KustoFake::start(&fixture).await,
            AdoFake::start(&fixture).await,
            McpFake::start(fixture.data.clone()).await,
        )
    });
    let url = postgres_url();
    let schema = format!("orca_sources_{}", std::process::id());
    runtime
        .block_on(orca_connectors::postgres::import(
            &url,
            &schema,
            &fixture.dir,
            &indicatif::ProgressBar::hidden(),
        ))
        .unwrap_or_else(|e| panic!("PostgreSQL at {url} (ORCA_TEST_POSTGRES_URL) is needed: {e}"));

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("orca.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[sources.kusto]
type = "kusto"
cluster = "{kusto}"
database = "{database}"
token_env = "ORCA_TEST_KUSTO_TOKEN"

[sources.icm]
type = "mcp"
url = "{mcp}"
tool = "{tool}"

[sources.ado]
type = "azure_devops"
organization = "contoso"
project = "Purview"
base_url = "{ado}"
pat_env = "ORCA_TEST_ADO_PAT"

[sources.tenant]
type = "postgres"
url = "{url}"
schema = "{schema}"
"#,
            kusto = kusto.url(),
            database = KustoFake::DATABASE,
            mcp = mcp.url(),
            tool = orca_testkit::mcp::tool_of(orca_core::SourceKey::Icm),
            ado = ado.url(),
        ),
    )
    .unwrap();
    let store_dir = fixture.store.path().parent().unwrap().to_path_buf();
    let ask = |request: &str, remote: bool| {
        let mut cmd = assert_cmd::Command::cargo_bin("orca").unwrap();
        cmd.env_remove("ORCA_DATA")
            .env_remove("ORCA_REDIS_URL")
            .env("ORCA_TEST_KUSTO_TOKEN", KustoFake::TOKEN)
            .env("ORCA_TEST_ADO_PAT", ado.pat())
            .current_dir(dir.path())
            .arg("--data")
            .arg(&store_dir)
            .args(["--now", common::NOW]);
        if remote {
            cmd.arg("--config").arg(&config);
        }
        cmd.args(["ask", request, "--format", "json", "--no-cache"]);
        let (code, out, err) = run(&mut cmd);
        assert_eq!(code, 0, "{request} (remote: {remote}): {err}");
        let report: serde_json::Value = serde_json::from_str(&out).unwrap();
        report
    };

    // Doctor sees every remote source ready.
    let (code, out, err) = run(assert_cmd::Command::cargo_bin("orca")
        .unwrap()
        .env("ORCA_TEST_KUSTO_TOKEN", KustoFake::TOKEN)
        .env("ORCA_TEST_ADO_PAT", ado.pat())
        .arg("--data")
        .arg(&store_dir)
        .arg("--config")
        .arg(&config)
        .arg("doctor"));
    assert_eq!(code, 0, "{out}{err}");
    for kind in ["kusto", "mcp", "azure_devops", "postgres"] {
        assert!(
            out.lines().any(|l| l.starts_with("ok") && l.contains(kind)),
            "{kind}: {out}"
        );
    }

    let mut compared = 0;
    for request in [
        "Show cases, ICMs and ADO bugs for Ford and GM",
        "Which customers have unhealthy tenants?",
        "top 5 customers by open cases",
        "Ford cases per week this quarter",
        "GM incidents by severity",
        "list the 5 oldest open bugs for Ford",
        "average age of open cases for Ford and GM",
        "compare Ford and GM cases this month vs last month",
    ] {
        let store = ask(request, false);
        let remote = ask(request, true);
        assert_eq!(
            store["partial"], false,
            "{request}: the store's answer is partial: {}",
            store["answer"]
        );
        assert_eq!(
            answer_of(&store),
            answer_of(&remote),
            "{request}: the remote sources answered differently"
        );
        compared += 1;
    }
    assert_eq!(compared, 8);
    // The remote answers came from the fakes, not from the store.
    assert!(
        !kusto.switch().take_query_texts().is_empty(),
        "Kusto was not queried"
    );
    assert!(ado.wiql_calls() > 0, "Azure DevOps was not queried");
    assert!(mcp.control().calls() > 0, "the MCP tool was not called");
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .await
            .unwrap();
    });
}
