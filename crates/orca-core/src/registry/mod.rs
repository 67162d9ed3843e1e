//! The customer registry (DESIGN section 3): loading the CSV and resolving mentions to tenants.
//!
//! Invariant: a mention resolves to a tenant only when exactly one customer fits best; ties are
//! reported as ambiguous and look-alikes as unresolved. Precision before recall: resolving a
//! mention to the wrong tenant is the worst error Orca can make, so every rule below, when in
//! doubt, declines to resolve.
//!
//! # Loading (`load.rs`)
//! A header row is required, with `Customer Name` and `Tenant ID` (matched case-insensitively,
//! trimmed); `Aliases` (`;`-separated) and `Segment` are optional; every other non-empty cell
//! is kept in `attributes`. A row is skipped, with its 1-based physical line, when it has the
//! wrong number of fields, bytes that are not UTF-8, no name (or no letter or digit in it), no
//! tenant id, a tenant id that is not a GUID (`8-4-4-4-12` hex digits; either case and
//! `{braces}` are accepted, and it is stored lower-case without braces), or a tenant id an
//! earlier row has. Two rows may share a name: the name is then ambiguous.
//!
//! # Keys and trust (`normalize.rs`)
//! A name, an alias, or a window of words of a request is compared by its *normalized key*:
//! folded case, accents and apostrophes ("Nestlé" = "Nestle", "McDonald's" = "McDonalds"),
//! `&` = "and", `&` inside a word dropped ("AT&T" = "ATT"), hyphens as spaces, punctuation
//! between words ignored, legal suffixes (Inc, LLC, Ltd, Corp, Co, Company, plc, AG, SE, S.A.,
//! N.A., GmbH, ...) removed as whole words at the end only, and a leading "The" removed from
//! registry names. A key claimed by several customers is resolved by trust: customers whose
//! *name* is the mention word for word, case-insensitively ("exact"), else whose *alias* is
//! ("alias"), else all claimants ("normalized"). One customer at the top tier resolves; several
//! are ambiguous, with all of them as candidates.
//!
//! # Free text (`scan.rs`)
//! Windows of whole words, leftmost first and longest first ("Ford Foundation grants" is Ford
//! Foundation), never across sentence punctuation. At each word, in order:
//! 1. **Known names.** A window whose key a name or alias claims. A window made only of
//!    *weak* words, common English or support words (an embedded list, `common_words.txt`) or
//!    words of up to three characters ("Target", "Delta", "Shell", "Zoom", "GM", "EY"), matches
//!    only when written or placed as a name: capitalized and not first in its sentence
//!    ("cases for Target"), several capitalized words ("Delta Air Lines"), all caps in a text
//!    that is not all caps ("GM", "SHELL"), a capitalized possessive ("Zoom's"), or in a
//!    customer slot: "does X have", or "for X" / "customer X" ending a clause ("cases for
//!    target?"). So "zoom into the logs", "target date" and "Delta between two runs" (first in
//!    its sentence) match nothing, and in a Title Cased Request capitalization is no sign.
//!    A legal suffix in the window ("Target Corp") is sign enough, and so is following a name
//!    already found in such a list ("for target and delta"). Other names match in any case
//!    ("ford", "toyota"); "Ford's" is Ford. Suffixes that are also ordinary words ("limited",
//!    "company", "co", "se", "na") join a name in lower case only when the words are then a
//!    name or alias as written ("ford motor company"; "Contoso limited access" is "Contoso").
//!    A name followed by capitalized words ending in a legal suffix or company word is part of
//!    a longer company name ("Toyota Motors Inc", "Ford Credit LLC"): not that customer.
//! 2. **Typos.** A word written or placed as a name, of four letters or more, that is neither a
//!    common word nor a word of any registry name, is corrected to registry words within one
//!    edit (two for words of eight letters or more; a swap is one edit) through a deletion
//!    index (`fuzzy.rs`). A window that then becomes a key resolves with match `fuzzy` and
//!    confidence 1 - edits/length, when exactly one customer is the closest (no other at the
//!    same number of edits) and the similarity is at least 0.75 ("Toyta" is Toyota Motor
//!    Corporation, "Fordd" is the customer claiming "Ford", never Ford Foundation). Otherwise
//!    it is unresolved, with the closest names as suggestions. A corrected name of common
//!    words needs the signs of rule 1 ("Shel script" is not Shell). A longer window with a
//!    typo beats a shorter exact one ("Ford Foundatoin" is Ford Foundation, not Ford).
//! 3. **Leading words.** Words that only begin registry names are never resolved, however
//!    unique: "Deutsche" (two names start so) is ambiguous between them; "Adventure" (only
//!    Adventure Works) is reported unresolved with that name as its suggestion when it looks
//!    like a name, else ignored. Weak words follow rule 1 here too.
//! 4. **Unknown companies.** Reported unresolved, conservatively: capitalized words ending in
//!    a legal suffix or company word ("Acme Corp", "Initech LLC", "Umbrella Holdings"), or a
//!    capitalized uncommon word in a customer slot ("for Globex", "at Globex", "does Globex
//!    have") or possessive ("Globex's"). Words first in a sentence, all-caps words and common
//!    words never start one, and in a Title Cased Request only the suffix rule applies.
//!
//! # Cost
//! Loading builds one map from normalized key to customers (one id inline, no allocation) and
//! one from key token to the longest key it starts; a window only grows over words in some
//! key. The prefix and typo indexes are built on the first request that needs them.
//!
//! # Typed on its own (`resolve.rs`)
//! `resolve` lists every claimant of the key (confidence 1.0, exact then alias then
//! normalized), then customers whose name starts with it (match `fuzzy`, 0.5-0.9 by the share
//! of the name typed), then similar names (match `fuzzy`, below 1.0), at most 10. A tenant id
//! finds its customer. No common-word rule applies: the user asked for that name.

use std::collections::BTreeMap;
use std::io::Read;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::plan::{Ambiguous, MatchKind, Unresolved};

mod common;
mod fuzzy;
mod index;
mod load;
mod normalize;
mod resolve;
mod scan;

use index::Index;
pub use load::format_guid;

/// One registry row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub name: String,
    /// Lower-case GUID.
    pub tenant_id: String,
    pub aliases: Vec<String>,
    pub segment: Option<String>,
    /// Every other column, kept as written.
    pub attributes: BTreeMap<String, String>,
}

/// A skipped row and why (1-based line number in the file, header is line 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    pub line: u64,
    pub reason: String,
}

/// A registry that cannot be loaded at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    #[error("registry is missing the required column `{0}`")]
    MissingColumn(&'static str),
    #[error("registry is empty (no header row)")]
    Empty,
    #[error("registry is not valid CSV: {0}")]
    Csv(String),
}

/// A candidate for a name, as `orca customers` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub name: String,
    pub tenant_id: String,
    #[serde(rename = "match")]
    pub match_kind: MatchKind,
    pub confidence: f64,
    pub segment: Option<String>,
}

/// A mention found in free text and resolved to one customer.
///
/// `mention` is the name as written, without a possessive ending ("Ford" in "Ford's cases");
/// `span` covers the whole words, ending included, so masking it removes the name.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// The mention as written.
    pub mention: String,
    /// Byte span of the mention in the scanned text.
    pub span: Range<usize>,
    /// Index into `Registry::customers()`.
    pub customer: usize,
    pub match_kind: MatchKind,
    pub confidence: f64,
}

/// Everything `Registry::scan` found in a text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scan {
    pub found: Vec<Found>,
    /// Ambiguous mentions with their spans.
    pub ambiguous: Vec<(Ambiguous, Range<usize>)>,
    /// Company-like mentions not in the registry, with their spans.
    pub unresolved: Vec<(Unresolved, Range<usize>)>,
}

/// The loaded registry with its lookup indexes. Cheap to share (`Arc<Registry>`): lookups
/// take `&self`, and the indexes only some requests need are built once, on first use.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    customers: Vec<Customer>,
    index: Index,
}

impl Registry {
    /// Parses a registry CSV. Bad rows are skipped and returned; a missing required column, no
    /// header row or unreadable CSV is an error.
    pub fn from_csv<R: Read>(reader: R) -> Result<(Registry, Vec<RowError>), RegistryError> {
        let (customers, errors) = load::read(reader)?;
        Ok((Registry::build(customers), errors))
    }

    /// Builds a registry from rows already parsed (e.g. from the store), with the same checks
    /// as `from_csv`: the `line` of a rejected row is its position as if written to a CSV
    /// after a header (first customer = line 2). Names and aliases are trimmed and tenant ids
    /// made lower-case.
    pub fn from_customers(customers: Vec<Customer>) -> (Registry, Vec<RowError>) {
        let mut checker = load::Checker::default();
        let mut kept = Vec::with_capacity(customers.len());
        let mut errors = Vec::new();
        for (i, mut customer) in customers.into_iter().enumerate() {
            let line = i as u64 + 2;
            match checker.check(&customer.name, &customer.tenant_id, line) {
                Ok(tenant_id) if kept.len() < u32::MAX as usize => {
                    customer.name = customer.name.trim().to_owned();
                    customer.tenant_id = tenant_id;
                    customer.aliases = load::split_aliases(&customer.aliases.join(";"));
                    kept.push(customer);
                }
                Ok(_) => errors.push(RowError {
                    line,
                    reason: "the registry is full".into(),
                }),
                Err(reason) => errors.push(RowError { line, reason }),
            }
        }
        (Registry::build(kept), errors)
    }

    fn build(customers: Vec<Customer>) -> Registry {
        Registry {
            index: Index::build(&customers),
            customers,
        }
    }

    pub fn customers(&self) -> &[Customer] {
        &self.customers
    }

    pub fn len(&self) -> usize {
        self.customers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.customers.is_empty()
    }

    /// Candidates for a name typed on its own (`orca customers "<name>"`), best first, at most
    /// ten; several at confidence 1.0 mean the name is ambiguous.
    pub fn resolve(&self, name: &str) -> Vec<Candidate> {
        resolve::resolve(self, name)
    }

    /// Finds customer mentions in free text: resolved, ambiguous and unknown ones, with byte
    /// spans of whole words that never overlap. Deterministic; never panics.
    pub fn scan(&self, text: &str) -> Scan {
        self.scan_with(text, &|_| false)
    }

    /// `scan`, told which folded words belong to the analyzer's own vocabulary (agent keywords,
    /// filter, time and filler words, product areas): such words are weak, so they name a
    /// customer only with a sign of being a name, and they are never corrected as typos.
    pub fn scan_with(&self, text: &str, vocabulary: &dyn Fn(&str) -> bool) -> Scan {
        scan::scan(self, text, vocabulary)
    }

    /// A candidate for the customer at `index` (as in `Found::customer`).
    pub fn candidate(
        &self,
        index: usize,
        match_kind: MatchKind,
        confidence: f64,
    ) -> Option<Candidate> {
        let customer = self.customers.get(index)?;
        Some(Candidate {
            name: customer.name.clone(),
            tenant_id: customer.tenant_id.clone(),
            match_kind,
            confidence,
            segment: customer.segment.clone(),
        })
    }
}
