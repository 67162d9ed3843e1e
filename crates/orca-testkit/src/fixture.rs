//! The fixture data set: 30 demo customers (Ford, GM, Toyota, ... with their real tenant ids from
//! the demo registry), their cases, incidents, work items, 90 days of tenant metrics and the demo
//! documents, generated with a fixed seed relative to [`Fixture::NOW`].
//!
//! One data set in three forms, so every connector answers from the same rows:
//! - `dir`: the CSV files and `docs/` of DESIGN section 6 (what `orca data import` and
//!   `orca data import --target postgres` load);
//! - `data`: the same rows in memory ([`DataSet`]), what the loopback fakes serve;
//! - `store`: an embedded store imported from `dir`, the reference the conformance suite
//!   compares every other connector with.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use indicatif::ProgressBar;
use orca_connectors::{DataSet, GenerateOptions, HealthThresholds, OpenMode, Store};
use orca_core::{Connector, Customer, SourceKey};

/// The fixture, in its three forms.
pub struct Fixture {
    /// Holds `dir` and the store's directory; removed on drop.
    _temp: tempfile::TempDir,
    /// The CSV files and `docs/`.
    pub dir: PathBuf,
    /// The same rows in memory.
    pub data: Arc<DataSet>,
    /// An embedded store imported from `dir`.
    pub store: Store,
}

impl std::fmt::Debug for Fixture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fixture").field("dir", &self.dir).finish()
    }
}

impl Fixture {
    /// Customers in the fixture (the first ones of the demo registry).
    pub const CUSTOMERS: usize = 30;
    /// The generator's seed.
    pub const SEED: u64 = 7;

    /// The instant every date of the fixture is relative to, and the clock of its connectors.
    pub fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
    }

    /// Writes the fixture's files, reads them back and imports them into a store.
    pub fn new() -> Fixture {
        let temp = tempfile::tempdir().expect("a temporary directory");
        let dir = temp.path().join("data");
        let options = GenerateOptions {
            seed: Self::SEED,
            customers: Some(Self::CUSTOMERS),
            scale: 1.0,
            now: Self::now(),
        };
        let hidden = ProgressBar::hidden();
        orca_connectors::write_csv(&dir, &options, &hidden).expect("fixture files");
        let data = orca_connectors::read_dir(&dir).expect("fixture files read back");
        let store_dir = temp.path().join("store");
        orca_connectors::import(&store_dir, &dir, &hidden).expect("fixture imported");
        let store = Store::open(&store_dir, OpenMode::ReadOnly).expect("fixture store");
        Fixture {
            _temp: temp,
            dir,
            data: Arc::new(data),
            store,
        }
    }

    /// The fixture's CSV directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The registry.
    pub fn customers(&self) -> Vec<Customer> {
        self.data.customers.clone()
    }

    /// The tenant id of the customer named exactly `name`.
    pub fn tenant(&self, name: &str) -> String {
        self.data
            .customers
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("{name} is not in the fixture"))
            .tenant_id
            .to_ascii_lowercase()
    }

    /// The store's connector of `source`, on the fixture's clock: the reference.
    pub fn store_connector(&self, source: SourceKey) -> Arc<dyn Connector> {
        Arc::new(orca_connectors::StoreConnector::new(
            self.store.clone(),
            source,
            HealthThresholds::default(),
            Some(Self::now()),
        ))
    }
}

impl Default for Fixture {
    fn default() -> Self {
        Fixture::new()
    }
}
