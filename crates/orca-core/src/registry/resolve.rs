//! Resolving a name typed on its own (`Registry::resolve`, `orca customers "<name>"`): every
//! plausible customer, best first, with how it matched.
//!
//! Invariant: confidence 1.0 only for exact, alias and normalized matches; leading-word and typo
//! candidates stay below 1.0, so a caller can tell a lookup hit from a guess. The work is
//! bounded: a name longer than `MAX_NAME_CHARS` finds nothing, and similarity scoring stops
//! after `MAX_SIMILARITY_CELLS` edit-distance cells.

use std::collections::BTreeMap;

use super::fuzzy::FuzzyIndex;
use super::guid::{format_guid, parse_guid};
use super::normalize::{name_key, same_words, strip_possessive};
use super::{Candidate, MAX_NAME_CHARS, Registry};
use crate::plan::MatchKind;

/// Most candidates `resolve` returns.
const MAX_RESULTS: usize = 10;
/// Lowest similarity for a typo candidate or a suggestion.
const MIN_SIMILARITY: f64 = 0.5;
/// A registry word shared by more customers than this says nothing about which one is meant
/// ("holdings"), so it does not propose candidates.
const MAX_POSTING: usize = 1_000;
/// Most edit-distance cells (characters of one string times characters of the other) one
/// `resolve`, or one scan for all its suggestions, computes. A name and a key of
/// `MAX_NAME_CHARS` characters cost 80,000 cells (whole keys, then word by word), two real
/// names of 20 characters about 900. 250,000 cells, about half a millisecond, is three
/// candidates at the limit or some 280 real ones. Candidates are scored most words in common
/// first, so the best are scored before the bound is reached, and then the rest are not.
pub(super) const MAX_SIMILARITY_CELLS: usize = 250_000;

pub(super) fn resolve(registry: &Registry, name: &str) -> Vec<Candidate> {
    let name = name.trim();
    if name.chars().nth(MAX_NAME_CHARS).is_some() {
        // No registry name is this long (the loader refuses them), and comparing it would cost.
        return Vec::new();
    }
    let customers = registry.customers();
    if let Some(guid) = parse_guid(name) {
        let tenant = format_guid(guid);
        return customers
            .iter()
            .filter(|c| c.tenant_id == tenant)
            .map(|c| candidate(c, MatchKind::Exact, 1.0))
            .collect();
    }
    let mut key = name_key(name);
    let mut typed = name.to_owned();
    let index = &registry.index;
    if index.get(&key).is_empty() {
        // "Ford's" on its own.
        let last = name.split_whitespace().next_back().unwrap_or_default();
        if let Some(base) = strip_possessive(last) {
            let without = format!("{}{}", &name[..name.len() - last.len()], base);
            if !index.get(&name_key(&without)).is_empty() {
                key = name_key(&without);
                typed = without;
            }
        }
    }
    if key.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<(u32, MatchKind, f64)> = Vec::new();
    let claims = index.get(&key);
    let exact = |id: &u32| same_words(&customers[*id as usize].name, &typed);
    let alias = |id: &u32| {
        customers[*id as usize]
            .aliases
            .iter()
            .any(|a| same_words(a, &typed))
    };
    for &id in claims {
        let kind = if exact(&id) {
            MatchKind::Exact
        } else if alias(&id) {
            MatchKind::Alias
        } else {
            MatchKind::Normalized
        };
        out.push((id, kind, 1.0));
    }
    out.sort_by_key(|&(id, kind, _)| (kind, id));
    let mut guesses: Vec<(u32, MatchKind, f64)> = Vec::new();
    let lazy = index.lazy(customers);
    let key_tokens = key.split(' ').count();
    if let Some(ids) = lazy.prefixes.get(key.as_str()) {
        for &id in ids.iter().take(MAX_RESULTS) {
            let name_tokens = lazy.name_keys[id as usize].split(' ').count().max(1);
            let share = key_tokens as f64 / name_tokens as f64;
            guesses.push((id, MatchKind::Fuzzy, 0.5 + 0.4 * share.min(1.0)));
        }
    }
    for (id, score) in similar_scored(registry, &key, MAX_RESULTS) {
        guesses.push((id, MatchKind::Fuzzy, score.min(0.95)));
    }
    guesses.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
    for guess in guesses {
        if !out.iter().any(|o| o.0 == guess.0) {
            out.push(guess);
        }
    }
    out.truncate(MAX_RESULTS);
    out.into_iter()
        .map(|(id, kind, confidence)| {
            candidate(
                &customers[id as usize],
                kind,
                (confidence * 100.0).round() / 100.0,
            )
        })
        .collect()
}

fn candidate(customer: &super::Customer, match_kind: MatchKind, confidence: f64) -> Candidate {
    Candidate {
        name: customer.name.clone(),
        tenant_id: customer.tenant_id.clone(),
        match_kind,
        confidence,
        segment: customer.segment.clone(),
    }
}

/// Customers whose names look like a normalized key, best first (for suggestions), within
/// `budget` (one for a whole scan, so a request of many unknown names costs one budget).
pub(super) fn similar(
    registry: &Registry,
    key: &str,
    most: usize,
    budget: &mut Budget,
) -> Vec<u32> {
    similar_bounded(registry, key, most, budget)
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

/// Customers sharing a word, or a word within a typo, with `key`, scored by how alike the
/// whole names are (or, for a partial name, how alike its words are), best first.
fn similar_scored(registry: &Registry, key: &str, most: usize) -> Vec<(u32, f64)> {
    similar_bounded(registry, key, most, &mut Budget::new(MAX_SIMILARITY_CELLS))
}

/// The edit-distance cells left to one lookup or scan.
#[derive(Debug)]
pub(super) struct Budget {
    cells: usize,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget::new(MAX_SIMILARITY_CELLS)
    }
}

impl Budget {
    fn new(cells: usize) -> Budget {
        Budget { cells }
    }

    /// Takes the cells of comparing `a` and `b`; false (nothing taken) when too few are left.
    fn take(&mut self, a: &str, b: &str) -> bool {
        self.take_cells((a.chars().count() + 1) * (b.chars().count() + 1))
    }

    /// Takes `cost` cells; false (nothing taken) when too few are left.
    fn take_cells(&mut self, cost: usize) -> bool {
        match self.cells.checked_sub(cost) {
            Some(left) => {
                self.cells = left;
                true
            }
            None => false,
        }
    }
}

/// `similar_scored` within `budget`: the typo look-ups of the words of `key` are paid from it
/// too, then candidates are scored most shared words first (then in registry order), each key
/// only while the budget lasts, so the work is bounded whatever the registry and the request
/// hold.
fn similar_bounded(
    registry: &Registry,
    key: &str,
    most: usize,
    budget: &mut Budget,
) -> Vec<(u32, f64)> {
    let lazy = registry.index.lazy(registry.customers());
    let fuzzy = registry.index.fuzzy(registry.customers());
    let query: Vec<&str> = key.split(' ').collect();
    // Customer -> how many (query word, registry word) pairs bring it in.
    let mut pool: BTreeMap<u32, usize> = BTreeMap::new();
    for token in &query {
        if !budget.take_cells(FuzzyIndex::lookup_cells(token)) {
            break;
        }
        for near in fuzzy.near(token) {
            let owners = fuzzy.customers(near.token);
            if owners.len() <= MAX_POSTING {
                for &id in owners {
                    *pool.entry(id).or_default() += 1;
                }
            }
        }
    }
    let mut order: Vec<(u32, usize)> = pool.into_iter().collect();
    order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let customers = registry.customers();
    let mut scored: Vec<(u32, f64)> = Vec::new();
    let mut spent = false;
    for (id, _) in order {
        let customer = &customers[id as usize];
        let mut best: Option<f64> = None;
        for other in std::iter::once(lazy.name_keys[id as usize].clone())
            .chain(customer.aliases.iter().map(|a| name_key(a)))
        {
            match similarity(&query, key, &other, budget) {
                Some(score) => best = Some(best.map_or(score, |b: f64| b.max(score))),
                None => {
                    spent = true;
                    break;
                }
            }
        }
        if let Some(score) = best.filter(|&s| s >= MIN_SIMILARITY) {
            scored.push((id, score));
        }
        if spent {
            break;
        }
    }
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scored.truncate(most);
    scored
}

/// The better of whole-key similarity and (slightly discounted) mean best word similarity;
/// `None` when the budget cannot pay for it.
fn similarity(query: &[&str], key: &str, other: &str, budget: &mut Budget) -> Option<f64> {
    // Every word of `key` against every word of `other` costs the whole-key cells again
    // (each word counted with the space after it).
    if !budget.take(key, other) || !budget.take(key, other) {
        return None;
    }
    let whole = strsim::normalized_damerau_levenshtein(key, other);
    let words: Vec<&str> = other.split(' ').collect();
    let per_word = query
        .iter()
        .map(|q| {
            words
                .iter()
                .map(|w| strsim::normalized_damerau_levenshtein(q, w))
                .fold(0.0, f64::max)
        })
        .sum::<f64>()
        / query.len().max(1) as f64;
    Some(whole.max(0.9 * per_word))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Customer;
    use crate::registry::fuzzy::MAX_WORD_CHARS;

    /// A word of `MAX_WORD_CHARS` pseudo-random letters (no two alike, few deletions shared).
    fn word(seed: u64) -> String {
        let mut z = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        (0..MAX_WORD_CHARS)
            .map(|_| {
                z ^= z << 13;
                z ^= z >> 7;
                z ^= z << 17;
                char::from(b'a' + (z % 26) as u8)
            })
            .collect()
    }

    /// `MAX_NAME_CHARS` characters: a word every customer shares, then words of its own.
    fn long_name(shared: &str, i: u64) -> String {
        let mut name = shared.to_owned();
        let mut n = 0;
        while name.len() + 1 + MAX_WORD_CHARS <= MAX_NAME_CHARS {
            name.push(' ');
            // From a pool of 64 words, so the typo index stays small (fast in debug builds).
            name.push_str(&word((5 * i + 3 * n) % 64 + 8));
            n += 1;
        }
        while name.len() < MAX_NAME_CHARS {
            name.push('x');
        }
        name
    }

    /// 500 customers with a name and an alias at the limit, all sharing a word with the query:
    /// every one is a candidate, and scoring them all would cost hundreds of times the budget.
    #[test]
    fn similarity_work_is_bounded_by_the_budget() {
        const CUSTOMERS: usize = 500;
        let shared = word(7);
        let customers = (0..CUSTOMERS as u64)
            .map(|i| Customer {
                name: long_name(&shared, i),
                tenant_id: crate::registry::format_guid(u128::from(i) + 1),
                aliases: vec![long_name(&shared, i + 5_000)],
                segment: None,
                attributes: Default::default(),
            })
            .collect();
        let (registry, errors) = Registry::from_customers(customers);
        assert_eq!(errors, []);
        let query = long_name(&shared, 99_999);
        assert_eq!(query.chars().count(), MAX_NAME_CHARS);
        let key = name_key(&query);
        let unbounded = CUSTOMERS * 2 * 2 * (MAX_NAME_CHARS + 1) * (MAX_NAME_CHARS + 1);
        assert!(unbounded > 40 * MAX_SIMILARITY_CELLS);

        let mut budget = Budget::new(MAX_SIMILARITY_CELLS);
        let scored = similar_bounded(&registry, &key, MAX_RESULTS, &mut budget);
        let spent = MAX_SIMILARITY_CELLS - budget.cells;
        assert!(spent <= MAX_SIMILARITY_CELLS);
        assert!(spent > MAX_SIMILARITY_CELLS / 2, "the budget was reached");
        assert!(scored.len() <= MAX_RESULTS);
        assert!(resolve(&registry, &query).len() <= MAX_RESULTS);
    }

    #[test]
    fn budget_refuses_what_it_cannot_pay() {
        let mut budget = Budget::new(30);
        assert!(budget.take("abcd", "abcd")); // 25 cells
        assert!(!budget.take("ab", "ab")); // 9 cells, 5 left
        assert_eq!(budget.cells, 5);
    }

    #[test]
    fn a_name_over_the_limit_finds_nothing() {
        let customers = vec![Customer {
            name: "Ford".into(),
            tenant_id: crate::registry::format_guid(1),
            aliases: Vec::new(),
            segment: None,
            attributes: Default::default(),
        }];
        let (registry, _) = Registry::from_customers(customers);
        assert_eq!(resolve(&registry, "Ford").len(), 1);
        let at_limit = format!("Ford{}", " ".repeat(MAX_NAME_CHARS - 5) + "!");
        assert_eq!(resolve(&registry, &at_limit).len(), 1, "the same words");
        let over = format!("Ford{}", " ".repeat(MAX_NAME_CHARS - 4) + "!");
        assert!(resolve(&registry, &over).is_empty());
    }
}
