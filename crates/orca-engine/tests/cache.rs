//! The result cache through `Engine::run`, on a paused clock with scripted connectors: hits and
//! misses counted exactly once, TTL, errors never stored, bypass, rounding of relative time
//! ranges, and coalescing (100 concurrent identical runs make one source call).

use std::sync::Arc;
use std::time::Duration;

use orca_core::{Connector, ConnectorError, ErrorKind, Plan, SectionStatus, SourceKey};
use orca_engine::testing::{ScriptedConnector, Step, output, plan, task, unavailable};
use orca_engine::{Cache, CacheConfig, Engine, EngineConfig, Run, RunOptions};

fn config() -> EngineConfig {
    let mut config = EngineConfig::default();
    config.retry.jitter = false;
    config
}

fn cache_config() -> CacheConfig {
    CacheConfig::default()
}

fn cached_engine(connectors: Vec<Arc<dyn Connector>>) -> Engine {
    cached_engine_with(config(), cache_config(), connectors)
}

fn cached_engine_with(
    config: EngineConfig,
    cache: CacheConfig,
    connectors: Vec<Arc<dyn Connector>>,
) -> Engine {
    let cache = Cache::new(&cache).expect("valid cache config");
    Engine::with_cache(config, connectors, cache).expect("valid config")
}

async fn run(engine: &Engine, plan: &Plan) -> Run {
    engine.run(plan, &RunOptions::default()).await
}

fn one_task(source: SourceKey) -> Plan {
    plan(vec![task("t1", source)])
}

fn stats(engine: &Engine) -> orca_engine::CacheSnapshot {
    engine.cache().expect("a cache").stats()
}

#[tokio::test(start_paused = true)]
async fn a_repeat_is_a_hit_that_never_calls_the_source() {
    let (kusto, conn) = ScriptedConnector::new(SourceKey::Kusto)
        .otherwise(Step::ok(output(3, &["C1", "C2"])).after_ms(40))
        .shared();
    let engine = cached_engine(vec![conn]);
    let p = one_task(SourceKey::Kusto);

    let first = run(&engine, &p).await;
    let s = &first.sections[0];
    assert_eq!(
        (s.status, s.cached, s.attempts),
        (SectionStatus::Ok, false, 1)
    );
    assert_eq!((first.cache.hits, first.cache.misses), (0, 1));
    assert_eq!(first.queries, 1);

    let second = run(&engine, &p).await;
    let s = &second.sections[0];
    assert_eq!(
        (s.status, s.cached, s.attempts),
        (SectionStatus::Ok, true, 0)
    );
    assert_eq!(s.summary["total"], 3);
    assert_eq!(s.rows.len(), 2);
    assert_eq!(s.elapsed_ms, 0.0, "a memory hit takes no (paused) time");
    assert_eq!((second.cache.hits, second.cache.misses), (1, 0));
    assert_eq!(second.queries, 0, "a hit is no source round trip");
    assert_eq!(kusto.calls(), 1);

    let all = stats(&engine);
    assert_eq!((all.hits, all.misses, all.hit_rate), (1, 1, 0.5));
    assert_eq!(all.sources[&SourceKey::Kusto].hits, 1);
    assert_eq!(all.entries, 1);
    assert_eq!(all.backend, "memory");
}

#[tokio::test(start_paused = true)]
async fn every_lookup_counts_once_per_source_and_in_total() {
    let (_, kusto) = ScriptedConnector::slow_ok(SourceKey::Kusto, 10).shared();
    let (_, icm) = ScriptedConnector::slow_ok(SourceKey::Icm, 10).shared();
    let engine = cached_engine(vec![kusto, icm]);
    let p = plan(vec![
        task("t1", SourceKey::Kusto),
        task("t2", SourceKey::Icm),
    ]);
    let first = run(&engine, &p).await;
    assert_eq!((first.cache.hits, first.cache.misses), (0, 2));
    let second = run(&engine, &p).await;
    assert_eq!((second.cache.hits, second.cache.misses), (2, 0));
    let only_icm = one_task(SourceKey::Icm);
    let third = run(&engine, &only_icm).await;
    assert_eq!((third.cache.hits, third.cache.misses), (1, 0));
    let all = stats(&engine);
    assert_eq!((all.hits, all.misses), (3, 2));
    assert_eq!(
        (
            all.sources[&SourceKey::Kusto].hits,
            all.sources[&SourceKey::Kusto].misses
        ),
        (1, 1)
    );
    assert_eq!(
        (
            all.sources[&SourceKey::Icm].hits,
            all.sources[&SourceKey::Icm].misses
        ),
        (2, 1)
    );
}

#[tokio::test(start_paused = true)]
async fn entries_expire_after_the_ttl() {
    let (kusto, conn) = ScriptedConnector::slow_ok(SourceKey::Kusto, 5).shared();
    let engine = cached_engine_with(
        config(),
        CacheConfig {
            ttl_secs: 300,
            ..cache_config()
        },
        vec![conn],
    );
    let p = one_task(SourceKey::Kusto);
    run(&engine, &p).await;
    tokio::time::advance(Duration::from_secs(299)).await;
    assert!(
        run(&engine, &p).await.sections[0].cached,
        "fresh before the TTL"
    );
    tokio::time::advance(Duration::from_secs(1)).await;
    let expired = run(&engine, &p).await;
    assert!(!expired.sections[0].cached, "stale at the TTL");
    assert_eq!((expired.cache.hits, expired.cache.misses), (0, 1));
    assert_eq!(kusto.calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn errors_and_timeouts_are_never_cached() {
    let (icm, conn) = ScriptedConnector::new(SourceKey::Icm)
        .then_times(3, Step::err(unavailable()))
        .then(Step::hang())
        .otherwise(Step::ok(output(1, &[])))
        .shared();
    let mut engine_config = config();
    engine_config.retry.attempts = 3;
    engine_config.task_timeout_ms = 1_000;
    let engine = cached_engine_with(engine_config, cache_config(), vec![conn]);
    let p = one_task(SourceKey::Icm);

    let failed = run(&engine, &p).await;
    assert_eq!(failed.sections[0].status, SectionStatus::Error);
    assert_eq!((failed.cache.hits, failed.cache.misses), (0, 1));
    let timed_out = run(&engine, &p).await;
    assert_eq!(timed_out.sections[0].status, SectionStatus::Timeout);
    assert_eq!((timed_out.cache.hits, timed_out.cache.misses), (0, 1));
    let ok = run(&engine, &p).await;
    assert_eq!(ok.sections[0].status, SectionStatus::Ok);
    assert!(!ok.sections[0].cached, "nothing was stored before");
    assert!(run(&engine, &p).await.sections[0].cached);
    assert_eq!(icm.calls(), 5);
    assert_eq!(stats(&engine).misses, 3);
}

#[tokio::test(start_paused = true)]
async fn permanent_errors_are_not_cached_either() {
    let (docs, conn) = ScriptedConnector::new(SourceKey::Docs)
        .then(Step::err(ConnectorError::new(ErrorKind::BadQuery, "bad")))
        .shared();
    let engine = cached_engine(vec![conn]);
    let p = one_task(SourceKey::Docs);
    assert_eq!(
        run(&engine, &p).await.sections[0].status,
        SectionStatus::Error
    );
    assert!(!run(&engine, &p).await.sections[0].cached);
    assert_eq!(docs.calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn no_cache_bypasses_and_counts_neither() {
    let (kusto, conn) = ScriptedConnector::slow_ok(SourceKey::Kusto, 5).shared();
    let engine = cached_engine(vec![conn]);
    let p = one_task(SourceKey::Kusto);
    let bypass = RunOptions {
        no_cache: true,
        ..RunOptions::default()
    };
    let first = engine.run(&p, &bypass).await;
    assert_eq!((first.cache.hits, first.cache.misses), (0, 0));
    assert_eq!(first.cache.backend, None);
    assert!(
        !run(&engine, &p).await.sections[0].cached,
        "a bypass stores nothing"
    );
    let again = engine.run(&p, &bypass).await;
    assert!(!again.sections[0].cached, "a bypass never reads");
    assert_eq!(kusto.calls(), 3);
    let all = stats(&engine);
    assert_eq!((all.hits, all.misses), (0, 1));
}

#[tokio::test(start_paused = true)]
async fn a_relative_range_asked_a_little_later_hits() {
    let (kusto, conn) = ScriptedConnector::slow_ok(SourceKey::Kusto, 5).shared();
    let engine = cached_engine(vec![conn]);
    // "last 30 days" at 12:00:05 and again at 12:00:50: the same minute.
    let mut early = one_task(SourceKey::Kusto);
    let range = early.time_range.as_mut().unwrap();
    range.from = "2026-10-25T12:00:05Z".parse().unwrap();
    range.to = "2026-11-24T12:00:05Z".parse().unwrap();
    let mut late = early.clone();
    let range = late.time_range.as_mut().unwrap();
    range.from = "2026-10-25T12:00:50Z".parse().unwrap();
    range.to = "2026-11-24T12:00:50Z".parse().unwrap();
    run(&engine, &early).await;
    assert!(run(&engine, &late).await.sections[0].cached);
    // A minute later is another key.
    let mut next = late.clone();
    next.time_range.as_mut().unwrap().to = "2026-11-24T12:01:10Z".parse().unwrap();
    assert!(!run(&engine, &next).await.sections[0].cached);
    assert_eq!(kusto.calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_hit_is_served_even_when_the_circuit_is_open() {
    let (icm, conn) = ScriptedConnector::new(SourceKey::Icm)
        .then(Step::ok(output(2, &[])))
        .otherwise(Step::err(unavailable()))
        .shared();
    let mut engine_config = config();
    engine_config.retry.attempts = 1;
    engine_config.breaker.failures = 1;
    let engine = cached_engine_with(engine_config, cache_config(), vec![conn]);
    let cached = one_task(SourceKey::Icm);
    run(&engine, &cached).await;
    // Another query for the same source fails and opens the circuit.
    let mut other = one_task(SourceKey::Icm);
    other.tasks[0].tenant_id = Some("another-tenant".into());
    assert_eq!(
        run(&engine, &other).await.sections[0].status,
        SectionStatus::Error
    );
    assert_eq!(
        run(&engine, &other).await.sections[0].status,
        SectionStatus::Skipped,
        "the circuit is open"
    );
    let hit = run(&engine, &cached).await;
    assert_eq!(hit.sections[0].status, SectionStatus::Ok);
    assert!(hit.sections[0].cached);
    assert_eq!(icm.calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn zero_ttl_or_disabled_means_no_cache() {
    for cache in [
        CacheConfig {
            ttl_secs: 0,
            ..cache_config()
        },
        CacheConfig {
            enabled: false,
            ..cache_config()
        },
    ] {
        assert!(Cache::new(&cache).unwrap().is_none());
        let (kusto, conn) = ScriptedConnector::slow_ok(SourceKey::Kusto, 5).shared();
        let engine = cached_engine_with(config(), cache, vec![conn]);
        let p = one_task(SourceKey::Kusto);
        run(&engine, &p).await;
        let again = run(&engine, &p).await;
        assert!(!again.sections[0].cached);
        assert_eq!((again.cache.hits, again.cache.misses), (0, 0));
        assert_eq!(kusto.calls(), 2);
    }
}

#[tokio::test(start_paused = true)]
async fn dependents_get_context_from_cached_sections() {
    let (_, icm) = ScriptedConnector::new(SourceKey::Icm)
        .otherwise(Step::ok(output(2, &["I1", "I2"])))
        .shared();
    let (ado, ado_conn) = ScriptedConnector::slow_ok(SourceKey::Ado, 5).shared();
    let engine = cached_engine(vec![icm, ado_conn]);
    let mut dependent = task("t2", SourceKey::Ado);
    dependent.depends_on = vec!["t1".into()];
    let p = plan(vec![task("t1", SourceKey::Icm), dependent]);
    run(&engine, &p).await;
    let again = run(&engine, &p).await;
    assert!(again.sections.iter().all(|s| s.cached));
    assert_eq!(ado.calls(), 1);
    assert_eq!(ado.queries()[0].context[0].ids, ["I1", "I2"]);
}

// --- coalescing ----------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn a_hundred_concurrent_identical_runs_make_one_call_per_source() {
    let (kusto, kusto_conn) = ScriptedConnector::slow_ok(SourceKey::Kusto, 50).shared();
    let (icm, icm_conn) = ScriptedConnector::slow_ok(SourceKey::Icm, 80).shared();
    let engine = cached_engine(vec![kusto_conn, icm_conn]);
    let p = Arc::new(plan(vec![
        task("t1", SourceKey::Kusto),
        task("t2", SourceKey::Icm),
    ]));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..100 {
        let (engine, p) = (engine.clone(), Arc::clone(&p));
        set.spawn(async move { engine.run(&p, &RunOptions::default()).await });
    }
    let runs = set.join_all().await;
    assert_eq!((kusto.calls(), icm.calls()), (1, 1));
    assert!(runs.iter().all(|r| r.sections.iter().all(|s| s.is_ok())));
    let (hits, misses): (u64, u64) = runs
        .iter()
        .fold((0, 0), |(h, m), r| (h + r.cache.hits, m + r.cache.misses));
    assert_eq!(
        (hits, misses),
        (198, 2),
        "one miss per source, every other lookup a hit"
    );
    let all = stats(&engine);
    assert_eq!((all.hits, all.misses, all.coalesced), (198, 2, 198));
    // Followers waited for the leader: their sections are cached and took the leader's time.
    let followed = runs
        .iter()
        .flat_map(|r| &r.sections)
        .filter(|s| s.cached && s.source == SourceKey::Icm)
        .count();
    assert_eq!(followed, 99);
}

#[tokio::test(start_paused = true)]
async fn followers_share_the_leaders_failure_without_calling_again() {
    let (icm, conn) = ScriptedConnector::new(SourceKey::Icm)
        .otherwise(Step::err(ConnectorError::new(ErrorKind::Auth, "denied")).after_ms(20))
        .shared();
    let engine = cached_engine(vec![conn]);
    let p = Arc::new(one_task(SourceKey::Icm));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let (engine, p) = (engine.clone(), Arc::clone(&p));
        set.spawn(async move { engine.run(&p, &RunOptions::default()).await });
    }
    let runs = set.join_all().await;
    assert_eq!(icm.calls(), 1);
    for r in &runs {
        assert_eq!(r.sections[0].status, SectionStatus::Error);
        assert!(!r.sections[0].cached);
        assert_eq!(
            (r.cache.hits, r.cache.misses),
            (0, 1),
            "a shared failure is a miss"
        );
    }
    let followers = runs
        .iter()
        .filter(|r| {
            r.sections[0]
                .reason
                .as_deref()
                .unwrap_or("")
                .ends_with("(an identical query in flight)")
        })
        .count();
    assert_eq!(followers, 9);
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_leader_hands_over_to_a_follower() {
    let (kusto, conn) = ScriptedConnector::slow_ok(SourceKey::Kusto, 100).shared();
    let engine = cached_engine(vec![conn]);
    let p = Arc::new(one_task(SourceKey::Kusto));
    let leader_options = RunOptions::default();
    let cancel = leader_options.cancel.clone();
    let leader = {
        let (engine, p) = (engine.clone(), Arc::clone(&p));
        tokio::spawn(async move { engine.run(&p, &leader_options).await })
    };
    tokio::time::sleep(Duration::from_millis(10)).await;
    let follower = {
        let (engine, p) = (engine.clone(), Arc::clone(&p));
        tokio::spawn(async move { engine.run(&p, &RunOptions::default()).await })
    };
    tokio::time::sleep(Duration::from_millis(10)).await;
    cancel.cancel();
    let leader = leader.await.unwrap();
    assert_eq!(leader.sections[0].status, SectionStatus::Skipped);
    assert_eq!((leader.cache.hits, leader.cache.misses), (0, 1));
    let follower = follower.await.unwrap();
    assert_eq!(follower.sections[0].status, SectionStatus::Ok);
    assert!(!follower.sections[0].cached, "it called the source itself");
    assert_eq!(kusto.calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn followers_read_the_leaders_own_reason() {
    let (icm, conn) = ScriptedConnector::new(SourceKey::Icm)
        .otherwise(Step::hang())
        .shared();
    let mut engine_config = config();
    engine_config.task_timeout_ms = 1_000;
    let engine = cached_engine_with(engine_config, cache_config(), vec![conn]);
    let p = Arc::new(one_task(SourceKey::Icm));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..3 {
        let (engine, p) = (engine.clone(), Arc::clone(&p));
        set.spawn(async move { engine.run(&p, &RunOptions::default()).await });
        // Followers start later, so their own budgets outlast the leader's.
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let runs = set.join_all().await;
    assert_eq!(icm.calls(), 1);
    let mut reasons: Vec<&str> = runs
        .iter()
        .map(|r| r.sections[0].reason.as_deref().unwrap_or(""))
        .collect();
    reasons.sort();
    assert_eq!(
        reasons,
        [
            "timeout after 1 s",
            "timeout after 1 s (an identical query in flight)",
            "timeout after 1 s (an identical query in flight)",
        ]
    );
    assert!(
        runs.iter()
            .all(|r| r.sections[0].status == SectionStatus::Timeout)
    );
}
