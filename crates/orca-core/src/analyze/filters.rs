//! Filters: what users say to narrow the items (DESIGN section 8, "Filters name what users say").
//!
//! - Status by meaning (`StatusFilter`): open, outstanding, ongoing, pending, unaddressed ->
//!   `open`; closed, fixed, completed, done -> `closed`; unresolved, "not resolved", "not
//!   closed" -> `unresolved` (incidents: Active or Mitigated; cases and work items: open); "not
//!   open" -> `closed`. Asking for both open and closed gives no status filter (with a factor).
//! - Exact states (`Filters::states`): active -> Active, waiting / "waiting on customer" ->
//!   Waiting, mitigated -> Mitigated, resolved -> Resolved, and "new" -> New when the request
//!   asks for work items (for other items "new" means recent and is claimed without a filter,
//!   with a factor). Each source applies the states it has. "opened" is never a status (it is
//!   the creation verb), and "active users" is a tenant-health keyword, not a status.
//! - Severity: "Sev A", "severity B", "SevA", "Sev-A", "Sev A and B", "Sev A/B", "Sev A, B or
//!   C" -> case letters; "Sev 0".."Sev 4", "Sev1", "Sev 2.5" / "Sev 25", "P1", "S1", "Pri 1",
//!   "priority 1" -> incident digits ("25" is 2.5); ranges "Sev 0-2"; "crit sit" / "critsit" ->
//!   A. "critical" -> A, 0, 1; "high" (also "high severity") -> A, B, 0, 1, 2, but only before a
//!   severity word or an item that has one ("critical incidents", "high severity cases"): "high
//!   usage" and "critical thinking" are not filters. Values come out in the fixed order A, B,
//!   C, 0, 1, 2, 25, 3, 4. Unknown values ("Sev 7") are left unclaimed, so the answer says it
//!   did not understand them.
//! - Product areas: the configured area names and aliases ([`AreaMatcher`]): "DLP cases",
//!   "eDiscovery incidents", "data loss prevention".
//! - Negation: not, non, excluding, exclude, except, without, "other than", "but not" before a
//!   severity, an area or a status word turns it into an exclusion: "excluding Sev C", "other
//!   than DLP", "not closed". A negation word with nothing to negate stays unclaimed.
//! - Owner: "assigned to X", "owned by X", "owner X": the following words (up to four, stopping
//!   at words other passes use or at prepositions) as written.
//!
//! Once the agents are known: a severity with no agent word implies its kind of item
//! ([`implied_by_severity`]), and a filter that no requested source can apply is reported as
//! not understood ([`inapplicable_filters`]), never silently dropped.

use super::areas::AreaMatcher;
use super::tokens::{Role, Tok};
use super::vocab::is_stop_word;
use crate::names::AgentName;
use crate::plan::{Filters, StatusFilter};

/// Every severity value in its canonical order.
const SEVERITY_ORDER: [&str; 9] = ["A", "B", "C", "0", "1", "2", "25", "3", "4"];

/// What the filter pass needs to know about the rest of the request.
pub(crate) struct Context<'a> {
    pub areas: &'a AreaMatcher,
    /// The request asks for work items (so "new" is the New state).
    pub work_items: bool,
}

/// The severity slots of one pass: asked for and excluded.
struct Severities {
    on: [bool; SEVERITY_ORDER.len()],
    off: [bool; SEVERITY_ORDER.len()],
}

impl Severities {
    fn target(&mut self, negated: bool) -> &mut [bool] {
        if negated { &mut self.off } else { &mut self.on }
    }

    fn list(slots: &[bool]) -> Vec<String> {
        SEVERITY_ORDER
            .iter()
            .zip(slots)
            .filter(|(_, on)| **on)
            .map(|(s, _)| s.to_string())
            .collect()
    }
}

/// Finds the filter words among the free tokens, marks them `Role::Filter`, and returns the
/// filters with notes about what was decided.
pub(crate) fn find(toks: &mut [Tok<'_>], cx: &Context<'_>) -> (Filters, Vec<String>) {
    let mut notes = Vec::new();
    let mut filters = Filters::default();
    let mut sev = Severities {
        on: [false; SEVERITY_ORDER.len()],
        off: [false; SEVERITY_ORDER.len()],
    };
    let (mut open, mut closed, mut unresolved) = (false, false, false);
    // Where the last negated value ended: a list joiner there continues the negation.
    let mut negated_until: Option<usize> = None;
    let mut i = 0;
    while i < toks.len() {
        if toks[i].role != Role::Free {
            i += 1;
            continue;
        }
        // A negation carries over a list: "excluding audit and dlp", "not sev b or c".
        let listed = negated_until == Some(i)
            && matches!(toks[i].folded, "and" | "or" | "&" | "nor")
            && toks[i].role == Role::Free;
        let negation = if listed { 1 } else { negation_at(toks, i) };
        let at = i + negation;
        let negated = negation > 0;
        let mut area_len = 0;
        let consumed = if at >= toks.len() || toks[at].role != Role::Free {
            None
        } else if let Some(len) = severity_at(toks, at, sev.target(negated)) {
            Some(len)
        } else if let Some((area, len)) = cx.areas.at(toks, at) {
            let list = if negated {
                &mut filters.exclude_product_areas
            } else {
                &mut filters.product_areas
            };
            if !list.iter().any(|a| a == area) {
                list.push(area.to_string());
            }
            area_len = len;
            Some(len)
        } else if let Some(len) = owner_at(toks, at, &mut filters.owner) {
            (!negated).then_some(len)
        } else {
            match status_at(toks, at, negated, cx, &mut notes) {
                Some(Status::Meaning(StatusFilter::Open)) => {
                    open = true;
                    Some(1)
                }
                Some(Status::Meaning(StatusFilter::Closed)) => {
                    closed = true;
                    Some(1)
                }
                Some(Status::Meaning(StatusFilter::Unresolved)) => {
                    unresolved = true;
                    Some(1)
                }
                Some(Status::State(state, len)) => {
                    if !filters.states.iter().any(|s| s == state) {
                        filters.states.push(state.to_string());
                    }
                    Some(len)
                }
                Some(Status::Excluded(state, len)) => {
                    if !filters.exclude_states.iter().any(|s| s == state) {
                        filters.exclude_states.push(state.to_string());
                    }
                    Some(len)
                }
                Some(Status::Recent) => Some(1),
                None => None,
            }
        };
        match consumed {
            Some(len) if negated => {
                negated_until = Some(at + len);
                for tok in &mut toks[i..at + len] {
                    tok.role = Role::Filter;
                }
                i = at + len;
            }
            Some(len) => {
                for (k, tok) in toks[i..at + len].iter_mut().enumerate() {
                    // Area words stay visible to the docs search as `Role::Area`.
                    tok.role = if i + k >= at && area_len > 0 {
                        Role::Area
                    } else {
                        Role::Filter
                    };
                }
                i = at + len;
            }
            None => i += 1,
        }
    }
    // "open and closed cases": every status, said so.
    let terminal = |s: &String| s == "Closed" || s == "Resolved";
    if (open || unresolved) && filters.states.iter().any(terminal) {
        filters.states.retain(|s| !terminal(s));
        closed = true;
    }
    filters.status = match (open, closed, unresolved) {
        (false, false, false) => None,
        (true, false, false) => Some(StatusFilter::Open),
        (false, true, false) => Some(StatusFilter::Closed),
        (_, false, true) => Some(StatusFilter::Unresolved),
        _ => {
            notes.push("both open and closed asked: no status filter".to_string());
            None
        }
    };
    filters.severity = Severities::list(&sev.on);
    filters.exclude_severity = Severities::list(&sev.off);
    (filters, notes)
}

/// The number of negation words starting at `i` ("not", "other than", "but not"), with a
/// preposition after them ("not in DLP", "except for Sev A"), or 0.
fn negation_at(toks: &[Tok<'_>], i: usize) -> usize {
    let n = match (word(toks, i), word(toks, i + 1)) {
        (Some("other" | "rather"), Some("than")) | (Some("but"), Some("not")) => 2,
        (
            Some(
                "not" | "non" | "excluding" | "exclude" | "except" | "without" | "besides"
                | "minus" | "ignoring" | "arent" | "isnt",
            ),
            Some(_),
        ) => 1,
        _ => return 0,
    };
    match (word(toks, i + n), word(toks, i + n + 1)) {
        (Some("in" | "from" | "about" | "on" | "for" | "under" | "within"), Some(_)) => n + 1,
        _ => n,
    }
}

fn word<'a>(toks: &'a [Tok<'_>], i: usize) -> Option<&'a str> {
    toks.get(i)
        .filter(|t| t.role == Role::Free)
        .map(|t| t.folded)
}

/// What a status word asks for.
enum Status {
    Meaning(StatusFilter),
    /// An exact state and the tokens it used.
    State(&'static str, usize),
    /// An excluded state ("excluding waiting", "not closed") and the tokens it used.
    Excluded(&'static str, usize),
    /// "new" about items without a New state: recent, no filter.
    Recent,
}

fn status_at(
    toks: &[Tok<'_>],
    i: usize,
    negated: bool,
    cx: &Context<'_>,
    notes: &mut Vec<String>,
) -> Option<Status> {
    use StatusFilter::*;
    let w = toks[i].folded;
    let meaning = match w {
        "open" | "outstanding" | "ongoing" | "pending" | "unaddressed" | "unfixed" => {
            Some(if negated { Closed } else { Open })
        }
        "unresolved" | "unmitigated" if !negated => Some(Unresolved),
        "fixed" | "completed" | "done" | "finished" => {
            Some(if negated { Unresolved } else { Closed })
        }
        "resolved" if negated => Some(Unresolved),
        _ => None,
    };
    if let Some(m) = meaning {
        return Some(Status::Meaning(m));
    }
    let state = match w {
        // Closed is a state of its own (DESIGN section 8); incidents read it as Resolved.
        "closed" => "Closed",
        "active" => "Active",
        "waiting" => {
            // "waiting on customer", "waiting for customer".
            let tail = match (word(toks, i + 1), word(toks, i + 2)) {
                (Some("on" | "for"), Some("customer" | "customers")) => 2,
                _ => 0,
            };
            return Some(if negated {
                Status::Excluded("Waiting", 1 + tail)
            } else {
                Status::State("Waiting", 1 + tail)
            });
        }
        "mitigated" => "Mitigated",
        "resolved" => "Resolved",
        "new" if cx.work_items => "New",
        "new" if !negated => {
            notes.push("\"new\" read as recent: no state filter".to_string());
            return Some(Status::Recent);
        }
        _ => return None,
    };
    Some(if negated {
        Status::Excluded(state, 1)
    } else {
        Status::State(state, 1)
    })
}

/// "assigned to X", "owned by X", "owner X" / "owner is X" at `i`: sets the owner, returns the
/// tokens used.
fn owner_at(toks: &[Tok<'_>], i: usize, owner: &mut Option<String>) -> Option<usize> {
    let lead = match (word(toks, i)?, word(toks, i + 1)) {
        ("assigned" | "assign", Some("to")) | ("owned", Some("by")) => 2,
        ("owner", Some("is")) => 2,
        ("owner", _) => 1,
        _ => return None,
    };
    let mut end = i + lead;
    while end < toks.len() && end < i + lead + 4 {
        let t = &toks[end];
        if t.role != Role::Free || is_stop_word(t.folded) || is_boundary(t.folded) {
            break;
        }
        end += 1;
    }
    if end == i + lead {
        return None;
    }
    let name: Vec<&str> = toks[i + lead..end].iter().map(|t| t.raw).collect();
    *owner = Some(name.join(" "));
    Some(end - i)
}

/// Words that end an owner's name: time and filter words.
fn is_boundary(w: &str) -> bool {
    matches!(
        w,
        "last" | "past" | "since" | "during" | "today" | "yesterday" | "open" | "closed" | "sev"
    )
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

fn severity_at(toks: &[Tok<'_>], i: usize, on: &mut [bool]) -> Option<usize> {
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
        // "crit sit", "critsit": a critical situation is a Sev A case.
        "critsit" | "critsits" => {
            on[0] = true;
            return Some(1);
        }
        "crit" if matches!(word(toks, i + 1), Some("sit" | "sits")) => {
            on[0] = true;
            return Some(2);
        }
        "sev" | "severity" | "severities" | "pri" | "priority" => {
            let len = value_list(toks, i + 1, on, w.starts_with('p'));
            return (len > 0).then_some(1 + len);
        }
        _ => {}
    }
    // Fused: "seva", "sev-a", "sev1", "sev25" (from "Sev2.5"), "p1", "s1", "pri1".
    let (rest, digits_only) = if let Some(rest) = w.strip_prefix("sev") {
        (rest, false)
    } else if let Some(rest) = w.strip_prefix("pri").or_else(|| w.strip_prefix('p')) {
        (rest, true)
    } else {
        (w.strip_prefix('s')?, true)
    };
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    // "p1s", "sev1s": a plural of the item with that severity.
    let rest = rest
        .strip_suffix('s')
        .filter(|r| is_digits(r))
        .unwrap_or(rest);
    if rest.is_empty() || rest.contains('-') || (digits_only && !is_digits(rest)) {
        return None;
    }
    let first = values(rest)?.ok()?;
    first.into_iter().for_each(|v| on[v] = true);
    Some(1 + more_values(toks, i + 1, on, digits_only))
}

fn is_digits(w: &str) -> bool {
    !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit())
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
            crate::text::singular(w),
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

/// A list of severity values starting at `i`: "A", "A and B", "1, 2 or 3". Returns tokens
/// used; `digits_only` for priorities ("P1", "priority 2"), which are incident severities.
fn value_list(toks: &[Tok<'_>], i: usize, on: &mut [bool], digits_only: bool) -> usize {
    let Some(w) = word(toks, i) else {
        return 0;
    };
    if digits_only && !is_digits(w) {
        return 0;
    }
    let Some(Ok(first)) = values(w) else {
        return 0;
    };
    first.into_iter().for_each(|v| on[v] = true);
    1 + more_values(toks, i + 1, on, digits_only)
}

fn more_values(toks: &[Tok<'_>], mut i: usize, on: &mut [bool], digits_only: bool) -> usize {
    let start = i;
    loop {
        let joiner = usize::from(matches!(word(toks, i), Some("and" | "or" | "&" | "to")));
        let Some(w) = word(toks, i + joiner) else {
            break;
        };
        // "P1 or P2": the next value may repeat the prefix.
        let bare = w
            .strip_prefix("sev")
            .or_else(|| w.strip_prefix('p'))
            .filter(|r| !r.is_empty())
            .unwrap_or(w);
        if digits_only && !is_digits(bare) {
            break;
        }
        let Some(Ok(found)) = values(bare) else {
            break;
        };
        found.into_iter().for_each(|v| on[v] = true);
        i += joiner + 1;
    }
    i - start
}

/// The one kind of item a severity filter implies when no agent word is given: incident digits
/// only -> incidents, case letters only -> support cases.
pub(super) fn implied_by_severity(filters: &Filters) -> Option<AgentName> {
    let letters = filters.case_severities().next().is_some();
    let digits = filters.incident_severities().next().is_some();
    match (letters, digits) {
        (false, true) => Some(AgentName::EscalationManager),
        (true, false) => Some(AgentName::SupportCaseManager),
        _ => None,
    }
}

/// Filters that none of the requested agents' sources applies, described in the request's terms.
pub(super) fn inapplicable_filters(filters: &Filters, agents: &[AgentName]) -> Vec<String> {
    let has = |agent: AgentName| agents.contains(&agent);
    let items = [
        AgentName::SupportCaseManager,
        AgentName::EscalationManager,
        AgentName::WorkItemManager,
    ];
    let mut out = Vec::new();
    let letters: Vec<&str> = filters.case_severities().collect();
    let digits: Vec<&str> = filters.incident_severities().collect();
    let cases_apply = !letters.is_empty() && has(AgentName::SupportCaseManager);
    let incidents_apply = !digits.is_empty() && has(AgentName::EscalationManager);
    let asked = !(letters.is_empty() && digits.is_empty());
    if asked && !(cases_apply || incidents_apply) {
        let values: Vec<&str> = letters.iter().chain(&digits).copied().collect();
        let kinds = if letters.is_empty() {
            "only incidents have severities 0-4"
        } else {
            "only support cases have severities A-C"
        };
        out.push(format!("Sev {} ({kinds})", values.join("/")));
    }
    let known = |state: &str| {
        agents
            .iter()
            .any(|a| crate::describe::state_for(a.source(), state).is_some())
    };
    for state in filters.states.iter().chain(&filters.exclude_states) {
        if !known(state) {
            out.push(format!(
                "{} (no such state for the data asked)",
                state.to_lowercase()
            ));
        }
    }
    // The docs search uses an area's words as search terms.
    let any_items = items.iter().any(|a| has(*a)) || has(AgentName::PurviewExpert);
    let areas_asked =
        !(filters.product_areas.is_empty() && filters.exclude_product_areas.is_empty());
    if areas_asked && !any_items {
        let areas: Vec<&str> = filters
            .product_areas
            .iter()
            .chain(&filters.exclude_product_areas)
            .map(String::as_str)
            .collect();
        out.push(format!(
            "{} (a product area of cases, incidents or work items)",
            areas.join(", ")
        ));
    }
    if let Some(owner) = &filters.owner
        && !(has(AgentName::SupportCaseManager) || has(AgentName::EscalationManager))
    {
        out.push(format!(
            "assigned to {owner} (only cases and incidents have owners)"
        ));
    }
    out
}
