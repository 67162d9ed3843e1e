//! The PostgreSQL schema: the embedded store's tables (DESIGN section 6, the registry, the docs,
//! `meta`) as an ordered list of migrations, tracked in a `schema_version` table.
//!
//! Invariants:
//! - Migration `i` takes a schema from version `i` to `i + 1`; a shipped migration is never
//!   edited, only appended. [`migrate_in`] runs the missing ones inside the caller's transaction,
//!   after taking a transaction-level advisory lock keyed by the schema name, so several
//!   `orca serve` replicas (or an import and a replica) migrating at once queue on the lock: the
//!   first one migrates, the others find the version already current. The lock ends with the
//!   transaction, so a crashed migrator never leaves it held.
//! - Columns keep the store's types and spellings: timestamps are `bigint` Unix seconds (UTC), as
//!   in the store, so trend buckets are the same integer arithmetic (days `x / 86400`, Monday
//!   weeks `(x + 259200) / 604800`); metric dates are the Unix seconds of their UTC midnight; ids
//!   are text except incident and work item ids (`bigint`).
//! - Every text column is `COLLATE "C"`: comparisons, `GROUP BY` and `ORDER BY` then follow byte
//!   order, as SQLite's BINARY collation does, and `lower()` folds ASCII letters only, as SQLite's
//!   does; so ties and orders of names and keys are the store's whatever the database's locale.

use tokio_postgres::Transaction;

/// Version 1: the tables of the store, with the same columns and CHECKed enumerations.
const V1_TABLES: &str = r#"
CREATE TABLE IF NOT EXISTS registry (
    tenant_id  text COLLATE "C" PRIMARY KEY,
    name       text COLLATE "C" NOT NULL,
    aliases    text COLLATE "C" NOT NULL DEFAULT '',
    segment    text COLLATE "C",
    attributes text NOT NULL DEFAULT '{}'
);

CREATE TABLE IF NOT EXISTS cases (
    case_number  text COLLATE "C" PRIMARY KEY,
    tenant_id    text COLLATE "C" NOT NULL,
    title        text COLLATE "C" NOT NULL,
    severity     text COLLATE "C" NOT NULL CHECK (severity IN ('A', 'B', 'C')),
    status       text COLLATE "C" NOT NULL CHECK (status IN ('Active', 'Waiting', 'Resolved', 'Closed')),
    product_area text COLLATE "C" NOT NULL,
    created_at   bigint NOT NULL,
    closed_at    bigint,
    owner        text COLLATE "C" NOT NULL
);

CREATE TABLE IF NOT EXISTS incidents (
    incident_id  bigint PRIMARY KEY,
    tenant_id    text COLLATE "C" NOT NULL,
    severity     bigint NOT NULL CHECK (severity BETWEEN 0 AND 4 OR severity = 25),
    status       text COLLATE "C" NOT NULL CHECK (status IN ('Active', 'Mitigated', 'Resolved')),
    title        text COLLATE "C" NOT NULL,
    owning_team  text COLLATE "C" NOT NULL,
    created_at   bigint NOT NULL,
    mitigated_at bigint,
    resolved_at  bigint,
    case_number  text COLLATE "C"
);

CREATE TABLE IF NOT EXISTS work_items (
    id             bigint PRIMARY KEY,
    work_item_type text COLLATE "C" NOT NULL CHECK (work_item_type IN ('Bug', 'DCR', 'Feature')),
    state          text COLLATE "C" NOT NULL CHECK (state IN ('New', 'Active', 'Resolved', 'Closed')),
    title          text COLLATE "C" NOT NULL,
    area_path      text COLLATE "C" NOT NULL,
    tenant_id      text COLLATE "C" NOT NULL,
    tags           text COLLATE "C" NOT NULL DEFAULT '',
    created_at     bigint NOT NULL,
    incident_id    bigint
);

CREATE TABLE IF NOT EXISTS tenant_metrics (
    tenant_id text COLLATE "C" NOT NULL,
    metric    text COLLATE "C" NOT NULL,
    date      bigint NOT NULL,
    value     double precision NOT NULL,
    PRIMARY KEY (tenant_id, metric, date)
);

CREATE TABLE IF NOT EXISTS docs (
    id    bigserial PRIMARY KEY,
    path  text COLLATE "C" NOT NULL UNIQUE,
    title text COLLATE "C" NOT NULL,
    body  text COLLATE "C" NOT NULL
);

CREATE TABLE IF NOT EXISTS meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);
"#;

/// Version 2: the indexes of the agents' filters (tenant + time, links, folded area and owner,
/// cohorts).
const V2_INDEXES: &str = r#"
CREATE INDEX IF NOT EXISTS cases_tenant_created ON cases (tenant_id, created_at);
CREATE INDEX IF NOT EXISTS cases_area_folded ON cases (lower(product_area), status, severity);
CREATE INDEX IF NOT EXISTS cases_owner_folded ON cases (lower(owner), status, severity);
CREATE INDEX IF NOT EXISTS cases_created ON cases (created_at, case_number);
CREATE INDEX IF NOT EXISTS incidents_tenant_created ON incidents (tenant_id, created_at);
CREATE INDEX IF NOT EXISTS incidents_case ON incidents (case_number) WHERE case_number IS NOT NULL;
CREATE INDEX IF NOT EXISTS work_items_tenant_created ON work_items (tenant_id, created_at);
CREATE INDEX IF NOT EXISTS work_items_incident ON work_items (incident_id) WHERE incident_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS registry_segment_folded ON registry (lower(segment));
"#;

/// Every migration, in order. `MIGRATIONS.len()` is the current schema version.
const MIGRATIONS: &[&str] = &[V1_TABLES, V2_INDEXES];

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// The tables a migrated schema holds (what `check` looks for).
pub const TABLES: [&str; 7] = [
    "registry",
    "cases",
    "incidents",
    "work_items",
    "tenant_metrics",
    "docs",
    "meta",
];

/// Whether `schema` is a name this connector accepts: lower-case ASCII letters, digits and `_`,
/// not starting with a digit, at most 63 bytes. Such a name needs no quoting anywhere (SQL,
/// `search_path` in the connection options), so it is written as is.
pub fn valid_schema_name(schema: &str) -> bool {
    !schema.is_empty()
        && schema.len() <= 63
        && !schema.starts_with(|c: char| c.is_ascii_digit())
        && schema
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Creates `schema` if needed and brings it to [`SCHEMA_VERSION`] inside `tx`, holding the
/// schema's advisory lock until `tx` ends; leaves `search_path` set to `schema` for the rest of
/// `tx`. Returns the version found. `schema` must pass [`valid_schema_name`].
pub async fn migrate_in(tx: &Transaction<'_>, schema: &str) -> Result<i32, tokio_postgres::Error> {
    debug_assert!(valid_schema_name(schema));
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('orca schema migration ' || $1::text))",
        &[&schema],
    )
    .await?;
    // Only a missing schema is created: `CREATE SCHEMA IF NOT EXISTS` needs the CREATE
    // privilege on the database even when the schema exists (`public`).
    let exists = tx
        .query_opt("SELECT 1 FROM pg_namespace WHERE nspname = $1", &[&schema])
        .await?
        .is_some();
    if !exists {
        tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
            .await?;
    }
    // The name was checked (valid_schema_name): it is an identifier that needs no quoting.
    tx.batch_execute(&format!(
        "SET LOCAL search_path TO {schema}; \
         CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, \
         applied_at bigint NOT NULL DEFAULT extract(epoch FROM now())::bigint)"
    ))
    .await?;
    let found: i32 = tx
        .query_one("SELECT coalesce(max(version), 0) FROM schema_version", &[])
        .await?
        .try_get(0)?;
    for (index, migration) in MIGRATIONS.iter().enumerate() {
        let version = index as i32 + 1;
        if version <= found {
            continue;
        }
        tx.batch_execute(migration).await?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES ($1)",
            &[&version],
        )
        .await?;
    }
    Ok(found)
}

/// [`migrate_in`] in a transaction of its own, committed.
pub async fn migrate(
    client: &mut tokio_postgres::Client,
    schema: &str,
) -> Result<i32, tokio_postgres::Error> {
    let tx = client.transaction().await?;
    let found = migrate_in(&tx, schema).await?;
    tx.commit().await?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_need_no_quoting() {
        for good in ["public", "orca_test_12_3", "_x"] {
            assert!(valid_schema_name(good), "{good}");
        }
        for bad in [
            "",
            "Public",
            "1abc",
            "a-b",
            "a b",
            "x\"; drop",
            &"a".repeat(64),
        ] {
            assert!(!valid_schema_name(bad), "{bad}");
        }
    }
}
