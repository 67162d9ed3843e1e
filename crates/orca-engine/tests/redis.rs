//! The shared tier against the real Redis of this machine (`ORCA_TEST_REDIS_URL`, default
//! `redis://127.0.0.1:6379`; these tests fail, never skip, when it is unreachable), and against
//! an unreachable and a mute server: results shared between engines with the TTL set in Redis,
//! and a broken Redis that only ever makes an ask "degraded".
//!
//! Real time, not a paused clock: Redis is a real socket. Every test uses its own key prefix.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use orca_core::{Connector, SectionStatus, SourceKey};
use orca_engine::testing::{ScriptedConnector, Step, output, plan, task};
use orca_engine::{Cache, CacheBackend, CacheConfig, Engine, EngineConfig, RunOptions};
use tokio::time::Instant;

fn redis_url() -> String {
    std::env::var("ORCA_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_string())
}

/// A connection to the test Redis, or a failure that says how to get one.
async fn test_redis() -> redis::aio::MultiplexedConnection {
    let url = redis_url();
    let client = redis::Client::open(url.as_str()).expect("ORCA_TEST_REDIS_URL is a Redis URL");
    let connect = client.get_multiplexed_async_connection();
    match tokio::time::timeout(Duration::from_secs(2), connect).await {
        Ok(Ok(conn)) => conn,
        other => panic!(
            "these tests need a Redis server at {url} (set ORCA_TEST_REDIS_URL or start \
             redis-server; `.ci/run` starts one): {:?}",
            other.map(|r| r.map(|_| ()))
        ),
    }
}

fn unique_prefix(test: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("orca:test:{test}:{}:{nanos}:", std::process::id())
}

fn redis_cache(url: String, prefix: &str) -> CacheConfig {
    CacheConfig {
        backend: CacheBackend::Redis,
        url: Some(url),
        key_prefix: prefix.to_string(),
        ttl_secs: 120,
        ..CacheConfig::default()
    }
}

fn engine(cache: &CacheConfig, connector: Arc<dyn Connector>) -> Engine {
    let cache = Cache::new(cache).expect("valid cache config");
    Engine::with_cache(EngineConfig::default(), vec![connector], cache).unwrap()
}

#[tokio::test]
async fn a_second_engine_gets_the_first_ones_result_from_redis() {
    let mut conn = test_redis().await;
    let prefix = unique_prefix("shared");
    let config = redis_cache(redis_url(), &prefix);
    let p = plan(vec![task("t1", SourceKey::Kusto)]);

    let (first_calls, first_conn) = ScriptedConnector::new(SourceKey::Kusto)
        .otherwise(Step::ok(output(7, &["C1", "C2"])))
        .shared();
    let first = engine(&config, first_conn);
    let run = first.run(&p, &RunOptions::default()).await;
    assert_eq!((run.cache.hits, run.cache.misses), (0, 1));
    assert!(!run.cache.degraded, "{:?}", first.cache().unwrap().stats());
    assert_eq!(first_calls.calls(), 1);

    // Another engine (another process, in effect): empty memory, same Redis.
    let (second_calls, second_conn) = ScriptedConnector::slow_ok(SourceKey::Kusto, 5).shared();
    let second = engine(&config, second_conn);
    let run = second.run(&p, &RunOptions::default()).await;
    let s = &run.sections[0];
    assert_eq!(
        (s.status, s.cached, s.attempts),
        (SectionStatus::Ok, true, 0)
    );
    assert_eq!(s.summary["total"], 7);
    assert_eq!(s.rows.len(), 2);
    assert_eq!((run.cache.hits, run.cache.misses), (1, 0));
    assert_eq!(second_calls.calls(), 0);
    let stats = second.cache().unwrap().stats();
    assert_eq!(
        (stats.shared_hits, stats.entries),
        (1, 1),
        "copied into memory"
    );
    assert_eq!(stats.backend, "redis");

    // The TTL is Redis's, and the value is format version 1 under the prefix.
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(keys[0].starts_with(&format!("{prefix}kusto:")), "{keys:?}");
    let pttl: i64 = redis::cmd("PTTL")
        .arg(&keys[0])
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!((1..=120_000).contains(&pttl), "PTTL {pttl}");
    let value: Vec<u8> = redis::cmd("GET")
        .arg(&keys[0])
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        value[0],
        orca_engine::cache::redis::FORMAT_VERSION,
        "format version"
    );
    let _: () = redis::cmd("DEL")
        .arg(&keys[0])
        .query_async(&mut conn)
        .await
        .unwrap();
}

#[tokio::test]
async fn errors_are_not_stored_in_redis() {
    let mut conn = test_redis().await;
    let prefix = unique_prefix("errors");
    let config = redis_cache(redis_url(), &prefix);
    let (_, failing) = ScriptedConnector::new(SourceKey::Icm)
        .otherwise(Step::err(orca_core::ConnectorError::bad_query("no")))
        .shared();
    let run = engine(&config, failing)
        .run(
            &plan(vec![task("t1", SourceKey::Icm)]),
            &RunOptions::default(),
        )
        .await;
    assert_eq!(run.sections[0].status, SectionStatus::Error);
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(keys.is_empty(), "{keys:?}");
}

#[tokio::test]
async fn an_unreachable_redis_degrades_but_every_ask_answers() {
    // A port nobody listens on: bind, take the port, close.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let config = redis_cache(format!("redis://127.0.0.1:{port}"), "orca:test:down:");
    let (calls, conn) = ScriptedConnector::slow_ok(SourceKey::Kusto, 1).shared();
    let engine = engine(&config, conn);
    let p = plan(vec![task("t1", SourceKey::Kusto)]);

    let started = Instant::now();
    let run = engine.run(&p, &RunOptions::default()).await;
    assert_eq!(run.sections[0].status, SectionStatus::Ok);
    assert!(
        run.cache.degraded,
        "the ask says the shared cache is degraded"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let stats = engine.cache().unwrap().stats();
    assert!(stats.degraded);
    let shared = stats.shared.unwrap();
    assert!(shared.errors >= 1);
    assert!(shared.last_error.is_some());

    // The memory tier still works; a new key skips Redis during the backoff (no new error).
    let errors = shared.errors;
    assert!(engine.run(&p, &RunOptions::default()).await.sections[0].cached);
    let mut other = p.clone();
    other.tasks[0].tenant_id = Some("another".into());
    let started = Instant::now();
    let run = engine.run(&other, &RunOptions::default()).await;
    assert_eq!(run.sections[0].status, SectionStatus::Ok);
    assert!(run.cache.degraded);
    assert!(started.elapsed() < Duration::from_millis(500));
    let stats = engine.cache().unwrap().stats();
    assert_eq!(stats.shared.unwrap().errors, errors, "skipped, not retried");
    assert_eq!(calls.calls(), 2);
}

#[tokio::test]
async fn a_mute_redis_costs_at_most_its_timeouts() {
    // Accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let config = CacheConfig {
        redis_connect_timeout_ms: 100,
        redis_timeout_ms: 50,
        ..redis_cache(format!("redis://127.0.0.1:{port}"), "orca:test:mute:")
    };
    let (_, conn) = ScriptedConnector::slow_ok(SourceKey::Kusto, 1).shared();
    let engine = engine(&config, conn);
    let started = Instant::now();
    let run = engine
        .run(
            &plan(vec![task("t1", SourceKey::Kusto)]),
            &RunOptions::default(),
        )
        .await;
    let took = started.elapsed();
    assert_eq!(run.sections[0].status, SectionStatus::Ok);
    assert!(run.cache.degraded);
    assert!(took < Duration::from_millis(1_000), "took {took:?}");
    holder.abort();
}
