//! `GET /openapi.json`: the OpenAPI 3.1 document, generated (utoipa) from the handlers' path
//! attributes and the body types they take and return.
//!
//! The plan and report schemas are derived from the `orca-core` types by schemars
//! ([`crate::schema`], the same schemas the MCP tools publish): utoipa places them by name and
//! [`document`] fills them in. They allow additional properties (DESIGN section 5: fields may be
//! added, never renamed); CI checks the document against real responses with schemathesis.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::AppState;
use super::routes;

/// The OpenAPI document as JSON; `auth` says whether the server checks bearer tokens (without it
/// the document declares no security, so it describes the server as it runs).
///
/// Length limits come from what the server enforces, not from attributes: a request's from
/// `max_request_chars` (`[analyzer]`), a customer name's from the registry's `MAX_NAME_CHARS`.
pub fn document(auth: bool, max_request_chars: usize) -> serde_json::Value {
    use serde_json::Value;
    let mut doc = serde_json::to_value(api_document(auth)).unwrap_or_default();
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in crate::schema::openapi_components() {
            schemas.insert(name.to_string(), schema);
        }
    }
    let mut max_length = |pointer: &str, limit: usize| {
        if let Some(Value::Object(schema)) = doc.pointer_mut(pointer) {
            schema.insert("maxLength".into(), limit.into());
        }
    };
    max_length(
        "/components/schemas/AskBody/properties/request",
        max_request_chars,
    );
    max_length(
        "/components/schemas/PlanBody/properties/request",
        max_request_chars,
    );
    let mut parameter = |path: &str, name: &str, limit: usize| {
        let pointer = format!("/paths/{}/get/parameters", path.replace('/', "~1"));
        let found = doc
            .pointer_mut(&pointer)
            .and_then(Value::as_array_mut)
            .and_then(|ps| ps.iter_mut().find(|p| p["name"] == name));
        if let Some(Value::Object(schema)) = found.map(|p| &mut p["schema"]) {
            schema.insert("maxLength".into(), limit.into());
        }
    };
    parameter("/v1/ask/stream", "request", max_request_chars);
    parameter("/v1/customers", "q", orca_core::registry::MAX_NAME_CHARS);
    parameter("/v1/docs", "path", routes::docs::MAX_PATH_CHARS);
    doc
}

fn api_document(auth: bool) -> utoipa::openapi::OpenApi {
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
        routes::docs::doc,
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
