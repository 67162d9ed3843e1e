//! Typo tolerance: a SymSpell-style deletion index over the distinct words of registry names
//! and aliases, so a misspelt word finds its close registry words with a handful of hash
//! lookups instead of an edit distance against every customer.
//!
//! Invariant: a word is only ever matched to registry words within `max_distance` edits
//! (optimal string alignment: a swap of two neighbours is one edit), and only words of at most
//! `MAX_WORD_CHARS` characters take part, so the index and each lookup cost a bounded amount
//! per word, whatever the registry or the request holds.

use std::hash::Hasher;

use rustc_hash::{FxHashMap, FxHashSet, FxHasher};

use super::normalize::is_legal_suffix;

/// Shortest registry word kept in the index (a 4-letter typo may lose a letter).
const MIN_TOKEN_CHARS: usize = 3;
/// Shortest word of a request that is ever corrected.
pub(crate) const MIN_QUERY_CHARS: usize = 4;
/// Longest word indexed for typos or corrected. A word of n characters has about n * n / 2
/// strings two deletions away, each of n characters to hash, so a 30,000-letter registry
/// "word" took seconds (and, with distinct letters, gigabytes); 32 characters is longer than
/// the words of real company names ("Versicherungsgesellschaft" has 25) and costs at most 529
/// index entries per word. A longer word still matches as written (exact, alias or
/// normalized), never as a typo.
pub(crate) const MAX_WORD_CHARS: usize = 32;

#[derive(Debug, Clone, Default)]
pub(crate) struct FuzzyIndex {
    tokens: Vec<Box<str>>,
    ids: FxHashMap<Box<str>, u32>,
    /// (hash of a string, token id) for every token and every string one or two deletions
    /// away from it, sorted. Hashes, not strings: a few bytes per entry and no allocation
    /// each; a collision only brings a token that the edit distance then rejects.
    deletes: Vec<(u64, u32)>,
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

/// Hashes of `chars` and of the strings `depth` (at most 2) deletions or fewer away from it,
/// sorted and without repeats; no deletion from a string of one character.
fn variant_hashes(chars: &[char], depth: usize, out: &mut Vec<u64>) {
    const NONE: usize = usize::MAX;
    let n = chars.len();
    let hash = |skip_a: usize, skip_b: usize| {
        let mut hasher = FxHasher::default();
        for (k, &c) in chars.iter().enumerate() {
            if k != skip_a && k != skip_b {
                hasher.write_u32(u32::from(c));
            }
        }
        hasher.write_u8(0xff); // not a char: ends the string
        hasher.finish()
    };
    out.clear();
    out.push(hash(NONE, NONE));
    if depth >= 1 && n > 1 {
        for i in 0..n {
            out.push(hash(i, NONE));
            if depth >= 2 && n > 2 {
                out.extend((i + 1..n).map(|j| hash(i, j)));
            }
        }
    }
    out.sort_unstable();
    out.dedup();
}

impl FuzzyIndex {
    /// Indexes the tokens of `(customer, key)` pairs; customers arrive in ascending order.
    pub(crate) fn build(keys: impl Iterator<Item = (u32, String)>) -> FuzzyIndex {
        let mut index = FuzzyIndex::default();
        let mut variants = Vec::new();
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
                        let depth = if chars.len() >= 6 { 2 } else { 1 };
                        variant_hashes(&chars, depth, &mut variants);
                        index.deletes.extend(variants.iter().map(|&h| (h, id)));
                        id
                    }
                };
                let owners = &mut index.customers[id as usize];
                if owners.last() != Some(&customer) {
                    owners.push(customer);
                }
            }
        }
        index.deletes.sort_unstable();
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
    /// What `near(word)` costs, in edit-distance cells (a cell is ~3 ns; a look-up of a word of
    /// n letters hashes and searches about n * n / 2 strings, some 16 n * n cells' worth): 0 for
    /// a word `near` returns at once.
    pub(crate) fn lookup_cells(word: &str) -> usize {
        if word.len() > 4 * MAX_WORD_CHARS || !word.chars().all(char::is_alphabetic) {
            return 0;
        }
        match word.chars().count() {
            n if (MIN_QUERY_CHARS..=MAX_WORD_CHARS).contains(&n) => 16 * n * n,
            _ => 0,
        }
    }

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
        let mut variants = Vec::new();
        variant_hashes(&chars, max_distance(chars.len(), usize::MAX), &mut variants);
        let mut seen = FxHashSet::default();
        let mut out = Vec::new();
        for &variant in &variants {
            let from = self.deletes.partition_point(|&(h, _)| h < variant);
            let to = from + self.deletes[from..].partition_point(|&(h, _)| h == variant);
            for &(_, id) in &self.deletes[from..to] {
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
                    .map(|j| match j {
                        0 => i % 26,
                        1 => i / 26,
                        _ => (i * 7 + j * j * 3 + j) % 26,
                    })
                    .map(|k| char::from(b'a' + k as u8))
                    .collect()
            })
            .collect();
        let idx = index(&[&words.join(" ")]);
        let n = MAX_WORD_CHARS;
        assert_eq!(idx.tokens.len(), 50);
        assert!(idx.deletes.len() <= idx.tokens.len() * (1 + n + n * (n - 1) / 2));
    }
}
