//! The `orca chat` session: one service (one registry, one engine, one cache) for many turns,
//! slash commands, follow-ups that keep the previous request's context, and session figures.
//!
//! This module turns a line into the text to print; `commands/chat.rs` owns the terminal (line
//! editing, history, Ctrl-C, Ctrl-D). Follow-ups are merged by `orca_core::followup::merge`
//! (pure, tested there). Invariant: a turn never ends the session except `/quit`; errors are
//! printed as one sentence and the prompt comes back.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Instant;

use chrono::{DateTime, Utc};
use orca_core::followup::{self, Kept};
use orca_core::{Complexity, Plan, Report};
use tokio_util::sync::CancellationToken;

use crate::render;
use crate::service::{AskError, AskOptions, Orca};

pub const HELP: &str = "\
Ask about customers in plain words, e.g. \"Show cases and ICMs for Ford\".
Follow-ups keep the context: \"and for GM?\", \"only the open ones\", \"what about last week?\".

  /plan <request>   show the plan for a request (nothing runs)
  /stats            cache hit rate, latency by complexity, queries per request
  /clear            forget the previous request (the next one starts fresh)
  /help             this text
  /quit             leave (or Ctrl-D); Ctrl-C cancels a running ask
";

/// One line of input, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Empty,
    Ask(String),
    Plan(String),
    Stats,
    Clear,
    Help,
    Quit,
    Unknown(String),
}

impl Input {
    pub fn parse(line: &str) -> Input {
        let line = line.trim();
        if line.is_empty() {
            return Input::Empty;
        }
        let Some(command) = line.strip_prefix('/') else {
            return Input::Ask(line.to_string());
        };
        let (name, rest) = command
            .split_once(char::is_whitespace)
            .map_or((command, ""), |(n, r)| (n, r.trim()));
        match name.to_ascii_lowercase().as_str() {
            "plan" => Input::Plan(rest.to_string()),
            "stats" => Input::Stats,
            "clear" => Input::Clear,
            "help" | "?" => Input::Help,
            "quit" | "exit" | "q" => Input::Quit,
            _ => Input::Unknown(name.to_string()),
        }
    }
}

/// What a turn printed, and whether the session goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    pub output: String,
    pub quit: bool,
}

impl Turn {
    fn say(output: impl Into<String>) -> Turn {
        Turn {
            output: output.into(),
            quit: false,
        }
    }
}

/// Figures of this session's asks.
#[derive(Debug, Default, Clone)]
struct SessionStats {
    asks: u64,
    hits: u64,
    misses: u64,
    /// Source queries (attempts of sections not served from the cache).
    queries: u64,
    /// Total latencies (ms) by complexity.
    latency: BTreeMap<&'static str, Vec<f64>>,
}

/// One chat session.
pub struct Session {
    orca: Orca,
    now: Option<DateTime<Utc>>,
    previous: Option<Plan>,
    stats: SessionStats,
}

impl Session {
    /// `now` fixes the clock for relative time ranges (`--now`); the real clock otherwise.
    pub fn new(orca: Orca, now: Option<DateTime<Utc>>) -> Session {
        Session {
            orca,
            now,
            previous: None,
            stats: SessionStats::default(),
        }
    }

    pub fn orca(&self) -> &Orca {
        &self.orca
    }

    /// Handles one line; an ask can be cancelled with `cancel`.
    pub async fn turn(&mut self, line: &str, cancel: CancellationToken) -> Turn {
        match Input::parse(line) {
            Input::Empty => Turn::say(""),
            Input::Ask(request) => Turn::say(self.ask(&request, cancel).await),
            Input::Plan(request) if request.is_empty() => Turn::say("usage: /plan <request>\n"),
            Input::Plan(request) => Turn::say(self.plan(&request)),
            Input::Stats => Turn::say(self.stats()),
            Input::Clear => {
                self.previous = None;
                Turn::say("Context cleared: the next request starts fresh.\n")
            }
            Input::Help => Turn::say(HELP),
            Input::Quit => Turn {
                output: String::new(),
                quit: true,
            },
            Input::Unknown(name) => Turn::say(format!(
                "unknown command /{name}; /help lists the commands\n"
            )),
        }
    }

    /// The plan of `request` in this conversation: merged into the previous request's when it is
    /// a follow-up.
    fn plan_of(&self, request: &str) -> Result<(Plan, Vec<Kept>), AskError> {
        let plan = self.orca.plan(request, self.now)?;
        let merged = self
            .previous
            .as_ref()
            .and_then(|previous| followup::merge(previous, &plan, &self.orca.config().analyzer));
        Ok(match merged {
            Some(f) => (f.plan, f.kept),
            None => (plan, Vec::new()),
        })
    }

    fn plan(&self, request: &str) -> String {
        match self.plan_of(request) {
            Ok((plan, kept)) => format!("{}{}", follow_note(&kept), render::plan_text(&plan)),
            Err(e) => format!("error: {e}\n"),
        }
    }

    async fn ask(&mut self, request: &str, cancel: CancellationToken) -> String {
        let started = Instant::now();
        let (plan, kept) = match self.plan_of(request) {
            Ok(x) => x,
            Err(e) => return format!("error: {e}\n"),
        };
        let analysis_us = started.elapsed().as_secs_f64() * 1e6;
        let note = follow_note(&kept);
        if plan.tasks.is_empty() {
            let answer = orca_core::answer::compose(&plan, &[]);
            return format!("{note}{answer}\n");
        }
        let options = AskOptions {
            now: self.now,
            cancel,
            ..AskOptions::default()
        };
        match self
            .orca
            .ask_plan(plan, started, analysis_us, options)
            .await
        {
            Ok(report) => {
                self.record(&report);
                let cancelled = report
                    .sections
                    .iter()
                    .any(|s| s.reason.as_deref() == Some("cancelled"));
                self.previous = Some(report.plan.clone());
                let mut out = format!("{note}{}", render::report_text(&report, false));
                if cancelled {
                    out.push_str("(cancelled)\n");
                }
                out
            }
            Err(e) => format!("{note}error: {e}\n"),
        }
    }

    fn record(&mut self, report: &Report) {
        let s = &mut self.stats;
        s.asks += 1;
        s.hits += report.cache.hits;
        s.misses += report.cache.misses;
        s.queries += report
            .sections
            .iter()
            .filter(|x| !x.cached)
            .map(|x| u64::from(x.attempts))
            .sum::<u64>();
        s.latency
            .entry(complexity_name(report.plan.complexity))
            .or_default()
            .push(report.timings.total_ms);
    }

    /// `/stats`: this session's figures, then the process-wide cache.
    pub fn stats(&self) -> String {
        let s = &self.stats;
        let mut out = String::new();
        let lookups = s.hits + s.misses;
        let rate = if lookups == 0 {
            0.0
        } else {
            100.0 * s.hits as f64 / lookups as f64
        };
        let _ = writeln!(
            out,
            "cache: {} hits, {} misses, hit rate {rate:.0}%",
            s.hits, s.misses
        );
        if let Some(cache) = self.orca.engine().cache() {
            let c = cache.stats();
            let _ = write!(
                out,
                "cache backend: {}, {} entries, ttl {} s",
                c.backend, c.entries, c.ttl_secs
            );
            if c.coalesced > 0 {
                let _ = write!(out, ", {} coalesced", c.coalesced);
            }
            if c.degraded {
                out.push_str(", shared cache DEGRADED (answering from the sources)");
            }
            out.push('\n');
        } else {
            out.push_str("cache backend: off\n");
        }
        let per_request = if s.asks == 0 {
            0.0
        } else {
            s.queries as f64 / s.asks as f64
        };
        let _ = writeln!(
            out,
            "asks: {}, source queries per request: {per_request:.1}",
            s.asks
        );
        if s.latency.is_empty() {
            out.push_str("latency by complexity: no asks yet\n");
        } else {
            out.push_str("latency by complexity:");
            for name in ["simple", "medium", "complex"] {
                if let Some(times) = s.latency.get(name) {
                    let _ = write!(
                        out,
                        " {name} p50 {:.1} ms ({} asks);",
                        p50(times),
                        times.len()
                    );
                }
            }
            out.pop();
            out.push('\n');
        }
        out
    }
}

fn follow_note(kept: &[Kept]) -> String {
    if kept.is_empty() {
        return String::new();
    }
    let list: Vec<&str> = kept.iter().map(|k| k.as_str()).collect();
    format!(
        "(follow-up: kept {} from the previous request)\n",
        list.join(", ")
    )
}

fn complexity_name(c: Complexity) -> &'static str {
    c.as_str()
}

fn p50(times: &[f64]) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[(sorted.len() - 1) / 2]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_into_inputs() {
        assert_eq!(Input::parse("  "), Input::Empty);
        assert_eq!(
            Input::parse("cases for Ford"),
            Input::Ask("cases for Ford".into())
        );
        assert_eq!(
            Input::parse("/plan  cases for Ford "),
            Input::Plan("cases for Ford".into())
        );
        assert_eq!(Input::parse("/plan"), Input::Plan(String::new()));
        assert_eq!(Input::parse("/STATS"), Input::Stats);
        assert_eq!(Input::parse("/clear"), Input::Clear);
        assert_eq!(Input::parse("/help"), Input::Help);
        assert_eq!(Input::parse("/quit"), Input::Quit);
        assert_eq!(Input::parse("/exit"), Input::Quit);
        assert_eq!(
            Input::parse("/frobnicate"),
            Input::Unknown("frobnicate".into())
        );
    }

    #[test]
    fn median_of_latencies() {
        assert_eq!(p50(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(p50(&[4.0, 1.0]), 1.0);
    }
}
