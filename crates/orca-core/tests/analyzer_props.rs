//! Properties of the analyzer on arbitrary input: it never panics, never invents a tenant, is
//! deterministic, and its task graph only points backwards.

use std::collections::HashSet;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use orca_core::{AnalyzeError, Analyzer, Plan, Registry, analyze};
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
static ANALYZER: LazyLock<Analyzer> = LazyLock::new(Analyzer::default);

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
    let first = analyze(request, &REGISTRY, &ANALYZER, now);
    let second = analyze(request, &REGISTRY, &ANALYZER, now);
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
    fn printable_text_is_analyzed_or_refused_for_a_reason(request in "[a-zA-Z0-9 ,.?'&-]{1,300}", now in now()) {
        if !request.trim().is_empty() {
            // Refusals are only for what the request says: filler only, or an impossible range.
            match analyze(&request, &REGISTRY, &ANALYZER, now) {
                Ok(_)
                | Err(AnalyzeError::Nothing)
                | Err(AnalyzeError::BadTimeRange(_))
                | Err(AnalyzeError::CannotAnswer(_)) => {}
                Err(e) => prop_assert!(false, "{request:?}: {e}"),
            }
            check_invariants(&request, now);
        }
    }

    /// DESIGN section 8: requests built from registry names (any case, up to two typos), data
    /// words, time phrases and filler resolve no tenant outside the customers they mention, and
    /// are about all customers only when they say all, every or a cohort.
    #[test]
    fn named_customers_never_widen(request in named_request()) {
        let now: DateTime<Utc> = "2026-11-24T12:00:00Z".parse().unwrap();
        let Ok(plan) = analyze(&request.text, &REGISTRY, &ANALYZER, now) else { return Ok(()); };
        for c in &plan.customers {
            prop_assert!(
                request.mentioned.contains(&c.tenant_id),
                "{:?} resolved {} which it does not mention", request.text, c.name
            );
        }
        // A request that names a customer is about all customers only when it says so. (One
        // that names none, "open cases", is about the whole book: DESIGN section 5.)
        if plan.scope == orca_core::Scope::All && !request.mentioned.is_empty() {
            prop_assert!(request.says_all, "{:?} widened to all customers", request.text);
        }
    }
}

/// A generated request and what it mentions.
#[derive(Debug, Clone)]
struct Named {
    text: String,
    /// Tenants of the customers whose name or alias the request uses.
    mentioned: HashSet<String>,
    says_all: bool,
}

const DATA_WORDS: &[&str] = &[
    "cases",
    "ICMs",
    "incidents",
    "ADO bugs",
    "work items",
    "tenant health",
    "Sev A cases",
    "open cases",
];
const TIME_WORDS: &[&str] = &[
    "",
    "last week",
    "in the last 30 days",
    "this month",
    "since March 1",
    "in Q3",
    "yesterday",
];
const FILLER: &[&str] = &[
    "",
    "show me",
    "how many",
    "please",
    "give me the",
    "what about",
    "list",
];
const SCOPE_WORDS: &[&str] = &[
    "all customers",
    "every customer",
    "MCS customers",
    "for all IC accounts",
];

fn typo(name: &str, seed: usize) -> String {
    // Swap two neighbouring letters somewhere past the first (a typical typing slip).
    let chars: Vec<char> = name.chars().collect();
    if chars.len() < 5 {
        return name.to_string();
    }
    let i = 1 + seed % (chars.len() - 2);
    let mut out = chars.clone();
    if out[i].is_alphabetic() && out[i + 1].is_alphabetic() {
        out.swap(i, i + 1);
    }
    out.into_iter().collect()
}

fn named_request() -> impl Strategy<Value = Named> {
    let customers = REGISTRY.customers().len();
    (
        prop::collection::vec(
            (0..customers, 0u8..3, 0u8..3, any::<usize>(), any::<bool>()),
            0..3,
        ),
        prop::sample::select(DATA_WORDS),
        prop::sample::select(TIME_WORDS),
        prop::sample::select(FILLER),
        prop::option::weighted(0.2, prop::sample::select(SCOPE_WORDS)),
    )
        .prop_map(|(picks, data, time, filler, scope)| {
            let mut mentioned = HashSet::new();
            let mut names: Vec<String> = Vec::new();
            for (index, case, typos, seed, alias) in picks {
                let c = &REGISTRY.customers()[index];
                let written = match (alias, c.aliases.first()) {
                    (true, Some(a)) => a.clone(),
                    _ => c.name.clone(),
                };
                let mut written = match case {
                    0 => written,
                    1 => written.to_lowercase(),
                    _ => written.to_uppercase(),
                };
                for t in 0..typos {
                    written = typo(&written, seed.wrapping_add(t as usize * 7));
                }
                // Customers that share the written words are mentioned too (an ambiguity).
                for other in REGISTRY.customers() {
                    let same = |n: &str| {
                        n.eq_ignore_ascii_case(&c.name)
                            || c.aliases.iter().any(|a| a.eq_ignore_ascii_case(n))
                    };
                    if same(&other.name) || other.aliases.iter().any(|a| same(a)) {
                        mentioned.insert(other.tenant_id.clone());
                    }
                }
                mentioned.insert(c.tenant_id.clone());
                names.push(written);
            }
            let who = if names.is_empty() {
                String::new()
            } else {
                format!("for {}", names.join(" and "))
            };
            let text = [filler, data, who.as_str(), scope.unwrap_or(""), time]
                .iter()
                .filter(|p| !p.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" ");
            Named {
                text,
                mentioned,
                says_all: scope.is_some(),
            }
        })
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
