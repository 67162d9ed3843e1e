//! `[sources.<key>]` and `orca doctor`: which connector serves each source, and the checks.

#![cfg(all(
    feature = "kusto",
    feature = "azure-devops",
    feature = "mcp-source",
    feature = "postgres"
))]

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

/// One `POST /v1/ask` to a running server; the report.
fn http_ask(server: &common::Server, request: &str, no_cache: bool) -> serde_json::Value {
    use std::io::{Read as _, Write as _};
    let body = serde_json::json!({ "request": request, "no_cache": no_cache }).to_string();
    let mut stream = std::net::TcpStream::connect(server.addr).unwrap();
    write!(
        stream,
        "POST /v1/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, json) = response.split_once("\r\n\r\n").expect("an HTTP response");
    assert!(
        head.starts_with("HTTP/1.1 200"),
        "{request}: {head}\n{json}"
    );
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{request}: {e}: {json}"))
}

/// Two `orca serve` replicas over one PostgreSQL (every source) and one Redis (the result
/// cache): each answers the same, and a result one computed is served to the other from Redis.
#[test]
fn replicas_sharing_postgres_and_redis_answer_the_same() {
    let redis =
        std::env::var("ORCA_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fixture = orca_testkit::Fixture::new();
    let url = postgres_url();
    let schema = format!("orca_replicas_{}", std::process::id());
    runtime
        .block_on(orca_connectors::postgres::import(
            &url,
            &schema,
            &fixture.dir,
            &indicatif::ProgressBar::hidden(),
        ))
        .unwrap_or_else(|e| panic!("PostgreSQL at {url} (ORCA_TEST_POSTGRES_URL) is needed: {e}"));
    let prefix = format!(
        "orca:replicas:{}:{}:",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    );
    let mut config =
        format!("[cache]\nbackend = \"redis\"\nurl = \"{redis}\"\nkey_prefix = \"{prefix}\"\n");
    for source in ["kusto", "icm", "ado", "tenant", "docs"] {
        config.push_str(&format!(
            "\n[sources.{source}]\ntype = \"postgres\"\nurl = \"{url}\"\nschema = \"{schema}\"\n"
        ));
    }
    let store = fixture.store.path().parent().unwrap().to_path_buf();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = common::serve_over(&store, dir_a.path(), &config, &[]);
    let b = common::serve_over(&store, dir_b.path(), &config, &[]);

    let request = "Show cases, ICMs and ADO bugs for Ford and GM";
    let first = http_ask(&a, request, false);
    assert_eq!(first["cache"]["backend"], "redis", "{}", first["cache"]);
    assert_eq!(first["cache"]["degraded"], false, "is Redis up at {redis}?");
    assert_eq!(first["cache"]["hits"], 0, "{}", first["cache"]);
    let second = http_ask(&b, request, false);
    assert_eq!(second["cache"]["misses"], 0, "{}", second["cache"]);
    assert_eq!(second["cache"]["hit_rate"], 1.0, "{}", second["cache"]);
    for (x, y) in first["sections"]
        .as_array()
        .unwrap()
        .iter()
        .zip(second["sections"].as_array().unwrap())
    {
        assert_eq!((&x["summary"], &x["rows"]), (&y["summary"], &y["rows"]));
    }

    // Uncached, each replica asks PostgreSQL itself, and both give the store's answer.
    for request in [
        "top 5 customers by open cases",
        "Which customers have unhealthy tenants?",
        "GM incidents by severity",
    ] {
        let (x, y) = (http_ask(&a, request, true), http_ask(&b, request, true));
        assert_eq!(answer_of(&x), answer_of(&y), "{request}");
        assert_eq!(x["partial"], false, "{request}: {}", x["answer"]);
    }

    drop((a, b));
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
