//! `orca data import --dir DIR`: loads the DESIGN section 6 files found in DIR into the store.
//!
//! Invariant: all or nothing. Every file is read in one write transaction; each bad row is
//! recorded as `file:line: reason` and the reading goes on (so the user sees every problem at
//! once), but after the first problem nothing more is written and the transaction is rolled back:
//! a failed import leaves the store exactly as it was. Rows are upserted by id, so importing the
//! same files twice changes nothing.
//!
//! Decisions:
//! - The files and their columns are those of [`DataFile`] (`model/data_files.rs`). Header names
//!   match exactly, or ignoring case, spaces and underscores (`Tenant ID` is `TenantId`).
//!   Required columns: the ids, TenantId, Severity/Status/State/WorkItemType, CreatedAt, and all
//!   four metric columns; a missing optional column (Title, Owner, ClosedAt, Tags, ...) reads as
//!   empty. Extra columns are ignored.
//! - A row with another number of fields than the header is an error, as are an unparseable RFC
//!   3339 timestamp, an unknown severity/status/type/state, a missing or malformed tenant GUID, a
//!   non-numeric IcM or work item id or metric value, a ClosedAt/MitigatedAt/ResolvedAt before
//!   CreatedAt, text that is not UTF-8, and an empty (0-byte) file. A UTF-8 BOM and CRLF line ends
//!   are fine. Metric `Date` may be `YYYY-MM-DD` or RFC 3339 (the UTC day is kept).
//! - Tenants need not be in the registry (the registry may come from `--registry` or the config):
//!   such rows load, and the summary counts those tenants (`tenants_not_in_registry`).
//! - Links (incident CaseNumber, work item IncidentId) are not required to resolve: exports are
//!   often partial. A duplicate id inside one file: the later row wins.
//! - `registry.csv` is parsed by `orca_core::Registry::from_csv`; its row errors fail the import
//!   like any other, and customers are upserted by tenant id.
//!
//! Layout: this file runs the transaction; `load` reads the files, `rows` parses a record into a
//! row, `problems` holds the error and its message.

mod load;
mod problems;
mod rows;

use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Instant;

use chrono::Utc;
use indicatif::ProgressBar;
use rusqlite::types::Value;
use serde::Serialize;

use self::load::Load;
pub use self::problems::{ImportError, Problem, SHOWN_PROBLEMS};
use super::model::data_files::{DOCS_DIR, DataFile};
use super::model::format_timestamp;
use super::write::{
    POST_LOAD_SQL, RowWriter, Sink, bulk_settings, create_indexes, drop_indexes, set_meta,
};
use super::{DataSet, StoreError, db_path, open_writer};

/// The files `import` looks for, in load order (`docs/` comes last).
pub const IMPORT_FILES: [&str; DataFile::ALL.len()] = {
    let mut names = [""; DataFile::ALL.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = DataFile::ALL[i].file_name();
        i += 1;
    }
    names
};

/// Rows loaded from one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedFile {
    pub file: String,
    pub rows: u64,
}

/// What an import loaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub dir: PathBuf,
    pub files: Vec<ImportedFile>,
    pub total_rows: u64,
    /// Distinct tenants in the imported rows that the stored registry does not list.
    pub tenants_not_in_registry: u64,
    pub elapsed_ms: u64,
}

/// Input size from which an import drops the secondary indexes and builds them after the load
/// (about 50,000 case rows).
const REBUILD_INDEXES_FROM_BYTES: u64 = 8 * 1024 * 1024;

/// Imports the files found in `from` into the store in `dir` (created if needed), in one
/// transaction. `progress` counts bytes read.
pub fn import(
    dir: &Path,
    from: &Path,
    progress: &ProgressBar,
) -> Result<ImportSummary, ImportError> {
    let started = Instant::now();
    let (csv_files, docs) = files_in(from)?;
    let total_bytes: u64 = csv_files
        .iter()
        .map(|f| from.join(f.file_name()))
        .chain(docs.iter().cloned())
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    progress.set_length(total_bytes);
    progress.set_position(0);

    let path = db_path(dir);
    let mut conn = open_writer(dir)?;
    bulk_settings(&conn, &path)?;
    rusqlite::vtab::array::load_module(&conn).map_err(|e| StoreError::sqlite(&path, e))?;
    let sql = |e| ImportError::Store(StoreError::sqlite(&path, e));
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(sql)?;
    // A large load writes rows without the secondary indexes and builds them once at the end
    // (as `generate` does): updating every index row by row made a 1M-row import twice as
    // slow. A small import into a big store keeps them (rebuilding would cost more). Index DDL
    // is part of the transaction, so a failed import rolls it back with the rows.
    let rebuild_indexes = total_bytes >= REBUILD_INDEXES_FROM_BYTES;
    if rebuild_indexes {
        drop_indexes(&tx).map_err(sql)?;
    }
    let mut load = Load::new(from, RowWriter::new(&tx, &path)?, progress);
    let files = load_files(&mut load, &csv_files, &docs, progress)?;
    // On problems, dropping the transaction rolls everything back.
    let tenants: Vec<Value> = load.finish()?.1.into_iter().map(Value::Text).collect();
    if rebuild_indexes {
        progress.set_message("building indexes");
        create_indexes(&tx).map_err(sql)?;
    }
    let tenants_not_in_registry: u64 = tx
        .query_row(
            "SELECT count(*) FROM rarray(?1) WHERE value NOT IN (SELECT tenant_id FROM registry)",
            [Rc::new(tenants)],
            |row| row.get(0),
        )
        .map_err(sql)?;
    set_meta(
        &tx,
        "imported_at",
        &format_timestamp(Utc::now().timestamp()),
    )
    .map_err(sql)?;
    set_meta(&tx, "imported_from", &from.display().to_string()).map_err(sql)?;
    tx.commit().map_err(sql)?;
    // Best effort: fresh planner statistics (the cases indexes always: see `POST_LOAD_SQL`)
    // and a small WAL.
    if let Err(error) = conn.execute_batch(POST_LOAD_SQL) {
        tracing::debug!(%error, "post-import optimize skipped");
    }
    progress.set_message("done");
    Ok(ImportSummary {
        dir: from.to_path_buf(),
        total_rows: files.iter().map(|f| f.rows).sum(),
        files,
        tenants_not_in_registry,
        elapsed_ms: started.elapsed().as_millis() as u64,
    })
}

/// The data files and Markdown documents found in `from`; an error when there are none.
fn files_in(from: &Path) -> Result<(Vec<DataFile>, Vec<PathBuf>), ImportError> {
    let csv_files: Vec<DataFile> = DataFile::ALL
        .into_iter()
        .filter(|f| from.join(f.file_name()).is_file())
        .collect();
    let docs = markdown_files(&from.join(DOCS_DIR))?;
    if csv_files.is_empty() && docs.is_empty() {
        return Err(ImportError::NothingToImport {
            dir: from.to_path_buf(),
        });
    }
    Ok((csv_files, docs))
}

/// Reads every file through `load`, one after the other; the rows each file held.
fn load_files<W: Sink>(
    load: &mut Load<'_, W>,
    csv_files: &[DataFile],
    docs: &[PathBuf],
    progress: &ProgressBar,
) -> Result<Vec<ImportedFile>, ImportError> {
    let mut files = Vec::new();
    for &file in csv_files {
        progress.set_message(file.file_name());
        let rows = load.csv_file(file)?;
        files.push(ImportedFile {
            file: file.file_name().to_string(),
            rows,
        });
    }
    if !docs.is_empty() {
        progress.set_message(DOCS_DIR);
        let rows = load.docs(docs)?;
        files.push(ImportedFile {
            file: format!("{DOCS_DIR}/"),
            rows,
        });
    }
    Ok(files)
}

/// Reads the files found in `from` into memory, checked exactly as an import checks them (every
/// problem with its file and line), without touching any store: what remote targets
/// (`orca data import --target postgres`) and client-side evaluation load.
pub fn read_dir(from: &Path) -> Result<DataSet, ImportError> {
    let (csv_files, docs) = files_in(from)?;
    let progress = ProgressBar::hidden();
    let mut load = Load::new(from, DataSet::default(), &progress);
    load_files(&mut load, &csv_files, &docs, &progress)?;
    Ok(load.finish()?.0)
}

impl DataSet {
    /// Adds one row of `file` (cases, incidents, work items or tenant metrics) given as (column,
    /// value) pairs, such as an object a remote source returned, parsed and checked exactly as an
    /// import checks a CSV record: names match as headers do (`Tenant ID` is `TenantId`), other
    /// names are ignored, a missing optional column reads as empty. The error is every reason the
    /// row is bad, joined ("Severity \"7\" is not one of ...; CreatedAt is empty").
    pub fn push_fields(&mut self, file: DataFile, fields: &[(&str, &str)]) -> Result<(), String> {
        let columns = file.columns();
        let mut record = csv::ByteRecord::new();
        let mut index = vec![None; columns.len()];
        for (name, value) in fields {
            // The exact name first: comparing header keys costs allocations, per field per row.
            let at = columns.iter().position(|c| c.name == *name).or_else(|| {
                let key = load::header_key(name);
                columns.iter().position(|c| load::header_key(c.name) == key)
            });
            if let Some(at) = at {
                index[at] = Some(record.len());
                record.push_field(value.as_bytes());
            }
        }
        let written = match rows::parse_row(file, &record, &index)? {
            rows::Row::Case(r) => self.case(&r),
            rows::Row::Incident(r) => self.incident(&r),
            rows::Row::WorkItem(r) => self.work_item(&r),
            rows::Row::Metric(r) => self.metric(&r),
        };
        written.map_err(|e| e.to_string())
    }
}

/// `docs/*.md`, sorted; none when the folder is absent.
fn markdown_files(docs: &Path) -> Result<Vec<PathBuf>, ImportError> {
    if !docs.is_dir() {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(docs).map_err(|source| ImportError::Read {
        path: docs.to_path_buf(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("md")))
        .collect();
    files.sort();
    Ok(files)
}
