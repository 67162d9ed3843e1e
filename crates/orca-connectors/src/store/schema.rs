//! The store's schema as an ordered list of migrations, tracked with `PRAGMA user_version`.
//!
//! Invariant: migration `i` takes a store from version `i` to `i + 1`; a migration is never edited
//! once shipped, only appended. Opening an older store runs the missing ones in one transaction.
//!
//! Conventions: timestamps are INTEGER Unix seconds (UTC); metric dates are the Unix seconds of
//! their UTC midnight; ids are TEXT except IcM incident ids and ADO work item ids (INTEGER, as in
//! the source systems); enumerations are stored in their canonical spelling and CHECKed (with
//! OR chains: an `IN (...)` list in a CHECK builds a temporary table on every insert, which made
//! bulk loads ~30% slower).

use rusqlite::{Connection, Transaction};

/// Version 1: the tables of DESIGN section 6, the registry, and the docs with their FTS5 index.
const V1_TABLES: &str = r#"
CREATE TABLE registry (
    tenant_id  TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    aliases    TEXT NOT NULL DEFAULT '',      -- ';'-separated, as in the CSV
    segment    TEXT,
    attributes TEXT NOT NULL DEFAULT '{}'     -- JSON object of the other columns
);

CREATE TABLE cases (
    case_number  TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL,
    title        TEXT NOT NULL,
    severity     TEXT NOT NULL CHECK (severity = 'A' OR severity = 'B' OR severity = 'C'),
    status       TEXT NOT NULL CHECK (status = 'Active' OR status = 'Waiting' OR status = 'Resolved' OR status = 'Closed'),
    product_area TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    closed_at    INTEGER,
    owner        TEXT NOT NULL
);

CREATE TABLE incidents (
    incident_id  INTEGER PRIMARY KEY,
    tenant_id    TEXT NOT NULL,
    severity     INTEGER NOT NULL CHECK (severity BETWEEN 0 AND 4 OR severity = 25),
    status       TEXT NOT NULL CHECK (status = 'Active' OR status = 'Mitigated' OR status = 'Resolved'),
    title        TEXT NOT NULL,
    owning_team  TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    mitigated_at INTEGER,
    resolved_at  INTEGER,
    case_number  TEXT
);

CREATE TABLE work_items (
    id             INTEGER PRIMARY KEY,
    work_item_type TEXT NOT NULL CHECK (work_item_type = 'Bug' OR work_item_type = 'DCR' OR work_item_type = 'Feature'),
    state          TEXT NOT NULL CHECK (state = 'New' OR state = 'Active' OR state = 'Resolved' OR state = 'Closed'),
    title          TEXT NOT NULL,
    area_path      TEXT NOT NULL,
    tenant_id      TEXT NOT NULL,
    tags           TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    incident_id    INTEGER
);

CREATE TABLE tenant_metrics (
    tenant_id TEXT NOT NULL,
    metric    TEXT NOT NULL,
    date      INTEGER NOT NULL,
    value     REAL NOT NULL,
    PRIMARY KEY (tenant_id, metric, date)
) WITHOUT ROWID;

CREATE TABLE docs (
    id    INTEGER PRIMARY KEY,
    path  TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    body  TEXT NOT NULL
);

CREATE VIRTUAL TABLE docs_fts USING fts5(
    title, body, content='docs', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER docs_ai AFTER INSERT ON docs BEGIN
    INSERT INTO docs_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER docs_ad AFTER DELETE ON docs BEGIN
    INSERT INTO docs_fts(docs_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER docs_au AFTER UPDATE ON docs BEGIN
    INSERT INTO docs_fts(docs_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO docs_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
END;
"#;

/// Version 2: the secondary indexes the agents need (tenant + time, links) and a `meta` table
/// recording where the data came from (generated with a seed, imported from a directory).
const V2_INDEXES_AND_META: &str = r#"
CREATE INDEX IF NOT EXISTS cases_tenant_created ON cases (tenant_id, created_at);
CREATE INDEX IF NOT EXISTS incidents_tenant_created ON incidents (tenant_id, created_at);
CREATE INDEX IF NOT EXISTS incidents_case ON incidents (case_number) WHERE case_number IS NOT NULL;
CREATE INDEX IF NOT EXISTS work_items_tenant_created ON work_items (tenant_id, created_at);
CREATE INDEX IF NOT EXISTS work_items_incident ON work_items (incident_id) WHERE incident_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS registry_segment ON registry (segment COLLATE NOCASE);

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"#;

/// Version 3: the indexes of the shaped queries (issue 12): covering indexes led by the columns
/// the summaries, breakdowns and rankings group by (status/severity, area, owner, tenant), the
/// creation time for sorted rows and ids across tenants, and the derived product areas of
/// incidents (title tag) and work items (AreaPath segment) as indexed expressions, written
/// exactly as the agents' `AREA_TAG` and `AREA_SEGMENT` (without the `t.` alias).
const V3_SHAPE_INDEXES: &str = r#"
CREATE INDEX IF NOT EXISTS cases_status_severity ON cases (status, severity, created_at);
CREATE INDEX IF NOT EXISTS cases_created ON cases (created_at, case_number);
CREATE INDEX IF NOT EXISTS cases_area ON cases (product_area, status, severity);
CREATE INDEX IF NOT EXISTS cases_owner ON cases (owner, status, severity);
CREATE INDEX IF NOT EXISTS cases_tenant_status ON cases (tenant_id, status, severity);
CREATE INDEX IF NOT EXISTS incidents_status_severity ON incidents (status, severity, created_at, mitigated_at);
CREATE INDEX IF NOT EXISTS incidents_created ON incidents (created_at);
CREATE INDEX IF NOT EXISTS incidents_area ON incidents ((CASE WHEN title GLOB '[[]?*]*' THEN substr(title, 2, instr(title, ']') - 2) ELSE '(none)' END), status);
CREATE INDEX IF NOT EXISTS incidents_owner ON incidents (owning_team, status);
CREATE INDEX IF NOT EXISTS work_items_state_type ON work_items (state, work_item_type, created_at);
CREATE INDEX IF NOT EXISTS work_items_created ON work_items (created_at);
CREATE INDEX IF NOT EXISTS work_items_area ON work_items ((coalesce(nullif(CASE WHEN instr(area_path, '\') = 0 THEN '' WHEN instr(substr(area_path, instr(area_path, '\') + 1), '\') = 0 THEN substr(area_path, instr(area_path, '\') + 1) ELSE substr(area_path, instr(area_path, '\') + 1, instr(substr(area_path, instr(area_path, '\') + 1), '\') - 1) END, ''), '(none)')), state);
"#;

/// Version 4: open cases by creation time (issue 12, lists and their linked ids): a partial index
/// over the open cases only, its WHERE written exactly as the cases agent's `OPEN` fragment
/// (SQLite uses a partial index only for a query whose WHERE implies it), covering the status so
/// that the planner sees no table lookup. "The 5 oldest open cases" reads 5 entries of it, their
/// 50,000 ids the newest 50,000, and the oldest open case is its first entry. Then statistics
/// of the cases indexes: without them the planner prefers `cases_status_severity` and a sort
/// (~0.2 s on a store of 367k cases, once; loads refresh them, see `write::POST_LOAD_SQL`).
const V4_OPEN_CASES_INDEX: &str = r#"
CREATE INDEX IF NOT EXISTS cases_open_created ON cases (created_at, case_number, status) WHERE status IN ('Active', 'Waiting');
ANALYZE cases;
"#;

/// Version 5: cases filtered by product area or owner (issue 12: "DLP cases for all customers",
/// "open cases owned by Rosa Alvarez"). The agent compares them case-insensitively
/// (`lower(t.product_area) = ?`, `t.owner = ? COLLATE NOCASE`), which the binary-collated
/// `cases_area` and `cases_owner` cannot seek: every such question read the whole table (~1.3 s
/// and ~0.4 s on a store of 372k cases). These two are led by the folded value, written exactly
/// as the agent's filter (an expression index is used only for the same expression; the column
/// collation must be the comparison's), then status and severity (a status filter seeks too,
/// and the summary's `GROUP BY status, severity` reads them in order), then what the summary,
/// the rows and the linked ids read (creation time, case number), so that none looks up the
/// table. The area one also covers the tenant, for a rank of an area's cases per customer. Then
/// statistics, as in version 4.
const V5_FOLDED_FILTER_INDEXES: &str = r#"
CREATE INDEX IF NOT EXISTS cases_area_nocase ON cases (lower(product_area), status, severity, created_at, case_number, tenant_id);
CREATE INDEX IF NOT EXISTS cases_owner_nocase ON cases (owner COLLATE NOCASE, status, severity, created_at, case_number);
ANALYZE cases;
"#;

/// Every migration, in order. `MIGRATIONS.len()` is the current schema version.
pub(crate) const MIGRATIONS: &[&str] = &[
    V1_TABLES,
    V2_INDEXES_AND_META,
    V3_SHAPE_INDEXES,
    V4_OPEN_CASES_INDEX,
    V5_FOLDED_FILTER_INDEXES,
];

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The secondary indexes, by name, with the SQL that creates them. Bulk loads drop them first and
/// recreate them after (building an index once is faster than maintaining it row by row).
pub(crate) const SECONDARY_INDEXES: &[(&str, &str)] = &[
    (
        "cases_tenant_created",
        "CREATE INDEX IF NOT EXISTS cases_tenant_created ON cases (tenant_id, created_at)",
    ),
    (
        "incidents_tenant_created",
        "CREATE INDEX IF NOT EXISTS incidents_tenant_created ON incidents (tenant_id, created_at)",
    ),
    (
        "incidents_case",
        "CREATE INDEX IF NOT EXISTS incidents_case ON incidents (case_number) WHERE case_number IS NOT NULL",
    ),
    (
        "work_items_tenant_created",
        "CREATE INDEX IF NOT EXISTS work_items_tenant_created ON work_items (tenant_id, created_at)",
    ),
    (
        "work_items_incident",
        "CREATE INDEX IF NOT EXISTS work_items_incident ON work_items (incident_id) WHERE incident_id IS NOT NULL",
    ),
    (
        "cases_status_severity",
        "CREATE INDEX IF NOT EXISTS cases_status_severity ON cases (status, severity, created_at)",
    ),
    (
        "cases_created",
        "CREATE INDEX IF NOT EXISTS cases_created ON cases (created_at, case_number)",
    ),
    (
        "cases_area",
        "CREATE INDEX IF NOT EXISTS cases_area ON cases (product_area, status, severity)",
    ),
    (
        "cases_owner",
        "CREATE INDEX IF NOT EXISTS cases_owner ON cases (owner, status, severity)",
    ),
    (
        "cases_tenant_status",
        "CREATE INDEX IF NOT EXISTS cases_tenant_status ON cases (tenant_id, status, severity)",
    ),
    (
        "incidents_status_severity",
        "CREATE INDEX IF NOT EXISTS incidents_status_severity ON incidents (status, severity, created_at, mitigated_at)",
    ),
    (
        "incidents_created",
        "CREATE INDEX IF NOT EXISTS incidents_created ON incidents (created_at)",
    ),
    (
        "incidents_area",
        "CREATE INDEX IF NOT EXISTS incidents_area ON incidents ((CASE WHEN title GLOB '[[]?*]*' THEN substr(title, 2, instr(title, ']') - 2) ELSE '(none)' END), status)",
    ),
    (
        "incidents_owner",
        "CREATE INDEX IF NOT EXISTS incidents_owner ON incidents (owning_team, status)",
    ),
    (
        "work_items_state_type",
        "CREATE INDEX IF NOT EXISTS work_items_state_type ON work_items (state, work_item_type, created_at)",
    ),
    (
        "work_items_created",
        "CREATE INDEX IF NOT EXISTS work_items_created ON work_items (created_at)",
    ),
    (
        "work_items_area",
        "CREATE INDEX IF NOT EXISTS work_items_area ON work_items ((coalesce(nullif(CASE WHEN instr(area_path, '\\') = 0 THEN '' WHEN instr(substr(area_path, instr(area_path, '\\') + 1), '\\') = 0 THEN substr(area_path, instr(area_path, '\\') + 1) ELSE substr(area_path, instr(area_path, '\\') + 1, instr(substr(area_path, instr(area_path, '\\') + 1), '\\') - 1) END, ''), '(none)')), state)",
    ),
    (
        "cases_open_created",
        "CREATE INDEX IF NOT EXISTS cases_open_created ON cases (created_at, case_number, status) WHERE status IN ('Active', 'Waiting')",
    ),
    (
        "cases_area_nocase",
        "CREATE INDEX IF NOT EXISTS cases_area_nocase ON cases (lower(product_area), status, severity, created_at, case_number, tenant_id)",
    ),
    (
        "cases_owner_nocase",
        "CREATE INDEX IF NOT EXISTS cases_owner_nocase ON cases (owner COLLATE NOCASE, status, severity, created_at, case_number)",
    ),
];

/// The schema version recorded in the database file.
pub(crate) fn user_version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
}

/// Brings the schema up to `SCHEMA_VERSION` in one transaction. Returns the version found.
pub(crate) fn migrate(conn: &mut Connection) -> rusqlite::Result<u32> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let found = user_version(&tx)?;
    apply_from(&tx, found)?;
    tx.commit()?;
    Ok(found)
}

fn apply_from(tx: &Transaction<'_>, found: u32) -> rusqlite::Result<()> {
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as u32 + 1)?;
    }
    Ok(())
}

/// Applies only the first `version` migrations: builds old stores for upgrade tests.
#[cfg(test)]
pub(crate) fn migrate_to(conn: &mut Connection, version: u32) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    for (index, sql) in MIGRATIONS.iter().enumerate().take(version as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as u32 + 1)?;
    }
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The indexes a schema has, by name, with their SQL as SQLite keeps it.
    fn indexes(conn: &Connection) -> Vec<(String, String)> {
        let mut stmt = conn
            .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
            .unwrap();
        stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn bulk_loads_rebuild_every_index_of_the_item_tables_as_migrated() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let mut rebuilt: Vec<(String, String)> = SECONDARY_INDEXES
            .iter()
            .map(|(name, sql)| {
                let sql = sql.replacen("CREATE INDEX IF NOT EXISTS", "CREATE INDEX", 1);
                (name.to_string(), sql)
            })
            .collect();
        rebuilt.sort();
        let migrated: Vec<(String, String)> = indexes(&conn)
            .into_iter()
            .filter(|(name, _)| name != "registry_segment")
            .collect();
        assert_eq!(rebuilt, migrated);
    }

    #[test]
    fn a_version_4_store_gains_the_folded_filter_indexes_and_keeps_its_rows() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, 4).unwrap();
        conn.execute(
            "INSERT INTO cases VALUES ('2601010000000001', 'a959ed19-58ec-5b04-a375-0e9a54aff769', \
             't', 'A', 'Active', 'DLP', 1767225600, NULL, 'Rosa Alvarez')",
            [],
        )
        .unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), 4);
        assert_eq!(user_version(&conn).unwrap(), SCHEMA_VERSION);
        let names: Vec<String> = indexes(&conn).into_iter().map(|(name, _)| name).collect();
        assert!(names.iter().any(|n| n == "cases_area_nocase"), "{names:?}");
        assert!(names.iter().any(|n| n == "cases_owner_nocase"), "{names:?}");
        let found: i64 = conn
            .query_row(
                "SELECT count(*) FROM cases t WHERE lower(t.product_area) = 'dlp' \
                 AND t.owner = 'ROSA ALVAREZ' COLLATE NOCASE",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(found, 1);
    }
}
