//! Orca's data sources. The embedded store is the default: SQLite with FTS5 under the data dir.
//!
//! Invariant: every query is parameterized; user text never becomes SQL.
