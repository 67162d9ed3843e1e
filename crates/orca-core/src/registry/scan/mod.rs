//! Finding customer mentions in free text (`Registry::scan_with`): leftmost-longest windows of
//! whole words, compared by normalized key, with the rules of the module doc of `registry` for
//! weak and short names, slots and lists, tenant ids, prefixes, typos and unknown companies.
//!
//! Invariant: a window is resolved only when exactly one customer claims it at the most trusted
//! tier; every span is a range of whole words of the text (so on char boundaries), spans never
//! overlap, and nothing depends on hash order.
//!
//! # Where
//! The scan runs its stages at each word in the order of `Scanner::run`; [`scanner`] holds the
//! words, windows and reports, [`candidates`] the registry stages (tenant id, name or alias,
//! typo, prefix), [`unknown`] companies the registry does not know, [`signs`] whether a window
//! is taken as a name, [`slots`] customer slots and lists, and [`words`] the word classes they
//! consult.

mod candidates;
mod scanner;
mod signs;
mod slots;
mod unknown;
mod words;

use super::{Registry, Scan};
use scanner::Scanner;

pub(super) fn scan(registry: &Registry, text: &str, vocabulary: &dyn Fn(&str) -> bool) -> Scan {
    if registry.is_empty() {
        return Scan::default();
    }
    let mut scanner = Scanner::new(registry, text, vocabulary);
    scanner.run();
    scanner.out
}

impl Scanner<'_, '_, '_> {
    /// The stages, most certain first; the first that claims words at `i` moves past them.
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
}
