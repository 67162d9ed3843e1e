//! Product areas in requests: the area names the data uses ("DLP", "eDiscovery", "Sensitivity
//! Labels") and their usual other names ("data loss prevention", "MIP"), from the config's
//! `ProductArea`s, compiled once and matched as whole-word phrases.
//!
//! Invariant: a match claims its words as a filter and yields the area's name exactly as the
//! data writes it, so the connector can compare it with the stored value; nothing else.

use super::tokens::{Role, Tok};
use crate::config::ProductArea;
use crate::text::{self, singular};

/// The compiled phrases: canonical folded words (each singular) -> area name.
#[derive(Debug, Clone, Default)]
pub(crate) struct AreaMatcher {
    /// (phrase words, area name), longest phrase first.
    phrases: Vec<(Vec<String>, String)>,
}

impl AreaMatcher {
    pub(crate) fn new(areas: &[ProductArea]) -> Self {
        let mut phrases: Vec<(Vec<String>, String)> = Vec::new();
        for area in areas {
            for written in std::iter::once(&area.name).chain(&area.aliases) {
                let words: Vec<String> = text::words(written)
                    .iter()
                    .map(|w| singular(&w.folded).to_string())
                    .collect();
                if !words.is_empty() && !phrases.iter().any(|(p, _)| *p == words) {
                    phrases.push((words, area.name.clone()));
                }
            }
        }
        phrases.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        AreaMatcher { phrases }
    }

    /// True when the folded word is a word of some area phrase.
    pub(crate) fn is_area_word(&self, folded: &str) -> bool {
        let w = singular(folded);
        self.phrases.iter().any(|(p, _)| p.iter().any(|x| x == w))
    }

    /// The area phrase starting at token `i` among free tokens: (area name, tokens used).
    pub(crate) fn at(&self, toks: &[Tok<'_>], i: usize) -> Option<(&str, usize)> {
        self.phrases.iter().find_map(|(phrase, name)| {
            let fits = phrase.iter().enumerate().all(|(k, word)| {
                toks.get(i + k)
                    .is_some_and(|t| t.role == Role::Free && singular(t.folded) == word)
            });
            fits.then_some((name.as_str(), phrase.len()))
        })
    }
}
