//! [`SourceContext`]: what a connector is built from besides its own settings, and
//! [`SourceConfigError`]: a source's settings that cannot work. Connectors depend on this file,
//! never on the config list of `mod.rs` (which depends on them).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use orca_core::{Customer, SourceKey};

use crate::store::HealthThresholds;

/// What a connector is built from besides its own settings.
#[derive(Debug, Clone)]
pub struct SourceContext {
    /// The source the connector serves.
    pub source: SourceKey,
    /// The customer registry: names for rankings and rows (remote sources hold no registry).
    pub customers: Arc<[Customer]>,
    /// Tenant health verdict thresholds (the `tenant` source).
    pub health: HealthThresholds,
    /// Fixed clock for ages (`--now`); `None` reads the real clock per query.
    pub now: Option<DateTime<Utc>>,
    /// The longest one call to the source may take (the engine's per-task timeout): clients set
    /// their own request timeouts from it, so a connection never outlives the task.
    pub timeout: Duration,
}

impl SourceContext {
    /// A context for tests: the given registry, default thresholds, the real clock, 5 s calls.
    pub fn for_test(source: SourceKey, customers: Vec<Customer>) -> Self {
        SourceContext {
            source,
            customers: customers.into(),
            health: HealthThresholds::default(),
            now: None,
            timeout: Duration::from_secs(5),
        }
    }

    /// Unix seconds of "now" for this context's clock.
    pub fn now_unix(&self) -> i64 {
        self.now.unwrap_or_else(Utc::now).timestamp()
    }

    /// The registry name of a tenant, if it has one.
    pub fn customer_name(&self, tenant_id: &str) -> Option<&str> {
        let tenant_id = tenant_id.trim();
        self.customers
            .iter()
            .find(|c| c.tenant_id.trim().eq_ignore_ascii_case(tenant_id))
            .map(|c| c.name.as_str())
    }
}

/// A source's settings that cannot work, said in one sentence with the setting's path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("[sources.{key}] {message}")]
pub struct SourceConfigError {
    pub key: String,
    pub message: String,
}
