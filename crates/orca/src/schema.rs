//! JSON Schemas of the plan and the report, derived from the `orca-core` types (schemars), for
//! every door that publishes one: the MCP tools' output schemas and the OpenAPI document.
//!
//! The schemas describe what Orca *writes* (the serialize contract: a field skipped when empty is
//! not required), follow JSON Schema 2020-12 (the dialect of MCP and of OpenAPI 3.1), and inline
//! every subschema, so a client that does not resolve `$ref` can still read them. Objects allow
//! additional properties: DESIGN section 5 lets fields be added, never renamed.

use std::borrow::Cow;
use std::sync::Arc;

use orca_core::{Plan, Report};
use rmcp::model::JsonObject;
use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::Value;
use utoipa::openapi::{ObjectBuilder, RefOr, Schema};

/// The schema of what Orca writes as `T`, as a JSON value.
pub fn of<T: JsonSchema>() -> Value {
    let mut settings = SchemaSettings::draft2020_12().for_serialize();
    settings.inline_subschemas = true;
    let mut value = settings
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value();
    if let Value::Object(map) = &mut value {
        map.remove("$schema");
    }
    value
}

/// The schema of `T` as the JSON object an MCP tool's output schema is.
pub fn object<T: JsonSchema>() -> Arc<JsonObject> {
    match of::<T>() {
        Value::Object(map) => Arc::new(map),
        _ => Arc::default(),
    }
}

/// A body named in the OpenAPI document (`/v1/ask`'s report, `/v1/plan`'s plan, an SSE event).
/// utoipa knows the name and the place; [`openapi_components`] supplies the schema itself.
macro_rules! openapi_body {
    ($(#[$doc:meta])* $ty:ident = $name:literal) => {
        $(#[$doc])*
        pub struct $ty;

        impl utoipa::PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new().into()
            }
        }

        impl utoipa::ToSchema for $ty {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }
        }
    };
}

openapi_body!(
    /// The report of DESIGN section 5 (`orca ask --format json`).
    ReportSchema = "Report"
);
openapi_body!(
    /// The plan of DESIGN section 5 (`orca plan --format json`).
    PlanSchema = "Plan"
);
openapi_body!(
    /// One Server-Sent Event of `/v1/ask/stream`.
    SseEventSchema = "SseEvent"
);

/// The component schemas the OpenAPI document names, by name.
pub fn openapi_components() -> [(&'static str, Value); 3] {
    [
        ("Report", of::<Report>()),
        ("Plan", of::<Plan>()),
        ("SseEvent", sse_event()),
    ]
}

/// `event` names what `data` holds: the plan JSON, one section JSON per finished task, then the
/// report JSON or `{"error": {code, message}}`; with `progress=true`, also `task_started` and
/// `task_retrying` while tasks run.
fn sse_event() -> Value {
    serde_json::json!({
        "type": "object",
        "description": "One event of /v1/ask/stream: `data` is JSON text (the plan, a section, the report, or {\"error\": {code, message}}; with progress=true also task_started {task_id, source, started_ms} and task_retrying {task_id, source, attempt, wait_ms, error, at_ms}).",
        "required": ["event", "data"],
        "properties": {
            "event": {"type": "string", "enum": ["plan", "section", "report", "error", "task_started", "task_retrying"]},
            "data": {"type": "string"}
        }
    })
}
