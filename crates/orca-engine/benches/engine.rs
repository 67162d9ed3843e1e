//! Engine benchmarks on a real multi-thread runtime:
//! - `fan_out/N`: overhead of running N no-op tasks (goal for 5: <= 20 µs per run);
//! - `parallel_wall/50_80_120ms`: wall time of three tasks sleeping 50, 80 and 120 ms (goal <= 122 ms).
//!
//! Run: `cargo bench -p orca-engine -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use orca_core::{BoxFuture, Connector, ConnectorError, Query, QueryOutput, SourceKey};
use orca_engine::testing::{plan, task};
use orca_engine::{Engine, EngineConfig, RunOptions};
use tokio::time::Instant;

/// Answers at once (or after `delay`) with an empty output: only the engine's cost remains.
struct Noop {
    source: SourceKey,
    delay: Duration,
}

impl Connector for Noop {
    fn source(&self) -> SourceKey {
        self.source
    }

    fn name(&self) -> &str {
        "noop"
    }

    fn run<'a>(&'a self, _: &'a Query) -> BoxFuture<'a, Result<QueryOutput, ConnectorError>> {
        Box::pin(async move {
            if !self.delay.is_zero() {
                tokio::time::sleep(self.delay).await;
            }
            Ok(QueryOutput::default())
        })
    }
}

fn engine(delays: &[(SourceKey, u64)]) -> Engine {
    let connectors = delays
        .iter()
        .map(|&(source, ms)| {
            Arc::new(Noop {
                source,
                delay: Duration::from_millis(ms),
            }) as Arc<dyn Connector>
        })
        .collect();
    let config = EngineConfig {
        max_concurrency_per_source: 64,
        ..EngineConfig::default()
    };
    Engine::new(config, connectors).expect("valid config")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn fan_out(c: &mut Criterion) {
    let rt = runtime();
    let engine = engine(&SourceKey::ALL.map(|s| (s, 0)));
    let options = RunOptions::default();
    let mut group = c.benchmark_group("fan_out");
    for n in [3usize, 5, 20] {
        let tasks = (0..n)
            .map(|i| task(&format!("t{i}"), SourceKey::ALL[i % SourceKey::ALL.len()]))
            .collect();
        let plan = plan(tasks);
        let plan = Arc::new(plan);
        group.bench_function(n.to_string(), |b| {
            b.iter_custom(|iters| {
                // Timed inside a runtime task, as the server calls `run`: the caller's thread
                // is a worker, not a thread parked in `block_on`.
                let (engine, plan, options) = (engine.clone(), plan.clone(), options.clone());
                rt.block_on(rt.spawn(async move {
                    let start = Instant::now();
                    for _ in 0..iters {
                        black_box(engine.run(&plan, &options).await);
                    }
                    start.elapsed()
                }))
                .expect("bench task")
            })
        });
    }
    group.finish();
}

fn parallel_wall(c: &mut Criterion) {
    let rt = runtime();
    let engine = engine(&[
        (SourceKey::Kusto, 50),
        (SourceKey::Icm, 80),
        (SourceKey::Ado, 120),
    ]);
    let plan = plan(vec![
        task("t1", SourceKey::Kusto),
        task("t2", SourceKey::Icm),
        task("t3", SourceKey::Ado),
    ]);
    let options = RunOptions::default();
    let mut group = c.benchmark_group("parallel_wall");
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    group.bench_function("50_80_120ms", |b| {
        b.iter(|| rt.block_on(engine.run(&plan, &options)))
    });
    group.finish();
}

criterion_group!(benches, fan_out, parallel_wall);
criterion_main!(benches);
