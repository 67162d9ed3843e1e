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

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveTime, TimeDelta, Utc};

use super::tokens::{Role, Tok};
use super::vocab::{is_number, month_number, number_word, quarter_number, weekday};
use crate::plan::TimeRange;

/// What the time pass found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TimeOutcome {
    None,
    Range(TimeRange),
    /// A time phrase that names no possible range: one sentence quoting it.
    Invalid(String),
}

/// The age filter: items created before an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Age {
    pub created_before: DateTime<Utc>,
    /// As understood, e.g. "older than 30 days", "created before 2026-10-01".
    pub label: String,
}

/// Why a phrase names no range; `find` turns it into a sentence quoting the phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Problem {
    Future,
    Reversed,
    BeforeEpoch,
    Empty,
    /// An impossible date: its words as written (filled in by `date_at`).
    NotADate(String),
}

type Found = Option<(Result<TimeRange, Problem>, usize)>;

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

fn message(problem: Problem, phrase: &str) -> String {
    match problem {
        Problem::Future => format!("the time range \"{phrase}\" is in the future"),
        Problem::Reversed => format!("the time range \"{phrase}\" ends before it starts"),
        Problem::BeforeEpoch => format!("the time range \"{phrase}\" reaches before 1970"),
        Problem::Empty => format!("\"{phrase}\" is an empty range"),
        Problem::NotADate(date) => format!("\"{date}\" is not a date"),
    }
}

fn epoch() -> DateTime<Utc> {
    DateTime::UNIX_EPOCH
}

/// The words `i..i + len` as the user wrote them.
fn written(toks: &[Tok<'_>], i: usize, len: usize) -> String {
    toks.iter()
        .skip(i)
        .take(len)
        .map(|t| t.raw)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Finds the first age phrase among the free tokens and marks its tokens `Role::Time` (but not
/// the "open" of "open for more than a week", nor a "created" before "before October").
pub(crate) fn find_age(toks: &mut [Tok<'_>], now: DateTime<Utc>) -> Option<Result<Age, String>> {
    for i in 0..toks.len() {
        if let Some((first, len, result)) = age_at(toks, i, now) {
            let len = len.min(toks.len().saturating_sub(first));
            for tok in toks.iter_mut().skip(first).take(len) {
                tok.role = Role::Time;
            }
            return Some(result);
        }
    }
    None
}

/// An age phrase at `i`: its first claimed token, its length and what it means.
fn age_at(
    toks: &[Tok<'_>],
    i: usize,
    now: DateTime<Utc>,
) -> Option<(usize, usize, Result<Age, String>)> {
    let w = |k: usize| word(toks, i + k);
    // "open for more than a week": "open" is the status filter's word, left free.
    if matches!(toks[i].folded, "open" | "opened" | "active") {
        let first = i + 1;
        let mut k = first + usize::from(word(toks, first) == Some("for"));
        k += comparison(toks, k)?;
        let (span, len) = duration(toks, k)?;
        let end = k + len;
        let end = end + usize::from(matches!(word(toks, end), Some("ago" | "old")));
        return Some((first, end - first, age_from(now, span)));
    }
    match w(0)? {
        "older" if w(1) == Some("than") => {
            if let Some((span, len)) = duration(toks, i + 2) {
                return Some((i, 2 + len, age_from(now, span)));
            }
            before_date(toks, i, 2, now)
        }
        "before" => before_date(toks, i, 1, now),
        "prior" | "earlier" if matches!(w(1), Some("to" | "than")) => before_date(toks, i, 2, now),
        "aged" => {
            let k = i + 1 + comparison(toks, i + 1).unwrap_or(0);
            let (span, len) = duration(toks, k)?;
            Some((i, k + len - i, age_from(now, span)))
        }
        _ => {
            // "more than 2 weeks old", "over 30 days old", "more than 30 days ago"
            let k = i + comparison(toks, i)?;
            let (span, len) = duration(toks, k)?;
            matches!(word(toks, k + len), Some("old" | "ago"))
                .then(|| (i, k + len + 1 - i, age_from(now, span)))
        }
    }
}

/// "more than", "over", "longer than", "greater than", "at least" at `k`: its length.
fn comparison(toks: &[Tok<'_>], k: usize) -> Option<usize> {
    match (word(toks, k)?, word(toks, k + 1)) {
        ("more" | "longer" | "greater", Some("than")) => Some(2),
        ("at", Some("least")) => Some(2),
        ("over", _) => Some(1),
        _ => None,
    }
}

/// A span of time as written: "30 days", "a week", "two weeks", "30d".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    n: u64,
    unit: Unit,
}

impl Span {
    fn label(self) -> String {
        let plural = if self.n == 1 { "" } else { "s" };
        format!("{} {}{plural}", self.n, self.unit.name())
    }
}

/// A span at `k` with the number of tokens it spans.
fn duration(toks: &[Tok<'_>], k: usize) -> Option<(Span, usize)> {
    let w0 = word(toks, k)?;
    if let Some(n) = count(w0).or(matches!(w0, "a" | "an").then_some(1))
        && let Some(unit) = word(toks, k + 1).and_then(Unit::parse)
    {
        return Some((Span { n, unit }, 2));
    }
    fused(w0).map(|span| (span, 1))
}

/// "30d", "24h", "2w": digits fused with a unit.
fn fused(w: &str) -> Option<Span> {
    let digits = w.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let unit = Unit::parse(&w[digits..])?;
    Some(Span {
        n: w[..digits].parse().unwrap_or(u64::MAX),
        unit,
    })
}

fn age_from(now: DateTime<Utc>, span: Span) -> Result<Age, String> {
    let label = format!("older than {}", span.label());
    match step_back(now, span.unit, span.n) {
        Some(created_before) if created_before >= epoch() => Ok(Age {
            created_before,
            label,
        }),
        _ => Err(format!("the age \"{label}\" reaches before 1970")),
    }
}

/// "before DATE" with the date at `i + skip`; not claimed unless a date follows.
fn before_date(
    toks: &[Tok<'_>],
    i: usize,
    skip: usize,
    now: DateTime<Utc>,
) -> Option<(usize, usize, Result<Age, String>)> {
    let (spec, len) = date_at(toks, i + skip, now.date_naive())?;
    let result = match spec {
        Ok(spec) => Ok(Age {
            created_before: midnight(spec.first),
            label: format!("created before {}", spec.first),
        }),
        Err(problem) => Err(message(problem, &written(toks, i, skip + len))),
    };
    Some((i, skip + len, result))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Hour,
    Day,
    Week,
    Fortnight,
    Month,
    Quarter,
    Half,
    Year,
}

impl Unit {
    fn parse(w: &str) -> Option<Unit> {
        Some(match w {
            "h" | "hr" | "hrs" | "hour" | "hours" => Unit::Hour,
            "d" | "day" | "days" => Unit::Day,
            "w" | "wk" | "wks" | "week" | "weeks" => Unit::Week,
            "fortnight" | "fortnights" => Unit::Fortnight,
            "m" | "mo" | "mos" | "month" | "months" => Unit::Month,
            "q" | "quarter" | "quarters" => Unit::Quarter,
            "half" | "halves" | "half-year" | "half-years" => Unit::Half,
            "y" | "yr" | "yrs" | "year" | "years" => Unit::Year,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Unit::Hour => "hour",
            Unit::Day => "day",
            Unit::Week => "week",
            Unit::Fortnight => "fortnight",
            Unit::Month => "month",
            Unit::Quarter => "quarter",
            Unit::Half => "half",
            Unit::Year => "year",
        }
    }

    /// Calendar months per unit, for the units that step by months.
    fn months(self) -> Option<u64> {
        match self {
            Unit::Month => Some(1),
            Unit::Quarter => Some(3),
            Unit::Half => Some(6),
            Unit::Year => Some(12),
            Unit::Hour | Unit::Day | Unit::Week | Unit::Fortnight => None,
        }
    }

    /// Hours per unit, for the units of fixed length.
    fn hours(self) -> Option<u64> {
        match self {
            Unit::Hour => Some(1),
            Unit::Day => Some(24),
            Unit::Week => Some(24 * 7),
            Unit::Fortnight => Some(24 * 14),
            Unit::Month | Unit::Quarter | Unit::Half | Unit::Year => None,
        }
    }
}

/// `t` moved back by `n` units; `None` when that cannot be computed (the caller reports it as
/// reaching before 1970).
fn step_back(t: DateTime<Utc>, unit: Unit, n: u64) -> Option<DateTime<Utc>> {
    if let Some(months) = unit.months() {
        let months = u32::try_from(n.checked_mul(months)?).ok()?;
        return t.checked_sub_months(Months::new(months));
    }
    let hours = i64::try_from(n.checked_mul(unit.hours()?)?).ok()?;
    t.checked_sub_signed(TimeDelta::try_hours(hours)?)
}

/// The folded word at `i` if it is free for the time pass.
fn word<'a>(toks: &'a [Tok<'_>], i: usize) -> Option<&'a str> {
    toks.get(i)
        .filter(|t| t.role == Role::Free)
        .map(|t| t.folded)
}

fn midnight(date: NaiveDate) -> DateTime<Utc> {
    date.and_time(NaiveTime::MIN).and_utc()
}

/// A half-open range; `settle` cuts it at `now` when it holds `now`.
fn range(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    label: impl Into<String>,
) -> Result<TimeRange, Problem> {
    Ok(TimeRange::new(from, to, label))
}

/// The calendar days `[first, end)`.
fn days(
    first: NaiveDate,
    end: Option<NaiveDate>,
    label: impl Into<String>,
) -> Result<TimeRange, Problem> {
    match end {
        Some(end) => range(midnight(first), midnight(end), label),
        None => Err(Problem::Future),
    }
}

/// A range ending at `now`, `now` included.
fn up_to_now(
    from: DateTime<Utc>,
    now: DateTime<Utc>,
    label: impl Into<String>,
) -> Result<TimeRange, Problem> {
    Ok(TimeRange {
        to_inclusive: true,
        ..TimeRange::new(from, now, label)
    })
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

/// "next week", "next 3 days", "next Friday", "next weekend": always in the future.
fn next_len(toks: &[Tok<'_>], i: usize) -> Option<usize> {
    let w1 = word(toks, i + 1)?;
    if Unit::parse(w1).is_some() || weekday(w1).is_some() || w1 == "weekend" || fused(w1).is_some()
    {
        return Some(2);
    }
    count(w1)?;
    Unit::parse(word(toks, i + 2)?)?;
    Some(3)
}

/// "last ..." / "past ..." / "previous ..." / "prior ..." at `i`.
fn relative(toks: &[Tok<'_>], i: usize, now: DateTime<Utc>) -> Found {
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

/// A count of units: digits (saturating, so that a huge count reaches before 1970) or
/// "one".."twelve".
fn count(w: &str) -> Option<u64> {
    if is_number(w) {
        return Some(w.parse().unwrap_or(u64::MAX));
    }
    number_word(w).map(u64::from)
}

/// `[now - n units, now]`.
fn rolling(now: DateTime<Utc>, n: u64, unit: Unit, label: String) -> Result<TimeRange, Problem> {
    if n == 0 {
        return Err(Problem::Empty);
    }
    let from = step_back(now, unit, n).ok_or(Problem::BeforeEpoch)?;
    up_to_now(from, now, label)
}

/// The first day of the calendar period holding `date`.
fn period_start(date: NaiveDate, unit: Unit) -> Option<NaiveDate> {
    let first_of = |month: u32| NaiveDate::from_ymd_opt(date.year(), month, 1);
    match unit {
        Unit::Hour | Unit::Day => Some(date),
        Unit::Week => {
            date.checked_sub_days(Days::new(u64::from(date.weekday().num_days_from_monday())))
        }
        Unit::Fortnight => None,
        Unit::Month => first_of(date.month()),
        Unit::Quarter => first_of((date.month() - 1) / 3 * 3 + 1),
        Unit::Half => first_of((date.month() - 1) / 6 * 6 + 1),
        Unit::Year => first_of(1),
    }
}

/// The day after the calendar period starting on `start`.
fn period_end(start: NaiveDate, unit: Unit) -> Option<NaiveDate> {
    match unit.months() {
        Some(months) => start.checked_add_months(Months::new(u32::try_from(months).ok()?)),
        None => start.checked_add_days(Days::new(unit.hours()? / 24)),
    }
}

fn to_date(today: NaiveDate, unit: Unit, len: usize) -> Found {
    let start = period_start(today, unit)?;
    let label = format!("{} to date", unit.name());
    Some((days(start, period_end(start, unit), label), len))
}

/// The most recent `weekday` (0 = Monday), today included or not.
fn recent_weekday(today: NaiveDate, weekday: u32, today_too: bool) -> Option<NaiveDate> {
    let mut back = (today.weekday().num_days_from_monday() + 7 - weekday) % 7;
    if back == 0 && !today_too {
        back = 7;
    }
    today.checked_sub_days(Days::new(u64::from(back)))
}

/// The weekend phrase at `i` ("the weekend", "over the weekend", "last weekend"): its length.
fn weekend_len(toks: &[Tok<'_>], i: usize) -> Option<usize> {
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
fn weekend(today: NaiveDate) -> Result<TimeRange, Problem> {
    let saturday = recent_weekday(today, 5, true).ok_or(Problem::BeforeEpoch)?;
    days(
        saturday,
        saturday.checked_add_days(Days::new(2)),
        format!("weekend of {saturday}"),
    )
}

/// A year of four digits or more. Years past 9999 (or too big to read) are in the future;
/// years before 1970 give ranges that reach before 1970.
fn parse_year(w: &str) -> Result<i32, Problem> {
    match w.parse::<i32>() {
        Ok(y) if y <= 9999 => Ok(y),
        _ => Err(Problem::Future),
    }
}

fn year_range(w: &str) -> Result<TimeRange, Problem> {
    let year = parse_year(w)?;
    let start = NaiveDate::from_ymd_opt(year, 1, 1).ok_or(Problem::Future)?;
    days(
        start,
        NaiveDate::from_ymd_opt(year + 1, 1, 1),
        year.to_string(),
    )
}

fn quarter_range(year: i32, q: u32) -> Result<TimeRange, Problem> {
    let start = NaiveDate::from_ymd_opt(year, (q - 1) * 3 + 1, 1).ok_or(Problem::Future)?;
    days(
        start,
        start.checked_add_months(Months::new(3)),
        format!("Q{q} {year}"),
    )
}

fn half_range(year: i32, h: u32) -> Result<TimeRange, Problem> {
    let start = NaiveDate::from_ymd_opt(year, (h - 1) * 6 + 1, 1).ok_or(Problem::Future)?;
    days(
        start,
        start.checked_add_months(Months::new(6)),
        format!("H{h} {year}"),
    )
}

/// "h1" / "h2" -> 1 / 2.
fn half_number(w: &str) -> Option<u32> {
    match w {
        "h1" => Some(1),
        "h2" => Some(2),
        _ => None,
    }
}

/// The year of a period without one: the most recent whose first month is not in the future.
fn recent_year(today: NaiveDate, first_month: u32) -> i32 {
    if first_month > today.month() {
        today.year() - 1
    } else {
        today.year()
    }
}

/// "Q3", "Q3 2026", "Q3 of 2026" at `i`.
fn quarter(
    toks: &[Tok<'_>],
    i: usize,
    q: u32,
    today: NaiveDate,
) -> (Result<TimeRange, Problem>, usize) {
    match year_after(toks, i + 1, today) {
        Some((year, len)) => (year.and_then(|y| quarter_range(y, q)), 1 + len),
        None => (quarter_range(recent_year(today, (q - 1) * 3 + 1), q), 1),
    }
}

/// Half `h` with the optional year at `k` ("H2 2025", "H2 of 2025", "first half of the year");
/// `before` tokens precede `k`.
fn half_of(
    toks: &[Tok<'_>],
    k: usize,
    h: u32,
    today: NaiveDate,
    before: usize,
) -> (Result<TimeRange, Problem>, usize) {
    match year_after(toks, k, today) {
        Some((year, len)) => (year.and_then(|y| half_range(y, h)), before + len),
        None => (half_range(recent_year(today, (h - 1) * 6 + 1), h), before),
    }
}

/// The year after a quarter or half, at `k`: "2026", "of 2026", "of the year", "of this|last
/// year", with the number of tokens.
fn year_after(
    toks: &[Tok<'_>],
    k: usize,
    today: NaiveDate,
) -> Option<(Result<i32, Problem>, usize)> {
    let year_at = |k: usize| word(toks, k).filter(|w| w.len() >= 4 && is_number(w));
    if let Some(y) = year_at(k) {
        return Some((parse_year(y), 1));
    }
    if word(toks, k) != Some("of") {
        return None;
    }
    if let Some(y) = year_at(k + 1) {
        return Some((parse_year(y), 2));
    }
    let this = today.year();
    match (word(toks, k + 1)?, word(toks, k + 2)?) {
        ("the" | "this", "year") => Some((Ok(this), 3)),
        ("last" | "previous", "year") => Some((Ok(this - 1), 3)),
        ("next", "year") => Some((Ok(this + 1), 3)),
        _ => None,
    }
}

/// A date (or a month) as written in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DateSpec {
    first: NaiveDate,
    /// True for a whole month ("March"), false for one day.
    month: bool,
    explicit_year: bool,
}

impl DateSpec {
    /// The day after the last day the spec covers.
    fn end(&self) -> Option<NaiveDate> {
        if self.month {
            self.first.checked_add_months(Months::new(1))
        } else {
            self.first.succ_opt()
        }
    }

    fn label(&self) -> String {
        if self.month {
            self.first.format("%B %Y").to_string()
        } else {
            self.first.to_string()
        }
    }

    fn as_range(&self) -> Result<TimeRange, Problem> {
        days(self.first, self.end(), self.label())
    }
}

/// "... to|until|through|and DATE" at `i` (the connector word), closing a range that opened
/// with `start`; `before` tokens were already consumed. "to now|today|date" ends at `now`.
fn until(
    toks: &[Tok<'_>],
    i: usize,
    start: Result<DateSpec, Problem>,
    now: DateTime<Utc>,
    before: usize,
) -> Found {
    if !matches!(
        word(toks, i)?,
        "to" | "until" | "till" | "through" | "thru" | "and"
    ) {
        return None;
    }
    if matches!(word(toks, i + 1), Some("now" | "present" | "date")) {
        let found = start.and_then(|start| {
            up_to_now(midnight(start.first), now, format!("since {}", start.first))
        });
        return Some((found, before + 2));
    }
    let (end, len) = date_at(toks, i + 1, now.date_naive())?;
    let total = before + 1 + len;
    let found = start.and_then(|start| {
        let end = after(end?, &start);
        let end_excl = end.end().ok_or(Problem::Future)?;
        if end_excl <= start.first {
            return Err(Problem::Reversed);
        }
        let last = end_excl.pred_opt().unwrap_or(end_excl);
        days(
            start.first,
            Some(end_excl),
            format!("{} to {}", start.first, last),
        )
    });
    Some((found, total))
}

/// The end of a range written without its year ("from March 1 until December 31"): the most
/// recent one if that is not before the start, else the same day in the start's year, else in
/// the next year when the range crosses a new year and spans at most six months ("between
/// December 1 and January 15"; "between April 10 and March 1" stays reversed).
fn after(end: DateSpec, start: &DateSpec) -> DateSpec {
    if end.explicit_year || end.first >= start.first {
        return end;
    }
    let year = start.first.year();
    let (from_month, to_month) = (start.first.month(), end.first.month());
    let crosses = to_month < from_month && 12 + to_month - from_month <= 6;
    [Some(year), crosses.then_some(year + 1)]
        .into_iter()
        .flatten()
        .filter_map(|y| NaiveDate::from_ymd_opt(y, end.first.month(), end.first.day()))
        .find(|first| *first >= start.first)
        .map_or(end, |first| DateSpec { first, ..end })
}

/// A day of the month: "1".."31" with an optional ordinal suffix ("1st", "22nd").
/// `Some(Err)` for day-like numbers that are no day ("45").
fn day_number(w: &str) -> Option<Result<u32, ()>> {
    let digits = w.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 2 || !matches!(&w[digits..], "" | "st" | "nd" | "rd" | "th") {
        return None;
    }
    let day: u32 = w[..digits].parse().ok()?;
    Some(if (1..=31).contains(&day) {
        Ok(day)
    } else {
        Err(())
    })
}

/// A date or month starting at token `i`, with the number of tokens it spans. An impossible
/// date is `Problem::NotADate` quoting its words.
fn date_at(
    toks: &[Tok<'_>],
    i: usize,
    today: NaiveDate,
) -> Option<(Result<DateSpec, Problem>, usize)> {
    let skip = usize::from(word(toks, i) == Some("the"));
    let (spec, len) = date_at_word(toks, i + skip, today)?;
    let spec = spec.map_err(|problem| match problem {
        Problem::NotADate(_) => Problem::NotADate(written(toks, i + skip, len)),
        other => other,
    });
    Some((spec, skip + len))
}

fn not_a_date<T>() -> Result<T, Problem> {
    Err(Problem::NotADate(String::new()))
}

fn date_at_word(
    toks: &[Tok<'_>],
    i: usize,
    today: NaiveDate,
) -> Option<(Result<DateSpec, Problem>, usize)> {
    let w0 = word(toks, i)?;
    let w1 = word(toks, i + 1);
    let year_word = |k: usize| word(toks, k).filter(|w| w.len() >= 4 && is_number(w));
    match w0 {
        "today" => return Some((Ok(day_spec(today, true)), 1)),
        "yesterday" => return today.pred_opt().map(|d| (Ok(day_spec(d, true)), 1)),
        "tomorrow" => return Some((Err(Problem::Future), 1)),
        "last" | "past" | "previous" if w1.and_then(weekday).is_some() => {
            let day = recent_weekday(today, w1.and_then(weekday)?, false)?;
            return Some((Ok(day_spec(day, false)), 2));
        }
        "next" | "coming" if w1.and_then(weekday).is_some() => {
            return Some((Err(Problem::Future), 2));
        }
        w if weekday(w).is_some() => {
            let day = recent_weekday(today, weekday(w)?, true)?;
            return Some((Ok(day_spec(day, false)), 1));
        }
        _ => {}
    }
    if w0.contains('-') {
        return iso_date(w0).map(|r| (r, 1));
    }
    if let Some(month) = month_number(w0) {
        if let Some(day) = w1.and_then(day_number) {
            let Ok(day) = day else {
                return Some((not_a_date(), 2));
            };
            return Some(match year_word(i + 2) {
                Some(y) => (make_date(Some(y), month, day, today), 3),
                None => (make_date(None, month, day, today), 2),
            });
        }
        return Some(match year_word(i + 1) {
            Some(y) => (make_month(Some(y), month, today), 2),
            None => (make_month(None, month, today), 1),
        });
    }
    let day = day_number(w0)?;
    let of = usize::from(w1 == Some("of"));
    let month = word(toks, i + 1 + of).and_then(month_number)?;
    let Ok(day) = day else {
        return Some((not_a_date(), 2 + of));
    };
    Some(match year_word(i + 2 + of) {
        Some(y) => (make_date(Some(y), month, day, today), 3 + of),
        None => (make_date(None, month, day, today), 2 + of),
    })
}

fn day_spec(first: NaiveDate, explicit_year: bool) -> DateSpec {
    DateSpec {
        first,
        month: false,
        explicit_year,
    }
}

/// "2026-03-01"; any other digits-dash-digits-dash-digits word with a year of four digits or
/// more is an impossible date ("2026-02-30", "99999-01-01"); shorter ones are not dates at all.
fn iso_date(w: &str) -> Option<Result<DateSpec, Problem>> {
    let mut parts = w.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || ![y, m, d].iter().all(|p| is_number(p)) || y.len() < 4 {
        return None;
    }
    if y.len() != 4 || m.len() > 2 || d.len() > 2 {
        return Some(not_a_date());
    }
    let (year, month, day) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    Some(match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => Ok(day_spec(date, true)),
        None => not_a_date(),
    })
}

fn make_date(
    year: Option<&str>,
    month: u32,
    day: u32,
    today: NaiveDate,
) -> Result<DateSpec, Problem> {
    let on = |year: i32| match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => Ok(date),
        None => not_a_date(),
    };
    match year {
        Some(y) => Ok(day_spec(on(parse_year(y)?)?, true)),
        None => (0..=8)
            .filter_map(|back| NaiveDate::from_ymd_opt(today.year() - back, month, day))
            .find(|date| *date <= today)
            .map_or_else(not_a_date, |date| Ok(day_spec(date, false))),
    }
}

fn make_month(year: Option<&str>, month: u32, today: NaiveDate) -> Result<DateSpec, Problem> {
    let explicit_year = year.is_some();
    let year = match year {
        Some(y) => parse_year(y)?,
        None => recent_year(today, month),
    };
    let first = NaiveDate::from_ymd_opt(year, month, 1).ok_or(Problem::Future)?;
    Ok(DateSpec {
        first,
        month: true,
        explicit_year,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text;

    const NOW: &str = "2026-11-24T12:00:00Z";

    fn at(now: &str) -> DateTime<Utc> {
        now.parse().expect("RFC 3339")
    }

    fn stamp(t: DateTime<Utc>) -> String {
        t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }

    /// The words of `text` the pass marked `Role::Time`.
    fn claimed(toks: &[Tok<'_>]) -> String {
        toks.iter()
            .filter(|t| t.role == Role::Time)
            .map(|t| t.raw)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// `[from, to)` or `[from, to]` and the label, then the claimed words; or `invalid: ...`.
    fn describe_at(now: &str, request: &str) -> String {
        let words = text::words(request);
        let mut toks = super::super::tokens::tokens(&words);
        match find(&mut toks, at(now)) {
            TimeOutcome::None => "-".to_string(),
            TimeOutcome::Range(r) => {
                assert_eq!(r.event, crate::plan::TimeEvent::Created);
                let close = if r.to_inclusive { ']' } else { ')' };
                format!(
                    "[{}, {}{close} {} ({})",
                    stamp(r.from),
                    stamp(r.to),
                    r.label,
                    claimed(&toks)
                )
            }
            TimeOutcome::Invalid(message) => format!("invalid: {message} ({})", claimed(&toks)),
        }
    }

    fn check_at(now: &str, request: &str, want: &str) {
        assert_eq!(
            describe_at(now, request),
            want,
            "request: {request:?} at {now}"
        );
    }

    fn check(request: &str, want: &str) {
        check_at(NOW, request, want);
    }

    /// `created_before label (claimed words)`, `-`, or `invalid: ...`.
    fn age_at_now(now: &str, request: &str) -> String {
        let words = text::words(request);
        let mut toks = super::super::tokens::tokens(&words);
        match find_age(&mut toks, at(now)) {
            None => "-".to_string(),
            Some(Ok(age)) => format!(
                "{} {} ({})",
                stamp(age.created_before),
                age.label,
                claimed(&toks)
            ),
            Some(Err(message)) => format!("invalid: {message} ({})", claimed(&toks)),
        }
    }

    fn check_age(request: &str, want: &str) {
        assert_eq!(age_at_now(NOW, request), want, "request: {request:?}");
    }

    #[test]
    #[rustfmt::skip]
    fn rolling_ranges_end_at_now_included() {
        check("cases last 30 days", "[2026-10-25T12:00:00Z, 2026-11-24T12:00:00Z] last 30 days (last 30 days)");
        check("cases in the past 7 days", "[2026-11-17T12:00:00Z, 2026-11-24T12:00:00Z] past 7 days (past 7 days)");
        check("cases last 30d", "[2026-10-25T12:00:00Z, 2026-11-24T12:00:00Z] last 30 days (last 30d)");
        check("cases past 2w", "[2026-11-10T12:00:00Z, 2026-11-24T12:00:00Z] past 2 weeks (past 2w)");
        check("cases last 24h", "[2026-11-23T12:00:00Z, 2026-11-24T12:00:00Z] last 24 hours (last 24h)");
        check("cases last 24 hours", "[2026-11-23T12:00:00Z, 2026-11-24T12:00:00Z] last 24 hours (last 24 hours)");
        check("cases over the past two weeks", "[2026-11-10T12:00:00Z, 2026-11-24T12:00:00Z] past 2 weeks (past two weeks)");
        check("cases last 3 months", "[2026-08-24T12:00:00Z, 2026-11-24T12:00:00Z] last 3 months (last 3 months)");
        check("cases last 6m", "[2026-05-24T12:00:00Z, 2026-11-24T12:00:00Z] last 6 months (last 6m)");
        check("cases last 2 quarters", "[2026-05-24T12:00:00Z, 2026-11-24T12:00:00Z] last 2 quarters (last 2 quarters)");
        check("cases last 1 year", "[2025-11-24T12:00:00Z, 2026-11-24T12:00:00Z] last 1 year (last 1 year)");
        check("cases past twelve months", "[2025-11-24T12:00:00Z, 2026-11-24T12:00:00Z] past 12 months (past twelve months)");
        check("cases previous 10 days", "[2026-11-14T12:00:00Z, 2026-11-24T12:00:00Z] previous 10 days (previous 10 days)");
        check_at("2026-05-31T08:30:00Z", "cases last 3 months", "[2026-02-28T08:30:00Z, 2026-05-31T08:30:00Z] last 3 months (last 3 months)");
        check_at("2028-02-29T00:00:00Z", "cases last 1 year", "[2027-02-28T00:00:00Z, 2028-02-29T00:00:00Z] last 1 year (last 1 year)");
    }

    #[test]
    #[rustfmt::skip]
    fn one_rolling_unit_or_the_previous_calendar_period() {
        check("cases past week", "[2026-11-17T12:00:00Z, 2026-11-24T12:00:00Z] past week (past week)");
        check("cases past month", "[2026-10-24T12:00:00Z, 2026-11-24T12:00:00Z] past month (past month)");
        check("cases past quarter", "[2026-08-24T12:00:00Z, 2026-11-24T12:00:00Z] past quarter (past quarter)");
        check("cases past year", "[2025-11-24T12:00:00Z, 2026-11-24T12:00:00Z] past year (past year)");
        check("cases past fortnight", "[2026-11-10T12:00:00Z, 2026-11-24T12:00:00Z] past fortnight (past fortnight)");
        check("cases last fortnight", "[2026-11-10T12:00:00Z, 2026-11-24T12:00:00Z] last fortnight (last fortnight)");
        check("cases past day", "[2026-11-23T12:00:00Z, 2026-11-24T12:00:00Z] past day (past day)");
        check("cases last day", "[2026-11-23T12:00:00Z, 2026-11-24T12:00:00Z] last day (last day)");
        check("cases last week", "[2026-11-16T00:00:00Z, 2026-11-23T00:00:00Z) last week (last week)");
        check("last week's cases", "[2026-11-16T00:00:00Z, 2026-11-23T00:00:00Z) last week (last week's)");
        check("cases previous month", "[2026-10-01T00:00:00Z, 2026-11-01T00:00:00Z) previous month (previous month)");
        check("cases prior quarter", "[2026-07-01T00:00:00Z, 2026-10-01T00:00:00Z) prior quarter (prior quarter)");
        check("cases last year", "[2025-01-01T00:00:00Z, 2026-01-01T00:00:00Z) last year (last year)");
        check("cases last half", "[2026-01-01T00:00:00Z, 2026-07-01T00:00:00Z) last half (last half)");
        check_at("2026-01-05T09:00:00Z", "cases last month", "[2025-12-01T00:00:00Z, 2026-01-01T00:00:00Z) last month (last month)");
        check_at("2026-01-05T09:00:00Z", "cases last quarter", "[2025-10-01T00:00:00Z, 2026-01-01T00:00:00Z) last quarter (last quarter)");
    }

    #[test]
    #[rustfmt::skip]
    fn weekends() {
        check("cases last weekend", "[2026-11-21T00:00:00Z, 2026-11-23T00:00:00Z) weekend of 2026-11-21 (last weekend)");
        check("incidents over the weekend", "[2026-11-21T00:00:00Z, 2026-11-23T00:00:00Z) weekend of 2026-11-21 (over the weekend)");
        check("cases this weekend", "[2026-11-21T00:00:00Z, 2026-11-23T00:00:00Z) weekend of 2026-11-21 (this weekend)");
        check("the weekend cases", "[2026-11-21T00:00:00Z, 2026-11-23T00:00:00Z) weekend of 2026-11-21 (the weekend)");
        check_at("2026-11-28T10:00:00Z", "cases over the weekend", "[2026-11-28T00:00:00Z, 2026-11-28T10:00:00Z] weekend of 2026-11-28 (over the weekend)");
        check_at("2026-11-29T10:00:00Z", "cases last weekend", "[2026-11-28T00:00:00Z, 2026-11-29T10:00:00Z] weekend of 2026-11-28 (last weekend)");
        check_at("2026-11-30T00:00:00Z", "cases last weekend", "[2026-11-28T00:00:00Z, 2026-11-30T00:00:00Z) weekend of 2026-11-28 (last weekend)");
        check("cases next weekend", "invalid: the time range \"next weekend\" is in the future (next weekend)");
    }

    #[test]
    #[rustfmt::skip]
    fn ranges_up_to_now() {
        check("cases this week", "[2026-11-23T00:00:00Z, 2026-11-24T12:00:00Z] this week (this week)");
        check("cases this month", "[2026-11-01T00:00:00Z, 2026-11-24T12:00:00Z] this month (this month)");
        check("cases this quarter", "[2026-10-01T00:00:00Z, 2026-11-24T12:00:00Z] this quarter (this quarter)");
        check("cases this half", "[2026-07-01T00:00:00Z, 2026-11-24T12:00:00Z] this half (this half)");
        check("cases this year", "[2026-01-01T00:00:00Z, 2026-11-24T12:00:00Z] this year (this year)");
        check("cases current month", "[2026-11-01T00:00:00Z, 2026-11-24T12:00:00Z] this month (current month)");
        check("cases today", "[2026-11-24T00:00:00Z, 2026-11-24T12:00:00Z] today (today)");
        check("cases YTD", "[2026-01-01T00:00:00Z, 2026-11-24T12:00:00Z] year to date (YTD)");
        check("cases year to date", "[2026-01-01T00:00:00Z, 2026-11-24T12:00:00Z] year to date (year to date)");
        check("cases MTD", "[2026-11-01T00:00:00Z, 2026-11-24T12:00:00Z] month to date (MTD)");
        check("cases QTD", "[2026-10-01T00:00:00Z, 2026-11-24T12:00:00Z] quarter to date (QTD)");
        check("cases since 2026-03-01", "[2026-03-01T00:00:00Z, 2026-11-24T12:00:00Z] since 2026-03-01 (since 2026-03-01)");
        check("cases since March 1st, 2026", "[2026-03-01T00:00:00Z, 2026-11-24T12:00:00Z] since 2026-03-01 (since March 1st 2026)");
        check("cases since the 1st of March", "[2026-03-01T00:00:00Z, 2026-11-24T12:00:00Z] since 2026-03-01 (since the 1st of March)");
        check("cases from 1st of March", "[2026-03-01T00:00:00Z, 2026-11-24T12:00:00Z] since 2026-03-01 (from 1st of March)");
        check("cases since May", "[2026-05-01T00:00:00Z, 2026-11-24T12:00:00Z] since 2026-05-01 (since May)");
        check("cases since yesterday", "[2026-11-23T00:00:00Z, 2026-11-24T12:00:00Z] since 2026-11-23 (since yesterday)");
        check("cases since today", "[2026-11-24T00:00:00Z, 2026-11-24T12:00:00Z] since 2026-11-24 (since today)");
        check("cases since last week", "[2026-11-16T00:00:00Z, 2026-11-24T12:00:00Z] since 2026-11-16 (since last week)");
        check("cases from March 1 to now", "[2026-03-01T00:00:00Z, 2026-11-24T12:00:00Z] since 2026-03-01 (from March 1 to now)");
        check("cases from last month", "[2026-10-01T00:00:00Z, 2026-11-01T00:00:00Z) last month (from last month)");
        check("cases in November", "[2026-11-01T00:00:00Z, 2026-11-24T12:00:00Z] November 2026 (in November)");
        check("cases in Q4", "[2026-10-01T00:00:00Z, 2026-11-24T12:00:00Z] Q4 2026 (Q4)");
        check("cases in H2", "[2026-07-01T00:00:00Z, 2026-11-24T12:00:00Z] H2 2026 (H2)");
        check("cases in 2026", "[2026-01-01T00:00:00Z, 2026-11-24T12:00:00Z] 2026 (in 2026)");
        check("cases from March 1 until December 31", "[2026-03-01T00:00:00Z, 2026-11-24T12:00:00Z] 2026-03-01 to 2026-12-31 (from March 1 until December 31)");
        check_at("2026-12-10T00:00:00Z", "cases between December 1 and January 15", "[2026-12-01T00:00:00Z, 2026-12-10T00:00:00Z] 2026-12-01 to 2027-01-15 (between December 1 and January 15)");
        check_at("2026-11-01T00:00:00Z", "cases in November", "[2026-11-01T00:00:00Z, 2026-11-01T00:00:00Z] November 2026 (in November)");
    }

    #[test]
    #[rustfmt::skip]
    fn calendar_ranges() {
        check("cases yesterday", "[2026-11-23T00:00:00Z, 2026-11-24T00:00:00Z) yesterday (yesterday)");
        check("Yesterday's ICMs", "[2026-11-23T00:00:00Z, 2026-11-24T00:00:00Z) yesterday (Yesterday's)");
        check("cases between 2026-03-01 and 2026-03-31", "[2026-03-01T00:00:00Z, 2026-04-01T00:00:00Z) 2026-03-01 to 2026-03-31 (between 2026-03-01 and 2026-03-31)");
        check("cases between December 1 and January 15", "[2025-12-01T00:00:00Z, 2026-01-16T00:00:00Z) 2025-12-01 to 2026-01-15 (between December 1 and January 15)");
        check("cases from March to May", "[2026-03-01T00:00:00Z, 2026-06-01T00:00:00Z) 2026-03-01 to 2026-05-31 (from March to May)");
        check("cases in March", "[2026-03-01T00:00:00Z, 2026-04-01T00:00:00Z) March 2026 (in March)");
        check("cases in December", "[2025-12-01T00:00:00Z, 2026-01-01T00:00:00Z) December 2025 (in December)");
        check("March 2025 cases", "[2025-03-01T00:00:00Z, 2025-04-01T00:00:00Z) March 2025 (March 2025)");
        check("cases during 2025", "[2025-01-01T00:00:00Z, 2026-01-01T00:00:00Z) 2025 (during 2025)");
        check("cases on March 5", "[2026-03-05T00:00:00Z, 2026-03-06T00:00:00Z) 2026-03-05 (on March 5)");
        check("cases opened 2026-03-01", "[2026-03-01T00:00:00Z, 2026-03-02T00:00:00Z) 2026-03-01 (2026-03-01)");
        check("cases in Q3", "[2026-07-01T00:00:00Z, 2026-10-01T00:00:00Z) Q3 2026 (Q3)");
        check("cases in Q2 of 2024", "[2024-04-01T00:00:00Z, 2024-07-01T00:00:00Z) Q2 2024 (Q2 of 2024)");
        check("cases in 2025 Q3", "[2025-07-01T00:00:00Z, 2025-10-01T00:00:00Z) Q3 2025 (2025 Q3)");
        check_at("2026-02-10T00:00:00Z", "cases in Q3", "[2025-07-01T00:00:00Z, 2025-10-01T00:00:00Z) Q3 2025 (Q3)");
        check("cases for Ford", "-");
        check("open cases for 3M", "-");
        check("cases last 30 days and this year", "[2026-10-25T12:00:00Z, 2026-11-24T12:00:00Z] last 30 days (last 30 days)");
        check_at("2028-03-01T00:00:00Z", "cases on February 29", "[2028-02-29T00:00:00Z, 2028-03-01T00:00:00Z) 2028-02-29 (on February 29)");
        check("cases on February 29", "[2024-02-29T00:00:00Z, 2024-03-01T00:00:00Z) 2024-02-29 (on February 29)");
    }

    #[test]
    #[rustfmt::skip]
    fn halves() {
        check("cases in H1", "[2026-01-01T00:00:00Z, 2026-07-01T00:00:00Z) H1 2026 (H1)");
        check("cases H1 2026", "[2026-01-01T00:00:00Z, 2026-07-01T00:00:00Z) H1 2026 (H1 2026)");
        check("cases H2 of 2025", "[2025-07-01T00:00:00Z, 2026-01-01T00:00:00Z) H2 2025 (H2 of 2025)");
        check("cases 2025 H2", "[2025-07-01T00:00:00Z, 2026-01-01T00:00:00Z) H2 2025 (2025 H2)");
        check("cases first half of 2026", "[2026-01-01T00:00:00Z, 2026-07-01T00:00:00Z) H1 2026 (first half of 2026)");
        check("cases in the second half", "[2026-07-01T00:00:00Z, 2026-11-24T12:00:00Z] H2 2026 (second half)");
        check("cases second half of last year", "[2025-07-01T00:00:00Z, 2026-01-01T00:00:00Z) H2 2025 (second half of last year)");
        check("cases last half of 2025", "[2025-07-01T00:00:00Z, 2026-01-01T00:00:00Z) H2 2025 (last half of 2025)");
        check_at("2026-03-10T00:00:00Z", "cases in H2", "[2025-07-01T00:00:00Z, 2026-01-01T00:00:00Z) H2 2025 (H2)");
        check("cases next half", "invalid: the time range \"next half\" is in the future (next half)");
        check("cases H1 2027", "invalid: the time range \"H1 2027\" is in the future (H1 2027)");
    }

    #[test]
    #[rustfmt::skip]
    fn weekdays() {
        check("cases on Monday", "[2026-11-23T00:00:00Z, 2026-11-24T00:00:00Z) 2026-11-23 (on Monday)");
        check("cases on Tuesday", "[2026-11-24T00:00:00Z, 2026-11-24T12:00:00Z] 2026-11-24 (on Tuesday)");
        check("cases since Friday", "[2026-11-20T00:00:00Z, 2026-11-24T12:00:00Z] since 2026-11-20 (since Friday)");
        check("cases since Tuesday", "[2026-11-24T00:00:00Z, 2026-11-24T12:00:00Z] since 2026-11-24 (since Tuesday)");
        check("cases last Friday", "[2026-11-20T00:00:00Z, 2026-11-21T00:00:00Z) 2026-11-20 (last Friday)");
        check("cases last Tuesday", "[2026-11-17T00:00:00Z, 2026-11-18T00:00:00Z) 2026-11-17 (last Tuesday)");
        check("cases since last Wednesday", "[2026-11-18T00:00:00Z, 2026-11-24T12:00:00Z] since 2026-11-18 (since last Wednesday)");
        check("cases opened Sunday", "[2026-11-22T00:00:00Z, 2026-11-23T00:00:00Z) 2026-11-22 (Sunday)");
        check("cases next Friday", "invalid: the time range \"next Friday\" is in the future (next Friday)");
        check("cases since next Friday", "invalid: the time range \"since next Friday\" is in the future (since next Friday)");
    }

    #[test]
    #[rustfmt::skip]
    fn future_ranges_are_invalid() {
        check("cases next week", "invalid: the time range \"next week\" is in the future (next week)");
        check("cases next month", "invalid: the time range \"next month\" is in the future (next month)");
        check("cases next quarter", "invalid: the time range \"next quarter\" is in the future (next quarter)");
        check("cases next year", "invalid: the time range \"next year\" is in the future (next year)");
        check("cases next 7 days", "invalid: the time range \"next 7 days\" is in the future (next 7 days)");
        check("cases next 2w", "invalid: the time range \"next 2w\" is in the future (next 2w)");
        check("cases tomorrow", "invalid: the time range \"tomorrow\" is in the future (tomorrow)");
        check("cases since tomorrow", "invalid: the time range \"since tomorrow\" is in the future (since tomorrow)");
        check("cases since 2027-01-01", "invalid: the time range \"since 2027-01-01\" is in the future (since 2027-01-01)");
        check("cases in Q1 2027", "invalid: the time range \"Q1 2027\" is in the future (Q1 2027)");
        check("cases in 2027", "invalid: the time range \"in 2027\" is in the future (in 2027)");
        check("cases in Q1 99999", "invalid: the time range \"Q1 99999\" is in the future (Q1 99999)");
        check("cases in March 99999", "invalid: the time range \"in March 99999\" is in the future (in March 99999)");
        check("cases in Q1 99999999999999999999", "invalid: the time range \"Q1 99999999999999999999\" is in the future (Q1 99999999999999999999)");
        check("cases 2030-01-01", "invalid: the time range \"2030-01-01\" is in the future (2030-01-01)");
        check("next steps for Contoso", "-");
    }

    #[test]
    #[rustfmt::skip]
    fn reversed_and_impossible_ranges_are_invalid() {
        check("cases between 2026-12-31 and 2026-01-01", "invalid: the time range \"between 2026-12-31 and 2026-01-01\" ends before it starts (between 2026-12-31 and 2026-01-01)");
        check("cases from March 5 to March 1", "invalid: the time range \"from March 5 to March 1\" ends before it starts (from March 5 to March 1)");
        check("cases between April 10 and March 1", "invalid: the time range \"between April 10 and March 1\" ends before it starts (between April 10 and March 1)");
        check("cases on 2026-02-30", "invalid: \"2026-02-30\" is not a date (on 2026-02-30)");
        check("cases 2026-02-30", "invalid: \"2026-02-30\" is not a date (2026-02-30)");
        check("cases from 2026-02-30 to 2026-02-31", "invalid: \"2026-02-30\" is not a date (from 2026-02-30 to 2026-02-31)");
        check("cases from 2026-02-01 to 2026-02-31", "invalid: \"2026-02-31\" is not a date (from 2026-02-01 to 2026-02-31)");
        check("cases for February 30", "invalid: \"February 30\" is not a date (for February 30)");
        check("cases since February 30", "invalid: \"February 30\" is not a date (since February 30)");
        check("cases since 2026-13-01", "invalid: \"2026-13-01\" is not a date (since 2026-13-01)");
        check("cases since 99999-01-01", "invalid: \"99999-01-01\" is not a date (since 99999-01-01)");
        check("cases since March 45", "invalid: \"March 45\" is not a date (since March 45)");
        check("cases since the 31st of April", "invalid: \"31st of April\" is not a date (since the 31st of April)");
        check("cases last 0 days", "invalid: \"last 0 days\" is an empty range (last 0 days)");
        check("cases past 0h", "invalid: \"past 0h\" is an empty range (past 0h)");
    }

    #[test]
    #[rustfmt::skip]
    fn ranges_before_1970_are_invalid_never_a_panic() {
        check_at("1970-01-01T00:00:00Z", "cases last 30 days", "invalid: the time range \"last 30 days\" reaches before 1970 (last 30 days)");
        check_at("1970-01-01T00:00:00Z", "cases last month", "invalid: the time range \"last month\" reaches before 1970 (last month)");
        check_at("1970-01-01T00:00:00Z", "cases today", "[1970-01-01T00:00:00Z, 1970-01-01T00:00:00Z] today (today)");
        check("cases last 99999999999 days", "invalid: the time range \"last 99999999999 days\" reaches before 1970 (last 99999999999 days)");
        check("cases last 99999999999999999999999 years", "invalid: the time range \"last 99999999999999999999999 years\" reaches before 1970 (last 99999999999999999999999 years)");
        check("cases last 100000 years", "invalid: the time range \"last 100000 years\" reaches before 1970 (last 100000 years)");
        check("cases last 4294967296 months", "invalid: the time range \"last 4294967296 months\" reaches before 1970 (last 4294967296 months)");
        check("cases past 99999999999999999999h", "invalid: the time range \"past 99999999999999999999h\" reaches before 1970 (past 99999999999999999999h)");
        check("cases in 1969", "invalid: the time range \"in 1969\" reaches before 1970 (in 1969)");
        check("cases Q4 1969", "invalid: the time range \"Q4 1969\" reaches before 1970 (Q4 1969)");
        check("cases between 1969-12-01 and 1970-01-31", "invalid: the time range \"between 1969-12-01 and 1970-01-31\" reaches before 1970 (between 1969-12-01 and 1970-01-31)");
        check_at("0001-01-01T00:00:00Z", "cases last week", "invalid: the time range \"last week\" reaches before 1970 (last week)");
    }

    #[test]
    fn strange_input_never_panics() {
        let nows = ["1970-01-01T00:00:00Z", NOW, "9999-12-31T23:59:59Z"];
        let requests = [
            "last",
            "past 18446744073709551616d",
            "next",
            "between",
            "between March 1 and",
            "from",
            "from 2026-01-01 to",
            "since the",
            "the",
            "Q1 of",
            "H2 of the",
            "first half",
            "on 0000-01-01",
            "since 9999-12-31",
            "before",
            "older than",
            "more than 5 days",
            "open for",
            "aged",
            "prior to",
            "in 0",
            "the 0th of May",
            "last weekend",
        ];
        for now in nows {
            for request in requests {
                let _ = describe_at(now, request);
                let _ = age_at_now(now, request);
            }
        }
    }

    #[test]
    #[rustfmt::skip]
    fn ages_are_not_ranges() {
        check_age("cases older than 30 days", "2026-10-25T12:00:00Z older than 30 days (older than 30 days)");
        check_age("cases more than 2 weeks old", "2026-11-10T12:00:00Z older than 2 weeks (more than 2 weeks old)");
        check_age("cases open for more than a week", "2026-11-17T12:00:00Z older than 1 week (for more than a week)");
        check_age("cases open longer than 10 days", "2026-11-14T12:00:00Z older than 10 days (longer than 10 days)");
        check_age("cases over 30 days old", "2026-10-25T12:00:00Z older than 30 days (over 30 days old)");
        check_age("cases aged over 30 days", "2026-10-25T12:00:00Z older than 30 days (aged over 30 days)");
        check_age("cases opened more than 3 months ago", "2026-08-24T12:00:00Z older than 3 months (more than 3 months ago)");
        check_age("cases older than 2w", "2026-11-10T12:00:00Z older than 2 weeks (older than 2w)");
        check_age("cases created before October", "2026-10-01T00:00:00Z created before 2026-10-01 (before October)");
        check_age("cases created before December", "2025-12-01T00:00:00Z created before 2025-12-01 (before December)");
        check_age("cases before 2026-10-01", "2026-10-01T00:00:00Z created before 2026-10-01 (before 2026-10-01)");
        check_age("cases opened prior to March 5", "2026-03-05T00:00:00Z created before 2026-03-05 (prior to March 5)");
        check_age("cases older than October", "2026-10-01T00:00:00Z created before 2026-10-01 (older than October)");
        check_age("cases before February 30", "invalid: \"February 30\" is not a date (before February 30)");
        check_age("cases older than 100000 years", "invalid: the age \"older than 100000 years\" reaches before 1970 (older than 100000 years)");
        check_age("cases before the migration", "-");
        check_age("cases last 30 days", "-");
        check_age("cases open for the week", "-");
        check_age("cases over the weekend", "-");
    }

    #[test]
    fn age_leaves_open_and_the_verb_free_then_the_range_pass_sees_the_rest() {
        let words = text::words("open cases open for more than a week created last month");
        let mut toks = super::super::tokens::tokens(&words);
        let now = at(NOW);
        assert!(find_age(&mut toks, now).is_some_and(|age| age.is_ok()));
        assert!(matches!(find(&mut toks, now), TimeOutcome::Range(r) if r.label == "last month"));
        let free: Vec<&str> = toks
            .iter()
            .filter(|t| t.role == Role::Free)
            .map(|t| t.raw)
            .collect();
        assert_eq!(free, ["open", "cases", "open", "created"]);
    }
}
