//! The age filter, not a range: "older than 30 days", "open for more than a week", "created
//! before October" give the instant items were created before. The words "open"/"opened"/
//! "active" and a leading "created" stay free for the passes that claim them.

use chrono::{DateTime, Utc};

use super::absolute::date_at;
use super::calendar::{Span, duration, epoch, message, midnight, step_back, word, written};
use crate::analyze::tokens::{Role, Tok};

/// The age filter: items created before an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Age {
    pub created_before: DateTime<Utc>,
    /// As understood, e.g. "older than 30 days", "created before 2026-10-01".
    pub label: String,
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
