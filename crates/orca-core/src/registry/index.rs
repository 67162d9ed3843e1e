//! The lookup indexes: normalized key -> customers, built at load time and kept compact; the
//! prefix and typo indexes are built on first use.
//!
//! Invariant: every id stored here is an index into the registry's customer list, and postings
//! are ascending without duplicates, so results never depend on hash order.

use std::fmt;
use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use super::Customer;
use super::fuzzy::FuzzyIndex;
use super::guid::parse_guid;
use super::normalize::name_key;

/// Most tokens in a key that free text is compared against (longer names still load and
/// resolve through `Registry::resolve`, but are not found in free text).
pub(crate) const MAX_KEY_TOKENS: usize = 12;

/// The customers claiming one key: one in almost every case, so that case costs no allocation.
#[derive(Debug, Clone)]
pub(crate) enum Posting {
    One(u32),
    Many(Vec<u32>),
}

impl Posting {
    /// Adds `id`; ids arrive in ascending order, so a repeat is always the last one.
    fn push(&mut self, id: u32) {
        match self {
            Posting::One(first) if *first == id => {}
            Posting::One(first) => *self = Posting::Many(vec![*first, id]),
            Posting::Many(ids) => {
                if ids.last() != Some(&id) {
                    ids.push(id);
                }
            }
        }
    }

    pub(crate) fn ids(&self) -> &[u32] {
        match self {
            Posting::One(id) => std::slice::from_ref(id),
            Posting::Many(ids) => ids,
        }
    }
}

fn is_number(token: &str) -> bool {
    !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit())
}

#[derive(Clone, Default)]
pub(crate) struct Index {
    /// Normalized key of every name and alias -> customers claiming it.
    keys: FxHashMap<Box<str>, Posting>,
    /// Every token of a key -> the most tokens of a key starting with it, 0 when no key starts
    /// with it. A cheap filter: most words of a request are in no key at all, and a window only
    /// grows over words that are.
    tokens: FxHashMap<Box<str>, u8>,
    lazy: OnceLock<Lazy>,
    /// The typo index: the costliest to build, so only requests with a typo candidate build it.
    fuzzy: OnceLock<FuzzyIndex>,
}

/// Indexes only some requests need: built on first use, at most once.
#[derive(Debug, Clone)]
pub(crate) struct Lazy {
    /// The normalized name key of every customer, in customer order.
    pub(crate) name_keys: Vec<String>,
    /// Leading tokens of a multi-token name key ("ford" of "ford foundation") -> customers.
    pub(crate) prefixes: FxHashMap<Box<str>, Vec<u32>>,
    /// The most tokens of any prefix.
    pub(crate) max_prefix_tokens: usize,
    /// Tenant id (as a number) -> customer, for a tenant id written in a request.
    pub(crate) tenants: FxHashMap<u128, u32>,
}

impl fmt::Debug for Index {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Index")
            .field("keys", &self.keys.len())
            .field("tokens", &self.tokens.len())
            .field("lazy_built", &self.lazy.get().is_some())
            .field("fuzzy_built", &self.fuzzy.get().is_some())
            .finish()
    }
}

impl Index {
    pub(crate) fn build(customers: &[Customer]) -> Index {
        let mut index = Index {
            keys: FxHashMap::with_capacity_and_hasher(
                customers.len() + customers.len() / 4,
                Default::default(),
            ),
            tokens: FxHashMap::default(),
            lazy: OnceLock::new(),
            fuzzy: OnceLock::new(),
        };
        for (id, customer) in customers.iter().enumerate() {
            let id = u32::try_from(id).expect("the loader caps the registry below u32::MAX rows");
            index.insert(name_key(&customer.name), id);
            for alias in &customer.aliases {
                index.insert(name_key(alias), id);
            }
        }
        index
    }

    fn insert(&mut self, key: String, id: u32) {
        if key.is_empty() {
            return;
        }
        let count = key.split(' ').count();
        if count <= MAX_KEY_TOKENS {
            for (n, token) in key.split(' ').enumerate() {
                let starts = if n == 0 { count as u8 } else { 0 };
                if starts == 0 && is_number(token) {
                    // Numbers are always "known" (see `Index::token`): no entry per "Customer 42".
                    continue;
                }
                match self.tokens.get_mut(token) {
                    Some(most) => *most = (*most).max(starts),
                    None => {
                        self.tokens.insert(token.into(), starts);
                    }
                }
            }
        }
        match self.keys.get_mut(key.as_str()) {
            Some(posting) => posting.push(id),
            None => {
                self.keys.insert(key.into_boxed_str(), Posting::One(id));
            }
        }
    }

    /// Customers claiming a normalized key (by name or alias).
    pub(crate) fn get(&self, key: &str) -> &[u32] {
        self.keys.get(key).map_or(&[], Posting::ids)
    }

    /// For a token of some key: the most tokens of a key starting with it (0 when none does).
    /// Every number counts as a token of some key.
    pub(crate) fn token(&self, token: &str) -> Option<usize> {
        match self.tokens.get(token) {
            Some(&most) => Some(usize::from(most)),
            None if is_number(token) => Some(0),
            None => None,
        }
    }

    pub(crate) fn lazy(&self, customers: &[Customer]) -> &Lazy {
        self.lazy.get_or_init(|| self.build_lazy(customers))
    }

    /// The typo index over every name and alias key, built on first use, at most once.
    pub(crate) fn fuzzy(&self, customers: &[Customer]) -> &FuzzyIndex {
        self.fuzzy.get_or_init(|| {
            let name_keys = &self.lazy(customers).name_keys;
            FuzzyIndex::build(customers.iter().enumerate().flat_map(|(id, c)| {
                let id = id as u32;
                std::iter::once((id, name_keys[id as usize].clone()))
                    .chain(c.aliases.iter().map(move |a| (id, name_key(a))))
            }))
        })
    }

    fn build_lazy(&self, customers: &[Customer]) -> Lazy {
        let mut prefixes: FxHashMap<Box<str>, Vec<u32>> = FxHashMap::default();
        let mut max_prefix_tokens = 0;
        let name_keys: Vec<String> = customers.iter().map(|c| name_key(&c.name)).collect();
        for (id, key) in name_keys.iter().enumerate() {
            let id = id as u32;
            let tokens: Vec<&str> = key.split(' ').collect();
            let mut prefix = String::new();
            for (n, token) in tokens
                .iter()
                .enumerate()
                .take(tokens.len().saturating_sub(1))
            {
                if n > 0 {
                    prefix.push(' ');
                }
                prefix.push_str(token);
                if n >= MAX_KEY_TOKENS || matches!(*token, "and" | "of" | "the" | "for" | "de") {
                    continue;
                }
                max_prefix_tokens = max_prefix_tokens.max(n + 1);
                let ids = prefixes.entry(prefix.as_str().into()).or_default();
                if ids.last() != Some(&id) {
                    ids.push(id);
                }
            }
        }
        let tenants = customers
            .iter()
            .enumerate()
            .filter_map(|(id, c)| Some((parse_guid(&c.tenant_id)?, id as u32)))
            .collect();
        Lazy {
            name_keys,
            prefixes,
            max_prefix_tokens,
            tenants,
        }
    }
}
