//! Typo tolerance: a SymSpell-style deletion index over the distinct words of registry names
//! and aliases, so a misspelt word finds its close registry words with a handful of hash
//! lookups instead of an edit distance against every customer.
//!
//! Invariant: a word is only ever matched to registry words within `max_distance` edits
//! (optimal string alignment: a swap of two neighbours is one edit), and only words of at most
//! `MAX_WORD_CHARS` characters take part, so the index and each lookup cost a bounded amount
//! per word, whatever the registry or the request holds.

use std::collections::HashSet;

use rustc_hash::FxHashMap;

use super::normalize::is_legal_suffix;

/// Shortest registry word kept in the index (a 4-letter typo may lose a letter).
const MIN_TOKEN_CHARS: usize = 3;
/// Shortest word of a request that is ever corrected.
pub(crate) const MIN_QUERY_CHARS: usize = 4;
/// Longest word indexed for typos or corrected. A word of n characters has about n * n / 2
/// strings two deletions away, each of n characters, so a 30,000-letter registry "word" took
/// seconds and gigabytes; 32 characters is longer than the words of real company names
/// ("Versicherungsgesellschaft" has 25) and costs at most ~530 strings per word. A longer word
/// still matches as written (exact, alias or normalized), never as a typo.
pub(crate) const MAX_WORD_CHARS: usize = 32;

#[derive(Debug, Clone, Default)]
pub(crate) struct FuzzyIndex {
    tokens: Vec<Box<str>>,
    ids: FxHashMap<Box<str>, u32>,
    /// Every token and every string one or two deletions away from it -> token ids.
    deletes: FxHashMap<Box<str>, Vec<u32>>,
    /// Token id -> customers whose name or alias key has the token, ascending.
    customers: Vec<Vec<u32>>,
}

/// A registry word close to a word of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Near {
    pub(crate) token: u32,
    pub(crate) distance: usize,
}

/// Edits allowed between a word of `query_chars` and a registry word of `token_chars`: one,
/// or two when both are long.
pub(crate) fn max_distance(query_chars: usize, token_chars: usize) -> usize {
    if query_chars >= 8 && token_chars >= 6 {
        2
    } else {
        1
    }
}

fn indexable(token: &str) -> bool {
    (MIN_TOKEN_CHARS..=MAX_WORD_CHARS).contains(&token.chars().count())
        && token.chars().all(char::is_alphabetic)
        && !is_legal_suffix(token)
        && !matches!(token, "and" | "the" | "for")
}

/// Strings `depth` deletions (or fewer) away from `chars`, not including `chars` itself.
fn deletions(chars: &[char], depth: usize, out: &mut HashSet<String>) {
    if depth == 0 || chars.len() <= 1 {
        return;
    }
    for skip in 0..chars.len() {
        let shorter: Vec<char> = chars
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != skip)
            .map(|(_, &c)| c)
            .collect();
        if out.insert(shorter.iter().collect()) {
            deletions(&shorter, depth - 1, out);
        }
    }
}

impl FuzzyIndex {
    /// Indexes the tokens of `(customer, key)` pairs; customers arrive in ascending order.
    pub(crate) fn build(keys: impl Iterator<Item = (u32, String)>) -> FuzzyIndex {
        let mut index = FuzzyIndex::default();
        let mut variants = HashSet::new();
        for (customer, key) in keys {
            for token in key.split(' ').filter(|t| indexable(t)) {
                let id = match index.ids.get(token) {
                    Some(&id) => id,
                    None => {
                        let id = index.tokens.len() as u32;
                        index.tokens.push(token.into());
                        index.ids.insert(token.into(), id);
                        index.customers.push(Vec::new());
                        let chars: Vec<char> = token.chars().collect();
                        variants.clear();
                        variants.insert(token.to_owned());
                        deletions(&chars, if chars.len() >= 6 { 2 } else { 1 }, &mut variants);
                        for variant in variants.drain() {
                            index
                                .deletes
                                .entry(variant.into_boxed_str())
                                .or_default()
                                .push(id);
                        }
                        id
                    }
                };
                let owners = &mut index.customers[id as usize];
                if owners.last() != Some(&customer) {
                    owners.push(customer);
                }
            }
        }
        index
    }

    /// Is this folded word a word of some registry name or alias (so not a typo)?
    pub(crate) fn contains(&self, token: &str) -> bool {
        self.ids.contains_key(token)
    }

    pub(crate) fn token(&self, id: u32) -> &str {
        &self.tokens[id as usize]
    }

    /// Customers having the token in their name or an alias.
    pub(crate) fn customers(&self, id: u32) -> &[u32] {
        &self.customers[id as usize]
    }

    /// Registry words within the allowed edits of `word`, closest first (ties by spelling).
    /// Includes `word` itself (distance 0) when it is a registry word.
    /// Nothing for a word shorter than `MIN_QUERY_CHARS` or longer than `MAX_WORD_CHARS`.
    pub(crate) fn near(&self, word: &str) -> Vec<Near> {
        if word.len() > 4 * MAX_WORD_CHARS {
            // More characters than allowed whatever their width: not even collected.
            return Vec::new();
        }
        let chars: Vec<char> = word.chars().collect();
        if !(MIN_QUERY_CHARS..=MAX_WORD_CHARS).contains(&chars.len())
            || !chars.iter().all(|c| c.is_alphabetic())
        {
            return Vec::new();
        }
        let mut variants = HashSet::new();
        variants.insert(word.to_owned());
        deletions(&chars, max_distance(chars.len(), usize::MAX), &mut variants);
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for variant in &variants {
            for &id in self
                .deletes
                .get(variant.as_str())
                .map_or(&[][..], Vec::as_slice)
            {
                if !seen.insert(id) {
                    continue;
                }
                let token = &self.tokens[id as usize];
                let distance = strsim::osa_distance(word, token);
                if distance <= max_distance(chars.len(), token.chars().count()) {
                    out.push(Near {
                        token: id,
                        distance,
                    });
                }
            }
        }
        out.sort_by(|a, b| {
            (a.distance, self.token(a.token)).cmp(&(b.distance, self.token(b.token)))
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(keys: &[&str]) -> FuzzyIndex {
        FuzzyIndex::build(
            keys.iter()
                .enumerate()
                .map(|(i, k)| (i as u32, (*k).to_owned())),
        )
    }

    fn near(index: &FuzzyIndex, word: &str) -> Vec<(String, usize)> {
        index
            .near(word)
            .into_iter()
            .map(|n| (index.token(n.token).to_owned(), n.distance))
            .collect()
    }

    #[test]
    fn finds_close_words_only() {
        let idx = index(&[
            "toyota motor",
            "ford",
            "ford foundation",
            "deutsche telekom",
        ]);
        assert_eq!(near(&idx, "toyta"), [("toyota".to_owned(), 1)]);
        assert_eq!(near(&idx, "toyoat"), [("toyota".to_owned(), 1)]);
        assert_eq!(near(&idx, "fordd"), [("ford".to_owned(), 1)]);
        assert_eq!(near(&idx, "telekon"), [("telekom".to_owned(), 1)]);
        assert_eq!(near(&idx, "foundatoin"), [("foundation".to_owned(), 1)]);
        assert_eq!(near(&idx, "fuondatoin"), [("foundation".to_owned(), 2)]);
        assert_eq!(near(&idx, "ford"), [("ford".to_owned(), 0)]);
        assert!(near(&idx, "fo").is_empty());
        assert!(near(&idx, "tyt").is_empty());
        assert!(near(&idx, "motorola").is_empty());
        let long = "a".repeat(MAX_WORD_CHARS + 1);
        assert!(near(&idx, &long).is_empty());
        assert_eq!(idx.customers(idx.near("ford")[0].token), [1, 2]);
    }

    #[test]
    fn long_words_are_not_indexed() {
        let word = "b".repeat(MAX_WORD_CHARS);
        let longer = "c".repeat(MAX_WORD_CHARS + 1);
        let idx = index(&[&format!("{word} {longer}")]);
        assert!(idx.contains(&word));
        assert!(!idx.contains(&longer));
        assert_eq!(near(&idx, &word), [(word.clone(), 0)]);
        assert!(near(&idx, &longer).is_empty());
    }

    #[test]
    fn index_size_is_bounded_per_word() {
        // Words at the limit, no two alike: each adds at most 1 + n + n * (n - 1) / 2 strings.
        let words: Vec<String> = (0..50u32)
            .map(|i| {
                (0..MAX_WORD_CHARS as u32)
                    .map(|j| char::from(b'a' + ((i * 7 + j * j * 3 + j) % 26) as u8))
                    .collect()
            })
            .collect();
        let idx = index(&[&words.join(" ")]);
        let n = MAX_WORD_CHARS;
        assert!(idx.deletes.len() <= idx.tokens.len() * (1 + n + n * (n - 1) / 2));
    }
}
