//! A loopback Azure Data Explorer: `POST /v2/rest/query` on 127.0.0.1 over the fixture's rows,
//! speaking the documented v2 REST format, so the Kusto connector (and the official
//! `azure-kusto-data` Python client, `tests/kusto/run.sh`) can be tested without a cluster.
//!
//! - Request: `{"db", "csl", "properties"}` (`properties` as an object, or as a JSON string the
//!   way the Python client sends it) with `Authorization: Bearer <token>` (401 otherwise). The
//!   CSL is parsed and run by a small KQL interpreter (`kql.rs`, `eval.rs`) with the declared
//!   `query_parameters` bound from `properties.Parameters`.
//! - Answer: the v2 frame array (`DataSetHeader`, a `QueryProperties` table, one `PrimaryResult`
//!   table per tabular statement with `Columns [{ColumnName, ColumnType}]` and `Rows`, a
//!   `QueryCompletionInformation` table, `DataSetCompletion`).
//! - KQL outside the subset, an unknown column or table, or a type error is a 400 with a Kusto
//!   error body (`Kusto.Data.Exceptions.SyntaxException` / `SemanticException`): a connector
//!   bug shows up as a failure, never as a silently wrong answer.
//! - Tables: `cases`, `incidents`, `work_items`, `tenant_metrics` with DESIGN section 6 names and
//!   Kusto types (timestamps `datetime`, ids and incident severities `long`, metric values
//!   `real`); a missing optional text is `""` as Kusto strings are never null.
//!
//! [`FaultSwitch`]: every later call answers with a status (and Retry-After), or hangs; the CSL
//! texts received are recorded. [`KustoFake::answer_with`] makes later calls answer a given body
//! (frame edge cases: errors inside rows, `HasErrors`, a missing table).

mod eval;
mod expr;
mod frames;
mod functions;
mod kql;
mod lex;
mod summarize;
mod values;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use orca_connectors::DataSet;
use orca_connectors::sources::Tables;
use serde_json::{Value as Json, json};

use crate::conformance::{FakeFault, FaultSwitch};
use crate::fixture::Fixture;

/// The fake's shared state.
struct Shared {
    tables: HashMap<String, values::Frame>,
    token: String,
    fault: Mutex<FakeFault>,
    texts: Mutex<Vec<String>>,
    canned: Mutex<Option<Json>>,
}

/// The fake cluster: serves until dropped.
pub struct KustoFake {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for KustoFake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KustoFake")
            .field("addr", &self.addr)
            .finish()
    }
}

impl Drop for KustoFake {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The switch of a running fake (shared with the conformance suite).
struct Switch(Arc<Shared>);

impl FaultSwitch for Switch {
    fn set(&self, fault: FakeFault) {
        *lock(&self.0.fault) = fault;
    }

    fn take_query_texts(&self) -> Vec<String> {
        std::mem::take(&mut *lock(&self.0.texts))
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl KustoFake {
    /// The bearer token the fake accepts.
    pub const TOKEN: &'static str = "orca-kusto-fake-token";
    /// The database name the fake answers for (any other is a 400, as Kusto answers).
    pub const DATABASE: &'static str = "Fixture";

    /// Serves the fixture's rows.
    pub async fn start(fixture: &Fixture) -> KustoFake {
        Self::serve(&fixture.data).await
    }

    /// Serves the fixture's rows under a team's own table and column names (`names` as a
    /// `[sources.*.tables]` mapping would read them), for the mapping's end-to-end test.
    pub async fn start_renamed(fixture: &Fixture, names: &Tables) -> KustoFake {
        Self::serve_tables(values::renamed(values::tables(&fixture.data), names)).await
    }

    /// Serves `data`'s rows on 127.0.0.1 (an ephemeral port).
    pub async fn serve(data: &DataSet) -> KustoFake {
        Self::serve_tables(values::tables(data)).await
    }

    async fn serve_tables(tables: HashMap<String, values::Frame>) -> KustoFake {
        let shared = Arc::new(Shared {
            tables,
            token: Self::TOKEN.to_string(),
            fault: Mutex::new(FakeFault::None),
            texts: Mutex::new(Vec::new()),
            canned: Mutex::new(None),
        });
        let app = Router::new()
            .route("/v2/rest/query", post(query))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port for the Kusto fake");
        let addr = listener.local_addr().expect("the fake's address");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        KustoFake {
            addr,
            shared,
            server,
        }
    }

    /// The cluster URL (`http://127.0.0.1:<port>`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The fault switch.
    pub fn switch(&self) -> Arc<dyn FaultSwitch> {
        Arc::new(Switch(self.shared.clone()))
    }

    /// Later successful calls answer `body` (a v2 frame array, or anything) instead of running
    /// their query; `None` runs queries again.
    pub fn answer_with(&self, body: Option<Json>) {
        *lock(&self.shared.canned) = body;
    }
}

/// A Kusto-style error answer.
fn error(status: StatusCode, code: &str, kind: &str, message: &str, permanent: bool) -> Response {
    let body = json!({
        "error": {
            "code": code,
            "message": if status == StatusCode::BAD_REQUEST {
                "Request is invalid and cannot be executed."
            } else {
                message
            },
            "@type": format!("Kusto.Data.Exceptions.{kind}"),
            "@message": message,
            "@context": {
                "timestamp": chrono::Utc::now().to_rfc3339(),
                "serviceAlias": "ORCA-KUSTO-FAKE",
                "machineName": "loopback",
                "clientRequestId": "",
            },
            "@permanent": permanent,
        }
    });
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

async fn query(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: String) -> Response {
    let request: Json = match serde_json::from_str(&body) {
        Ok(v) => v,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                "BadRequest_InvalidPayload",
                "BadRequestException",
                &format!("The request body is not JSON: {e}"),
                true,
            );
        }
    };
    let csl = request.get("csl").and_then(Json::as_str).unwrap_or("");
    lock(&shared.texts).push(csl.to_string());

    let fault = lock(&shared.fault).clone();
    match fault {
        FakeFault::None => {}
        FakeFault::Hang => std::future::pending::<()>().await,
        FakeFault::Status {
            code,
            retry_after_secs,
        } => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = error(
                status,
                status.canonical_reason().unwrap_or("Error"),
                "KustoServiceException",
                &format!("The fake was told to answer {code}."),
                !matches!(code, 429 | 500..=599),
            );
            if let Some(secs) = retry_after_secs {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            return response;
        }
    }

    let expected = format!("Bearer {}", shared.token);
    let authorized = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == expected);
    if !authorized {
        return error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "UnauthorizedOperationException",
            "Unauthorized: the request carries no valid bearer token.",
            true,
        );
    }
    if let Some(canned) = lock(&shared.canned).clone() {
        return json_response(canned);
    }
    let db = request.get("db").and_then(Json::as_str).unwrap_or("");
    if db != KustoFake::DATABASE {
        return error(
            StatusCode::BAD_REQUEST,
            "General_BadRequest",
            "EntityNotFoundException",
            &format!("Entity ID '{db}' of kind 'Database' was not found."),
            true,
        );
    }
    // `properties` is an object, or a JSON string holding one (the Python client's way).
    let properties = match request.get("properties") {
        Some(Json::String(text)) => serde_json::from_str(text).unwrap_or(Json::Null),
        Some(other) => other.clone(),
        None => Json::Null,
    };
    let parameters = properties
        .get("Parameters")
        .and_then(Json::as_object)
        .cloned()
        .unwrap_or_default();
    match eval::run(csl, &parameters, &shared.tables) {
        Ok(results) => json_response(frames::dataset(&results)),
        Err(e) => error(
            StatusCode::BAD_REQUEST,
            "General_BadRequest",
            e.kind,
            &e.message,
            true,
        ),
    }
}

fn json_response(body: Json) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}
