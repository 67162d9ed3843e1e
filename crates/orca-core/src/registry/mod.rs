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
//! # Free text (`scan/`)
//! Windows of whole words, leftmost first and longest first ("Ford Foundation grants" is Ford
//! Foundation), never across sentence punctuation, except a single "." or "!" the registry
//! name itself has at that place ("Yum! Brands", "A. Datum", "Warner Bros. Discovery",
//! "A.P. Moller-Maersk"; "Ford. Foundation" stays Ford). Words are read as a person reads them
//! (`text.rs`): NFKC ("ＦＯＲＤ" is Ford), invisible characters inside a word dropped, and
//! Cyrillic/Greek look-alikes in an otherwise Latin word read as Latin ("Fоrd"), which makes
//! the match `fuzzy` (confidence 0.9) unless a name is written exactly so.
//!
//! **Case and position never decide alone.** `scan_with` is told the analyzer's vocabulary
//! (`scan` assumes none). A word is *weak* when it is a common English or support word
//! (`common_words.txt`; "s"/"es"/"ies" plurals included, so "ups" is weak but "lowes" is not),
//! a vocabulary word, or a single letter. A window is then:
//! - *strong* when some word is not weak and it is not a short word alone: it is a name in
//!   any case and position ("ford", "toyota", "lowes", "ibm", "hpe", "dhl", "health net",
//!   "international business machines");
//! - *short* when it is one word of two characters (three with a digit: "3m") that is not
//!   weak ("gm", "pg", "ey"): a name in a request for data (a data word of the agents:
//!   cases, ICMs, bugs, incidents, health... "gm cases", not with a digit: "last 3m cases"),
//!   in a customer slot or list, or written as a name but not as a possessive: so "PG cases",
//!   "What about PG?" and "PG's open cases" are P&G, and "the ball's in PG's court" and "see pg
//!   3" are not;
//! - *weak* when every word is weak. One vocabulary word (the analyzer's own: "insider",
//!   "risk", "audit", "health") is a name only in a customer position: a possessive or a
//!   slot ("cases for insider", "Insider's cases"; never "Insider Risk alerts"). Other weak
//!   windows need a sign: capitalized mid-sentence and not after a determiner ("cases at
//!   Target"), several capitalized words ("Delta Air Lines"), all caps in a text that is not
//!   all caps ("SHELL", "UPS cases"), a possessive not after a determiner ("target's cases",
//!   not "the delta's size"), or a customer slot or list. Three weak words or more are a name
//!   in any case ("delta air lines"), and two are in a request for data ("best buy open
//!   cases", "capital one cases"), never without ("the best buy for a laptop"). In a Title
//!   Cased Request capitals are no sign, nor all caps in a shouted one. One more sign: a weak
//!   name right before the data it asks about, perhaps with status or severity words between
//!   ("visa cases", "ups open cases", "show target sev a incidents"), unless after a
//!   determiner ("the target cases"), in a fixed phrase ("test cases", "edge cases", "use
//!   cases"), or when that data word starts another registry name ("principal health net").
//!   "the service principal" is not Principal Financial Group; "ups and downs" is not UPS.
//!
//! A **customer slot** is "for X" or "customer/client/account/tenant X" where X ends the noun
//! phrase: at the end of a clause, or before a list word (and, or, vs, versus, &), "have", a
//! status (open, active, closed...), a data word, a time word (last, this, since, a month,
//! a number) or a preposition opening a time phrase ("for target in the last 30 days"); not
//! "for target dates" or "a fix for delta between runs". "does X have" is a slot too. A
//! **list** item is a window right after a found (or reported) mention and a list word, a
//! comma, "/" or "+" ("ford and gm", "ford & gm", "ford, gm and toyota", "ford vs gm",
//! "ford/gm"), that ends a noun phrase as a slot does.
//!
//! At each word, in order:
//! 1. **Tenant ids.** A tenant id (a GUID, braces allowed) is its customer, match `exact`, the
//!    id as mention: the one way to name one of two customers of the same name. An id no
//!    customer has is unresolved in a customer slot, ignored elsewhere (a correlation id).
//! 2. **Known names.** A window whose key a name or alias claims and that the rules above
//!    accept. A legal suffix in the window ("target corp") is sign enough. Suffixes that are
//!    also ordinary words ("limited", "company", "co", "se", "na") join a name in lower case
//!    only when the words are then a name or alias as written ("ford motor company"; "Contoso
//!    limited access" is "Contoso"). A name followed by capitalized words ending in a legal
//!    suffix or company word is part of a longer company name ("Toyota Motors Inc", "Ford
//!    Credit LLC"): not that customer. "Ford's" is Ford.
//! 3. **Typos.** A word of four letters or more that is not weak, not a legal suffix and not
//!    a word of any registry name, written or placed as a name (capitalized outside a Title
//!    Cased Request, all caps, a possessive, in a slot or list, right before a data word
//!    possibly after status and vocabulary words: "toyta cases", "toyta open sev a cases"),
//!    or a plural-looking possessive of a strong name ("fords"), is corrected to registry
//!    words within one edit (two for words of eight letters or more; a swap is one edit)
//!    through a deletion index (`fuzzy.rs`). A window that then becomes a key resolves with
//!    match `fuzzy` and confidence 1 - edits/length, when exactly one customer is the closest
//!    (no other at the same number of edits) and the similarity is at least 0.75 ("Toyta" is
//!    Toyota Motor Corporation, "Fnord" and "fords" are Ford, "Fordd" is the customer
//!    claiming "Ford", never Ford Foundation). Otherwise it is unresolved, with the closest
//!    names as suggestions. A corrected name of weak words needs a sign ("Shel script" is not
//!    Shell). A longer window with a typo beats a shorter exact one ("Ford Foundatoin").
//! 4. **Leading words.** Words that only begin registry names are never resolved, however
//!    unique: "Deutsche" (two names start so) is ambiguous between them, and so is "acme"
//!    when two customers are called Acme Holdings; "Adventure" (only Adventure Works) is
//!    reported unresolved with that name as its suggestion when it looks like a name, else
//!    ignored. Weak words need a sign here too; a strong legal suffix after them ("acme
//!    corp") makes a longer, unknown name.
//! 5. **Unknown companies.** Reported unresolved, never dropped: capitalized words ending in a
//!    legal suffix or company word ("Acme Corp", "Umbrella Holdings"); a capitalized uncommon
//!    word after for/at/with/about/from/customer or possessive ("Globex's"); and, in any case,
//!    the run of words that are neither common nor vocabulary (a company word or legal suffix
//!    may follow) filling a customer slot or list ("cases for acme corp", "does zzyzx have",
//!    "for Ford and Acme", "cases for MSFT"); in lower case only in a request for data or a
//!    list ("PowerShell script for metadata" is nothing). A word that is a registry name is
//!    never an unknown company. A slot holding only symbols, numbers and junk words ("cases
//!    for ' OR 1=1 --") is unresolved as written after "for", trimmed, so it is never read as
//!    "all customers".
//!
//! # Cost
//! Loading builds one map from normalized key to customers (one id inline, no allocation) and
//! one from key token to the longest key it starts; a window only grows over words in some
//! key. The prefix, tenant id and typo indexes are built on the first request that needs them;
//! no request costs time in proportion to the registry.
//!
//! Long input is bounded, so no registry row and no request can make a lookup slow (issue 14.2:
//! a 30,000-character name cost seconds per request): a name or alias is at most
//! [`MAX_NAME_CHARS`] characters (a longer one is a row error, never truncated), and so is a
//! name looked up ([`check_name_length`]; `resolve` finds nothing for a longer one). Only words
//! of at most `fuzzy::MAX_WORD_CHARS` characters are corrected as typos or indexed for them
//! (the deletion index grows with the square of a word's length), at most 16 words of a
//! request are looked up as typos (`scan::scanner::MAX_TYPO_LOOKUPS`), and similarity scoring
//! (the candidates of `resolve`, the suggestions of one scan) stops after a fixed number of
//! edit-distance cells (`resolve::MAX_SIMILARITY_CELLS`). So a lookup costs time linear in the
//! request and a bounded amount per candidate: the worst case (`benches/registry.rs`,
//! `registry_worst/*`: 1,000 names at the limit sharing words with the lookup) is about a
//! millisecond per name looked up and two per request of `max_request_chars` packed with long
//! names and typos, against microseconds for real ones.
//! That is small enough for the callers to run it on an async worker rather than hop to the
//! blocking pool.
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
mod guid;
mod index;
mod load;
mod normalize;
mod resolve;
mod scan;

pub use guid::{canonical_tenant_id, format_guid};
use index::Index;
pub(crate) use normalize::is_legal_suffix;

/// Most characters in a customer name or alias, and in a name looked up (`orca customers NAME`,
/// HTTP `/v1/customers?q=`, MCP `resolve_customer`). Real company names are under 100
/// characters, and the longest registered legal names run to about 150; 200 leaves room for
/// those while bounding every per-name cost (an edit distance is quadratic in the length).
pub const MAX_NAME_CHARS: usize = 200;

/// A name looked up that is longer than [`MAX_NAME_CHARS`]: refused, never truncated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the customer name is {chars} characters long; at most {MAX_NAME_CHARS} are accepted")]
pub struct NameTooLong {
    /// Characters in the name as given (trimmed).
    pub chars: usize,
}

/// Refuses a name to look up that is longer than [`MAX_NAME_CHARS`] characters (after
/// trimming): callers check it at the edge, so the user reads why nothing was found.
pub fn check_name_length(name: &str) -> Result<(), NameTooLong> {
    let name = name.trim();
    if name.chars().nth(MAX_NAME_CHARS).is_none() {
        return Ok(());
    }
    Err(NameTooLong {
        chars: name.chars().count(),
    })
}

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
            let aliases = load::split_aliases(&customer.aliases.join(";"));
            let checked = load::check_aliases(&aliases)
                .and_then(|()| checker.check(&customer.name, &customer.tenant_id, line));
            match checked {
                Ok(tenant_id) if kept.len() < u32::MAX as usize => {
                    customer.name = customer.name.trim().to_owned();
                    customer.tenant_id = tenant_id;
                    customer.aliases = aliases;
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

    /// The tenant ids (lower case, sorted, distinct) of the customers whose segment is
    /// `segment`, compared trimmed and ignoring ASCII case ("mcs" is "MCS").
    pub fn segment_tenants(&self, segment: &str) -> Vec<String> {
        let segment = segment.trim();
        let mut tenants: Vec<String> = self
            .customers
            .iter()
            .filter(|c| {
                c.segment
                    .as_deref()
                    .is_some_and(|s| s.trim().eq_ignore_ascii_case(segment))
            })
            .map(|c| c.tenant_id.trim().to_ascii_lowercase())
            .collect();
        tenants.sort();
        tenants.dedup();
        tenants
    }

    pub fn is_empty(&self) -> bool {
        self.customers.is_empty()
    }

    /// Candidates for a name typed on its own (`orca customers "<name>"`), best first, at most
    /// ten; several at confidence 1.0 mean the name is ambiguous. A name longer than
    /// [`MAX_NAME_CHARS`] has none (refuse it first with [`check_name_length`] to say why).
    /// Bounded work whatever the registry holds (see "Cost" above).
    pub fn resolve(&self, name: &str) -> Vec<Candidate> {
        resolve::resolve(self, name)
    }

    /// Finds customer mentions in free text: resolved, ambiguous and unknown ones, with byte
    /// spans of whole words that never overlap. Deterministic; never panics. Knows no
    /// vocabulary beyond the common words (see `scan_with`).
    pub fn scan(&self, text: &str) -> Scan {
        self.scan_with(text, &|_| false)
    }

    /// `scan`, told which folded words belong to the analyzer's own vocabulary (agent keywords,
    /// filter, time and filler words, product areas): such words are weak, so they name a
    /// customer only with a sign of being a name (one vocabulary word alone: only in a
    /// customer slot or as a possessive), they are never corrected as typos and never start an
    /// unknown company. The analyzer masks every span returned.
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
