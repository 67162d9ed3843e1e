//! The request bodies of the HTTP API and the MCP tools, as the server reads them: the first
//! byte picks the shape (`POST /v1/ask`, `POST /v1/plan`, MCP `ask`, `plan`, `resolve_customer`),
//! the rest is the body. A body that deserializes goes on to what the handlers do next: the
//! request's form check and analysis (the plan route's path), or resolution of a name.
//! Invariant: no input panics, and every resolved candidate is a registry customer.
#![no_main]

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use libfuzzer_sys::fuzz_target;
use orca::mcp::tools::{AskInput, PlanInput, ResolveInput};
use orca::server::routes::ask::{AskBody, PlanBody};
use orca_core::{Analyzer, Registry, analyze, check_request};

static REGISTRY: LazyLock<Registry> = LazyLock::new(|| {
    Registry::from_csv(orca_connectors::DEMO_REGISTRY_CSV.as_bytes())
        .expect("the demo registry loads")
        .0
});
static ANALYZER: LazyLock<Analyzer> = LazyLock::new(Analyzer::default);
static TENANTS: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    REGISTRY
        .customers()
        .iter()
        .map(|c| (c.tenant_id.clone(), c.name.clone()))
        .collect()
});

/// The clock of a body, as the handlers read it (RFC 3339), else a fixed one.
fn now(text: Option<&str>) -> DateTime<Utc> {
    text.and_then(|s| DateTime::parse_from_rfc3339(s.trim()).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| DateTime::from_timestamp(1_795_000_000, 0).unwrap())
}

/// What `/v1/ask`, `/v1/plan` and the MCP `ask`/`plan` tools do with a request before the
/// engine runs: the form check, then analysis.
fn plan(request: &str, now_text: Option<&str>) {
    if check_request(request, &ANALYZER).is_err() {
        return;
    }
    if let Ok(plan) = analyze(request, &REGISTRY, &ANALYZER, now(now_text)) {
        for customer in &plan.customers {
            assert_eq!(
                TENANTS.get(&customer.tenant_id),
                Some(&customer.name),
                "{request:?} resolved a customer outside the registry"
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&shape, body)) = data.split_first() else {
        return;
    };
    match shape % 5 {
        0 => {
            if let Ok(b) = serde_json::from_slice::<AskBody>(body) {
                plan(&b.request, b.now.as_deref());
            }
        }
        1 => {
            if let Ok(b) = serde_json::from_slice::<PlanBody>(body) {
                plan(&b.request, b.now.as_deref());
            }
        }
        2 => {
            if let Ok(b) = serde_json::from_slice::<AskInput>(body) {
                plan(&b.request, b.now.as_deref());
            }
        }
        3 => {
            if let Ok(b) = serde_json::from_slice::<PlanInput>(body) {
                plan(&b.request, b.now.as_deref());
            }
        }
        _ => {
            if let Ok(b) = serde_json::from_slice::<ResolveInput>(body) {
                for candidate in REGISTRY.resolve(&b.name) {
                    assert_eq!(
                        TENANTS.get(&candidate.tenant_id),
                        Some(&candidate.name),
                        "{:?} resolved a customer outside the registry",
                        b.name
                    );
                }
            }
        }
    }
});
