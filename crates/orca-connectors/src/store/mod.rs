//! The embedded store: one SQLite file (`orca.db`, WAL mode) under the data directory, holding the
//! registry, cases, incidents, work items, tenant metrics and docs (DESIGN section 6).
//!
//! A [`Store`] is a cheap-to-clone handle over a small pool of read-only connections; the agents
//! query through it. Writes happen only in [`generate`] and [`import`], each in one transaction
//! on its own read-write connection, so a reader never sees half a load and a failed load leaves
//! the store exactly as it was.
//!
//! Invariants: a store is never deleted, truncated or recreated by this module (a corrupt or
//! foreign file is reported, not replaced); the schema only moves forward through
//! [`schema`]'s migrations; read-only opens use `SQLITE_OPEN_READ_ONLY`.
//!
//! Decisions:
//! - Timestamps are stored as UTC Unix seconds and rendered as RFC 3339 in rows.
//! - Opening an older store read-only still upgrades it (with a short-lived read-write
//!   connection) so that a new build never refuses an old data directory; a store written by a
//!   newer build is refused.
//! - A 0-byte `orca.db` is an empty SQLite database: it is migrated, and counts as absent for
//!   [`Store::exists`].

pub(crate) mod agents;
mod connector;
mod dataset;
mod demo;
mod generate;
mod import;
pub mod model;
mod schema;
mod write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};
use serde::Serialize;

pub use agents::{HealthThresholds, MAX_LINK_IDS};
pub use connector::StoreConnector;
pub use dataset::DataSet;
pub use demo::DEMO_REGISTRY_CSV;
pub use generate::{GenerateOptions, GenerateSummary, generate, write_csv};
pub use import::{
    IMPORT_FILES, ImportError, ImportSummary, ImportedFile, Problem, SHOWN_PROBLEMS, import,
    read_dir,
};
pub use model::METRICS;
pub use schema::SCHEMA_VERSION;

/// The database file name inside the data directory.
pub const DB_FILE: &str = "orca.db";

/// How long a connection waits on a lock held by a writer before reporting "busy".
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Idle read connections kept for reuse.
const MAX_IDLE_READERS: usize = 8;

/// Why the store could not be opened, read or written. Every message names the file or directory.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create data directory {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "no orca store in {} (run `orca data generate` or `orca data import --dir DIR`)",
        path.display()
    )]
    Missing { path: PathBuf },
    #[error("cannot open store {}: {source}", path.display())]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(
        "{} is not a readable orca store (corrupt or not a SQLite database: {source}); move it away to start over",
        path.display()
    )]
    Corrupt {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("{} is a SQLite database but not an orca store (it has other tables); refusing to change it", path.display())]
    Foreign { path: PathBuf },
    #[error(
        "{} is an empty file, not an orca store; orca never overwrites it: remove it to start over, or point --data elsewhere",
        path.display()
    )]
    EmptyFile { path: PathBuf },
    #[error(
        "store {} has schema version {found}, newer than this build supports ({supported}); upgrade orca",
        path.display()
    )]
    NewerSchema {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("store {}: {source}", path.display())]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Csv { path: PathBuf, source: csv::Error },
    #[error("invalid generate options: {0}")]
    InvalidOptions(String),
}

impl StoreError {
    /// Wraps a SQLite error for `path`, telling corruption apart from other failures.
    pub(crate) fn sqlite(path: &Path, source: rusqlite::Error) -> StoreError {
        if is_corruption(&source) {
            StoreError::Corrupt {
                path: path.to_path_buf(),
                source,
            }
        } else {
            StoreError::Sqlite {
                path: path.to_path_buf(),
                source,
            }
        }
    }
}

fn is_corruption(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
    )
}

/// What a data directory holds ([`Store::probe`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreState {
    /// No store file.
    Missing,
    /// An orca store with no registry rows and no cases (an import that never committed).
    NoData,
    /// An orca store with data.
    Ready,
}

/// Whether a store is opened only to read or may be created and written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// The store must exist; connections are `SQLITE_OPEN_READ_ONLY`.
    ReadOnly,
    /// Creates the directory and the database if needed and applies migrations.
    ReadWrite,
}

/// What the store holds (`orca data stats`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoreStats {
    /// The database file.
    pub path: PathBuf,
    pub schema_version: u32,
    pub size_bytes: u64,
    pub registry: u64,
    pub cases: u64,
    pub incidents: u64,
    pub work_items: u64,
    pub tenant_metrics: u64,
    pub docs: u64,
    /// Distinct tenants with at least one case.
    pub tenants_with_cases: u64,
    /// Oldest and newest case `CreatedAt` (RFC 3339), null when there are no cases.
    pub cases_from: Option<String>,
    pub cases_to: Option<String>,
    /// First and last metric `Date`, null when there are no metrics.
    pub metrics_from: Option<String>,
    pub metrics_to: Option<String>,
    /// Provenance: `generated_seed`, `generated_at`, `generated_now`, `imported_at`,
    /// `imported_from`.
    pub meta: BTreeMap<String, String>,
}

impl StoreStats {
    /// Rows in every table together.
    pub fn total_rows(&self) -> u64 {
        self.registry
            + self.cases
            + self.incidents
            + self.work_items
            + self.tenant_metrics
            + self.docs
    }
}

/// A handle to an opened store: cheap to clone, shareable across threads.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.path)
            .finish()
    }
}

struct Inner {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

/// The database file of the store in `dir`.
pub fn db_path(dir: &Path) -> PathBuf {
    dir.join(DB_FILE)
}

impl Store {
    /// Opens the store in `dir`. `ReadWrite` creates the directory and database and migrates;
    /// `ReadOnly` fails with [`StoreError::Missing`] when there is no database file.
    pub fn open(dir: &Path, mode: OpenMode) -> Result<Store, StoreError> {
        let path = db_path(dir);
        match mode {
            OpenMode::ReadWrite => drop(open_writer(dir)?),
            OpenMode::ReadOnly => {
                if !path.is_file() {
                    return Err(StoreError::Missing {
                        path: dir.to_path_buf(),
                    });
                }
                let reader = open_reader(&path)?;
                let version = checked_version(&reader, &path)?;
                drop(reader);
                if version < schema::SCHEMA_VERSION {
                    drop(open_writer(dir)?);
                }
            }
        }
        let store = Store {
            inner: Arc::new(Inner {
                path: path.clone(),
                idle: Mutex::new(Vec::new()),
            }),
        };
        // Prove a read connection works now, not at the first query.
        let conn = open_reader(&path)?;
        store.give_back(conn);
        Ok(store)
    }

    /// What `dir` holds, without changing anything: no store file, a store without data, or a
    /// store with data. A file that is not an orca store (empty, truncated, corrupt, foreign, or
    /// from a newer build) is an error naming it: callers never create anything over it.
    pub fn probe(dir: &Path) -> Result<StoreState, StoreError> {
        let path = db_path(dir);
        if !path.exists() {
            return Ok(StoreState::Missing);
        }
        let empty_file = || StoreError::EmptyFile { path: path.clone() };
        match std::fs::metadata(&path) {
            Ok(m) if !m.is_file() => {
                return Err(StoreError::Io {
                    path: path.clone(),
                    source: std::io::Error::other("not a regular file"),
                });
            }
            Ok(m) if m.len() == 0 => return Err(empty_file()),
            Ok(_) => {}
            Err(source) => return Err(StoreError::Io { path, source }),
        }
        let conn = open_reader(&path)?;
        if checked_version(&conn, &path)? == 0 {
            // A SQLite file with no tables at all: nothing of orca's was ever written to it.
            return Err(empty_file());
        }
        let has_data = conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM registry) OR EXISTS (SELECT 1 FROM cases)",
                [],
                |row| row.get::<_, bool>(0),
            )
            .map_err(|e| StoreError::sqlite(&path, e))?;
        Ok(if has_data {
            StoreState::Ready
        } else {
            StoreState::NoData
        })
    }

    /// Whether `dir` holds a store with data in it (any registry row or case). Never fails: an
    /// absent, empty, foreign or unreadable file is "no".
    pub fn exists(dir: &Path) -> bool {
        matches!(Store::probe(dir), Ok(StoreState::Ready))
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Row counts, date spans, schema version and provenance.
    pub fn stats(&self) -> Result<StoreStats, StoreError> {
        let path = self.inner.path.clone();
        let conn = self.reader()?;
        let result = read_stats(&conn, &path).map_err(|e| StoreError::sqlite(&path, e));
        self.give_back(conn);
        let mut stats = result?;
        stats.size_bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        Ok(stats)
    }

    /// The customers stored with the data (the demo registry after `generate`, or an imported
    /// `registry.csv`), by name.
    pub fn registry_customers(&self) -> Result<Vec<orca_core::Customer>, StoreError> {
        let conn = self.reader()?;
        let result = read_customers(&conn).map_err(|e| StoreError::sqlite(&self.inner.path, e));
        self.give_back(conn);
        result
    }

    /// The product areas the cases name, as the data writes them (distinct, sorted
    /// case-insensitively): the names the analyzer can recognize in a request ("DLP cases").
    pub fn product_areas(&self) -> Result<Vec<String>, StoreError> {
        let conn = self.reader()?;
        let result = read_product_areas(&conn).map_err(|e| StoreError::sqlite(&self.inner.path, e));
        self.give_back(conn);
        result
    }

    /// The five agents' connectors over this store, using the real clock for ages
    /// ("oldest open case: 12 days").
    pub fn connectors(&self, health: &HealthThresholds) -> Vec<Arc<dyn orca_core::Connector>> {
        self.connectors_at(health, None)
    }

    /// Like [`Store::connectors`], with a fixed clock when `now` is set (`--now`, tests).
    pub fn connectors_at(
        &self,
        health: &HealthThresholds,
        now: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Vec<Arc<dyn orca_core::Connector>> {
        orca_core::SourceKey::ALL
            .into_iter()
            .map(|source| {
                Arc::new(StoreConnector::new(
                    self.clone(),
                    source,
                    health.clone(),
                    now,
                )) as Arc<dyn orca_core::Connector>
            })
            .collect()
    }

    /// Takes an idle read connection or opens a new one.
    pub(crate) fn reader(&self) -> Result<Connection, StoreError> {
        let idle = self
            .inner
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pop();
        match idle {
            Some(conn) => Ok(conn),
            None => open_reader(&self.inner.path),
        }
    }

    /// Returns a read connection to the pool.
    pub(crate) fn give_back(&self, conn: Connection) {
        let mut idle = self
            .inner
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
    }
}

/// Opens a `SQLITE_OPEN_READ_ONLY` connection with `rarray()` available.
fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .and_then(|()| rusqlite::vtab::array::load_module(&conn))
        .map_err(|e| StoreError::sqlite(path, e))?;
    Ok(conn)
}

/// Opens (creating if needed) the read-write connection used by generate and import: WAL mode,
/// migrated to the current schema.
pub(crate) fn open_writer(dir: &Path) -> Result<Connection, StoreError> {
    std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let path = db_path(dir);
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn =
        Connection::open_with_flags(&path, flags).map_err(|source| StoreError::Open {
            path: path.clone(),
            source,
        })?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| StoreError::sqlite(&path, e))?;
    checked_version(&conn, &path)?;
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))
        .map_err(|e| StoreError::sqlite(&path, e))?;
    let from = schema::migrate(&mut conn).map_err(|e| StoreError::sqlite(&path, e))?;
    if from < schema::SCHEMA_VERSION {
        tracing::info!(path = %path.display(), from, to = schema::SCHEMA_VERSION, "migrated store schema");
    }
    Ok(conn)
}

/// Reads the schema version, proving the file is a SQLite database we may use.
fn checked_version(conn: &Connection, path: &Path) -> Result<u32, StoreError> {
    let (version, tables) = conn
        .query_row(
            "SELECT (SELECT user_version FROM pragma_user_version), \
                    (SELECT count(*) FROM sqlite_master WHERE type = 'table')",
            [],
            |row| Ok((row.get::<_, u32>(0)?, row.get::<_, i64>(1)?)),
        )
        .map_err(|source| StoreError::Corrupt {
            path: path.to_path_buf(),
            source,
        })?;
    if version == 0 && tables > 0 {
        return Err(StoreError::Foreign {
            path: path.to_path_buf(),
        });
    }
    if version > schema::SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found: version,
            supported: schema::SCHEMA_VERSION,
        });
    }
    Ok(version)
}

fn count(conn: &Connection, table: &str) -> rusqlite::Result<u64> {
    // `table` is one of our fixed table names, never user text.
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
        row.get(0)
    })
}

fn read_stats(conn: &Connection, path: &Path) -> rusqlite::Result<StoreStats> {
    let (cases_from, cases_to, tenants_with_cases): (Option<i64>, Option<i64>, u64) = conn
        .query_row(
            "SELECT min(created_at), max(created_at), count(DISTINCT tenant_id) FROM cases",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )?;
    let (metrics_from, metrics_to): (Option<i64>, Option<i64>) = conn.query_row(
        "SELECT min(date), max(date) FROM tenant_metrics",
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    let mut meta = BTreeMap::new();
    let mut stmt = conn.prepare("SELECT key, value FROM meta ORDER BY key")?;
    for pair in stmt.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get(1)?)))? {
        let (key, value) = pair?;
        meta.insert(key, value);
    }
    Ok(StoreStats {
        path: path.to_path_buf(),
        schema_version: schema::user_version(conn)?,
        size_bytes: 0,
        registry: count(conn, "registry")?,
        cases: count(conn, "cases")?,
        incidents: count(conn, "incidents")?,
        work_items: count(conn, "work_items")?,
        tenant_metrics: count(conn, "tenant_metrics")?,
        docs: count(conn, "docs")?,
        tenants_with_cases,
        cases_from: cases_from.map(model::format_timestamp),
        cases_to: cases_to.map(model::format_timestamp),
        metrics_from: metrics_from.map(model::format_date),
        metrics_to: metrics_to.map(model::format_date),
        meta,
    })
}

fn read_customers(conn: &Connection) -> Result<Vec<orca_core::Customer>, rusqlite::Error> {
    let mut stmt = conn.prepare(
        "SELECT name, tenant_id, aliases, segment, attributes FROM registry ORDER BY name, tenant_id",
    )?;
    let rows = stmt.query_map([], |row| {
        let aliases: String = row.get(2)?;
        let attributes: String = row.get(4)?;
        Ok(orca_core::Customer {
            name: row.get(0)?,
            tenant_id: row.get(1)?,
            aliases: aliases
                .split(';')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_string)
                .collect(),
            segment: row.get(3)?,
            attributes: serde_json::from_str(&attributes).unwrap_or_default(),
        })
    })?;
    rows.collect()
}

fn read_product_areas(conn: &Connection) -> Result<Vec<String>, rusqlite::Error> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT product_area FROM cases ORDER BY product_area COLLATE NOCASE, product_area",
    )?;
    let rows = stmt.query_map([], |row| row.get(0))?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_old_store_is_upgraded_and_keeps_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut conn = Connection::open(db_path(dir.path())).unwrap();
            schema::migrate_to(&mut conn, 1).unwrap();
            conn.execute(
                "INSERT INTO cases VALUES ('2601010000000001', 'a959ed19-58ec-5b04-a375-0e9a54aff769', \
                 't', 'A', 'Active', 'DLP', 1767225600, NULL, 'o')",
                [],
            )
            .unwrap();
            assert_eq!(schema::user_version(&conn).unwrap(), 1);
        }
        // A read-only open upgrades too (with a short-lived writer).
        let store = Store::open(dir.path(), OpenMode::ReadOnly).unwrap();
        let stats = store.stats().unwrap();
        assert_eq!(stats.schema_version, SCHEMA_VERSION);
        assert_eq!(stats.cases, 1);
        let conn = store.reader().unwrap();
        let index: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'cases_tenant_created'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(index, 1);
    }

    #[test]
    fn a_store_from_a_newer_build_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        drop(open_writer(dir.path()).unwrap());
        {
            let conn = Connection::open(db_path(dir.path())).unwrap();
            conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
                .unwrap();
        }
        let err = Store::open(dir.path(), OpenMode::ReadWrite).unwrap_err();
        assert!(matches!(err, StoreError::NewerSchema { .. }), "{err}");
        assert!(err.to_string().contains("orca.db"), "{err}");
    }

    #[test]
    fn read_connections_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), OpenMode::ReadWrite).unwrap();
        let conn = store.reader().unwrap();
        let err = conn.execute("DELETE FROM cases", []).unwrap_err();
        assert_eq!(err.sqlite_error_code(), Some(ErrorCode::ReadOnly), "{err}");
    }

    #[test]
    fn fts5_is_compiled_in() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE VIRTUAL TABLE t USING fts5(x)")
            .unwrap();
    }
}
