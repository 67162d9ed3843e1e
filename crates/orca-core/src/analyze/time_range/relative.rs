//! Time counted back from `now`: rolling spans ("last 30 days", "past 24h", "past week"), the
//! previous calendar period ("last month"), "to date" periods ("YTD"), weekends, and the
//! phrases that point forward ("next week"), which are always in the future.

use chrono::{DateTime, Days, NaiveDate, Utc};

use super::absolute::half_of;
use super::calendar::{
    Found, Problem, Span, Unit, count, days, fused, midnight, period_end, period_start,
    recent_weekday, step_back, up_to_now, word,
};
use crate::analyze::tokens::Tok;
use crate::analyze::vocab::weekday;
use crate::plan::TimeRange;

/// "last ..." / "past ..." / "previous ..." / "prior ..." at `i`.
pub(super) fn relative(toks: &[Tok<'_>], i: usize, now: DateTime<Utc>) -> Found {
    let today = now.date_naive();
    let lead = word(toks, i)?;
    let w1 = word(toks, i + 1)?;
    // "last Friday": the most recent Friday before today.
    if let Some(wd) = weekday(w1) {
        let day = recent_weekday(today, wd, false)?;
        return Some((days(day, day.succ_opt(), day.to_string()), 2));
    }
    // "last half of 2025": the second half.
    if w1 == "half" && word(toks, i + 2) == Some("of") {
        return Some(half_of(toks, i + 2, 2, today, 2));
    }
    // "last week": the previous calendar period; "past week", "last day": one rolling unit.
    if let Some(unit) = Unit::parse(w1).filter(|_| !w1.ends_with('s')) {
        let label = format!("{lead} {}", unit.name());
        if lead == "past" || matches!(unit, Unit::Hour | Unit::Day | Unit::Fortnight) {
            return Some((rolling(now, 1, unit, label), 2));
        }
        let current = period_start(today, unit)?;
        let previous = step_back(midnight(current), unit, 1).map(|t| t.date_naive());
        let found = match previous {
            Some(previous) => days(previous, Some(current), label),
            None => Err(Problem::BeforeEpoch),
        };
        return Some((found, 2));
    }
    // "last 30 days", "past two weeks"
    if let (Some(n), Some(unit)) = (count(w1), word(toks, i + 2).and_then(Unit::parse)) {
        let label = format!("{lead} {}", Span { n, unit }.label());
        return Some((rolling(now, n, unit, label), 3));
    }
    // "last 30d", "past 24h"
    let span = fused(w1)?;
    let label = format!("{lead} {}", span.label());
    Some((rolling(now, span.n, span.unit, label), 2))
}

/// "next week", "next 3 days", "next Friday", "next weekend": always in the future.
pub(super) fn next_len(toks: &[Tok<'_>], i: usize) -> Option<usize> {
    let w1 = word(toks, i + 1)?;
    if Unit::parse(w1).is_some() || weekday(w1).is_some() || w1 == "weekend" || fused(w1).is_some()
    {
        return Some(2);
    }
    count(w1)?;
    Unit::parse(word(toks, i + 2)?)?;
    Some(3)
}

/// `[now - n units, now]`.
fn rolling(now: DateTime<Utc>, n: u64, unit: Unit, label: String) -> Result<TimeRange, Problem> {
    if n == 0 {
        return Err(Problem::Empty);
    }
    let from = step_back(now, unit, n).ok_or(Problem::BeforeEpoch)?;
    up_to_now(from, now, label)
}

pub(super) fn to_date(today: NaiveDate, unit: Unit, len: usize) -> Found {
    let start = period_start(today, unit)?;
    let label = format!("{} to date", unit.name());
    Some((days(start, period_end(start, unit), label), len))
}

/// The weekend phrase at `i` ("the weekend", "over the weekend", "last weekend"): its length.
pub(super) fn weekend_len(toks: &[Tok<'_>], i: usize) -> Option<usize> {
    let lead = match word(toks, i)? {
        "over" | "on" | "during" | "in" | "at" | "across" | "throughout"
            if word(toks, i + 1) == Some("the") =>
        {
            2
        }
        "the" | "this" | "last" | "past" | "previous" | "prior" => 1,
        _ => 0,
    };
    (word(toks, i + lead) == Some("weekend")).then_some(lead + 1)
}

/// The most recent Saturday and Sunday (this one, up to now, on a weekend day).
pub(super) fn weekend(today: NaiveDate) -> Result<TimeRange, Problem> {
    let saturday = recent_weekday(today, 5, true).ok_or(Problem::BeforeEpoch)?;
    days(
        saturday,
        saturday.checked_add_days(Days::new(2)),
        format!("weekend of {saturday}"),
    )
}
