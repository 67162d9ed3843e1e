//! Finding customer mentions in free text (`Registry::scan`): leftmost-longest windows of whole
//! words, compared by normalized key, with the rules of the module doc of `registry` for
//! common-word names, prefixes, typos and unknown companies.
//!
//! Invariant: a window is resolved only when exactly one customer claims it at the most trusted
//! tier; every span is a range of whole words of the text (so on char boundaries), spans never
//! overlap, and nothing depends on hash order.

use std::ops::Range;

use super::common::is_common;
use super::fuzzy::Near;
use super::index::MAX_KEY_TOKENS;
use super::normalize::{
    is_company_word, is_legal_suffix, is_strong_suffix, kept_words, norm_word,
    norm_word_if_changed, same_words, strip_possessive,
};
use super::{Found, Registry, Scan};
use crate::plan::{Ambiguous, MatchKind, Unresolved};
use crate::text::{self, Word};

/// Most candidates listed for one ambiguous mention.
const MAX_CANDIDATES: usize = 10;
/// Most suggestions listed for one unresolved mention.
const MAX_SUGGESTIONS: usize = 5;
/// Lowest similarity (1 - edits / length) at which a typo is resolved in free text.
const FUZZY_MIN_SIMILARITY: f64 = 0.75;
/// Words a request may put right before a customer: "cases for Target", "customer Zoom".
const SLOT_BEFORE: &[&str] = &[
    "account",
    "client",
    "customer",
    "customers",
    "for",
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
/// Most words of an unknown company name.
const MAX_UNKNOWN_WORDS: usize = 5;

/// What separates a word from the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gap {
    /// Spaces or other light punctuation: a name may run across it.
    Soft,
    /// A comma: a name runs across it only into a legal suffix ("Fabrikam, Inc.").
    Comma,
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

    /// Common word, or a very short one without `&` ("gm", "ey", "3m"): such words need a sign
    /// that they are meant as a name.
    fn is_weak(&self, as_base: bool) -> bool {
        let form = self.form(as_base);
        (form.chars().count() <= 3 && !self.word.raw.contains('&'))
            || form.split(' ').all(is_common)
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

struct Scanner<'r, 't> {
    registry: &'r Registry,
    text: &'t str,
    tokens: Vec<Token<'t>>,
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

pub(super) fn scan(registry: &Registry, text: &str) -> Scan {
    if registry.is_empty() {
        return Scan::default();
    }
    let mut scanner = Scanner::new(registry, text);
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

impl<'r, 't> Scanner<'r, 't> {
    fn new(registry: &'r Registry, text: &'t str) -> Self {
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
            let gap = if tokens.is_empty() {
                Gap::Soft
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
            let caps = word.is_all_caps();
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
        Scanner {
            registry,
            text,
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
                .known_at(i)
                .or_else(|| self.typo_at(i))
                .or_else(|| self.prefix_at(i))
                .or_else(|| self.unknown_at(i));
            i = next.unwrap_or(i + 1);
        }
    }

    // ---- windows -------------------------------------------------------------------------

    /// The furthest end of a window starting at `start`: names do not run across sentence
    /// punctuation, nor across a comma unless a legal suffix follows it.
    fn reach(&self, start: usize, most_words: usize) -> usize {
        self.reach_while(start, most_words, |_, _| true)
    }

    /// `reach` over words that are in registry keys (a window of other words matches nothing).
    fn reach_known(&self, start: usize, most_words: usize) -> usize {
        self.reach_while(start, most_words, |scanner, k| scanner.tokens[k].known)
    }

    fn reach_while(
        &self,
        start: usize,
        most_words: usize,
        grows: impl Fn(&Self, usize) -> bool,
    ) -> usize {
        let limit = self.tokens.len().min(start.saturating_add(most_words));
        let mut end = start + 1;
        while end < limit {
            let token = &self.tokens[end];
            let joins = match token.gap {
                Gap::Soft => true,
                Gap::Comma => is_legal_suffix(token.norm()),
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

    /// Made only of weak words (see `Token::is_weak`), so it needs a sign of being a name.
    fn is_weak(&self, w: Window) -> bool {
        (w.start..w.end).all(|k| self.tokens[k].is_weak(w.as_base && k + 1 == w.end))
    }

    /// Written or placed as a name: capitalized mid-sentence, several capitalized words, all
    /// caps, a capitalized possessive, or in a customer slot.
    fn looks_like_name(&self, w: Window) -> bool {
        let first = &self.tokens[w.start];
        let last = &self.tokens[w.end - 1];
        if last.possessive && (first.cap || first.caps || !self.after_determiner(w)) {
            // "Target's cases", and also "show me target's open cases"; but not "the delta's".
            return true;
        }
        if !self.title {
            if first.cap && !first.initial {
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
        (!self.shout && first.caps) || self.in_slot(w)
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

    /// "for X" ending a clause ("cases for target?", "for zoom and delta"), "does X have",
    /// "customer X", and the next names of such a list ("for target and delta").
    fn in_slot(&self, w: Window) -> bool {
        let tokens = &self.tokens;
        if w.start == 0 || tokens[w.start].gap == Gap::Hard {
            return false;
        }
        let mut before = tokens[w.start - 1].word.folded.as_str();
        let listed = match before {
            "and" | "or" => self.last_match_end == Some(w.start - 1),
            _ => tokens[w.start].gap == Gap::Comma && self.last_match_end == Some(w.start),
        };
        if listed {
            before = "for";
        }
        let after = tokens
            .get(w.end)
            .filter(|t| t.gap == Gap::Soft)
            .map(|t| t.word.folded.as_str());
        match before {
            "does" | "did" | "do" => matches!(after, Some("have" | "has" | "had" | "get" | "got")),
            _ if SLOT_BEFORE.contains(&before) => {
                matches!(after, None | Some("and" | "or" | "have" | "has" | "had"))
            }
            _ => false,
        }
    }

    // ---- the four stages ------------------------------------------------------------------

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
                let ids = index.get(&key);
                if ids.is_empty() || (!absorbed && self.is_weak(w) && !self.looks_like_name(w)) {
                    continue;
                }
                let (kind, ids) = self.tier(ids, w);
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
                self.record(w, kind, 1.0, &ids);
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

    /// Can word `k` be a misspelt name? Written or placed as a name, at least four letters, not
    /// a common word, a legal suffix, or a word some registry name already has.
    fn typo_candidate(&self, k: usize) -> bool {
        let t = &self.tokens[k];
        let form = t.form(true);
        let named = (t.cap && !self.title)
            || (t.possessive && (t.cap || t.caps))
            || self.in_slot(Window {
                start: k,
                end: k + 1,
                as_base: true,
            });
        named
            && form.chars().count() >= super::fuzzy::MIN_QUERY_CHARS
            && form.chars().all(char::is_alphabetic)
            && !is_common(form)
            && !is_legal_suffix(form)
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
                    let weak = key
                        .split(' ')
                        .all(|t| is_common(t) || t.chars().count() <= 3);
                    if weak && !self.looks_like_name(w) {
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
            let named = self.looks_like_name(w);
            if self.is_weak(w) && !named {
                continue;
            }
            if self.company_tail(start, end) {
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
        if self.title || first.caps || !first.word.raw.chars().any(char::is_alphabetic) {
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
        Some(name_end)
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
