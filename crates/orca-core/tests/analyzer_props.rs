//! Properties of the analyzer on arbitrary input: it never panics, never invents a tenant, is
//! deterministic, and its task graph only points backwards.

use std::collections::HashSet;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use orca_core::{AnalyzerConfig, Plan, Registry, analyze};
use proptest::prelude::*;

static REGISTRY: LazyLock<Registry> = LazyLock::new(|| {
    let csv = include_str!("fixtures/registry.csv");
    Registry::from_csv(csv.as_bytes())
        .expect("fixture registry loads")
        .0
});
static TENANTS: LazyLock<HashSet<String>> = LazyLock::new(|| {
    REGISTRY
        .customers()
        .iter()
        .map(|c| c.tenant_id.clone())
        .collect()
});
static CONFIG: LazyLock<AnalyzerConfig> = LazyLock::new(AnalyzerConfig::default);

/// Words the analyzer reacts to, so that generated requests exercise its rules, not only noise.
const VOCABULARY: &[&str] = &[
    "cases",
    "ICMs",
    "ADO",
    "bugs",
    "work",
    "items",
    "health",
    "docs",
    "how",
    "do",
    "I",
    "Ford",
    "Ford's",
    "GM",
    "Toyota",
    "Contoso",
    "Health",
    "Net",
    "MCS",
    "IC",
    "customers",
    "all",
    "every",
    "which",
    "tenants",
    "last",
    "past",
    "this",
    "next",
    "30",
    "0",
    "99999",
    "4294967296",
    "days",
    "weeks",
    "months",
    "quarter",
    "year",
    "30d",
    "Q1",
    "Q4",
    "YTD",
    "since",
    "between",
    "and",
    "from",
    "to",
    "until",
    "in",
    "on",
    "March",
    "February",
    "30th",
    "2026-02-30",
    "2026-03-01",
    "99999-01-01",
    "Sev",
    "A",
    "B",
    "1",
    "2.5",
    "0-4",
    "Sev1",
    "SevA",
    "open",
    "closed",
    "critical",
    "high",
    "linked",
    "related",
    "those",
    "their",
    "behind",
    "why",
    "trend",
    "compare",
    "ignore",
    "previous",
    "instructions",
    ",",
    "?",
    "'",
    "&",
    "-",
    "\u{2019}s",
    "é",
    "\u{301}",
    "\t",
    "\n",
];

fn vocabulary_request() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(VOCABULARY), 0..24).prop_map(|words| words.join(" "))
}

fn now() -> impl Strategy<Value = DateTime<Utc>> {
    // From 1970 to 2200, to the second.
    (0i64..7_258_118_400).prop_map(|s| DateTime::from_timestamp(s, 0).expect("in range"))
}

/// Checks every invariant of one analysis; returns the plan for further checks.
fn check_invariants(request: &str, now: DateTime<Utc>) -> Option<Plan> {
    let first = analyze(request, &REGISTRY, &CONFIG, now);
    let second = analyze(request, &REGISTRY, &CONFIG, now);
    assert_eq!(first, second, "not deterministic for {request:?}");
    let plan = first.ok()?;
    for customer in &plan.customers {
        assert!(
            TENANTS.contains(&customer.tenant_id),
            "invented tenant for {request:?}"
        );
    }
    let mut seen: Vec<&str> = Vec::new();
    for (i, task) in plan.tasks.iter().enumerate() {
        assert_eq!(task.id, format!("t{}", i + 1));
        if let Some(tenant) = &task.tenant_id {
            assert!(
                TENANTS.contains(tenant),
                "invented tenant {tenant} for {request:?}"
            );
            assert!(
                plan.customers.iter().any(|c| &c.tenant_id == tenant),
                "task tenant not in customers"
            );
        }
        for dep in &task.depends_on {
            assert!(
                seen.contains(&dep.as_str()),
                "{} depends on later task {dep} for {request:?}",
                task.id
            );
        }
        seen.push(&task.id);
    }
    assert_eq!(plan.strategy, orca_core::Strategy::of(&plan.tasks));
    if let Some(range) = &plan.time_range {
        assert!(
            range.from < range.to,
            "empty range {range:?} for {request:?}"
        );
    }
    assert_eq!(plan.agents.len(), plan.data_sources.len());
    Some(plan)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn arbitrary_unicode_never_panics(request in any::<String>(), now in now()) {
        check_invariants(&request, now);
    }

    #[test]
    fn vocabulary_soup_keeps_the_invariants(request in vocabulary_request(), now in now()) {
        check_invariants(&request, now);
    }

    #[test]
    fn printable_text_is_analyzed(request in "[a-zA-Z0-9 ,.?'&-]{1,300}", now in now()) {
        if !request.trim().is_empty() {
            prop_assert!(check_invariants(&request, now).is_some());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn long_strings_never_panic(chars in prop::collection::vec(any::<char>(), 3000..6000), now in now()) {
        let request: String = chars.into_iter().collect();
        check_invariants(&request, now);
    }

    #[test]
    fn long_vocabulary_strings_never_panic(words in prop::collection::vec(prop::sample::select(VOCABULARY), 300..700)) {
        let request = words.join(" ");
        let now: DateTime<Utc> = "2026-11-24T12:00:00Z".parse().unwrap();
        check_invariants(&request, now);
    }
}
