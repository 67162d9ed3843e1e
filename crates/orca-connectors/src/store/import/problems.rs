//! What is wrong with an import: each bad row or file as a [`Problem`] (`file:line: reason`), and
//! the [`ImportError`] that lists them.
//!
//! Invariant: every `ImportError` means the store was not changed.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::store::StoreError;
use crate::store::model::data_files::{DOCS_DIR, DataFile};

/// Problems kept for the error (the message shows the first [`SHOWN_PROBLEMS`]).
pub(super) const KEPT_PROBLEMS: usize = 1000;
/// Problems shown in the error message.
pub const SHOWN_PROBLEMS: usize = 20;

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
    #[error("nothing to import in {}: expected any of {}", dir.display(), importable_files())]
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

/// "registry.csv, cases.csv, ..., docs/*.md".
fn importable_files() -> String {
    let mut files: Vec<String> = DataFile::ALL
        .iter()
        .map(|f| f.file_name().to_string())
        .collect();
    files.push(format!("{DOCS_DIR}/*.md"));
    files.join(", ")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_to_import_names_every_file() {
        let error = ImportError::NothingToImport {
            dir: PathBuf::from("x"),
        };
        assert_eq!(
            error.to_string(),
            "nothing to import in x: expected any of registry.csv, cases.csv, incidents.csv, \
             work_items.csv, tenant_metrics.csv, docs/*.md"
        );
    }
}
