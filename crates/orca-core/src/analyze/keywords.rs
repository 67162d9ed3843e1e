//! Agent keywords: the configured words and phrases, compiled once into a word-id table, then
//! matched against a request's free words in one pass.
//!
//! Invariant: a keyword matches whole folded words only ("debug" is never "bug", "Colorado" is
//! never "ado"), optionally in a simple plural form ("cases", "ICMs", "fixes"), and a phrase
//! matches consecutive words; the longest phrase starting at a word wins.

use rustc_hash::FxHashMap;

use super::tokens::{Role, Tok};
use crate::config::AgentsConfig;
use crate::names::AgentName;
use crate::text::{self, singular};

/// Compiled keywords of the five agents, built from [`AgentsConfig`] once, by
/// `AnalyzerConfig::build`.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeywordMatcher {
    /// Canonical (singular) folded keyword word -> word id.
    ids: FxHashMap<String, u32>,
    /// Phrases by their first word id, longest first.
    phrases: Vec<Vec<Phrase>>,
}

#[derive(Debug, Clone)]
struct Phrase {
    /// Word ids after the first.
    rest: Box<[u32]>,
    agent: AgentName,
}

/// One place in the request where an agent keyword matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AgentMention {
    pub agent: AgentName,
    /// Token indexes, `last` inclusive.
    pub first: usize,
    pub last: usize,
}

/// Word pairs where the second word is not the keyword it looks like: "use case", "in case",
/// "test cases". Compared on canonical forms; the bool says whether the plural is exempt too.
const NOT_KEYWORD_AFTER: &[(&str, &str, bool)] = &[
    ("in", "case", false),
    ("any", "case", false),
    ("use", "case", true),
    ("edge", "case", true),
    ("test", "case", true),
    ("worst", "case", true),
    ("best", "case", true),
    ("upper", "case", true),
    ("lower", "case", true),
];

impl KeywordMatcher {
    /// Compiles the keywords of every agent. Keywords without words are skipped; a phrase claimed
    /// by two agents goes to the first in `AgentName::ALL` order (`AnalyzerConfig::validate`
    /// reports both).
    pub(crate) fn new(agents: &AgentsConfig) -> Self {
        let mut matcher = KeywordMatcher::default();
        for agent in AgentName::ALL {
            for keyword in &agents.get(agent).keywords {
                let ids: Vec<u32> = text::words(keyword)
                    .iter()
                    .map(|w| matcher.intern(singular(&w.folded)))
                    .collect();
                let Some((&first, rest)) = ids.split_first() else {
                    continue;
                };
                let list = &mut matcher.phrases[first as usize];
                if list.iter().any(|p| *p.rest == *rest) {
                    continue;
                }
                list.push(Phrase {
                    rest: rest.into(),
                    agent,
                });
            }
        }
        for list in &mut matcher.phrases {
            list.sort_by_key(|p| std::cmp::Reverse(p.rest.len()));
        }
        matcher
    }

    fn intern(&mut self, word: &str) -> u32 {
        if let Some(&id) = self.ids.get(word) {
            return id;
        }
        let id = self.phrases.len() as u32;
        self.ids.insert(word.to_string(), id);
        self.phrases.push(Vec::new());
        id
    }

    /// The id of a folded request word, trying its singular forms ("cases", "fixes", "policies").
    pub(crate) fn word_id(&self, folded: &str) -> Option<u32> {
        if let Some(&id) = self.ids.get(singular(folded)) {
            return Some(id);
        }
        if let Some(stem) = folded.strip_suffix("ies")
            && !stem.is_empty()
        {
            return self.ids.get(&format!("{stem}y")).copied();
        }
        match folded.strip_suffix("es") {
            Some(stem) if stem.len() >= 2 => self.ids.get(stem).copied(),
            _ => None,
        }
    }

    /// True when the folded word is (a form of) a word of some keyword.
    pub(crate) fn is_keyword_word(&self, folded: &str) -> bool {
        self.word_id(folded).is_some()
    }

    /// Finds agent keywords among the free tokens, marks them `Role::Keyword`, and returns the
    /// mentions in request order.
    pub(crate) fn find(&self, toks: &mut [Tok<'_>]) -> Vec<AgentMention> {
        let ids: Vec<Option<u32>> = toks
            .iter()
            .map(|t| {
                if t.role == Role::Free {
                    self.word_id(t.folded)
                } else {
                    None
                }
            })
            .collect();
        let mut mentions = Vec::new();
        let mut i = 0;
        while i < toks.len() {
            let Some(id) = ids[i] else {
                i += 1;
                continue;
            };
            let matched = self.phrases[id as usize].iter().find(|p| {
                ids.get(i + 1..i + 1 + p.rest.len())
                    .is_some_and(|next| next.iter().zip(p.rest.iter()).all(|(a, b)| *a == Some(*b)))
            });
            let Some(phrase) = matched else {
                i += 1;
                continue;
            };
            let last = i + phrase.rest.len();
            if phrase.rest.is_empty()
                && i > 0
                && is_not_keyword_after(toks[i - 1].folded, toks[i].folded)
            {
                i += 1;
                continue;
            }
            for tok in &mut toks[i..=last] {
                tok.role = Role::Keyword;
            }
            mentions.push(AgentMention {
                agent: phrase.agent,
                first: i,
                last,
            });
            i = last + 1;
        }
        mentions
    }
}

fn is_not_keyword_after(previous: &str, word: &str) -> bool {
    NOT_KEYWORD_AFTER
        .iter()
        .any(|&(before, keyword, plural_too)| {
            previous == before && (word == keyword || (plural_too && singular(word) == keyword))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agents_in(text: &str) -> Vec<&'static str> {
        let matcher = KeywordMatcher::new(&AgentsConfig::default());
        let words = text::words(text);
        let mut toks = super::super::tokens::tokens(&words);
        matcher
            .find(&mut toks)
            .iter()
            .map(|m| m.agent.source().as_str())
            .collect()
    }

    #[test]
    fn whole_words_plurals_and_phrases() {
        assert_eq!(agents_in("Show cases and ICMs"), ["kusto", "icm"]);
        assert_eq!(
            agents_in("debug the pipeline in Colorado, a showcase"),
            Vec::<&str>::new()
        );
        assert_eq!(
            agents_in("support requests, SRs, work items, known issues"),
            ["kusto", "kusto", "ado", "docs"]
        );
        assert_eq!(
            agents_in("active users and tenant health"),
            ["tenant", "tenant"]
        );
        assert_eq!(
            agents_in("a use case, in case, test cases"),
            Vec::<&str>::new()
        );
    }
}
