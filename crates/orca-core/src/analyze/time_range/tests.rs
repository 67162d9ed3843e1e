//! The time pass, phrase by phrase: ranges, invalid phrases and ages, each checked against a
//! fixed `now`.

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
    let mut toks = crate::analyze::tokens::tokens(&words);
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
    let mut toks = crate::analyze::tokens::tokens(&words);
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
    let mut toks = crate::analyze::tokens::tokens(&words);
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
