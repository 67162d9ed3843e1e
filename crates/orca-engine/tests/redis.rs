//! The shared tier against the real Redis of this machine (`ORCA_TEST_REDIS_URL`, default
//! `redis://127.0.0.1:6379`; these tests fail, never skip, when it is unreachable), and against
//! an unreachable and a mute server: results shared between engines with the TTL set in Redis,
//! and a broken Redis that only ever makes an ask "degraded".
//!
//! Real time, except where a test says otherwise: Redis is a real socket. The bound of a cold
//! process (issue 14.11) is checked on a paused clock, where elapsed time is exactly the timers
//! that fired (a silent or refused Redis cannot be waited for any other way), so the check does
//! not depend on the machine's load. Every test uses its own key prefix.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use orca_core::{Connector, SectionStatus, SourceKey};
use orca_engine::cache::redis::PROBE_INTERVAL;
use orca_engine::testing::{ScriptedConnector, Step, output, plan, task};
use orca_engine::{Cache, CacheBackend, CacheConfig, Engine, EngineConfig, RunOptions};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
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

/// A Redis that accepts connections and never answers; counts the connections.
async fn silent_redis() -> (String, Arc<AtomicUsize>, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&accepted);
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            held.push(socket);
        }
    });
    (format!("redis://127.0.0.1:{port}"), accepted, holder)
}

/// A port nobody listens on: bind, take the port, close.
fn closed_port_url() -> String {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    format!("redis://127.0.0.1:{port}")
}

/// One cold ask (fresh engine, empty memory) against `url` with the default bounds, on the
/// current clock: its section, whether it said degraded, and how long it took.
async fn cold_ask(url: String, test: &str) -> (SectionStatus, bool, Duration) {
    let config = redis_cache(url, &unique_prefix(test));
    assert_eq!(config.redis_timeout_ms, 50, "the documented bound");
    let (_, conn) = ScriptedConnector::slow_ok(SourceKey::Kusto, 1).shared();
    let engine = engine(&config, conn);
    let started = Instant::now();
    let run = engine
        .run(
            &plan(vec![task("t1", SourceKey::Kusto)]),
            &RunOptions::default(),
        )
        .await;
    (
        run.sections[0].status,
        run.cache.degraded,
        started.elapsed(),
    )
}

// Paused clock: the lookup gives up at the operation bound (50 ms), connecting included; the
// source's 1 ms follows, the store is skipped (degraded). Before the fix: 250 + 50 ms.
#[tokio::test(start_paused = true)]
async fn a_silent_redis_costs_a_cold_process_one_operation_timeout() {
    let (url, _, holder) = silent_redis().await;
    let (status, degraded, took) = cold_ask(url, "cold-silent").await;
    assert_eq!(status, SectionStatus::Ok);
    assert!(degraded, "the ask says the shared cache is degraded");
    assert!(
        took <= Duration::from_millis(50 + 5),
        "a silent Redis cost {took:?}, more than one 50 ms operation bound"
    );
    holder.abort();
}

// Paused clock: a refused connection is not retried on the ask's path. Before the fix: a retry
// after 100-200 ms.
#[tokio::test(start_paused = true)]
async fn a_closed_port_costs_a_cold_process_at_most_one_operation_timeout() {
    let (status, degraded, took) = cold_ask(closed_port_url(), "cold-closed").await;
    assert_eq!(status, SectionStatus::Ok);
    assert!(degraded);
    assert!(
        took <= Duration::from_millis(50 + 5),
        "a closed port cost {took:?}, more than one 50 ms operation bound"
    );
}

// Real clock (the connections are counted by a real listener): concurrent lookups of a cold
// process share one connection attempt and all give up within the bound.
#[tokio::test]
async fn concurrent_lookups_of_a_cold_process_share_one_connection_attempt() {
    let (url, accepted, holder) = silent_redis().await;
    let config = redis_cache(url, "orca:test:one-connect:");
    let (_, conn) = ScriptedConnector::slow_ok(SourceKey::Kusto, 1).shared();
    let engine = engine(&config, conn);
    let mut tasks = Vec::new();
    for i in 0..4 {
        let mut t = task(&format!("t{i}"), SourceKey::Kusto);
        t.tenant_id = Some(format!("tenant-{i}"));
        tasks.push(t);
    }
    let started = Instant::now();
    let run = engine.run(&plan(tasks), &RunOptions::default()).await;
    let took = started.elapsed();
    assert!(run.sections.iter().all(|s| s.status == SectionStatus::Ok));
    assert!(run.cache.degraded);
    // Generous: the bound is 50 ms, this only guards against a second connect or a retry on a
    // loaded machine.
    assert!(took < Duration::from_millis(400), "took {took:?}");
    // Well before the first probe (500 ms after the failure).
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "one connection attempt");
    holder.abort();
}

/// A TCP forwarder to the real Redis that the test switches off (refuses new connections by
/// closing them, cuts the open ones) and on.
struct Switch {
    url: String,
    on: Arc<AtomicBool>,
    forwards: Arc<Mutex<Vec<JoinHandle<()>>>>,
    acceptor: JoinHandle<()>,
}

impl Switch {
    async fn new(target: String, on: bool) -> Switch {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("redis://{}", listener.local_addr().unwrap());
        let on = Arc::new(AtomicBool::new(on));
        let forwards = Arc::new(Mutex::new(Vec::new()));
        let (is_on, handles) = (Arc::clone(&on), Arc::clone(&forwards));
        let acceptor = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !is_on.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let target = target.clone();
                handles.lock().unwrap().push(tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                }));
            }
        });
        Switch {
            url,
            on,
            forwards,
            acceptor,
        }
    }

    fn off(&self) {
        self.on.store(false, Ordering::SeqCst);
        for forward in self.forwards.lock().unwrap().drain(..) {
            forward.abort();
        }
    }

    fn on(&self) {
        self.on.store(true, Ordering::SeqCst);
    }
}

impl Drop for Switch {
    fn drop(&mut self) {
        self.off();
        self.acceptor.abort();
    }
}

/// `host:port` of a `redis://[user:pw@]host:port[/db]` URL.
fn host_port(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, rest)| rest);
    rest.split('/').next().unwrap().to_string()
}

/// Asks on a fresh key until `until`, one every 100 ms; each answers from the source at once
/// and says degraded.
async fn ask_while_down(engine: &Engine, round: &str, until: Duration) {
    let started = Instant::now();
    let mut i = 0;
    while started.elapsed() < until {
        let mut t = task("t1", SourceKey::Kusto);
        t.tenant_id = Some(format!("{round}-{i}"));
        let asked = Instant::now();
        let run = engine.run(&plan(vec![t]), &RunOptions::default()).await;
        assert_eq!(run.sections[0].status, SectionStatus::Ok);
        assert!(run.cache.degraded, "ask {i} of {round}");
        assert!(
            asked.elapsed() < Duration::from_millis(300),
            "ask {i} of {round} took {:?}",
            asked.elapsed()
        );
        i += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits (a generous 3 s at most) for the background probe to clear degraded, with no ask.
async fn recovers(engine: &Engine) -> Duration {
    let started = Instant::now();
    while engine.cache().unwrap().stats().degraded {
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "still degraded {:?} after Redis came back: {:?}",
            started.elapsed(),
            engine.cache().unwrap().stats().shared
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    started.elapsed()
}

// Real clock: Redis is real. Before the fix, asks during a 3 s outage pushed the backoff to 4 s,
// so the ask after the probe interval was still degraded.
#[tokio::test]
async fn a_server_stops_saying_degraded_as_soon_as_a_probe_reaches_redis() {
    let mut direct = test_redis().await;
    let switch = Switch::new(host_port(&redis_url()), false).await;
    let prefix = unique_prefix("recovery");
    let config = redis_cache(switch.url.clone(), &prefix);
    let (_, conn) = ScriptedConnector::slow_ok(SourceKey::Kusto, 1).shared();
    let server = engine(&config, conn);

    // Unreachable from the start: degraded, and skipped (one error, checked below) while asks
    // keep coming.
    ask_while_down(&server, "down", Duration::from_millis(3_000)).await;
    let shared = server.cache().unwrap().stats().shared.unwrap();
    assert!(shared.degraded);

    // Back: the background probe clears degraded within about one interval, without an ask.
    switch.on();
    let took = recovers(&server).await;
    assert!(
        took < PROBE_INTERVAL + Duration::from_millis(700),
        "recovered after {took:?}"
    );
    // The next operation is not degraded and reaches Redis.
    tokio::time::sleep(PROBE_INTERVAL).await;
    let mut t = task("t1", SourceKey::Kusto);
    t.tenant_id = Some("after".into());
    let p = plan(vec![t]);
    let run = server.run(&p, &RunOptions::default()).await;
    assert_eq!(run.sections[0].status, SectionStatus::Ok);
    assert!(!run.cache.degraded, "{:?}", server.cache().unwrap().stats());
    let (_, fresh) = ScriptedConnector::slow_ok(SourceKey::Kusto, 1).shared();
    let run = engine(&config, fresh).run(&p, &RunOptions::default()).await;
    assert!(run.sections[0].cached, "stored in Redis after the recovery");
    assert_eq!(
        shared.errors, 1,
        "asks skipped the degraded Redis; failed probes are not errors"
    );

    // Lost while connected: the dead connection is dropped, the probe opens a new one.
    switch.off();
    ask_while_down(&server, "lost", Duration::from_millis(1_200)).await;
    switch.on();
    recovers(&server).await;
    let mut t = task("t1", SourceKey::Kusto);
    t.tenant_id = Some("after-loss".into());
    let run = server.run(&plan(vec![t]), &RunOptions::default()).await;
    assert!(!run.cache.degraded, "{:?}", server.cache().unwrap().stats());

    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut direct)
        .await
        .unwrap();
    assert_eq!(keys.len(), 2, "{keys:?}");
    let _: () = redis::cmd("DEL")
        .arg(&keys)
        .query_async(&mut direct)
        .await
        .unwrap();
}
