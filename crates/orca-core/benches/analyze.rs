//! Analysis per request (customer resolution included) on a 2,000-customer registry, for the six
//! requests of `../shared/baseline/bench.py`. Goal: p50 <= 10 microseconds per request.
//!
//! Run: `cargo bench -p orca-core --bench analyze`.

use std::fmt::Write;
use std::hint::black_box;

use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use orca_core::{AnalyzerConfig, Registry, analyze};

const REQUESTS: [&str; 6] = [
    "How many cases does Ford have?",
    "Show cases, ICMs, and ADO bugs for Ford, GM, and Toyota",
    "Show me cases and ICMs for Ford",
    "Show full health report for Ford: cases, ICMs, ADO bugs, and tenant metrics",
    "Why did Contoso's Sev A cases spike over time in the last 30 days?",
    "Which MCS customers have unhealthy tenants?",
];

/// The fixture rows plus generated "Customer {i} Holdings" rows, `size` customers in all.
fn registry(size: usize) -> Registry {
    let mut csv = include_str!("../tests/fixtures/registry.csv")
        .trim_end()
        .to_string();
    let fixture_rows = csv.lines().count() - 1;
    let segments = ["MCS", "IC", "SMB"];
    for i in fixture_rows..size {
        write!(
            csv,
            "\r\nCustomer {i} Holdings,{i:08x}-1111-4222-8333-{i:012x},CH{i},{},NA,am{i}@example.com",
            segments[i % segments.len()]
        )
        .expect("write to a string");
    }
    let (registry, errors) = Registry::from_csv(csv.as_bytes()).expect("generated registry loads");
    assert!(errors.is_empty(), "generated rows rejected: {errors:?}");
    assert_eq!(registry.len(), size);
    registry
}

fn analysis(c: &mut Criterion) {
    let registry = registry(2000);
    let analyzer = AnalyzerConfig::default()
        .build()
        .expect("the default config is valid");
    let now: DateTime<Utc> = "2026-11-24T12:00:00Z".parse().expect("RFC 3339");
    let mut group = c.benchmark_group("analyze_2000_customers");
    for (i, request) in REQUESTS.iter().enumerate() {
        group.bench_function(format!("request_{}", i + 1), |b| {
            b.iter(|| analyze(black_box(request), &registry, &analyzer, now).expect("analyzes"))
        });
    }
    group.bench_function("all_six", |b| {
        b.iter(|| {
            for request in REQUESTS {
                black_box(
                    analyze(black_box(request), &registry, &analyzer, now).expect("analyzes"),
                );
            }
        })
    });
    group.finish();
    // The analyzer's own share: the same requests on an empty registry (nothing to resolve).
    let empty = Registry::default();
    let mut group = c.benchmark_group("analyze_empty_registry");
    for (i, request) in REQUESTS.iter().enumerate() {
        group.bench_function(format!("request_{}", i + 1), |b| {
            b.iter(|| analyze(black_box(request), &empty, &analyzer, now).expect("analyzes"))
        });
    }
    group.finish();
    // The registry's share of the figures above, to see where the time goes.
    let mut group = c.benchmark_group("scan_only_2000_customers");
    for (i, request) in REQUESTS.iter().enumerate() {
        group.bench_function(format!("request_{}", i + 1), |b| {
            b.iter(|| registry.scan(black_box(request)))
        });
    }
    group.finish();
}

criterion_group!(benches, analysis);
criterion_main!(benches);
