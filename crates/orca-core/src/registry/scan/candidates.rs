//! Windows that name registry customers, most trusted first: a tenant id written out, a name or
//! alias (exact, alias or normalized key, longest window first), a name with one misspelt word
//! ("Toyta"), and the leading words of several names ("Deutsche").

use super::scanner::{MAX_SUGGESTIONS, Scanner, Window};
use super::signs::Strength;
use crate::plan::MatchKind;
use crate::registry::common::is_common;
use crate::registry::fuzzy::{MIN_QUERY_CHARS, Near};
use crate::registry::guid::parse_guid;
use crate::registry::index::MAX_KEY_TOKENS;
use crate::registry::normalize::is_legal_suffix;

/// Lowest similarity (1 - edits / length) at which a typo is resolved in free text.
const FUZZY_MIN_SIMILARITY: f64 = 0.75;
/// Confidence of a name written with look-alike letters of another script ("Fоrd", Cyrillic о):
/// it reads as the name, but it is a guess.
const LOOKALIKE_CONFIDENCE: f64 = 0.9;

impl<'t> Scanner<'_, 't, '_> {
    /// A tenant id written in the request: its customer (match `exact`, the id as mention);
    /// an id no customer has is unresolved in a customer slot and ignored elsewhere (it may be
    /// a correlation id).
    pub(super) fn tenant_at(&mut self, k: usize) -> Option<usize> {
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
    pub(super) fn known_at(&mut self, start: usize) -> Option<usize> {
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

    /// Can word `k` be a misspelt name? At least four letters, not a common or vocabulary word,
    /// a legal suffix, or a word some registry name already has (checked by the caller); and
    /// written or placed as a name: capitalized (not in a Title Cased Request), all caps (not
    /// shouted), a possessive, in a customer slot or list, right before a data word ("toyta
    /// cases"), or the plural-looking possessive of a name ("fords").
    fn typo_candidate(&self, k: usize) -> bool {
        let t = &self.tokens[k];
        let form = t.form(true);
        if form.chars().count() < MIN_QUERY_CHARS
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
                if fuzzy.contains(form) || self.typo_lookups_left == 0 {
                    Vec::new()
                } else {
                    self.typo_lookups_left -= 1;
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
    pub(super) fn typo_at(&mut self, start: usize) -> Option<usize> {
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
    pub(super) fn prefix_at(&mut self, start: usize) -> Option<usize> {
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
}
