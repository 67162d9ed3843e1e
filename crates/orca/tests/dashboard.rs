//! What the dashboard (`GET /`) needs from the server: `orca serve --now` is the clock of every
//! ask that names none (the page sends none), the stream's progress events that draw the
//! timeline while tasks run, the document route behind its passage links (behind the token gate,
//! like every `/v1` route), and per-source health in plain words in `/v1/stats`. The page itself
//! is tested in a real browser by `tests/dashboard/run.sh`.

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{DateTime, Utc};
use common::NOW;
use orca::cli::CommonArgs;
use orca::config::{Config, RawConfig};
use orca::server::auth::{Auth, ScopeKind};
use orca::server::{self, ServerState};
use serde_json::Value;
use tower::ServiceExt as _;

const ALL_TOKEN: &str = "orca_dash_all";
const FORD_TOKEN: &str = "orca_dash_ford";
const FORD: &str = "a959ed19-58ec-5b04-a375-0e9a54aff769";

/// The server in process over the shared store, with tokens, `faults` injected (a hung source
/// times out after half a second) and the clock pinned at [`NOW`] as `orca serve --now` pins it.
fn api(faults: &[&str]) -> Router {
    let common = CommonArgs {
        data: Some(PathBuf::from(common::small_store())),
        now: Some(common::now_utc()),
        ..CommonArgs::default()
    };
    let mut config: Config =
        Config::resolve(RawConfig::default(), Path::new("."), &common).unwrap();
    config.engine.faults = faults.iter().map(|f| f.to_string()).collect();
    config.engine.seed = Some(7);
    config.engine.task_timeout_ms = 500;
    let orca = orca::app::open_service(config, &common).unwrap();
    let auth = Auth::from_records(&[
        common::token_record("all", ALL_TOKEN, ScopeKind::All, &[]),
        common::token_record("ford", FORD_TOKEN, ScopeKind::Tenants, &[FORD]),
    ])
    .unwrap();
    let state = ServerState::new(orca, auth).with_default_now(Some(common::now_utc()));
    server::router(Arc::new(state))
}

async fn get(router: &Router, path: &str, token: Option<&str>) -> (StatusCode, String) {
    let mut request = Request::get(path);
    if let Some(t) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Parses an SSE body into (event, data) pairs.
fn sse_events(text: &str) -> Vec<(String, Value)> {
    text.split("\n\n")
        .filter_map(|block| {
            let mut event = None;
            let mut data = String::new();
            for line in block.lines() {
                if let Some(e) = line.strip_prefix("event: ") {
                    event = Some(e.to_string());
                } else if let Some(d) = line.strip_prefix("data: ") {
                    data.push_str(d);
                }
            }
            Some((event?, serde_json::from_str(&data).ok()?))
        })
        .collect()
}

// --- orca serve --now, as a process ---------------------------------------------------------

/// `orca --now NOW serve` on a free loopback port over the shared demo store.
fn serve_pinned(dir: &Path) -> common::Server {
    let store: PathBuf = common::shared_demo_store().join("store");
    common::serve_over(&store, dir, "", &[])
}

/// One GET on a fresh connection; the body of the response.
async fn http_get(addr: SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).await.unwrap();
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    out
}

#[tokio::test]
async fn serve_now_is_the_clock_of_asks_that_name_none_as_the_dashboard_sends_them() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve_pinned(dir.path());
    // The dashboard asks through the stream without `now`: "last 30 days" ends at --now.
    let reply = http_get(
        served.addr,
        "/v1/ask/stream?request=Ford%20cases%20in%20the%20last%2030%20days",
    )
    .await;
    let events = sse_events(reply.split_once("\r\n\r\n").unwrap().1);
    let plan = &events.first().expect("a plan event").1;
    assert_eq!(plan["time_range"]["to"], NOW, "{plan}");
    assert_eq!(plan["time_range"]["from"], "2026-10-25T12:00:00Z", "{plan}");
    // "this quarter" is the quarter of --now, whatever the real date is.
    let reply = http_get(
        served.addr,
        "/v1/ask/stream?request=Ford%20cases%20per%20week%20this%20quarter",
    )
    .await;
    let events = sse_events(reply.split_once("\r\n\r\n").unwrap().1);
    assert_eq!(events[0].1["time_range"]["from"], "2026-10-01T00:00:00Z");
    let report = &events.last().unwrap().1;
    let series = report["sections"][0]["series"].as_array().unwrap();
    assert!(
        series.len() >= 8,
        "weeks of Q4 2026 up to {NOW}: {series:?}"
    );
    // A request that names its own clock keeps it.
    let reply = http_get(
        served.addr,
        "/v1/ask/stream?request=Ford%20cases%20in%20the%20last%2030%20days&now=2026-06-01T00:00:00Z",
    )
    .await;
    let events = sse_events(reply.split_once("\r\n\r\n").unwrap().1);
    assert_eq!(events[0].1["time_range"]["to"], "2026-06-01T00:00:00Z");
}

/// One JSON-RPC message to `/mcp` with the all-tenants token; the response.
async fn mcp(router: &Router, message: Value, session: Option<&str>) -> axum::response::Response {
    let mut request = Request::post("/mcp")
        .header(header::HOST, "127.0.0.1:8080")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-06-18")
        .header(header::AUTHORIZATION, format!("Bearer {ALL_TOKEN}"));
    if let Some(session) = session {
        request = request.header("mcp-session-id", session);
    }
    router
        .clone()
        .oneshot(request.body(Body::from(message.to_string())).unwrap())
        .await
        .unwrap()
}

/// The JSON-RPC reply in a body: plain JSON or the `data:` line of an SSE stream.
async fn mcp_reply(response: axum::response::Response) -> Value {
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&bytes);
    serde_json::from_str(&text).unwrap_or_else(|_| {
        text.lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
            .find(|v| v.get("id").is_some())
            .unwrap_or_else(|| panic!("no JSON-RPC reply in: {text}"))
    })
}

#[tokio::test]
async fn serve_now_is_also_the_clock_of_mcp_over_http() {
    let router = api(&[]);
    let initialize = serde_json::json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "orca-dashboard-test", "version": "0"}}
    });
    let response = mcp(&router, initialize, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let session = response.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_string();
    let initialized = serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let response = mcp(&router, initialized, Some(&session)).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let call = serde_json::json!({
        "jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "plan", "arguments": {"request": "Ford cases in the last 30 days"}}
    });
    let reply = mcp_reply(mcp(&router, call, Some(&session)).await).await;
    let plan = &reply["result"]["structuredContent"];
    assert_eq!(plan["time_range"]["to"], NOW, "{reply}");
}

// --- the stream's progress events ------------------------------------------------------------

#[tokio::test]
async fn progress_events_are_sent_only_when_asked_for() {
    let router = api(&["icm=error"]);
    let path = "/v1/ask/stream?request=cases%20and%20ICMs%20for%20Ford&no_cache=true";
    let (status, text) = get(&router, path, Some(ALL_TOKEN)).await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<String> = sse_events(&text).into_iter().map(|(e, _)| e).collect();
    assert_eq!(names, ["plan", "section", "section", "report"], "{text}");

    let (status, text) = get(&router, &format!("{path}&progress=true"), Some(ALL_TOKEN)).await;
    assert_eq!(status, StatusCode::OK);
    let events = sse_events(&text);
    let started: Vec<&Value> = events
        .iter()
        .filter(|(e, _)| e == "task_started")
        .map(|(_, d)| d)
        .collect();
    assert_eq!(started.len(), 2, "{text}");
    assert!(started.iter().all(|d| d["started_ms"].is_number()));
    let retries: Vec<&Value> = events
        .iter()
        .filter(|(e, _)| e == "task_retrying")
        .map(|(_, d)| d)
        .collect();
    // Three attempts in all for the failing incidents task: two retries, each said before.
    assert_eq!(retries.len(), 2, "{text}");
    assert!(retries.iter().all(|d| d["source"] == "icm"
        && d["at_ms"].as_f64().unwrap() >= 0.0
        && d["error"].as_str().unwrap().contains("injected")));
    assert_eq!(events.first().unwrap().0, "plan");
    assert_eq!(events.last().unwrap().0, "report");
    // Every progress event comes before its task's section.
    let section_at = events
        .iter()
        .position(|(e, d)| e == "section" && d["source"] == "icm")
        .unwrap();
    let last_retry_at = events
        .iter()
        .rposition(|(e, _)| e == "task_retrying")
        .unwrap();
    assert!(last_retry_at < section_at);
}

// --- GET /v1/docs ------------------------------------------------------------------------------

#[tokio::test]
async fn a_document_is_served_behind_the_token_gate() {
    let router = api(&[]);
    // The path as a docs section row names it.
    let (status, text) = get(
        &router,
        "/v1/ask/stream?request=known%20issues%20with%20sensitivity%20labels",
        Some(ALL_TOKEN),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let report = sse_events(&text).pop().unwrap().1;
    let row = &report["sections"][0]["rows"][0];
    let path = row["path"].as_str().expect("a docs row names its path");
    let url = format!("/v1/docs?path={}", path.replace('/', "%2F"));

    let (status, text) = get(&router, &url, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{text}");
    let (status, _) = get(&router, &url, Some("orca_not_a_token")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (status, text) = get(&router, &url, Some(ALL_TOKEN)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let doc = json(&text);
    assert_eq!(doc["path"], path);
    assert_eq!(doc["title"], row["title"]);
    assert!(doc["body"].as_str().unwrap().len() > 100, "{doc}");
    // Product documents belong to no tenant: a token scoped to one customer reads them too.
    let (status, _) = get(&router, &url, Some(FORD_TOKEN)).await;
    assert_eq!(status, StatusCode::OK);

    let (status, text) = get(&router, "/v1/docs?path=docs%2Fno-such.md", Some(ALL_TOKEN)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(json(&text)["error"]["code"], "not_found");
    for bad in [
        "/v1/docs",
        "/v1/docs?path=",
        "/v1/docs?path=%20",
        "/v1/docs?path=a%0Ab",
    ] {
        let (status, text) = get(&router, bad, Some(ALL_TOKEN)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {text}");
        assert_eq!(json(&text)["error"]["code"], "bad_request");
    }
    // The OpenAPI document lists the route.
    let (_, text) = get(&router, "/openapi.json", None).await;
    let doc = json(&text);
    assert!(doc["paths"]["/v1/docs"]["get"].is_object());
    assert!(doc["components"]["schemas"]["Stats"]["properties"]["requests_per_minute"].is_object());
}

// --- /v1/stats: health in plain words ---------------------------------------------------------

#[tokio::test]
async fn stats_say_which_source_fails_and_how_in_plain_words() {
    let router = api(&["icm=timeout"]);
    let (status, text) = get(&router, "/v1/stats", Some(ALL_TOKEN)).await;
    assert_eq!(status, StatusCode::OK);
    let stats = json(&text);
    assert_eq!(stats["requests_last_minute"], 0);
    assert_eq!(stats["requests_per_minute"].as_array().unwrap().len(), 10);
    assert!(
        stats["sources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["health"] == "unused")
    );

    for customer in ["Ford", "GM"] {
        let path = format!("/v1/ask/stream?request=cases%20and%20ICMs%20for%20{customer}");
        let (status, _) = get(&router, &path, Some(ALL_TOKEN)).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (_, text) = get(&router, "/v1/stats", Some(ALL_TOKEN)).await;
    let stats = json(&text);
    assert_eq!(stats["requests_last_minute"], 2);
    assert_eq!(
        stats["requests_per_minute"].as_array().unwrap().last(),
        Some(&Value::from(2))
    );
    let source = |key: &str| {
        stats["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["source"] == key)
            .unwrap()
            .clone()
    };
    let kusto = source("kusto");
    assert_eq!(kusto["health"], "healthy", "{kusto}");
    assert_eq!(kusto["failures_in_a_row"], 0);
    assert!(kusto["last_ok_at"].is_string());
    let icm = source("icm");
    assert_eq!(icm["health"], "failing", "{icm}");
    assert_eq!(icm["failures_in_a_row"], 2);
    assert_eq!(icm["timeouts_in_a_row"], 2);
    assert!(
        icm["last_failure"].as_str().unwrap().contains("timeout"),
        "{icm}"
    );
    assert!(icm["last_failure_at"].is_string());
    assert!(
        icm["retry_at"].is_null(),
        "not paused after two failures: {icm}"
    );
    assert_eq!(source("tenant")["health"], "unused");

    // Five failures in a row pause the source (its circuit opens): the stats say until when, and
    // a task skipped while it is paused does not count as one more failure.
    for customer in ["Toyota", "Contoso", "Fabrikam", "Ford"] {
        let path = format!("/v1/ask/stream?request=cases%20and%20ICMs%20for%20{customer}");
        let (status, _) = get(&router, &path, Some(ALL_TOKEN)).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (_, text) = get(&router, "/v1/stats", Some(ALL_TOKEN)).await;
    let stats = json(&text);
    let icm = stats["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == "icm")
        .unwrap();
    assert_eq!(icm["health"], "failing", "{icm}");
    assert_eq!(icm["failures_in_a_row"], 5, "{icm}");
    assert_eq!(icm["timeouts_in_a_row"], 5, "{icm}");
    assert_eq!(icm["skipped"], 1, "{icm}");
    let retry_at: DateTime<Utc> = icm["retry_at"].as_str().unwrap().parse().unwrap();
    assert!(retry_at > Utc::now(), "{icm}");
}

// --- the page ----------------------------------------------------------------------------------

#[tokio::test]
async fn the_page_is_one_self_contained_document() {
    let router = api(&[]);
    let (status, page) = get(&router, "/", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.starts_with("<!doctype html>"));
    // Every asset is inline: nothing is fetched from another origin (the SVG namespace is a
    // name, not a fetch).
    let page = page.replace("http://www.w3.org/2000/svg", "");
    for external in ["http://", "https://", "src=\"//", "href=\"//", "@import"] {
        assert!(
            !page.contains(external),
            "the page refers to {external}: {}",
            page.lines()
                .find(|l| l.contains(external))
                .unwrap_or_default()
        );
    }
    assert!(page.contains("<script>") && page.contains("<style>"));
    // It asks through the stream with progress events and keeps a token for the session only.
    assert!(page.contains("/v1/ask/stream"));
    assert!(page.contains("progress=true"));
    assert!(page.contains("sessionStorage"));
    assert!(!page.contains("localStorage"));
}
