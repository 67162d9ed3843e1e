//! A [`Sink`] that writes the DESIGN section 6 files (`registry.csv`, `cases.csv`, ...,
//! `docs/*.md`) that `import` reads back.
//!
//! Invariant: each file's header is its [`DataFile::columns`] (the registry adds the demo
//! attribute columns), and each record gives the columns in that order.

use std::fs::File;
use std::path::{Path, PathBuf};

use orca_core::Customer;

use crate::store::StoreError;
use crate::store::model::data_files::DataFile;
use crate::store::model::{
    CaseRow, DocRow, IncidentRow, MetricRow, WorkItemRow, format_date, format_timestamp,
};
use crate::store::write::Sink;

/// Attributes of the demo customers, written as registry columns after the DESIGN ones.
const REGISTRY_ATTRIBUTES: [&str; 2] = ["Region", "Industry"];

/// Writes DESIGN section 6 CSV files (and `docs/*.md`) into one directory.
pub(super) struct CsvSink {
    dir: PathBuf,
    /// One writer per file, in [`DataFile::ALL`] order.
    writers: Vec<csv::Writer<File>>,
}

impl CsvSink {
    /// Creates every CSV file in `dir` with its header row.
    pub(super) fn create(dir: &Path) -> Result<Self, StoreError> {
        let writers = DataFile::ALL
            .into_iter()
            .map(|file| {
                let path = dir.join(file.file_name());
                let mut writer =
                    csv::Writer::from_path(&path).map_err(|source| StoreError::Csv {
                        path: path.clone(),
                        source,
                    })?;
                let mut header: Vec<&str> = file.header().collect();
                if file == DataFile::Registry {
                    header.extend(REGISTRY_ATTRIBUTES);
                }
                writer
                    .write_record(header)
                    .map_err(|source| StoreError::Csv { path, source })?;
                Ok(writer)
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(CsvSink {
            dir: dir.to_path_buf(),
            writers,
        })
    }

    /// Appends one record to `file`.
    fn write<I, T>(&mut self, file: DataFile, record: I) -> Result<(), StoreError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.writers[file as usize]
            .write_record(record)
            .map_err(|source| StoreError::Csv {
                path: self.dir.join(file.file_name()),
                source,
            })
    }

    /// Flushes every file.
    pub(super) fn finish(mut self) -> Result<(), StoreError> {
        for (file, writer) in DataFile::ALL.into_iter().zip(&mut self.writers) {
            writer.flush().map_err(|source| StoreError::Io {
                path: self.dir.join(file.file_name()),
                source,
            })?;
        }
        Ok(())
    }
}

fn opt_time(t: Option<i64>) -> String {
    t.map(format_timestamp).unwrap_or_default()
}

impl Sink for CsvSink {
    fn customer(&mut self, c: &Customer) -> Result<(), StoreError> {
        let mut record = vec![
            c.name.clone(),
            c.tenant_id.clone(),
            c.aliases.join(";"),
            c.segment.clone().unwrap_or_default(),
        ];
        record
            .extend(REGISTRY_ATTRIBUTES.map(|k| c.attributes.get(k).cloned().unwrap_or_default()));
        self.write(DataFile::Registry, &record)
    }

    fn case(&mut self, r: &CaseRow) -> Result<(), StoreError> {
        let record = [
            r.case_number.as_str(),
            &r.tenant_id,
            &r.title,
            r.severity,
            r.status,
            &r.product_area,
            &format_timestamp(r.created_at),
            &opt_time(r.closed_at),
            &r.owner,
        ];
        self.write(DataFile::Cases, record)
    }

    fn incident(&mut self, r: &IncidentRow) -> Result<(), StoreError> {
        let record = [
            r.incident_id.to_string(),
            r.tenant_id.clone(),
            r.severity.to_string(),
            r.status.to_string(),
            r.title.clone(),
            r.owning_team.clone(),
            format_timestamp(r.created_at),
            opt_time(r.mitigated_at),
            opt_time(r.resolved_at),
            r.case_number.clone().unwrap_or_default(),
        ];
        self.write(DataFile::Incidents, &record)
    }

    fn work_item(&mut self, r: &WorkItemRow) -> Result<(), StoreError> {
        let record = [
            r.id.to_string(),
            r.work_item_type.to_string(),
            r.state.to_string(),
            r.title.clone(),
            r.area_path.clone(),
            r.tenant_id.clone(),
            r.tags.clone(),
            format_timestamp(r.created_at),
            r.incident_id.map(|i| i.to_string()).unwrap_or_default(),
        ];
        self.write(DataFile::WorkItems, &record)
    }

    fn metric(&mut self, r: &MetricRow) -> Result<(), StoreError> {
        let record = [
            r.tenant_id.clone(),
            format_date(r.date),
            r.metric.clone(),
            r.value.to_string(),
        ];
        self.write(DataFile::TenantMetrics, &record)
    }

    fn doc(&mut self, r: &DocRow) -> Result<(), StoreError> {
        let path = self.dir.join(&r.path);
        std::fs::write(&path, &r.body).map_err(|source| StoreError::Io { path, source })
    }
}
