//! The customer registry (DESIGN section 3): loading the CSV and resolving mentions to tenants.
//!
//! Invariant: a mention resolves to a tenant only when exactly one customer fits best; ties are
//! reported as ambiguous and look-alikes as unresolved. Precision before recall.
//! (Contract shell: the full implementation lands with the registry work.)

use std::collections::BTreeMap;
use std::io::Read;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::plan::{Ambiguous, MatchKind, Unresolved};

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

/// The loaded registry with its lookup indexes.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    customers: Vec<Customer>,
}

impl Registry {
    /// Parses a registry CSV. Bad rows are skipped and returned; a missing required column or
    /// unreadable CSV is an error.
    pub fn from_csv<R: Read>(_reader: R) -> Result<(Registry, Vec<RowError>), RegistryError> {
        Ok((Registry::default(), Vec::new()))
    }

    /// Builds a registry from rows already parsed (e.g. from the store).
    pub fn from_customers(customers: Vec<Customer>) -> (Registry, Vec<RowError>) {
        (Registry { customers }, Vec::new())
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

    /// Candidates for a name typed on its own (`orca customers "<name>"`), best first.
    pub fn resolve(&self, _name: &str) -> Vec<Candidate> {
        Vec::new()
    }

    /// Finds customer mentions in free text.
    pub fn scan(&self, _text: &str) -> Scan {
        Scan::default()
    }
}
