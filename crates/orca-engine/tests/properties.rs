//! Property: whatever the sources do (answer late, fail, rate-limit, hang), a run returns by its
//! deadline with one section per task, in plan order, and every non-ok section says why.

use std::sync::Arc;
use std::time::Duration;

use orca_core::{Connector, ConnectorError, ErrorKind, SectionStatus, SourceKey};
use orca_engine::testing::{
    ScriptedConnector, Step, output, plan, rate_limited, task, unavailable,
};
use orca_engine::{Engine, EngineConfig, RunOptions};
use proptest::prelude::*;
use tokio::time::Instant;

fn source() -> impl Strategy<Value = SourceKey> {
    prop::sample::select(SourceKey::ALL.to_vec())
}

fn step() -> impl Strategy<Value = Step> {
    let delay = prop_oneof![Just(0u64), 1u64..200, 200u64..3_000, 3_000u64..15_000];
    let answer = prop_oneof![
        3 => Just(Step::ok(output(1, &["X-1"]))),
        2 => Just(Step::err(unavailable())),
        1 => (0u64..4_000).prop_map(|ms| Step::err(rate_limited(ms))),
        1 => Just(Step::err(ConnectorError::new(ErrorKind::Timeout, "slow"))),
        1 => Just(Step::err(ConnectorError::bad_query("bad"))),
        1 => Just(Step::hang()),
    ];
    (delay, answer).prop_map(|(ms, step)| step.after_ms(ms))
}

/// A script per source; about one source in ten has no connector at all.
fn connectors() -> impl Strategy<Value = Vec<(SourceKey, Vec<Step>, Step)>> {
    prop::collection::vec(
        (
            prop::collection::vec(step(), 0..6),
            step(),
            prop::bool::weighted(0.9),
        ),
        5,
    )
    .prop_map(|scripts| {
        SourceKey::ALL
            .into_iter()
            .zip(scripts)
            .filter(|(_, (_, _, present))| *present)
            .map(|(source, (script, otherwise, _))| (source, script, otherwise))
            .collect()
    })
}

/// 1 to 8 tasks; each may depend on up to two of the three tasks before it (or, rarely, on a
/// missing one), so chains that start late are common.
fn tasks() -> impl Strategy<Value = Vec<(SourceKey, Vec<usize>, bool, bool)>> {
    prop::collection::vec(
        (
            source(),
            prop::collection::vec(1usize..=3, 0..3),
            any::<bool>(),
            prop::bool::weighted(0.05),
        ),
        1..8,
    )
}

fn config() -> impl Strategy<Value = EngineConfig> {
    (
        50u64..6_000,
        0u64..3_000,
        1u32..5,
        1usize..4,
        1u32..4,
        prop::collection::vec(
            prop::sample::select(vec!["error", "timeout", "slow:700", "flaky:0.5"]),
            0..3,
        ),
        source(),
        any::<u64>(),
    )
        .prop_map(
            |(timeout, slack, attempts, concurrency, failures, faults, fault_source, seed)| {
                let mut config = EngineConfig {
                    task_timeout_ms: timeout,
                    deadline_ms: timeout + slack,
                    max_concurrency_per_source: concurrency,
                    seed: Some(seed),
                    faults: faults
                        .into_iter()
                        .map(|f| format!("{fault_source}={f}"))
                        .collect(),
                    ..EngineConfig::default()
                };
                config.retry.attempts = attempts;
                config.breaker.failures = failures;
                config
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_run_returns_by_the_deadline_and_explains_every_gap(
        config in config(),
        scripts in connectors(),
        specs in tasks(),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        runtime.block_on(async {
            let deadline = Duration::from_millis(config.deadline_ms);
            let max_attempts = config.retry.attempts;
            let connectors: Vec<Arc<dyn Connector>> = scripts
                .into_iter()
                .map(|(source, script, otherwise)| {
                    let connector = script
                        .into_iter()
                        .fold(ScriptedConnector::new(source), ScriptedConnector::then)
                        .otherwise(otherwise);
                    Arc::new(connector) as Arc<dyn Connector>
                })
                .collect();
            let engine = Engine::new(config, connectors).expect("valid config");
            let tasks = specs
                .iter()
                .enumerate()
                .map(|(i, (source, deps, critical, missing_dep))| {
                    let mut t = task(&format!("t{i}"), *source);
                    t.critical = *critical;
                    for back in deps {
                        let dep = format!("t{}", i.wrapping_sub(*back));
                        if *back <= i && !t.depends_on.contains(&dep) {
                            t.depends_on.push(dep);
                        }
                    }
                    if *missing_dep {
                        t.depends_on.push("t99".into());
                    }
                    t
                })
                .collect();
            let plan = plan(tasks);

            // Twice on one engine: breakers opened by the first run shape the second.
            for _ in 0..2 {
                let start = Instant::now();
                let run = engine.run(&plan, &RunOptions::default()).await;
                let took = start.elapsed();
                prop_assert!(took <= deadline, "took {took:?}, deadline {deadline:?}");
                prop_assert!(run.wall_ms <= deadline.as_millis() as f64);
                prop_assert_eq!(run.sections.len(), plan.tasks.len());
                for (section, task) in run.sections.iter().zip(&plan.tasks) {
                    prop_assert_eq!(&section.task_id, &task.id);
                    prop_assert_eq!(section.critical, task.critical);
                    prop_assert!(section.started_ms <= section.ended_ms);
                    prop_assert!(section.ended_ms <= deadline.as_millis() as f64);
                    prop_assert!(section.attempts <= max_attempts);
                    if section.status == SectionStatus::Ok {
                        prop_assert!(section.reason.is_none());
                    } else {
                        let reason = section.reason.as_deref().unwrap_or("");
                        prop_assert!(!reason.trim().is_empty(), "{section:?}");
                    }
                }
                tokio::time::advance(Duration::from_secs(20)).await;
            }
            Ok(())
        })?;
    }
}
