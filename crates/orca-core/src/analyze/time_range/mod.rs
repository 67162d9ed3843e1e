//! Time: the first time phrase of a request resolved against `now` (UTC) into a range with a
//! human label ([`find`]), and the age filter ("older than 30 days", "created before October")
//! resolved into a creation cut-off ([`find_age`]). Invariant: a phrase either resolves to a
//! range that starts no later than `now` and not before 1970, or is [`TimeOutcome::Invalid`]
//! with one sentence quoting it; nothing panics, whatever the numbers.
//!
//! # Ranges
//! Weeks start on Monday; every date is a UTC calendar date; only the first phrase counts. A
//! range `[from, to)` excludes `to`; a range that ends at `now` includes it (`to_inclusive`).
//! - Rolling, like Kusto's `ago()`: "last|past|previous|prior N hours|days|weeks|fortnights|
//!   months|quarters|halves|years" (N as digits or "one".."twelve"; fused "24h", "30d", "2w",
//!   "6m" = months, "1q", "1y") is `[now - N units, now]`. Hours, days (24 h) and weeks (7 days)
//!   are exact; months, quarters, halves and years step calendar months keeping the time of day
//!   (clamped to the month's last day). "past week|month|quarter|half|year", "last|past day|
//!   hour|fortnight" are one rolling unit (a fortnight is 14 days).
//! - Previous calendar period: "last|previous|prior week|month|quarter|half|year" (week = Monday
//!   to Sunday), `[start, end)`.
//! - Up to now: "this|current week|month|quarter|half|year", "today", "YTD"/"year to date",
//!   "MTD", "QTD", "since DATE", "since <a range>" (its start: "since last week"), "from DATE"
//!   alone. "from <a range>" is that range ("from last month").
//! - Calendar: "yesterday"; "between A and B", "from A to|until|through B" (both dates
//!   included; "to now|today|date" ends at `now`; an end without a year is never before the
//!   start if its year can make it so: "from March 1 until December 31", "between December 1
//!   and January 15" when the range then spans at most six months); "in|during|for|throughout|
//!   on MONTH [YEAR]", "MONTH YEAR", "in|during YEAR", "on DATE", a full date with its year (ISO
//!   or written);
//!   "Q1".."Q4" and "H1"/"H2" with an optional year ("Q3 2026", "H2 of 2025", "2025 Q3"),
//!   "first|second half [of YEAR|of the year]", "last half of YEAR" (= H2).
//! - Weekends: "[the|this|last|past|previous] weekend", "over|on|during|in the weekend": the most
//!   recent Saturday 00:00 to Monday 00:00 (on a Saturday or Sunday, that weekend up to now).
//! - Weekdays: "on|since|from Monday", a full weekday name alone ("Monday", not "Mon"): the
//!   most recent Monday, today included; "last|past|previous Friday": the most recent Friday
//!   before today. One day each.
//! - DATE: ISO "2026-03-01", "March 1", "March 1st, 2026", "1 March 2026", "1st of March",
//!   "today", "yesterday", "tomorrow", a weekday, "last Friday", "next Friday", or a MONTH alone
//!   (its first day). A date or month (or quarter, half) without a year is the most recent one
//!   not in the future.
//! - A calendar range that contains `now` ("in November" in November, "Q4", "2026") ends at `now`,
//!   included.
//!
//! # Invalid (bad input, never a silent change of question)
//! - in the future: "next week|month|..", "next N days", "tomorrow", "next Friday", a range that
//!   starts after `now` ("since 2027-01-01", "Q1 2027"): `the time range "next week" is in the
//!   future`;
//! - reversed: `the time range "from March 5 to March 1" ends before it starts`;
//! - impossible dates ("2026-02-30", "February 30", "March 45"): `"February 30" is not a date`;
//! - reaching before 1970 (also any count too large to compute): `the time range "last 30 days"
//!   reaches before 1970`;
//! - zero units: `"last 0 days" is an empty range`.
//!
//! # Age (not a range)
//! "older than N units", "more than|over|at least N units old|ago", "aged [over|more than] N
//! units", "open|opened|active [for] more than|over|longer than|at least N units" (N may be
//! "a"/"an": "more than a week") give `created_before = now - N units`; "before DATE", "prior to
//! DATE", "earlier than DATE", "older than DATE" give `created_before` = DATE's first instant.
//! The words "open"/"opened"/"active" and a leading "created"/"opened" stay free for the passes
//! that claim them; a "before" not followed by a date is not claimed. Errors: `"February 30" is
//! not a date`, `the age "older than 100000 years" reaches before 1970`.
//!
//! # Where
//! This file finds the phrase and settles its range; [`relative`] reads phrases counted back
//! from `now` ("last 30 days", "past week", "the weekend"), [`absolute`] dates, months, years,
//! quarters and halves as written and "from A to B" between them, [`age`] the age filter, and
//! [`calendar`] holds what they share: units, spans, calendar periods and the ranges they make.

mod absolute;
mod age;
mod calendar;
mod event;
mod relative;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};

use super::tokens::{Role, Tok};
use super::vocab::{is_number, quarter_number, weekday};
use crate::plan::TimeRange;
use absolute::{
    date_at, half_number, half_of, half_range, quarter, quarter_range, until, year_range,
};
pub(crate) use age::find_age;
use calendar::{
    Found, Problem, Unit, days, epoch, message, midnight, parse_year, period_end, period_start,
    recent_weekday, up_to_now, word, written,
};
pub(crate) use event::{claim_verb_before, event_verb};
use relative::{next_len, relative, to_date, weekend, weekend_len};

/// What the time pass found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TimeOutcome {
    None,
    Range(TimeRange),
    /// A time phrase that names no possible range: one sentence quoting it.
    Invalid(String),
}

/// Finds the first time phrase among the free tokens and marks its tokens `Role::Time`.
pub(crate) fn find(toks: &mut [Tok<'_>], now: DateTime<Utc>) -> TimeOutcome {
    for i in 0..toks.len() {
        if toks[i].role != Role::Free {
            continue;
        }
        if let Some((result, len)) = match_at(toks, i, now) {
            let len = len.clamp(1, toks.len() - i);
            let phrase = written(toks, i, len);
            for tok in &mut toks[i..i + len] {
                tok.role = Role::Time;
            }
            return match result.and_then(|range| settle(range, now)) {
                Ok(range) => TimeOutcome::Range(range),
                Err(problem) => TimeOutcome::Invalid(message(problem, &phrase)),
            };
        }
    }
    TimeOutcome::None
}

/// The checks every range gets: not in the future, not before 1970, cut at `now`.
fn settle(mut range: TimeRange, now: DateTime<Utc>) -> Result<TimeRange, Problem> {
    if range.from > now {
        return Err(Problem::Future);
    }
    if range.from < epoch() {
        return Err(Problem::BeforeEpoch);
    }
    if range.to < range.from {
        return Err(Problem::Reversed);
    }
    if range.to > now {
        range.to = now;
        range.to_inclusive = true;
    }
    Ok(range)
}

fn match_at(toks: &[Tok<'_>], i: usize, now: DateTime<Utc>) -> Found {
    let today = now.date_naive();
    if let Some(len) = weekend_len(toks, i) {
        return Some((weekend(today), len));
    }
    let w0 = word(toks, i)?;
    let w1 = word(toks, i + 1);
    let w2 = word(toks, i + 2);
    match w0 {
        "last" | "past" | "previous" | "prior" => relative(toks, i, now),
        "next" | "coming" | "upcoming" => next_len(toks, i).map(|len| (Err(Problem::Future), len)),
        "this" | "current" => {
            let unit = Unit::parse(w1?)?;
            if unit == Unit::Hour || unit == Unit::Day {
                return Some((days(today, today.succ_opt(), "today"), 2));
            }
            let start = period_start(today, unit)?;
            let end = period_end(start, unit);
            Some((days(start, end, format!("this {}", unit.name())), 2))
        }
        "today" => Some((days(today, today.succ_opt(), "today"), 1)),
        "yesterday" => {
            let day = today.pred_opt()?;
            Some((days(day, Some(today), "yesterday"), 1))
        }
        "tomorrow" => Some((Err(Problem::Future), 1)),
        "ytd" | "year-to-date" => to_date(today, Unit::Year, 1),
        "mtd" | "month-to-date" => to_date(today, Unit::Month, 1),
        "qtd" | "quarter-to-date" => to_date(today, Unit::Quarter, 1),
        "year" | "month" | "quarter" if w1 == Some("to") && w2 == Some("date") => {
            to_date(today, Unit::parse(w0)?, 3)
        }
        "first" | "second" if w1 == Some("half") => Some(half_of(
            toks,
            i + 2,
            if w0 == "first" { 1 } else { 2 },
            today,
            2,
        )),
        "since" | "from" => since(toks, i, now),
        "between" => {
            let (start, len) = date_at(toks, i + 1, today)?;
            if !matches!(word(toks, i + 1 + len), Some("and" | "to")) {
                return None;
            }
            until(toks, i + 1 + len, start, now, 1 + len)
        }
        "in" | "during" | "for" | "throughout" | "on" => {
            if let Some(y) = w1.filter(|w| w.len() >= 4 && is_number(w)) {
                if w0 == "on"
                    || w2.is_some_and(|w| quarter_number(w).is_some() || half_number(w).is_some())
                {
                    return None;
                }
                return Some((year_range(y), 2));
            }
            let (spec, len) = date_at(toks, i + 1, today)?;
            Some((spec.and_then(|spec| spec.as_range()), 1 + len))
        }
        _ => {
            if let Some(q) = quarter_number(w0) {
                return Some(quarter(toks, i, q, today));
            }
            if let Some(h) = half_number(w0) {
                return Some(half_of(toks, i + 1, h, today, 1));
            }
            if w0.len() >= 4 && is_number(w0) {
                let w1 = w1?;
                let year = parse_year(w0);
                if let Some(q) = quarter_number(w1) {
                    return Some((year.and_then(|y| quarter_range(y, q)), 2));
                }
                let h = half_number(w1)?;
                return Some((year.and_then(|y| half_range(y, h)), 2));
            }
            if let Some(wd) = weekday(w0).filter(|_| w0.ends_with("day")) {
                let day = recent_weekday(today, wd, true)?;
                return Some((days(day, day.succ_opt(), day.to_string()), 1));
            }
            // A date written with its year, or a month with its year, stands on its own.
            let (spec, len) = date_at(toks, i, today)?;
            match spec {
                Ok(spec) if spec.explicit_year => Some((spec.as_range(), len)),
                Err(problem) if len > 1 || w0.contains('-') => Some((Err(problem), len)),
                _ => None,
            }
        }
    }
}

/// "since DATE" / "from DATE": to `now`; "from A to B": that range; "since <range>": its start
/// to `now`; "from <range>": that range.
fn since(toks: &[Tok<'_>], i: usize, now: DateTime<Utc>) -> Found {
    let today = now.date_naive();
    let lead = word(toks, i)?;
    // "since the beginning of the month", "from the start of this year": the current period.
    let mut k = i + 1;
    if word(toks, k) == Some("the") {
        k += 1;
    }
    if matches!(word(toks, k), Some("beginning" | "start")) && word(toks, k + 1) == Some("of") {
        let mut u = k + 2;
        if matches!(word(toks, u), Some("the" | "this")) {
            u += 1;
        }
        if let Some(unit) = word(toks, u).and_then(Unit::parse)
            && !matches!(unit, Unit::Hour | Unit::Day)
        {
            let start = period_start(today, unit)?;
            let label = format!("since the start of the {}", unit.name());
            return Some((up_to_now(midnight(start), now, label), u + 1 - i));
        }
    }
    let Some((start, len)) = date_at(toks, i + 1, today) else {
        let (inner, len) = match_at(toks, i + 1, now)?;
        let found = match inner {
            Ok(r) if lead == "since" => {
                up_to_now(r.from, now, format!("since {}", r.from.date_naive()))
            }
            other => other,
        };
        return Some((found, 1 + len));
    };
    if lead == "from"
        && let Some(found) = until(toks, i + 1 + len, start.clone(), now, 1 + len)
    {
        return Some(found);
    }
    let found = start
        .and_then(|start| up_to_now(midnight(start.first), now, format!("since {}", start.first)));
    Some((found, 1 + len))
}
