//! Filters: status and severity words among the free tokens.
//!
//! - Status: open, active, outstanding, unresolved, pending, ongoing -> `open`; closed, resolved,
//!   fixed, mitigated, completed -> `closed`; "not"/"non" before a status word flips it. A
//!   request that asks for both gets no status filter (and a factor says so). "opened" is not a
//!   status (it means created), and "active users" is a tenant-health keyword, not a status.
//! - Severity: "Sev A", "severity B", "SevA", "Sev-A", "Sev A and B", "Sev A/B", "Sev A, B or C"
//!   -> case letters; "Sev 0".."Sev 4", "Sev1", "Sev 2.5" / "Sev 25" -> incident digits ("25" is
//!   2.5); ranges "Sev 0-2". "critical" -> A, 0, 1; "high" (also "high severity") -> A, B, 0, 1, 2,
//!   but only before a severity word or an item that has one ("critical incidents", "high
//!   severity cases"): "high usage" and "critical thinking" are not filters.
//!   Values come out in the fixed order A, B, C, 0, 1, 2, 25, 3, 4. Unknown values ("Sev 7")
//!   are ignored with a factor.

use super::{Role, Tok};
use crate::plan::{Filters, StatusFilter};

/// Every severity value in its canonical order.
const SEVERITY_ORDER: [&str; 9] = ["A", "B", "C", "0", "1", "2", "25", "3", "4"];

/// Finds status and severity words among the free tokens, marks them `Role::Filter`, and returns
/// the filters with any notes about ignored values.
pub(crate) fn find(toks: &mut [Tok<'_>]) -> (Filters, Vec<String>) {
    let mut notes = Vec::new();
    let mut severities = [false; SEVERITY_ORDER.len()];
    let (mut open, mut closed) = (false, false);
    let mut i = 0;
    while i < toks.len() {
        if toks[i].role != Role::Free {
            i += 1;
            continue;
        }
        let consumed = severity_at(toks, i, &mut severities, &mut notes)
            .or_else(|| status_at(toks, i, &mut open, &mut closed));
        match consumed {
            Some(len) => {
                for tok in &mut toks[i..i + len] {
                    tok.role = Role::Filter;
                }
                i += len;
            }
            None => i += 1,
        }
    }
    let status = match (open, closed) {
        (true, false) => Some(StatusFilter::Open),
        (false, true) => Some(StatusFilter::Closed),
        (true, true) => {
            notes.push("both open and closed asked: no status filter".to_string());
            None
        }
        (false, false) => None,
    };
    let severity = SEVERITY_ORDER
        .iter()
        .zip(severities)
        .filter(|(_, on)| *on)
        .map(|(s, _)| s.to_string())
        .collect();
    (
        Filters {
            status,
            severity,
            ..Filters::default()
        },
        notes,
    )
}

fn word<'a>(toks: &'a [Tok<'_>], i: usize) -> Option<&'a str> {
    toks.get(i)
        .filter(|t| t.role == Role::Free)
        .map(|t| t.folded)
}

fn status_at(toks: &[Tok<'_>], i: usize, open: &mut bool, closed: &mut bool) -> Option<usize> {
    let is_open = match toks[i].folded {
        "open" | "active" | "outstanding" | "unresolved" | "pending" | "ongoing" => true,
        "closed" | "resolved" | "fixed" | "mitigated" | "completed" => false,
        _ => return None,
    };
    let negated = i > 0 && matches!(word(toks, i - 1), Some("not" | "non"));
    if is_open != negated {
        *open = true;
    } else {
        *closed = true;
    }
    Some(1)
}

/// The severity values a word names: "a" -> [A], "1" -> [1], "25" -> [2.5], "0-2" -> [0, 1, 2].
/// `Some(Err)` for a word shaped like a severity that is none ("7", "d").
fn values(w: &str) -> Option<Result<Vec<usize>, ()>> {
    let index = |v: &str| -> Option<usize> {
        SEVERITY_ORDER
            .iter()
            .position(|s| s.eq_ignore_ascii_case(v))
    };
    if let Some((lo, hi)) = w.split_once('-') {
        let (lo, hi) = (index(lo)?, index(hi)?);
        let letters = |i: usize| i < 3;
        if letters(lo) != letters(hi) || lo > hi {
            return Some(Err(()));
        }
        return Some(Ok((lo..=hi).collect()));
    }
    if let Some(i) = index(w) {
        return Some(Ok(vec![i]));
    }
    let looks_like = (w.len() == 1 && w.bytes().all(|b| b.is_ascii_alphabetic()))
        || (w.len() <= 2 && w.bytes().all(|b| b.is_ascii_digit()));
    looks_like.then_some(Err(()))
}

fn severity_at(
    toks: &[Tok<'_>],
    i: usize,
    on: &mut [bool],
    notes: &mut Vec<String>,
) -> Option<usize> {
    let w = toks[i].folded;
    // "high-sev", "critical-severity": one word that names a severity by itself.
    let fused_level = ["-sev", "-severity", "-priority", "-pri"]
        .iter()
        .find_map(|suffix| w.strip_suffix(suffix))
        .filter(|level| matches!(*level, "critical" | "high"));
    if let Some(level) = fused_level {
        for &v in level_values(level) {
            on[v] = true;
        }
        return Some(1);
    }
    match w {
        // Only as a severity: "critical incidents", "high severity cases", "high-sev bugs"; not
        // "high usage" or "critical thinking". The next word may already be an agent keyword.
        "critical" | "high" if names_severity(toks.get(i + 1).map(|t| t.folded)) => {
            for &v in level_values(w) {
                on[v] = true;
            }
            let tail = usize::from(matches!(
                word(toks, i + 1),
                Some("severity" | "sev" | "priority")
            ));
            return Some(1 + tail);
        }
        "sev" | "severity" | "severities" => {
            let len = value_list(toks, i + 1, on, notes);
            return (len > 0).then_some(1 + len);
        }
        _ => {}
    }
    // Fused: "seva", "sev-a", "sev1", "sev25" (from "Sev2.5").
    let rest = w.strip_prefix("sev")?;
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    if rest.is_empty() || rest.contains('-') {
        return None;
    }
    let first = values(rest)?;
    apply(first, rest, on, notes);
    Some(1 + more_values(toks, i + 1, on, notes))
}

/// Severity slots a level word turns on: "critical" -> A, 0, 1; "high" -> A, B, 0, 1, 2.
fn level_values(level: &str) -> &'static [usize] {
    if level == "critical" {
        &[0, 3, 4]
    } else {
        &[0, 1, 3, 4, 5]
    }
}

/// Does the word after "critical"/"high" make it a severity? A severity word or a kind of item
/// that has a severity.
fn names_severity(next: Option<&str>) -> bool {
    next.is_some_and(|w| {
        matches!(
            super::keywords::singular(w),
            "severity"
                | "sev"
                | "priority"
                | "pri"
                | "case"
                | "ticket"
                | "incident"
                | "icm"
                | "escalation"
                | "outage"
                | "bug"
                | "issue"
                | "sr"
                | "cri"
        )
    })
}

/// A list of severity values starting at `i`: "A", "A and B", "1, 2 or 3". Returns tokens used.
fn value_list(toks: &[Tok<'_>], i: usize, on: &mut [bool], notes: &mut Vec<String>) -> usize {
    let Some(w) = word(toks, i) else {
        return 0;
    };
    let Some(first) = values(w) else {
        return 0;
    };
    apply(first, w, on, notes);
    1 + more_values(toks, i + 1, on, notes)
}

fn more_values(toks: &[Tok<'_>], mut i: usize, on: &mut [bool], notes: &mut Vec<String>) -> usize {
    let start = i;
    loop {
        let joiner = usize::from(matches!(word(toks, i), Some("and" | "or" | "&" | "to")));
        let Some(w) = word(toks, i + joiner) else {
            break;
        };
        let Some(Ok(found)) = values(w) else {
            break;
        };
        apply(Ok(found), w, on, notes);
        i += joiner + 1;
    }
    i - start
}

fn apply(found: Result<Vec<usize>, ()>, written: &str, on: &mut [bool], notes: &mut Vec<String>) {
    match found {
        Ok(found) => found.into_iter().for_each(|v| on[v] = true),
        Err(()) => notes.push(format!("ignored unknown severity {written}")),
    }
}
