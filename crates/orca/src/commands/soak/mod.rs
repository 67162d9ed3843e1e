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

mod client;
mod faults;
mod report;

use crate::out::{out, outln};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow};
use orca_core::Connector;
use rand::Rng;
use tokio_util::sync::CancellationToken;

use crate::app;
use crate::cli::{CommonArgs, PlanFormat, SoakArgs};
use crate::error::{BadInput, CliError, CliResult, Failure};
use crate::server::{self, ServerState, auth::Auth};
use client::*;
use faults::*;
use report::*;

/// The most asks one soak sends.
const MAX_ASKS: usize = 100_000;
/// The most asks in flight.
const MAX_CONCURRENCY: usize = 256;
/// The longest deadline or margin a soak accepts (a soak is meant to stop by itself).
const MAX_WAIT_MS: u64 = 60_000;

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
        PlanFormat::Json => outln!("{}", serde_json::to_string_pretty(&report)?),
        PlanFormat::Text => out!("{}", report.text()),
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

/// Resident set size of this process in KiB (`VmRSS` of /proc/self/status); None off Linux.
fn rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}
