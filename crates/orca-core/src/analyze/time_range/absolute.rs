//! Absolute time as written: dates ("2026-03-01", "March 1st, 2026", "1 March", "last Friday"),
//! months, years, quarters ("Q3 2026") and halves ("H2 of 2025"), and the ranges between two
//! dates ("from March 1 until December 31", "between December 1 and January 15"). A date
//! without a year is the most recent one not in the future.

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};

use super::calendar::{
    Found, Problem, days, midnight, parse_year, recent_weekday, recent_year, up_to_now, word,
    written,
};
use crate::analyze::tokens::Tok;
use crate::analyze::vocab::{is_number, month_number, weekday};
use crate::plan::TimeRange;

/// A date (or a month) as written in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct DateSpec {
    pub(super) first: NaiveDate,
    /// True for a whole month ("March"), false for one day.
    pub(super) month: bool,
    pub(super) explicit_year: bool,
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

    pub(super) fn label(&self) -> String {
        if self.month {
            self.first.format("%B %Y").to_string()
        } else {
            self.first.to_string()
        }
    }

    pub(super) fn as_range(&self) -> Result<TimeRange, Problem> {
        days(self.first, self.end(), self.label())
    }
}

/// A date or month starting at token `i`, with the number of tokens it spans. An impossible
/// date is `Problem::NotADate` quoting its words.
pub(super) fn date_at(
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

fn not_a_date<T>() -> Result<T, Problem> {
    Err(Problem::NotADate(String::new()))
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

/// "... to|until|through|and DATE" at `i` (the connector word), closing a range that opened
/// with `start`; `before` tokens were already consumed. "to now|today|date" ends at `now`.
pub(super) fn until(
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

pub(super) fn year_range(w: &str) -> Result<TimeRange, Problem> {
    let year = parse_year(w)?;
    let start = NaiveDate::from_ymd_opt(year, 1, 1).ok_or(Problem::Future)?;
    days(
        start,
        NaiveDate::from_ymd_opt(year + 1, 1, 1),
        year.to_string(),
    )
}

pub(super) fn quarter_range(year: i32, q: u32) -> Result<TimeRange, Problem> {
    let start = NaiveDate::from_ymd_opt(year, (q - 1) * 3 + 1, 1).ok_or(Problem::Future)?;
    days(
        start,
        start.checked_add_months(Months::new(3)),
        format!("Q{q} {year}"),
    )
}

pub(super) fn half_range(year: i32, h: u32) -> Result<TimeRange, Problem> {
    let start = NaiveDate::from_ymd_opt(year, (h - 1) * 6 + 1, 1).ok_or(Problem::Future)?;
    days(
        start,
        start.checked_add_months(Months::new(6)),
        format!("H{h} {year}"),
    )
}

/// "h1" / "h2" -> 1 / 2.
pub(super) fn half_number(w: &str) -> Option<u32> {
    match w {
        "h1" => Some(1),
        "h2" => Some(2),
        _ => None,
    }
}

/// "Q3", "Q3 2026", "Q3 of 2026" at `i`.
pub(super) fn quarter(
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
pub(super) fn half_of(
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
