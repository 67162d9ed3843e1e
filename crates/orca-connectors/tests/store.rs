//! The store's edges: opening, import (all or nothing, idempotent, bad input), generation
//! (deterministic, importable), and clear errors that name the file.

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use indicatif::ProgressBar;
use orca_connectors::{
    GenerateOptions, HealthThresholds, ImportError, OpenMode, Store, StoreError, StoreStats,
    generate, import, write_csv,
};
use orca_core::{Query, SourceKey};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

fn hidden() -> ProgressBar {
    ProgressBar::hidden()
}

fn stats(dir: &Path) -> StoreStats {
    Store::open(dir, OpenMode::ReadOnly)
        .unwrap()
        .stats()
        .unwrap()
}

/// The counts of a store, without provenance and file size (which change with time and place).
fn counts(s: &StoreStats) -> [u64; 7] {
    [
        s.registry,
        s.cases,
        s.incidents,
        s.work_items,
        s.tenant_metrics,
        s.docs,
        s.tenants_with_cases,
    ]
}

const CASES_HEADER: &str =
    "CaseNumber,TenantId,Title,Severity,Status,ProductArea,CreatedAt,ClosedAt,Owner";
const FORD: &str = "11111111-1111-4111-8111-111111111111";

#[test]
fn importing_the_fixture_loads_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let summary = import(dir.path(), &fixture("small"), &hidden()).unwrap();
    let rows: Vec<(String, u64)> = summary
        .files
        .iter()
        .map(|f| (f.file.clone(), f.rows))
        .collect();
    assert_eq!(
        rows,
        [
            ("registry.csv".to_string(), 3),
            ("cases.csv".into(), 8),
            ("incidents.csv".into(), 5 - 1),
            ("work_items.csv".into(), 5),
            ("tenant_metrics.csv".into(), 34),
            ("docs/".into(), 3),
        ]
    );
    assert_eq!(summary.tenants_not_in_registry, 0);
    let s = stats(dir.path());
    assert_eq!(counts(&s), [3, 8, 4, 5, 34, 3, 3]);
    assert_eq!(s.cases_from.as_deref(), Some("2025-12-01T00:00:00Z"));
    assert_eq!(s.metrics_to.as_deref(), Some("2026-02-28"));
    assert!(s.meta.contains_key("imported_at"));

    let store = Store::open(dir.path(), OpenMode::ReadOnly).unwrap();
    let customers = store.registry_customers().unwrap();
    let ford = customers
        .iter()
        .find(|c| c.name == "Ford Motor Company")
        .unwrap();
    assert_eq!(ford.aliases, ["Ford"]);
    assert_eq!(ford.segment.as_deref(), Some("MCS"));
    assert_eq!(
        ford.attributes.get("Region").map(String::as_str),
        Some("NA")
    );
    assert!(Store::exists(dir.path()));
}

#[test]
fn reimporting_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    import(dir.path(), &fixture("small"), &hidden()).unwrap();
    let first = stats(dir.path());
    import(dir.path(), &fixture("small"), &hidden()).unwrap();
    assert_eq!(counts(&stats(dir.path())), counts(&first));
}

#[test]
fn an_import_with_bad_rows_changes_nothing_and_lists_every_error() {
    let dir = tempfile::tempdir().unwrap();
    import(dir.path(), &fixture("small"), &hidden()).unwrap();
    let before = stats(dir.path());

    let err = import(dir.path(), &fixture("bad"), &hidden()).unwrap_err();
    let ImportError::Invalid {
        problems, total, ..
    } = &err
    else {
        panic!("{err}")
    };
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(*total, 6, "{lines:#?}");
    assert_eq!(lines[0], "cases.csv:3: expected 9 fields, found 6");
    assert!(
        lines[1].starts_with("cases.csv:4: CreatedAt \"yesterday\" is not an RFC 3339 timestamp"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with("cases.csv:5: Severity \"D\" is not one of A, B, C; Status \"Open\""),
        "{}",
        lines[2]
    );
    assert_eq!(lines[3], "cases.csv:6: TenantId is empty");
    assert_eq!(lines[4], "cases.csv:7: ClosedAt is before CreatedAt");
    assert_eq!(
        lines[5],
        "work_items.csv:2: WorkItemType \"Epic\" is not one of Bug, DCR, Feature"
    );
    let message = err.to_string();
    assert!(
        message.contains("failed with 6 errors; the store was not changed"),
        "{message}"
    );

    // The valid first row of the bad file was not kept either.
    let after = stats(dir.path());
    assert_eq!(counts(&after), counts(&before));
    assert_eq!(after.meta, before.meta);
}

#[test]
fn the_error_message_shows_twenty_problems_then_a_count() {
    let src = tempfile::tempdir().unwrap();
    let mut csv = format!("{CASES_HEADER}\n");
    for i in 0..25 {
        csv.push_str(&format!(
            "{i},{FORD},t,Z,Active,DLP,2026-02-25T10:00:00Z,,o\n"
        ));
    }
    fs::write(src.path().join("cases.csv"), csv).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let message = import(dir.path(), src.path(), &hidden())
        .unwrap_err()
        .to_string();
    assert_eq!(message.lines().count(), 1 + 20 + 1, "{message}");
    assert!(message.ends_with("... and 5 more"), "{message}");
    assert!(message.contains("cases.csv:2: Severity \"Z\""), "{message}");
}

#[test]
fn bom_crlf_and_loose_header_names_are_accepted() {
    let src = tempfile::tempdir().unwrap();
    let csv = format!(
        "\u{feff}case number,TENANTID,Title,severity,STATUS,Product_Area,CreatedAt,ClosedAt,Owner\r\n\
         2602250000000001,{},\"Quoted, title\",a,active,DLP,2026-02-25T10:00:00+02:00,,o\r\n",
        FORD.to_uppercase()
    );
    fs::write(src.path().join("cases.csv"), csv).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let summary = import(dir.path(), src.path(), &hidden()).unwrap();
    assert_eq!(summary.total_rows, 1);
    assert_eq!(summary.tenants_not_in_registry, 1);
    assert_eq!(
        stats(dir.path()).cases_from.as_deref(),
        Some("2026-02-25T08:00:00Z")
    );
}

#[test]
fn empty_and_non_utf8_files_are_named() {
    let src = tempfile::tempdir().unwrap();
    fs::write(src.path().join("cases.csv"), "").unwrap();
    let mut latin1 =
        b"Id,WorkItemType,State,Title,AreaPath,TenantId,Tags,CreatedAt,IncidentId\n1,Bug,New,Caf\xe9,A,".to_vec();
    latin1.extend_from_slice(format!("{FORD},,2026-02-25T10:00:00Z,\n").as_bytes());
    fs::write(src.path().join("work_items.csv"), latin1).unwrap();
    fs::create_dir(src.path().join("docs")).unwrap();
    fs::write(src.path().join("docs/bad.md"), b"# Title\n\xff\xfe").unwrap();
    fs::write(
        src.path().join("registry.csv"),
        b"Customer Name,Tenant ID\nCaf\xe9,x\n",
    )
    .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let err = import(dir.path(), src.path(), &hidden()).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("registry.csv:2: not valid UTF-8"),
        "{message}"
    );
    assert!(message.contains("cases.csv: file is empty"), "{message}");
    assert!(
        message.contains("work_items.csv:2: Title is not valid UTF-8"),
        "{message}"
    );
    assert!(
        message.contains("docs/bad.md:2: not valid UTF-8"),
        "{message}"
    );
}

#[test]
fn a_directory_without_data_files_is_a_clear_error() {
    let src = tempfile::tempdir().unwrap();
    fs::write(src.path().join("notes.txt"), "hello").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let err = import(dir.path(), src.path(), &hidden()).unwrap_err();
    assert!(matches!(err, ImportError::NothingToImport { .. }));
    assert!(
        err.to_string().contains(&src.path().display().to_string()),
        "{err}"
    );
    // A missing column is reported on the header line.
    fs::write(
        src.path().join("tenant_metrics.csv"),
        "TenantId,Date,Value\n",
    )
    .unwrap();
    let err = import(dir.path(), src.path(), &hidden()).unwrap_err();
    assert!(
        err.to_string()
            .contains("tenant_metrics.csv:1: missing column Metric"),
        "{err}"
    );
}

#[test]
fn opening_a_missing_store_read_only_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let err = Store::open(dir.path(), OpenMode::ReadOnly).unwrap_err();
    assert!(matches!(err, StoreError::Missing { .. }));
    assert!(
        err.to_string().contains(&dir.path().display().to_string()),
        "{err}"
    );
    assert!(!Store::exists(dir.path()));
    // ReadWrite creates it; still "not existing" until it holds data.
    let nested = dir.path().join("a/b");
    Store::open(&nested, OpenMode::ReadWrite).unwrap();
    assert!(nested.join("orca.db").is_file());
    assert!(!Store::exists(&nested));
    assert_eq!(
        stats(&nested).schema_version,
        orca_connectors::store::SCHEMA_VERSION
    );
}

#[test]
fn a_corrupt_store_is_reported_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("orca.db");
    let garbage = b"this is not a database, it is a note someone saved here\n".repeat(100);
    fs::write(&db, &garbage).unwrap();
    for mode in [OpenMode::ReadOnly, OpenMode::ReadWrite] {
        let err = Store::open(dir.path(), mode).unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
        assert!(err.to_string().contains("orca.db"), "{err}");
    }
    let err = generate(dir.path(), &GenerateOptions::demo(now()), &hidden()).unwrap_err();
    assert!(err.to_string().contains("orca.db"), "{err}");
    let err = import(dir.path(), &fixture("small"), &hidden()).unwrap_err();
    assert!(err.to_string().contains("orca.db"), "{err}");
    assert!(!Store::exists(dir.path()));
    assert_eq!(fs::read(&db).unwrap(), garbage);
}

#[test]
fn a_zero_byte_store_file_is_an_empty_store() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("orca.db"), b"").unwrap();
    assert!(!Store::exists(dir.path()));
    let store = Store::open(dir.path(), OpenMode::ReadOnly).unwrap();
    assert_eq!(store.stats().unwrap().cases, 0);
}

#[test]
fn a_foreign_sqlite_file_is_not_touched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("orca.db");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch("CREATE TABLE notes (x TEXT)")
        .unwrap();
    let err = Store::open(dir.path(), OpenMode::ReadWrite).unwrap_err();
    assert!(matches!(err, StoreError::Foreign { .. }), "{err}");
    assert!(err.to_string().contains("orca.db"), "{err}");
}

#[test]
fn an_unusable_data_directory_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    fs::write(&file, "x").unwrap();
    // A directory below a regular file cannot be created, even by root.
    let target = file.join("data");
    let err = Store::open(&target, OpenMode::ReadWrite).unwrap_err();
    assert!(matches!(err, StoreError::CreateDir { .. }), "{err}");
    assert!(
        err.to_string().contains(&target.display().to_string()),
        "{err}"
    );
    let err = generate(&target, &GenerateOptions::demo(now()), &hidden()).unwrap_err();
    assert!(
        err.to_string().starts_with("cannot create data directory"),
        "{err}"
    );
    let err = write_csv(&target, &GenerateOptions::demo(now()), &hidden()).unwrap_err();
    assert!(
        err.to_string().contains(&target.display().to_string()),
        "{err}"
    );
}

fn small_options(seed: u64) -> GenerateOptions {
    GenerateOptions {
        seed,
        customers: Some(30),
        scale: 0.5,
        now: now(),
    }
}

async fn newest_cases(dir: &Path) -> Vec<serde_json::Value> {
    let store = Store::open(dir, OpenMode::ReadOnly).unwrap();
    let kusto = store
        .connectors_at(&HealthThresholds::default(), Some(now()))
        .into_iter()
        .find(|c| c.source() == SourceKey::Kusto)
        .unwrap();
    let q = Query {
        all_tenants: true,
        limit: 50,
        ..Query::new(SourceKey::Kusto)
    };
    kusto.run(&q).await.unwrap().rows
}

#[tokio::test]
async fn generation_is_deterministic_for_a_seed() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let sa = generate(a.path(), &small_options(7), &hidden()).unwrap();
    let sb = generate(b.path(), &small_options(7), &hidden()).unwrap();
    let sc = generate(c.path(), &small_options(8), &hidden()).unwrap();
    assert_eq!(sa.total_rows, sb.total_rows);
    assert_eq!(counts(&stats(a.path())), counts(&stats(b.path())));
    assert_eq!(newest_cases(a.path()).await, newest_cases(b.path()).await);
    assert_ne!(newest_cases(a.path()).await, newest_cases(c.path()).await);
    assert_ne!(sa.cases, 0);
    assert_eq!(sc.customers, 30);
    // Regenerating replaces rather than appends.
    generate(a.path(), &small_options(7), &hidden()).unwrap();
    assert_eq!(counts(&stats(a.path())), counts(&stats(b.path())));
}

#[tokio::test]
async fn the_demo_set_has_busy_well_known_customers() {
    let dir = tempfile::tempdir().unwrap();
    let summary = generate(dir.path(), &GenerateOptions::demo(now()), &hidden()).unwrap();
    assert_eq!(summary.customers, 222);
    assert!(summary.docs >= 20);
    assert_eq!(summary.tenant_metrics, 222 * 90 * 5);
    let store = Store::open(dir.path(), OpenMode::ReadOnly).unwrap();
    let s = store.stats().unwrap();
    assert_eq!(s.meta.get("generated_seed").map(String::as_str), Some("42"));
    assert_eq!(s.metrics_to.as_deref(), Some("2026-03-01"));
    let customers = store.registry_customers().unwrap();
    let connectors = store.connectors_at(&HealthThresholds::default(), Some(now()));
    let run = |source: SourceKey, q: Query| {
        let c = connectors
            .iter()
            .find(|c| c.source() == source)
            .unwrap()
            .clone();
        async move { c.run(&q).await.unwrap() }
    };
    for name in [
        "Ford Motor Company",
        "General Motors",
        "Toyota Motor Corporation",
        "Contoso",
    ] {
        let tenant = customers
            .iter()
            .find(|c| c.name == name)
            .unwrap()
            .tenant_id
            .clone();
        let q = Query {
            tenant_ids: vec![tenant.clone()],
            time_range: Some(orca_core::TimeRange::new(
                now() - chrono::Duration::days(30),
                now(),
                "last 30 days",
            )),
            ..Query::new(SourceKey::Kusto)
        };
        let recent = run(SourceKey::Kusto, q).await.summary["total"]
            .as_u64()
            .unwrap();
        assert!(recent >= 8, "{name}: {recent} recent cases");
        let health = run(
            SourceKey::Tenant,
            Query {
                tenant_ids: vec![tenant],
                ..Query::new(SourceKey::Tenant)
            },
        )
        .await;
        let expected = match name {
            "General Motors" => "warning",
            "Contoso" => "unhealthy",
            _ => "healthy",
        };
        assert_eq!(
            health.summary["health"], expected,
            "{name}: {:?}",
            health.summary
        );
    }
    // Across all tenants most are healthy, some warning, a few unhealthy.
    let all = run(
        SourceKey::Tenant,
        Query {
            all_tenants: true,
            ..Query::new(SourceKey::Tenant)
        },
    )
    .await;
    let n = |k: &str| all.summary[k].as_u64().unwrap();
    assert_eq!(n("tenants"), 222);
    assert!(
        n("healthy") > n("warning") && n("warning") > n("unhealthy") && n("unhealthy") > 0,
        "{:?}",
        all.summary
    );
    // Every case number is YYMMDD + 10 digits, matching its CreatedAt.
    let rows = newest_cases(dir.path()).await;
    for row in rows {
        let number = row["CaseNumber"].as_str().unwrap();
        let created = row["CreatedAt"].as_str().unwrap();
        assert_eq!(number.len(), 16);
        assert_eq!(
            &number[..6],
            format!("{}{}{}", &created[2..4], &created[5..7], &created[8..10])
        );
    }
    let docs = run(
        SourceKey::Docs,
        Query {
            search_terms: vec!["eDiscovery".into(), "hold".into()],
            ..Query::new(SourceKey::Docs)
        },
    )
    .await;
    assert_eq!(docs.rows[0]["path"], "docs/ediscovery-holds.md");
}

#[test]
fn written_csv_imports_to_the_same_store() {
    let out = tempfile::tempdir().unwrap();
    let written = write_csv(out.path(), &small_options(3), &hidden()).unwrap();
    for file in [
        "registry.csv",
        "cases.csv",
        "incidents.csv",
        "work_items.csv",
        "tenant_metrics.csv",
    ] {
        assert!(out.path().join(file).is_file(), "{file}");
    }
    let (generated, imported) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let summary = generate(generated.path(), &small_options(3), &hidden()).unwrap();
    assert_eq!(summary.total_rows, written.total_rows);
    let loaded = import(imported.path(), out.path(), &hidden()).unwrap();
    assert_eq!(loaded.total_rows, written.total_rows);
    assert_eq!(
        counts(&stats(generated.path())),
        counts(&stats(imported.path()))
    );
}

#[test]
fn bad_generate_options_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for opts in [
        GenerateOptions {
            scale: 0.0,
            ..small_options(1)
        },
        GenerateOptions {
            scale: f64::NAN,
            ..small_options(1)
        },
        GenerateOptions {
            customers: Some(0),
            ..small_options(1)
        },
    ] {
        let err = generate(dir.path(), &opts, &hidden()).unwrap_err();
        assert!(matches!(err, StoreError::InvalidOptions(_)), "{err}");
    }
}

#[test]
fn more_customers_than_the_demo_registry_are_synthesized() {
    let dir = tempfile::tempdir().unwrap();
    let opts = GenerateOptions {
        customers: Some(300),
        scale: 0.1,
        ..small_options(5)
    };
    let summary = generate(dir.path(), &opts, &hidden()).unwrap();
    assert_eq!(summary.customers, 300);
    let store = Store::open(dir.path(), OpenMode::ReadOnly).unwrap();
    let customers = store.registry_customers().unwrap();
    assert_eq!(customers.len(), 300);
    let (registry, errors) = orca_core::Registry::from_customers(customers);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(registry.len(), 300);
}

#[tokio::test]
async fn an_abandoned_query_leaves_the_store_usable() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), &small_options(9), &hidden()).unwrap();
    let store = Store::open(dir.path(), OpenMode::ReadOnly).unwrap();
    let connectors = store.connectors_at(&HealthThresholds::default(), Some(now()));
    let kusto = connectors
        .iter()
        .find(|c| c.source() == SourceKey::Kusto)
        .unwrap();
    let q = Query {
        all_tenants: true,
        ..Query::new(SourceKey::Kusto)
    };
    for _ in 0..20 {
        // Usually dropped while running (interrupted) or before it starts; either way the
        // interrupt must never leak into a later query on the same pooled connection.
        let _ = tokio::time::timeout(std::time::Duration::ZERO, kusto.run(&q)).await;
    }
    let expected = stats(dir.path()).cases;
    for _ in 0..20 {
        let out = kusto.run(&q).await.unwrap();
        assert_eq!(out.summary["total"], expected);
    }
}

/// The secondary indexes of the store, by name (from `sqlite_master`).
fn index_names(dir: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(dir.join("orca.db")).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
        )
        .unwrap();
    stmt.query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// A large import loads without the secondary indexes and builds them at the end: afterwards
/// every index is there, the data matches `generate`'s, and a failed large import leaves the
/// store (indexes included) as it was.
#[test]
fn a_large_import_rebuilds_the_indexes_and_a_failed_one_keeps_them() {
    let options = GenerateOptions {
        customers: Some(300),
        ..GenerateOptions::demo(now())
    };
    let out = tempfile::tempdir().unwrap();
    write_csv(out.path(), &options, &hidden()).unwrap();
    let bytes: u64 = std::fs::read_dir(out.path())
        .unwrap()
        .filter_map(|e| e.ok()?.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum();
    assert!(bytes > 8 * 1024 * 1024, "large enough to rebuild: {bytes}");

    let (generated, imported) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    generate(generated.path(), &options, &hidden()).unwrap();
    import(imported.path(), out.path(), &hidden()).unwrap();
    let indexes = index_names(imported.path());
    assert_eq!(indexes, index_names(generated.path()));
    assert!(
        indexes.iter().any(|n| n == "cases_area_nocase"),
        "{indexes:?}"
    );
    assert_eq!(
        counts(&stats(generated.path())),
        counts(&stats(imported.path()))
    );

    // A bad row at the end of the large cases file: nothing changes, the indexes stay.
    let before = stats(imported.path());
    let cases = out.path().join("cases.csv");
    let mut text = std::fs::read_to_string(&cases).unwrap();
    text.push_str("not,a,valid,row\n");
    std::fs::write(&cases, text).unwrap();
    import(imported.path(), out.path(), &hidden()).unwrap_err();
    assert_eq!(index_names(imported.path()), indexes);
    assert_eq!(counts(&stats(imported.path())), counts(&before));
}
