//! Time ranges: the first time phrase of a request, resolved against `now` (UTC) into a half-open
//! range `[from, to)` with a human label.
//!
//! Rules (weeks start on Monday; every date is a UTC calendar date):
//! - "last/past N days|weeks|months|quarters|years" (N as digits or "one".."twelve", also fused
//!   "30d", "2w", "6m" = months, "1y", "24h" = hours): from midnight N units before today's date,
//!   to `now` ("last 30 days" at 2026-11-24T12:00Z is [2026-10-25T00:00Z, now)); hours are exact
//!   (`now` - N hours).
//! - "last|previous|prior week|month|quarter|year": the previous calendar period. "past
//!   week|month|quarter|year" and "last|past day": the rolling period of one unit.
//! - "this|current week|month|quarter|year", "YTD", "year to date", "MTD", "QTD": period start to `now`.
//! - "today", "yesterday": that calendar day (today ends at `now`).
//! - "since DATE", "from DATE": DATE to `now`. "between DATE and DATE", "from DATE to|until|through
//!   DATE": both dates included, so the range ends at midnight after the second.
//! - "in|during|for MONTH [YEAR]", "MONTH YEAR": that month; "in|during YEAR": that year;
//!   "on DATE" or a full date with its year (ISO or written): that day. "Q1".."Q4" with an
//!   optional year ("Q3 2026", "Q3 of 2025", "2025 Q3"): that quarter.
//! - DATE: ISO "2026-03-01", "March 1", "March 1st, 2026", "1 March 2026", "1st of March",
//!   "today", "yesterday", a weekday ("since Monday": the most recent Monday, today included), or
//!   a MONTH alone (its first day). A date or month without a year is the most recent one not in
//!   the future.
//! - A range that contains `now` ends at `now`. Only the first time phrase counts.
//! - Impossible dates ("February 30", "2026-13-01", years outside 1970-2100, numbers that
//!   overflow, rolling ranges reaching before 1970) give no range and a factor saying what was
//!   ignored, never a panic.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveTime, TimeDelta, Utc};

use super::vocab::{is_number, month_number, number_word, quarter_number, weekday};
use super::{Role, Tok};
use crate::plan::TimeRange;

/// What the time pass found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TimeOutcome {
    None,
    Range(TimeRange),
    /// A time phrase that names no real range: the factor explaining what was ignored.
    Invalid(String),
}

type Found = Option<(Result<TimeRange, String>, usize)>;

/// Finds the first time phrase among the free tokens and marks its tokens `Role::Time`.
pub(crate) fn find(toks: &mut [Tok<'_>], now: DateTime<Utc>) -> TimeOutcome {
    for i in 0..toks.len() {
        if toks[i].role != Role::Free {
            continue;
        }
        if let Some((result, len)) = match_at(toks, i, now) {
            for tok in &mut toks[i..i + len] {
                tok.role = Role::Time;
            }
            return match result {
                Ok(mut range) => {
                    if range.from < now && now < range.to {
                        range.to = now;
                    }
                    TimeOutcome::Range(range)
                }
                Err(note) => TimeOutcome::Invalid(note),
            };
        }
    }
    TimeOutcome::None
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

impl Unit {
    fn parse(w: &str) -> Option<Unit> {
        Some(match w {
            "h" | "hr" | "hrs" | "hour" | "hours" => Unit::Hour,
            "d" | "day" | "days" => Unit::Day,
            "w" | "wk" | "wks" | "week" | "weeks" => Unit::Week,
            "m" | "mo" | "mos" | "month" | "months" => Unit::Month,
            "q" | "quarter" | "quarters" => Unit::Quarter,
            "y" | "yr" | "yrs" | "year" | "years" => Unit::Year,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Unit::Hour => "hour",
            Unit::Day => "day",
            Unit::Week => "week",
            Unit::Month => "month",
            Unit::Quarter => "quarter",
            Unit::Year => "year",
        }
    }
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

fn range(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    label: impl Into<String>,
) -> Result<TimeRange, String> {
    Ok(TimeRange::new(from, to, label))
}

fn match_at(toks: &[Tok<'_>], i: usize, now: DateTime<Utc>) -> Found {
    let today = now.date_naive();
    let w0 = word(toks, i)?;
    let w1 = word(toks, i + 1);
    let w2 = word(toks, i + 2);
    match w0 {
        "last" | "past" | "previous" | "prior" => relative(toks, i, now),
        "this" | "current" => {
            let unit = Unit::parse(w1?)?;
            if unit == Unit::Hour || unit == Unit::Day {
                return Some((range(midnight(today), now, "today"), 2));
            }
            let start = period_start(today, unit);
            Some((
                range(midnight(start), now, format!("{w0} {}", unit.name())),
                2,
            ))
        }
        "today" => Some((range(midnight(today), now, "today"), 1)),
        "yesterday" => {
            let day = today.pred_opt()?;
            Some((range(midnight(day), midnight(today), "yesterday"), 1))
        }
        "ytd" | "year-to-date" => to_date(today, now, Unit::Year, 1),
        "mtd" | "month-to-date" => to_date(today, now, Unit::Month, 1),
        "qtd" | "quarter-to-date" => to_date(today, now, Unit::Quarter, 1),
        "year" | "month" | "quarter" if w1 == Some("to") && w2 == Some("date") => {
            to_date(today, now, Unit::parse(w0)?, 3)
        }
        "since" | "from" => {
            let (start, len) = date_at(toks, i + 1, today)?;
            let start = match start {
                Ok(start) => start,
                Err(note) => return Some((Err(note), 1 + len)),
            };
            if w0 == "from"
                && let Some(found) = until(toks, i + 1 + len, &start, today, 1 + len)
            {
                return Some(found);
            }
            let from = midnight(start.first);
            if from > now {
                return Some((
                    Err(format!(
                        "ignored time range since {}: it is in the future",
                        start.first
                    )),
                    1 + len,
                ));
            }
            Some((range(from, now, format!("since {}", start.first)), 1 + len))
        }
        "between" => {
            let (start, len) = date_at(toks, i + 1, today)?;
            let start = match start {
                Ok(start) => start,
                Err(note) => return Some((Err(note), 1 + len)),
            };
            if !matches!(word(toks, i + 1 + len), Some("and" | "to")) {
                return None;
            }
            until(toks, i + 1 + len, &start, today, 1 + len)
        }
        "in" | "during" | "for" | "throughout" | "on" => {
            if let Some(y) = w1.filter(|w| w.len() == 4 && is_number(w)) {
                if w0 == "on"
                    || toks
                        .get(i + 2)
                        .is_some_and(|t| t.role == Role::Free && quarter_number(t.folded).is_some())
                {
                    return None;
                }
                return Some((year_range(y), 2));
            }
            let (spec, len) = date_at(toks, i + 1, today)?;
            match spec {
                Ok(spec) => Some((spec.as_range(), 1 + len)),
                Err(note) => Some((Err(note), 1 + len)),
            }
        }
        _ => {
            if let Some(q) = quarter_number(w0) {
                return Some(quarter(toks, i, q, today));
            }
            if w0.len() == 4 && is_number(w0) {
                let q = quarter_number(w1?)?;
                let year = parse_year(w0);
                return Some((year.and_then(|y| quarter_range(y, q)), 2));
            }
            // A date written with its year, or a month with its year, stands on its own.
            let (spec, len) = date_at(toks, i, today)?;
            match spec {
                Ok(spec) if spec.explicit_year => Some((spec.as_range(), len)),
                Err(note) if len > 1 || w0.contains('-') => Some((Err(note), len)),
                _ => None,
            }
        }
    }
}

/// "last ..." / "past ..." at `i`.
fn relative(toks: &[Tok<'_>], i: usize, now: DateTime<Utc>) -> Found {
    let today = now.date_naive();
    let lead = word(toks, i)?;
    let w1 = word(toks, i + 1)?;
    // "last week": the previous calendar period; "past week": one rolling unit.
    if let Some(unit) = Unit::parse(w1).filter(|_| !w1.ends_with('s')) {
        if lead == "past" || unit == Unit::Day || unit == Unit::Hour {
            let found = rolling(now, lead, 1, unit).map(|r| TimeRange {
                label: format!("{lead} {}", unit.name()),
                ..r
            });
            return Some((found, 2));
        }
        let current = period_start(today, unit);
        let previous = step_back(current, unit, 1);
        return Some((
            match previous {
                Some(previous) => range(
                    midnight(previous),
                    midnight(current),
                    format!("{lead} {}", unit.name()),
                ),
                None => Err(format!(
                    "ignored time range {lead} {}: out of range",
                    unit.name()
                )),
            },
            2,
        ));
    }
    // "last 30 days", "past two weeks"
    if let (Some(n), Some(unit)) = (count(w1), word(toks, i + 2).and_then(Unit::parse)) {
        return Some((n.and_then(|n| rolling(now, lead, n, unit)), 3));
    }
    // "last 30d", "past 24h"
    let digits = w1.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0
        && let Some(unit) = Unit::parse(&w1[digits..])
    {
        let n = w1[..digits]
            .parse::<u32>()
            .map_err(|_| format!("ignored time range {lead} {w1}: number too large"));
        return Some((n.and_then(|n| rolling(now, lead, n, unit)), 2));
    }
    None
}

/// A count of units: digits or "one".."twelve". `Some(Err)` for digits that overflow.
fn count(w: &str) -> Option<Result<u32, String>> {
    if is_number(w) {
        return Some(
            w.parse::<u32>()
                .map_err(|_| format!("ignored time range with {w} units: number too large")),
        );
    }
    number_word(w).map(Ok)
}

fn rolling(now: DateTime<Utc>, lead: &str, n: u32, unit: Unit) -> Result<TimeRange, String> {
    let plural = if n == 1 { "" } else { "s" };
    let label = format!("{lead} {n} {}{plural}", unit.name());
    let from = match unit {
        Unit::Hour => TimeDelta::try_hours(i64::from(n)).and_then(|d| now.checked_sub_signed(d)),
        _ => step_back(now.date_naive(), unit, n).map(midnight),
    };
    match from {
        Some(from) if from.year() >= 1970 => range(from, now, label),
        _ => Err(format!("ignored time range {label}: out of range")),
    }
}

/// `date` moved back by `n` units (months clamp to the month's last day).
fn step_back(date: NaiveDate, unit: Unit, n: u32) -> Option<NaiveDate> {
    match unit {
        Unit::Hour => Some(date),
        Unit::Day => date.checked_sub_days(Days::new(u64::from(n))),
        Unit::Week => date.checked_sub_days(Days::new(u64::from(n) * 7)),
        Unit::Month => date.checked_sub_months(Months::new(n)),
        Unit::Quarter => date.checked_sub_months(Months::new(n.checked_mul(3)?)),
        Unit::Year => date.checked_sub_months(Months::new(n.checked_mul(12)?)),
    }
}

/// The first day of the calendar period holding `date`.
fn period_start(date: NaiveDate, unit: Unit) -> NaiveDate {
    let first_of = |month: u32| NaiveDate::from_ymd_opt(date.year(), month, 1).unwrap_or(date);
    match unit {
        Unit::Hour | Unit::Day => date,
        Unit::Week => date
            .checked_sub_days(Days::new(u64::from(date.weekday().num_days_from_monday())))
            .unwrap_or(date),
        Unit::Month => first_of(date.month()),
        Unit::Quarter => first_of((date.month() - 1) / 3 * 3 + 1),
        Unit::Year => first_of(1),
    }
}

fn to_date(today: NaiveDate, now: DateTime<Utc>, unit: Unit, len: usize) -> Found {
    let label = format!("{} to date", unit.name());
    Some((range(midnight(period_start(today, unit)), now, label), len))
}

fn parse_year(w: &str) -> Result<i32, String> {
    match w.parse::<i32>() {
        Ok(y) if (1970..=2100).contains(&y) => Ok(y),
        _ => Err(format!("ignored year {w}: outside 1970-2100")),
    }
}

fn year_range(w: &str) -> Result<TimeRange, String> {
    let year = parse_year(w)?;
    let start = NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(|| format!("ignored year {w}"))?;
    let end = NaiveDate::from_ymd_opt(year + 1, 1, 1).ok_or_else(|| format!("ignored year {w}"))?;
    range(midnight(start), midnight(end), year.to_string())
}

fn quarter_range(year: i32, q: u32) -> Result<TimeRange, String> {
    let start = NaiveDate::from_ymd_opt(year, (q - 1) * 3 + 1, 1)
        .ok_or_else(|| format!("ignored Q{q} {year}"))?;
    let end = start
        .checked_add_months(Months::new(3))
        .ok_or_else(|| format!("ignored Q{q} {year}"))?;
    range(midnight(start), midnight(end), format!("Q{q} {year}"))
}

/// "Q3", "Q3 2026", "Q3 of 2026" at `i`.
fn quarter(
    toks: &[Tok<'_>],
    i: usize,
    q: u32,
    today: NaiveDate,
) -> (Result<TimeRange, String>, usize) {
    let year_at = |k: usize| word(toks, k).filter(|w| w.len() >= 4 && is_number(w));
    if let Some(y) = year_at(i + 1) {
        return (parse_year(y).and_then(|y| quarter_range(y, q)), 2);
    }
    if word(toks, i + 1) == Some("of")
        && let Some(y) = year_at(i + 2)
    {
        return (parse_year(y).and_then(|y| quarter_range(y, q)), 3);
    }
    let start_month = (q - 1) * 3 + 1;
    let year = if start_month > today.month() {
        today.year() - 1
    } else {
        today.year()
    };
    (quarter_range(year, q), 1)
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

    fn as_range(&self) -> Result<TimeRange, String> {
        let end = self
            .end()
            .ok_or_else(|| format!("ignored time range {}", self.label()))?;
        range(midnight(self.first), midnight(end), self.label())
    }
}

/// "... to|until|through|and DATE" at `i` (the connector word), closing a range that opened
/// with `start`; `before` tokens were already consumed.
fn until(toks: &[Tok<'_>], i: usize, start: &DateSpec, today: NaiveDate, before: usize) -> Found {
    if !matches!(
        word(toks, i)?,
        "to" | "until" | "till" | "through" | "thru" | "and"
    ) {
        return None;
    }
    let (end, len) = date_at(toks, i + 1, today)?;
    let total = before + 1 + len;
    let end = match end {
        Ok(end) => end,
        Err(note) => return Some((Err(note), total)),
    };
    let Some(end_excl) = end.end() else {
        return Some((
            Err(format!("ignored time range ending {}", end.label())),
            total,
        ));
    };
    if end_excl <= start.first {
        return Some((
            Err(format!(
                "ignored time range {} to {}: it ends before it starts",
                start.first,
                end.label()
            )),
            total,
        ));
    }
    let last = end_excl.pred_opt().unwrap_or(end_excl);
    Some((
        range(
            midnight(start.first),
            midnight(end_excl),
            format!("{} to {}", start.first, last),
        ),
        total,
    ))
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

/// A date or month starting at token `i`, with the number of tokens it spans.
fn date_at(
    toks: &[Tok<'_>],
    i: usize,
    today: NaiveDate,
) -> Option<(Result<DateSpec, String>, usize)> {
    if word(toks, i) == Some("the") {
        let (spec, len) = date_at_word(toks, i + 1, today)?;
        return Some((spec, len + 1));
    }
    date_at_word(toks, i, today)
}

fn date_at_word(
    toks: &[Tok<'_>],
    i: usize,
    today: NaiveDate,
) -> Option<(Result<DateSpec, String>, usize)> {
    let w0 = word(toks, i)?;
    let year_word = |k: usize| word(toks, k).filter(|w| w.len() >= 4 && is_number(w));
    match w0 {
        "today" => return Some((Ok(day_spec(today, true)), 1)),
        w if weekday(w).is_some() => {
            // The most recent such weekday, today included.
            let back = (today.weekday().num_days_from_monday() + 7 - weekday(w).unwrap_or(0)) % 7;
            return today
                .checked_sub_days(Days::new(u64::from(back)))
                .map(|d| (Ok(day_spec(d, false)), 1));
        }
        "yesterday" => return today.pred_opt().map(|d| (Ok(day_spec(d, true)), 1)),
        _ => {}
    }
    if w0.contains('-') {
        return iso_date(w0).map(|r| (r, 1));
    }
    if let Some(month) = month_number(w0) {
        if let Some(day) = word(toks, i + 1).and_then(day_number) {
            let Ok(day) = day else {
                return Some((
                    Err(format!(
                        "ignored date {} {}: no such day",
                        w0,
                        toks[i + 1].folded
                    )),
                    2,
                ));
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
    let of = usize::from(word(toks, i + 1) == Some("of"));
    let month = word(toks, i + 1 + of).and_then(month_number)?;
    let Ok(day) = day else {
        return Some((
            Err(format!(
                "ignored date {w0} {}: no such day",
                toks[i + 1 + of].folded
            )),
            2 + of,
        ));
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
fn iso_date(w: &str) -> Option<Result<DateSpec, String>> {
    let mut parts = w.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || ![y, m, d].iter().all(|p| is_number(p)) {
        return None;
    }
    let invalid = || format!("ignored date {w}: no such date");
    if y.len() < 4 {
        return None;
    }
    if y.len() != 4 || m.len() > 2 || d.len() > 2 {
        return Some(Err(invalid()));
    }
    let year = match parse_year(y) {
        Ok(year) => year,
        Err(note) => return Some(Err(note)),
    };
    let date = NaiveDate::from_ymd_opt(year, m.parse().ok()?, d.parse().ok()?);
    Some(date.map(|d| day_spec(d, true)).ok_or_else(invalid))
}

fn make_date(
    year: Option<&str>,
    month: u32,
    day: u32,
    today: NaiveDate,
) -> Result<DateSpec, String> {
    let invalid = || format!("ignored date {} {day}: no such date", month_name(month));
    match year {
        Some(y) => {
            let y = parse_year(y)?;
            NaiveDate::from_ymd_opt(y, month, day)
                .map(|d| day_spec(d, true))
                .ok_or_else(invalid)
        }
        None => {
            let this_year =
                NaiveDate::from_ymd_opt(today.year(), month, day).ok_or_else(invalid)?;
            let date = if this_year > today {
                NaiveDate::from_ymd_opt(today.year() - 1, month, day).ok_or_else(invalid)?
            } else {
                this_year
            };
            Ok(day_spec(date, false))
        }
    }
}

fn make_month(year: Option<&str>, month: u32, today: NaiveDate) -> Result<DateSpec, String> {
    let explicit_year = year.is_some();
    let year = match year {
        Some(y) => parse_year(y)?,
        None if month > today.month() => today.year() - 1,
        None => today.year(),
    };
    let first = NaiveDate::from_ymd_opt(year, month, 1)
        .ok_or_else(|| format!("ignored month {month} {year}"))?;
    Ok(DateSpec {
        first,
        month: true,
        explicit_year,
    })
}

fn month_name(month: u32) -> &'static str {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    NAMES.get(month as usize - 1).copied().unwrap_or("?")
}
