//! What a soak found, as text and JSON, and whether it crossed a threshold.

use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde::Serialize;

use super::client::*;
use super::faults::*;
use crate::cli::SoakArgs;

/// The soak's findings (`--format json` prints this).
#[derive(Debug, Serialize)]
pub(super) struct SoakReport {
    pub(super) asks: usize,
    pub(super) fault_rate: f64,
    pub(super) seed: u64,
    pub(super) concurrency: usize,
    pub(super) deadline_ms: u64,
    pub(super) task_timeout_ms: u64,
    pub(super) margin_ms: u64,
    /// Asks with no answer by deadline + margin.
    pub(super) hangs: u64,
    /// Asks whose connection failed before an answer.
    pub(super) connection_errors: u64,
    /// The slowest answered ask's elapsed time minus the deadline (negative: under it).
    pub(super) max_overshoot_ms: f64,
    pub(super) max_elapsed_ms: f64,
    /// The slowest ask: its request and the server's own measure of it (`timings.total_ms`).
    pub(super) slowest_request: String,
    pub(super) slowest_server_ms: f64,
    /// The largest `timings.total_ms` of any report (server side, without HTTP and queueing).
    pub(super) max_server_ms: f64,
    /// The largest gap between the client's measure of an ask and the server's (HTTP, queueing
    /// and scheduling: large gaps on a loaded machine are not the engine's).
    pub(super) max_http_overhead_ms: f64,
    /// Answered asks that ended past deadline + the overshoot limit.
    pub(super) asks_over_limit: u64,
    pub(super) p50_elapsed_ms: f64,
    pub(super) p99_elapsed_ms: f64,
    /// Sections (and report errors) not ok without a reason.
    pub(super) reasonless_gaps: u64,
    /// Answers by HTTP status class.
    pub(super) status_2xx: u64,
    pub(super) status_4xx: u64,
    pub(super) status_5xx: u64,
    pub(super) answered: u64,
    pub(super) partial: u64,
    pub(super) unanswered: u64,
    pub(super) sections: u64,
    pub(super) sections_not_ok: u64,
    pub(super) source_calls: u64,
    pub(super) faults_error: u64,
    pub(super) faults_timeout: u64,
    pub(super) faults_slow: u64,
    pub(super) rss_before_kb: Option<u64>,
    pub(super) rss_after_kb: Option<u64>,
    pub(super) took_s: f64,
    /// Thresholds crossed; empty when the soak passed.
    pub(super) failures: Vec<String>,
}

impl SoakReport {
    pub(super) fn new(
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

    pub(super) fn text(&self) -> String {
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

pub(super) fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

pub(super) fn task_timeout_ms(args: &SoakArgs) -> u64 {
    args.task_timeout_ms.unwrap_or(args.deadline_ms)
}
