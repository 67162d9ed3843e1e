//! The scanned text: its words with what the rules need to know about each ([`Token`]),
//! windows of words over them and their normalized keys, and how a window is reported (found,
//! ambiguous or unresolved).

use std::ops::Range;

use super::words::is_data_word;
use crate::plan::{Ambiguous, MatchKind, Unresolved};
use crate::registry::common::is_common;
use crate::registry::fuzzy::Near;
use crate::registry::index::Index;
use crate::registry::normalize::{
    is_legal_suffix, is_strong_suffix, kept_words, norm_word, norm_word_if_changed, same_words,
    strip_possessive,
};
use crate::registry::resolve::Budget;
use crate::registry::{Found, Registry, Scan};
use crate::text::{self, Word, has_lookalike};

/// Most candidates listed for one ambiguous mention.
const MAX_CANDIDATES: usize = 10;
/// Most suggestions listed for one unresolved mention.
pub(super) const MAX_SUGGESTIONS: usize = 5;

/// What separates a word from the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Gap {
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
pub(super) struct Token<'a> {
    pub(super) word: Word<'a>,
    /// Normalized form when it differs from `word.folded` (see `normalize::norm_word`),
    /// possibly several tokens ("coca cola").
    pub(super) normalized: Option<String>,
    /// Normalized form without a possessive ending ("ford" for "Ford's").
    pub(super) base: Option<String>,
    /// Byte length of the word without its possessive ending.
    pub(super) base_len: usize,
    pub(super) gap: Gap,
    /// The most tokens of a registry key starting with this word (or its base), 0 if none.
    pub(super) starts: usize,
    /// Every token of the word (or its base) is in some registry key, or it is a legal suffix:
    /// a window can grow over it.
    pub(super) known: bool,
    /// Starts a sentence (or the text).
    pub(super) initial: bool,
    /// First letter upper case, not all caps ("Ford").
    pub(super) cap: bool,
    /// All caps ("GM", "SHELL").
    pub(super) caps: bool,
    pub(super) possessive: bool,
    /// Separated from the word before by "/" or "+" alone ("ford/gm"): a list.
    pub(super) list_punct: bool,
}

impl Token<'_> {
    /// The normalized form of the word.
    pub(super) fn norm(&self) -> &str {
        self.normalized.as_deref().unwrap_or(&self.word.folded)
    }

    /// The normalized form to use when this word ends a window.
    pub(super) fn form(&self, as_base: bool) -> &str {
        match (&self.base, as_base) {
            (Some(base), true) => base,
            _ => self.norm(),
        }
    }
}

/// A window of words `start..end`; `as_base` uses the last word without its possessive ending.
#[derive(Debug, Clone, Copy)]
pub(super) struct Window {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) as_base: bool,
}

impl Window {
    /// The windows from `start` ending at `reach` or before, longest first; at each length the
    /// words as written, then with the last word's base form (callers skip that one when the last
    /// word has none).
    pub(super) fn longest_first(start: usize, reach: usize) -> impl Iterator<Item = Window> {
        (start + 1..=reach).rev().flat_map(move |end| {
            [false, true].map(|as_base| Window {
                start,
                end,
                as_base,
            })
        })
    }
}

/// Most words of one request looked up as typos. A look-up of a word of n letters costs about
/// n * n / 2 index searches (some 40 us for 30 letters), so a request of `max_request_chars`
/// packed with long misspelt words would cost milliseconds; a person misspells a handful of
/// names in a request, never 16. Further candidates are read as unknown names.
pub(super) const MAX_TYPO_LOOKUPS: usize = 16;

pub(super) struct Scanner<'r, 't, 'v> {
    pub(super) registry: &'r Registry,
    pub(super) text: &'t str,
    /// The analyzer's own words (folded): weak, never typos, never unknown companies.
    pub(super) vocabulary: &'v dyn Fn(&str) -> bool,
    pub(super) tokens: Vec<Token<'t>>,
    /// The request asks for customer data (has a data word, see `is_data_word`).
    pub(super) data_context: bool,
    /// Most words are capitalized (a title): capitalization says nothing about names.
    pub(super) title: bool,
    /// Most words are all caps: all caps says nothing either.
    pub(super) shout: bool,
    /// Typo corrections per word, computed on first need.
    pub(super) corrections: Vec<Option<Vec<Near>>>,
    /// Where the last resolved or ambiguous mention ended (for lists: "for target and delta").
    pub(super) last_match_end: Option<usize>,
    /// What the suggestions of the whole scan may spend on edit distances.
    pub(super) similarity_budget: Budget,
    /// Typo look-ups the scan may still make (`MAX_TYPO_LOOKUPS`).
    pub(super) typo_lookups_left: usize,
    pub(super) out: Scan,
}

/// The stem of the plural of a short name ("gms", "GMs", "ibms": GM, IBM), read like a
/// possessive's base: a word of three or four letters ending in "s" whose stem (two or three
/// letters) is a whole registry key, while the word itself is neither a key nor a common word.
fn acronym_plural(index: &Index, folded: &str) -> Option<String> {
    let stem = folded.strip_suffix('s')?;
    let short = (2..=3).contains(&stem.len()) && stem.chars().all(|c| c.is_ascii_alphabetic());
    (short && !index.get(stem).is_empty() && index.get(folded).is_empty() && !is_common(folded))
        .then(|| stem.to_string())
}

/// (The most tokens of a key starting with `form`, is every token of `form` in some key or a
/// legal suffix).
fn lookup(index: &Index, form: &str) -> (usize, bool) {
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
    pub(super) fn new(
        registry: &'r Registry,
        text: &'t str,
        vocabulary: &'v dyn Fn(&str) -> bool,
    ) -> Self {
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
                None => match acronym_plural(&registry.index, &word.folded) {
                    Some(stem) => (Some(stem), word.raw.len() - 1),
                    None => (None, word.raw.len()),
                },
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
            similarity_budget: Budget::default(),
            typo_lookups_left: MAX_TYPO_LOOKUPS,
            out: Scan::default(),
        }
    }
}

impl<'t> Scanner<'_, 't, '_> {
    /// The furthest end of a window starting at `start`: names do not run across sentence
    /// punctuation, nor across a comma unless a legal suffix follows it.
    pub(super) fn reach(&self, start: usize, most_words: usize) -> usize {
        self.reach_while(start, most_words, false, |_, _| true)
    }

    /// `reach` over words that are in registry keys (a window of other words matches nothing),
    /// across a `Gap::Stop` too (checked against the name by `punctuation_fits`).
    pub(super) fn reach_known(&self, start: usize, most_words: usize) -> usize {
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
    pub(super) fn key(&self, w: Window, replace: Option<(usize, &str)>) -> (String, bool) {
        self.key_with(w, replace, false)
    }

    pub(super) fn key_with(
        &self,
        w: Window,
        replace: Option<(usize, &str)>,
        lenient: bool,
    ) -> (String, bool) {
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

    /// Is any word of the window written with look-alike letters of another script?
    pub(super) fn has_lookalike(&self, w: Window) -> bool {
        (w.start..w.end).any(|k| has_lookalike(self.tokens[k].word.raw))
    }

    /// Does the punctuation the window crosses (`Gap::Stop`) stand at the same place in the
    /// customer's name or one of its aliases ("Yum! Brands", "A. Datum")? Keeps the customers
    /// for which it does.
    pub(super) fn punctuation_fits(&self, w: Window, ids: &[u32]) -> Vec<u32> {
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

    /// The most trusted tier claiming a window: customers whose name is the window word for
    /// word (case-insensitive), else whose alias is, else all claimants of the normalized key.
    pub(super) fn tier(&self, ids: &[u32], w: Window) -> (MatchKind, Vec<u32>) {
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
    pub(super) fn record(&mut self, w: Window, kind: MatchKind, confidence: f64, ids: &[u32]) {
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

    pub(super) fn names(&self, ids: &[u32], most: usize) -> Vec<String> {
        let customers = &self.registry.customers;
        ids.iter()
            .take(most)
            .map(|&id| customers[id as usize].name.clone())
            .collect()
    }

    pub(super) fn unresolved(&mut self, w: Window, suggestions: Vec<String>) {
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

    pub(super) fn suggest(&mut self, w: Window) -> Vec<String> {
        let (key, _) = self.key(w, None);
        let ids = crate::registry::resolve::similar(
            self.registry,
            &key,
            MAX_SUGGESTIONS,
            &mut self.similarity_budget,
        );
        self.names(&ids, MAX_SUGGESTIONS)
    }
}
