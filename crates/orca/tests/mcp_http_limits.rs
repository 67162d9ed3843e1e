//! `/mcp` under hostile load, through `router().oneshot()`: a session belongs to the token that
//! opened it (another token can neither use nor delete it: 404), sessions are capped per token
//! (429) and in all (503) with a Retry-After, idle ones expire and free their slot, the API's
//! rate limit and load shedding apply, and every error is a JSON-RPC error body.

mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use common::NOW;
use orca::config::Config;
use orca::server::auth::{Auth, ScopeKind, TokenRecord, hash_token};
use orca::server::{self, AppState, ServerState};
use serde_json::{Value, json};
use tower::ServiceExt as _;

const ALICE: &str = "orca_mcp_alice";
const BOB: &str = "orca_mcp_bob";

struct Mcp {
    state: AppState,
    router: Router,
}

/// `orca serve`'s router with two tokens (both may see everything), `tune` applied to the config.
fn mcp_with(faults: &[&str], tune: impl FnOnce(&mut Config)) -> Mcp {
    let common = common::common_args(common::service_data_dir());
    let mut config = orca::app::config(&common).unwrap();
    config.engine.faults = faults.iter().map(|f| f.to_string()).collect();
    tune(&mut config);
    let orca = orca::app::open_service(config, &common).unwrap();
    let record = |name: &str, token: &str| TokenRecord {
        name: name.into(),
        sha256: hash_token(token),
        scope: ScopeKind::All,
        tenants: vec![],
        segments: vec![],
        created_at: None,
    };
    let auth = Auth::from_records(&[record("alice", ALICE), record("bob", BOB)]).unwrap();
    let state = Arc::new(ServerState::new(orca, auth));
    Mcp {
        router: server::router(Arc::clone(&state)),
        state,
    }
}

#[derive(Debug)]
struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// The JSON-RPC message: the body itself, or the `data:` line of an SSE stream.
    fn message(&self) -> Value {
        if let Ok(value) = serde_json::from_str(&self.text) {
            return value;
        }
        self.text
            .lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
            .find(|v| v.get("id").is_some())
            .unwrap_or_else(|| panic!("no JSON-RPC message in: {}", self.text))
    }

    /// Checks the JSON-RPC error shape of an `/mcp` error and returns its `error` object.
    fn rpc_error(&self, status: StatusCode) -> Value {
        assert_eq!(self.status, status, "{}", self.text);
        assert!(
            self.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{:?}",
            self.headers
        );
        let body = self.json();
        assert_eq!(body["jsonrpc"], "2.0", "{body}");
        assert!(body["error"]["code"].is_i64(), "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
        assert_eq!(body["error"]["data"]["status"], status.as_u16(), "{body}");
        body["error"].clone()
    }
}

fn mcp_request(
    method: Method,
    token: Option<&str>,
    session: Option<&str>,
) -> axum::http::request::Builder {
    let mut builder = Request::builder()
        .method(method)
        .uri("/mcp")
        .header(header::HOST, "127.0.0.1:8080")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-06-18");
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    if let Some(session) = session {
        builder = builder.header("mcp-session-id", session);
    }
    builder
}

async fn send(router: &Router, request: Request<Body>) -> Reply {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024)
        .await
        .unwrap();
    Reply {
        status,
        headers,
        text: String::from_utf8_lossy(&body).into_owned(),
    }
}

async fn post(mcp: &Mcp, token: &str, session: Option<&str>, message: &Value) -> Reply {
    let request = mcp_request(Method::POST, Some(token), session)
        .body(Body::from(message.to_string()))
        .unwrap();
    send(&mcp.router, request).await
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

/// Opens a session with `token`: its id, or the refusal.
async fn open(mcp: &Mcp, token: &str) -> Result<String, Reply> {
    let reply = post(mcp, token, None, &initialize()).await;
    if reply.status != StatusCode::OK {
        return Err(reply);
    }
    let session = reply.headers["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_string();
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let reply = post(mcp, token, Some(&session), &initialized).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
    Ok(session)
}

async fn resolve(mcp: &Mcp, token: &str, session: &str) -> Reply {
    let call = json!({
        "jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "resolve_customer", "arguments": {"name": "Ford"}}
    });
    post(mcp, token, Some(session), &call).await
}

async fn delete(mcp: &Mcp, token: &str, session: &str) -> Reply {
    let request = mcp_request(Method::DELETE, Some(token), Some(session))
        .body(Body::empty())
        .unwrap();
    send(&mcp.router, request).await
}

#[tokio::test]
async fn a_session_belongs_to_the_token_that_opened_it() {
    let mcp = mcp_with(&[], |_| {});
    let session = open(&mcp, ALICE).await.unwrap();
    let mine = resolve(&mcp, ALICE, &session).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.text);
    assert_eq!(mine.message()["result"]["isError"], false);

    // To another token the session does not exist: it can neither use nor end it.
    let theirs = resolve(&mcp, BOB, &session).await;
    let error = theirs.rpc_error(StatusCode::NOT_FOUND);
    assert_eq!(error["code"], -32001, "{error}");
    assert!(!theirs.text.contains("Ford Motor"), "{}", theirs.text);
    delete(&mcp, BOB, &session)
        .await
        .rpc_error(StatusCode::NOT_FOUND);
    let stream = mcp_request(Method::GET, Some(BOB), Some(&session))
        .body(Body::empty())
        .unwrap();
    send(&mcp.router, stream)
        .await
        .rpc_error(StatusCode::NOT_FOUND);
    assert_eq!(resolve(&mcp, ALICE, &session).await.status, StatusCode::OK);

    // Its own token ends it; then it is gone for everyone.
    assert_eq!(
        delete(&mcp, ALICE, &session).await.status,
        StatusCode::ACCEPTED
    );
    resolve(&mcp, ALICE, &session)
        .await
        .rpc_error(StatusCode::NOT_FOUND);
    assert_eq!(mcp.state.mcp_sessions.open(), 0);
}

#[tokio::test]
async fn sessions_are_capped_per_token_and_in_all() {
    let mcp = mcp_with(&[], |c| {
        c.server.mcp_max_sessions = 3;
        c.server.mcp_max_sessions_per_token = 2;
    });
    let first = open(&mcp, ALICE).await.unwrap();
    open(&mcp, ALICE).await.unwrap();
    let refused = open(&mcp, ALICE).await.unwrap_err();
    let error = refused.rpc_error(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error["data"]["reason"], "too_many_sessions", "{error}");
    let retry: u64 = refused.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=300).contains(&retry), "Retry-After {retry}");

    open(&mcp, BOB).await.unwrap();
    let full = open(&mcp, BOB).await.unwrap_err();
    full.rpc_error(StatusCode::SERVICE_UNAVAILABLE);
    assert!(full.headers.contains_key(header::RETRY_AFTER));

    // Ending a session frees its slot.
    assert_eq!(
        delete(&mcp, ALICE, &first).await.status,
        StatusCode::ACCEPTED
    );
    open(&mcp, BOB).await.unwrap();
    assert_eq!(mcp.state.mcp_sessions.open(), 3);
    let metrics = send(
        &mcp.router,
        Request::get("/metrics").body(Body::empty()).unwrap(),
    )
    .await
    .text;
    assert!(
        metrics.contains("orca_rejected_requests_total{reason=\"too_many_sessions\"} 2"),
        "{metrics}"
    );
}

#[tokio::test]
async fn an_idle_session_expires_and_frees_its_slot() {
    let mcp = mcp_with(&[], |c| {
        c.server.mcp_session_idle_ms = 300;
        c.server.mcp_max_sessions_per_token = 1;
    });
    let session = open(&mcp, ALICE).await.unwrap();
    assert_eq!(resolve(&mcp, ALICE, &session).await.status, StatusCode::OK);
    let expired = async {
        while mcp.state.mcp_sessions.open() > 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), expired)
        .await
        .expect("the idle session expires");
    resolve(&mcp, ALICE, &session)
        .await
        .rpc_error(StatusCode::NOT_FOUND);
    open(&mcp, ALICE).await.expect("the slot is free again");
}

#[tokio::test(start_paused = true)]
async fn mcp_shares_the_api_rate_limit() {
    let mcp = mcp_with(&[], |c| {
        c.server.rate_limit_per_second = 1.0;
        c.server.rate_limit_burst = 2;
    });
    let stats = Request::get("/v1/stats")
        .header(header::AUTHORIZATION, format!("Bearer {ALICE}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&mcp.router, stats).await.status, StatusCode::OK);
    let first = post(&mcp, ALICE, None, &initialize()).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    // The third request of the burst of two, whichever door it takes.
    let limited = post(&mcp, ALICE, None, &initialize()).await;
    let error = limited.rpc_error(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error["data"]["reason"], "rate_limited", "{error}");
    assert_eq!(limited.headers[header::RETRY_AFTER], "1");
    // Another token has its own bucket; the bucket refills.
    assert_eq!(
        post(&mcp, BOB, None, &initialize()).await.status,
        StatusCode::OK
    );
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(
        post(&mcp, ALICE, None, &initialize()).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn mcp_calls_are_shed_when_the_server_is_full() {
    let mcp = mcp_with(&["kusto=slow:400"], |c| c.server.max_in_flight = 1);
    let session = open(&mcp, ALICE).await.unwrap();
    let router = mcp.router.clone();
    let slow = tokio::spawn(async move {
        let request = Request::post("/v1/ask")
            .header(header::AUTHORIZATION, format!("Bearer {BOB}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({"request": "cases for Ford", "now": NOW}).to_string(),
            ))
            .unwrap();
        send(&router, request).await
    });
    while mcp.state.metrics.in_flight.get() == 0 {
        tokio::task::yield_now().await;
    }
    let shed = resolve(&mcp, ALICE, &session).await;
    let error = shed.rpc_error(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(error["data"]["reason"], "overloaded", "{error}");
    assert_eq!(shed.headers[header::RETRY_AFTER], "1");
    assert_eq!(slow.await.unwrap().status, StatusCode::OK);
    assert_eq!(resolve(&mcp, ALICE, &session).await.status, StatusCode::OK);
    assert_eq!(mcp.state.metrics.in_flight.get(), 0);
}

#[tokio::test]
async fn every_mcp_error_is_a_json_rpc_error() {
    let mcp = mcp_with(&[], |_| {});
    let raw = |method: Method, token: Option<&str>, body: &str| {
        mcp_request(method, token, None)
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let init = initialize().to_string();

    // 401: no token (with the challenge header).
    let reply = send(&mcp.router, raw(Method::POST, None, &init)).await;
    reply.rpc_error(StatusCode::UNAUTHORIZED);
    assert!(reply.headers.contains_key(header::WWW_AUTHENTICATE));

    // 403: a foreign Origin (DNS rebinding protection).
    let mut request = raw(Method::POST, Some(ALICE), &init);
    request
        .headers_mut()
        .insert(header::ORIGIN, "https://evil.example".parse().unwrap());
    let error = send(&mcp.router, request)
        .await
        .rpc_error(StatusCode::FORBIDDEN);
    assert!(
        error["message"].as_str().unwrap().contains("Origin"),
        "{error}"
    );

    // 406: a client that does not accept event streams.
    let mut request = raw(Method::POST, Some(ALICE), &init);
    request
        .headers_mut()
        .insert(header::ACCEPT, "application/json".parse().unwrap());
    send(&mcp.router, request)
        .await
        .rpc_error(StatusCode::NOT_ACCEPTABLE);

    // 415: not JSON.
    let mut request = raw(Method::POST, Some(ALICE), &init);
    request
        .headers_mut()
        .insert(header::CONTENT_TYPE, "text/plain".parse().unwrap());
    send(&mcp.router, request)
        .await
        .rpc_error(StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // 400 with a parse error: malformed JSON (it used to be 415).
    let reply = send(
        &mcp.router,
        raw(Method::POST, Some(ALICE), "{\"jsonrpc\": \"2.0\", "),
    )
    .await;
    let error = reply.rpc_error(StatusCode::BAD_REQUEST);
    assert_eq!(error["code"], -32700, "{error}");
    assert!(reply.json()["id"].is_null());

    // 400 with Invalid Request: JSON that is no JSON-RPC message.
    let error = send(&mcp.router, raw(Method::POST, Some(ALICE), "[1, 2, 3]"))
        .await
        .rpc_error(StatusCode::BAD_REQUEST);
    assert_eq!(error["code"], -32600, "{error}");

    // 400: a call without a session.
    let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}).to_string();
    send(&mcp.router, raw(Method::POST, Some(ALICE), &call))
        .await
        .rpc_error(StatusCode::BAD_REQUEST);

    // 404: a session that does not exist.
    resolve(&mcp, ALICE, "no-such-session")
        .await
        .rpc_error(StatusCode::NOT_FOUND);

    // 405: a method /mcp does not take.
    send(&mcp.router, raw(Method::PUT, Some(ALICE), &init))
        .await
        .rpc_error(StatusCode::METHOD_NOT_ALLOWED);

    // 413: a body over [server] max_body_bytes.
    let big =
        json!({"jsonrpc": "2.0", "id": 3, "method": "ping", "params": {"pad": "x".repeat(70_000)}});
    send(
        &mcp.router,
        raw(Method::POST, Some(ALICE), &big.to_string()),
    )
    .await
    .rpc_error(StatusCode::PAYLOAD_TOO_LARGE);

    // 431: headers over the server's limits.
    let mut request = raw(Method::POST, Some(ALICE), &init);
    request
        .headers_mut()
        .insert("x-pad", "a".repeat(40 * 1024).parse().unwrap());
    send(&mcp.router, request)
        .await
        .rpc_error(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
}
