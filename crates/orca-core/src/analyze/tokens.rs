//! The claim table: every word of the request as a [`Tok`], and the [`Role`] of the pass that
//! claimed it (`Role::Free` until one does).
//!
//! Invariant: a pass only ever claims `Role::Free` words, so the passes' order settles every
//! conflict (see the `analyze` module documentation).

use crate::text::Word;

/// Which pass claimed a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Not claimed yet.
    Free,
    Customer,
    Keyword,
    Filter,
    Time,
    Scope,
    /// A product area ("DLP"): a filter, and a search term for the docs.
    Area,
    /// The verb that picks the time range's event column ("closed last week").
    Verb,
    /// A word of the intent: "top", "by severity", "trend", "oldest" (DESIGN section 9).
    Intent,
    /// A word with no question of its own ("show", "me", "the").
    Filler,
}

/// One word of the request as the passes see it.
#[derive(Debug, Clone)]
pub(crate) struct Tok<'a> {
    pub raw: &'a str,
    pub folded: &'a str,
    pub start: usize,
    pub end: usize,
    pub role: Role,
}

/// The passes' view of the words: a possessive "'s" is dropped from the folded form, so "last
/// week's", "today's" and "Contoso's" read as "week", "today" and "contoso".
pub(crate) fn tokens<'a>(words: &'a [Word<'a>]) -> Vec<Tok<'a>> {
    words
        .iter()
        .map(|w| {
            let possessive = ["'s", "'S", "\u{2019}s", "\u{2019}S"]
                .iter()
                .any(|e| w.raw.ends_with(e));
            let folded = match w.folded.strip_suffix('s') {
                Some(base) if possessive && !base.is_empty() => base,
                _ => w.folded.as_str(),
            };
            Tok {
                raw: w.raw,
                folded,
                start: w.start,
                end: w.end,
                role: Role::Free,
            }
        })
        .collect()
}
