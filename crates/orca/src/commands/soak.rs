//! `orca soak --asks N --fault-rate P [--seed S]`: the engine's promises under faults, measured
//! from outside over real HTTP.
//!
//! The real HTTP server runs in this process on a loopback address, over the data directory's
//! store, with every source wrapped so that each call misbehaves with probability P (an error, a
//! hang, a short or a too-long delay: the engine's own `FaultyConnector`s, picked per call by a
//! seeded RNG). N asks (a seeded mix of phrasings, customers and intents) go over HTTP with a few
//! in flight; each client waits the engine deadline plus a margin. The report counts hangs (no
//! answer by then), the largest overshoot past the deadline, sections not ok without a reason,
//! 5xx answers, and RSS before and after. Exit 1 when a threshold is crossed, 2 for bad flags.
//!
//! Bounded and self-stopping: every ask ends by deadline + margin, the server only listens on
//! loopback, has no result cache (nothing leaves the process), and is shut down at the end.
//! Deterministic for a seed, except timings: the asks and each source's draws are seeded, but with
//! more than one ask in flight, which call gets which draw depends on arrival order.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow};
use orca_core::{BoxFuture, Connector, ConnectorError, Query, QueryOutput};
use orca_engine::{Fault, FaultyConnector};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio_util::sync::CancellationToken;

use crate::app;
use crate::cli::{CommonArgs, PlanFormat, SoakArgs};
use crate::error::{BadInput, CliError, CliResult, Failure};
use crate::server::{self, ServerState, auth::Auth};

/// The most asks one soak sends.
const MAX_ASKS: usize = 100_000;
/// The most asks in flight.
const MAX_CONCURRENCY: usize = 256;
/// The longest deadline or margin a soak accepts (a soak is meant to stop by itself).
const MAX_WAIT_MS: u64 = 60_000;
/// The largest response the client reads; a report is a few KB.
const MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;

pub fn run(common: &CommonArgs, args: SoakArgs) -> CliResult<ExitCode> {
    let addr = check_args(&args).bad_input()?;
    let seed = args.seed.unwrap_or_else(|| rand::rng().random());
    let mut config = app::config(common)?;
    config.engine.deadline_ms = args.deadline_ms;
    config.engine.task_timeout_ms = task_timeout_ms(&args);
    config.engine.sources.clear();
    config.engine.faults.clear();
    config.engine.seed = Some(seed);
    // The soak measures the engine, not admission control: no rate limit, room for every ask.
    config.server.rate_limit_per_second = 0.0;
    config.server.max_in_flight = config.server.max_in_flight.max(args.concurrency * 2);

    let store = app::store_or_demo(&config, app::now(common))?;
    let registry = app::registry(&config, Some(&store))?;
    let requests = requests(&registry, args.asks, seed);
    let counts = Arc::new(FaultCounts::default());
    let faults = FaultMix {
        rate: args.fault_rate,
        task_timeout: Duration::from_millis(task_timeout_ms(&args)),
    };
    let connectors = store
        .connectors_at(&config.health, common.now)
        .into_iter()
        .enumerate()
        .map(|(i, inner)| {
            let source_seed = seed ^ (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            Arc::new(SoakFaults::new(
                inner,
                &faults,
                source_seed,
                Arc::clone(&counts),
            )) as Arc<dyn Connector>
        })
        .collect();
    // No result cache: every ask reaches the (faulty) sources, and a configured Redis is never
    // touched.
    let engine = orca_engine::Engine::with_cache(config.engine.clone(), connectors, None)
        .map_err(|errors| {
            anyhow!(
                "{}",
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        })
        .bad_input()?;
    let orca = crate::service::Orca::new(config, registry, store, engine);

    let runtime = app::runtime()?;
    let plan_requests = requests.clone();
    let plan = Plan {
        requests,
        concurrency: args.concurrency,
        deadline: Duration::from_millis(args.deadline_ms),
        margin: Duration::from_millis(args.margin_ms),
        now: common.now.map(|t| t.to_rfc3339()),
    };
    let shutdown = CancellationToken::new();
    let (local, server) = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let local = listener.local_addr()?;
        let state = Arc::new(ServerState::new(orca, Auth::disabled()));
        let app = server::router(Arc::clone(&state));
        let server = tokio::spawn(server::serve(
            listener,
            app,
            state,
            shutdown.clone(),
            Duration::from_secs(1),
        ));
        Ok::<_, anyhow::Error>((local, server))
    })?;
    // The client has its own single-thread runtime on this thread, as an outside caller would:
    // its timers and sockets do not wait for the server's busy workers.
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let rss_before_kb = rss_kb();
    let started = Instant::now();
    let results = client.block_on(send_all(local, &plan));
    let took = started.elapsed();
    let rss_after_kb = rss_kb();
    shutdown.cancel();
    runtime.block_on(async {
        match tokio::time::timeout(Duration::from_secs(5), server).await {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(e))) => Err(anyhow::Error::new(e).context("the server failed")),
            Ok(Err(e)) => Err(anyhow::Error::new(e).context("the server task failed")),
            Err(_) => {
                tracing::warn!("the soak's server did not stop within 5 s");
                Ok(())
            }
        }
    })?;
    let measured = Measured {
        results,
        took,
        rss_before_kb,
        rss_after_kb,
    };
    let report = SoakReport::new(&args, seed, &plan_requests, &measured, &counts);
    match args.format {
        PlanFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        PlanFormat::Text => print!("{}", report.text()),
    }
    if report.failures.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(CliError {
            failure: Failure::Other,
            error: anyhow!("soak failed: {}", report.failures.join("; ")),
        })
    }
}

/// Checks the flags before any work; returns the address to listen on.
fn check_args(args: &SoakArgs) -> anyhow::Result<SocketAddr> {
    let addr: SocketAddr = args.addr.parse().map_err(|e| {
        anyhow!(
            "--addr `{}` is not an address like 127.0.0.1:0 ({e})",
            args.addr
        )
    })?;
    if !addr.ip().is_loopback() {
        return Err(anyhow!(
            "--addr {addr} is not a loopback address: the soak's server has no authentication \
             and listens on loopback only (127.0.0.1 or ::1)"
        ));
    }
    if !(1..=MAX_ASKS).contains(&args.asks) {
        return Err(anyhow!("--asks must be from 1 to {MAX_ASKS}"));
    }
    if !(0.0..=1.0).contains(&args.fault_rate) {
        return Err(anyhow!(
            "--fault-rate must be a number from 0 to 1, e.g. 0.3"
        ));
    }
    if !(1..=MAX_CONCURRENCY).contains(&args.concurrency) {
        return Err(anyhow!("--concurrency must be from 1 to {MAX_CONCURRENCY}"));
    }
    if !(1..=MAX_WAIT_MS).contains(&args.deadline_ms) {
        return Err(anyhow!("--deadline-ms must be from 1 to {MAX_WAIT_MS}"));
    }
    if !(1..=args.deadline_ms).contains(&task_timeout_ms(args)) {
        return Err(anyhow!(
            "--task-timeout-ms must be from 1 to the deadline ({} ms)",
            args.deadline_ms
        ));
    }
    if args.margin_ms > MAX_WAIT_MS {
        return Err(anyhow!("--margin-ms must be at most {MAX_WAIT_MS}"));
    }
    if args.max_overshoot_ms > args.margin_ms {
        return Err(anyhow!(
            "--max-overshoot-ms ({}) must not exceed --margin-ms ({}): a slower ask counts as hung",
            args.max_overshoot_ms,
            args.margin_ms
        ));
    }
    Ok(addr)
}

fn task_timeout_ms(args: &SoakArgs) -> u64 {
    args.task_timeout_ms.unwrap_or(args.deadline_ms)
}

/// How each source call misbehaves: with probability `rate`, one of the engine's faults.
struct FaultMix {
    rate: f64,
    task_timeout: Duration,
}

/// Injected faults by kind, over all sources.
#[derive(Default)]
struct FaultCounts {
    calls: AtomicU64,
    error: AtomicU64,
    timeout: AtomicU64,
    slow: AtomicU64,
}

/// A source whose calls fail at a rate: each call draws (seeded) whether it misbehaves and how,
/// then goes through one of the engine's `FaultyConnector`s or straight to the real connector.
struct SoakFaults {
    inner: Arc<dyn Connector>,
    /// error, timeout (a hang), slow within the task budget, slow past it.
    faulty: [(Arc<dyn Connector>, FaultKind); 4],
    rate: f64,
    rng: Mutex<StdRng>,
    counts: Arc<FaultCounts>,
    name: String,
}

#[derive(Clone, Copy)]
enum FaultKind {
    Error,
    Timeout,
    Slow,
}

impl SoakFaults {
    fn new(
        inner: Arc<dyn Connector>,
        mix: &FaultMix,
        seed: u64,
        counts: Arc<FaultCounts>,
    ) -> SoakFaults {
        // Draws of the wrapped faults never happen (none is flaky), so their seed is unused.
        let wrap = |fault: Fault| {
            Arc::new(FaultyConnector::new(Arc::clone(&inner), fault, seed)) as Arc<dyn Connector>
        };
        let faulty = [
            (wrap(Fault::Error), FaultKind::Error),
            (wrap(Fault::Timeout), FaultKind::Timeout),
            (wrap(Fault::Slow(mix.task_timeout / 2)), FaultKind::Slow),
            (wrap(Fault::Slow(mix.task_timeout * 2)), FaultKind::Slow),
        ];
        let name = format!("{}+soak({})", inner.name(), mix.rate);
        SoakFaults {
            inner,
            faulty,
            rate: mix.rate,
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            counts,
            name,
        }
    }
}

impl Connector for SoakFaults {
    fn source(&self) -> orca_core::SourceKey {
        self.inner.source()
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn run<'a>(&'a self, query: &'a Query) -> BoxFuture<'a, Result<QueryOutput, ConnectorError>> {
        let pick = {
            let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
            rng.random_bool(self.rate)
                .then(|| rng.random_range(0..self.faulty.len()))
        };
        self.counts.calls.fetch_add(1, Ordering::Relaxed);
        let Some(i) = pick else {
            return self.inner.run(query);
        };
        let (connector, kind) = &self.faulty[i];
        let counter = match kind {
            FaultKind::Error => &self.counts.error,
            FaultKind::Timeout => &self.counts.timeout,
            FaultKind::Slow => &self.counts.slow,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        connector.run(query)
    }
}

/// The phrasings a soak asks: `{c}` and `{d}` are customer names. Each one is answered (fully
/// or partially) by the demo data set, so a 4xx in a soak is a finding too. The investigation
/// ("why ...") runs two engine runs under the one deadline of the ask.
const PHRASINGS: [&str; 15] = [
    "Why did cases for {c} go up last month?",
    "Show cases and ICMs for {c}",
    "How many open cases does {c} have?",
    "incidents for {c} in the last 30 days",
    "What is the tenant health of {c}?",
    "open work items for {c}",
    "Everything about {c}",
    "Is {c} having issues this week?",
    "Compare {c} and {d}",
    "sev 1 incidents for {c} last month",
    "cases, incidents and work items for {c}",
    "how is {c} doing",
    "oldest open cases for {c}",
    "Which customers have the most open cases?",
    "{c} and {d}: open incidents",
];

/// The request of each ask, drawn from the seed.
fn requests(registry: &orca_core::Registry, asks: usize, seed: u64) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(seed);
    let names: Vec<&str> = registry
        .customers()
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    let name = |rng: &mut StdRng| match names.len() {
        0 => "Contoso",
        n => names[rng.random_range(0..n)],
    };
    (0..asks)
        .map(|_| {
            let phrasing = PHRASINGS[rng.random_range(0..PHRASINGS.len())];
            let c = name(&mut rng);
            let d = name(&mut rng);
            phrasing.replace("{c}", c).replace("{d}", d)
        })
        .collect()
}

/// What the client sends and how long it waits.
struct Plan {
    requests: Vec<String>,
    concurrency: usize,
    deadline: Duration,
    margin: Duration,
    now: Option<String>,
}

/// How one ask ended, as the client saw it.
#[derive(Debug)]
enum AskResult {
    /// An HTTP answer: status, elapsed, and for a 200 the sections not ok without a reason.
    Answered {
        status: u16,
        elapsed: Duration,
        outcome: Option<Outcome>,
    },
    /// No answer by deadline + margin.
    Hung,
    /// The connection failed before an answer.
    Failed(String),
}

/// What the client saw, with the process's RSS around it.
struct Measured {
    results: Vec<AskResult>,
    took: Duration,
    rss_before_kb: Option<u64>,
    rss_after_kb: Option<u64>,
}

/// What a 200 report says.
#[derive(Debug, Default)]
struct Outcome {
    partial: bool,
    unanswered: bool,
    /// The server's own measure of the ask (`timings.total_ms`).
    server_ms: f64,
    sections: u64,
    not_ok: u64,
    reasonless: u64,
}

/// Sends every ask, `concurrency` at a time; results in ask order.
async fn send_all(addr: SocketAddr, plan: &Plan) -> Vec<AskResult> {
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<AskResult>>> =
        plan.requests.iter().map(|_| Mutex::new(None)).collect();
    let worker = || async {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(request) = plan.requests.get(i) else {
                break;
            };
            let result = ask_once(addr, request, plan).await;
            *results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
        }
    };
    let workers: Vec<_> = (0..plan.concurrency).map(|_| worker()).collect();
    join_all(workers).await;
    results
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .unwrap_or(AskResult::Failed("never sent".to_string()))
        })
        .collect()
}

/// Drives the workers together on this task (they borrow the plan, so they are not spawned).
async fn join_all<F: std::future::Future<Output = ()>>(futures: Vec<F>) {
    let mut futures: Vec<_> = futures.into_iter().map(Box::pin).collect();
    std::future::poll_fn(move |cx| {
        futures.retain_mut(|f| f.as_mut().poll(cx).is_pending());
        if futures.is_empty() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
}

/// One `POST /v1/ask`, bounded by deadline + margin.
async fn ask_once(addr: SocketAddr, request: &str, plan: &Plan) -> AskResult {
    let mut body = serde_json::json!({ "request": request, "no_cache": true });
    if let Some(now) = &plan.now {
        body["now"] = Value::String(now.clone());
    }
    let body = body.to_string();
    let started = Instant::now();
    let sent = tokio::time::timeout(
        plan.deadline + plan.margin,
        post(addr, "/v1/ask", body.as_bytes()),
    )
    .await;
    let elapsed = started.elapsed();
    match sent {
        Err(_) => AskResult::Hung,
        Ok(Err(e)) => AskResult::Failed(format!("{e:#}")),
        Ok(Ok((status, body))) => AskResult::Answered {
            status,
            elapsed,
            outcome: (status == 200).then(|| outcome(&body)),
        },
    }
}

/// Reads a report: sections not ok, and those of them (or of `errors`) without a reason.
fn outcome(body: &[u8]) -> Outcome {
    let Ok(report) = serde_json::from_slice::<Value>(body) else {
        // A 200 that is not a report cannot show its reasons: count it as one reasonless gap.
        return Outcome {
            reasonless: 1,
            ..Outcome::default()
        };
    };
    let has_reason = |v: &Value| {
        v.get("reason")
            .and_then(Value::as_str)
            .is_some_and(|r| !r.trim().is_empty())
    };
    let mut outcome = Outcome {
        partial: report["partial"].as_bool().unwrap_or(false),
        unanswered: report["unanswered"].as_bool().unwrap_or(false),
        server_ms: report["timings"]["total_ms"].as_f64().unwrap_or(0.0),
        ..Outcome::default()
    };
    for section in report["sections"].as_array().into_iter().flatten() {
        outcome.sections += 1;
        if section["status"].as_str() != Some("ok") {
            outcome.not_ok += 1;
            if !has_reason(section) {
                outcome.reasonless += 1;
            }
        }
    }
    for error in report["errors"].as_array().into_iter().flatten() {
        if !has_reason(error) {
            outcome.reasonless += 1;
        }
    }
    outcome
}

/// A minimal HTTP/1.1 client: one request per connection (`Connection: close`); returns the
/// status and the body (de-chunked when needed).
async fn post(addr: SocketAddr, path: &str, body: &[u8]) -> anyhow::Result<(u16, Vec<u8>)> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    let mut response = Vec::new();
    stream
        .take(MAX_RESPONSE_BYTES)
        .read_to_end(&mut response)
        .await?;
    parse_response(&response)
}

fn parse_response(response: &[u8]) -> anyhow::Result<(u16, Vec<u8>)> {
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| anyhow!("the response has no end of headers"))?;
    let head = std::str::from_utf8(&response[..split])?;
    let body = &response[split + 4..];
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| anyhow!("the response has no status line"))?;
    let chunked = lines.any(|line| {
        line.split_once(':').is_some_and(|(name, value)| {
            name.trim().eq_ignore_ascii_case("transfer-encoding")
                && value.trim().eq_ignore_ascii_case("chunked")
        })
    });
    let body = if chunked {
        dechunk(body)?
    } else {
        body.to_vec()
    };
    Ok((status, body))
}

fn dechunk(mut rest: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| anyhow!("a chunk has no size line"))?;
        let size_text = std::str::from_utf8(&rest[..line_end])?;
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| anyhow!("bad chunk size `{size_text}`"))?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        let chunk = rest
            .get(..size)
            .ok_or_else(|| anyhow!("a chunk is cut short"))?;
        body.extend_from_slice(chunk);
        rest = rest.get(size + 2..).unwrap_or(&[]);
    }
}

/// Resident set size of this process in KiB (`VmRSS` of /proc/self/status); None off Linux.
fn rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The soak's findings (`--format json` prints this).
#[derive(Debug, Serialize)]
struct SoakReport {
    asks: usize,
    fault_rate: f64,
    seed: u64,
    concurrency: usize,
    deadline_ms: u64,
    task_timeout_ms: u64,
    margin_ms: u64,
    /// Asks with no answer by deadline + margin.
    hangs: u64,
    /// Asks whose connection failed before an answer.
    connection_errors: u64,
    /// The slowest answered ask's elapsed time minus the deadline (negative: under it).
    max_overshoot_ms: f64,
    max_elapsed_ms: f64,
    /// The slowest ask: its request and the server's own measure of it (`timings.total_ms`).
    slowest_request: String,
    slowest_server_ms: f64,
    /// The largest `timings.total_ms` of any report (server side, without HTTP and queueing).
    max_server_ms: f64,
    /// The largest gap between the client's measure of an ask and the server's (HTTP, queueing
    /// and scheduling: large gaps on a loaded machine are not the engine's).
    max_http_overhead_ms: f64,
    /// Answered asks that ended past deadline + the overshoot limit.
    asks_over_limit: u64,
    p50_elapsed_ms: f64,
    p99_elapsed_ms: f64,
    /// Sections (and report errors) not ok without a reason.
    reasonless_gaps: u64,
    /// Answers by HTTP status class.
    status_2xx: u64,
    status_4xx: u64,
    status_5xx: u64,
    answered: u64,
    partial: u64,
    unanswered: u64,
    sections: u64,
    sections_not_ok: u64,
    source_calls: u64,
    faults_error: u64,
    faults_timeout: u64,
    faults_slow: u64,
    rss_before_kb: Option<u64>,
    rss_after_kb: Option<u64>,
    took_s: f64,
    /// Thresholds crossed; empty when the soak passed.
    failures: Vec<String>,
}

impl SoakReport {
    fn new(
        args: &SoakArgs,
        seed: u64,
        requests: &[String],
        measured: &Measured,
        counts: &FaultCounts,
    ) -> SoakReport {
        let results = &measured.results;
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let mut report = SoakReport {
            asks: results.len(),
            fault_rate: args.fault_rate,
            seed,
            concurrency: args.concurrency,
            deadline_ms: args.deadline_ms,
            task_timeout_ms: task_timeout_ms(args),
            margin_ms: args.margin_ms,
            hangs: 0,
            connection_errors: 0,
            max_overshoot_ms: 0.0,
            max_elapsed_ms: 0.0,
            slowest_request: String::new(),
            slowest_server_ms: 0.0,
            max_server_ms: 0.0,
            max_http_overhead_ms: 0.0,
            asks_over_limit: 0,
            p50_elapsed_ms: 0.0,
            p99_elapsed_ms: 0.0,
            reasonless_gaps: 0,
            status_2xx: 0,
            status_4xx: 0,
            status_5xx: 0,
            answered: 0,
            partial: 0,
            unanswered: 0,
            sections: 0,
            sections_not_ok: 0,
            source_calls: counts.calls.load(Ordering::Relaxed),
            faults_error: counts.error.load(Ordering::Relaxed),
            faults_timeout: counts.timeout.load(Ordering::Relaxed),
            faults_slow: counts.slow.load(Ordering::Relaxed),
            rss_before_kb: measured.rss_before_kb,
            rss_after_kb: measured.rss_after_kb,
            took_s: measured.took.as_secs_f64(),
            failures: Vec::new(),
        };
        let mut elapsed = Vec::with_capacity(results.len());
        let mut first_failure = None;
        let mut slowest = 0.0;
        for (request, result) in requests.iter().zip(results) {
            match result {
                AskResult::Hung => report.hangs += 1,
                AskResult::Failed(e) => {
                    report.connection_errors += 1;
                    first_failure.get_or_insert(e.clone());
                }
                AskResult::Answered {
                    status,
                    elapsed: took,
                    outcome,
                } => {
                    elapsed.push(ms(*took));
                    let server_ms = outcome.as_ref().map_or(0.0, |o| o.server_ms);
                    report.max_server_ms = report.max_server_ms.max(round1(server_ms));
                    if outcome.is_some() {
                        report.max_http_overhead_ms = report
                            .max_http_overhead_ms
                            .max(round1(ms(*took) - server_ms));
                    }
                    if ms(*took) > (args.deadline_ms + args.max_overshoot_ms) as f64 {
                        report.asks_over_limit += 1;
                    }
                    if ms(*took) > slowest {
                        slowest = ms(*took);
                        report.slowest_request = request.clone();
                        report.slowest_server_ms = round1(server_ms);
                    }
                    match status {
                        200..=299 => report.status_2xx += 1,
                        400..=499 => report.status_4xx += 1,
                        500..=599 => report.status_5xx += 1,
                        _ => {}
                    }
                    if let Some(o) = outcome {
                        match (o.unanswered, o.partial) {
                            (true, _) => report.unanswered += 1,
                            (false, true) => report.partial += 1,
                            (false, false) => report.answered += 1,
                        }
                        report.sections += o.sections;
                        report.sections_not_ok += o.not_ok;
                        report.reasonless_gaps += o.reasonless;
                    }
                }
            }
        }
        elapsed.sort_by(f64::total_cmp);
        let at = |q: f64| {
            elapsed
                .get(((elapsed.len() as f64 - 1.0) * q).round() as usize)
                .copied()
                .unwrap_or(0.0)
        };
        report.max_elapsed_ms = round1(elapsed.last().copied().unwrap_or(0.0));
        report.p50_elapsed_ms = round1(at(0.5));
        report.p99_elapsed_ms = round1(at(0.99));
        report.max_overshoot_ms = round1(report.max_elapsed_ms - args.deadline_ms as f64);

        let failures = &mut report.failures;
        if report.hangs > args.max_hangs {
            failures.push(format!(
                "{} hung asks (no answer within {} ms; limit {})",
                report.hangs,
                args.deadline_ms + args.margin_ms,
                args.max_hangs
            ));
        }
        if report.max_overshoot_ms > args.max_overshoot_ms as f64 {
            failures.push(format!(
                "the slowest ask ended {} ms past the {} ms deadline (limit {} ms)",
                report.max_overshoot_ms, args.deadline_ms, args.max_overshoot_ms
            ));
        }
        if report.reasonless_gaps > args.max_reasonless {
            failures.push(format!(
                "{} sections not ok without a reason (limit {})",
                report.reasonless_gaps, args.max_reasonless
            ));
        }
        if report.status_5xx > args.max_5xx {
            failures.push(format!(
                "{} answers with a 5xx status (limit {})",
                report.status_5xx, args.max_5xx
            ));
        }
        if let Some(e) = first_failure {
            failures.push(format!(
                "{} asks got no HTTP answer (first: {e})",
                report.connection_errors
            ));
        }
        report
    }

    fn text(&self) -> String {
        let mb = |kb: Option<u64>| match kb {
            Some(kb) => format!("{:.1} MB", kb as f64 / 1024.0),
            None => "unknown".to_string(),
        };
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Soak: {} asks, fault rate {}, seed {}, {} in flight, deadline {} ms (task {} ms), \
             hang after {} ms",
            self.asks,
            self.fault_rate,
            self.seed,
            self.concurrency,
            self.deadline_ms,
            self.task_timeout_ms,
            self.deadline_ms + self.margin_ms
        );
        let _ = writeln!(
            out,
            "  hangs:            {}{}",
            self.hangs,
            if self.connection_errors > 0 {
                format!(" ({} connection errors)", self.connection_errors)
            } else {
                String::new()
            }
        );
        let _ = writeln!(
            out,
            "  max overshoot:    {} ms past the deadline (slowest {} ms, p50 {} ms, p99 {} ms)",
            self.max_overshoot_ms, self.max_elapsed_ms, self.p50_elapsed_ms, self.p99_elapsed_ms
        );
        let _ = writeln!(
            out,
            "  slowest ask:      {:?} (server: {} ms; slowest on the server: {} ms; \
             largest HTTP overhead: {} ms; {} asks over the limit)",
            self.slowest_request,
            self.slowest_server_ms,
            self.max_server_ms,
            self.max_http_overhead_ms,
            self.asks_over_limit
        );
        let _ = writeln!(
            out,
            "  reasonless gaps:  {} (of {} sections not ok, {} sections)",
            self.reasonless_gaps, self.sections_not_ok, self.sections
        );
        let _ = writeln!(
            out,
            "  HTTP:             {} 2xx, {} 4xx, {} 5xx",
            self.status_2xx, self.status_4xx, self.status_5xx
        );
        let _ = writeln!(
            out,
            "  reports:          {} answered, {} partial, {} unanswered",
            self.answered, self.partial, self.unanswered
        );
        let _ = writeln!(
            out,
            "  faults injected:  {} error, {} timeout, {} slow, in {} source calls",
            self.faults_error, self.faults_timeout, self.faults_slow, self.source_calls
        );
        let _ = writeln!(
            out,
            "  RSS:              {} -> {}",
            mb(self.rss_before_kb),
            mb(self.rss_after_kb)
        );
        let _ = writeln!(out, "  took:             {:.1} s", self.took_s);
        let _ = writeln!(
            out,
            "{}",
            if self.failures.is_empty() {
                "Result: pass"
            } else {
                "Result: FAIL"
            }
        );
        out
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_plain_and_chunked_responses() {
        let plain = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
        assert_eq!(parse_response(plain).unwrap(), (200, b"{}".to_vec()));
        let chunked =
            b"HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        assert_eq!(parse_response(chunked).unwrap(), (503, b"abcde".to_vec()));
        assert!(parse_response(b"garbage").is_err());
    }

    #[test]
    fn counts_sections_not_ok_without_a_reason() {
        let body = br#"{"partial": true, "unanswered": false,
            "sections": [{"status": "ok"}, {"status": "timeout", "reason": "timeout after 250 ms"},
                         {"status": "error"}, {"status": "error", "reason": " "}],
            "errors": [{"reason": "x"}, {"reason": ""}]}"#;
        let o = outcome(body);
        assert_eq!((o.sections, o.not_ok, o.reasonless), (4, 3, 3));
        assert!(o.partial && !o.unanswered);
        assert_eq!(outcome(b"not json").reasonless, 1);
    }

    #[test]
    fn the_ask_sequence_depends_only_on_the_seed() {
        let (registry, _) =
            orca_core::Registry::from_csv(orca_connectors::DEMO_REGISTRY_CSV.as_bytes()).unwrap();
        assert_eq!(requests(&registry, 50, 7), requests(&registry, 50, 7));
        assert_ne!(requests(&registry, 50, 7), requests(&registry, 50, 8));
    }
}
