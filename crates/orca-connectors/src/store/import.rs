//! `orca data import --dir DIR`: loads the DESIGN section 6 files found in DIR into the store.
//!
//! Invariant: all or nothing. Every file is read in one write transaction; each bad row is
//! recorded as `file:line: reason` and the reading goes on (so the user sees every problem at
//! once), but after the first problem nothing more is written and the transaction is rolled back:
//! a failed import leaves the store exactly as it was. Rows are upserted by id, so importing the
//! same files twice changes nothing.
//!
//! Decisions:
//! - Header names match exactly, or ignoring case, spaces and underscores (`Tenant ID` is
//!   `TenantId`). Required columns: the ids, TenantId, Severity/Status/State/WorkItemType,
//!   CreatedAt, and all four metric columns; a missing optional column (Title, Owner, ClosedAt,
//!   Tags, ...) reads as empty. Extra columns are ignored.
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

use std::collections::HashSet;
use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Instant;

use chrono::Utc;
use csv::ByteRecord;
use indicatif::ProgressBar;
use rusqlite::types::Value;
use serde::Serialize;

use super::model::{
    CaseRow, DocRow, IncidentRow, MetricRow, WorkItemRow, format_timestamp, markdown_title,
    parse_case_severity, parse_case_status, parse_date, parse_incident_severity,
    parse_incident_status, parse_tenant_id, parse_timestamp, parse_work_item_state,
    parse_work_item_type,
};
use super::write::{POST_LOAD_SQL, RowWriter, Sink, bulk_settings, set_meta};
use super::{StoreError, db_path, open_writer};

/// Problems kept for the error (the message shows the first [`SHOWN_PROBLEMS`]).
const KEPT_PROBLEMS: usize = 1000;
/// Problems shown in the error message.
pub const SHOWN_PROBLEMS: usize = 20;

/// The files `import` looks for, in load order (`docs/` comes last).
pub const IMPORT_FILES: [&str; 5] = [
    "registry.csv",
    "cases.csv",
    "incidents.csv",
    "work_items.csv",
    "tenant_metrics.csv",
];

/// One problem found in the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// File name relative to the import directory (`cases.csv`, `docs/x.md`).
    pub file: String,
    /// 1-based line (the header is line 1); none for whole-file problems.
    pub line: Option<u64>,
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.reason),
            None => write!(f, "{}: {}", self.file, self.reason),
        }
    }
}

/// Why an import failed. The store is unchanged in every case.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(
        "nothing to import in {}: expected any of registry.csv, cases.csv, incidents.csv, work_items.csv, tenant_metrics.csv, docs/*.md",
        dir.display()
    )]
    NothingToImport { dir: PathBuf },
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Bad rows or files: `problems` holds the first 1000, `total` counts all.
    #[error("{}", invalid_message(dir, problems, *total))]
    Invalid {
        dir: PathBuf,
        problems: Vec<Problem>,
        total: usize,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid_message(dir: &Path, problems: &[Problem], total: usize) -> String {
    let mut message = format!(
        "import from {} failed with {total} error{}; the store was not changed",
        dir.display(),
        if total == 1 { "" } else { "s" }
    );
    for problem in problems.iter().take(SHOWN_PROBLEMS) {
        message.push_str(&format!("\n  {problem}"));
    }
    if total > SHOWN_PROBLEMS {
        message.push_str(&format!("\n  ... and {} more", total - SHOWN_PROBLEMS));
    }
    message
}

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

/// Imports the files found in `from` into the store in `dir` (created if needed), in one
/// transaction. `progress` counts bytes read.
pub fn import(
    dir: &Path,
    from: &Path,
    progress: &ProgressBar,
) -> Result<ImportSummary, ImportError> {
    let started = Instant::now();
    let csv_files: Vec<&str> = IMPORT_FILES
        .into_iter()
        .filter(|f| from.join(f).is_file())
        .collect();
    let docs = markdown_files(&from.join("docs"))?;
    if csv_files.is_empty() && docs.is_empty() {
        return Err(ImportError::NothingToImport {
            dir: from.to_path_buf(),
        });
    }
    let total_bytes: u64 = csv_files
        .iter()
        .map(|f| from.join(f))
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
    let mut load = Load {
        from,
        writer: RowWriter::new(&tx, &path)?,
        problems: Vec::new(),
        total_problems: 0,
        tenants: HashSet::new(),
        progress,
    };
    let mut files = Vec::new();
    for file in csv_files {
        progress.set_message(file);
        let rows = load.csv_file(file)?;
        files.push(ImportedFile {
            file: file.to_string(),
            rows,
        });
    }
    if !docs.is_empty() {
        progress.set_message("docs");
        let rows = load.docs(&docs)?;
        files.push(ImportedFile {
            file: "docs/".to_string(),
            rows,
        });
    }
    if load.total_problems > 0 {
        // Dropping the transaction rolls everything back.
        return Err(ImportError::Invalid {
            dir: from.to_path_buf(),
            problems: load.problems,
            total: load.total_problems,
        });
    }
    let tenants: Vec<Value> = load.tenants.drain().map(Value::Text).collect();
    drop(load);
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

/// One import in progress.
struct Load<'a, 'c> {
    from: &'a Path,
    writer: RowWriter<'c>,
    problems: Vec<Problem>,
    total_problems: usize,
    tenants: HashSet<String>,
    progress: &'a ProgressBar,
}

/// Which file is being read, and so how a row is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Cases,
    Incidents,
    WorkItems,
    Metrics,
}

impl Kind {
    fn of(file: &str) -> Option<Kind> {
        match file {
            "cases.csv" => Some(Kind::Cases),
            "incidents.csv" => Some(Kind::Incidents),
            "work_items.csv" => Some(Kind::WorkItems),
            "tenant_metrics.csv" => Some(Kind::Metrics),
            _ => None,
        }
    }

    /// (column, required) in DESIGN order.
    fn columns(self) -> &'static [(&'static str, bool)] {
        match self {
            Kind::Cases => &[
                ("CaseNumber", true),
                ("TenantId", true),
                ("Title", false),
                ("Severity", true),
                ("Status", true),
                ("ProductArea", false),
                ("CreatedAt", true),
                ("ClosedAt", false),
                ("Owner", false),
            ],
            Kind::Incidents => &[
                ("IncidentId", true),
                ("TenantId", true),
                ("Severity", true),
                ("Status", true),
                ("Title", false),
                ("OwningTeam", false),
                ("CreatedAt", true),
                ("MitigatedAt", false),
                ("ResolvedAt", false),
                ("CaseNumber", false),
            ],
            Kind::WorkItems => &[
                ("Id", true),
                ("WorkItemType", true),
                ("State", true),
                ("Title", false),
                ("AreaPath", false),
                ("TenantId", true),
                ("Tags", false),
                ("CreatedAt", true),
                ("IncidentId", false),
            ],
            Kind::Metrics => &[
                ("TenantId", true),
                ("Date", true),
                ("Metric", true),
                ("Value", true),
            ],
        }
    }
}

fn header_key(name: &str) -> String {
    name.trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The fields of one row, by DESIGN column, with the row's problems collected.
struct Fields<'r> {
    record: &'r ByteRecord,
    /// Position in the record of each DESIGN column (by `Kind::columns` order).
    index: &'r [Option<usize>],
    names: &'static [(&'static str, bool)],
    reasons: Vec<String>,
}

impl<'r> Fields<'r> {
    fn raw(&mut self, column: usize) -> &'r str {
        let Some(position) = self.index[column] else {
            return "";
        };
        let bytes = self.record.get(position).unwrap_or_default();
        match std::str::from_utf8(bytes) {
            Ok(text) => text.trim(),
            Err(_) => {
                let reason = format!(
                    "{} is not valid UTF-8 (save the file as UTF-8)",
                    self.names[column].0
                );
                self.reasons.push(reason);
                ""
            }
        }
    }

    fn text(&mut self, column: usize) -> String {
        self.raw(column).to_string()
    }

    fn required(&mut self, column: usize) -> Option<&'r str> {
        let value = self.raw(column);
        if value.is_empty() {
            self.reasons
                .push(format!("{} is empty", self.names[column].0));
            return None;
        }
        Some(value)
    }

    fn parsed<T>(
        &mut self,
        column: usize,
        parse: impl Fn(&str) -> Option<T>,
        expected: &str,
    ) -> Option<T> {
        let value = self.required(column)?;
        self.parse_with(column, value, parse, expected)
    }

    fn optional<T>(
        &mut self,
        column: usize,
        parse: impl Fn(&str) -> Option<T>,
        expected: &str,
    ) -> Option<T> {
        let value = self.raw(column);
        if value.is_empty() {
            return None;
        }
        self.parse_with(column, value, parse, expected)
    }

    /// `parse(value)`, recording why when it fails.
    fn parse_with<T>(
        &mut self,
        column: usize,
        value: &str,
        parse: impl Fn(&str) -> Option<T>,
        expected: &str,
    ) -> Option<T> {
        let parsed = parse(value);
        if parsed.is_none() {
            self.reasons.push(format!(
                "{} \"{value}\" is not {expected}",
                self.names[column].0
            ));
        }
        parsed
    }

    fn tenant(&mut self, column: usize) -> Option<String> {
        self.parsed(column, parse_tenant_id, "a tenant GUID")
    }

    fn time(&mut self, column: usize) -> Option<i64> {
        self.parsed(
            column,
            parse_timestamp,
            "an RFC 3339 timestamp (e.g. 2026-03-01T08:15:00Z)",
        )
    }

    fn optional_time(&mut self, column: usize) -> Option<i64> {
        self.optional(
            column,
            parse_timestamp,
            "an RFC 3339 timestamp (e.g. 2026-03-01T08:15:00Z)",
        )
    }

    fn not_before(&mut self, later: Option<i64>, created: Option<i64>, name: &str) {
        if let (Some(later), Some(created)) = (later, created)
            && later < created
        {
            self.reasons.push(format!("{name} is before CreatedAt"));
        }
    }
}

fn parse_id(value: &str) -> Option<i64> {
    value.parse::<i64>().ok().filter(|id| *id > 0)
}

fn parse_metric_name(value: &str) -> Option<String> {
    (!value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_'))
    .then(|| value.to_string())
}

fn parse_value(value: &str) -> Option<f64> {
    value.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A parsed row of any kind.
enum Row {
    Case(CaseRow),
    Incident(IncidentRow),
    WorkItem(WorkItemRow),
    Metric(MetricRow),
}

fn parse_row(kind: Kind, f: &mut Fields<'_>) -> Option<Row> {
    let row = match kind {
        Kind::Cases => {
            let case_number = f.required(0).map(str::to_string);
            let tenant_id = f.tenant(1);
            let title = f.text(2);
            let severity = f.parsed(3, parse_case_severity, "one of A, B, C");
            let status = f.parsed(
                4,
                parse_case_status,
                "one of Active, Waiting, Resolved, Closed",
            );
            let product_area = f.text(5);
            let created_at = f.time(6);
            let closed_at = f.optional_time(7);
            let owner = f.text(8);
            f.not_before(closed_at, created_at, "ClosedAt");
            Row::Case(CaseRow {
                case_number: case_number?,
                tenant_id: tenant_id?,
                title,
                severity: severity?,
                status: status?,
                product_area,
                created_at: created_at?,
                closed_at,
                owner,
            })
        }
        Kind::Incidents => {
            let incident_id = f.parsed(0, parse_id, "a positive integer");
            let tenant_id = f.tenant(1);
            let severity = f.parsed(
                2,
                parse_incident_severity,
                "one of 0, 1, 2, 25 (or 2.5), 3, 4",
            );
            let status = f.parsed(
                3,
                parse_incident_status,
                "one of Active, Mitigated, Resolved",
            );
            let title = f.text(4);
            let owning_team = f.text(5);
            let created_at = f.time(6);
            let mitigated_at = f.optional_time(7);
            let resolved_at = f.optional_time(8);
            let case_number = Some(f.text(9)).filter(|c| !c.is_empty());
            f.not_before(mitigated_at, created_at, "MitigatedAt");
            f.not_before(resolved_at, created_at, "ResolvedAt");
            Row::Incident(IncidentRow {
                incident_id: incident_id?,
                tenant_id: tenant_id?,
                severity: severity?,
                status: status?,
                title,
                owning_team,
                created_at: created_at?,
                mitigated_at,
                resolved_at,
                case_number,
            })
        }
        Kind::WorkItems => {
            let id = f.parsed(0, parse_id, "a positive integer");
            let work_item_type = f.parsed(1, parse_work_item_type, "one of Bug, DCR, Feature");
            let state = f.parsed(
                2,
                parse_work_item_state,
                "one of New, Active, Resolved, Closed",
            );
            let title = f.text(3);
            let area_path = f.text(4);
            let tenant_id = f.tenant(5);
            let tags = f.text(6);
            let created_at = f.time(7);
            let incident_id = f.optional(8, parse_id, "a positive integer");
            Row::WorkItem(WorkItemRow {
                id: id?,
                work_item_type: work_item_type?,
                state: state?,
                title,
                area_path,
                tenant_id: tenant_id?,
                tags,
                created_at: created_at?,
                incident_id,
            })
        }
        Kind::Metrics => {
            let tenant_id = f.tenant(0);
            let date = f.parsed(1, parse_date, "a date (YYYY-MM-DD or RFC 3339)");
            let metric = f.parsed(2, parse_metric_name, "a metric name (letters, digits, _)");
            let value = f.parsed(3, parse_value, "a number");
            Row::Metric(MetricRow {
                tenant_id: tenant_id?,
                date: date?,
                metric: metric?,
                value: value?,
            })
        }
    };
    f.reasons.is_empty().then_some(row)
}

impl Load<'_, '_> {
    fn problem(&mut self, file: &str, line: Option<u64>, reason: impl Into<String>) {
        self.total_problems += 1;
        if self.problems.len() < KEPT_PROBLEMS {
            self.problems.push(Problem {
                file: file.to_string(),
                line,
                reason: reason.into(),
            });
        }
    }

    /// Records a whole file that is not UTF-8, at the line of its first bad byte.
    fn not_utf8(&mut self, file: &str, bytes: &[u8], error: std::str::Utf8Error) {
        let valid = &bytes[..error.valid_up_to()];
        let line = valid.iter().filter(|b| **b == b'\n').count() as u64 + 1;
        self.problem(file, Some(line), "not valid UTF-8 (save the file as UTF-8)");
    }

    fn read_error(&self, file: &str, source: std::io::Error) -> ImportError {
        ImportError::Read {
            path: self.from.join(file),
            source,
        }
    }

    /// Reads one CSV file; returns the rows it holds (valid or not).
    fn csv_file(&mut self, file: &str) -> Result<u64, ImportError> {
        let path = self.from.join(file);
        let handle = File::open(&path).map_err(|e| self.read_error(file, e))?;
        let size = handle.metadata().map(|m| m.len()).unwrap_or(0);
        if size == 0 {
            self.problem(file, None, "file is empty (expected a header row)");
            return Ok(0);
        }
        let Some(kind) = Kind::of(file) else {
            return self.registry(file, handle, size);
        };
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(BufReader::with_capacity(1 << 16, handle));
        let headers = match reader.byte_headers() {
            Ok(h) => h.clone(),
            Err(e) => return Err(self.csv_error(file, e)),
        };
        let Ok(header_names) = headers
            .iter()
            .map(|h| std::str::from_utf8(h).map(header_key))
            .collect::<Result<Vec<String>, _>>()
        else {
            self.problem(
                file,
                Some(1),
                "the header is not valid UTF-8 (save the file as UTF-8)",
            );
            return Ok(0);
        };
        let names = kind.columns();
        let mut index = Vec::with_capacity(names.len());
        let mut missing = Vec::new();
        for (name, required) in names {
            let position = header_names.iter().position(|h| *h == header_key(name));
            if position.is_none() && *required {
                missing.push(*name);
            }
            index.push(position);
        }
        if !missing.is_empty() {
            self.problem(
                file,
                Some(1),
                format!(
                    "missing column{} {}",
                    if missing.len() == 1 { "" } else { "s" },
                    missing.join(", ")
                ),
            );
            return Ok(0);
        }

        let mut record = ByteRecord::new();
        let mut rows = 0u64;
        let mut reported_bytes = 0u64;
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(self.csv_error(file, e)),
            }
            rows += 1;
            let line = record.position().map(|p| p.line()).unwrap_or(rows + 1);
            if record.len() != headers.len() {
                self.problem(
                    file,
                    Some(line),
                    format!("expected {} fields, found {}", headers.len(), record.len()),
                );
                continue;
            }
            let mut fields = Fields {
                record: &record,
                index: &index,
                names,
                reasons: Vec::new(),
            };
            let parsed = parse_row(kind, &mut fields);
            let reasons = fields.reasons;
            match parsed {
                Some(row) if reasons.is_empty() => {
                    if self.total_problems == 0 {
                        self.write(row)?;
                    }
                }
                _ => {
                    let reason = if reasons.is_empty() {
                        "invalid row".to_string()
                    } else {
                        reasons.join("; ")
                    };
                    self.problem(file, Some(line), reason);
                }
            }
            if rows.is_multiple_of(8192) {
                let byte = record.position().map(|p| p.byte()).unwrap_or(0);
                self.progress.inc(byte.saturating_sub(reported_bytes));
                reported_bytes = byte;
            }
        }
        self.progress.inc(size.saturating_sub(reported_bytes));
        Ok(rows)
    }

    fn csv_error(&self, file: &str, e: csv::Error) -> ImportError {
        let line = e
            .position()
            .map(|p| format!(":{}", p.line()))
            .unwrap_or_default();
        match e.into_kind() {
            csv::ErrorKind::Io(source) => self.read_error(file, source),
            other => ImportError::Invalid {
                dir: self.from.to_path_buf(),
                problems: vec![Problem {
                    file: format!("{file}{line}"),
                    line: None,
                    reason: format!("{other:?}"),
                }],
                total: 1,
            },
        }
    }

    fn write(&mut self, row: Row) -> Result<(), ImportError> {
        let tenant = match &row {
            Row::Case(r) => &r.tenant_id,
            Row::Incident(r) => &r.tenant_id,
            Row::WorkItem(r) => &r.tenant_id,
            Row::Metric(r) => &r.tenant_id,
        };
        if !self.tenants.contains(tenant) {
            self.tenants.insert(tenant.clone());
        }
        match &row {
            Row::Case(r) => self.writer.case(r)?,
            Row::Incident(r) => self.writer.incident(r)?,
            Row::WorkItem(r) => self.writer.work_item(r)?,
            Row::Metric(r) => self.writer.metric(r)?,
        }
        Ok(())
    }

    /// `registry.csv` through `Registry::from_csv`; its row errors are import problems.
    fn registry(&mut self, file: &str, mut handle: File, size: u64) -> Result<u64, ImportError> {
        let mut bytes = Vec::with_capacity(size as usize);
        handle
            .read_to_end(&mut bytes)
            .map_err(|e| self.read_error(file, e))?;
        self.progress.inc(size);
        if let Err(e) = std::str::from_utf8(&bytes) {
            self.not_utf8(file, &bytes, e);
            return Ok(0);
        }
        let (registry, row_errors) = match orca_core::Registry::from_csv(bytes.as_slice()) {
            Ok(loaded) => loaded,
            Err(e) => {
                self.problem(file, None, e.to_string());
                return Ok(0);
            }
        };
        for e in &row_errors {
            self.problem(file, Some(e.line), e.reason.clone());
        }
        if self.total_problems == 0 {
            for customer in registry.customers() {
                self.writer.customer(customer)?;
            }
        }
        Ok((registry.len() + row_errors.len()) as u64)
    }

    /// `docs/*.md`: one document each, title from the first heading, upserted by path.
    fn docs(&mut self, files: &[PathBuf]) -> Result<u64, ImportError> {
        let mut rows = 0;
        for path in files {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let file = format!("docs/{name}");
            let bytes = std::fs::read(path).map_err(|source| ImportError::Read {
                path: path.clone(),
                source,
            })?;
            self.progress.inc(bytes.len() as u64);
            rows += 1;
            let body = match String::from_utf8(bytes) {
                Ok(body) if body.trim().is_empty() => {
                    self.problem(&file, None, "file is empty");
                    continue;
                }
                Ok(body) => body,
                Err(e) => {
                    self.not_utf8(&file, e.as_bytes(), e.utf8_error());
                    continue;
                }
            };
            let body = body.trim_start_matches('\u{feff}').replace("\r\n", "\n");
            let title =
                markdown_title(&body).unwrap_or_else(|| name.trim_end_matches(".md").to_string());
            if self.total_problems == 0 {
                self.writer.doc(&DocRow {
                    path: file,
                    title,
                    body,
                })?;
            }
        }
        Ok(rows)
    }
}
