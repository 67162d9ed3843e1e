//! The performance monitor behind `GET /v1/stats` and the MCP `stats` tool: ask counts, latency
//! percentiles by complexity, the cache hit rate, per-source health and the last 50 asks.
//!
//! It keeps bounded windows (the latest `LATENCY_WINDOW` latencies per complexity and per source,
//! the latest `RECENT` asks), so its memory is fixed however long the server runs.
//! Invariant: a request's text is shown only to the principal that asked it; everyone else sees
//! it redacted.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{DateTime, Utc};
use orca_core::{Complexity, Report, SectionStatus, SourceKey};
use orca_engine::Engine;
use serde::Serialize;
use utoipa::ToSchema;

use super::AskError;

/// Latencies kept per complexity and per source for percentiles.
pub const LATENCY_WINDOW: usize = 2048;
/// Asks listed in `recent`.
pub const RECENT: usize = 50;
/// What others see instead of a request's text.
pub const REDACTED: &str = "[redacted]";

/// How an ask ended, as the metrics and the monitor count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AskOutcome {
    /// Every section ok.
    Ok,
    /// Answered with at least one section not ok.
    Partial,
    /// The essential (critical) section failed.
    Unanswered,
    /// The caller cancelled it before every section finished.
    Cancelled,
    /// Refused before running: a malformed request or nothing to answer.
    BadRequest,
    /// Refused before running: everything named is outside the caller's permissions.
    NotPermitted,
}

impl AskOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            AskOutcome::Ok => "ok",
            AskOutcome::Partial => "partial",
            AskOutcome::Unanswered => "unanswered",
            AskOutcome::Cancelled => "cancelled",
            AskOutcome::BadRequest => "bad_request",
            AskOutcome::NotPermitted => "not_permitted",
        }
    }

    /// The outcome of a report (`cancelled` when its caller cancelled the run).
    pub fn of(report: &Report, cancelled: bool) -> AskOutcome {
        if cancelled {
            AskOutcome::Cancelled
        } else if report.unanswered {
            AskOutcome::Unanswered
        } else if report.partial {
            AskOutcome::Partial
        } else {
            AskOutcome::Ok
        }
    }

    /// The outcome of an ask refused before it ran.
    pub fn refused(error: &AskError) -> AskOutcome {
        match error {
            AskError::NotPermitted(_) => AskOutcome::NotPermitted,
            _ => AskOutcome::BadRequest,
        }
    }
}

#[derive(Debug)]
pub struct Monitor {
    started: Instant,
    inner: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    asks: u64,
    partial: u64,
    unanswered: u64,
    cancelled: u64,
    rejected: u64,
    cache_hits: u64,
    cache_misses: u64,
    by_complexity: BTreeMap<&'static str, Window>,
    sources: BTreeMap<SourceKey, SourceState>,
    recent: VecDeque<Recent>,
    rate: Rate,
}

/// Seconds of ask counts kept for the request rate (ten minutes).
const RATE_SECONDS: usize = 600;

/// Asks per second over the last [`RATE_SECONDS`], in a fixed ring (second since the monitor
/// started, count), for the requests-per-minute figures.
#[derive(Debug)]
struct Rate {
    seconds: Vec<(u64, u64)>,
}

impl Default for Rate {
    fn default() -> Self {
        Rate {
            seconds: vec![(u64::MAX, 0); RATE_SECONDS],
        }
    }
}

impl Rate {
    fn record(&mut self, second: u64) {
        let slot = &mut self.seconds[(second % RATE_SECONDS as u64) as usize];
        if slot.0 != second {
            *slot = (second, 0);
        }
        slot.1 += 1;
    }

    /// Asks in the `n` seconds up to and including `second`.
    fn within(&self, second: u64, n: u64) -> u64 {
        self.seconds
            .iter()
            .filter(|(s, _)| *s != u64::MAX && *s <= second && second - *s < n)
            .map(|(_, c)| c)
            .sum()
    }

    /// Asks per minute for the last ten minutes, oldest first (the last is the minute up to now).
    fn per_minute(&self, second: u64) -> Vec<u64> {
        (0..(RATE_SECONDS as u64 / 60))
            .rev()
            .map(|m| {
                self.seconds
                    .iter()
                    .filter(|(s, _)| *s != u64::MAX && *s <= second && (second - *s) / 60 == m)
                    .map(|(_, c)| c)
                    .sum()
            })
            .collect()
    }
}

#[derive(Debug, Default)]
struct Window {
    count: u64,
    latest: VecDeque<f64>,
}

impl Window {
    fn push(&mut self, ms: f64) {
        self.count += 1;
        if self.latest.len() == LATENCY_WINDOW {
            self.latest.pop_front();
        }
        self.latest.push_back(ms);
    }

    fn summary(&self) -> LatencySummary {
        let mut sorted: Vec<f64> = self.latest.iter().copied().collect();
        sorted.sort_by(f64::total_cmp);
        LatencySummary {
            count: self.count,
            p50_ms: percentile(&sorted, 0.50),
            p95_ms: percentile(&sorted, 0.95),
            p99_ms: percentile(&sorted, 0.99),
        }
    }
}

/// Nearest-rank percentile of sorted values (0 when empty).
fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[derive(Debug, Default)]
struct SourceState {
    ok: u64,
    error: u64,
    timeout: u64,
    skipped: u64,
    latency: Window,
    /// Tasks that failed (error or timeout) since the last one the source answered.
    streak: u32,
    /// Of those, how many timed out.
    streak_timeouts: u32,
    /// The reason of the latest failed task, and when it failed.
    last_failure: Option<(String, DateTime<Utc>)>,
    /// When the source last answered a task (not from the cache).
    last_ok: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
struct Recent {
    at: DateTime<Utc>,
    principal: Arc<str>,
    request: String,
    complexity: Option<&'static str>,
    strategy: Option<&'static str>,
    outcome: &'static str,
    total_ms: f64,
    sections: usize,
    cached_sections: usize,
}

/// `GET /v1/stats`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Stats {
    pub uptime_s: f64,
    pub asks: AskCounts,
    /// Asks (answered or refused) in the last 60 seconds.
    pub requests_last_minute: u64,
    /// Asks per minute over the last ten minutes, oldest first; the last is the minute up to now.
    pub requests_per_minute: Vec<u64>,
    /// Latency percentiles of answered asks by complexity (simple, medium, complex).
    pub latency_ms: BTreeMap<String, LatencySummary>,
    pub cache: CacheSummary,
    pub sources: Vec<SourceHealth>,
    /// The latest asks, newest first.
    pub recent: Vec<RecentAsk>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct AskCounts {
    /// Asks answered (fully or partially).
    pub answered: u64,
    /// Answered asks with at least one section not ok.
    pub partial: u64,
    /// Answered asks whose essential (critical) section failed.
    pub unanswered: u64,
    /// Asks their caller cancelled before every section finished.
    pub cancelled: u64,
    /// Asks refused before running (bad request, not permitted).
    pub rejected: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LatencySummary {
    pub count: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct CacheSummary {
    pub hits: u64,
    pub misses: u64,
    pub hit_rate: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SourceHealth {
    pub source: String,
    /// closed, open or half_open.
    pub breaker: String,
    pub ok: u64,
    pub error: u64,
    pub timeout: u64,
    pub skipped: u64,
    pub p95_ms: f64,
    /// In a support engineer's words: `healthy` (answering), `failing` (its latest tasks failed,
    /// or it is paused after failures), `recovering` (one trial task is running after a pause),
    /// or `unused` (no task yet).
    pub health: String,
    /// Tasks that failed in a row since the source last answered (errors and timeouts).
    pub failures_in_a_row: u32,
    /// Of `failures_in_a_row`, how many timed out.
    pub timeouts_in_a_row: u32,
    /// Why the latest failed task failed, and when (RFC 3339).
    pub last_failure: Option<String>,
    pub last_failure_at: Option<String>,
    /// When the source last answered a task (RFC 3339).
    pub last_ok_at: Option<String>,
    /// While the source is paused after failures (its circuit is open): when the next trial task
    /// will be let through (RFC 3339).
    pub retry_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecentAsk {
    pub at: String,
    /// The request text for its own asker; `[redacted]` for everyone else.
    pub request: String,
    /// True when the caller of `/v1/stats` made this ask.
    pub mine: bool,
    pub complexity: Option<String>,
    pub strategy: Option<String>,
    /// ok, partial, unanswered, cancelled, bad_request or not_permitted.
    pub outcome: String,
    pub total_ms: f64,
    pub sections: usize,
    pub cached_sections: usize,
}

impl Default for Monitor {
    fn default() -> Self {
        Monitor::new()
    }
}

impl Monitor {
    pub fn new() -> Monitor {
        Monitor {
            started: Instant::now(),
            inner: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records an ask that ran (`outcome` says how it ended). A cancelled ask counts as
    /// cancelled, not answered, and stays out of the latency windows.
    pub(crate) fn answered(&self, principal: &Arc<str>, report: &Report, outcome: AskOutcome) {
        let complexity = report.plan.complexity.as_str();
        let cached_sections = report.sections.iter().filter(|s| s.cached).count();
        let mut st = self.state();
        st.cache_hits += report.cache.hits;
        st.cache_misses += report.cache.misses;
        if outcome == AskOutcome::Cancelled {
            st.cancelled += 1;
        } else {
            st.asks += 1;
            st.partial += u64::from(report.partial);
            st.unanswered += u64::from(report.unanswered);
            st.by_complexity
                .entry(complexity)
                .or_default()
                .push(report.timings.total_ms);
        }
        let now = Utc::now();
        let second = self.started.elapsed().as_secs();
        st.rate.record(second);
        for s in &report.sections {
            let src = st.sources.entry(s.source).or_default();
            match s.status {
                SectionStatus::Ok => src.ok += 1,
                SectionStatus::Error => src.error += 1,
                SectionStatus::Timeout => src.timeout += 1,
                SectionStatus::Skipped => src.skipped += 1,
            }
            match s.status {
                // A cached answer says nothing of the source now; a skipped task never reached it.
                SectionStatus::Ok if !s.cached => {
                    src.streak = 0;
                    src.streak_timeouts = 0;
                    src.last_ok = Some(now);
                }
                SectionStatus::Error | SectionStatus::Timeout => {
                    src.streak += 1;
                    src.streak_timeouts += u32::from(s.status == SectionStatus::Timeout);
                    src.last_failure = Some((s.reason_text().to_string(), now));
                }
                _ => {}
            }
            if !s.cached && s.status != SectionStatus::Skipped {
                src.latency.push(s.elapsed_ms);
            }
        }
        push_recent(
            &mut st.recent,
            Recent {
                at: Utc::now(),
                principal: Arc::clone(principal),
                request: report.request.clone(),
                complexity: Some(complexity),
                strategy: Some(report.plan.strategy.as_str()),
                outcome: outcome.as_str(),
                total_ms: report.timings.total_ms,
                sections: report.sections.len(),
                cached_sections,
            },
        );
    }

    /// Records an ask refused before running.
    pub(crate) fn rejected(
        &self,
        principal: &Arc<str>,
        request: &str,
        outcome: AskOutcome,
        ms: f64,
    ) {
        let second = self.started.elapsed().as_secs();
        let mut st = self.state();
        st.rejected += 1;
        st.rate.record(second);
        push_recent(
            &mut st.recent,
            Recent {
                at: Utc::now(),
                principal: Arc::clone(principal),
                request: request.chars().take(500).collect(),
                complexity: None,
                strategy: None,
                outcome: outcome.as_str(),
                total_ms: ms,
                sections: 0,
                cached_sections: 0,
            },
        );
    }

    /// The ask counts and the cache figures, without the rest of [`Monitor::stats`].
    pub fn counts(&self) -> (AskCounts, CacheSummary) {
        let st = self.state();
        (st.counts(), st.cache())
    }

    /// Seconds since the monitor (its service) started.
    pub fn uptime_s(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// The stats as `viewer` may see them.
    pub fn stats(&self, viewer: &str, engine: &Engine) -> Stats {
        let breakers: BTreeMap<SourceKey, orca_engine::BreakerSnapshot> =
            engine.breaker_states().into_iter().collect();
        let now = Utc::now();
        let second = self.started.elapsed().as_secs();
        let rfc3339 = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let st = self.state();
        let mut latency_ms = BTreeMap::new();
        for c in [Complexity::Simple, Complexity::Medium, Complexity::Complex] {
            let summary = st
                .by_complexity
                .get(c.as_str())
                .map(Window::summary)
                .unwrap_or(LatencySummary {
                    count: 0,
                    p50_ms: 0.0,
                    p95_ms: 0.0,
                    p99_ms: 0.0,
                });
            latency_ms.insert(c.as_str().to_string(), summary);
        }
        let sources = breakers
            .iter()
            .map(|(source, breaker)| {
                let s = st.sources.get(source);
                let streak = s.map_or(0, |s| s.streak);
                let health = match breaker.state {
                    "open" => "failing",
                    "half_open" => "recovering",
                    _ if streak > 0 => "failing",
                    _ if s.is_none_or(|s| s.ok + s.error + s.timeout == 0) => "unused",
                    _ => "healthy",
                };
                SourceHealth {
                    source: source.as_str().to_string(),
                    breaker: breaker.state.to_string(),
                    ok: s.map_or(0, |s| s.ok),
                    error: s.map_or(0, |s| s.error),
                    timeout: s.map_or(0, |s| s.timeout),
                    skipped: s.map_or(0, |s| s.skipped),
                    p95_ms: s.map_or(0.0, |s| s.latency.summary().p95_ms),
                    health: health.to_string(),
                    failures_in_a_row: streak,
                    timeouts_in_a_row: s.map_or(0, |s| s.streak_timeouts),
                    last_failure: s.and_then(|s| s.last_failure.as_ref().map(|f| f.0.clone())),
                    last_failure_at: s.and_then(|s| s.last_failure.as_ref().map(|f| rfc3339(f.1))),
                    last_ok_at: s.and_then(|s| s.last_ok.map(rfc3339)),
                    retry_at: breaker
                        .retry_in_ms
                        .map(|ms| rfc3339(now + chrono::Duration::milliseconds(ms as i64))),
                }
            })
            .collect();
        let recent = st
            .recent
            .iter()
            .rev()
            .map(|r| {
                let mine = &*r.principal == viewer;
                RecentAsk {
                    at: r.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                    request: if mine {
                        r.request.clone()
                    } else {
                        REDACTED.to_string()
                    },
                    mine,
                    complexity: r.complexity.map(str::to_string),
                    strategy: r.strategy.map(str::to_string),
                    outcome: r.outcome.to_string(),
                    total_ms: r.total_ms,
                    sections: r.sections,
                    cached_sections: r.cached_sections,
                }
            })
            .collect();
        Stats {
            uptime_s: self.uptime_s(),
            asks: st.counts(),
            requests_last_minute: st.rate.within(second, 60),
            requests_per_minute: st.rate.per_minute(second),
            latency_ms,
            cache: st.cache(),
            sources,
            recent,
        }
    }
}

impl State {
    fn counts(&self) -> AskCounts {
        AskCounts {
            answered: self.asks,
            partial: self.partial,
            unanswered: self.unanswered,
            cancelled: self.cancelled,
            rejected: self.rejected,
        }
    }

    fn cache(&self) -> CacheSummary {
        let lookups = self.cache_hits + self.cache_misses;
        CacheSummary {
            hits: self.cache_hits,
            misses: self.cache_misses,
            hit_rate: if lookups == 0 {
                0.0
            } else {
                self.cache_hits as f64 / lookups as f64
            },
        }
    }
}

fn push_recent(recent: &mut VecDeque<Recent>, r: Recent) {
    if recent.len() == RECENT {
        recent.pop_front();
    }
    recent.push_back(r);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.50), 50.0);
        assert_eq!(percentile(&v, 0.95), 95.0);
        assert_eq!(percentile(&v, 0.99), 99.0);
        assert_eq!(percentile(&[7.0], 0.99), 7.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }

    #[test]
    fn the_request_rate_counts_the_last_minute_and_ten_minutes_by_minute() {
        let mut r = Rate::default();
        for second in [0, 10, 59, 61, 119, 120, 600, 601] {
            r.record(second);
        }
        // At 601 s: 600 and 601 are within the last minute.
        assert_eq!(r.within(601, 60), 2);
        // Ten minutes up to 601 s: second 600 took the ring slot of second 0.
        let per_minute = r.per_minute(601);
        assert_eq!(per_minute.len(), 10);
        assert_eq!(per_minute.iter().sum::<u64>(), 7);
        assert_eq!(per_minute[9], 2);
    }

    #[test]
    fn windows_are_bounded() {
        let mut w = Window::default();
        for i in 0..(LATENCY_WINDOW + 10) {
            w.push(i as f64);
        }
        assert_eq!(w.latest.len(), LATENCY_WINDOW);
        assert_eq!(w.count, (LATENCY_WINDOW + 10) as u64);
    }
}
