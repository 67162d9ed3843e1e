//! `GET /openapi.json`: the OpenAPI 3.1 document, generated (utoipa) from the handlers' path
//! attributes and the body types they take and return.
//!
//! The plan and report types live in `orca-core`, which stays free of HTTP concerns, so their
//! schemas are described here by mirror types used for nothing else (`PlanSchema`,
//! `ReportSchema`, ...). They allow additional properties (DESIGN section 5: fields may be added,
//! never renamed); CI checks the document against real responses with schemathesis.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use super::AppState;
use super::routes;

/// The OpenAPI document; `auth` says whether the server checks bearer tokens (without it the
/// document declares no security, so it describes the server as it runs).
pub fn document(auth: bool) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    if !auth {
        if let Some(components) = doc.components.as_mut() {
            components.security_schemes.clear();
        }
        for item in doc.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                op.security = None;
            }
        }
    }
    doc
}

/// Serves the document rendered once at startup.
#[utoipa::path(get, path = "/openapi.json", tag = "meta",
    responses((status = 200, description = "This document", content_type = "application/json", body = Object)))]
pub async fn openapi_json(State(state): State<AppState>) -> Response {
    let body: Arc<str> = Arc::clone(&state.openapi_json);
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Orca API",
        description = "Answers plain-language questions about customers (cases, incidents, \
            work items, tenant health, docs). Bearer tokens are scoped to tenants, segments or \
            all; customers outside a token's scope are reported as not permitted."
    ),
    paths(
        routes::ask::ask,
        routes::ask::plan,
        routes::ask::stream,
        routes::customers::customers,
        routes::stats::stats,
        routes::health::healthz,
        routes::health::readyz,
        routes::health::metrics,
        openapi_json,
        super::dashboard::index,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "ask", description = "Plan and answer requests"),
        (name = "customers", description = "Customer resolution"),
        (name = "monitor", description = "Performance monitor"),
        (name = "health", description = "Health, readiness and metrics"),
        (name = "meta", description = "This document and the dashboard"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A token from `orca token add`"))
                    .build(),
            ),
        );
    }
}

// --- mirrors of the orca-core JSON shapes (schema only) ------------------------------------

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ComplexitySchema {
    Simple,
    Medium,
    Complex,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StrategySchema {
    Direct,
    Sequential,
    Parallel,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScopeSchema {
    Customers,
    All,
    None,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SectionStatusSchema {
    Ok,
    Error,
    Timeout,
    Skipped,
}

/// A mention resolved to one registry customer.
#[derive(Serialize, ToSchema)]
pub struct ResolvedCustomerSchema {
    pub name: String,
    pub tenant_id: String,
    pub mention: String,
    /// exact, alias, normalized or fuzzy.
    #[serde(rename = "match")]
    pub match_kind: String,
    pub confidence: f64,
    pub segment: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct UnresolvedSchema {
    pub mention: String,
    pub suggestions: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AmbiguousSchema {
    pub mention: String,
    pub candidates: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct NotPermittedSchema {
    /// The words of the request that named the customer.
    pub mention: String,
}

#[derive(Serialize, ToSchema)]
pub struct TimeRangeSchema {
    #[schema(format = DateTime)]
    pub from: String,
    #[schema(format = DateTime)]
    pub to: String,
    pub label: String,
    /// True when `to` itself is in the range (ranges that end now).
    pub to_inclusive: bool,
    /// created | closed | mitigated: the event the range filters on.
    pub event: String,
}

#[derive(Serialize, ToSchema)]
pub struct TaskSchema {
    pub id: String,
    pub agent: String,
    pub source: String,
    pub tenant_id: Option<String>,
    pub customer: Option<String>,
    pub depends_on: Vec<String>,
    pub critical: bool,
}

/// The plan (DESIGN section 5, `orca plan --format json`).
#[derive(Serialize, ToSchema)]
pub struct PlanSchema {
    pub request: String,
    /// One sentence restating what is answered: resolved names, filters, absolute dates.
    pub interpretation: String,
    /// Words of the request that were not understood, as written.
    pub not_understood: Vec<String>,
    /// count | list | lookup | rank | breakdown | trend | compare | aggregate | investigate | docs.
    pub intent: String,
    /// group_by, bucket, sort, limit, measure.
    #[schema(value_type = Object)]
    pub shape: serde_json::Value,
    pub complexity: ComplexitySchema,
    pub score: u32,
    pub factors: Vec<String>,
    pub strategy: StrategySchema,
    pub agents: Vec<String>,
    pub data_sources: Vec<String>,
    pub scope: ScopeSchema,
    pub cohort: Option<String>,
    pub customers: Vec<ResolvedCustomerSchema>,
    pub unresolved: Vec<UnresolvedSchema>,
    pub ambiguous: Vec<AmbiguousSchema>,
    pub time_range: Option<TimeRangeSchema>,
    /// status (open|closed|unresolved), severity, states, exclusions, product areas, age, owner,
    /// item ids: see `orca_core::Filters`.
    #[schema(value_type = Object)]
    pub filters: serde_json::Value,
    pub tasks: Vec<TaskSchema>,
    pub estimated_ms: u64,
    pub search_terms: Vec<String>,
    pub default_agents: bool,
    /// Customers named in the request that the token may not see.
    #[schema(nullable = false)]
    pub not_permitted: Option<Vec<NotPermittedSchema>>,
    /// For `scope: all` under a restricted token: the tenants queried.
    #[schema(nullable = false)]
    pub permitted_tenants: Option<Vec<String>>,
}

#[derive(Serialize, ToSchema)]
pub struct CustomerRefSchema {
    pub name: String,
    pub tenant_id: String,
}

/// The result of one task.
#[derive(Serialize, ToSchema)]
pub struct SectionSchema {
    pub task_id: String,
    pub agent: String,
    pub source: String,
    pub customer: Option<CustomerRefSchema>,
    pub status: SectionStatusSchema,
    #[schema(nullable = false)]
    pub reason: Option<String>,
    #[schema(value_type = Object)]
    pub summary: serde_json::Value,
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<serde_json::Value>,
    /// rank: [{customer: {name, tenant_id}, value}], ties kept (DESIGN section 9).
    #[schema(nullable = false, value_type = Option<Vec<Object>>)]
    pub ranking: Option<Vec<serde_json::Value>>,
    /// breakdown: [{key, value, share}].
    #[schema(nullable = false, value_type = Option<Vec<Object>>)]
    pub groups: Option<Vec<serde_json::Value>>,
    /// trend: [{start, end, value}], one per bucket.
    #[schema(nullable = false, value_type = Option<Vec<Object>>)]
    pub series: Option<Vec<serde_json::Value>>,
    /// day | week | month.
    #[schema(nullable = false)]
    pub bucket: Option<String>,
    /// list: {by, order}.
    #[schema(nullable = false, value_type = Option<Object>)]
    pub sort: Option<serde_json::Value>,
    #[schema(nullable = false)]
    pub limit: Option<u64>,
    #[schema(nullable = false)]
    pub truncated: Option<bool>,
    /// aggregate: the measured value.
    #[schema(nullable = false)]
    pub value: Option<f64>,
    /// compare and trend: {from_value, to_value, delta, pct, direction, from_label}.
    #[schema(nullable = false, value_type = Option<Object>)]
    pub change: Option<serde_json::Value>,
    /// compare of periods: this section's period.
    #[schema(nullable = false)]
    pub period: Option<String>,
    pub elapsed_ms: f64,
    pub cached: bool,
    pub attempts: u32,
    pub critical: bool,
    pub started_ms: f64,
    pub ended_ms: f64,
}

#[derive(Serialize, ToSchema)]
pub struct ReportErrorSchema {
    pub task_id: String,
    pub source: String,
    pub status: SectionStatusSchema,
    #[schema(nullable = false)]
    pub customer: Option<String>,
    pub reason: String,
    pub critical: bool,
}

#[derive(Serialize, ToSchema)]
pub struct TimingsSchema {
    pub total_ms: f64,
    pub analysis_us: f64,
    pub sequential_ms: f64,
    pub speedup: f64,
}

#[derive(Serialize, ToSchema)]
pub struct CacheStatsSchema {
    pub hits: u64,
    pub misses: u64,
    pub hit_rate: f64,
}

/// The name of a Server-Sent Event of `/v1/ask/stream`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SseEventName {
    Plan,
    Section,
    Report,
    Error,
}

/// One event of `/v1/ask/stream`: `data` is JSON text (the plan, a section, the report, or
/// `{"error": {code, message}}`).
#[derive(Serialize, ToSchema)]
pub struct SseEventSchema {
    pub event: SseEventName,
    pub data: String,
}

/// The report (DESIGN section 5, `orca ask --format json`).
#[derive(Serialize, ToSchema)]
pub struct ReportSchema {
    pub request: String,
    pub plan: PlanSchema,
    /// The human summary; its first line answers the question.
    pub answer: String,
    pub sections: Vec<SectionSchema>,
    pub partial: bool,
    pub errors: Vec<ReportErrorSchema>,
    pub timings: TimingsSchema,
    pub cache: CacheStatsSchema,
    pub unanswered: bool,
    /// An investigation's findings: [{text, evidence: [task ids]}], in order.
    #[schema(nullable = false, value_type = Option<Vec<Object>>)]
    pub findings: Option<Vec<serde_json::Value>>,
}
