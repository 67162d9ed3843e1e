//! Writing rows: prepared upserts for every table, and the bulk-load settings around them.
//!
//! Invariant: every write is an upsert keyed by the row's id (case number, incident id, work item
//! id, tenant + metric + date, doc path, tenant id), so loading the same rows twice changes nothing.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, Statement, params};

use super::StoreError;
use super::model::{CaseRow, DocRow, IncidentRow, MetricRow, WorkItemRow};
use super::schema::SECONDARY_INDEXES;

/// Where generated or imported rows go: the store or CSV files.
pub(crate) trait Sink {
    fn customer(&mut self, customer: &orca_core::Customer) -> Result<(), StoreError>;
    fn case(&mut self, row: &CaseRow) -> Result<(), StoreError>;
    fn incident(&mut self, row: &IncidentRow) -> Result<(), StoreError>;
    fn work_item(&mut self, row: &WorkItemRow) -> Result<(), StoreError>;
    fn metric(&mut self, row: &MetricRow) -> Result<(), StoreError>;
    fn doc(&mut self, row: &DocRow) -> Result<(), StoreError>;
}

/// Settings for one big write transaction: no fsync per commit, a large page cache, temp in RAM.
/// Durability of the store before the load is unaffected (WAL); a crash mid-load loses the load.
pub(crate) fn bulk_settings(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    conn.execute_batch(
        "PRAGMA synchronous = OFF; PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY;",
    )
    .map_err(|e| StoreError::sqlite(path, e))
}

/// Run after a load's commit (best effort): fresh statistics of the cases table, whose indexes the
/// shaped queries choose between by them (issue 12: without them the planner reads the open cases
/// through `cases_status_severity` and sorts instead of walking `cases_open_created`; ~0.2 s on
/// 367k cases), `PRAGMA optimize` for the rest, and a small WAL.
pub(crate) const POST_LOAD_SQL: &str =
    "ANALYZE cases; PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE);";

/// Drops the secondary indexes (inside the load's transaction).
pub(crate) fn drop_indexes(conn: &Connection) -> rusqlite::Result<()> {
    for (name, _) in SECONDARY_INDEXES {
        conn.execute_batch(&format!("DROP INDEX IF EXISTS {name}"))?;
    }
    Ok(())
}

/// Creates the secondary indexes again (inside the load's transaction).
pub(crate) fn create_indexes(conn: &Connection) -> rusqlite::Result<()> {
    for (_, sql) in SECONDARY_INDEXES {
        conn.execute_batch(sql)?;
    }
    Ok(())
}

/// Records a provenance value in `meta`.
pub(crate) fn set_meta(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )
    .map(drop)
}

/// Prepared upserts for every table, borrowed from one (transaction's) connection.
pub(crate) struct RowWriter<'c> {
    path: PathBuf,
    customer: Statement<'c>,
    case: Statement<'c>,
    incident: Statement<'c>,
    work_item: Statement<'c>,
    metric: Statement<'c>,
    doc: Statement<'c>,
}

impl<'c> RowWriter<'c> {
    pub(crate) fn new(conn: &'c Connection, path: &Path) -> Result<Self, StoreError> {
        let prepare = |sql: &str| conn.prepare(sql).map_err(|e| StoreError::sqlite(path, e));
        Ok(RowWriter {
            path: path.to_path_buf(),
            customer: prepare(
                "INSERT INTO registry (tenant_id, name, aliases, segment, attributes) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (tenant_id) DO UPDATE SET name = excluded.name, aliases = excluded.aliases, \
                 segment = excluded.segment, attributes = excluded.attributes",
            )?,
            case: prepare(
                "INSERT INTO cases (case_number, tenant_id, title, severity, status, product_area, created_at, closed_at, owner) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
                 ON CONFLICT (case_number) DO UPDATE SET tenant_id = excluded.tenant_id, title = excluded.title, \
                 severity = excluded.severity, status = excluded.status, product_area = excluded.product_area, \
                 created_at = excluded.created_at, closed_at = excluded.closed_at, owner = excluded.owner",
            )?,
            incident: prepare(
                "INSERT INTO incidents (incident_id, tenant_id, severity, status, title, owning_team, created_at, mitigated_at, resolved_at, case_number) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) \
                 ON CONFLICT (incident_id) DO UPDATE SET tenant_id = excluded.tenant_id, severity = excluded.severity, \
                 status = excluded.status, title = excluded.title, owning_team = excluded.owning_team, \
                 created_at = excluded.created_at, mitigated_at = excluded.mitigated_at, \
                 resolved_at = excluded.resolved_at, case_number = excluded.case_number",
            )?,
            work_item: prepare(
                "INSERT INTO work_items (id, work_item_type, state, title, area_path, tenant_id, tags, created_at, incident_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
                 ON CONFLICT (id) DO UPDATE SET work_item_type = excluded.work_item_type, state = excluded.state, \
                 title = excluded.title, area_path = excluded.area_path, tenant_id = excluded.tenant_id, \
                 tags = excluded.tags, created_at = excluded.created_at, incident_id = excluded.incident_id",
            )?,
            metric: prepare(
                "INSERT INTO tenant_metrics (tenant_id, metric, date, value) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (tenant_id, metric, date) DO UPDATE SET value = excluded.value",
            )?,
            doc: prepare(
                "INSERT INTO docs (path, title, body) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (path) DO UPDATE SET title = excluded.title, body = excluded.body \
                 WHERE title IS NOT excluded.title OR body IS NOT excluded.body",
            )?,
        })
    }

    fn wrap(&self, result: rusqlite::Result<usize>) -> Result<(), StoreError> {
        result
            .map(drop)
            .map_err(|e| StoreError::sqlite(&self.path, e))
    }
}

impl Sink for RowWriter<'_> {
    fn customer(&mut self, c: &orca_core::Customer) -> Result<(), StoreError> {
        let attributes = serde_json::to_string(&c.attributes).unwrap_or_else(|_| "{}".into());
        let result = self.customer.execute(params![
            c.tenant_id,
            c.name,
            c.aliases.join(";"),
            c.segment,
            attributes
        ]);
        self.wrap(result)
    }

    fn case(&mut self, r: &CaseRow) -> Result<(), StoreError> {
        let result = self.case.execute(params![
            r.case_number,
            r.tenant_id,
            r.title,
            r.severity,
            r.status,
            r.product_area,
            r.created_at,
            r.closed_at,
            r.owner
        ]);
        self.wrap(result)
    }

    fn incident(&mut self, r: &IncidentRow) -> Result<(), StoreError> {
        let result = self.incident.execute(params![
            r.incident_id,
            r.tenant_id,
            r.severity,
            r.status,
            r.title,
            r.owning_team,
            r.created_at,
            r.mitigated_at,
            r.resolved_at,
            r.case_number
        ]);
        self.wrap(result)
    }

    fn work_item(&mut self, r: &WorkItemRow) -> Result<(), StoreError> {
        let result = self.work_item.execute(params![
            r.id,
            r.work_item_type,
            r.state,
            r.title,
            r.area_path,
            r.tenant_id,
            r.tags,
            r.created_at,
            r.incident_id
        ]);
        self.wrap(result)
    }

    fn metric(&mut self, r: &MetricRow) -> Result<(), StoreError> {
        let result = self
            .metric
            .execute(params![r.tenant_id, r.metric, r.date, r.value]);
        self.wrap(result)
    }

    fn doc(&mut self, r: &DocRow) -> Result<(), StoreError> {
        let result = self.doc.execute(params![r.path, r.title, r.body]);
        self.wrap(result)
    }
}
