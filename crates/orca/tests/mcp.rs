//! The MCP server in process: an rmcp client talks to `OrcaMcp` over a `tokio::io::duplex` pipe.
//! Covers tools/list (names, descriptions, schemas, annotations), every tool, error results
//! (`isError`, never protocol errors, for caller mistakes and failed sources), progress
//! notifications while sections finish, and cancellation.

mod common;

use std::time::Duration;

use common::{NOW, open_service as open, service_data_dir as data_dir};
use orca::mcp::OrcaMcp;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientRequest, ProgressNotificationParam, Request, Tool,
};
use rmcp::service::{NotificationContext, PeerRequestOptions, RunningService};
use rmcp::{ClientHandler, RoleClient, ServiceExt as _};
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// A client that records progress notifications.
#[derive(Clone)]
struct Recorder {
    progress: mpsc::UnboundedSender<ProgressNotificationParam>,
}

impl ClientHandler for Recorder {
    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        let _ = self.progress.send(params);
    }
}

struct Session {
    client: RunningService<RoleClient, Recorder>,
    progress: mpsc::UnboundedReceiver<ProgressNotificationParam>,
}

async fn connect_with(faults: &[&str]) -> Session {
    let server =
        OrcaMcp::new(open(data_dir(), faults)).with_default_now(Some(NOW.parse().unwrap()));
    let (server_io, client_io) = tokio::io::duplex(64 * 1024);
    tokio::spawn(async move {
        if let Ok(service) = server.serve(server_io).await {
            let _ = service.waiting().await;
        }
    });
    let (tx, progress) = mpsc::unbounded_channel();
    let client = Recorder { progress: tx }.serve(client_io).await.unwrap();
    Session { client, progress }
}

async fn connect() -> Session {
    connect_with(&[]).await
}

async fn call(session: &Session, tool: &str, arguments: Value) -> CallToolResult {
    let Value::Object(arguments) = arguments else {
        panic!("arguments must be an object")
    };
    session
        .client
        .call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(arguments))
        .await
        .unwrap_or_else(|e| panic!("{tool} failed at the protocol level: {e}"))
}

fn text(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

fn structured(result: &CallToolResult) -> &Value {
    result
        .structured_content
        .as_ref()
        .unwrap_or_else(|| panic!("no structured content: {}", text(result)))
}

fn is_error(result: &CallToolResult) -> bool {
    result.is_error == Some(true)
}

/// Checks a tool's output with a full JSON Schema 2020-12 validator; every error is listed.
fn conforms(value: &Value, schema: &Value, tool: &str) -> Result<(), String> {
    let validator = jsonschema::draft202012::new(schema)
        .map_err(|e| format!("{tool}: the output schema is not valid JSON Schema: {e}"))?;
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{tool}{}: {e}", e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

async fn tool(session: &Session, name: &str) -> Tool {
    session
        .client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no tool {name}"))
}

async fn assert_conforms(session: &Session, name: &str, result: &CallToolResult) {
    let tool = tool(session, name).await;
    let schema = Value::Object((*tool.output_schema.expect("an output schema")).clone());
    conforms(structured(result), &schema, name).unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test]
async fn tools_list_names_describes_and_annotates_every_tool() {
    let session = connect().await;
    let info = session.client.peer_info().expect("server info");
    assert_eq!(info.server_info.as_ref().unwrap().name, "orca");
    assert!(info.instructions.as_deref().unwrap_or("").contains("ask"));

    let tools = session.client.list_all_tools().await.unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(names, ["ask", "plan", "resolve_customer", "stats"]);
    for tool in &tools {
        let name = &tool.name;
        let description = tool.description.as_deref().unwrap_or("");
        assert!(description.len() > 200, "{name}: description too short");
        assert!(
            description.contains("Use it"),
            "{name}: says when to use it"
        );
        assert!(tool.title.is_some(), "{name}: has a title");

        let input = Value::Object((*tool.input_schema).clone());
        assert_eq!(input["type"], "object", "{name}: input schema is an object");
        for (field, schema) in input["properties"].as_object().into_iter().flatten() {
            assert!(
                schema.get("description").is_some(),
                "{name}.{field}: the field is described: {schema}"
            );
        }
        let output = tool.output_schema.as_ref().expect("an output schema");
        assert_eq!(output.get("type"), Some(&json!("object")), "{name}");

        let a = tool.annotations.as_ref().expect("annotations");
        assert_eq!(a.read_only_hint, Some(true), "{name}: read-only");
        assert_eq!(a.destructive_hint, Some(false), "{name}: not destructive");
        assert_eq!(a.idempotent_hint, Some(true), "{name}: idempotent");
        assert_eq!(a.open_world_hint, Some(false), "{name}: closed world");
    }
    let ask = &tools[0];
    let input = Value::Object((*ask.input_schema).clone());
    assert_eq!(input["required"], json!(["request"]));
    for field in ["request", "format", "now", "no_cache"] {
        assert!(
            input["properties"].get(field).is_some(),
            "ask takes {field}"
        );
    }
    assert!(ask.description.as_deref().unwrap().contains("Examples"));
    session.client.cancel().await.unwrap();
}

#[tokio::test]
async fn ask_returns_the_report_and_a_short_text() {
    let session = connect().await;
    let result = call(
        &session,
        "ask",
        json!({"request": "Show cases and ICMs for Ford in the last 30 days"}),
    )
    .await;
    assert!(!is_error(&result), "{}", text(&result));
    let report = structured(&result);
    let answer = report["answer"].as_str().unwrap();
    assert!(answer.contains("Ford Motor Company"), "{answer}");
    assert_eq!(report["partial"], false);
    assert_eq!(report["sections"].as_array().unwrap().len(), 2);
    assert!(report["timings"]["total_ms"].as_f64().unwrap() > 0.0);
    assert_eq!(report["plan"]["time_range"]["label"], "last 30 days");
    assert_conforms(&session, "ask", &result).await;

    let text = text(&result);
    assert!(text.starts_with(answer.lines().next().unwrap()), "{text}");
    assert!(text.contains("2/2 sections ok"), "{text}");
    assert!(text.len() < 2_000, "the text stays short: {text}");
    session.client.cancel().await.unwrap();
}

/// Every intent's fields (ranking, groups, series, change, sort, limit, findings, period) fit
/// the published output schema, checked by a full validator.
#[tokio::test]
async fn every_intent_conforms_to_the_output_schema() {
    let session = connect().await;
    for (request, field) in [
        ("which customer has the most open cases", "ranking"),
        ("breakdown of Toyota cases by severity", "groups"),
        ("Ford cases per month this year", "series"),
        ("show me the 5 oldest open cases for GM", "sort"),
        ("compare this month vs last month for Ford cases", "period"),
        ("average age of GM's open cases", "value"),
        ("why did Contoso's Sev A cases spike last month", "findings"),
    ] {
        let result = call(&session, "ask", json!({ "request": request })).await;
        assert!(!is_error(&result), "{request}: {}", text(&result));
        let report = structured(&result);
        let has = |v: &Value| v.get(field).is_some();
        assert!(
            has(report) || report["sections"].as_array().unwrap().iter().any(has),
            "{request}: no `{field}` in {report}"
        );
        assert_conforms(&session, "ask", &result).await;
    }
    // The check can fail: a status outside the enum and a missing field are caught.
    let result = call(
        &session,
        "ask",
        json!({"request": "top 3 customers by open cases"}),
    )
    .await;
    let mut bad = structured(&result).clone();
    bad["sections"][0]["status"] = json!("fine");
    bad.as_object_mut().unwrap().remove("timings");
    let schema = Value::Object((*tool(&session, "ask").await.output_schema.unwrap()).clone());
    let errors = conforms(&bad, &schema, "ask").unwrap_err();
    assert!(
        errors.contains("/sections/0/status") && errors.contains("timings"),
        "{errors}"
    );
    session.client.cancel().await.unwrap();
}

#[tokio::test]
async fn ask_formats_render_the_text_part() {
    let session = connect().await;
    let markdown = call(
        &session,
        "ask",
        json!({"request": "cases for Ford", "format": "markdown"}),
    )
    .await;
    assert!(text(&markdown).contains('|'), "{}", text(&markdown));
    let as_json = call(
        &session,
        "ask",
        json!({"request": "cases for Ford", "format": "json", "no_cache": true}),
    )
    .await;
    let parsed: Value = serde_json::from_str(&text(&as_json)).unwrap();
    assert_eq!(parsed["request"], "cases for Ford");
    session.client.cancel().await.unwrap();
}

#[tokio::test]
async fn caller_mistakes_are_error_results_with_a_clear_message() {
    let session = connect().await;
    let cases: [(Value, &str); 6] = [
        (json!({"request": "   "}), "empty"),
        (json!({"request": "cases for Acme Corp"}), "Acme Corp"),
        (json!({}), "missing field `request`"),
        (json!({"request": 42}), "invalid arguments"),
        (
            json!({"request": "cases for Ford", "now": "yesterday"}),
            "RFC 3339",
        ),
        (
            json!({"request": "cases for Ford", "format": "pdf"}),
            "invalid arguments",
        ),
    ];
    for (arguments, expected) in cases {
        let result = call(&session, "ask", arguments.clone()).await;
        assert!(is_error(&result), "{arguments}: {}", text(&result));
        assert!(
            text(&result).contains(expected),
            "{arguments}: {}",
            text(&result)
        );
    }
    let empty_plan = call(&session, "plan", json!({"request": ""})).await;
    assert!(is_error(&empty_plan));
    let nobody = call(&session, "resolve_customer", json!({"name": "Zzyzx Qqq"})).await;
    assert!(is_error(&nobody), "{}", text(&nobody));
    assert!(text(&nobody).contains("No customer"));
    // A 60,000-character name is refused at once (issue 14.2: it used to freeze the server).
    let long = call(
        &session,
        "resolve_customer",
        json!({"name": "Frod".repeat(15_000)}),
    )
    .await;
    assert!(is_error(&long), "{}", text(&long));
    assert!(text(&long).contains("at most 200"), "{}", text(&long));

    // Only a tool that does not exist is a protocol error.
    let unknown = session
        .client
        .call_tool(CallToolRequestParams::new("delete_everything"))
        .await;
    assert!(unknown.is_err());

    // The service records the asks it refused (the empty one and the unknown customer), as for
    // every front end; arguments that never made an ask (wrong types, bad `now`) are not asks.
    let stats = call(&session, "stats", json!({})).await;
    assert_eq!(structured(&stats)["asks"]["rejected"], 2);
    session.client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_failed_side_source_is_a_partial_answer_that_says_what_is_missing() {
    let session = connect_with(&["icm=error"]).await;
    let result = call(
        &session,
        "ask",
        json!({"request": "cases and ICMs for Ford"}),
    )
    .await;
    assert!(!is_error(&result), "{}", text(&result));
    let report = structured(&result);
    assert_eq!(report["partial"], true);
    assert_eq!(report["errors"][0]["source"], "icm");
    assert!(
        text(&result).contains("Partial answer; missing: icm"),
        "{}",
        text(&result)
    );
    assert_conforms(&session, "ask", &result).await;
    session.client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_failed_essential_source_is_an_error_result_with_the_report() {
    let session = connect_with(&["kusto=error"]).await;
    let result = call(
        &session,
        "ask",
        json!({"request": "How many cases does Ford have?"}),
    )
    .await;
    assert!(is_error(&result), "{}", text(&result));
    assert!(
        text(&result).starts_with("Could not answer"),
        "{}",
        text(&result)
    );
    assert_eq!(structured(&result)["unanswered"], true);
    session.client.cancel().await.unwrap();
}

#[tokio::test]
async fn plan_shows_the_plan_without_running() {
    let session = connect().await;
    let result = call(
        &session,
        "plan",
        json!({"request": "cases and ICMs for Ford and Toyota in the last 30 days"}),
    )
    .await;
    assert!(!is_error(&result), "{}", text(&result));
    let plan = structured(&result);
    assert_eq!(plan["strategy"], "parallel");
    assert_eq!(plan["tasks"].as_array().unwrap().len(), 4);
    assert_eq!(plan["time_range"]["to"], NOW);
    assert_conforms(&session, "plan", &result).await;
    assert!(text(&result).contains("Strategy:"));

    let stats = call(&session, "stats", json!({})).await;
    assert_eq!(
        structured(&stats)["asks"]["served"],
        0,
        "planning runs nothing"
    );
    session.client.cancel().await.unwrap();
}

#[tokio::test]
async fn resolve_customer_lists_candidates_with_match_and_confidence() {
    let session = connect().await;
    let ford = call(&session, "resolve_customer", json!({"name": "Ford"})).await;
    assert!(!is_error(&ford), "{}", text(&ford));
    let first = &structured(&ford)["candidates"][0];
    assert_eq!(first["name"], "Ford Motor Company");
    assert_eq!(first["match"], "alias");
    assert_eq!(first["confidence"], 1.0);
    assert_conforms(&session, "resolve_customer", &ford).await;
    assert!(text(&ford).contains("Ford Motor Company"));

    let typo = call(&session, "resolve_customer", json!({"name": "Toyta"})).await;
    let first = &structured(&typo)["candidates"][0];
    assert_eq!(first["match"], "fuzzy", "{}", text(&typo));
    assert!(first["confidence"].as_f64().unwrap() < 1.0);

    let ambiguous = call(&session, "resolve_customer", json!({"name": "General"})).await;
    assert!(!is_error(&ambiguous));
    assert!(
        structured(&ambiguous)["candidates"]
            .as_array()
            .unwrap()
            .len()
            >= 2
    );
    assert!(
        text(&ambiguous).contains("may mean"),
        "{}",
        text(&ambiguous)
    );
    session.client.cancel().await.unwrap();
}

#[tokio::test]
async fn stats_counts_asks_and_shows_every_breaker() {
    let session = connect().await;
    call(&session, "ask", json!({"request": "cases for Ford"})).await;
    let result = call(&session, "stats", json!({})).await;
    assert!(!is_error(&result));
    let stats = structured(&result);
    assert_eq!(stats["asks"]["served"], 1);
    let sources: Vec<&str> = stats["breakers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources.len(), 5, "{sources:?}");
    assert!(
        stats["breakers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["state"] == "closed")
    );
    assert!(stats["registry_customers"].as_u64().unwrap() > 100);
    assert_conforms(&session, "stats", &result).await;
    assert!(text(&result).contains("1 asks served"), "{}", text(&result));
    session.client.cancel().await.unwrap();
}

#[tokio::test]
async fn ask_reports_progress_as_sections_finish() {
    let mut session = connect().await;
    let result = call(
        &session,
        "ask",
        json!({"request": "cases, ICMs and ADO bugs for Ford and Toyota"}),
    )
    .await;
    let sections = structured(&result)["sections"].as_array().unwrap().len();
    assert_eq!(sections, 6);
    let mut seen = Vec::new();
    for _ in 0..sections {
        let progress = tokio::time::timeout(Duration::from_secs(5), session.progress.recv())
            .await
            .expect("a progress notification per section")
            .unwrap();
        seen.push(progress);
    }
    let counts: Vec<f64> = seen.iter().map(|p| p.progress).collect();
    assert_eq!(counts, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    assert!(seen.iter().all(|p| p.total == Some(6.0)));
    let message = seen[0].message.as_deref().unwrap();
    assert!(message.contains(": ok"), "{message}");
    session.client.cancel().await.unwrap();
}

#[tokio::test]
async fn cancelling_an_ask_stops_its_run() {
    // ICMs take 4 s (under the 5 s task timeout): only a cancellation ends the ask sooner.
    let mut session = connect_with(&["icm=slow:4000"]).await;
    let started = std::time::Instant::now();
    let handle = session
        .client
        .send_cancellable_request(
            ClientRequest::CallToolRequest(Request::new(
                CallToolRequestParams::new("ask").with_arguments(
                    json!({"request": "cases and ICMs for Ford"})
                        .as_object()
                        .unwrap()
                        .clone(),
                ),
            )),
            PeerRequestOptions::no_options(),
        )
        .await
        .unwrap();
    // The cases section finishes at once: the ask is running.
    let first = tokio::time::timeout(Duration::from_secs(3), session.progress.recv())
        .await
        .expect("the cases section finishes")
        .unwrap();
    assert!(first.message.unwrap().contains("kusto"));
    handle
        .cancel(Some("the user moved on".into()))
        .await
        .unwrap();

    let cancelled = async {
        loop {
            let result = call(&session, "stats", json!({})).await;
            if structured(&result)["asks"]["cancelled"] == 1 {
                return structured(&result)["asks"].clone();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let asks = tokio::time::timeout(Duration::from_secs(3), cancelled)
        .await
        .expect("the ask is cancelled well before its slow source answers");
    assert_eq!(asks["served"], 0, "{asks}");
    assert!(started.elapsed() < Duration::from_millis(3_500));
    session.client.cancel().await.unwrap();
}

#[test]
fn every_tool_result_shape_is_an_object_schema() {
    for tool in orca::mcp::tools::all() {
        let output = tool.output_schema.expect("output schema");
        assert_eq!(output.get("type"), Some(&json!("object")), "{}", tool.name);
    }
}

#[test]
fn orca_mcp_writes_nothing_but_protocol_to_stdout() {
    // No client on stdin: the binary says so on stderr (exit 1) and stdout stays empty, even on
    // the first run, which creates the demo data set.
    let home = tempfile::tempdir().unwrap();
    let out = common::orca_at_default_dir(home.path())
        .arg("mcp")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(stderr.contains("creating the demo data set"), "{stderr}");
    assert!(stderr.contains("no MCP client on stdin"), "{stderr}");
}
