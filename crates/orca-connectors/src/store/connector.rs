//! [`StoreConnector`]: one of the five sources served from the store, as an `orca_core::Connector`.
//!
//! Queries run on tokio's blocking pool over a pooled read-only connection. Dropping the future
//! (the engine's timeout or deadline) interrupts the running SQLite statement, so an abandoned
//! query stops using the CPU; the interrupt is disarmed before the connection returns to the
//! pool, so it can never hit a later query.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use orca_core::{BoxFuture, Connector, ConnectorError, ErrorKind, Query, QueryOutput, SourceKey};
use rusqlite::InterruptHandle;

use super::Store;
use super::agents::{self, AgentContext, HealthThresholds};

/// One source over the embedded store.
#[derive(Debug, Clone)]
pub struct StoreConnector {
    store: Store,
    source: SourceKey,
    health: HealthThresholds,
    /// Fixed clock for ages; `None` reads the real clock per query.
    now: Option<DateTime<Utc>>,
}

impl StoreConnector {
    pub fn new(
        store: Store,
        source: SourceKey,
        health: HealthThresholds,
        now: Option<DateTime<Utc>>,
    ) -> Self {
        StoreConnector {
            store,
            source,
            health,
            now,
        }
    }
}

impl Connector for StoreConnector {
    fn source(&self) -> SourceKey {
        self.source
    }

    fn name(&self) -> &str {
        "store"
    }

    fn check(&self) -> BoxFuture<'_, Result<String, ConnectorError>> {
        Box::pin(async move {
            let store = self.store.clone();
            let source = self.source;
            let table = match source {
                SourceKey::Kusto => "cases",
                SourceKey::Icm => "incidents",
                SourceKey::Ado => "work_items",
                SourceKey::Tenant => "tenant_metrics",
                SourceKey::Docs => "docs",
            };
            let rows = tokio::task::spawn_blocking(move || {
                let conn = store
                    .reader()
                    .map_err(|e| ConnectorError::unavailable(e.to_string()))?;
                let rows: rusqlite::Result<i64> =
                    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0));
                store.give_back(conn);
                rows.map_err(|e| {
                    ConnectorError::unavailable(format!(
                        "{source}: the store's {table} table cannot be read ({e}); run `orca data import` or `orca data generate`"
                    ))
                })
            })
            .await
            .map_err(|e| ConnectorError::unavailable(format!("{source}: check failed: {e}")))??;
            Ok(format!(
                "{rows} rows in the store's {table} table ({})",
                self.store.path().display()
            ))
        })
    }

    fn run<'a>(&'a self, query: &'a Query) -> BoxFuture<'a, Result<QueryOutput, ConnectorError>> {
        Box::pin(async move {
            if query.source != self.source {
                return Err(ConnectorError::bad_query(format!(
                    "a {} query was sent to the {} connector",
                    query.source, self.source
                )));
            }
            let ctx = AgentContext {
                now: self.now.unwrap_or_else(Utc::now).timestamp(),
                health: self.health.clone(),
            };
            let store = self.store.clone();
            let source = self.source;
            let query = query.clone();
            let guard = InterruptOnDrop::default();
            let slot = guard.slot.clone();
            let task = tokio::task::spawn_blocking(move || {
                let conn = store
                    .reader()
                    .map_err(|e| ConnectorError::unavailable(e.to_string()))?;
                if !arm(&slot, conn.get_interrupt_handle()) {
                    store.give_back(conn);
                    return Err(ConnectorError::new(
                        ErrorKind::Timeout,
                        "query abandoned before it started",
                    ));
                }
                let result = agents::run(&conn, source, &query, &ctx);
                disarm(&slot);
                store.give_back(conn);
                result.map_err(|e| e.into_connector_error(source))
            });
            let result = task.await.map_err(|e| {
                ConnectorError::unavailable(format!("{} store query task failed: {e}", self.source))
            })?;
            guard.finished();
            result
        })
    }
}

#[derive(Default)]
struct Slot {
    handle: Option<InterruptHandle>,
    abandoned: bool,
}

/// Interrupts the query's connection if the future is dropped before the query finished.
#[derive(Default)]
struct InterruptOnDrop {
    slot: Arc<Mutex<Slot>>,
}

impl InterruptOnDrop {
    fn finished(self) {
        disarm(&self.slot);
    }
}

impl Drop for InterruptOnDrop {
    fn drop(&mut self) {
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        slot.abandoned = true;
        if let Some(handle) = slot.handle.take() {
            handle.interrupt();
        }
    }
}

/// Registers the connection's interrupt handle; false when the caller already gave up.
fn arm(slot: &Mutex<Slot>, handle: InterruptHandle) -> bool {
    let mut slot = slot.lock().unwrap_or_else(|p| p.into_inner());
    if slot.abandoned {
        return false;
    }
    slot.handle = Some(handle);
    true
}

fn disarm(slot: &Mutex<Slot>) {
    slot.lock().unwrap_or_else(|p| p.into_inner()).handle = None;
}
