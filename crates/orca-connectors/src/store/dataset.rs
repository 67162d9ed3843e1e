//! [`DataSet`]: the rows of DESIGN section 6 held in memory, and [`DataSet::evaluate`], which
//! answers a [`Query`] over them with exactly the store's semantics.
//!
//! Two uses:
//! - remote targets and fixtures read a data directory into a `DataSet` ([`super::read_dir`]),
//!   checked as an import checks it, and load it elsewhere (PostgreSQL, the loopback fakes);
//! - connectors whose source cannot aggregate (Azure DevOps WIQL cannot group; another MCP
//!   server's tool returns rows) evaluate the shape client-side: the fetched rows go into a
//!   private in-memory SQLite database with the store's schema, and the store's own agents answer
//!   the query. One implementation of the semantics (`agents/`), so a source that only filters
//!   gives the same answer as the store for the same rows. The caller bounds the rows it fetches.

use std::path::Path;

use orca_core::{ConnectorError, Customer, Query, QueryOutput, SourceKey};
use rusqlite::Connection;
use rustc_hash::FxHashMap;

use super::StoreError;
use super::agents::{self, AgentContext, HealthThresholds};
use super::model::{CaseRow, DocRow, IncidentRow, MetricRow, WorkItemRow};
use super::schema;
use super::write::{RowWriter, Sink};

/// Rows of every table, as an import reads them. A row with the id of an earlier one replaces it
/// (an import upserts by id).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DataSet {
    pub customers: Vec<Customer>,
    pub cases: Vec<CaseRow>,
    pub incidents: Vec<IncidentRow>,
    pub work_items: Vec<WorkItemRow>,
    pub metrics: Vec<MetricRow>,
    pub docs: Vec<DocRow>,
    index: Index,
}

/// Positions by id, for the upsert.
#[derive(Debug, Clone, Default, PartialEq)]
struct Index {
    customers: FxHashMap<String, usize>,
    cases: FxHashMap<String, usize>,
    incidents: FxHashMap<i64, usize>,
    work_items: FxHashMap<i64, usize>,
    metrics: FxHashMap<(String, String, i64), usize>,
    docs: FxHashMap<String, usize>,
}

fn upsert<K: std::hash::Hash + Eq, T: Clone>(
    rows: &mut Vec<T>,
    index: &mut FxHashMap<K, usize>,
    key: K,
    row: &T,
) {
    match index.get(&key) {
        Some(&at) => rows[at] = row.clone(),
        None => {
            index.insert(key, rows.len());
            rows.push(row.clone());
        }
    }
}

impl Sink for DataSet {
    fn customer(&mut self, c: &Customer) -> Result<(), StoreError> {
        let key = c.tenant_id.trim().to_ascii_lowercase();
        upsert(&mut self.customers, &mut self.index.customers, key, c);
        Ok(())
    }
    fn case(&mut self, r: &CaseRow) -> Result<(), StoreError> {
        upsert(
            &mut self.cases,
            &mut self.index.cases,
            r.case_number.clone(),
            r,
        );
        Ok(())
    }
    fn incident(&mut self, r: &IncidentRow) -> Result<(), StoreError> {
        upsert(
            &mut self.incidents,
            &mut self.index.incidents,
            r.incident_id,
            r,
        );
        Ok(())
    }
    fn work_item(&mut self, r: &WorkItemRow) -> Result<(), StoreError> {
        upsert(&mut self.work_items, &mut self.index.work_items, r.id, r);
        Ok(())
    }
    fn metric(&mut self, r: &MetricRow) -> Result<(), StoreError> {
        let key = (r.tenant_id.clone(), r.metric.clone(), r.date);
        upsert(&mut self.metrics, &mut self.index.metrics, key, r);
        Ok(())
    }
    fn doc(&mut self, r: &DocRow) -> Result<(), StoreError> {
        upsert(&mut self.docs, &mut self.index.docs, r.path.clone(), r);
        Ok(())
    }
}

/// The name errors of the in-memory database carry.
const IN_MEMORY: &str = ":memory:";

impl DataSet {
    /// `rows` when `source` is `of`, else none.
    fn rows<'s, T>(&self, source: SourceKey, of: SourceKey, rows: &'s [T]) -> &'s [T] {
        if source == of { rows } else { &[] }
    }

    /// Every row, in the order read.
    pub fn total_rows(&self) -> usize {
        self.customers.len()
            + self.cases.len()
            + self.incidents.len()
            + self.work_items.len()
            + self.metrics.len()
            + self.docs.len()
    }

    /// Answers `query` over these rows exactly as the store would over the same rows. `now` is
    /// Unix seconds (ages). Synchronous and CPU-bound: call it on a blocking thread.
    pub fn evaluate(
        &self,
        query: &Query,
        now: i64,
        health: &HealthThresholds,
    ) -> Result<QueryOutput, ConnectorError> {
        let conn = self.in_memory(query.source).map_err(|e| {
            ConnectorError::unavailable(format!(
                "{}: client-side evaluation failed: {e}",
                query.source
            ))
        })?;
        let ctx = AgentContext {
            now,
            health: health.clone(),
        };
        agents::run(&conn, query.source, query, &ctx)
            .map_err(|e| e.into_connector_error(query.source))
    }

    /// A private in-memory database with the store's schema holding the registry and the rows
    /// of `source`'s table.
    fn in_memory(&self, source: SourceKey) -> Result<Connection, StoreError> {
        let path = Path::new(IN_MEMORY);
        let sql = |e| StoreError::sqlite(path, e);
        let mut conn = Connection::open_in_memory().map_err(sql)?;
        schema::migrate(&mut conn).map_err(sql)?;
        rusqlite::vtab::array::load_module(&conn).map_err(sql)?;
        let tx = conn.transaction().map_err(sql)?;
        {
            let mut writer = RowWriter::new(&tx, path)?;
            for c in &self.customers {
                writer.customer(c)?;
            }
            for r in self.rows(source, SourceKey::Kusto, &self.cases) {
                writer.case(r)?;
            }
            for r in self.rows(source, SourceKey::Icm, &self.incidents) {
                writer.incident(r)?;
            }
            for r in self.rows(source, SourceKey::Ado, &self.work_items) {
                writer.work_item(r)?;
            }
            for r in self.rows(source, SourceKey::Tenant, &self.metrics) {
                writer.metric(r)?;
            }
            for r in self.rows(source, SourceKey::Docs, &self.docs) {
                writer.doc(r)?;
            }
        }
        tx.commit().map_err(sql)?;
        Ok(conn)
    }
}
