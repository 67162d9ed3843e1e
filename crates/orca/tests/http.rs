//! The HTTP API through `router().oneshot()`: every route and every error code, auth scopes (a
//! token for one tenant never receives another tenant's rows, also through the result cache, and
//! `scope: all` only sees permitted tenants), load shedding, the rate limit on paused time, and,
//! on real sockets, one round trip and graceful shutdown.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use common::NOW;
use orca::cli::CommonArgs;
use orca::config::{Config, RawConfig};
use orca::server::auth::{Auth, ScopeKind};
use orca::server::{self, AppState, ServerState};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt as _;

const FORD: &str = "a959ed19-58ec-5b04-a375-0e9a54aff769";
const TOYOTA: &str = "ceb4e8c9-5025-5f01-8536-77e4ee39672c";

const ALL_TOKEN: &str = "orca_all";
const FORD_TOKEN: &str = "orca_ford";
const TOYOTA_TOKEN: &str = "orca_toyota";
const IC_TOKEN: &str = "orca_ic";

fn config(faults: &[&str]) -> (Config, CommonArgs) {
    let common = CommonArgs {
        data: Some(PathBuf::from(common::small_store())),
        now: Some(common::now_utc()),
        ..CommonArgs::default()
    };
    let mut config = Config::resolve(RawConfig::default(), Path::new("."), &common).unwrap();
    config.engine.faults = faults.iter().map(|f| f.to_string()).collect();
    config.engine.seed = Some(7);
    (config, common)
}

fn tokens() -> Auth {
    Auth::from_records(&[
        common::token_record("all", ALL_TOKEN, ScopeKind::All, &[]),
        common::token_record("ford", FORD_TOKEN, ScopeKind::Tenants, &[FORD]),
        common::token_record("toyota", TOYOTA_TOKEN, ScopeKind::Tenants, &[TOYOTA]),
        common::token_record("ic", IC_TOKEN, ScopeKind::Segments, &["IC"]),
    ])
    .unwrap()
}

struct Api {
    state: AppState,
    router: Router,
}

/// A server over the shared store; `tune` adjusts the config first.
fn api_with(auth: Auth, faults: &[&str], tune: impl FnOnce(&mut Config)) -> Api {
    let (mut config, common) = config(faults);
    tune(&mut config);
    let orca = orca::app::open_service(config, &common).unwrap();
    let state = Arc::new(ServerState::new(orca, auth));
    Api {
        router: server::router(Arc::clone(&state)),
        state,
    }
}

fn api() -> Api {
    api_with(tokens(), &[], |_| {})
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    fn content_type(&self) -> &str {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

async fn send(router: &Router, request: Request<Body>) -> Reply {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    Reply {
        status,
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn get(path: &str, token: Option<&str>) -> Request<Body> {
    let mut r = Request::get(path);
    if let Some(t) = token {
        r = r.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    r.body(Body::empty()).unwrap()
}

fn post(path: &str, token: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut r = Request::post(path).header(header::CONTENT_TYPE, "application/json");
    if let Some(t) = token {
        r = r.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    r.body(body.into()).unwrap()
}

async fn ask(api: &Api, token: &str, body: Value) -> Reply {
    send(&api.router, post("/v1/ask", Some(token), body.to_string())).await
}

/// Every `TenantId` in every row of a report.
fn row_tenants(report: &Value) -> Vec<String> {
    report["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["rows"].as_array().unwrap().iter())
        .filter_map(|r| r["TenantId"].as_str().map(str::to_string))
        .collect()
}

// --- routes --------------------------------------------------------------------------------

#[tokio::test]
async fn healthz_and_readyz() {
    let api = api();
    let r = send(&api.router, get("/healthz", None)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json(), json!({"status": "ok"}));
    let r = send(&api.router, get("/readyz", None)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let body = r.json();
    assert_eq!(body["ready"], true);
    assert_eq!(body["store_reachable"], true);
    assert_eq!(body["registry_customers"], 30);
    let sources: Vec<&str> = body["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["kusto", "icm", "ado", "tenant", "docs"]);
    assert!(body["sources"][0]["breaker"] == "closed");
    // The checks of `orca doctor`: every source is the store's here, with its rows.
    for s in body["sources"].as_array().unwrap() {
        assert_eq!(s["connector"], "store", "{s}");
        assert_eq!(s["check_ok"], true, "{s}");
        assert!(
            s["check"].as_str().unwrap().contains("rows in the store's"),
            "{s}"
        );
    }
}

#[tokio::test]
async fn ask_returns_the_design_report() {
    let api = api();
    let r = ask(
        &api,
        ALL_TOKEN,
        json!({"request": "Show cases and ICMs for Ford", "now": NOW}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.content_type().starts_with("application/json"));
    let report = r.json();
    for key in [
        "request", "plan", "answer", "sections", "partial", "errors", "timings", "cache",
    ] {
        assert!(report.get(key).is_some(), "report lacks {key}");
    }
    assert_eq!(report["partial"], false);
    assert_eq!(report["sections"].as_array().unwrap().len(), 2);
    assert!(
        report["answer"]
            .as_str()
            .unwrap()
            .starts_with("Ford Motor Company:")
    );
    assert!(report["plan"].get("not_permitted").is_none());
}

#[tokio::test]
async fn ask_renders_text_and_markdown() {
    let api = api();
    let r = ask(
        &api,
        ALL_TOKEN,
        json!({"request": "How many cases does Ford have?", "format": "text", "now": NOW}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.content_type().starts_with("text/plain"));
    assert!(r.text.starts_with("Ford Motor Company:"), "{}", r.text);
    let r = ask(
        &api,
        ALL_TOKEN,
        json!({"request": "How many cases does Ford have?", "format": "markdown"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.content_type().starts_with("text/markdown"));
}

#[tokio::test]
async fn plan_runs_nothing() {
    let api = api();
    let body = json!({"request": "Show cases and ICMs for Ford", "now": NOW});
    let r = send(
        &api.router,
        post("/v1/plan", Some(ALL_TOKEN), body.to_string()),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let plan = r.json();
    assert_eq!(plan["strategy"], "parallel");
    assert_eq!(plan["data_sources"], json!(["kusto", "icm"]));
    assert_eq!(plan["customers"][0]["tenant_id"], FORD);
    let body = json!({"request": "Show cases for Ford", "format": "text"});
    let r = send(
        &api.router,
        post("/v1/plan", Some(ALL_TOKEN), body.to_string()),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.content_type().starts_with("text/plain"));
    // Nothing ran: no ask was counted.
    let stats = send(&api.router, get("/v1/stats", Some(ALL_TOKEN)))
        .await
        .json();
    assert_eq!(stats["asks"]["answered"], 0);
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

#[tokio::test]
async fn the_stream_sends_plan_then_sections_then_report() {
    let api = api();
    let r = send(
        &api.router,
        get(
            "/v1/ask/stream?request=cases%20and%20ICMs%20for%20Ford%20and%20Toyota",
            Some(ALL_TOKEN),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.content_type().starts_with("text/event-stream"));
    let events = sse_events(&r.text);
    let names: Vec<&str> = events.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(
        names,
        ["plan", "section", "section", "section", "section", "report"]
    );
    assert_eq!(events[0].1["tasks"].as_array().unwrap().len(), 4);
    assert_eq!(events[5].1["sections"].as_array().unwrap().len(), 4);
    // A request that cannot run is an error response, not a stream.
    let r = send(
        &api.router,
        get("/v1/ask/stream?request=%20", Some(ALL_TOKEN)),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = send(&api.router, get("/v1/ask/stream", Some(ALL_TOKEN))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.error_code(), "bad_request");
}

#[tokio::test]
async fn customers_lists_candidates() {
    let api = api();
    let r = send(&api.router, get("/v1/customers?q=Toyta", Some(ALL_TOKEN))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let body = r.json();
    assert_eq!(body["query"], "Toyta");
    assert_eq!(body["candidates"][0]["tenant_id"], TOYOTA);
    assert_eq!(body["candidates"][0]["match"], "fuzzy");
    for path in ["/v1/customers", "/v1/customers?q=%20%20"] {
        let r = send(&api.router, get(path, Some(ALL_TOKEN))).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}");
    }
}

#[tokio::test]
async fn stats_summarize_and_redact_other_tokens_requests() {
    let api = api();
    let r = ask(
        &api,
        FORD_TOKEN,
        json!({"request": "How many cases does Ford have?"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = ask(&api, ALL_TOKEN, json!({"request": "cases for Toyota"})).await;
    assert_eq!(r.status, StatusCode::OK);
    let mine = send(&api.router, get("/v1/stats", Some(FORD_TOKEN))).await;
    assert_eq!(mine.status, StatusCode::OK);
    let stats = mine.json();
    assert_eq!(stats["asks"]["answered"], 2);
    assert_eq!(stats["latency_ms"]["simple"]["count"], 2);
    assert!(stats["latency_ms"]["simple"]["p99_ms"].as_f64().unwrap() > 0.0);
    assert!(stats["sources"].as_array().unwrap().len() == 5);
    let recent = stats["recent"].as_array().unwrap();
    assert_eq!(recent.len(), 2);
    // Newest first: the other token's request is redacted, ours is shown.
    assert_eq!(recent[0]["request"], "[redacted]");
    assert_eq!(recent[0]["mine"], false);
    assert_eq!(recent[1]["request"], "How many cases does Ford have?");
    assert_eq!(recent[1]["mine"], true);
}

#[tokio::test]
async fn metrics_are_prometheus_text_with_bounded_labels() {
    let api = api();
    let r = ask(
        &api,
        ALL_TOKEN,
        json!({"request": "cases and ICMs for Ford"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = send(&api.router, get("/metrics", None)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.content_type().starts_with("application/openmetrics-text"));
    for series in [
        "orca_http_requests_total{route=\"/v1/ask\",method=\"POST\",status=\"200\"} 1",
        "orca_ask_duration_seconds_count{complexity=\"medium\",strategy=\"parallel\"} 1",
        "orca_task_duration_seconds_count{source=\"kusto\",status=\"ok\"} 1",
        "orca_breaker_state{source=\"icm\"} 0",
        "orca_in_flight_requests 0",
        "orca_queries_per_request_count 1",
        "orca_cache_hits_total",
        "orca_asks_total{outcome=\"ok\"} 1",
    ] {
        assert!(r.text.contains(series), "no `{series}` in\n{}", r.text);
    }
    assert!(
        !r.text.contains(FORD),
        "a tenant id leaked into the metrics"
    );
    assert!(
        !r.text.contains("Ford"),
        "a customer name leaked into the metrics"
    );
}

#[tokio::test]
async fn openapi_documents_every_route() {
    let api = api();
    let r = send(&api.router, get("/openapi.json", None)).await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/v1/ask",
        "/v1/plan",
        "/v1/ask/stream",
        "/v1/customers",
        "/v1/stats",
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
        "/",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is not documented");
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    // Without tokens the document declares no security.
    let open = api_with(Auth::disabled(), &[], |_| {});
    let doc = send(&open.router, get("/openapi.json", None)).await.json();
    assert!(doc["paths"]["/v1/ask"]["post"].get("security").is_none());
}

/// The document states the limits the server enforces: the configured request length, the
/// registry's name length.
#[tokio::test]
async fn openapi_states_the_configured_limits() {
    let api = api_with(tokens(), &[], |config| {
        let mut analyzer = config.analyzer.config().clone();
        analyzer.max_request_chars = 120;
        config.analyzer = analyzer.build().unwrap();
    });
    let doc = send(&api.router, get("/openapi.json", None)).await.json();
    for body in ["AskBody", "PlanBody"] {
        let limit = &doc["components"]["schemas"][body]["properties"]["request"]["maxLength"];
        assert_eq!(limit, 120, "{body}");
    }
    let param = |path: &str, name: &str| {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()["schema"]["maxLength"]
            .clone()
    };
    assert_eq!(param("/v1/ask/stream", "request"), 120);
    assert_eq!(
        param("/v1/customers", "q"),
        orca_core::registry::MAX_NAME_CHARS
    );
    let long = "cases for Ford ".repeat(10);
    let r = ask(&api, ALL_TOKEN, json!({ "request": long })).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
}

/// The report and plan bodies validate against the document's own `Report` and `Plan` schemas
/// (derived from the Rust types), for a plain count and for shaped answers.
#[tokio::test]
async fn bodies_validate_against_the_documented_schemas() {
    let api = api();
    let doc = send(&api.router, get("/openapi.json", None)).await.json();
    let validator = |name: &str| {
        let schema = &doc["components"]["schemas"][name];
        assert!(schema.is_object(), "no component {name}");
        jsonschema::draft202012::new(schema).unwrap()
    };
    let (report, plan) = (validator("Report"), validator("Plan"));
    for request in [
        "cases for Ford",
        "top 5 customers by Sev A cases",
        "GM cases by severity",
        "Ford cases per week this quarter",
    ] {
        let r = ask(&api, ALL_TOKEN, json!({ "request": request })).await;
        assert_eq!(r.status, StatusCode::OK, "{request}: {}", r.text);
        let errors: Vec<String> = report
            .iter_errors(&r.json())
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{request}: {errors:?}");
        let body = json!({ "request": request }).to_string();
        let r = send(&api.router, post("/v1/plan", Some(ALL_TOKEN), body)).await;
        assert!(plan.is_valid(&r.json()), "{request}: {}", r.text);
    }
    assert!(
        !report.is_valid(&json!({"request": "x"})),
        "the schema can fail"
    );
}

#[tokio::test]
async fn the_dashboard_is_served() {
    let api = api();
    let r = send(&api.router, get("/", None)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.content_type().starts_with("text/html"));
    assert!(r.text.contains("/v1/stats") && r.text.contains("/v1/ask/stream"));
}

// --- errors --------------------------------------------------------------------------------

#[tokio::test]
async fn bad_bodies_are_400_with_the_error_shape() {
    let api = api();
    let long = "a".repeat(4001);
    let cases: Vec<(&str, String)> = vec![
        ("not json", "{".to_string()),
        ("wrong type", json!({"request": 5}).to_string()),
        ("no request", json!({}).to_string()),
        (
            "unknown field",
            json!({"request": "cases for Ford", "x": 1}).to_string(),
        ),
        ("empty request", json!({"request": "  "}).to_string()),
        ("too long", json!({"request": long}).to_string()),
        (
            "bad now",
            json!({"request": "cases for Ford", "now": "yesterday"}).to_string(),
        ),
        (
            "bad format",
            json!({"request": "cases for Ford", "format": "pdf"}).to_string(),
        ),
        (
            "nothing to answer",
            json!({"request": "cases for Acme Rockets Corp"}).to_string(),
        ),
    ];
    for (what, body) in cases {
        for path in ["/v1/ask", "/v1/plan"] {
            if what == "nothing to answer" && path == "/v1/plan" {
                continue; // a plan that names nobody is still a plan
            }
            let r = send(&api.router, post(path, Some(ALL_TOKEN), body.clone())).await;
            assert_eq!(
                r.status,
                StatusCode::BAD_REQUEST,
                "{what} {path}: {}",
                r.text
            );
            assert_eq!(r.error_code(), "bad_request", "{what}");
            assert!(!r.json()["error"]["message"].as_str().unwrap().is_empty());
        }
    }
}

#[tokio::test]
async fn a_question_orca_cannot_answer_is_422() {
    let api = api();
    for path in ["/v1/ask", "/v1/plan"] {
        let body = json!({"request": "delete all cases for Ford"}).to_string();
        let r = send(&api.router, post(path, Some(ALL_TOKEN), body)).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            r.text
        );
        assert_eq!(r.error_code(), "cannot_answer");
        assert!(
            r.json()["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("Orca cannot answer this:")
        );
    }
}

#[tokio::test]
async fn a_body_over_64_kb_is_413() {
    let api = api();
    let body = json!({"request": "x".repeat(70 * 1024)}).to_string();
    let r = send(&api.router, post("/v1/ask", Some(ALL_TOKEN), body)).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.error_code(), "payload_too_large");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415() {
    let api = api();
    let request = Request::post("/v1/ask")
        .header(header::AUTHORIZATION, format!("Bearer {ALL_TOKEN}"))
        .body(Body::from("request=x"))
        .unwrap();
    let r = send(&api.router, request).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(r.error_code(), "unsupported_media_type");
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405() {
    let api = api();
    let r = send(&api.router, get("/v2/nothing", Some(ALL_TOKEN))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.error_code(), "not_found");
    let r = send(&api.router, get("/v1/ask", Some(ALL_TOKEN))).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.error_code(), "method_not_allowed");
    assert_eq!(r.headers[header::ALLOW], "POST");
    let delete = Request::builder()
        .method(Method::DELETE)
        .uri("/healthz")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        send(&api.router, delete).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
}

#[tokio::test]
async fn missing_or_unknown_tokens_are_401() {
    let api = api();
    for (token, path) in [
        (None, "/v1/stats"),
        (Some("orca_wrong"), "/v1/stats"),
        (None, "/v1/customers?q=Ford"),
        (None, "/v1/ask/stream?request=cases%20for%20Ford"),
    ] {
        let r = send(&api.router, get(path, token)).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(r.error_code(), "unauthorized");
        assert!(r.headers.contains_key(header::WWW_AUTHENTICATE));
    }
    let body = json!({"request": "cases for Ford"}).to_string();
    let r = send(&api.router, post("/v1/ask", None, body)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let basic = Request::get("/v1/stats")
        .header(header::AUTHORIZATION, "Basic b3JjYTpvcmNh")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        send(&api.router, basic).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Public routes need no token.
    for path in ["/healthz", "/readyz", "/metrics", "/openapi.json", "/"] {
        assert_eq!(
            send(&api.router, get(path, None)).await.status,
            StatusCode::OK
        );
    }
}

// --- auth scopes ---------------------------------------------------------------------------

#[tokio::test]
async fn a_customer_outside_the_scope_is_not_permitted_and_gets_no_data() {
    let api = api();
    let r = ask(
        &api,
        FORD_TOKEN,
        json!({"request": "Show cases and ICMs for Ford and Toyota"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let report = r.json();
    assert_eq!(
        report["plan"]["not_permitted"],
        json!([{"mention": "Toyota"}])
    );
    assert!(!r.text.contains(TOYOTA), "Toyota's tenant id leaked");
    assert!(!r.text.contains("Toyota Motor Corporation"));
    assert!(
        report["answer"]
            .as_str()
            .unwrap()
            .contains("You are not permitted to see \"Toyota\"")
    );
    for s in report["sections"].as_array().unwrap() {
        assert_eq!(s["customer"]["tenant_id"], FORD);
    }
    assert!(row_tenants(&report).iter().all(|t| t == FORD));
    assert!(!row_tenants(&report).is_empty());

    // Only a customer outside the scope: 403, no data.
    let r = ask(&api, FORD_TOKEN, json!({"request": "cases for Toyota"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert_eq!(r.error_code(), "not_permitted");
    assert!(!r.text.contains(TOYOTA));
    // The plan says the same, and the stream refuses.
    let body = json!({"request": "cases for Toyota"}).to_string();
    let plan = send(&api.router, post("/v1/plan", Some(FORD_TOKEN), body))
        .await
        .json();
    assert_eq!(plan["tasks"], json!([]));
    assert_eq!(plan["customers"], json!([]));
    let r = send(
        &api.router,
        get(
            "/v1/ask/stream?request=cases%20for%20Toyota",
            Some(FORD_TOKEN),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Resolution hides customers outside the scope.
    let r = send(&api.router, get("/v1/customers?q=Toyota", Some(FORD_TOKEN))).await;
    assert_eq!(r.json()["candidates"], json!([]));
}

#[tokio::test]
async fn cached_results_never_cross_scopes() {
    let api = api();
    // The all-tenants token warms whatever cache there is with every tenant's rows...
    for _ in 0..2 {
        let r = ask(
            &api,
            ALL_TOKEN,
            json!({"request": "open cases for all customers"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let tenants = row_tenants(&r.json());
        assert!(
            tenants.iter().any(|t| t != FORD),
            "the demo set has other tenants"
        );
    }
    // ...and a Ford-only token asking the same sees Ford's rows only, twice (cold and cached).
    for _ in 0..2 {
        let r = ask(
            &api,
            FORD_TOKEN,
            json!({"request": "open cases for all customers"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let report = r.json();
        assert_eq!(report["plan"]["permitted_tenants"], json!([FORD]));
        let tenants = row_tenants(&report);
        assert!(!tenants.is_empty());
        assert!(tenants.iter().all(|t| t == FORD), "{tenants:?}");
        assert!(
            report["answer"]
                .as_str()
                .unwrap()
                .starts_with("All customers you may see:")
        );
    }
    // The same named-customer query, cached for Ford's token, is refused to Toyota's.
    for _ in 0..2 {
        let r = ask(&api, FORD_TOKEN, json!({"request": "cases for Ford"})).await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let r = ask(&api, TOYOTA_TOKEN, json!({"request": "cases for Ford"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(!r.text.contains(FORD));
}

#[tokio::test]
async fn a_segment_token_sees_only_its_segment() {
    let api = api();
    let registry = api.state.orca.registry();
    let ic: Vec<String> = registry
        .customers()
        .iter()
        .filter(|c| c.segment.as_deref() == Some("IC"))
        .map(|c| c.tenant_id.clone())
        .collect();
    assert!(!ic.is_empty());
    let r = ask(
        &api,
        IC_TOKEN,
        json!({"request": "cases for all customers"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let report = r.json();
    let tenants = row_tenants(&report);
    assert!(!tenants.is_empty());
    assert!(tenants.iter().all(|t| ic.contains(t)), "{tenants:?}");
    // Ford is MCS: not permitted.
    let r = ask(
        &api,
        IC_TOKEN,
        json!({"request": "cases for Ford and Fabrikam"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let report = r.json();
    assert_eq!(
        report["plan"]["not_permitted"],
        json!([{"mention": "Ford"}])
    );
    assert!(!r.text.contains(FORD));
}

// --- limits --------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn the_rate_limit_answers_429_with_retry_after_then_refills() {
    let api = api_with(tokens(), &[], |c| {
        c.server.rate_limit_per_second = 1.0;
        c.server.rate_limit_burst = 2;
    });
    for _ in 0..2 {
        let r = send(&api.router, get("/v1/stats", Some(FORD_TOKEN))).await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let r = send(&api.router, get("/v1/stats", Some(FORD_TOKEN))).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.error_code(), "rate_limited");
    assert_eq!(r.headers[header::RETRY_AFTER], "1");
    // Another token has its own bucket.
    let r = send(&api.router, get("/v1/stats", Some(ALL_TOKEN))).await;
    assert_eq!(r.status, StatusCode::OK);
    tokio::time::advance(Duration::from_secs(1)).await;
    let r = send(&api.router, get("/v1/stats", Some(FORD_TOKEN))).await;
    assert_eq!(r.status, StatusCode::OK);
    let metrics = send(&api.router, get("/metrics", None)).await.text;
    assert!(metrics.contains("orca_rejected_requests_total{reason=\"rate_limited\"} 1"));
}

#[tokio::test]
async fn over_the_concurrency_limit_requests_are_shed_with_503() {
    let api = api_with(tokens(), &["kusto=slow:400"], |c| {
        c.server.max_in_flight = 1
    });
    let router = api.router.clone();
    let slow = tokio::spawn(async move {
        let body = json!({"request": "cases for Ford"}).to_string();
        send(&router, post("/v1/ask", Some(ALL_TOKEN), body)).await
    });
    // Wait until the slow ask holds the only slot.
    while api.state.metrics.in_flight.get() == 0 {
        tokio::task::yield_now().await;
    }
    let r = send(&api.router, get("/v1/stats", Some(FORD_TOKEN))).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.error_code(), "overloaded");
    assert_eq!(r.headers[header::RETRY_AFTER], "1");
    // Health stays up while the API is full.
    assert_eq!(
        send(&api.router, get("/healthz", None)).await.status,
        StatusCode::OK
    );
    assert_eq!(slow.await.unwrap().status, StatusCode::OK);
    assert_eq!(api.state.metrics.in_flight.get(), 0);
    let r = send(&api.router, get("/v1/stats", Some(FORD_TOKEN))).await;
    assert_eq!(r.status, StatusCode::OK);
}

// --- real sockets --------------------------------------------------------------------------

async fn http_get(addr: std::net::SocketAddr, path: &str) -> std::io::Result<String> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: orca\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await?;
    let mut out = String::new();
    stream.read_to_string(&mut out).await?;
    Ok(out)
}

async fn http_post(
    addr: std::net::SocketAddr,
    path: &str,
    token: &str,
    body: &str,
) -> std::io::Result<String> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: orca\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await?;
    let mut out = String::new();
    stream.read_to_string(&mut out).await?;
    Ok(out)
}

struct Running {
    addr: std::net::SocketAddr,
    shutdown: CancellationToken,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start(api: Api, grace: Duration) -> Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(server::serve(
        listener,
        api.router,
        api.state,
        shutdown.clone(),
        grace,
    ));
    Running {
        addr,
        shutdown,
        server,
    }
}

#[tokio::test]
async fn a_real_socket_round_trip() {
    let running = start(api(), Duration::from_secs(5)).await;
    let reply = http_get(running.addr, "/healthz").await.unwrap();
    assert!(reply.starts_with("HTTP/1.1 200 OK"), "{reply}");
    assert!(reply.ends_with("{\"status\":\"ok\"}"));
    let body = json!({"request": "How many cases does Ford have?"}).to_string();
    let reply = http_post(running.addr, "/v1/ask", ALL_TOKEN, &body)
        .await
        .unwrap();
    assert!(reply.starts_with("HTTP/1.1 200 OK"), "{reply}");
    assert!(reply.contains("\"answer\":\"Ford Motor Company:"));
    running.shutdown.cancel();
    running.server.await.unwrap().unwrap();
}

#[tokio::test]
async fn shutdown_finishes_in_flight_requests_then_stops() {
    let api = api_with(tokens(), &["kusto=slow:300"], |_| {});
    let metrics = Arc::clone(&api.state.metrics);
    let running = start(api, Duration::from_secs(5)).await;
    let addr = running.addr;
    let body = json!({"request": "cases for Ford"}).to_string();
    let in_flight = tokio::spawn(async move { http_post(addr, "/v1/ask", ALL_TOKEN, &body).await });
    while metrics.in_flight.get() == 0 {
        tokio::task::yield_now().await;
    }
    running.shutdown.cancel();
    let reply = in_flight.await.unwrap().unwrap();
    assert!(reply.starts_with("HTTP/1.1 200 OK"), "{reply}");
    assert!(
        reply.contains("\"partial\":false"),
        "the ask finished normally"
    );
    running.server.await.unwrap().unwrap();
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "the listener is closed"
    );
}

#[tokio::test]
async fn shutdown_cancels_asks_still_running_after_the_grace_period() {
    let api = api_with(tokens(), &["kusto=slow:8000"], |_| {});
    let metrics = Arc::clone(&api.state.metrics);
    let running = start(api, Duration::from_millis(100)).await;
    let addr = running.addr;
    let body = json!({"request": "cases for Ford"}).to_string();
    let in_flight = tokio::spawn(async move { http_post(addr, "/v1/ask", ALL_TOKEN, &body).await });
    while metrics.in_flight.get() == 0 {
        tokio::task::yield_now().await;
    }
    let started = std::time::Instant::now();
    running.shutdown.cancel();
    running.server.await.unwrap().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "shutdown took {:?}",
        started.elapsed()
    );
    // The cancelled ask still answered: its section was skipped, and it says why.
    let reply = in_flight.await.unwrap().unwrap();
    assert!(reply.starts_with("HTTP/1.1 200 OK"), "{reply}");
    assert!(reply.contains("\"status\":\"skipped\""), "{reply}");
}

/// Reads one HTTP/1.1 response (head and body, by Content-Length or chunked) from `stream`.
async fn read_response(
    stream: &mut tokio::io::BufReader<tokio::net::TcpStream>,
) -> std::io::Result<(String, Vec<u8>)> {
    use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _};
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if stream.read_line(&mut line).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
    }
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    };
    let mut body = Vec::new();
    if let Some(length) = header("content-length") {
        body.resize(length.parse().unwrap(), 0);
        stream.read_exact(&mut body).await?;
    } else if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        loop {
            let mut size = String::new();
            stream.read_line(&mut size).await?;
            let size = usize::from_str_radix(size.trim(), 16).unwrap();
            let mut chunk = vec![0; size + 2];
            stream.read_exact(&mut chunk).await?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    }
    Ok((head, body))
}

/// Waits until the server closes `stream` (EOF or reset); panics after `within`.
async fn closed_within(stream: &mut tokio::net::TcpStream, within: Duration) -> Duration {
    use tokio::io::AsyncReadExt as _;
    let started = std::time::Instant::now();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(within, stream.read(&mut buf)).await {
            Err(_) => panic!("the server kept the connection open for {within:?}"),
            Ok(Ok(0) | Err(_)) => return started.elapsed(),
            Ok(Ok(_)) => continue,
        }
    }
}

#[tokio::test]
async fn half_a_header_or_none_is_cut_off_after_the_header_read_timeout() {
    use tokio::io::AsyncWriteExt as _;
    let api = api_with(tokens(), &[], |c| {
        c.server.header_read_timeout_ms = 300;
        c.server.idle_timeout_ms = 60_000;
    });
    let running = start(api, Duration::from_secs(5)).await;
    let mut half = tokio::net::TcpStream::connect(running.addr).await.unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: orca\r\nX-Slow: ")
        .await
        .unwrap();
    let mut silent = tokio::net::TcpStream::connect(running.addr).await.unwrap();
    let took = closed_within(&mut half, Duration::from_secs(5)).await;
    assert!(took >= Duration::from_millis(200), "closed after {took:?}");
    closed_within(&mut silent, Duration::from_secs(5)).await;
    running.shutdown.cancel();
    running.server.await.unwrap().unwrap();
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_after_the_idle_timeout() {
    use tokio::io::AsyncWriteExt as _;
    let api = api_with(tokens(), &[], |c| {
        c.server.header_read_timeout_ms = 10_000;
        c.server.idle_timeout_ms = 400;
    });
    let running = start(api, Duration::from_secs(5)).await;
    let stream = tokio::net::TcpStream::connect(running.addr).await.unwrap();
    let mut stream = tokio::io::BufReader::new(stream);
    for _ in 0..2 {
        stream
            .get_mut()
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: orca\r\n\r\n")
            .await
            .unwrap();
        let (head, body) = read_response(&mut stream).await.unwrap();
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert_eq!(body, b"{\"status\":\"ok\"}");
    }
    let took = closed_within(stream.get_mut(), Duration::from_secs(5)).await;
    assert!(took >= Duration::from_millis(300), "closed after {took:?}");
    running.shutdown.cancel();
    running.server.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_request_being_answered_is_not_cut_by_the_header_clock() {
    let api = api_with(tokens(), &["kusto=slow:600"], |c| {
        c.server.header_read_timeout_ms = 200;
        c.server.idle_timeout_ms = 5_000;
    });
    let running = start(api, Duration::from_secs(5)).await;
    let body = json!({"request": "cases for Ford"}).to_string();
    let reply = http_post(running.addr, "/v1/ask", ALL_TOKEN, &body)
        .await
        .unwrap();
    assert!(reply.starts_with("HTTP/1.1 200 OK"), "{reply}");
    assert!(reply.contains("\"partial\":false"), "{reply}");
    running.shutdown.cancel();
    running.server.await.unwrap().unwrap();
}

#[tokio::test]
async fn streams_are_not_held_back_by_nagle_and_delayed_acks() {
    // Without TCP_NODELAY every event stream waited ~40 ms (Linux's shortest delayed ACK) for
    // the ACK of its first write before sending the rest. A cached ask streams in well under
    // that; the median of a dozen keeps one slow run on a busy machine from deciding.
    use tokio::io::AsyncWriteExt as _;
    let running = start(api(), Duration::from_secs(5)).await;
    let stream = tokio::net::TcpStream::connect(running.addr).await.unwrap();
    let mut stream = tokio::io::BufReader::new(stream);
    let request = format!(
        "GET /v1/ask/stream?request=How%20many%20cases%20does%20Ford%20have%3F HTTP/1.1\r\n\
         Host: orca\r\nAuthorization: Bearer {ALL_TOKEN}\r\n\r\n"
    );
    let mut took = Vec::new();
    for _ in 0..13 {
        let started = std::time::Instant::now();
        stream
            .get_mut()
            .write_all(request.as_bytes())
            .await
            .unwrap();
        let (head, body) = read_response(&mut stream).await.unwrap();
        took.push(started.elapsed());
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(String::from_utf8_lossy(&body).contains("event: report"));
    }
    took.sort();
    let median = took[took.len() / 2];
    assert!(
        median < Duration::from_millis(30),
        "median stream {median:?} (all: {took:?})"
    );
    running.shutdown.cancel();
    running.server.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_customer_name_with_a_control_character_is_400() {
    let api = api();
    for q in ["Ford%00", "Ford%0Amotors", "%1BFord"] {
        let r = send(
            &api.router,
            get(&format!("/v1/customers?q={q}"), Some(ALL_TOKEN)),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}: {}", r.text);
        assert_eq!(r.error_code(), "bad_request");
        assert!(
            r.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains("control character")
        );
    }
    let r = send(&api.router, get("/v1/customers?q=Ford", Some(ALL_TOKEN))).await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn headers_over_the_limits_are_431_with_a_json_body() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    // Through the router: one huge header.
    let api = api();
    let mut request = get("/healthz", None);
    request
        .headers_mut()
        .insert("x-pad", "a".repeat(40 * 1024).parse().unwrap());
    let r = send(&api.router, request).await;
    assert_eq!(r.status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    assert_eq!(r.error_code(), "headers_too_large");

    // Through a real socket: more headers than the limit (the parser alone would answer an
    // empty 431).
    let running = start(api, Duration::from_secs(5)).await;
    let mut stream = tokio::net::TcpStream::connect(running.addr).await.unwrap();
    let mut head = String::from("GET /v1/stats HTTP/1.1\r\nHost: orca\r\nConnection: close\r\n");
    for i in 0..150 {
        head.push_str(&format!("X-Pad-{i}: {i}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).await.unwrap();
    assert!(reply.starts_with("HTTP/1.1 431"), "{reply}");
    let body: Value = serde_json::from_str(reply.split("\r\n\r\n").nth(1).unwrap())
        .unwrap_or_else(|e| panic!("not JSON ({e}): {reply}"));
    assert_eq!(body["error"]["code"], "headers_too_large", "{body}");
    running.shutdown.cancel();
    running.server.await.unwrap().unwrap();
}

#[tokio::test]
async fn an_error_answered_in_plain_text_or_empty_leaves_as_json() {
    // Any layer that answers an error without a JSON body (a framework rejection, a plain
    // handler) is given the API's error body on the way out.
    let api = api();
    let extra = Router::new()
        .route(
            "/plain",
            axum::routing::get(|| async { (StatusCode::BAD_REQUEST, "a plain refusal") }),
        )
        .route(
            "/empty",
            axum::routing::get(|| async { StatusCode::BAD_REQUEST }),
        )
        .route(
            "/teapot",
            axum::routing::get(|| async { (StatusCode::IM_A_TEAPOT, [("retry-after", "3")]) }),
        );
    let router = server::router_with(Arc::clone(&api.state), extra);
    let r = send(&router, get("/plain", None)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.error_code(), "bad_request");
    assert_eq!(r.json()["error"]["message"], "a plain refusal");
    let r = send(&router, get("/empty", None)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["message"], "bad request");
    let r = send(&router, get("/teapot", None)).await;
    assert_eq!(r.status, StatusCode::IM_A_TEAPOT);
    assert!(r.json()["error"]["code"].is_string());
    assert_eq!(r.headers[header::RETRY_AFTER], "3", "headers are kept");
}
