//! What to generate ([`GenerateOptions`], the demo set's among them) and what was generated
//! ([`GenerateSummary`]).
//!
//! Invariant: the generator only runs on options that passed [`GenerateOptions::validate`]: a
//! finite scale above 0 and at most 100000, and at least one customer.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::store::StoreError;

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateOptions {
    /// Same seed, same data.
    pub seed: u64,
    /// Number of customers: the first N demo customers, then synthetic ones. `None`: the whole
    /// demo registry (222 customers).
    pub customers: Option<usize>,
    /// Multiplies cases, incidents and work items per customer (metrics stay 90 days).
    pub scale: f64,
    /// Every date is relative to this instant.
    pub now: DateTime<Utc>,
}

impl GenerateOptions {
    /// The seed of the demo data set.
    pub const DEMO_SEED: u64 = 42;

    /// The demo data set: every demo customer, scale 1, seed [`Self::DEMO_SEED`].
    pub fn demo(now: DateTime<Utc>) -> Self {
        GenerateOptions {
            seed: Self::DEMO_SEED,
            customers: None,
            scale: 1.0,
            now,
        }
    }

    pub(super) fn validate(&self) -> Result<(), StoreError> {
        if !(self.scale.is_finite() && self.scale > 0.0 && self.scale <= 100_000.0) {
            return Err(StoreError::InvalidOptions(format!(
                "scale must be a number above 0 and at most 100000, got {}",
                self.scale
            )));
        }
        if self.customers == Some(0) {
            return Err(StoreError::InvalidOptions(
                "customers must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GenerateSummary {
    pub seed: u64,
    pub customers: u64,
    pub cases: u64,
    pub incidents: u64,
    pub work_items: u64,
    pub tenant_metrics: u64,
    pub docs: u64,
    pub total_rows: u64,
    pub elapsed_ms: u64,
}
