//! Analyzes one request many times against a 2,000-customer registry: a target for `perf` or
//! callgrind when the analyze benchmark moves (`cargo run --release -p orca-core --example
//! analyze_loop -- "<request>" [iterations]`).

use std::fmt::Write as _;

use orca_core::{AnalyzerConfig, Registry, analyze};

fn main() {
    let mut args = std::env::args().skip(1);
    let request = args
        .next()
        .unwrap_or_else(|| "Show cases, ICMs, and ADO bugs for Ford, GM, and Toyota".to_string());
    let iterations: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let mut csv = include_str!("../tests/fixtures/registry.csv")
        .trim_end()
        .to_string();
    let segments = ["MCS", "IC", "SMB"];
    for i in 0..2000 - 45 {
        let _ = write!(
            csv,
            "\r\nCustomer {i} Holdings,{i:08x}-1111-4222-8333-{i:012x},CH{i},{},NA,am{i}@example.com",
            segments[i % 3]
        );
    }
    let (registry, _) = Registry::from_csv(csv.as_bytes()).expect("registry loads");
    let analyzer = AnalyzerConfig::default()
        .build()
        .expect("the default config is valid");
    let now = "2026-11-24T12:00:00Z".parse().expect("a time");
    let started = std::time::Instant::now();
    let mut tasks = 0;
    for _ in 0..iterations {
        tasks += analyze(&request, &registry, &analyzer, now).map_or(0, |p| p.tasks.len());
    }
    let per = started.elapsed().as_secs_f64() * 1e6 / iterations as f64;
    println!("{per:.2} µs per analysis ({tasks} tasks in all)");
}
