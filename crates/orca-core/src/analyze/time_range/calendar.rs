//! What every time phrase shares: units and spans ("30 days", "2w"), calendar periods (weeks
//! from Monday, months, quarters, halves, years), the half-open ranges they make, and why a
//! phrase names no range ([`Problem`]).

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveTime, TimeDelta, Utc};

use crate::analyze::tokens::{Role, Tok};
use crate::analyze::vocab::{is_number, number_word};
use crate::plan::TimeRange;

/// Why a phrase names no range; `find` turns it into a sentence quoting the phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Problem {
    Future,
    Reversed,
    BeforeEpoch,
    Empty,
    /// An impossible date: its words as written (filled in by `date_at`).
    NotADate(String),
}

pub(super) type Found = Option<(Result<TimeRange, Problem>, usize)>;

pub(super) fn message(problem: Problem, phrase: &str) -> String {
    match problem {
        Problem::Future => format!("the time range \"{phrase}\" is in the future"),
        Problem::Reversed => format!("the time range \"{phrase}\" ends before it starts"),
        Problem::BeforeEpoch => format!("the time range \"{phrase}\" reaches before 1970"),
        Problem::Empty => format!("\"{phrase}\" is an empty range"),
        Problem::NotADate(date) => format!("\"{date}\" is not a date"),
    }
}

pub(super) fn epoch() -> DateTime<Utc> {
    DateTime::UNIX_EPOCH
}

/// The words `i..i + len` as the user wrote them.
pub(super) fn written(toks: &[Tok<'_>], i: usize, len: usize) -> String {
    toks.iter()
        .skip(i)
        .take(len)
        .map(|t| t.raw)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The folded word at `i` if it is free for the time pass.
pub(super) fn word<'a>(toks: &'a [Tok<'_>], i: usize) -> Option<&'a str> {
    toks.get(i)
        .filter(|t| t.role == Role::Free)
        .map(|t| t.folded)
}

pub(super) fn midnight(date: NaiveDate) -> DateTime<Utc> {
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
pub(super) fn days(
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
pub(super) fn up_to_now(
    from: DateTime<Utc>,
    now: DateTime<Utc>,
    label: impl Into<String>,
) -> Result<TimeRange, Problem> {
    Ok(TimeRange {
        to_inclusive: true,
        ..TimeRange::new(from, now, label)
    })
}

/// A span of time as written: "30 days", "a week", "two weeks", "30d".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Span {
    pub(super) n: u64,
    pub(super) unit: Unit,
}

impl Span {
    pub(super) fn label(self) -> String {
        let plural = if self.n == 1 { "" } else { "s" };
        format!("{} {}{plural}", self.n, self.unit.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unit {
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
    pub(super) fn parse(w: &str) -> Option<Unit> {
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

    pub(super) fn name(self) -> &'static str {
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
pub(super) fn step_back(t: DateTime<Utc>, unit: Unit, n: u64) -> Option<DateTime<Utc>> {
    if let Some(months) = unit.months() {
        let months = u32::try_from(n.checked_mul(months)?).ok()?;
        return t.checked_sub_months(Months::new(months));
    }
    let hours = i64::try_from(n.checked_mul(unit.hours()?)?).ok()?;
    t.checked_sub_signed(TimeDelta::try_hours(hours)?)
}

/// A span at `k` with the number of tokens it spans.
pub(super) fn duration(toks: &[Tok<'_>], k: usize) -> Option<(Span, usize)> {
    let w0 = word(toks, k)?;
    if let Some(n) = count(w0).or(matches!(w0, "a" | "an").then_some(1))
        && let Some(unit) = word(toks, k + 1).and_then(Unit::parse)
    {
        return Some((Span { n, unit }, 2));
    }
    fused(w0).map(|span| (span, 1))
}

/// "30d", "24h", "2w": digits fused with a unit.
pub(super) fn fused(w: &str) -> Option<Span> {
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

/// A count of units: digits (saturating, so that a huge count reaches before 1970) or
/// "one".."twelve".
pub(super) fn count(w: &str) -> Option<u64> {
    if is_number(w) {
        return Some(w.parse().unwrap_or(u64::MAX));
    }
    number_word(w).map(u64::from)
}

/// The first day of the calendar period holding `date`.
pub(super) fn period_start(date: NaiveDate, unit: Unit) -> Option<NaiveDate> {
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
pub(super) fn period_end(start: NaiveDate, unit: Unit) -> Option<NaiveDate> {
    match unit.months() {
        Some(months) => start.checked_add_months(Months::new(u32::try_from(months).ok()?)),
        None => start.checked_add_days(Days::new(unit.hours()? / 24)),
    }
}

/// The most recent `weekday` (0 = Monday), today included or not.
pub(super) fn recent_weekday(today: NaiveDate, weekday: u32, today_too: bool) -> Option<NaiveDate> {
    let mut back = (today.weekday().num_days_from_monday() + 7 - weekday) % 7;
    if back == 0 && !today_too {
        back = 7;
    }
    today.checked_sub_days(Days::new(u64::from(back)))
}

/// The year of a period without one: the most recent whose first month is not in the future.
pub(super) fn recent_year(today: NaiveDate, first_month: u32) -> i32 {
    if first_month > today.month() {
        today.year() - 1
    } else {
        today.year()
    }
}

/// A year of four digits or more. Years past 9999 (or too big to read) are in the future;
/// years before 1970 give ranges that reach before 1970.
pub(super) fn parse_year(w: &str) -> Result<i32, Problem> {
    match w.parse::<i32>() {
        Ok(y) if y <= 9999 => Ok(y),
        _ => Err(Problem::Future),
    }
}
