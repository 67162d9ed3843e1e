//! `POST /v1/ask`, `POST /v1/plan` and `GET /v1/ask/stream`: the service's ask and plan over
//! HTTP, restricted to the caller's permissions.
//!
//! The stream is Server-Sent Events: `plan` first, then one `section` per task as it finishes,
//! then `report` (or `error`). A client that goes away cancels its ask. The service records every
//! ask (answered or refused); these handlers only shape the responses.

use std::convert::Infallible;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Extension, Query, State};
use axum::http::header;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use orca_engine::EngineEvent;
use serde::Deserialize;
use tokio_stream::wrappers::ReceiverStream;
use utoipa::{IntoParams, ToSchema};

use crate::render;
use crate::schema::{PlanSchema, ReportSchema, SseEventSchema};
use crate::server::AppState;
use crate::server::auth::Principal;
use crate::server::error::{ApiError, ErrorBody, GuardErrors};
use crate::service::AskOptions;

/// How `/v1/ask` renders the report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AskFormat {
    /// The report as JSON (DESIGN section 5).
    #[default]
    Json,
    /// The CLI's text rendering (text/plain).
    Text,
    /// Markdown (text/markdown).
    Markdown,
}

/// How `/v1/plan` renders the plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanFormat {
    #[default]
    Json,
    Text,
}

/// The body of `POST /v1/ask`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AskBody {
    /// The request in plain words, e.g. "Show cases and ICMs for Ford".
    #[schema(
        min_length = 1,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^ \x00-\x1f\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00-\x1f\x7f-\x9f]*$",
        example = "How many cases does Contoso have?"
    )]
    pub request: String,
    #[serde(default)]
    pub format: Option<AskFormat>,
    /// The clock for relative time ranges (RFC 3339); the server's clock when absent.
    #[serde(default)]
    #[schema(format = DateTime, example = "2026-11-24T12:00:00Z")]
    pub now: Option<String>,
    /// Bypass the result cache for this ask.
    #[serde(default)]
    pub no_cache: bool,
}

/// The body of `POST /v1/plan`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanBody {
    /// The request in plain words.
    #[schema(
        min_length = 1,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^ \x00-\x1f\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00-\x1f\x7f-\x9f]*$",
        example = "Show cases and ICMs for Contoso"
    )]
    pub request: String,
    #[serde(default)]
    pub format: Option<PlanFormat>,
    /// The clock for relative time ranges (RFC 3339).
    #[serde(default)]
    #[schema(format = DateTime, example = "2026-11-24T12:00:00Z")]
    pub now: Option<String>,
    /// Accepted for symmetry with `/v1/ask`; planning never reads the cache.
    #[serde(default)]
    pub no_cache: bool,
}

/// The query string of `GET /v1/ask/stream`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamParams {
    /// The request in plain words.
    #[param(
        min_length = 1,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^ \x00-\x1f\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\x00-\x1f\x7f-\x9f]*$",
        example = "How many cases does Contoso have?"
    )]
    pub request: String,
    /// The clock for relative time ranges (RFC 3339).
    #[param(format = DateTime, example = "2026-11-24T12:00:00Z")]
    pub now: Option<String>,
    /// Bypass the result cache for this ask.
    pub no_cache: Option<bool>,
    /// Also send `task_started` (`{task_id, source, started_ms}`) when a task goes to its
    /// source and `task_retrying` (`{task_id, source, attempt, wait_ms, error, at_ms}`) before
    /// each retry, so a client can draw the tasks while they run (the dashboard's timeline).
    pub progress: Option<bool>,
}

/// The request's `now`, else the server's clock (`orca serve --now`), else `None` (the real one).
fn parse_now(state: &AppState, now: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    let parsed = now
        .map(|s| {
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| {
                    ApiError::bad_request(format!(
                        "`now` is not an RFC 3339 timestamp like 2026-11-24T12:00:00Z ({e})"
                    ))
                })
        })
        .transpose()?;
    Ok(parsed.or(state.default_now))
}

/// The options of an ask made over HTTP: the caller's permissions, cancelled on shutdown.
fn ask_options(
    state: &AppState,
    principal: &Principal,
    now: Option<DateTime<Utc>>,
    no_cache: bool,
) -> AskOptions {
    AskOptions {
        now,
        no_cache,
        permissions: Some(principal.permissions.clone()),
        caller: Some(principal.name.clone()),
        cancel: state.asks_cancel.child_token(),
        ..AskOptions::default()
    }
}

/// Plan, run and report one request.
#[utoipa::path(
    post,
    path = "/v1/ask",
    tag = "ask",
    request_body = AskBody,
    responses(
        (status = 200, description = "The report (DESIGN section 5); partial answers say what is missing", content(
            (ReportSchema = "application/json"),
            (String = "text/plain"),
            (String = "text/markdown"),
        )),
        (status = 400, description = "Bad body, empty or too long request, or nothing to answer", body = ErrorBody),
        (status = 403, description = "Every customer named is outside the token's scope", body = ErrorBody),
        (status = 413, description = "Body larger than server.max_body_bytes", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "A question Orca cannot answer with its data (a write, a forecast)", body = ErrorBody),
        GuardErrors,
    ),
    security(("bearer" = []))
)]
pub async fn ask(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    body: Result<Json<AskBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) = body?;
    let now = parse_now(&state, body.now.as_deref())?;
    let options = ask_options(&state, &principal, now, body.no_cache);
    let report = state.orca.ask(&body.request, options).await?;
    Ok(match body.format.unwrap_or_default() {
        AskFormat::Json => Json(report).into_response(),
        AskFormat::Text => text(
            render::report_text_width(&report, false, 100),
            "text/plain; charset=utf-8",
        ),
        AskFormat::Markdown => text(
            render::report_markdown(&report, false),
            "text/markdown; charset=utf-8",
        ),
    })
}

fn text(body: String, content_type: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// Plan a request; nothing runs.
#[utoipa::path(
    post,
    path = "/v1/plan",
    tag = "ask",
    request_body = PlanBody,
    responses(
        (status = 200, description = "The plan (DESIGN section 5)", content(
            (PlanSchema = "application/json"),
            (String = "text/plain"),
        )),
        (status = 400, description = "Bad body, empty or too long request", body = ErrorBody),
        (status = 413, description = "Body larger than server.max_body_bytes", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "A question Orca cannot answer with its data (a write, a forecast)", body = ErrorBody),
        GuardErrors,
    ),
    security(("bearer" = []))
)]
pub async fn plan(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    body: Result<Json<PlanBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) = body?;
    let now = parse_now(&state, body.now.as_deref())?;
    // Analysis stays on the async worker, as in every ask: the request is capped at
    // `max_request_chars` and the registry's work on it is bounded (`orca_core::registry`,
    // "Cost": about two milliseconds at worst), cheaper than a hop to the blocking pool.
    let plan = state
        .orca
        .plan_permitted(&body.request, now, Some(&principal.permissions))?;
    Ok(match body.format.unwrap_or_default() {
        PlanFormat::Json => Json(plan).into_response(),
        PlanFormat::Text => text(render::plan_text(&plan), "text/plain; charset=utf-8"),
    })
}

/// Plan, run and report one request as Server-Sent Events: `plan`, then `section` per finished
/// task, then `report` (or `error`); with `progress=true`, also `task_started` and
/// `task_retrying` while tasks run.
#[utoipa::path(
    get,
    path = "/v1/ask/stream",
    tag = "ask",
    params(StreamParams),
    responses(
        (status = 200, description = "An event stream: event `plan` (the plan JSON), `section` (one section JSON per finished task), then `report` (the report JSON) or `error` ({\"error\": {code, message}}); with `progress=true` also `task_started` ({task_id, source, started_ms}) and `task_retrying` ({task_id, source, attempt, wait_ms, error, at_ms})", content_type = "text/event-stream", body = SseEventSchema),
        (status = 400, description = "Bad query string, empty or too long request", body = ErrorBody),
        (status = 403, description = "Every customer named is outside the token's scope", body = ErrorBody),
        (status = 422, description = "A question Orca cannot answer with its data (a write, a forecast)", body = ErrorBody),
        GuardErrors,
    ),
    security(("bearer" = []))
)]
pub async fn stream(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    params: Result<Query<StreamParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params?;
    let now = parse_now(&state, params.now.as_deref())?;
    let options = ask_options(&state, &principal, now, params.no_cache.unwrap_or(false));
    // The plan first; a request that cannot run is an error response, not a stream.
    let planned = state.orca.plan_to_run(&params.request, &options)?;

    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Event, Infallible>>(64);
    let (events_tx, mut events_rx) = tokio::sync::mpsc::unbounded_channel::<EngineEvent>();
    let options = AskOptions {
        events: Some(events_tx),
        ..options
    };
    let cancel = options.cancel.clone();
    let progress = params.progress.unwrap_or(false);
    let first = json_event("plan", &planned.plan);
    tokio::spawn(async move {
        if tx.send(Ok(first)).await.is_err() {
            cancel.cancel();
            return;
        }
        let orca = state.orca.clone();
        // The engine counts a task's times from the start of its run, which begins now.
        let run_started = std::time::Instant::now();
        let mut ask = tokio::spawn(async move { orca.run(planned, options).await });
        let forward = |event: EngineEvent| match event {
            EngineEvent::TaskFinished(section) => Some(json_event("section", &section)),
            EngineEvent::TaskStarted {
                task_id,
                source,
                started_ms,
            } if progress => Some(json_event(
                "task_started",
                &serde_json::json!({"task_id": task_id, "source": source, "started_ms": started_ms}),
            )),
            EngineEvent::TaskRetrying {
                task_id,
                source,
                attempt,
                wait_ms,
                error,
            } if progress => Some(json_event(
                "task_retrying",
                &serde_json::json!({
                    "task_id": task_id,
                    "source": source,
                    "attempt": attempt,
                    "wait_ms": wait_ms,
                    "error": error,
                    "at_ms": run_started.elapsed().as_secs_f64() * 1e3,
                }),
            )),
            _ => None,
        };
        let result = loop {
            tokio::select! {
                biased;
                Some(event) = events_rx.recv() => {
                    if let Some(e) = forward(event)
                        && tx.send(Ok(e)).await.is_err()
                    {
                        // The client went away: stop the ask.
                        cancel.cancel();
                    }
                }
                joined = &mut ask => break joined,
            }
        };
        // Events sent just before the ask returned.
        while let Ok(event) = events_rx.try_recv() {
            if let Some(e) = forward(event) {
                let _ = tx.send(Ok(e)).await;
            }
        }
        let last = match result {
            Ok(report) => json_event("report", &report),
            Err(join_error) => error_event(ApiError::internal(join_error.to_string())),
        };
        let _ = tx.send(Ok(last)).await;
    });
    Ok(Sse::new(ReceiverStream::new(rx))
        .keep_alive(KeepAlive::default())
        .into_response())
}

/// The `error` event: the error body of the API, `{"error": {code, message}}`.
fn error_event(error: ApiError) -> Event {
    json_event(
        "error",
        &serde_json::json!({"error": {"code": error.code, "message": error.message}}),
    )
}

fn json_event<T: serde::Serialize>(name: &str, value: &T) -> Event {
    let data = serde_json::to_string(value).unwrap_or_else(|e| {
        format!("{{\"error\": {{\"code\": \"internal\", \"message\": \"{e}\"}}}}")
    });
    Event::default().event(name).data(data)
}
