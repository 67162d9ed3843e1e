//! Result cache benchmarks on a real multi-thread runtime:
//! - `cached_run/memory`: `Engine::run` of a two-task plan whose results are in the memory tier
//!   (rows like the store's: 20 per section) — the in-process cached ask (goal p50 <= 50 µs);
//!   `cached_run/memory_empty`: the same with empty outputs (the engine's own cost);
//! - `cached_run/redis`: the same with the memory tier emptied before each run, so both sections
//!   come from Redis (`ORCA_TEST_REDIS_URL`, default redis://127.0.0.1:6379; fails without it);
//! - `lookup/hit`, `lookup/miss`: building the key of a query and looking the memory tier up.
//!
//! Run: `cargo bench -p orca-engine --bench cache -- --warm-up-time 1 --measurement-time 3`
//! (criterion's median is the p50: `target/criterion/<group>/<name>/new/estimates.json`).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use criterion::{Criterion, criterion_group, criterion_main};
use orca_core::{Connector, QueryOutput, SourceKey};
use orca_engine::testing::{ScriptedConnector, Step, plan, task};
use orca_engine::{Cache, CacheBackend, CacheConfig, Engine, EngineConfig, RunOptions, query_for};
use serde_json::json;
use tokio::time::Instant;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// An output shaped like the store's: a summary and 20 rows of eight fields.
fn realistic_output() -> QueryOutput {
    let rows = (0..20)
        .map(|i| {
            json!({
                "CaseNumber": format!("2611240000{i:04}"),
                "Title": "Sensitivity labels do not sync to SharePoint sites",
                "Severity": "B",
                "Status": "Active",
                "ProductArea": "Information Protection",
                "CreatedAt": "2026-11-20T10:00:00Z",
                "ClosedAt": null,
                "Owner": "engineer@example.com",
            })
        })
        .collect();
    QueryOutput {
        summary: json!({"total": 95, "open": 24, "by_severity": {"A": 6, "B": 10, "C": 8}})
            .as_object()
            .cloned()
            .unwrap(),
        rows,
        ids: (0..95).map(|i| format!("2611240000{i:04}")).collect(),
        queries: 1,
        shaped: Default::default(),
    }
}

fn engine(cache: &CacheConfig) -> Engine {
    engine_with(cache, realistic_output())
}

fn engine_with(cache: &CacheConfig, output: QueryOutput) -> Engine {
    let connectors: Vec<Arc<dyn Connector>> = [SourceKey::Kusto, SourceKey::Icm]
        .into_iter()
        .map(|s| {
            ScriptedConnector::new(s)
                .otherwise(Step::ok(output.clone()))
                .shared()
                .1
        })
        .collect();
    let cache = Cache::new(cache).expect("valid cache config");
    Engine::with_cache(EngineConfig::default(), connectors, cache).expect("valid config")
}

fn cached_run(c: &mut Criterion) {
    let rt = runtime();
    let plan = Arc::new(plan(vec![
        task("t1", SourceKey::Kusto),
        task("t2", SourceKey::Icm),
    ]));
    let options = RunOptions::default();
    let mut group = c.benchmark_group("cached_run");

    for (name, output) in [
        ("memory", realistic_output()),
        ("memory_empty", QueryOutput::default()),
    ] {
        let memory = engine_with(&CacheConfig::default(), output);
        let warm = rt.block_on(memory.run(&plan, &options));
        assert_eq!(warm.cache.misses, 2);
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let (engine, plan, options) = (memory.clone(), plan.clone(), options.clone());
                rt.block_on(rt.spawn(async move {
                    let start = Instant::now();
                    for _ in 0..iters {
                        let run = engine.run(&plan, &options).await;
                        debug_assert_eq!(run.cache.hits, 2);
                        black_box(run);
                    }
                    start.elapsed()
                }))
                .expect("bench task")
            })
        });
    }

    let url = std::env::var("ORCA_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379".to_string());
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let shared = engine(&CacheConfig {
        backend: CacheBackend::Redis,
        url: Some(url.clone()),
        key_prefix: format!("orca:bench:{nanos}:"),
        ttl_secs: 300,
        // The hit path is measured: a loaded machine must not turn it into degraded misses.
        redis_timeout_ms: 1_000,
        ..CacheConfig::default()
    });
    let warm = rt.block_on(shared.run(&plan, &options));
    assert!(
        !warm.cache.degraded,
        "cached_run/redis needs a Redis server at {url} (ORCA_TEST_REDIS_URL)"
    );
    let cache = shared.cache().unwrap().clone();
    group.bench_function("redis", |b| {
        b.iter_custom(|iters| {
            let (engine, plan, options, cache) =
                (shared.clone(), plan.clone(), options.clone(), cache.clone());
            rt.block_on(rt.spawn(async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    cache.clear();
                    let start = Instant::now();
                    let run = engine.run(&plan, &options).await;
                    total += start.elapsed();
                    assert_eq!(run.cache.hits, 2, "both from Redis: {:?}", run.cache);
                    black_box(run);
                }
                total
            }))
            .expect("bench task")
        })
    });
    group.finish();
}

fn lookup(c: &mut Criterion) {
    let cache = Cache::new(&CacheConfig::default()).unwrap().unwrap();
    let plan = plan(vec![task("t1", SourceKey::Kusto)]);
    let query = query_for(&plan, &plan.tasks[0], Vec::new(), 20);
    let rt = runtime();
    // Store one result through an engine run so the memory tier holds the key.
    let (_, conn) = ScriptedConnector::new(SourceKey::Kusto)
        .otherwise(Step::ok(realistic_output()))
        .shared();
    let engine =
        Engine::with_cache(EngineConfig::default(), vec![conn], Some(cache.clone())).unwrap();
    rt.block_on(engine.run(&plan, &RunOptions::default()));
    let mut other = query.clone();
    other.tenant_ids = vec!["not-cached".to_string()];

    let mut group = c.benchmark_group("lookup");
    group.bench_function("hit", |b| {
        b.iter(|| {
            let key = cache.key(black_box(&query));
            black_box(cache.get_local(&key)).expect("a hit")
        })
    });
    group.bench_function("miss", |b| {
        b.iter(|| {
            let key = cache.key(black_box(&other));
            assert!(black_box(cache.get_local(&key)).is_none());
        })
    });
    group.finish();
}

criterion_group!(benches, cached_run, lookup);
criterion_main!(benches);
