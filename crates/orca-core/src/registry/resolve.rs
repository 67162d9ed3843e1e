//! Resolving a name typed on its own (`Registry::resolve`, `orca customers "<name>"`): every
//! plausible customer, best first, with how it matched.
//!
//! Invariant: confidence 1.0 only for exact, alias and normalized matches; leading-word and typo
//! candidates stay below 1.0, so a caller can tell a lookup hit from a guess.

use std::collections::BTreeSet;

use super::guid::{format_guid, parse_guid};
use super::normalize::{name_key, same_words, strip_possessive};
use super::{Candidate, Registry};
use crate::plan::MatchKind;

/// Most candidates `resolve` returns.
const MAX_RESULTS: usize = 10;
/// Lowest similarity for a typo candidate or a suggestion.
const MIN_SIMILARITY: f64 = 0.5;
/// A registry word shared by more customers than this says nothing about which one is meant
/// ("holdings"), so it does not propose candidates.
const MAX_POSTING: usize = 1_000;

pub(super) fn resolve(registry: &Registry, name: &str) -> Vec<Candidate> {
    let name = name.trim();
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

/// Customers whose names look like a normalized key, best first (for suggestions).
pub(super) fn similar(registry: &Registry, key: &str, most: usize) -> Vec<u32> {
    similar_scored(registry, key, most)
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

/// Customers sharing a word, or a word within a typo, with `key`, scored by how alike the
/// whole names are (or, for a partial name, how alike its words are), best first.
fn similar_scored(registry: &Registry, key: &str, most: usize) -> Vec<(u32, f64)> {
    let lazy = registry.index.lazy(registry.customers());
    let fuzzy = registry.index.fuzzy(registry.customers());
    let query: Vec<&str> = key.split(' ').collect();
    let mut pool = BTreeSet::new();
    for token in &query {
        for near in fuzzy.near(token) {
            let owners = fuzzy.customers(near.token);
            if owners.len() <= MAX_POSTING {
                pool.extend(owners.iter().copied());
            }
        }
    }
    let customers = registry.customers();
    let mut scored: Vec<(u32, f64)> = pool
        .into_iter()
        .map(|id| {
            let customer = &customers[id as usize];
            let best = std::iter::once(lazy.name_keys[id as usize].clone())
                .chain(customer.aliases.iter().map(|a| name_key(a)))
                .map(|k| similarity(&query, key, &k))
                .fold(0.0, f64::max);
            (id, best)
        })
        .filter(|&(_, score)| score >= MIN_SIMILARITY)
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scored.truncate(most);
    scored
}

/// The better of whole-key similarity and (slightly discounted) mean best word similarity.
fn similarity(query: &[&str], key: &str, other: &str) -> f64 {
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
    whole.max(0.9 * per_word)
}
