//! `orca_core::analyze` on arbitrary UTF-8 with the demo registry and the default analyzer:
//! never panics, a request `check_request` refuses is never analyzed, and a plan only names
//! customers of the registry (right tenant for the name), with each resolved customer once.
#![no_main]

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use libfuzzer_sys::fuzz_target;
use orca_core::{Analyzer, Registry, analyze, check_request};

static REGISTRY: LazyLock<Registry> = LazyLock::new(|| {
    Registry::from_csv(orca_connectors::DEMO_REGISTRY_CSV.as_bytes())
        .expect("the demo registry loads")
        .0
});
static ANALYZER: LazyLock<Analyzer> = LazyLock::new(Analyzer::default);
static NOW: LazyLock<DateTime<Utc>> = LazyLock::new(|| {
    DateTime::parse_from_rfc3339("2026-11-24T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
});
static TENANTS: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    REGISTRY
        .customers()
        .iter()
        .map(|c| (c.tenant_id.clone(), c.name.clone()))
        .collect()
});

fuzz_target!(|request: &str| {
    let checked = check_request(request, &ANALYZER);
    let analyzed = analyze(request, &REGISTRY, &ANALYZER, *NOW);
    if checked.is_err() {
        assert!(
            analyzed.is_err(),
            "check_request refused {request:?} but analyze planned it"
        );
    }
    let Ok(plan) = analyzed else {
        return;
    };
    let mut seen = HashSet::new();
    for customer in &plan.customers {
        let name = TENANTS.get(&customer.tenant_id).unwrap_or_else(|| {
            panic!("{request:?} resolved a tenant outside the registry: {customer:?}")
        });
        assert_eq!(
            name, &customer.name,
            "{request:?}: name and tenant disagree"
        );
        assert!(
            (0.0..=1.0).contains(&customer.confidence),
            "{request:?}: confidence {}",
            customer.confidence
        );
        assert!(
            seen.insert(customer.tenant_id.clone()),
            "{request:?} resolved {} twice",
            customer.name
        );
    }
    // The plan is a public contract: it always serializes.
    serde_json::to_string(&plan).expect("a plan serializes");
});
