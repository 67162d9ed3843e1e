//! MCP over streamable HTTP at `/mcp`, mounted in `orca serve`'s router, through
//! `router().oneshot()`: DNS rebinding protection (foreign `Origin` -> 403, foreign `Host` -> 403
//! on an unauthenticated loopback server), the API's bearer tokens (none -> 401), and tenant
//! scopes (a token for Ford's tenant cannot ask about, plan or resolve Toyota).

mod common;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::NOW;
use orca::server::auth::{Auth, ScopeKind, TokenRecord, hash_token};
use orca::server::{self, ServerState};
use serde_json::{Value, json};
use tower::ServiceExt as _;

const FORD_TOKEN: &str = "orca_mcp_ford";

/// The service over the demo store shared by the tests of this file.
fn orca_service() -> orca::service::Orca {
    common::open_service(common::service_data_dir(), &[])
}

/// `orca serve`'s router with one token, scoped to Ford's tenant.
fn app() -> Router {
    let orca = orca_service();
    let ford = orca.resolve("Ford")[0].tenant_id.clone();
    let auth = Auth::from_records(&[TokenRecord {
        name: "ford".into(),
        sha256: hash_token(FORD_TOKEN),
        scope: ScopeKind::Tenants,
        tenants: vec![ford],
        segments: vec![],
        created_at: None,
    }])
    .unwrap();
    server::router(Arc::new(ServerState::new(orca, auth)))
}

/// `orca serve`'s router without tokens (loopback only).
fn app_without_tokens() -> Router {
    server::router(Arc::new(ServerState::new(orca_service(), Auth::disabled())))
}

/// A JSON-RPC POST to `/mcp` (legacy session protocol, as today's desktop clients speak it).
fn post(session: Option<&str>) -> axum::http::request::Builder {
    let mut builder = Request::builder()
        .method("POST")
        .uri("/mcp")
        .header(header::HOST, "127.0.0.1:8080")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-06-18");
    if let Some(session) = session {
        builder = builder.header("mcp-session-id", session);
    }
    builder
}

fn request(message: &Value, session: Option<&str>, token: Option<&str>) -> Request<Body> {
    let mut builder = post(session);
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    builder.body(Body::from(message.to_string())).unwrap()
}

/// The JSON-RPC message in a response body: plain JSON, or the `data:` line of an SSE stream.
async fn message(response: axum::response::Response) -> Value {
    let body = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024)
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&body);
    if let Ok(value) = serde_json::from_str(&text) {
        return value;
    }
    text.lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
        .find(|v| v.get("id").is_some())
        .unwrap_or_else(|| panic!("no JSON-RPC response in: {text}"))
}

fn initialize() -> Value {
    json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "orca-test", "version": "0"}
        }
    })
}

/// Opens a session with a token and returns its id.
async fn open_session(app: &Router, token: &str) -> String {
    let response = app
        .clone()
        .oneshot(request(&initialize(), None, Some(token)))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let session = response
        .headers()
        .get("mcp-session-id")
        .expect("a session id")
        .to_str()
        .unwrap()
        .to_string();
    let init = message(response).await;
    assert_eq!(init["result"]["serverInfo"]["name"], "orca", "{init}");
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let response = app
        .clone()
        .oneshot(request(&initialized, Some(&session), Some(token)))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    session
}

async fn call_tool(
    app: &Router,
    session: &str,
    token: &str,
    name: &str,
    arguments: Value,
) -> Value {
    let call = json!({
        "jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": name, "arguments": arguments}
    });
    let response = app
        .clone()
        .oneshot(request(&call, Some(session), Some(token)))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let reply = message(response).await;
    reply
        .get("result")
        .cloned()
        .unwrap_or_else(|| panic!("{name}: {reply}"))
}

fn text(result: &Value) -> String {
    result["content"][0]["text"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

#[tokio::test]
async fn a_foreign_origin_is_refused_and_a_loopback_one_accepted() {
    let app = app();
    for origin in ["https://evil.example", "http://localhost.evil.example:8080"] {
        let mut req = request(&initialize(), None, Some(FORD_TOKEN));
        req.headers_mut()
            .insert(header::ORIGIN, origin.parse().unwrap());
        let response = app.clone().oneshot(req).await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{origin}");
    }
    for origin in ["http://localhost:6274", "http://127.0.0.1:8080"] {
        let mut req = request(&initialize(), None, Some(FORD_TOKEN));
        req.headers_mut()
            .insert(header::ORIGIN, origin.parse().unwrap());
        let response = app.clone().oneshot(req).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{origin}");
    }
}

#[tokio::test]
async fn a_foreign_host_is_refused_when_the_server_runs_without_tokens() {
    let app = app_without_tokens();
    let mut req = request(&initialize(), None, None);
    req.headers_mut()
        .insert(header::HOST, "attacker.example".parse().unwrap());
    let response = app.clone().oneshot(req).await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // From loopback, without tokens, the caller is the anonymous principal: it sees everything.
    let session = open_session(&app, "ignored").await;
    let toyota = call_tool(
        &app,
        &session,
        "ignored",
        "resolve_customer",
        json!({"name": "Toyota"}),
    )
    .await;
    assert_eq!(toyota["isError"], false, "{toyota}");
}

#[tokio::test]
async fn mcp_needs_a_bearer_token() {
    let app = app();
    let response = app
        .clone()
        .oneshot(request(&initialize(), None, None))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = app
        .clone()
        .oneshot(request(&initialize(), None, Some("orca_not_a_token")))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_token_for_one_tenant_cannot_read_another() {
    let app = app();
    let session = open_session(&app, FORD_TOKEN).await;

    let ford = call_tool(
        &app,
        &session,
        FORD_TOKEN,
        "ask",
        json!({"request": "cases for Ford", "now": NOW}),
    )
    .await;
    assert_eq!(ford["isError"], false, "{ford}");
    assert_eq!(ford["structuredContent"]["partial"], false);
    assert!(text(&ford).contains("Ford Motor Company"));

    let toyota = call_tool(
        &app,
        &session,
        FORD_TOKEN,
        "ask",
        json!({"request": "cases for Toyota", "now": NOW}),
    )
    .await;
    assert_eq!(toyota["isError"], true, "{toyota}");
    assert!(text(&toyota).contains("not permitted"), "{toyota}");
    assert!(
        !toyota.to_string().contains("Toyota Motor"),
        "no Toyota data: {toyota}"
    );

    let both = call_tool(
        &app,
        &session,
        FORD_TOKEN,
        "ask",
        json!({"request": "cases for Ford and Toyota", "now": NOW}),
    )
    .await;
    let sections = both["structuredContent"]["sections"].as_array().unwrap();
    assert_eq!(sections.len(), 1, "{both}");
    assert_eq!(sections[0]["customer"]["name"], "Ford Motor Company");

    let resolved = call_tool(
        &app,
        &session,
        FORD_TOKEN,
        "resolve_customer",
        json!({"name": "Toyota"}),
    )
    .await;
    assert_eq!(resolved["isError"], true, "{resolved}");
    assert_eq!(resolved["structuredContent"]["candidates"], json!([]));

    let plan = call_tool(
        &app,
        &session,
        FORD_TOKEN,
        "plan",
        json!({"request": "cases for Toyota"}),
    )
    .await;
    assert_eq!(plan["structuredContent"]["tasks"], json!([]), "{plan}");
    assert_eq!(plan["structuredContent"]["customers"], json!([]), "{plan}");
}

/// A GET with a bearer token through the same router.
async fn get_json(app: &Router, path: &str, token: &str) -> (StatusCode, String) {
    let request = Request::builder()
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1024 * 1024)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn an_ask_over_mcp_shows_in_the_stats_and_the_metrics() {
    let app = app();
    let session = open_session(&app, FORD_TOKEN).await;
    let request = "How many cases does Ford have?";
    let ford = call_tool(
        &app,
        &session,
        FORD_TOKEN,
        "ask",
        json!({"request": request, "now": NOW}),
    )
    .await;
    assert_eq!(ford["isError"], false, "{ford}");
    let refused = call_tool(
        &app,
        &session,
        FORD_TOKEN,
        "ask",
        json!({"request": "cases for Toyota", "now": NOW}),
    )
    .await;
    assert_eq!(refused["isError"], true, "{refused}");

    let (status, text) = get_json(&app, "/v1/stats", FORD_TOKEN).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let stats: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(stats["asks"]["answered"], 1, "{stats}");
    assert_eq!(stats["asks"]["rejected"], 1, "{stats}");
    let recent = stats["recent"].as_array().unwrap();
    assert_eq!(recent.len(), 2, "{stats}");
    assert_eq!(recent[1]["request"], request);
    assert_eq!(recent[1]["mine"], true, "asked with the same token");
    assert_eq!(recent[0]["outcome"], "not_permitted");

    let (status, metrics) = get_json(&app, "/metrics", FORD_TOKEN).await;
    assert_eq!(status, StatusCode::OK);
    for series in [
        "orca_asks_total{outcome=\"ok\"} 1",
        "orca_asks_total{outcome=\"not_permitted\"} 1",
        "orca_ask_duration_seconds_count{complexity=\"simple\",strategy=\"direct\"} 1",
    ] {
        assert!(metrics.contains(series), "no `{series}` in\n{metrics}");
    }

    // The MCP `stats` tool reads the same record.
    let mcp_stats = call_tool(&app, &session, FORD_TOKEN, "stats", json!({})).await;
    assert_eq!(mcp_stats["structuredContent"]["asks"]["served"], 1);
    assert_eq!(mcp_stats["structuredContent"]["asks"]["rejected"], 1);
}
