//! Companies the registry does not know: capitalized words ending in a legal suffix or company
//! word ("Acme Corp"), an unknown name in a customer slot or list ("for Globex", "cases for
//! acme"), and the longer company names that keep a known name from matching ("Ford Credit
//! LLC" is not Ford). Each is reported unresolved, with the closest registry names.

use super::scanner::{Gap, Scanner, Window};
use super::words::UNKNOWN_SLOT_BEFORE;
use crate::registry::common::is_common;
use crate::registry::normalize::{is_company_word, is_legal_suffix, is_strong_suffix};

/// Most words of an unknown company name.
const MAX_UNKNOWN_WORDS: usize = 5;

impl<'t> Scanner<'_, 't, '_> {
    /// A company-like name that is not in the registry: capitalized words ending in a legal
    /// suffix or company word ("Acme Corp", "Initech Industries"), or an unknown capitalized
    /// name in a customer slot ("for Globex", "does Globex have", "Globex's").
    pub(super) fn unknown_at(&mut self, start: usize) -> Option<usize> {
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
    pub(super) fn slot_unknown_at(&mut self, start: usize) -> Option<usize> {
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
    pub(super) fn suffix_at(&self, k: usize) -> bool {
        self.tokens
            .get(k)
            .is_some_and(|t| t.gap == Gap::Soft && is_strong_suffix(t.norm()))
    }

    /// Do capitalized words from `end` on make the window starting at `start` part of a longer
    /// company name ("Toyota Motors Inc", "Ford Credit LLC")? Then it is not that customer: the
    /// typo and unknown-company rules decide.
    pub(super) fn company_tail(&self, start: usize, end: usize) -> bool {
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
}
