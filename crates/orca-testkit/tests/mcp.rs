//! The MCP client source (`type = "mcp"`) against the in-process rmcp fake: the conformance suite
//! over streamable HTTP for every source the fake's tools serve (with its faults), and over stdio
//! against a child process; then what only this connector has: sessions reopened after the server
//! restarts or the child dies, tool errors, truncation at `max_items`, and the check that names a
//! missing tool.

use std::sync::Arc;
use std::time::Duration;

use orca_connectors::mcp::McpConfig;
use orca_connectors::sources::SourceContext;
use orca_core::{Connector, ErrorKind, Query, SourceKey};
use orca_testkit::mcp::{McpFake, tool_of};
use orca_testkit::{Fixture, Subject, conformance};

/// The context every connector of these tests is built with (the suite's clock and timeout).
fn context(fixture: &Fixture, source: SourceKey) -> SourceContext {
    SourceContext {
        now: Some(Fixture::now()),
        timeout: Subject::TIMEOUT,
        ..SourceContext::for_test(source, fixture.customers())
    }
}

fn build(config: &McpConfig, fixture: &Fixture, source: SourceKey) -> Arc<dyn Connector> {
    config
        .build(&context(fixture, source))
        .unwrap_or_else(|e| panic!("{source}: {e}"))
}

/// Over HTTP, with every row a tool may return read (the tenant metrics of all tenants are
/// more than the default `max_items`).
fn http_connector(fake: &McpFake, fixture: &Fixture, source: SourceKey) -> Arc<dyn Connector> {
    let config = McpConfig {
        max_items: 100_000,
        ..McpConfig::http(fake.url(), tool_of(source))
    };
    build(&config, fixture, source)
}

fn stdio_config(source: SourceKey) -> McpConfig {
    McpConfig::stdio(
        vec![env!("CARGO_BIN_EXE_mcp_fake_stdio").to_string()],
        tool_of(source),
    )
}

fn ford(fixture: &Fixture) -> Query {
    let mut query = Query::new(SourceKey::Icm);
    query.tenant_ids = vec![fixture.tenant("Ford Motor Company")];
    query
}

/// The sources whose rows are a few hundred: the whole suite, faults included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cases_incidents_work_items_and_docs_over_streamable_http_pass_the_suite() {
    let fixture = Fixture::new();
    let fake = McpFake::start(fixture.data.clone()).await;
    let subject = Subject {
        name: "mcp over streamable HTTP".into(),
        connectors: [
            SourceKey::Icm,
            SourceKey::Kusto,
            SourceKey::Ado,
            SourceKey::Docs,
        ]
        .into_iter()
        .map(|source| http_connector(&fake, &fixture, source))
        .collect(),
        fake: Some(fake.faults()),
    };
    conformance::run(&subject, &fixture).await;
}

/// Tenant metrics: the answers only. The health of all tenants reads every daily metric of the
/// fixture (13,500 rows, 1.5 MB of JSON each way); in a debug build on a shared 2-core machine
/// that took 0.7 to 4.4 s, so this subject gets a 30 s timeout instead of the suite's 1.5 s (the
/// fault checks, which need the suite's timeout, run on the other sources: the same code).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenant_metrics_over_streamable_http_give_the_store_answers() {
    let fixture = Fixture::new();
    let fake = McpFake::start(fixture.data.clone()).await;
    let config = McpConfig {
        max_items: 100_000,
        ..McpConfig::http(fake.url(), tool_of(SourceKey::Tenant))
    };
    let ctx = SourceContext {
        timeout: Duration::from_secs(30),
        ..context(&fixture, SourceKey::Tenant)
    };
    let subject = Subject {
        name: "mcp over streamable HTTP, tenant metrics".into(),
        connectors: vec![config.build(&ctx).unwrap()],
        fake: None,
    };
    conformance::run(&subject, &fixture).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incidents_and_cases_over_stdio_pass_the_suite() {
    let fixture = Fixture::new();
    let subject = Subject {
        name: "mcp over stdio".into(),
        connectors: [SourceKey::Icm, SourceKey::Kusto]
            .into_iter()
            .map(|source| build(&stdio_config(source), &fixture, source))
            .collect(),
        fake: None,
    };
    conformance::run(&subject, &fixture).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_that_dies_is_started_again() {
    let fixture = Fixture::new();
    // Each child answers one call and exits when the next one arrives.
    let mut config = stdio_config(SourceKey::Icm);
    config
        .env
        .insert("ORCA_MCP_FAKE_EXIT_AFTER".into(), "1".into());
    let connector = build(&config, &fixture, SourceKey::Icm);
    let query = ford(&fixture);
    let expected = fixture
        .store_connector(SourceKey::Icm)
        .run(&query)
        .await
        .unwrap();
    for call in 1..=3 {
        let got = connector
            .run(&query)
            .await
            .unwrap_or_else(|e| panic!("call {call}: {e} ({:?})", e.kind));
        assert_eq!(
            conformance::difference(&expected, &got),
            None,
            "call {call}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_server_is_reached_again() {
    let fixture = Fixture::new();
    let fake = McpFake::start(fixture.data.clone()).await;
    let (addr, control) = (fake.addr(), fake.control());
    let connector = http_connector(&fake, &fixture, SourceKey::Icm);
    let query = ford(&fixture);
    let expected = connector.run(&query).await.unwrap();

    fake.stop().await;
    let down = connector.run(&query).await.unwrap_err();
    assert_eq!(down.kind, ErrorKind::Unavailable, "{down}");
    assert!(down.is_retryable());

    // The new server knows nothing of the old session.
    let _fake = McpFake::start_on(addr, fixture.data.clone(), control.clone()).await;
    let calls = control.calls();
    let got = connector.run(&query).await.unwrap();
    assert_eq!(conformance::difference(&expected, &got), None);
    assert_eq!(
        control.calls(),
        calls + 1,
        "one tool call after the restart"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tool_error_is_a_bad_query_with_the_tools_words() {
    let fixture = Fixture::new();
    let fake = McpFake::start(fixture.data.clone()).await;
    let connector = http_connector(&fake, &fixture, SourceKey::Icm);
    let mut query = ford(&fixture);
    query.tenant_ids = vec!["not-a-tenant".into()];
    let error = connector.run(&query).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::BadQuery, "{error}");
    assert!(
        error.message.contains("`search_incidents` failed")
            && error
                .message
                .contains("tenant id `not-a-tenant` is not a GUID"),
        "{error}"
    );
    // The session is kept: the next call answers.
    connector.run(&ford(&fixture)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_rows_than_max_items_give_a_truncated_answer() {
    let fixture = Fixture::new();
    let fake = McpFake::start(fixture.data.clone()).await;
    let config = McpConfig {
        max_items: 10,
        ..McpConfig::http(fake.url(), tool_of(SourceKey::Icm))
    };
    let connector = build(&config, &fixture, SourceKey::Icm);
    let mut query = Query::new(SourceKey::Icm);
    query.all_tenants = true;
    assert!(fixture.data.incidents.len() > 10);
    let out = connector.run(&query).await.unwrap();
    assert_eq!(out.summary["total"], 10);
    assert_eq!(out.summary["truncated"], true);
    assert_eq!(out.summary["max_items"], 10);
    assert!(out.shaped.truncated);
    // The tool was asked for one row more than it may use.
    let texts = fake.faults().take_query_texts();
    assert!(
        texts.iter().any(|t| t.contains("\"max_rows\":11")),
        "{texts:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_check_names_a_missing_tool_and_the_tools_offered() {
    let fixture = Fixture::new();
    let fake = McpFake::start(fixture.data.clone()).await;
    let ready = http_connector(&fake, &fixture, SourceKey::Icm)
        .check()
        .await
        .unwrap();
    assert!(
        ready.contains("offers the tool `search_incidents`"),
        "{ready}"
    );

    let wrong = McpConfig::http(fake.url(), "search_icms");
    let error = build(&wrong, &fixture, SourceKey::Icm)
        .check()
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::BadQuery, "{error}");
    assert!(
        error.message.contains("has no tool `search_icms`")
            && error.message.contains("`search_incidents`")
            && error.message.contains("set [sources.icm] tool"),
        "{error}"
    );
    let stdio = build(&stdio_config(SourceKey::Icm), &fixture, SourceKey::Icm)
        .check()
        .await
        .unwrap();
    assert!(stdio.contains("orca-mcp-fake"), "{stdio}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_share_one_session() {
    let fixture = Fixture::new();
    let fake = McpFake::start(fixture.data.clone()).await;
    let connector = http_connector(&fake, &fixture, SourceKey::Icm);
    let query = ford(&fixture);
    let expected = connector.run(&query).await.unwrap();
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let (connector, query) = (connector.clone(), query.clone());
            tokio::spawn(async move { connector.run(&query).await })
        })
        .collect();
    for call in calls {
        let got = call.await.unwrap().unwrap();
        assert_eq!(conformance::difference(&expected, &got), None);
    }
    assert_eq!(fake.control().calls(), 9);
}

#[tokio::test]
async fn a_missing_token_variable_is_an_auth_error_naming_it() {
    let fixture = Fixture::new();
    let fake = McpFake::start(fixture.data.clone()).await;
    let config = McpConfig {
        token_env: Some("ORCA_TEST_MCP_TOKEN_NEVER_SET".into()),
        ..McpConfig::http(fake.url(), tool_of(SourceKey::Icm))
    };
    let error = build(&config, &fixture, SourceKey::Icm)
        .run(&ford(&fixture))
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::Auth, "{error}");
    assert!(
        error.message.contains("ORCA_TEST_MCP_TOKEN_NEVER_SET"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bearer_token_is_sent_and_a_refused_one_is_an_auth_error() {
    let fixture = Fixture::new();
    let fake = McpFake::start(fixture.data.clone()).await;
    fake.control().require_token(Some("s3cret"));
    let with = |token: &str| McpConfig {
        token_command: Some(vec!["echo".into(), token.into()]),
        ..McpConfig::http(fake.url(), tool_of(SourceKey::Icm))
    };
    build(&with("s3cret"), &fixture, SourceKey::Icm)
        .run(&ford(&fixture))
        .await
        .unwrap();
    let refused = build(&with("wrong"), &fixture, SourceKey::Icm)
        .run(&ford(&fixture))
        .await
        .unwrap_err();
    assert_eq!(refused.kind, ErrorKind::Auth, "{refused}");
    let anonymous = build(
        &McpConfig::http(fake.url(), tool_of(SourceKey::Icm)),
        &fixture,
        SourceKey::Icm,
    )
    .check()
    .await
    .unwrap_err();
    assert_eq!(anonymous.kind, ErrorKind::Auth, "{anonymous}");
}
