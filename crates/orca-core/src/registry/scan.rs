//! Finding customer mentions in free text (`Registry::scan_with`): leftmost-longest windows of
//! whole words, compared by normalized key, with the rules of the module doc of `registry` for
//! weak and short names, slots and lists, tenant ids, prefixes, typos and unknown companies.
//!
//! Invariant: a window is resolved only when exactly one customer claims it at the most trusted
//! tier; every span is a range of whole words of the text (so on char boundaries), spans never
//! overlap, and nothing depends on hash order.

use std::ops::Range;

use super::common::is_common;
use super::fuzzy::Near;
use super::guid::parse_guid;
use super::index::MAX_KEY_TOKENS;
use super::normalize::{
    is_company_word, is_legal_suffix, is_strong_suffix, kept_words, norm_word,
    norm_word_if_changed, same_words, strip_possessive,
};
use super::{Found, Registry, Scan};
use crate::plan::{Ambiguous, MatchKind, Unresolved};
use crate::text::{self, Word, has_lookalike};

/// Most candidates listed for one ambiguous mention.
const MAX_CANDIDATES: usize = 10;
/// Most suggestions listed for one unresolved mention.
const MAX_SUGGESTIONS: usize = 5;
/// Lowest similarity (1 - edits / length) at which a typo is resolved in free text.
const FUZZY_MIN_SIMILARITY: f64 = 0.75;
/// Words a request may put right before a customer: "cases for Target", "customer Zoom".
const SLOT_BEFORE: &[&str] = &[
    "account",
    "at",
    "compare",
    "client",
    "customer",
    "customers",
    "for",
    "from",
    "tenant",
];
/// Words before an unknown capitalized name that make it look like a customer ("at Globex").
const UNKNOWN_SLOT_BEFORE: &[&str] = &[
    "about",
    "account",
    "at",
    "client",
    "customer",
    "customers",
    "for",
    "from",
    "tenant",
    "with",
];
/// A short word: two characters, or three with a digit ("gm", "pg", "3m").
fn is_short(form: &str) -> bool {
    let n = form.chars().count();
    n <= 2 || (n <= 3 && form.chars().any(|c| c.is_ascii_digit()))
}

/// Most words of an unknown company name.
const MAX_UNKNOWN_WORDS: usize = 5;
/// Confidence of a name written with look-alike letters of another script ("Fоrd", Cyrillic о):
/// it reads as the name, but it is a guess.
const LOOKALIKE_CONFIDENCE: f64 = 0.9;

/// Words that join the items of a list of customers ("ford and gm", "ford vs gm"); `&` alone
/// is normalized to "and".
fn is_list_word(w: &str) -> bool {
    matches!(w, "and" | "or" | "vs" | "versus" | "nor" | "plus")
}

/// Function words and verbs of asking that may come right before a customer's name ("show visa
/// cases", "how many ups cases", "get me target's bugs").
fn is_request_word(w: &str) -> bool {
    matches!(
        w,
        "show"
            | "list"
            | "get"
            | "give"
            | "me"
            | "many"
            | "much"
            | "all"
            | "any"
            | "of"
            | "for"
            | "with"
            | "about"
            | "are"
            | "is"
            | "were"
            | "was"
            | "have"
            | "has"
            | "had"
            | "do"
            | "does"
            | "did"
            | "see"
            | "find"
            | "pull"
            | "display"
            | "fetch"
            | "total"
            | "count"
            | "number"
            | "check"
            | "from"
            | "at"
            | "on"
            | "in"
            | "please"
            | "pls"
    )
}

/// The agents' data words (DESIGN section 2): a request with one of them asks for customer
/// data, which makes a short name ("gm cases") or a name of two common words ("best buy
/// cases") a name, and a word right before one a typo candidate ("toyta cases").
fn is_data_word(w: &str) -> bool {
    matches!(
        w,
        "case"
            | "cases"
            | "ticket"
            | "tickets"
            | "sr"
            | "srs"
            | "icm"
            | "icms"
            | "incident"
            | "incidents"
            | "escalation"
            | "escalations"
            | "outage"
            | "outages"
            | "critsit"
            | "critsits"
            | "bug"
            | "bugs"
            | "ado"
            | "dcr"
            | "dcrs"
            | "workitem"
            | "workitems"
            | "items"
            | "health"
            | "adoption"
            | "usage"
            | "metrics"
            | "sev"
            | "severity"
    )
}

/// Status and severity words a request puts after a customer ("for target open cases").
fn is_filter_word(w: &str) -> bool {
    matches!(
        w,
        "open"
            | "opened"
            | "active"
            | "waiting"
            | "new"
            | "pending"
            | "closed"
            | "resolved"
            | "unresolved"
            | "mitigated"
            | "critical"
            | "created"
            | "filed"
            | "escalated"
            | "not"
    )
}

/// Words that start a time phrase ("this month", "last 30 days", "in March", "since Monday").
fn is_time_word(w: &str) -> bool {
    matches!(
        w,
        "last"
            | "past"
            | "previous"
            | "this"
            | "today"
            | "yesterday"
            | "tonight"
            | "since"
            | "ytd"
            | "mtd"
            | "qtd"
            | "recent"
            | "recently"
            | "january"
            | "jan"
            | "february"
            | "feb"
            | "march"
            | "april"
            | "apr"
            | "june"
            | "jun"
            | "july"
            | "jul"
            | "august"
            | "aug"
            | "september"
            | "sep"
            | "sept"
            | "october"
            | "oct"
            | "november"
            | "nov"
            | "december"
            | "dec"
            | "monday"
            | "tuesday"
            | "wednesday"
            | "thursday"
            | "friday"
            | "saturday"
            | "sunday"
            | "q1"
            | "q2"
            | "q3"
            | "q4"
            | "h1"
            | "h2"
    ) || (!w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()))
}

/// Words a slot filled with junk may have ("for ' OR 1=1 --"): no name is in it.
fn is_junk_word(w: &str) -> bool {
    w.bytes().all(|b| b.is_ascii_digit())
        || matches!(
            w,
            "or" | "and"
                | "not"
                | "null"
                | "true"
                | "false"
                | "select"
                | "union"
                | "from"
                | "where"
                | "drop"
                | "table"
                | "the"
                | "a"
                | "an"
                | "is"
        )
}

/// How much a window needs to be taken as a name (see the module doc of `registry`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strength {
    /// Some word is neither common nor vocabulary nor short: a name in any case and place.
    Strong,
    /// One word of two characters (three with a digit) that is neither common nor vocabulary.
    Short,
    /// Only common (or vocabulary, or one-letter) words.
    Weak,
    /// Only the analyzer's vocabulary words.
    Vocabulary,
}

/// What separates a word from the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gap {
    /// Spaces or other light punctuation: a name may run across it.
    Soft,
    /// A comma: a name runs across it only into a legal suffix ("Fabrikam, Inc.").
    Comma,
    /// A single "." or "!" before spaces: a sentence end, which a registry name may also
    /// have ("Yum! Brands", "A. Datum", "Warner Bros. Discovery"); a known name runs across it
    /// only when the name has that punctuation there.
    Stop,
    /// Sentence or clause punctuation: names never run across it.
    Hard,
}

/// One word of the scanned text with what the rules need to know about it.
#[derive(Debug)]
struct Token<'a> {
    word: Word<'a>,
    /// Normalized form when it differs from `word.folded` (see `normalize::norm_word`),
    /// possibly several tokens ("coca cola").
    normalized: Option<String>,
    /// Normalized form without a possessive ending ("ford" for "Ford's").
    base: Option<String>,
    /// Byte length of the word without its possessive ending.
    base_len: usize,
    gap: Gap,
    /// The most tokens of a registry key starting with this word (or its base), 0 if none.
    starts: usize,
    /// Every token of the word (or its base) is in some registry key, or it is a legal suffix:
    /// a window can grow over it.
    known: bool,
    /// Starts a sentence (or the text).
    initial: bool,
    /// First letter upper case, not all caps ("Ford").
    cap: bool,
    /// All caps ("GM", "SHELL").
    caps: bool,
    possessive: bool,
    /// Separated from the word before by "/" or "+" alone ("ford/gm"): a list.
    list_punct: bool,
}

impl Token<'_> {
    /// The normalized form of the word.
    fn norm(&self) -> &str {
        self.normalized.as_deref().unwrap_or(&self.word.folded)
    }

    /// The normalized form to use when this word ends a window.
    fn form(&self, as_base: bool) -> &str {
        match (&self.base, as_base) {
            (Some(base), true) => base,
            _ => self.norm(),
        }
    }
}

/// A window of words `start..end`; `as_base` uses the last word without its possessive ending.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: usize,
    end: usize,
    as_base: bool,
}

impl Window {
    /// The windows from `start` ending at `reach` or before, longest first; at each length the
    /// words as written, then with the last word's base form (callers skip that one when the last
    /// word has none).
    fn longest_first(start: usize, reach: usize) -> impl Iterator<Item = Window> {
        (start + 1..=reach).rev().flat_map(move |end| {
            [false, true].map(|as_base| Window {
                start,
                end,
                as_base,
            })
        })
    }
}

struct Scanner<'r, 't, 'v> {
    registry: &'r Registry,
    text: &'t str,
    /// The analyzer's own words (folded): weak, never typos, never unknown companies.
    vocabulary: &'v dyn Fn(&str) -> bool,
    tokens: Vec<Token<'t>>,
    /// The request asks for customer data (has a data word, see `is_data_word`).
    data_context: bool,
    /// Most words are capitalized (a title): capitalization says nothing about names.
    title: bool,
    /// Most words are all caps: all caps says nothing either.
    shout: bool,
    /// Typo corrections per word, computed on first need.
    corrections: Vec<Option<Vec<Near>>>,
    /// Where the last resolved or ambiguous mention ended (for lists: "for target and delta").
    last_match_end: Option<usize>,
    out: Scan,
}

pub(super) fn scan(registry: &Registry, text: &str, vocabulary: &dyn Fn(&str) -> bool) -> Scan {
    if registry.is_empty() {
        return Scan::default();
    }
    let mut scanner = Scanner::new(registry, text, vocabulary);
    scanner.run();
    scanner.out
}

/// (The most tokens of a key starting with `form`, is every token of `form` in some key or a
/// legal suffix).
fn lookup(index: &super::index::Index, form: &str) -> (usize, bool) {
    let mut starts = 0;
    let mut known = true;
    for (n, token) in form.split(' ').enumerate() {
        match index.token(token) {
            Some(most) if n == 0 => starts = most,
            Some(_) => {}
            None => known = false,
        }
    }
    (starts, known || is_legal_suffix(form))
}

impl<'r, 't, 'v> Scanner<'r, 't, 'v> {
    fn new(registry: &'r Registry, text: &'t str, vocabulary: &'v dyn Fn(&str) -> bool) -> Self {
        let words = text::words(text);
        let mut tokens: Vec<Token<'t>> = Vec::with_capacity(words.len());
        let mut previous_end = 0;
        for word in words {
            let between = &text[previous_end..word.start];
            previous_end = word.end;
            let initial = tokens.is_empty()
                || between.contains([
                    '.', '?', '!', ':', ';', '\n', '\r', '•', '*', '#', '>', '"', '“', '(', '[',
                ]);
            let trimmed = between.trim();
            let gap = if tokens.is_empty() {
                Gap::Soft
            } else if matches!(trimmed, "." | "!") && between.ends_with(char::is_whitespace) {
                Gap::Stop
            } else if between.contains([
                '.', '?', '!', ':', ';', '\n', '\r', '•', '*', '#', '>', '"', '“', '”', '(', ')',
                '[', ']', '{', '}', '/', '\\', '|', '=', '<', '+', '–', '—',
            ]) || between.contains(" - ")
            {
                Gap::Hard
            } else if between.contains(',') {
                Gap::Comma
            } else {
                Gap::Soft
            };
            let possessive = word.is_possessive();
            let (base, base_len) = match strip_possessive(word.raw) {
                Some(raw) => (Some(norm_word(&text::fold_word(raw))), raw.len()),
                None => (None, word.raw.len()),
            };
            // "PG's" is all caps: the possessive ending does not count.
            let caps = match strip_possessive(word.raw) {
                Some(raw) => {
                    raw.chars().nth(1).is_some()
                        && raw.chars().any(char::is_alphabetic)
                        && !raw.chars().any(char::is_lowercase)
                }
                None => word.is_all_caps(),
            };
            let normalized = norm_word_if_changed(&word.folded);
            let (mut starts, mut known) = lookup(
                &registry.index,
                normalized.as_deref().unwrap_or(&word.folded),
            );
            if let Some(base) = &base {
                let (base_starts, base_known) = lookup(&registry.index, base);
                starts = starts.max(base_starts);
                known |= base_known;
            }
            tokens.push(Token {
                list_punct: matches!(trimmed, "/" | "+"),
                normalized,
                base,
                base_len,
                gap,
                starts,
                known,
                initial,
                cap: word.is_capitalized() && !caps,
                caps,
                possessive,
                word,
            });
        }
        let lettered = tokens
            .iter()
            .filter(|t| t.word.raw.chars().any(char::is_alphabetic))
            .count();
        let capitalized = tokens.iter().filter(|t| t.cap || t.caps).count();
        let all_caps = tokens.iter().filter(|t| t.caps).count();
        let mostly = |n: usize| lettered >= 3 && n * 5 >= lettered * 4;
        let corrections = (0..tokens.len()).map(|_| None).collect();
        let data_context = tokens.iter().any(|t| is_data_word(t.norm()));
        Scanner {
            registry,
            text,
            vocabulary,
            data_context,
            title: mostly(capitalized),
            shout: mostly(all_caps),
            tokens,
            corrections,
            last_match_end: None,
            out: Scan::default(),
        }
    }

    fn run(&mut self) {
        let mut i = 0;
        while i < self.tokens.len() {
            let next = self
                .junk_slot_at(i)
                .or_else(|| self.tenant_at(i))
                .or_else(|| self.known_at(i))
                .or_else(|| self.typo_at(i))
                .or_else(|| self.prefix_at(i))
                .or_else(|| self.unknown_at(i))
                .or_else(|| self.slot_unknown_at(i));
            i = next.unwrap_or(i + 1);
        }
    }

    // ---- windows -------------------------------------------------------------------------

    /// The furthest end of a window starting at `start`: names do not run across sentence
    /// punctuation, nor across a comma unless a legal suffix follows it.
    fn reach(&self, start: usize, most_words: usize) -> usize {
        self.reach_while(start, most_words, false, |_, _| true)
    }

    /// `reach` over words that are in registry keys (a window of other words matches nothing),
    /// across a `Gap::Stop` too (checked against the name by `punctuation_fits`).
    fn reach_known(&self, start: usize, most_words: usize) -> usize {
        self.reach_while(start, most_words, true, |scanner, k| {
            scanner.tokens[k].known
        })
    }

    fn reach_while(
        &self,
        start: usize,
        most_words: usize,
        across_stops: bool,
        grows: impl Fn(&Self, usize) -> bool,
    ) -> usize {
        let limit = self.tokens.len().min(start.saturating_add(most_words));
        let mut end = start + 1;
        while end < limit {
            let token = &self.tokens[end];
            let joins = match token.gap {
                Gap::Soft => true,
                Gap::Comma => is_legal_suffix(token.norm()),
                Gap::Stop => across_stops,
                Gap::Hard => false,
            };
            if !joins || !grows(self, end) {
                break;
            }
            end += 1;
        }
        end
    }

    /// The normalized key of a window, with `replace` standing in for one word, and whether a
    /// trailing legal suffix was absorbed. Lower-case suffixes that are ordinary words too
    /// ("limited", "company") are absorbed only when `lenient`.
    fn key(&self, w: Window, replace: Option<(usize, &str)>) -> (String, bool) {
        self.key_with(w, replace, false)
    }

    fn key_with(&self, w: Window, replace: Option<(usize, &str)>, lenient: bool) -> (String, bool) {
        let forms: Vec<&str> = (w.start..w.end)
            .map(|k| match replace {
                Some((at, form)) if at == k => form,
                _ => self.tokens[k].form(w.as_base && k + 1 == w.end),
            })
            .collect();
        let absorbable = |j: usize| {
            let token = &self.tokens[w.start + j];
            lenient
                || is_strong_suffix(forms[j])
                || token.cap
                || token.caps
                || token.word.raw.contains('.')
        };
        let kept = kept_words(&forms, absorbable, false);
        let absorbed = kept.end < forms.len();
        (forms[kept].join(" "), absorbed)
    }

    fn span(&self, w: Window) -> Range<usize> {
        self.tokens[w.start].word.start..self.tokens[w.end - 1].word.end
    }

    /// The words of a window as written (without the possessive ending when `as_base`).
    fn mention(&self, w: Window) -> &'t str {
        let last = &self.tokens[w.end - 1];
        let len = if w.as_base {
            last.base_len
        } else {
            last.word.raw.len()
        };
        &self.text[self.tokens[w.start].word.start..last.word.start + len]
    }

    /// Is this normalized form made only of weak words: common words, vocabulary words or
    /// single letters?
    fn form_weak(&self, form: &str) -> bool {
        form.split(' ')
            .all(|t| is_common(t) || (self.vocabulary)(t) || t.chars().count() == 1)
    }

    /// How much a window needs to be taken as a name.
    fn strength(&self, w: Window) -> Strength {
        let (mut weak, mut vocabulary) = (true, true);
        for k in w.start..w.end {
            for t in self.tokens[k].form(w.as_base && k + 1 == w.end).split(' ') {
                let vocab = (self.vocabulary)(t);
                vocabulary &= vocab;
                weak &= vocab || is_common(t) || t.chars().count() == 1;
            }
        }
        if weak {
            return if vocabulary {
                Strength::Vocabulary
            } else {
                Strength::Weak
            };
        }
        let token = &self.tokens[w.start];
        if w.end - w.start == 1 && !token.word.raw.contains('&') && is_short(token.form(w.as_base))
        {
            return Strength::Short;
        }
        Strength::Strong
    }

    /// Does the window name a customer, given how it is written and placed? See the module doc:
    /// strong names always; short names in a data request, a slot or a list, or written as a
    /// name (not as a possessive: "the ball's in PG's court"); one vocabulary word only in a
    /// customer position; other weak names with a sign, or when they are three words or more,
    /// or two words in a data request.
    fn accepts(&self, w: Window) -> bool {
        let words = w.end - w.start;
        match self.strength(w) {
            // One lower-case word ("ford", "cvs", "uber", "dell") must also be placed as a name:
            // "cvs file", "uber important" and "dell laptops" are not customers.
            Strength::Strong => {
                words >= 2
                    || !self.lowercase(w)
                    || self.placed_as_name(w)
                    || self.before_request_word(w)
            }
            // "on pg 2", "see ch 3": a short word before a number is no name.
            Strength::Short
                if self.tokens.get(w.end).is_some_and(|t| {
                    t.gap == Gap::Soft && t.word.folded.chars().all(|c| c.is_ascii_digit())
                }) =>
            {
                self.in_slot(w)
            }
            Strength::Short => {
                let digit = self.tokens[w.start]
                    .word
                    .raw
                    .chars()
                    .any(|c| c.is_ascii_digit());
                (self.data_context && !digit && self.placed_as_name(w))
                    || self.in_slot(w)
                    || (!self.tokens[w.end - 1].possessive && self.written_as_name(w))
            }
            Strength::Vocabulary if words == 1 => {
                self.possessive_sign(w) || self.in_slot(w) || self.names_the_data(w)
            }
            Strength::Weak | Strength::Vocabulary => {
                words >= 3
                    || self.weak_sign(w)
                    || (words >= 2 && self.data_context)
                    || self.names_the_data(w)
                    || self.heads_a_list(w)
            }
        }
    }

    /// The first of a list of names in a request for data: "visa and mastercard open cases",
    /// "shell and bp icms", "target & best buy" (the later items are found as list items).
    fn heads_a_list(&self, w: Window) -> bool {
        let joiner = self.tokens.get(w.end);
        let next = self.tokens.get(w.end + 1);
        let names_next = |t: &Token<'_>| t.starts > 0 && t.known;
        // "visa and mastercard", "target & best buy"; or "target, visa and ball".
        let joined = joiner.is_some_and(|t| t.gap == Gap::Soft && is_list_word(t.norm()))
            && next.is_some_and(|t| t.gap == Gap::Soft && names_next(t));
        let comma = joiner.is_some_and(|t| t.gap == Gap::Comma && names_next(t));
        self.data_context && !self.after_determiner(w) && (joined || comma)
    }

    /// Every letter of the window is lower case as written.
    fn lowercase(&self, w: Window) -> bool {
        (w.start..w.end).all(|k| !self.tokens[k].word.raw.chars().any(char::is_uppercase))
    }

    /// Placed where a name goes: a possessive, a customer slot or list, right before the data
    /// it asks about, or ending its noun phrase ("whats up with contoso", "ford and gm cases",
    /// "toyota sev a cases"); not before another content word ("cvs file", "bt what about").
    fn placed_as_name(&self, w: Window) -> bool {
        let after_do = w.start > 0
            && self.tokens[w.start].gap == Gap::Soft
            && matches!(self.tokens[w.start - 1].norm(), "does" | "did" | "do");
        after_do
            || self.tokens[w.end - 1].possessive
            || self.in_slot(w)
            || self.listed(w.start)
            || self.names_the_data(w)
            || self.ends_noun_phrase(w)
    }

    /// The next word is one of the request's own words (a filler, data, filter or time word:
    /// "toyota pls", "ford dlp cases", "ford work items") or starts another name ("contoso
    /// fabrikam northwind"): what a strong name may stand before.
    fn before_request_word(&self, w: Window) -> bool {
        self.tokens.get(w.end).is_some_and(|t| {
            t.gap == Gap::Soft
                && ((self.vocabulary)(t.norm()) || (t.starts > 0 && t.known))
                && !matches!(t.norm(), "file" | "files")
        })
    }

    /// The window ends its noun phrase and does not continue a verb ("to target"): at the end of
    /// the text or clause, or before a list, filter, data or time word.
    fn ends_noun_phrase(&self, w: Window) -> bool {
        let after_verb = w.start > 0
            && self.tokens[w.start].gap == Gap::Soft
            && matches!(
                self.tokens[w.start - 1].norm(),
                "to" | "will" | "would" | "should" | "can" | "could" | "must" | "might" | "may"
            );
        !after_verb && self.slot_end(w.end)
    }

    /// A weak name right before the data it asks about, maybe with status words between ("visa
    /// cases", "target open incidents", "show ups sev a cases"): the words name whose data, not
    /// a kind of data. Not after a determiner ("the target cases"), and not the fixed phrases
    /// whose first word is no name ("test cases", "edge cases", "use cases").
    fn names_the_data(&self, w: Window) -> bool {
        if self.after_determiner(w) {
            return false;
        }
        // It must open its noun phrase: first in the text or clause, or after one of the
        // request's own words ("show visa cases", "how many ups cases") or a list word; after
        // another content word it is a compound ("service principal cases").
        if w.start > 0 && self.tokens[w.start].gap == Gap::Soft {
            let before = self.tokens[w.start - 1].norm();
            let opens = is_request_word(before) || is_list_word(before);
            if !opens {
                return false;
            }
        }
        let last = self.tokens[w.end - 1].norm();
        if matches!(
            last,
            "use" | "edge" | "test" | "worst" | "best" | "upper" | "lower" | "in" | "any" | "all"
        ) {
            return false;
        }
        for k in w.end..w.end + 4 {
            let Some(t) = self.tokens.get(k).filter(|t| t.gap == Gap::Soft) else {
                return false;
            };
            let word = t.norm();
            if is_data_word(word) {
                // A data word may start the next name ("principal Health Net", "principal
                // health net"): then it is no sign.
                let starts_name = t.starts >= 2
                    && self
                        .tokens
                        .get(k + 1)
                        .is_some_and(|n| n.gap == Gap::Soft && n.known);
                return !starts_name && (!t.cap || self.title);
            }
            let filter = matches!(
                word,
                "open"
                    | "active"
                    | "closed"
                    | "resolved"
                    | "waiting"
                    | "new"
                    | "mitigated"
                    | "unresolved"
                    | "outstanding"
                    | "sev"
                    | "a"
                    | "b"
                    | "c"
                    | "critical"
                    | "tenant"
                    | "tenants"
            );
            if !filter {
                return false;
            }
        }
        false
    }

    /// A sign that weak words are meant as a name: a possessive, a customer slot or list, or
    /// written as a name.
    fn weak_sign(&self, w: Window) -> bool {
        self.possessive_sign(w) || self.in_slot(w) || self.written_as_name(w)
    }

    /// "Target's cases", "show me target's open cases"; not "the delta's size".
    fn possessive_sign(&self, w: Window) -> bool {
        let first = &self.tokens[w.start];
        self.tokens[w.end - 1].possessive && (first.cap || first.caps || !self.after_determiner(w))
    }

    /// Written as a name: capitalized mid-sentence and not after a determiner, several
    /// capitalized words (not in a Title Cased Request), or all caps (not in a shouted one).
    fn written_as_name(&self, w: Window) -> bool {
        let first = &self.tokens[w.start];
        if !self.title {
            if first.cap && !first.initial && !self.after_determiner(w) {
                return true;
            }
            let all_capitalized = (w.start..w.end).all(|k| {
                let t = &self.tokens[k];
                t.cap || t.caps || matches!(t.norm(), "and" | "of" | "the")
            });
            if w.end - w.start >= 2 && all_capitalized {
                return true;
            }
        }
        !self.shout && first.caps
    }

    /// Preceded by an article or determiner ("the delta's size"): an ordinary noun phrase.
    fn after_determiner(&self, w: Window) -> bool {
        w.start > 0
            && matches!(
                self.tokens[w.start - 1].word.folded.as_str(),
                "the"
                    | "a"
                    | "an"
                    | "this"
                    | "that"
                    | "these"
                    | "those"
                    | "its"
                    | "their"
                    | "our"
                    | "your"
                    | "my"
                    | "his"
                    | "her"
                    | "each"
                    | "every"
                    | "any"
                    | "some"
                    | "no"
            )
    }

    /// A customer slot: "for X" / "customer X" where X ends the noun phrase (see `slot_end`),
    /// "does X have", or the next item of a list after a found name ("ford and gm cases",
    /// "ford, gm", "ford vs gm", "ford/gm") that ends there too.
    fn in_slot(&self, w: Window) -> bool {
        if w.start == 0 {
            return false;
        }
        if self.listed(w.start) {
            return self.slot_end(w.end);
        }
        if self.tokens[w.start].gap != Gap::Soft {
            return false;
        }
        match self.tokens[w.start - 1].word.folded.as_str() {
            "does" | "did" | "do" => self.have_at(w.end),
            before if SLOT_BEFORE.contains(&before) => self.slot_end(w.end),
            // "how is delta doing", "how's target doing", "how are ups doing".
            "is" | "are" | "s"
                if w.start >= 2
                    && matches!(self.tokens[w.start - 2].word.folded.as_str(), "how")
                    || w.start >= 1
                        && matches!(self.tokens[w.start - 1].word.folded.as_str(), "hows") =>
            {
                self.tokens
                    .get(w.end)
                    .is_some_and(|t| t.gap == Gap::Soft && t.word.folded == "doing")
            }
            "hows" => self
                .tokens
                .get(w.end)
                .is_some_and(|t| t.gap == Gap::Soft && t.word.folded == "doing"),
            _ => self.follows_up(w) && self.slot_end(w.end),
        }
    }

    /// A conversation's next item: the text opens with a list word or "what/how about" right
    /// before the window ("and gm?", "or toyota", "what about gm", "how about target?").
    fn follows_up(&self, w: Window) -> bool {
        let lead: Vec<&str> = self.tokens[..w.start]
            .iter()
            .map(|t| t.word.folded.as_str())
            .collect();
        matches!(
            lead.as_slice(),
            ["and" | "or" | "also" | "plus"]
                | ["what" | "how", "about"]
                | ["and", "what" | "how", "about"]
                | ["same", "for" | "with"]
        )
    }

    /// Is word `k` the next item of a list whose previous item was found (or reported) just
    /// before it?
    fn listed(&self, k: usize) -> bool {
        let Some(t) = self.tokens.get(k) else {
            return false;
        };
        match t.gap {
            Gap::Soft => {
                k >= 1
                    && is_list_word(self.tokens[k - 1].norm())
                    && self.last_match_end == Some(k - 1)
            }
            Gap::Comma => self.last_match_end == Some(k),
            Gap::Hard | Gap::Stop => t.list_punct && self.last_match_end == Some(k),
        }
    }

    /// "have"/"has"/"had"/"get"/"got" at word `k` ("does X have").
    fn have_at(&self, k: usize) -> bool {
        self.tokens.get(k).is_some_and(|t| {
            t.gap == Gap::Soft
                && matches!(
                    t.word.folded.as_str(),
                    "have" | "has" | "had" | "get" | "got"
                )
        })
    }

    /// Does a noun phrase end before word `k`? At the end of the text or of a clause, before a
    /// list word, "have", a filter, data or time word, or a preposition starting a time phrase
    /// ("for target in the last 30 days"); not before other words ("for target dates", "a fix
    /// for delta between runs").
    fn slot_end(&self, k: usize) -> bool {
        let Some(t) = self.tokens.get(k) else {
            return true;
        };
        if t.gap != Gap::Soft {
            return true;
        }
        let word = t.norm();
        if is_list_word(word)
            || matches!(word, "have" | "has" | "had")
            || is_filter_word(word)
            || is_data_word(word)
            || is_time_word(word)
        {
            return true;
        }
        if matches!(
            word,
            "in" | "during" | "over" | "within" | "from" | "since" | "between" | "for" | "on"
        ) {
            let next = match self.tokens.get(k + 1) {
                Some(t) if t.word.folded == "the" => k + 2,
                _ => k + 1,
            };
            return self
                .tokens
                .get(next)
                .is_some_and(|t| t.gap == Gap::Soft && is_time_word(t.norm()));
        }
        false
    }

    /// The words from `k` on, skipping filter and vocabulary words, reach a data word
    /// ("toyta cases", "toyta open sev a cases").
    fn before_data(&self, mut k: usize) -> bool {
        for _ in 0..4 {
            let Some(t) = self.tokens.get(k) else {
                return false;
            };
            let word = t.norm();
            if t.gap != Gap::Soft {
                return false;
            }
            if is_data_word(word) {
                return true;
            }
            if !(is_filter_word(word) || (self.vocabulary)(word) || word.chars().count() == 1) {
                return false;
            }
            k += 1;
        }
        false
    }

    /// Is any word of the window written with look-alike letters of another script?
    fn has_lookalike(&self, w: Window) -> bool {
        (w.start..w.end).any(|k| has_lookalike(self.tokens[k].word.raw))
    }

    /// Does the punctuation the window crosses (`Gap::Stop`) stand at the same place in the
    /// customer's name or one of its aliases ("Yum! Brands", "A. Datum")? Keeps the customers
    /// for which it does.
    fn punctuation_fits(&self, w: Window, ids: &[u32]) -> Vec<u32> {
        let crosses = (w.start + 1..w.end).any(|k| self.tokens[k].gap == Gap::Stop);
        if !crosses {
            return ids.to_vec();
        }
        // (folded word, the stop after it) for the window.
        let ours: Vec<(String, &str)> = (w.start..w.end)
            .map(|k| {
                let t = &self.tokens[k];
                let word = if w.as_base && k + 1 == w.end {
                    text::fold_word(&t.word.raw[..t.base_len])
                } else {
                    t.word.folded.clone()
                };
                let stop = match self.tokens.get(k + 1) {
                    Some(next) if k + 1 < w.end && next.gap == Gap::Stop => {
                        self.text[t.word.end..next.word.start].trim()
                    }
                    _ => "",
                };
                (word, stop)
            })
            .collect();
        let fits = |name: &str| {
            let spans: Vec<Range<usize>> = text::word_spans(name).collect();
            let theirs: Vec<(String, &str)> = spans
                .iter()
                .enumerate()
                .map(|(i, span)| {
                    let after = spans
                        .get(i + 1)
                        .map_or("", |next| name[span.end..next.start].trim());
                    let stop = if matches!(after, "." | "!") {
                        after
                    } else {
                        ""
                    };
                    (text::fold_word(&name[span.clone()]), stop)
                })
                .collect();
            theirs.windows(ours.len()).any(|run| {
                run.iter()
                    .zip(&ours)
                    .enumerate()
                    .all(|(i, (a, b))| a.0 == b.0 && (i + 1 == ours.len() || a.1 == b.1))
            })
        };
        let customers = &self.registry.customers;
        ids.iter()
            .copied()
            .filter(|&id| {
                let c = &customers[id as usize];
                fits(&c.name) || c.aliases.iter().any(|a| fits(a))
            })
            .collect()
    }

    // ---- the stages ------------------------------------------------------------------------

    /// A customer slot filled with no name at all ("cases for ' OR 1=1 --"): the rest of the
    /// text after "for" has a symbol and only numbers and junk words. Reported unresolved as
    /// written (trimmed), so it is never read as "all customers".
    fn junk_slot_at(&mut self, k: usize) -> Option<usize> {
        if self.tokens[k].word.folded != "for" {
            return None;
        }
        let after = self.tokens[k].word.end;
        let rest = &self.text[after..];
        let trimmed = rest.trim();
        let symbol = trimmed.chars().any(|c| {
            !(c.is_alphanumeric() || c.is_whitespace() || matches!(c, '.' | ',' | '?' | '!'))
        });
        if !symbol
            || !self.tokens[k + 1..]
                .iter()
                .all(|t| is_junk_word(&t.word.folded))
        {
            return None;
        }
        let start = after + (rest.len() - rest.trim_start().len());
        self.out.unresolved.push((
            Unresolved {
                mention: trimmed.to_owned(),
                suggestions: Vec::new(),
            },
            start..start + trimmed.len(),
        ));
        Some(self.tokens.len())
    }

    /// A tenant id written in the request: its customer (match `exact`, the id as mention);
    /// an id no customer has is unresolved in a customer slot and ignored elsewhere (it may be
    /// a correlation id).
    fn tenant_at(&mut self, k: usize) -> Option<usize> {
        let raw = self.tokens[k].word.raw;
        if raw.len() != 36 || !raw.contains('-') {
            return None;
        }
        let guid = parse_guid(raw)?;
        let lazy = self.registry.index.lazy(&self.registry.customers);
        let w = Window {
            start: k,
            end: k + 1,
            as_base: false,
        };
        match lazy.tenants.get(&guid).copied() {
            Some(id) => {
                self.record(w, MatchKind::Exact, 1.0, &[id]);
                self.last_match_end = Some(k + 1);
            }
            None if self.in_slot(w) || self.slot_before(k) => {
                self.unresolved(w, Vec::new());
                self.last_match_end = Some(k + 1);
            }
            None => {}
        }
        Some(k + 1)
    }

    /// A registry name or alias (exact, alias or normalized), longest window first.
    fn known_at(&mut self, start: usize) -> Option<usize> {
        let index = &self.registry.index;
        let most = self.tokens[start].starts;
        if most == 0 {
            return None;
        }
        let reach = self.reach_known(start, most + 3);
        for w in Window::longest_first(start, reach) {
            let Window { end, as_base, .. } = w;
            if as_base && self.tokens[end - 1].base.is_none() {
                continue;
            }
            // Strict first; a lenient key ("ford motor company") counts only when the words
            // are a name or alias as written.
            for lenient in [false, true] {
                let last = &self.tokens[end - 1];
                if lenient && !(end - start >= 2 && is_legal_suffix(last.form(as_base))) {
                    continue;
                }
                let (key, absorbed) = self.key_with(w, None, lenient);
                let ids = self.punctuation_fits(w, index.get(&key));
                if ids.is_empty() || (!absorbed && !self.accepts(w)) {
                    continue;
                }
                let (kind, ids) = self.tier(&ids, w);
                if lenient && kind == MatchKind::Normalized {
                    continue;
                }
                if self.company_tail(start, end) {
                    return None;
                }
                if let Some(typo_end) = self.typo_from(start, end + 1) {
                    // "Ford Foundatoin": a longer name with a typo beats "Ford".
                    return Some(typo_end);
                }
                if kind == MatchKind::Normalized && self.has_lookalike(w) {
                    // "Fоrd" with a Cyrillic о reads as Ford, but only a guess can say so.
                    self.record(w, MatchKind::Fuzzy, LOOKALIKE_CONFIDENCE, &ids);
                } else {
                    self.record(w, kind, 1.0, &ids);
                }
                self.last_match_end = Some(end);
                return Some(end);
            }
        }
        None
    }

    /// The most trusted tier claiming a window: customers whose name is the window word for
    /// word (case-insensitive), else whose alias is, else all claimants of the normalized key.
    fn tier(&self, ids: &[u32], w: Window) -> (MatchKind, Vec<u32>) {
        let mention = self.mention(w);
        let customers = &self.registry.customers;
        let exact: Vec<u32> = ids
            .iter()
            .copied()
            .filter(|&id| same_words(&customers[id as usize].name, mention))
            .collect();
        if !exact.is_empty() {
            return (MatchKind::Exact, exact);
        }
        let alias: Vec<u32> = ids
            .iter()
            .copied()
            .filter(|&id| {
                let aliases = &customers[id as usize].aliases;
                aliases.iter().any(|a| same_words(a, mention))
            })
            .collect();
        if !alias.is_empty() {
            return (MatchKind::Alias, alias);
        }
        (MatchKind::Normalized, ids.to_vec())
    }

    /// Reports a window as found (one customer) or ambiguous (several).
    fn record(&mut self, w: Window, kind: MatchKind, confidence: f64, ids: &[u32]) {
        let mention = self.mention(w).to_owned();
        let span = self.span(w);
        if let [id] = ids {
            self.out.found.push(Found {
                mention,
                span,
                customer: *id as usize,
                match_kind: kind,
                confidence,
            });
        } else {
            let candidates = self.names(ids, MAX_CANDIDATES);
            self.out.ambiguous.push((
                Ambiguous {
                    mention,
                    candidates,
                },
                span,
            ));
        }
    }

    fn names(&self, ids: &[u32], most: usize) -> Vec<String> {
        let customers = &self.registry.customers;
        ids.iter()
            .take(most)
            .map(|&id| customers[id as usize].name.clone())
            .collect()
    }

    /// Can word `k` be a misspelt name? At least four letters, not a common or vocabulary word,
    /// a legal suffix, or a word some registry name already has (checked by the caller); and
    /// written or placed as a name: capitalized (not in a Title Cased Request), all caps (not
    /// shouted), a possessive, in a customer slot or list, right before a data word ("toyta
    /// cases"), or the plural-looking possessive of a name ("fords").
    fn typo_candidate(&self, k: usize) -> bool {
        let t = &self.tokens[k];
        let form = t.form(true);
        if form.chars().count() < super::fuzzy::MIN_QUERY_CHARS
            || !form.chars().all(char::is_alphabetic)
            || is_common(form)
            || is_legal_suffix(form)
            || (self.vocabulary)(form)
        {
            return false;
        }
        let single = Window {
            start: k,
            end: k + 1,
            as_base: true,
        };
        (t.cap && !self.title)
            || (t.caps && !self.shout)
            || self.possessive_sign(single)
            || self.in_slot(single)
            || self.before_data(k + 1)
            || self.plural_of_name(form)
    }

    /// "fords": a word ending in "s" whose stem is a registry key of a name that is not weak.
    fn plural_of_name(&self, form: &str) -> bool {
        form.strip_suffix('s').is_some_and(|stem| {
            stem.len() >= 3 && !self.registry.index.get(stem).is_empty() && !self.form_weak(stem)
        })
    }

    fn corrections(&mut self, k: usize) -> &[Near] {
        if self.corrections[k].is_none() {
            let near = if self.typo_candidate(k) {
                let fuzzy = self.registry.index.fuzzy(&self.registry.customers);
                let form = self.tokens[k].form(true);
                if fuzzy.contains(form) {
                    Vec::new()
                } else {
                    fuzzy.near(form)
                }
            } else {
                Vec::new()
            };
            self.corrections[k] = Some(near);
        }
        self.corrections[k].as_deref().unwrap_or_default()
    }

    /// A window that becomes a registry key when one misspelt word is corrected ("Toyta",
    /// "Deutsche Telekon"). Resolved only when one customer is closest (no other at the same
    /// number of edits) and similar enough; otherwise the mention is unresolved with the
    /// closest names as suggestions.
    fn typo_at(&mut self, start: usize) -> Option<usize> {
        self.typo_from(start, start + 1)
    }

    /// `typo_at` for windows ending at `min_end` or later.
    fn typo_from(&mut self, start: usize, min_end: usize) -> Option<usize> {
        if self.tokens[start].starts == 0 && self.corrections(start).is_empty() {
            return None;
        }
        // A window grows over known words and words with corrections (one is corrected).
        let mut reach = start + 1;
        while reach < self.tokens.len().min(start + MAX_KEY_TOKENS)
            && self.reach(reach - 1, 2) > reach
            && (self.tokens[reach].known || !self.corrections(reach).is_empty())
        {
            reach += 1;
        }
        if reach < min_end || (start..reach).all(|k| self.corrections(k).is_empty()) {
            return None;
        }
        for end in (min_end..=reach).rev() {
            let w = Window {
                start,
                end,
                as_base: true,
            };
            // (edits, customer, corrected key)
            let mut hits: Vec<(usize, u32, String)> = Vec::new();
            for k in start..end {
                let nears = self.corrections(k).to_vec();
                let fuzzy = self.registry.index.fuzzy(&self.registry.customers);
                for near in nears {
                    let (key, _) = self.key(w, Some((k, fuzzy.token(near.token))));
                    if self.form_weak(&key) && !self.weak_sign(w) {
                        // "Shel script" is no typo for the customer Shell.
                        continue;
                    }
                    for &id in self.registry.index.get(&key) {
                        hits.push((near.distance, id, key.clone()));
                    }
                }
            }
            // Each customer once, at its fewest edits; then closest first.
            hits.sort_by(|a, b| (a.1, a.0, &a.2).cmp(&(b.1, b.0, &b.2)));
            hits.dedup_by_key(|h| h.1);
            hits.sort();
            if hits.is_empty() {
                continue;
            }
            let best = hits[0].0;
            let (typed, _) = self.key(w, None);
            let similarity = strsim::normalized_damerau_levenshtein(&typed, &hits[0].2);
            let tied = hits.iter().filter(|h| h.0 == best).count() > 1;
            if !tied && similarity >= FUZZY_MIN_SIMILARITY {
                let confidence = (similarity * 100.0).floor() / 100.0;
                self.record(w, MatchKind::Fuzzy, confidence.min(0.99), &[hits[0].1]);
                self.last_match_end = Some(end);
            } else {
                let ids: Vec<u32> = hits.iter().map(|h| h.1).collect();
                let suggestions = self.names(&ids, MAX_SUGGESTIONS);
                self.unresolved(w, suggestions);
            }
            return Some(end);
        }
        None
    }

    /// The leading words of registry names ("Deutsche" of "Deutsche Bank AG" and "Deutsche
    /// Telekom AG"): ambiguous when several names start so, never resolved; one name is only
    /// suggested, as an unresolved mention, when the words look like a name.
    fn prefix_at(&mut self, start: usize) -> Option<usize> {
        let lazy = self.registry.index.lazy(&self.registry.customers);
        if self.tokens[start].starts == 0 {
            // Every name starts with a token that starts its key.
            return None;
        }
        let reach = self.reach_known(start, lazy.max_prefix_tokens);
        for w in Window::longest_first(start, reach) {
            let Window { end, as_base, .. } = w;
            if as_base && self.tokens[end - 1].base.is_none() {
                continue;
            }
            let forms: Vec<&str> = (start..end)
                .map(|k| self.tokens[k].form(as_base && k + 1 == end))
                .collect();
            let Some(ids) = lazy.prefixes.get(forms.join(" ").as_str()) else {
                continue;
            };
            let named = self.weak_sign(w);
            let weak = matches!(self.strength(w), Strength::Weak | Strength::Vocabulary);
            if weak && !named {
                continue;
            }
            if self.company_tail(start, end) || self.suffix_at(end) {
                return None;
            }
            if ids.len() >= 2 {
                self.record(w, MatchKind::Normalized, 1.0, ids);
                self.last_match_end = Some(end);
                return Some(end);
            }
            if named {
                let suggestions = self.names(ids, 1);
                self.unresolved(w, suggestions);
                self.last_match_end = Some(end);
                return Some(end);
            }
        }
        None
    }

    /// A company-like name that is not in the registry: capitalized words ending in a legal
    /// suffix or company word ("Acme Corp", "Initech Industries"), or an unknown capitalized
    /// name in a customer slot ("for Globex", "does Globex have", "Globex's").
    fn unknown_at(&mut self, start: usize) -> Option<usize> {
        let first = &self.tokens[start];
        let capital = first.cap || first.caps;
        if !capital
            || is_common(first.norm())
            || is_legal_suffix(first.norm())
            || is_company_word(first.norm())
        {
            return None;
        }
        let capitalized_run = self.capitalized_run(start);
        let company_end = self.company_end(start, start + 1);
        if let Some(last) = company_end {
            let w = Window {
                start,
                end: last + 1,
                as_base: true,
            };
            let suggestions = self.suggest(w);
            self.unresolved(w, suggestions);
            return Some(last + 1);
        }
        if self.title
            || first.caps
            || !first.word.raw.chars().any(char::is_alphabetic)
            || self.is_key(start)
        {
            return None;
        }
        // An unknown name placed as a customer: the run of capitalized uncommon words.
        let name_end = (start + 1..capitalized_run)
            .find(|&k| {
                let t = &self.tokens[k];
                t.caps
                    || is_common(t.norm()) && !is_company_word(t.norm())
                    || self.tokens[k - 1].possessive
            })
            .unwrap_or(capitalized_run);
        let w = Window {
            start,
            end: name_end,
            as_base: true,
        };
        let slot = start > 0 && first.gap != Gap::Hard && {
            let before = self.tokens[start - 1].word.folded.as_str();
            UNKNOWN_SLOT_BEFORE.contains(&before) || matches!(before, "does" | "did")
        };
        let possessive = self.tokens[name_end - 1].possessive;
        if !(slot || possessive) {
            return None;
        }
        let suggestions = self.suggest(w);
        self.unresolved(w, suggestions);
        self.last_match_end = Some(name_end);
        Some(name_end)
    }

    /// An unknown name in a customer slot or list, in any case ("cases for acme", "cases for
    /// acme corp", "does zzyzx have", "for Ford and Acme"): the run of words that are neither
    /// common nor vocabulary (company words and legal suffixes may follow), ending where the
    /// slot ends. A lowercase one needs a data request or a list.
    fn slot_unknown_at(&mut self, start: usize) -> Option<usize> {
        let first = &self.tokens[start];
        if self.is_key(start) || !self.unknown_word(start, true) {
            return None;
        }
        let after_does = start > 0
            && first.gap == Gap::Soft
            && matches!(self.tokens[start - 1].word.folded.as_str(), "does" | "did");
        let listed = self.listed(start);
        if !(listed || after_does || self.slot_before(start)) {
            return None;
        }
        if !(listed || self.data_context || first.cap || first.caps) {
            // "PowerShell script for metadata": a lowercase word names a company only in a
            // request for customer data or a list of customers.
            return None;
        }
        let reach = self.reach(start, MAX_UNKNOWN_WORDS);
        let mut end = start + 1;
        while end < reach && !self.tokens[end - 1].possessive && self.unknown_word(end, false) {
            end += 1;
        }
        let fits = if after_does {
            self.have_at(end)
        } else {
            self.tokens[end - 1].possessive || self.slot_end(end)
        };
        if !fits {
            return None;
        }
        let w = Window {
            start,
            end,
            as_base: true,
        };
        let suggestions = self.suggest(w);
        self.unresolved(w, suggestions);
        self.last_match_end = Some(end);
        Some(end)
    }

    /// Is word `k` alone (without a possessive ending) a registry name or alias? Then it is not an
    /// unknown company even where it is not taken as that name ("the ball's in PG's court").
    fn is_key(&self, k: usize) -> bool {
        let t = &self.tokens[k];
        t.starts > 0 && !self.registry.index.get(t.form(true)).is_empty()
    }

    /// Right after "for", "customer" and the like (see `SLOT_BEFORE`).
    fn slot_before(&self, k: usize) -> bool {
        k > 0
            && self.tokens[k].gap == Gap::Soft
            && SLOT_BEFORE.contains(&self.tokens[k - 1].word.folded.as_str())
    }

    /// Can word `k` be a word of an unknown company name (`first`: its first word)? Not common,
    /// not vocabulary, with a letter; a company word or legal suffix only after the first.
    fn unknown_word(&self, k: usize, first: bool) -> bool {
        let form = self.tokens[k].form(true);
        let company = is_company_word(form) || is_legal_suffix(form);
        if company {
            return !first;
        }
        form.chars().any(char::is_alphabetic)
            && !form
                .split(' ')
                .any(|t| is_common(t) || (self.vocabulary)(t))
    }

    /// A strong legal suffix at word `k` ("acme corp"): the words before it are a longer
    /// company name.
    fn suffix_at(&self, k: usize) -> bool {
        self.tokens
            .get(k)
            .is_some_and(|t| t.gap == Gap::Soft && is_strong_suffix(t.norm()))
    }

    /// Do capitalized words from `end` on make the window starting at `start` part of a longer
    /// company name ("Toyota Motors Inc", "Ford Credit LLC")? Then it is not that customer: the
    /// typo and unknown-company rules decide.
    fn company_tail(&self, start: usize, end: usize) -> bool {
        let first = &self.tokens[start];
        (first.cap || first.caps) && self.company_end(start, end).is_some()
    }

    /// The end of the run of capitalized words starting at `start` (at most
    /// `MAX_UNKNOWN_WORDS`, not across punctuation).
    fn capitalized_run(&self, start: usize) -> usize {
        let reach = self.reach(start, MAX_UNKNOWN_WORDS);
        (start + 1..reach)
            .find(|&k| !(self.tokens[k].cap || self.tokens[k].caps))
            .unwrap_or(reach)
    }

    /// The last word, at `from` or after, of the capitalized run starting at `start` that says
    /// "company": a legal suffix (short ones only dotted: "S.A.") or a company word.
    fn company_end(&self, start: usize, from: usize) -> Option<usize> {
        (from..self.capitalized_run(start)).rev().find(|&k| {
            let t = &self.tokens[k];
            is_strong_suffix(t.norm())
                || matches!(t.norm(), "limited" | "company" | "ag")
                || (is_legal_suffix(t.norm()) && t.word.raw.contains('.'))
                || is_company_word(t.norm())
        })
    }

    fn unresolved(&mut self, w: Window, suggestions: Vec<String>) {
        let mention = self.mention(w).to_owned();
        let span = self.span(w);
        self.out.unresolved.push((
            Unresolved {
                mention,
                suggestions,
            },
            span,
        ));
    }

    fn suggest(&self, w: Window) -> Vec<String> {
        let (key, _) = self.key(w, None);
        let ids = super::resolve::similar(self.registry, &key, MAX_SUGGESTIONS);
        self.names(&ids, MAX_SUGGESTIONS)
    }
}
