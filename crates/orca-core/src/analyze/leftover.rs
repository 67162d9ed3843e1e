//! The last passes of the claim table: filler words, then what no pass claimed.
//!
//! Invariant: every word of the request ends claimed by a pass, filler, a docs search term, or
//! listed in `not_understood` (as written, in runs: "over the weekend", not "weekend").

use super::tokens::{Role, Tok};
use super::vocab::{is_filler, is_stop_word};

/// Prepositions and articles kept at the start of a not-understood run ("over the weekend",
/// "in H1"), so the user sees the phrase they wrote.
const LEADING_KEPT: &[&str] = &[
    "in", "over", "during", "since", "before", "after", "from", "between", "until", "by", "on",
    "at", "than", "per", "the", "a", "an", "within", "across", "through", "next", "by",
];

/// Marks the free filler words `Role::Filler`.
pub(crate) fn claim_filler(toks: &mut [Tok<'_>]) {
    for i in 0..toks.len() {
        let tok = &toks[i];
        // "caused by", "blocked by": a link, not a grouping ("by severity").
        let link_by = tok.folded == "by"
            && i > 0
            && matches!(
                toks[i - 1].folded,
                "caused" | "blocked" | "affected" | "impacted" | "triggered" | "driven" | "hit"
            );
        // "ford vs gm": both sides are answered one after the other, so the joiner is understood.
        let between_customers = matches!(tok.folded, "vs" | "versus")
            && i > 0
            && toks[i - 1].role == Role::Customer
            && toks.get(i + 1).is_some_and(|t| t.role == Role::Customer);
        if tok.role == Role::Free
            && (is_filler(tok.folded)
                || link_by
                || between_customers
                || !has_alphanumeric(tok.folded))
        {
            toks[i].role = Role::Filler;
        }
    }
}

fn has_alphanumeric(w: &str) -> bool {
    w.chars().any(char::is_alphanumeric)
}

/// Words for the docs agent's full-text search: the free words and the product areas, folded,
/// in order, without stop words or repeats.
pub(crate) fn search_terms(toks: &[Tok<'_>]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for tok in toks {
        if matches!(tok.role, Role::Free | Role::Area)
            && !is_stop_word(tok.folded)
            && has_alphanumeric(tok.folded)
            && !out.iter().any(|w| w == tok.folded)
        {
            out.push(tok.folded.to_string());
        }
    }
    out
}

/// The runs of words no pass claimed, as written in `request`. A run is a stretch of free and
/// filler words holding at least one free word, without trailing filler and without leading
/// filler other than prepositions and articles.
pub(crate) fn not_understood(request: &str, toks: &[Tok<'_>]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if !matches!(toks[i].role, Role::Free | Role::Filler) {
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        // A run stops at the next claimed word and at punctuation between words.
        while i < toks.len()
            && matches!(toks[i].role, Role::Free | Role::Filler)
            && request[toks[i - 1].end..toks[i].start]
                .chars()
                .all(char::is_whitespace)
        {
            i += 1;
        }
        let run = &toks[start..i];
        let Some(last) = run.iter().rposition(|t| t.role == Role::Free) else {
            continue;
        };
        let first_free = run.iter().position(|t| t.role == Role::Free).unwrap_or(0);
        // Keep the prepositions and articles right before the first free word.
        let mut first = first_free;
        while first > 0 && LEADING_KEPT.contains(&run[first - 1].folded) {
            first -= 1;
        }
        let text = request[run[first].start..run[last].end].trim();
        if !text.is_empty() && !out.iter().any(|w| w == text) {
            out.push(text.to_string());
        }
    }
    out
}
