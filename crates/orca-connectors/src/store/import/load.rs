//! One import in progress: reads each file of the import directory, records its problems, and
//! writes its rows while there is none.
//!
//! Invariant: after the first problem nothing more is written (the caller rolls the transaction
//! back), but the reading goes on, so that the user sees every problem at once.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use csv::ByteRecord;
use indicatif::ProgressBar;

use super::problems::{ImportError, KEPT_PROBLEMS, Problem};
use super::rows::{Row, parse_row};
use crate::store::model::data_files::{DOCS_DIR, DataFile};
use crate::store::model::{DocRow, markdown_title};
use crate::store::write::Sink;

/// One import in progress.
pub(super) struct Load<'a, W: Sink> {
    from: &'a Path,
    writer: W,
    problems: Vec<Problem>,
    total_problems: usize,
    tenants: HashSet<String>,
    progress: &'a ProgressBar,
}

/// A header name as compared: no BOM, no whitespace or `_`, lower case (`Tenant ID` is
/// `TenantId`).
pub(super) fn header_key(name: &str) -> String {
    name.trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

impl<'a, W: Sink> Load<'a, W> {
    /// An import from `from` that writes through `writer` and counts bytes read on `progress`.
    pub(super) fn new(from: &'a Path, writer: W, progress: &'a ProgressBar) -> Self {
        Load {
            from,
            writer,
            problems: Vec::new(),
            total_problems: 0,
            tenants: HashSet::new(),
            progress,
        }
    }

    /// The writer and the distinct tenants of the written rows, or every problem found.
    pub(super) fn finish(self) -> Result<(W, HashSet<String>), ImportError> {
        if self.total_problems > 0 {
            return Err(ImportError::Invalid {
                dir: self.from.to_path_buf(),
                problems: self.problems,
                total: self.total_problems,
            });
        }
        Ok((self.writer, self.tenants))
    }

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
    pub(super) fn csv_file(&mut self, data_file: DataFile) -> Result<u64, ImportError> {
        let file = data_file.file_name();
        let path = self.from.join(file);
        let handle = File::open(&path).map_err(|e| self.read_error(file, e))?;
        let size = handle.metadata().map(|m| m.len()).unwrap_or(0);
        if size == 0 {
            self.problem(file, None, "file is empty (expected a header row)");
            return Ok(0);
        }
        if data_file == DataFile::Registry {
            return self.registry(file, handle, size);
        }
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
        let columns = data_file.columns();
        let mut index = Vec::with_capacity(columns.len());
        let mut missing = Vec::new();
        for column in columns {
            let position = header_names
                .iter()
                .position(|h| *h == header_key(column.name));
            if position.is_none() && column.required {
                missing.push(column.name);
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
            match parse_row(data_file, &record, &index) {
                Ok(row) => {
                    if self.total_problems == 0 {
                        self.write(row)?;
                    }
                }
                Err(reason) => self.problem(file, Some(line), reason),
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
        let tenant = row.tenant_id();
        if !self.tenants.contains(tenant) {
            self.tenants.insert(tenant.to_string());
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
    pub(super) fn docs(&mut self, files: &[PathBuf]) -> Result<u64, ImportError> {
        let mut rows = 0;
        for path in files {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let file = format!("{DOCS_DIR}/{name}");
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
