//! `orca data import --target postgres`: loads a data directory into PostgreSQL.
//!
//! Invariant: all or nothing. The directory is read and checked first, exactly as the store's
//! import checks it ([`crate::read_dir`]: every bad row with its file and line, nothing sent
//! when there is one). Then one transaction migrates the schema (under its advisory lock),
//! binary-COPYs each table's rows into a temporary table and upserts them into the real one
//! (`INSERT ... ON CONFLICT DO UPDATE`, keyed by the row's id as the store's writer is), and
//! records provenance in `meta`. Any failure rolls the whole transaction back: a failed import
//! leaves the tables as they were (or absent, when it would have created them). Importing the
//! same files twice changes nothing: an upsert writes a row only when a value differs.
//!
//! Decision: a file's row count in the summary is the rows it holds after the read (a row
//! repeating an earlier id within a file replaces it, as in the store, and is counted once).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::pin::pin;
use std::time::Instant;

use chrono::Utc;
use indicatif::ProgressBar;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{NoTls, Transaction};

use super::{check_schema_name, describe, parse_url, schema};
use crate::store::model::data_files::{DOCS_DIR, DataFile};
use crate::store::model::format_timestamp;
use crate::store::{DataSet, ImportError, ImportSummary, ImportedFile};

/// Why an import into PostgreSQL failed; in every case the tables are unchanged.
#[derive(Debug, thiserror::Error)]
pub enum PgImportError {
    /// The directory could not be read, or has bad rows (every problem with file and line).
    #[error(transparent)]
    Read(#[from] ImportError),
    /// The URL or the schema name cannot be used.
    #[error("the PostgreSQL target {0}")]
    Config(String),
    /// PostgreSQL failed or refused the load (classified, in one sentence).
    #[error("{0}; PostgreSQL was not changed")]
    Database(String),
}

impl PgImportError {
    fn database(e: tokio_postgres::Error) -> Self {
        PgImportError::Database(describe(&e).1)
    }
}

/// Reads the files of `dir` and loads them into `schema` of the database at `url`, in one
/// transaction. `progress` counts rows.
pub async fn import(
    url: &str,
    schema: &str,
    dir: &Path,
    progress: &ProgressBar,
) -> Result<ImportSummary, PgImportError> {
    let started = Instant::now();
    let pg = parse_url(url).map_err(PgImportError::Config)?;
    check_schema_name(schema).map_err(PgImportError::Config)?;
    let data = crate::read_dir(dir)?;
    progress.set_length(data.total_rows() as u64);
    progress.set_position(0);

    let (mut client, connection) = pg.connect(NoTls).await.map_err(PgImportError::database)?;
    let connection = tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::debug!(%error, "PostgreSQL import connection ended");
        }
    });
    let result = load(&mut client, schema, dir, &data, progress).await;
    drop(client);
    let _ = connection.await;
    let tenants_not_in_registry = result?;
    progress.set_message("done");
    Ok(ImportSummary {
        dir: dir.to_path_buf(),
        total_rows: data.total_rows() as u64,
        files: files_of(dir, &data),
        tenants_not_in_registry,
        elapsed_ms: started.elapsed().as_millis() as u64,
    })
}

/// The files found in `dir` with their rows, as the store's import lists them.
fn files_of(dir: &Path, data: &DataSet) -> Vec<ImportedFile> {
    let mut files: Vec<ImportedFile> = DataFile::ALL
        .into_iter()
        .filter(|f| dir.join(f.file_name()).is_file())
        .map(|f| ImportedFile {
            file: f.file_name().to_string(),
            rows: match f {
                DataFile::Registry => data.customers.len(),
                DataFile::Cases => data.cases.len(),
                DataFile::Incidents => data.incidents.len(),
                DataFile::WorkItems => data.work_items.len(),
                DataFile::TenantMetrics => data.metrics.len(),
            } as u64,
        })
        .collect();
    if !data.docs.is_empty() {
        files.push(ImportedFile {
            file: format!("{DOCS_DIR}/"),
            rows: data.docs.len() as u64,
        });
    }
    files
}

/// The transaction: migrate, stage and upsert every table, record provenance. Returns the
/// number of distinct tenants of the rows that the registry does not list.
async fn load(
    client: &mut tokio_postgres::Client,
    schema: &str,
    dir: &Path,
    data: &DataSet,
    progress: &ProgressBar,
) -> Result<u64, PgImportError> {
    let db = PgImportError::database;
    let tx = client.transaction().await.map_err(db)?;
    schema::migrate_in(&tx, schema).await.map_err(db)?;

    progress.set_message("registry");
    let registry = Table {
        name: "registry",
        columns: &["tenant_id", "name", "aliases", "segment", "attributes"],
        types: &[Type::TEXT, Type::TEXT, Type::TEXT, Type::TEXT, Type::TEXT],
        key: &["tenant_id"],
    };
    copy_upsert(&tx, &registry, &data.customers, progress, |c| {
        let attributes = serde_json::to_string(&c.attributes).unwrap_or_else(|_| "{}".into());
        vec![
            Box::new(c.tenant_id.clone()),
            Box::new(c.name.clone()),
            Box::new(c.aliases.join(";")),
            Box::new(c.segment.clone()),
            Box::new(attributes),
        ]
    })
    .await?;

    progress.set_message("cases");
    let cases = Table {
        name: "cases",
        columns: &[
            "case_number",
            "tenant_id",
            "title",
            "severity",
            "status",
            "product_area",
            "created_at",
            "closed_at",
            "owner",
        ],
        types: &[
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::INT8,
            Type::INT8,
            Type::TEXT,
        ],
        key: &["case_number"],
    };
    copy_upsert(&tx, &cases, &data.cases, progress, |r| {
        vec![
            Box::new(r.case_number.clone()),
            Box::new(r.tenant_id.clone()),
            Box::new(r.title.clone()),
            Box::new(r.severity.to_string()),
            Box::new(r.status.to_string()),
            Box::new(r.product_area.clone()),
            Box::new(r.created_at),
            Box::new(r.closed_at),
            Box::new(r.owner.clone()),
        ]
    })
    .await?;

    progress.set_message("incidents");
    let incidents = Table {
        name: "incidents",
        columns: &[
            "incident_id",
            "tenant_id",
            "severity",
            "status",
            "title",
            "owning_team",
            "created_at",
            "mitigated_at",
            "resolved_at",
            "case_number",
        ],
        types: &[
            Type::INT8,
            Type::TEXT,
            Type::INT8,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::INT8,
            Type::INT8,
            Type::INT8,
            Type::TEXT,
        ],
        key: &["incident_id"],
    };
    copy_upsert(&tx, &incidents, &data.incidents, progress, |r| {
        vec![
            Box::new(r.incident_id),
            Box::new(r.tenant_id.clone()),
            Box::new(r.severity),
            Box::new(r.status.to_string()),
            Box::new(r.title.clone()),
            Box::new(r.owning_team.clone()),
            Box::new(r.created_at),
            Box::new(r.mitigated_at),
            Box::new(r.resolved_at),
            Box::new(r.case_number.clone()),
        ]
    })
    .await?;

    progress.set_message("work items");
    let work_items = Table {
        name: "work_items",
        columns: &[
            "id",
            "work_item_type",
            "state",
            "title",
            "area_path",
            "tenant_id",
            "tags",
            "created_at",
            "incident_id",
        ],
        types: &[
            Type::INT8,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::INT8,
            Type::INT8,
        ],
        key: &["id"],
    };
    copy_upsert(&tx, &work_items, &data.work_items, progress, |r| {
        vec![
            Box::new(r.id),
            Box::new(r.work_item_type.to_string()),
            Box::new(r.state.to_string()),
            Box::new(r.title.clone()),
            Box::new(r.area_path.clone()),
            Box::new(r.tenant_id.clone()),
            Box::new(r.tags.clone()),
            Box::new(r.created_at),
            Box::new(r.incident_id),
        ]
    })
    .await?;

    progress.set_message("tenant metrics");
    let metrics = Table {
        name: "tenant_metrics",
        columns: &["tenant_id", "metric", "date", "value"],
        types: &[Type::TEXT, Type::TEXT, Type::INT8, Type::FLOAT8],
        key: &["tenant_id", "metric", "date"],
    };
    copy_upsert(&tx, &metrics, &data.metrics, progress, |r| {
        vec![
            Box::new(r.tenant_id.clone()),
            Box::new(r.metric.clone()),
            Box::new(r.date),
            Box::new(r.value),
        ]
    })
    .await?;

    progress.set_message(DOCS_DIR);
    let docs = Table {
        name: "docs",
        columns: &["path", "title", "body"],
        types: &[Type::TEXT, Type::TEXT, Type::TEXT],
        key: &["path"],
    };
    copy_upsert(&tx, &docs, &data.docs, progress, |r| {
        vec![
            Box::new(r.path.clone()),
            Box::new(r.title.clone()),
            Box::new(r.body.clone()),
        ]
    })
    .await?;

    let tenants: BTreeSet<&str> = data
        .cases
        .iter()
        .map(|r| r.tenant_id.as_str())
        .chain(data.incidents.iter().map(|r| r.tenant_id.as_str()))
        .chain(data.work_items.iter().map(|r| r.tenant_id.as_str()))
        .chain(data.metrics.iter().map(|r| r.tenant_id.as_str()))
        .collect();
    let tenants: Vec<&str> = tenants.into_iter().collect();
    let not_in_registry: i64 = tx
        .query_one(
            "SELECT count(*) FROM unnest($1::text[]) u(t) \
             WHERE NOT EXISTS (SELECT 1 FROM registry r WHERE r.tenant_id = u.t)",
            &[&tenants],
        )
        .await
        .and_then(|row| row.try_get(0))
        .map_err(db)?;
    let imported_from: PathBuf = dir.to_path_buf();
    for (key, value) in [
        ("imported_at", format_timestamp(Utc::now().timestamp())),
        ("imported_from", imported_from.display().to_string()),
    ] {
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&key, &value],
        )
        .await
        .map_err(db)?;
    }
    tx.commit().await.map_err(db)?;
    Ok(not_in_registry.max(0) as u64)
}

/// One table's load: its columns (in COPY order, with their types) and its conflict key.
struct Table {
    name: &'static str,
    columns: &'static [&'static str],
    types: &'static [Type],
    key: &'static [&'static str],
}

/// COPYs `rows` (binary) into a temporary copy of `table`, then upserts them into the table.
async fn copy_upsert<T>(
    tx: &Transaction<'_>,
    table: &Table,
    rows: &[T],
    progress: &ProgressBar,
    values: impl Fn(&T) -> Vec<Box<dyn ToSql + Sync + Send>>,
) -> Result<(), PgImportError> {
    if rows.is_empty() {
        return Ok(());
    }
    let db = PgImportError::database;
    let stage = format!("orca_stage_{}", table.name);
    let columns = table.columns.join(", ");
    // Names are this module's constants, never input.
    tx.batch_execute(&format!(
        "CREATE TEMP TABLE {stage} (LIKE {} INCLUDING DEFAULTS) ON COMMIT DROP",
        table.name
    ))
    .await
    .map_err(db)?;
    let sink = tx
        .copy_in(&format!("COPY {stage} ({columns}) FROM STDIN BINARY"))
        .await
        .map_err(db)?;
    let mut writer = pin!(BinaryCopyInWriter::new(sink, table.types));
    for (i, row) in rows.iter().enumerate() {
        let boxed = values(row);
        let refs: Vec<&(dyn ToSql + Sync)> = boxed
            .iter()
            .map(|v| v.as_ref() as &(dyn ToSql + Sync))
            .collect();
        writer.as_mut().write(&refs).await.map_err(db)?;
        if i % 4096 == 4095 {
            progress.inc(4096);
        }
    }
    writer.finish().await.map_err(db)?;
    progress.inc((rows.len() % 4096) as u64);
    let values: Vec<&str> = table
        .columns
        .iter()
        .copied()
        .filter(|c| !table.key.contains(c))
        .collect();
    // Only changed rows are written: a re-import of the same files writes nothing.
    let action = if values.is_empty() {
        "NOTHING".to_string()
    } else {
        let set: Vec<String> = values
            .iter()
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();
        let old: Vec<String> = values
            .iter()
            .map(|c| format!("{}.{c}", table.name))
            .collect();
        let new: Vec<String> = values.iter().map(|c| format!("excluded.{c}")).collect();
        format!(
            "UPDATE SET {} WHERE ({}) IS DISTINCT FROM ({})",
            set.join(", "),
            old.join(", "),
            new.join(", ")
        )
    };
    tx.batch_execute(&format!(
        "INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage} \
         ON CONFLICT ({key}) DO {action}",
        table = table.name,
        key = table.key.join(", "),
    ))
    .await
    .map_err(db)?;
    Ok(())
}
