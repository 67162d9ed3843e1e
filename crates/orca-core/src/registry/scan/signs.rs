//! Is a window a name here? Names are found in any case ("ford", "FORD", "Ford"), so case alone
//! never decides: a window's [`Strength`] says how much it needs, and the signs say what it has
//! (a possessive, a slot or list, written as a name, naming the data it asks about, ending its
//! noun phrase). Common words ("Target", "Delta", "Shell") need a sign; strong names do not.

use super::scanner::{Gap, Scanner, Token, Window};
use super::words::{is_data_word, is_filter_word, is_list_word, is_request_word, is_short};
use crate::registry::common::is_common;

/// How much a window needs to be taken as a name (see the module doc of `registry`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Strength {
    /// Some word is neither common nor vocabulary nor short: a name in any case and place.
    Strong,
    /// One word of two characters (three with a digit) that is neither common nor vocabulary.
    Short,
    /// Only common (or vocabulary, or one-letter) words.
    Weak,
    /// Only the analyzer's vocabulary words.
    Vocabulary,
}

impl<'t> Scanner<'_, 't, '_> {
    /// Is this normalized form made only of weak words: common words, vocabulary words or
    /// single letters?
    pub(super) fn form_weak(&self, form: &str) -> bool {
        form.split(' ')
            .all(|t| is_common(t) || (self.vocabulary)(t) || t.chars().count() == 1)
    }

    /// How much a window needs to be taken as a name.
    pub(super) fn strength(&self, w: Window) -> Strength {
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
    pub(super) fn accepts(&self, w: Window) -> bool {
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
        self.data_context
            && !self.after_determiner(w)
            && self.opens_noun_phrase(w)
            && (joined || comma)
    }

    /// First in the text or clause, or after one of the request's own words ("show visa
    /// cases", "how many ups cases") or a list word; after another content word it is a
    /// compound ("service principal cases", "service principal & insider risk").
    fn opens_noun_phrase(&self, w: Window) -> bool {
        if w.start > 0 && self.tokens[w.start].gap == Gap::Soft {
            let before = self.tokens[w.start - 1].norm();
            return is_request_word(before) || is_list_word(before);
        }
        true
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
        if !self.opens_noun_phrase(w) {
            return false;
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
    pub(super) fn weak_sign(&self, w: Window) -> bool {
        self.possessive_sign(w) || self.in_slot(w) || self.written_as_name(w)
    }

    /// "Target's cases", "show me target's open cases"; not "the delta's size".
    pub(super) fn possessive_sign(&self, w: Window) -> bool {
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

    /// The words from `k` on, skipping filter and vocabulary words, reach a data word
    /// ("toyta cases", "toyta open sev a cases").
    pub(super) fn before_data(&self, mut k: usize) -> bool {
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
}
