//! Engine behaviour on a paused clock with scripted connectors and zero jitter: every timing
//! below is exact, and the whole file runs in milliseconds.

use std::sync::Arc;
use std::time::Duration;

use orca_core::{
    CacheStats, Connector, ConnectorError, ContextItem, ErrorKind, Plan, Report, Scope, Section,
    SectionStatus, SourceKey, StatusFilter, Timings,
};
use orca_engine::testing::{
    ScriptedConnector, Step, output, plan, rate_limited, task, unavailable,
};
use orca_engine::{Engine, EngineConfig, EngineEvent, Run, RunOptions, StopReason};
use tokio::time::Instant;

/// Defaults, except zero jitter so waits are exact.
fn config() -> EngineConfig {
    let mut config = EngineConfig::default();
    config.retry.jitter = false;
    config
}

fn engine(config: EngineConfig, connectors: Vec<Arc<dyn Connector>>) -> Engine {
    Engine::new(config, connectors).expect("valid config")
}

async fn run(engine: &Engine, plan: &Plan) -> Run {
    engine.run(plan, &RunOptions::default()).await
}

fn one_task(source: SourceKey) -> Plan {
    plan(vec![task("t1", source)])
}

fn reason(section: &Section) -> &str {
    section.reason.as_deref().unwrap_or("")
}

// --- retries -------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn retries_then_succeeds_after_exactly_the_backoff_sum() {
    let (icm, conn) = ScriptedConnector::new(SourceKey::Icm)
        .then(Step::err(unavailable()))
        .then(Step::err(unavailable()))
        .then(Step::ok(output(4, &["I1"])))
        .shared();
    let run = run(&engine(config(), vec![conn]), &one_task(SourceKey::Icm)).await;
    let s = &run.sections[0];
    assert_eq!(s.status, SectionStatus::Ok);
    assert_eq!(s.reason, None);
    assert_eq!(s.attempts, 3);
    assert_eq!(s.elapsed_ms, 300.0, "100 ms + 200 ms of backoff");
    assert_eq!(s.summary["total"], 4);
    assert_eq!(icm.calls(), 3);
    assert_eq!(run.queries, 3);
    assert_eq!(run.wall_ms, 300.0);
}

#[tokio::test(start_paused = true)]
async fn retries_exhausted_reports_the_last_error() {
    let (icm, conn) = ScriptedConnector::new(SourceKey::Icm)
        .otherwise(Step::err(unavailable()))
        .shared();
    let run = run(&engine(config(), vec![conn]), &one_task(SourceKey::Icm)).await;
    let s = &run.sections[0];
    assert_eq!(s.status, SectionStatus::Error);
    assert_eq!(
        reason(s),
        "unavailable after 3 attempts: connection refused"
    );
    assert_eq!((s.attempts, icm.calls()), (3, 3));
    assert_eq!(s.elapsed_ms, 300.0);
}

#[tokio::test(start_paused = true)]
async fn a_connector_timeout_that_persists_is_a_timeout_section() {
    let (_, conn) = ScriptedConnector::new(SourceKey::Kusto)
        .otherwise(Step::err(ConnectorError::new(
            ErrorKind::Timeout,
            "query ran 30 s",
        )))
        .shared();
    let run = run(&engine(config(), vec![conn]), &one_task(SourceKey::Kusto)).await;
    assert_eq!(run.sections[0].status, SectionStatus::Timeout);
    assert_eq!(
        reason(&run.sections[0]),
        "timeout after 3 attempts: query ran 30 s"
    );
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_the_minimum_wait() {
    let (_, conn) = ScriptedConnector::new(SourceKey::Ado)
        .then(Step::err(rate_limited(700)))
        .then(Step::err(rate_limited(50)))
        .then(Step::ok(output(1, &[])))
        .shared();
    let run = run(&engine(config(), vec![conn]), &one_task(SourceKey::Ado)).await;
    let s = &run.sections[0];
    assert_eq!(s.status, SectionStatus::Ok);
    assert_eq!(s.attempts, 3);
    assert_eq!(
        s.elapsed_ms, 900.0,
        "700 ms (retry-after beats 100) + 200 ms (backoff beats 50)"
    );
}

#[tokio::test(start_paused = true)]
async fn permanent_errors_are_not_retried() {
    for error in [
        ConnectorError::bad_query("unknown column Sev"),
        ConnectorError::new(ErrorKind::Auth, "token expired"),
    ] {
        let (kusto, conn) = ScriptedConnector::new(SourceKey::Kusto)
            .otherwise(Step::err(error.clone()))
            .shared();
        let run = run(&engine(config(), vec![conn]), &one_task(SourceKey::Kusto)).await;
        let s = &run.sections[0];
        assert_eq!(s.status, SectionStatus::Error);
        assert_eq!((s.attempts, kusto.calls()), (1, 1));
        assert_eq!(s.elapsed_ms, 0.0);
        assert!(
            reason(s).ends_with(&format!("{} (not retried)", error.message)),
            "{}",
            reason(s)
        );
    }
}

#[tokio::test(start_paused = true)]
async fn never_waits_past_the_task_budget_to_retry() {
    let mut config = config();
    config.task_timeout_ms = 250;
    let (icm, conn) = ScriptedConnector::new(SourceKey::Icm)
        .otherwise(Step::err(unavailable()))
        .shared();
    let run = run(&engine(config, vec![conn]), &one_task(SourceKey::Icm)).await;
    let s = &run.sections[0];
    // Attempt 1 at 0 ms, wait 100, attempt 2 at 100 ms; a 200 ms wait would end at 300 > 250.
    assert_eq!(s.status, SectionStatus::Error);
    assert_eq!(
        reason(s),
        "unavailable after 2 attempts: connection refused (no time left for another retry)"
    );
    assert_eq!((s.attempts, icm.calls()), (2, 2));
    assert_eq!(s.elapsed_ms, 100.0);
}

// --- circuit breaker -----------------------------------------------------------------------

fn breaker_engine(connector: Arc<dyn Connector>) -> Engine {
    let mut config = config();
    config.retry.attempts = 1;
    engine(config, vec![connector])
}

#[tokio::test(start_paused = true)]
async fn breaker_opens_after_five_failed_tasks_and_skips_instantly() {
    let (icm, conn) = ScriptedConnector::new(SourceKey::Icm)
        .otherwise(Step::err(unavailable()).after_ms(10))
        .shared();
    let engine = breaker_engine(conn);
    let plan = one_task(SourceKey::Icm);
    for n in 1..=5 {
        let run = run(&engine, &plan).await;
        assert_eq!(run.sections[0].status, SectionStatus::Error, "run {n}");
    }
    assert_eq!(icm.calls(), 5);
    assert_eq!(engine.breaker_states()[0].1.state, "open");

    tokio::time::advance(Duration::from_secs(18)).await;
    let run = run(&engine, &plan).await;
    let s = &run.sections[0];
    assert_eq!(s.status, SectionStatus::Skipped);
    assert_eq!(
        reason(s),
        "source paused after 5 failures in a row; trying it again in 12 s"
    );
    assert_eq!((s.elapsed_ms, s.attempts, run.wall_ms), (0.0, 0, 0.0));
    assert_eq!(icm.calls(), 5, "the source was not called");
}

#[tokio::test(start_paused = true)]
async fn breaker_half_opens_after_30_s_and_closes_on_a_successful_probe() {
    let (icm, conn) = ScriptedConnector::new(SourceKey::Icm)
        .then_times(5, Step::err(unavailable()))
        .otherwise(Step::ok(output(2, &[])).after_ms(10))
        .shared();
    let engine = breaker_engine(conn);
    for _ in 0..5 {
        run(&engine, &one_task(SourceKey::Icm)).await;
    }
    tokio::time::advance(Duration::from_secs(30)).await;

    // Two tasks at once: the first is the probe, the second is turned away while it runs.
    let two = plan(vec![task("t1", SourceKey::Icm), task("t2", SourceKey::Icm)]);
    let run1 = run(&engine, &two).await;
    assert_eq!(run1.sections[0].status, SectionStatus::Ok);
    assert_eq!(run1.sections[1].status, SectionStatus::Skipped);
    assert_eq!(
        reason(&run1.sections[1]),
        "source recovering: one trial request is checking it"
    );
    assert_eq!(icm.calls(), 6);
    assert_eq!(engine.breaker_states()[0].1.state, "closed");

    let run2 = run(&engine, &two).await;
    assert!(run2.sections.iter().all(Section::is_ok));
}

#[tokio::test(start_paused = true)]
async fn a_failed_probe_reopens_the_circuit() {
    let (icm, conn) = ScriptedConnector::new(SourceKey::Icm)
        .otherwise(Step::err(unavailable()))
        .shared();
    let engine = breaker_engine(conn);
    let plan = one_task(SourceKey::Icm);
    for _ in 0..5 {
        run(&engine, &plan).await;
    }
    tokio::time::advance(Duration::from_secs(30)).await;
    let probe = run(&engine, &plan).await;
    assert_eq!(probe.sections[0].status, SectionStatus::Error);
    assert_eq!(icm.calls(), 6);
    let after = run(&engine, &plan).await;
    assert_eq!(
        reason(&after.sections[0]),
        "source paused after a failed trial request; trying it again in 30 s"
    );
    assert_eq!(icm.calls(), 6);
}

#[tokio::test(start_paused = true)]
async fn breakers_are_per_source_and_count_tasks_not_attempts() {
    let (_, icm) = ScriptedConnector::new(SourceKey::Icm)
        .otherwise(Step::err(unavailable()))
        .shared();
    let (_, kusto) = ScriptedConnector::new(SourceKey::Kusto).shared();
    let engine = engine(config(), vec![icm, kusto]);
    let plan = plan(vec![
        task("t1", SourceKey::Icm),
        task("t2", SourceKey::Kusto),
    ]);
    for _ in 0..4 {
        let run = run(&engine, &plan).await;
        assert_eq!(run.sections[0].attempts, 3);
    }
    let states = engine.breaker_states();
    assert_eq!(states[0].0, SourceKey::Kusto);
    assert_eq!((states[0].1.state, states[0].1.failures), ("closed", 0));
    assert_eq!(states[1].0, SourceKey::Icm);
    assert_eq!(
        (states[1].1.state, states[1].1.failures),
        ("closed", 4),
        "12 attempts, 4 tasks"
    );
}

#[tokio::test(start_paused = true)]
async fn permanent_errors_do_not_open_the_circuit() {
    let (_, conn) = ScriptedConnector::new(SourceKey::Docs)
        .otherwise(Step::err(ConnectorError::bad_query("empty search")))
        .shared();
    let engine = breaker_engine(conn);
    for _ in 0..10 {
        run(&engine, &one_task(SourceKey::Docs)).await;
    }
    assert_eq!(engine.breaker_states()[0].1.state, "closed");
}

// --- timeouts and the deadline --------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn per_task_timeout_cuts_a_hanging_source() {
    let (_, icm) = ScriptedConnector::new(SourceKey::Icm)
        .otherwise(Step::hang())
        .shared();
    let (_, kusto) = ScriptedConnector::slow_ok(SourceKey::Kusto, 40).shared();
    let plan = plan(vec![
        task("t1", SourceKey::Kusto),
        task("t2", SourceKey::Icm),
    ]);
    let run = run(&engine(config(), vec![icm, kusto]), &plan).await;
    assert_eq!(run.sections[0].status, SectionStatus::Ok);
    let s = &run.sections[1];
    assert_eq!(s.status, SectionStatus::Timeout);
    assert_eq!(reason(s), "timeout after 5 s");
    assert_eq!((s.elapsed_ms, s.ended_ms, s.attempts), (5000.0, 5000.0, 1));
    assert_eq!(run.wall_ms, 5000.0);
    assert_eq!(run.stopped, None);
}

#[tokio::test(start_paused = true)]
async fn the_deadline_cuts_a_hanging_source_at_exactly_the_deadline() {
    // t1 takes 6 s, so t2 starts at 6 s and its 7 s budget is clipped to the 10 s deadline.
    let mut config = config();
    config.task_timeout_ms = 7_000;
    let (_, kusto) = ScriptedConnector::slow_ok(SourceKey::Kusto, 6_000).shared();
    let (_, ado) = ScriptedConnector::new(SourceKey::Ado)
        .otherwise(Step::hang())
        .shared();
    let mut t2 = task("t2", SourceKey::Ado);
    t2.depends_on = vec!["t1".into()];
    let plan = plan(vec![task("t1", SourceKey::Kusto), t2]);
    let start = Instant::now();
    let run = run(&engine(config, vec![kusto, ado]), &plan).await;
    assert_eq!(start.elapsed(), Duration::from_secs(10));
    assert_eq!(run.wall_ms, 10_000.0);
    let s = &run.sections[1];
    assert_eq!(s.status, SectionStatus::Timeout);
    assert_eq!(reason(s), "deadline of 10 s reached");
    assert_eq!(
        (s.started_ms, s.ended_ms, s.elapsed_ms),
        (6000.0, 10_000.0, 4000.0)
    );
}

/// A request that makes several runs (an investigation's steps) shares one deadline: a run
/// given an earlier `deadline_at` ends there, not a whole deadline after its own start.
#[tokio::test(start_paused = true)]
async fn a_run_ends_at_the_requests_deadline_when_it_is_earlier() {
    let (_, ado) = ScriptedConnector::new(SourceKey::Ado)
        .otherwise(Step::hang())
        .shared();
    let mut config = config();
    config.task_timeout_ms = 10_000;
    let engine = engine(config, vec![ado]);
    let start = Instant::now();
    let options = RunOptions {
        deadline_at: Some(start + Duration::from_secs(4)),
        ..RunOptions::default()
    };
    let run = engine.run(&one_task(SourceKey::Ado), &options).await;
    assert_eq!(start.elapsed(), Duration::from_secs(4));
    assert_eq!(run.sections[0].status, SectionStatus::Timeout);
    // A later `deadline_at` never extends the engine's own deadline.
    let start = Instant::now();
    let options = RunOptions {
        deadline_at: Some(start + Duration::from_secs(60)),
        ..RunOptions::default()
    };
    engine.run(&one_task(SourceKey::Ado), &options).await;
    assert_eq!(start.elapsed(), Duration::from_secs(10));
}

#[tokio::test(start_paused = true)]
async fn the_deadline_ends_tasks_that_never_started() {
    // t1 hangs for its whole 10 s budget; t2 waits on it and never starts.
    let mut config = config();
    config.task_timeout_ms = 10_000;
    let (_, icm) = ScriptedConnector::new(SourceKey::Icm)
        .otherwise(Step::hang())
        .shared();
    let (ado, ado_conn) = ScriptedConnector::new(SourceKey::Ado).shared();
    let mut t2 = task("t2", SourceKey::Ado);
    t2.depends_on = vec!["t1".into()];
    let plan = plan(vec![task("t1", SourceKey::Icm), t2]);
    let run = run(&engine(config, vec![icm, ado_conn]), &plan).await;
    assert_eq!(run.wall_ms, 10_000.0);
    assert_eq!(reason(&run.sections[0]), "deadline of 10 s reached");
    let s = &run.sections[1];
    assert_eq!(s.status, SectionStatus::Skipped);
    assert_eq!(
        reason(s),
        "needs t1 (icm), which timed out: deadline of 10 s reached"
    );
    assert_eq!(ado.calls(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_budget_equal_to_the_deadline_reports_the_deadline() {
    let mut config = config();
    config.deadline_ms = 300;
    config.task_timeout_ms = 300;
    let (_, kusto) = ScriptedConnector::new(SourceKey::Kusto)
        .otherwise(Step::hang())
        .shared();
    let run = run(&engine(config, vec![kusto]), &one_task(SourceKey::Kusto)).await;
    assert_eq!(run.wall_ms, 300.0);
    assert_eq!(reason(&run.sections[0]), "deadline of 300 ms reached");
    assert_eq!(run.sections[0].status, SectionStatus::Timeout);
}

// --- bulkhead -------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn the_bulkhead_limits_concurrency_per_source() {
    let mut config = config();
    config
        .sources
        .entry(SourceKey::Icm)
        .or_default()
        .max_concurrency = Some(2);
    let (icm, icm_conn) = ScriptedConnector::slow_ok(SourceKey::Icm, 100).shared();
    let (kusto, kusto_conn) = ScriptedConnector::slow_ok(SourceKey::Kusto, 100).shared();
    let tasks = (1..=5)
        .map(|n| task(&format!("i{n}"), SourceKey::Icm))
        .chain((1..=5).map(|n| task(&format!("k{n}"), SourceKey::Kusto)))
        .collect();
    let run = run(&engine(config, vec![icm_conn, kusto_conn]), &plan(tasks)).await;
    assert!(run.sections.iter().all(Section::is_ok));
    assert_eq!(icm.max_in_flight(), 2);
    assert_eq!(kusto.max_in_flight(), 5, "other sources are not held back");
    assert_eq!(run.wall_ms, 300.0, "icm runs 2 + 2 + 1");
    let ends: Vec<f64> = run.sections[..5].iter().map(|s| s.ended_ms).collect();
    assert_eq!(ends, [100.0, 100.0, 200.0, 200.0, 300.0]);
    assert_eq!(
        run.sections[4].elapsed_ms, 300.0,
        "waiting for a slot is task time"
    );
}

#[tokio::test(start_paused = true)]
async fn waiting_for_a_slot_counts_against_the_task_budget() {
    let mut config = config();
    config.task_timeout_ms = 1_000;
    config.max_concurrency_per_source = 1;
    let (icm, conn) = ScriptedConnector::new(SourceKey::Icm)
        .otherwise(Step::hang())
        .shared();
    let plan = plan(vec![task("t1", SourceKey::Icm), task("t2", SourceKey::Icm)]);
    let run = run(&engine(config, vec![conn]), &plan).await;
    assert_eq!(reason(&run.sections[0]), "timeout after 1 s");
    assert_eq!(
        reason(&run.sections[1]),
        "timeout after 1 s waiting for a free icm slot (all 1 in use)"
    );
    assert_eq!(run.sections[1].attempts, 0);
    assert_eq!(icm.calls(), 1);
    assert_eq!(run.wall_ms, 1_000.0);
}

// --- graph: parallelism, context, dependencies ----------------------------------------------

#[tokio::test(start_paused = true)]
async fn independent_tasks_run_at_once() {
    let connectors = vec![
        ScriptedConnector::slow_ok(SourceKey::Kusto, 50).shared().1,
        ScriptedConnector::slow_ok(SourceKey::Icm, 80).shared().1,
        ScriptedConnector::slow_ok(SourceKey::Ado, 120).shared().1,
    ];
    let plan = plan(vec![
        task("t1", SourceKey::Kusto),
        task("t2", SourceKey::Icm),
        task("t3", SourceKey::Ado),
    ]);
    let run = run(&engine(config(), connectors), &plan).await;
    assert_eq!(run.wall_ms, 120.0);
    assert_eq!(run.sequential_ms, 250.0);
    let starts: Vec<f64> = run.sections.iter().map(|s| s.started_ms).collect();
    assert_eq!(starts, [0.0, 0.0, 0.0]);
}

#[tokio::test(start_paused = true)]
async fn sections_keep_plan_order_whatever_finishes_first() {
    let connectors = vec![
        ScriptedConnector::slow_ok(SourceKey::Kusto, 90).shared().1,
        ScriptedConnector::slow_ok(SourceKey::Icm, 10).shared().1,
    ];
    let plan = plan(vec![task("a", SourceKey::Kusto), task("b", SourceKey::Icm)]);
    let run = run(&engine(config(), connectors), &plan).await;
    let ids: Vec<&str> = run.sections.iter().map(|s| s.task_id.as_str()).collect();
    assert_eq!(ids, ["a", "b"]);
}

#[tokio::test(start_paused = true)]
async fn a_dependent_task_receives_its_dependencies_outputs() {
    let (_, icm) = ScriptedConnector::new(SourceKey::Icm)
        .otherwise(Step::ok(output(2, &["I-101", "I-102"])).after_ms(30))
        .shared();
    let (ado, ado_conn) = ScriptedConnector::slow_ok(SourceKey::Ado, 20).shared();
    let mut t2 = task("t2", SourceKey::Ado);
    t2.depends_on = vec!["t1".into()];
    let plan = plan(vec![task("t1", SourceKey::Icm), t2]);
    let run = run(&engine(config(), vec![icm, ado_conn]), &plan).await;
    assert!(run.sections.iter().all(Section::is_ok));
    let queries = ado.queries();
    assert_eq!(
        queries[0].context,
        [ContextItem {
            task_id: "t1".into(),
            source: SourceKey::Icm,
            ids: vec!["I-101".into(), "I-102".into()],
        }]
    );
    assert_eq!(run.sections[1].started_ms, 30.0);
    assert_eq!(run.wall_ms, 50.0);
}

#[tokio::test(start_paused = true)]
async fn a_failed_dependency_skips_its_dependents_with_the_reason() {
    let (_, icm) = ScriptedConnector::new(SourceKey::Icm)
        .otherwise(Step::err(ConnectorError::bad_query("bad severity")))
        .shared();
    let (ado, ado_conn) = ScriptedConnector::new(SourceKey::Ado).shared();
    let (_, kusto) = ScriptedConnector::new(SourceKey::Kusto).shared();
    let mut t2 = task("t2", SourceKey::Ado);
    t2.depends_on = vec!["t1".into()];
    let mut t3 = task("t3", SourceKey::Kusto);
    t3.depends_on = vec!["t2".into()];
    let plan = plan(vec![task("t1", SourceKey::Icm), t2, t3]);
    let run = run(&engine(config(), vec![icm, ado_conn, kusto]), &plan).await;
    assert_eq!(run.sections[1].status, SectionStatus::Skipped);
    assert_eq!(
        reason(&run.sections[1]),
        "needs t1 (icm), which failed: bad query: bad severity (not retried)"
    );
    assert_eq!(
        reason(&run.sections[2]),
        "needs t2 (ado), which was skipped: needs t1 (icm), which failed: bad query: bad severity (not retried)"
    );
    assert_eq!(ado.calls(), 0);
}

#[tokio::test(start_paused = true)]
async fn unknown_dependencies_and_cycles_end_as_skipped_sections() {
    let (_, kusto) = ScriptedConnector::new(SourceKey::Kusto).shared();
    let mut a = task("a", SourceKey::Kusto);
    a.depends_on = vec!["b".into()];
    let mut b = task("b", SourceKey::Kusto);
    b.depends_on = vec!["a".into()];
    let mut c = task("c", SourceKey::Kusto);
    c.depends_on = vec!["zz".into()];
    let run = run(&engine(config(), vec![kusto]), &plan(vec![a, b, c])).await;
    let reasons: Vec<&str> = run.sections.iter().map(reason).collect();
    assert_eq!(
        reasons,
        [
            "dependency cycle: needs b, which never finished",
            "dependency cycle: needs a, which never finished",
            "needs zz, which is not in the plan",
        ]
    );
    assert!(
        run.sections
            .iter()
            .all(|s| s.status == SectionStatus::Skipped)
    );
}

#[tokio::test(start_paused = true)]
async fn a_source_without_a_connector_is_an_error_section() {
    let run = run(&engine(config(), vec![]), &one_task(SourceKey::Tenant)).await;
    assert_eq!(run.sections[0].status, SectionStatus::Error);
    assert_eq!(
        reason(&run.sections[0]),
        "no connector is configured for source tenant"
    );
}

struct Panicking;

impl Connector for Panicking {
    fn source(&self) -> SourceKey {
        SourceKey::Docs
    }
    fn name(&self) -> &str {
        "panicking"
    }
    fn run<'a>(
        &'a self,
        _: &'a orca_core::Query,
    ) -> orca_core::BoxFuture<'a, Result<orca_core::QueryOutput, ConnectorError>> {
        Box::pin(async { panic!("bug in the docs connector") })
    }
}

#[tokio::test(start_paused = true)]
async fn a_panicking_connector_becomes_an_error_section() {
    let run = run(
        &engine(config(), vec![Arc::new(Panicking)]),
        &one_task(SourceKey::Docs),
    )
    .await;
    assert_eq!(run.sections[0].status, SectionStatus::Error);
    assert_eq!(reason(&run.sections[0]), "the docs connector panicked");
}

// --- critical flags, customers, queries ----------------------------------------------------

#[tokio::test(start_paused = true)]
async fn critical_flags_carry_into_sections_and_decide_answerability() {
    let (_, kusto) = ScriptedConnector::new(SourceKey::Kusto).shared();
    let (_, icm) = ScriptedConnector::new(SourceKey::Icm)
        .otherwise(Step::err(ConnectorError::new(ErrorKind::Auth, "denied")))
        .shared();
    let engine = engine(config(), vec![kusto, icm]);

    let mut cases = task("t1", SourceKey::Kusto);
    cases.critical = true;
    let non_critical_fails = plan(vec![cases.clone(), task("t2", SourceKey::Icm)]);
    let run1 = run(&engine, &non_critical_fails).await;
    assert_eq!(
        run1.sections.iter().map(|s| s.critical).collect::<Vec<_>>(),
        [true, false]
    );
    let report = Report::new(
        non_critical_fails.clone(),
        String::new(),
        run1.sections,
        Timings::default(),
        CacheStats::default(),
    );
    assert!(report.partial && !report.unanswered);

    let mut incidents = task("t2", SourceKey::Icm);
    incidents.critical = true;
    let critical_fails = plan(vec![task("t1", SourceKey::Kusto), incidents]);
    let run2 = run(&engine, &critical_fails).await;
    let report = Report::new(
        critical_fails.clone(),
        String::new(),
        run2.sections,
        Timings::default(),
        CacheStats::default(),
    );
    assert!(report.partial && report.unanswered);
}

#[tokio::test(start_paused = true)]
async fn sections_name_their_customer_and_cached_is_false() {
    let (_, kusto) = ScriptedConnector::new(SourceKey::Kusto).shared();
    let run = run(&engine(config(), vec![kusto]), &one_task(SourceKey::Kusto)).await;
    let s = &run.sections[0];
    let customer = s.customer.as_ref().unwrap();
    assert_eq!(customer.name, "Ford Motor Company");
    assert_eq!(customer.tenant_id, "00000000-0000-0000-0000-00000000f04d");
    assert!(!s.cached);
    assert_eq!(s.agent, SourceKey::Kusto.agent());
}

#[tokio::test(start_paused = true)]
async fn queries_are_built_from_the_plan() {
    let (kusto, conn) = ScriptedConnector::new(SourceKey::Kusto).shared();
    let (docs, docs_conn) = ScriptedConnector::new(SourceKey::Docs).shared();
    let mut all = task("t1", SourceKey::Kusto);
    all.tenant_id = None;
    all.customer = None;
    let mut docs_task = task("t2", SourceKey::Docs);
    docs_task.tenant_id = None;
    let mut plan = plan(vec![all, docs_task]);
    plan.scope = Scope::All;
    plan.cohort = Some("MCS".into());
    plan.filters.status = Some(StatusFilter::Open);
    plan.filters.severity = vec!["A".into()];
    plan.search_terms = vec!["label".into(), "policy".into()];
    let options = RunOptions {
        limit: 5,
        ..RunOptions::default()
    };
    let run = engine(config(), vec![conn, docs_conn])
        .run(&plan, &options)
        .await;
    assert_eq!(run.sections[0].customer, None);
    let q = &kusto.queries()[0];
    assert!(q.all_tenants && q.tenant_ids.is_empty());
    assert_eq!(q.cohort.as_deref(), Some("MCS"));
    assert_eq!(q.limit, 5);
    assert_eq!(q.filters, plan.filters);
    assert_eq!(q.time_range, plan.time_range);
    assert_eq!(docs.queries()[0].search_terms, ["label", "policy"]);

    let mut one = plan.clone();
    one.scope = Scope::Customers;
    one.tasks = vec![task("t1", SourceKey::Kusto)];
    engine(config(), vec![kusto.clone() as Arc<dyn Connector>])
        .run(&one, &options)
        .await;
    let q = &kusto.queries()[1];
    assert!(!q.all_tenants);
    assert_eq!(q.tenant_ids, ["00000000-0000-0000-0000-00000000f04d"]);
    assert_eq!(q.cohort, None);
}

// --- cancellation and events ----------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn cancellation_ends_the_run_promptly() {
    let (_, icm) = ScriptedConnector::new(SourceKey::Icm)
        .otherwise(Step::hang())
        .shared();
    let (_, ado) = ScriptedConnector::new(SourceKey::Ado).shared();
    let mut t2 = task("t2", SourceKey::Ado);
    t2.depends_on = vec!["t1".into()];
    let plan = plan(vec![task("t1", SourceKey::Icm), t2]);
    let engine = engine(config(), vec![icm, ado]);
    let options = RunOptions::default();
    let cancel = options.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        cancel.cancel();
    });
    let run = engine.run(&plan, &options).await;
    assert_eq!(run.wall_ms, 50.0);
    assert_eq!(run.stopped, Some(StopReason::Cancelled));
    for s in &run.sections {
        assert_eq!((s.status, reason(s)), (SectionStatus::Skipped, "cancelled"));
    }
    assert_eq!(run.sections[0].attempts, 1);
    let icm_breaker = &engine.breaker_states()[1];
    assert_eq!(
        (icm_breaker.1.state, icm_breaker.1.failures),
        ("closed", 0),
        "not the source's fault"
    );
}

#[tokio::test(start_paused = true)]
async fn events_report_each_task_start_retry_and_finish() {
    let (_, icm) = ScriptedConnector::new(SourceKey::Icm)
        .then(Step::err(unavailable()))
        .otherwise(Step::ok(output(1, &[])))
        .shared();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let options = RunOptions {
        events: Some(tx),
        ..RunOptions::default()
    };
    let run = engine(config(), vec![icm])
        .run(&one_task(SourceKey::Icm), &options)
        .await;
    drop(options);
    let mut names = Vec::new();
    while let Some(event) = rx.recv().await {
        let json = serde_json::to_value(&event).unwrap();
        names.push(json["event"].as_str().unwrap().to_string());
        if let EngineEvent::TaskFinished(section) = &event {
            assert_eq!(section, &run.sections[0]);
        }
        if let EngineEvent::TaskRetrying {
            attempt, wait_ms, ..
        } = event
        {
            assert_eq!((attempt, wait_ms), (1, 100.0));
        }
    }
    assert_eq!(
        names,
        [
            "run_started",
            "task_started",
            "task_retrying",
            "task_finished",
            "run_finished"
        ]
    );
}

// --- fault injection ------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn three_slow_sources_take_the_time_of_one() {
    let mut config = config();
    config.faults = vec![
        "kusto=slow:300".into(),
        "icm=slow:300".into(),
        "ado=slow:300".into(),
    ];
    let connectors = [SourceKey::Kusto, SourceKey::Icm, SourceKey::Ado]
        .map(|s| ScriptedConnector::new(s).shared().1)
        .to_vec();
    let plan = plan(vec![
        task("t1", SourceKey::Kusto),
        task("t2", SourceKey::Icm),
        task("t3", SourceKey::Ado),
    ]);
    let run = run(&engine(config, connectors), &plan).await;
    assert!(run.sections.iter().all(Section::is_ok));
    assert_eq!(run.wall_ms, 300.0);
    assert_eq!(run.sequential_ms, 900.0);
}

#[tokio::test(start_paused = true)]
async fn injected_errors_and_timeouts_look_like_real_failures() {
    let mut config = config();
    config.faults = vec!["icm=error".into(), "ado=timeout".into()];
    let (icm, icm_conn) = ScriptedConnector::new(SourceKey::Icm).shared();
    let (_, ado) = ScriptedConnector::new(SourceKey::Ado).shared();
    let plan = plan(vec![task("t1", SourceKey::Icm), task("t2", SourceKey::Ado)]);
    let run = run(&engine(config, vec![icm_conn, ado]), &plan).await;
    assert_eq!(
        reason(&run.sections[0]),
        "unavailable after 3 attempts: injected fault icm=error"
    );
    assert_eq!(icm.calls(), 0, "the real connector is never reached");
    assert_eq!(reason(&run.sections[1]), "timeout after 5 s");
}

#[tokio::test(start_paused = true)]
async fn flaky_faults_are_deterministic_with_a_seed() {
    let statuses = |seed| async move {
        let mut config = config();
        config.retry.attempts = 1;
        config.breaker.failures = 100;
        config.faults = vec!["kusto=flaky:0.5".into()];
        config.seed = Some(seed);
        let engine = engine(
            config,
            vec![ScriptedConnector::new(SourceKey::Kusto).shared().1],
        );
        let mut out = Vec::new();
        for _ in 0..32 {
            out.push(run(&engine, &one_task(SourceKey::Kusto)).await.sections[0].status);
        }
        out
    };
    let first = statuses(42).await;
    assert_eq!(first, statuses(42).await);
    assert!(first.contains(&SectionStatus::Ok) && first.contains(&SectionStatus::Error));
}

#[test]
fn engine_new_rejects_an_invalid_config() {
    let config = EngineConfig {
        faults: vec!["icm=slow:soon".into()],
        deadline_ms: 0,
        ..EngineConfig::default()
    };
    let errors = Engine::new(config, vec![]).err().unwrap();
    assert_eq!(errors.len(), 3, "{errors:?}");
}

#[tokio::test(start_paused = true)]
async fn breaker_changes_are_reported_as_events() {
    let (_, conn) = ScriptedConnector::new(SourceKey::Icm)
        .otherwise(Step::err(unavailable()))
        .shared();
    let engine = breaker_engine(conn);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let options = RunOptions {
        events: Some(tx),
        ..RunOptions::default()
    };
    for _ in 0..5 {
        engine.run(&one_task(SourceKey::Icm), &options).await;
    }
    drop(options);
    let mut changes = Vec::new();
    while let Some(event) = rx.recv().await {
        if let EngineEvent::BreakerChanged { source, breaker } = event {
            changes.push((source, breaker.state, breaker.reason));
        }
    }
    assert_eq!(
        changes,
        [(
            SourceKey::Icm,
            "open",
            Some("5 failures in a row".to_string())
        )]
    );
}

// --- on a real multi-thread runtime (loose bounds: real time on a shared machine) ----------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_in_parallel_on_a_real_runtime() {
    let connectors = vec![
        ScriptedConnector::slow_ok(SourceKey::Kusto, 100).shared().1,
        ScriptedConnector::slow_ok(SourceKey::Icm, 150).shared().1,
        ScriptedConnector::slow_ok(SourceKey::Ado, 200).shared().1,
    ];
    let plan = plan(vec![
        task("t1", SourceKey::Kusto),
        task("t2", SourceKey::Icm),
        task("t3", SourceKey::Ado),
    ]);
    let run = run(&engine(config(), connectors), &plan).await;
    assert!(run.sections.iter().all(Section::is_ok));
    // Sequential would be 450 ms.
    assert!(
        run.wall_ms >= 200.0 && run.wall_ms < 400.0,
        "{}",
        run.wall_ms
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deadline_holds_on_a_real_runtime() {
    let mut config = config();
    config.deadline_ms = 100;
    config.task_timeout_ms = 100;
    let (_, icm) = ScriptedConnector::new(SourceKey::Icm)
        .otherwise(Step::hang())
        .shared();
    let (_, kusto) = ScriptedConnector::slow_ok(SourceKey::Kusto, 10).shared();
    let plan = plan(vec![
        task("t1", SourceKey::Icm),
        task("t2", SourceKey::Kusto),
    ]);
    let run = run(&engine(config, vec![icm, kusto]), &plan).await;
    assert_eq!(run.sections[0].status, SectionStatus::Timeout);
    assert_eq!(run.sections[1].status, SectionStatus::Ok);
    assert!(
        run.wall_ms >= 100.0 && run.wall_ms < 300.0,
        "{}",
        run.wall_ms
    );
}
