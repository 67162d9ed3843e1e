//! Registry benchmarks: loading 100,000 rows (goal <= 80 ms, <= 60 MB RSS growth) and scanning
//! a typical request against a 2,000-customer registry (the analyzer's goal for a whole request
//! is <= 10 us p50, so the scan must be a small part of it).
//!
//! Rows are generated like `../shared/baseline/bench.py` does: "Customer {i} Holdings" with a
//! uuid-like tenant id, no aliases, segment IC.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use orca_core::registry::{Registry, format_guid};

/// A deterministic uuid-like id for row `i` (splitmix64, formatted 8-4-4-4-12).
fn tenant_id(i: u64) -> String {
    let mix = |mut z: u64| {
        z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    format_guid(u128::from(mix(2 * i)) << 64 | u128::from(mix(2 * i + 1)))
}

fn generated_csv(rows: u64) -> String {
    let mut csv = String::from("Customer Name,Tenant ID,Aliases,Segment\n");
    for i in 0..rows {
        csv.push_str(&format!("Customer {i} Holdings,{},,IC\n", tenant_id(i)));
    }
    csv
}

/// The tricky-name fixture plus generated rows, 2,000 customers in all.
fn registry_2000() -> Registry {
    let fixture = include_str!("../tests/fixtures/registry.csv");
    let mut csv = String::from("Customer Name,Tenant ID,Aliases,Segment\n");
    for line in fixture.lines().skip(1) {
        // Keep the first four columns; the fixture's names hold no quoted commas past them.
        let mut record = csv_split(line);
        record.truncate(4);
        csv.push_str(&record.join(","));
        csv.push('\n');
    }
    let (registry, _) = Registry::from_csv(csv.as_bytes()).expect("fixture loads");
    let mut customers = registry.customers().to_vec();
    let mut i = 1_000_000;
    while customers.len() < 2_000 {
        customers.push(orca_core::registry::Customer {
            name: format!("Customer {i} Holdings"),
            tenant_id: tenant_id(i),
            aliases: Vec::new(),
            segment: Some("IC".into()),
            attributes: Default::default(),
        });
        i += 1;
    }
    Registry::from_customers(customers).0
}

/// Splits one CSV line, keeping quoted fields (with their quotes) whole.
fn csv_split(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                fields.last_mut().unwrap().push(c);
            }
            ',' if !quoted => fields.push(String::new()),
            _ => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

/// Resident set size of this process in kB (Linux), for the one-off memory figure.
fn rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn bench_load(c: &mut Criterion) {
    let csv = generated_csv(100_000);
    let before = rss_kb();
    let (registry, errors) = Registry::from_csv(csv.as_bytes()).expect("loads");
    let after = rss_kb();
    assert_eq!((registry.len(), errors.len()), (100_000, 0));
    if let (Some(before), Some(after)) = (before, after) {
        println!(
            "registry_load_100k rss growth: {:.1} MB",
            (after.saturating_sub(before)) as f64 / 1024.0
        );
    }
    // First lookups build the lazy indexes once; measure that too.
    let start = std::time::Instant::now();
    let found = registry.scan("cases for Customer 4242 Holdings and Acme Corp");
    println!(
        "registry_100k first scan (builds lazy indexes): {:?}",
        start.elapsed()
    );
    assert_eq!(found.found.len(), 1);
    if let Some(after_lazy) = rss_kb() {
        println!(
            "registry_load_100k rss growth with lazy indexes: {:.1} MB",
            (after_lazy.saturating_sub(before.unwrap_or(0))) as f64 / 1024.0
        );
    }
    drop(registry);

    let mut group = c.benchmark_group("registry");
    group.sample_size(20);
    // The registry is dropped outside the timing: loading is what is measured.
    group.bench_function("load_100k", |b| {
        b.iter_with_large_drop(|| Registry::from_csv(black_box(csv.as_bytes())).expect("loads"))
    });
    group.finish();
}

fn bench_scan(c: &mut Criterion) {
    let registry = registry_2000();
    let requests = [
        (
            "scan_typical",
            "Show cases, ICMs and ADO bugs for Ford, GM and Toyota in the last 30 days",
        ),
        (
            "scan_no_customer",
            "How do I configure a DLP policy for Teams messages?",
        ),
        (
            "scan_common_words",
            "zoom into the delta between the target date and the shell script",
        ),
        (
            "scan_typo_unknown",
            "How many open cases does Toyta have, and what about Acme Corp?",
        ),
    ];
    // Warm the lazy indexes, as a long-running process would have.
    registry.scan(requests[3].1);
    let mut group = c.benchmark_group("registry_2000");
    for (name, text) in requests {
        group.bench_function(name, |b| b.iter(|| registry.scan(black_box(text))));
    }
    group.bench_function("resolve_lookup", |b| {
        b.iter(|| registry.resolve(black_box("Ford")))
    });
    group.bench_function("resolve_generated_name", |b| {
        b.iter(|| registry.resolve(black_box("Customer 1000042 Holdings")))
    });
    group.finish();
}

criterion_group!(benches, bench_load, bench_scan);
criterion_main!(benches);
