//! Where a request puts a customer: slots ("for X", "customer X", "does X have", "how is X
//! doing"), lists after a found name ("ford and gm", "ford, gm", "ford/gm"), a conversation's
//! next item ("and gm?", "what about gm"), and where such a noun phrase ends. A slot filled with
//! junk ("for ' OR 1=1 --") is reported as it is, never read as every customer.

use super::scanner::{Gap, Scanner, Window};
use super::words::{
    SLOT_BEFORE, is_data_word, is_filter_word, is_junk_word, is_list_word, is_time_word,
};
use crate::plan::Unresolved;

impl<'t> Scanner<'_, 't, '_> {
    /// A customer slot filled with no name at all ("cases for ' OR 1=1 --"): the rest of the
    /// text after "for" has a symbol and only numbers and junk words. Reported unresolved as
    /// written (trimmed), so it is never read as "all customers".
    pub(super) fn junk_slot_at(&mut self, k: usize) -> Option<usize> {
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

    /// A customer slot: "for X" / "customer X" where X ends the noun phrase (see `slot_end`),
    /// "does X have", or the next item of a list after a found name ("ford and gm cases",
    /// "ford, gm", "ford vs gm", "ford/gm") that ends there too.
    pub(super) fn in_slot(&self, w: Window) -> bool {
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
            // "is gm getting worse", "are ups trending up", "was target doing better": the
            // subject of a yes/no question about how a customer goes.
            "is" | "are" | "was" | "were" if w.start == 1 => {
                self.tokens.get(w.end).is_some_and(|t| {
                    t.gap == Gap::Soft
                        && matches!(
                            t.word.folded.as_str(),
                            "getting"
                                | "trending"
                                | "improving"
                                | "worsening"
                                | "doing"
                                | "going"
                                | "having"
                        )
                })
            }
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
    pub(super) fn listed(&self, k: usize) -> bool {
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
    pub(super) fn have_at(&self, k: usize) -> bool {
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
    pub(super) fn slot_end(&self, k: usize) -> bool {
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

    /// Right after "for", "customer" and the like (see `SLOT_BEFORE`).
    pub(super) fn slot_before(&self, k: usize) -> bool {
        k > 0
            && self.tokens[k].gap == Gap::Soft
            && SLOT_BEFORE.contains(&self.tokens[k - 1].word.folded.as_str())
    }
}
