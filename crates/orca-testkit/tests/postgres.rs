//! The PostgreSQL connector against the real PostgreSQL of the environment
//! (`ORCA_TEST_POSTGRES_URL`, default `postgresql://postgres@127.0.0.1:5432/test`): the fixture
//! imported with `orca_connectors::postgres::import`, then the conformance suite for all five
//! sources, and what only a real server shows: an import is one transaction (a failed one leaves
//! the tables as they were), re-importing changes nothing, migrations run concurrently, an
//! abandoned query is cancelled on the server, and errors are classified.
//!
//! Each test works in a schema of its own (`orca_test_<pid>_<n>`, dropped at the end, even when
//! the test fails), so the tests run concurrently and leave nothing behind. A test fails with a
//! sentence saying so when PostgreSQL is not reachable: it never passes without it.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use indicatif::ProgressBar;
use orca_connectors::postgres::{self, PostgresConfig};
use orca_connectors::sources::SourceContext;
use orca_core::{Connector, ErrorKind, Query, SourceKey};
use orca_testkit::{Fixture, Subject, conformance};
use tokio_postgres::{Client, NoTls};

const DEFAULT_URL: &str = "postgresql://postgres@127.0.0.1:5432/test";

fn url() -> String {
    std::env::var("ORCA_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_URL.to_string())
}

/// A client of the test database; panics with the reason when PostgreSQL is not reachable.
async fn client() -> Client {
    let url = url();
    let (client, connection) = tokio_postgres::connect(&url, NoTls)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "PostgreSQL is not reachable at {url} ({e}); start it or set \
                 ORCA_TEST_POSTGRES_URL to a database these tests may create schemas in"
            )
        });
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

/// A schema of this test alone, dropped when the value is dropped.
struct TestSchema {
    name: String,
}

impl TestSchema {
    async fn new() -> TestSchema {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "orca_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        client()
            .await
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
            .await
            .expect("drop a leftover test schema");
        TestSchema { name }
    }

    /// The connector of `source` on this schema, with the suite's clock and timeout.
    fn connector(
        &self,
        fixture: &Fixture,
        source: SourceKey,
        timeout: Duration,
    ) -> Arc<dyn Connector> {
        let mut ctx = SourceContext::for_test(source, fixture.customers());
        ctx.now = Some(Fixture::now());
        ctx.timeout = timeout;
        PostgresConfig::for_test(&url(), &self.name)
            .build(&ctx)
            .expect("the connector builds")
    }

    async fn import(
        &self,
        dir: &Path,
    ) -> Result<orca_connectors::ImportSummary, postgres::PgImportError> {
        postgres::import(&url(), &self.name, dir, &ProgressBar::hidden()).await
    }

    /// `SELECT count(*)` of every table, in a fixed order.
    async fn counts(&self, client: &Client) -> Vec<(String, i64)> {
        let mut counts = Vec::new();
        for table in [
            "registry",
            "cases",
            "incidents",
            "work_items",
            "tenant_metrics",
            "docs",
        ] {
            let row = client
                .query_one(&format!("SELECT count(*) FROM {}.{table}", self.name), &[])
                .await
                .expect("count rows");
            counts.push((table.to_string(), row.get::<_, i64>(0)));
        }
        counts
    }

    /// A digest of every table's content (ids excepted), in a fixed order.
    async fn digest(&self, client: &Client) -> Vec<String> {
        let mut digests = Vec::new();
        for (table, order) in [
            ("registry", "tenant_id"),
            ("cases", "case_number"),
            ("incidents", "incident_id"),
            ("work_items", "id"),
            ("tenant_metrics", "tenant_id, metric, date"),
            ("docs", "path"),
        ] {
            let columns = if table == "docs" {
                "(t.path, t.title, t.body)"
            } else {
                "t"
            };
            let row = client
                .query_one(
                    &format!(
                        "SELECT coalesce(md5(string_agg({columns}::text, '|' ORDER BY {order})), '') \
                         FROM {}.{table} t",
                        self.name
                    ),
                    &[],
                )
                .await
                .expect("digest a table");
            digests.push(format!("{table}:{}", row.get::<_, String>(0)));
        }
        digests
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop cannot await: a thread with its own runtime drops the schema.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async move {
                if let Ok((client, connection)) = tokio_postgres::connect(&url(), NoTls).await {
                    tokio::spawn(connection);
                    let _ = client
                        .batch_execute(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
                        .await;
                }
            });
        })
        .join();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_postgres_connector_passes_the_suite() {
    let fixture = Fixture::new();
    let schema = TestSchema::new().await;
    let summary = schema
        .import(&fixture.dir)
        .await
        .expect("the fixture imports");
    assert_eq!(summary.total_rows as usize, fixture.data.total_rows());
    let subject = Subject {
        name: "postgres".into(),
        connectors: SourceKey::ALL
            .into_iter()
            .map(|source| schema.connector(&fixture, source, Subject::TIMEOUT))
            .collect(),
        fake: None,
    };
    conformance::run(&subject, &fixture).await;
    for connector in &subject.connectors {
        let ready = connector
            .check()
            .await
            .expect("an imported schema is ready");
        assert!(ready.contains(&schema.name), "{ready}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_loads_every_row_and_reimporting_changes_nothing() {
    let fixture = Fixture::new();
    let schema = TestSchema::new().await;
    let client = client().await;
    let first = schema.import(&fixture.dir).await.expect("first import");
    let counts = schema.counts(&client).await;
    let data = &fixture.data;
    let expected = [
        data.customers.len(),
        data.cases.len(),
        data.incidents.len(),
        data.work_items.len(),
        data.metrics.len(),
        data.docs.len(),
    ];
    for ((table, n), want) in counts.iter().zip(expected) {
        assert_eq!(*n as usize, want, "{table}");
        assert!(want > 0, "the fixture has {table}");
    }
    let digest = schema.digest(&client).await;
    // The row versions (xmin) of every table: a re-import of the same files rewrites no row.
    let versions_sql = format!(
        "SELECT md5(string_agg(x, ',' ORDER BY x)) FROM ( \
               SELECT 'r' || xmin::text || tenant_id AS x FROM {s}.registry \
               UNION ALL SELECT 'c' || xmin::text || case_number FROM {s}.cases \
               UNION ALL SELECT 'i' || xmin::text || incident_id FROM {s}.incidents \
               UNION ALL SELECT 'w' || xmin::text || id FROM {s}.work_items \
               UNION ALL SELECT 'm' || xmin::text || tenant_id || metric || date FROM {s}.tenant_metrics \
               UNION ALL SELECT 'd' || xmin::text || path FROM {s}.docs) v",
        s = schema.name
    );
    let versions = || async {
        client
            .query_one(&versions_sql, &[])
            .await
            .unwrap()
            .get::<_, String>(0)
    };
    let written = versions().await;
    let second = schema.import(&fixture.dir).await.expect("second import");
    assert_eq!(first.files, second.files);
    assert_eq!(schema.counts(&client).await, counts);
    assert_eq!(schema.digest(&client).await, digest);
    assert_eq!(versions().await, written, "a re-import rewrote rows");
    let versions: i64 = client
        .query_one(
            &format!("SELECT count(*) FROM {}.schema_version", schema.name),
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(versions, i64::from(postgres::SCHEMA_VERSION));
}

/// Copies the fixture's files (and docs/) into a new directory.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.join("docs")).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
        }
    }
    for entry in std::fs::read_dir(from.join("docs")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join("docs").join(path.file_name().unwrap())).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_import_leaves_the_tables_as_they_were() {
    let fixture = Fixture::new();
    let schema = TestSchema::new().await;
    let client = client().await;
    schema.import(&fixture.dir).await.expect("first import");
    let counts = schema.counts(&client).await;
    let digest = schema.digest(&client).await;

    // A bad row: reported with its file and line, nothing written.
    let temp = tempfile::tempdir().unwrap();
    let bad = temp.path().join("bad");
    copy_dir(&fixture.dir, &bad);
    let cases = std::fs::read_to_string(bad.join("cases.csv")).unwrap();
    let lines = cases.lines().count();
    let header = cases.lines().next().unwrap().to_string();
    let mut row: Vec<String> = cases
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .map(String::from)
        .collect();
    let severity = header.split(',').position(|h| h == "Severity").unwrap();
    row[severity] = "D".into();
    std::fs::write(bad.join("cases.csv"), format!("{cases}{}\n", row.join(","))).unwrap();
    let error = schema
        .import(&bad)
        .await
        .expect_err("a bad row fails the import");
    let message = error.to_string();
    assert!(
        message.contains(&format!("cases.csv:{}", lines + 1)),
        "{message}"
    );
    assert_eq!(schema.counts(&client).await, counts);
    assert_eq!(schema.digest(&client).await, digest);

    // A failure inside the transaction, after the registry, cases, incidents, work items and
    // metrics were upserted: the docs table refuses its rows. Every change is rolled back.
    let changed = temp.path().join("changed");
    copy_dir(&fixture.dir, &changed);
    let cases = std::fs::read_to_string(changed.join("cases.csv")).unwrap();
    std::fs::write(
        changed.join("cases.csv"),
        cases.replacen("DLP", "Changed Area", 50),
    )
    .unwrap();
    client
        .batch_execute(&format!(
            "CREATE FUNCTION {s}.refuse() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'docs are refused by the test'; END $$; \
             CREATE TRIGGER refuse BEFORE INSERT OR UPDATE ON {s}.docs \
             FOR EACH ROW EXECUTE FUNCTION {s}.refuse()",
            s = schema.name
        ))
        .await
        .unwrap();
    let error = schema
        .import(&changed)
        .await
        .expect_err("the trigger fails the import");
    assert!(error.to_string().contains("refused by the test"), "{error}");
    assert_eq!(schema.counts(&client).await, counts);
    assert_eq!(schema.digest(&client).await, digest);
    let changed_rows: i64 = client
        .query_one(
            &format!(
                "SELECT count(*) FROM {}.cases WHERE product_area LIKE 'Changed%'",
                schema.name
            ),
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(changed_rows, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_run_concurrently() {
    let schema = TestSchema::new().await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let name = schema.name.clone();
        tasks.spawn(async move {
            let mut client = client().await;
            postgres::schema::migrate(&mut client, &name).await
        });
    }
    let mut found = Vec::new();
    while let Some(result) = tasks.join_next().await {
        found.push(result.unwrap().expect("a concurrent migration succeeds"));
    }
    found.sort();
    // One migrator found nothing; the others waited on the lock and found the current version.
    assert_eq!(found[0], 0, "{found:?}");
    assert!(
        found[1..].iter().all(|v| *v == postgres::SCHEMA_VERSION),
        "{found:?}"
    );
    let client = client().await;
    let versions: Vec<i32> = client
        .query(
            &format!(
                "SELECT version FROM {}.schema_version ORDER BY 1",
                schema.name
            ),
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(versions, (1..=postgres::SCHEMA_VERSION).collect::<Vec<_>>());
}

/// The backends waiting on a lock `locker` holds.
async fn blocked_by(client: &Client, locker: i32) -> Vec<i32> {
    client
        .query(
            "SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
            &[&locker],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// Whether the backend `pid` still exists (its connection is open).
async fn backend_exists(client: &Client, pid: i32) -> bool {
    let n: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = $1",
            &[&pid],
        )
        .await
        .unwrap()
        .get(0);
    n > 0
}

/// Holds an exclusive lock on `schema.cases` in an open transaction of a client of its own;
/// returns that client (the lock ends when it is dropped) and its backend pid.
async fn lock_cases(schema: &str) -> (Client, i32) {
    let locker = client().await;
    locker
        .batch_execute(&format!(
            "BEGIN; LOCK TABLE {schema}.cases IN ACCESS EXCLUSIVE MODE"
        ))
        .await
        .unwrap();
    let pid: i32 = locker
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .unwrap()
        .get(0);
    (locker, pid)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_abandoned_query_is_cancelled_on_the_server() {
    let fixture = Fixture::new();
    let schema = TestSchema::new().await;
    schema.import(&fixture.dir).await.expect("import");
    let observer = client().await;
    // A long call timeout, so only the cancellation (not statement_timeout) can end the query.
    let connector = schema.connector(&fixture, SourceKey::Kusto, Duration::from_secs(60));
    let mut query = Query::new(SourceKey::Kusto);
    query.all_tenants = true;

    let (locker, pid) = lock_cases(&schema.name).await;
    let task = tokio::spawn({
        let connector = connector.clone();
        let query = query.clone();
        async move { connector.run(&query).await }
    });
    let started = Instant::now();
    let victim = loop {
        if let [victim] = blocked_by(&observer, pid).await[..] {
            break victim;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the query never reached the lock"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    // Abandon the call (as the engine's deadline does): the future is dropped.
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    let abandoned = Instant::now();
    while blocked_by(&observer, pid).await.contains(&victim) {
        assert!(
            abandoned.elapsed() < Duration::from_secs(3),
            "the abandoned query still runs on the server while the lock is held"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let cancelled_after = abandoned.elapsed();
    // Its connection leaves the pool and closes: a late cancel request can reach no later call.
    while backend_exists(&observer, victim).await {
        assert!(
            abandoned.elapsed() < Duration::from_secs(3),
            "the abandoned call's connection is still open (back in the pool?)"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "abandoned query cancelled on the server after {cancelled_after:?}, its connection \
         closed after {:?}",
        abandoned.elapsed()
    );
    locker.batch_execute("ROLLBACK").await.unwrap();
    let out = connector
        .run(&query)
        .await
        .expect("the connector answers after an abandoned call");
    assert_eq!(out.summary["total"], fixture.data.cases.len() as u64);

    // The cancel request of an abandoned call is asynchronous: it must never reach a later
    // call's statement (the abandoned connection leaves the pool). The sharpest case: the server
    // ends the statement itself (statement_timeout) just as the call's own timeout abandons it,
    // so the cancel arrives when the connection is idle; the next call must still answer.
    let short = schema.connector(&fixture, SourceKey::Kusto, Duration::from_millis(150));
    for round in 0..12 {
        let (locker, _) = lock_cases(&schema.name).await;
        let error = short
            .run(&query)
            .await
            .expect_err("the lock outlasts the call");
        assert_eq!(error.kind, ErrorKind::Timeout, "round {round}: {error}");
        locker.batch_execute("ROLLBACK").await.unwrap();
        let out = short.run(&query).await.unwrap_or_else(|e| {
            panic!("round {round}: the call after an abandoned one failed: {e}")
        });
        assert_eq!(out.summary["total"], fixture.data.cases.len() as u64);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_classified() {
    let fixture = Fixture::new();
    let customers = fixture.customers();
    let ctx = |timeout: Duration| {
        let mut ctx = SourceContext::for_test(SourceKey::Kusto, customers.clone());
        ctx.timeout = timeout;
        ctx
    };
    let mut query = Query::new(SourceKey::Kusto);
    query.all_tenants = true;

    // Nothing listens on port 1: unavailable (transient).
    let refused = PostgresConfig::for_test("postgresql://postgres@127.0.0.1:1/test", "public")
        .build(&ctx(Duration::from_secs(2)))
        .unwrap();
    let error = refused.run(&query).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Unavailable, "{error}");
    assert!(error.is_retryable());
    assert_eq!(
        refused.check().await.unwrap_err().kind,
        ErrorKind::Unavailable
    );

    // An unknown role: refused credentials.
    let mut pg: tokio_postgres::Config = url().parse().unwrap();
    pg.user("orca_no_such_role");
    let stranger_url = format!(
        "postgresql://orca_no_such_role@{}/{}",
        match &pg.get_hosts()[0] {
            tokio_postgres::config::Host::Tcp(host) => format!("{host}:{}", pg.get_ports()[0]),
            #[allow(unreachable_patterns)]
            _ => "127.0.0.1:5432".to_string(),
        },
        pg.get_dbname().unwrap_or("test")
    );
    let stranger = PostgresConfig::for_test(&stranger_url, "public")
        .build(&ctx(Duration::from_secs(2)))
        .unwrap();
    let error = stranger.run(&query).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Auth, "{error}");

    // A schema without the tables: a bad query that says how to fix it; check says the same.
    let empty = TestSchema::new().await;
    let connector = empty.connector(&fixture, SourceKey::Kusto, Duration::from_secs(2));
    let error = connector.run(&query).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::BadQuery, "{error}");
    assert!(
        error.message.contains("orca data import --target postgres"),
        "{error}"
    );
    let error = connector.check().await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::BadQuery, "{error}");
    assert!(
        error.message.contains("orca data import --target postgres"),
        "{error}"
    );

    // statement_timeout (the call timeout): a query stuck behind a lock ends as a Timeout.
    let loaded = TestSchema::new().await;
    loaded.import(&fixture.dir).await.expect("import");
    let connector = loaded.connector(&fixture, SourceKey::Kusto, Duration::from_millis(400));
    let (locker, _) = lock_cases(&loaded.name).await;
    let started = Instant::now();
    let error = connector.run(&query).await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Timeout, "{error}");
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    locker.batch_execute("ROLLBACK").await.unwrap();
    connector
        .run(&query)
        .await
        .expect("answers once the lock is gone");
}

#[test]
fn settings_that_cannot_work_are_refused_before_any_query() {
    let ctx = SourceContext::for_test(SourceKey::Tenant, Vec::new());
    let missing: PostgresConfig =
        serde_json::from_str(r#"{"url_env": "ORCA_TEST_PG_URL_THAT_IS_NOT_SET"}"#).unwrap();
    let error = missing
        .build(&ctx)
        .err()
        .expect("a missing variable is refused");
    assert!(
        error.contains("ORCA_TEST_PG_URL_THAT_IS_NOT_SET"),
        "{error}"
    );
    let bad = PostgresConfig::for_test("postgresql://host:notaport/db", "public");
    let error = bad.build(&ctx).err().expect("a bad URL is refused");
    assert!(error.contains("cannot be parsed"), "{error}");
    let schema = PostgresConfig::for_test(DEFAULT_URL, "Bad-Name");
    let error = schema
        .build(&ctx)
        .err()
        .expect("a bad schema name is refused");
    assert!(error.contains("Bad-Name"), "{error}");
    let unknown = serde_json::from_str::<PostgresConfig>(r#"{"host": "x"}"#).unwrap_err();
    assert!(unknown.to_string().contains("host"), "{unknown}");
}

/// Queries beyond the suite's, where SQLite and PostgreSQL SQL differ most (cohorts, ASCII
/// folding, regular expressions for GLOB, rounding of averages, month buckets across a year,
/// severity orders, key renames): each answer must be the store's.
fn more_cases(fixture: &Fixture) -> Vec<(String, Query)> {
    use chrono::Duration as Span;
    use orca_core::plan::{StatusFilter, TimeEvent, TimeRange};
    use orca_core::shape::{Bucket, GroupBy, Intent, Measure, Order, Shape, Sort, SortKey};

    let now = Fixture::now();
    let days = |n: i64| now - Span::days(n);
    let ford = fixture.tenant("Ford Motor Company");
    let nestle = fixture.tenant("Nestlé");
    let mut out = Vec::new();
    let mut add = |source: SourceKey, name: &str, edit: &dyn Fn(&mut Query)| {
        let mut query = Query::new(source);
        query.all_tenants = true;
        edit(&mut query);
        out.push((format!("{source}: {name}"), query));
    };
    let shape = |intent: Intent| Shape {
        intent,
        ..Shape::default()
    };
    let range = |from: i64, event: TimeEvent| TimeRange {
        event,
        to_inclusive: true,
        ..TimeRange::new(days(from), now, "range")
    };
    for source in [SourceKey::Kusto, SourceKey::Icm, SourceKey::Ado] {
        add(source, "cohort mcs", &|q| q.cohort = Some(" mcs ".into()));
        add(source, "rank by average age, fewest first", &|q| {
            q.shape = Shape {
                measure: Measure::AverageAgeDays,
                sort: Some(Sort {
                    by: SortKey::Value,
                    order: Order::Asc,
                }),
                limit: Some(4),
                ..shape(Intent::Rank)
            };
        });
        add(source, "breakdown by product area, average age", &|q| {
            q.shape = Shape {
                group_by: Some(GroupBy::ProductArea),
                measure: Measure::AverageAgeDays,
                ..shape(Intent::Breakdown)
            };
        });
        add(source, "breakdown by customer", &|q| {
            q.cohort = Some("IC".into());
            q.shape = Shape {
                group_by: Some(GroupBy::Customer),
                ..shape(Intent::Breakdown)
            };
        });
        add(source, "trend per month across a year", &|q| {
            q.time_range = Some(range(400, TimeEvent::Created));
            q.shape = Shape {
                bucket: Some(Bucket::Month),
                ..shape(Intent::Trend)
            };
        });
        add(source, "trend, bucket chosen by the range", &|q| {
            q.time_range = Some(TimeRange::new(days(75), days(3), "half-open"));
            q.shape = shape(Intent::Trend);
        });
        add(source, "list by severity, least severe first, all", &|q| {
            q.limit = 7;
            q.shape = Shape {
                sort: Some(Sort {
                    by: SortKey::Severity,
                    order: Order::Asc,
                }),
                ..shape(Intent::List)
            };
        });
        add(source, "two areas, open, excluded words", &|q| {
            q.filters.status = Some(StatusFilter::Unresolved);
            q.filters.product_areas = vec!["DLP".into(), " data   MAP ".into(), "Audit".into()];
            q.filters.exclude_product_areas = vec!["e[Discovery]*".into()];
        });
        add(source, "aggregate: average age of everything", &|q| {
            q.shape = Shape {
                measure: Measure::AverageAgeDays,
                ..shape(Intent::Aggregate)
            };
        });
        add(source, "two named tenants, one without items", &|q| {
            q.all_tenants = false;
            q.tenant_ids = vec![ford.to_ascii_uppercase(), format!(" {nestle} ")];
            q.limit = 3;
        });
    }
    add(SourceKey::Kusto, "customers in the MCS cohort", &|q| {
        q.cohort = Some("MCS".into());
        q.shape = Shape {
            measure: Measure::Customers,
            ..shape(Intent::Aggregate)
        };
    });
    add(SourceKey::Kusto, "trend of closings per week", &|q| {
        q.time_range = Some(range(90, TimeEvent::Closed));
        q.shape = Shape {
            bucket: Some(Bucket::Week),
            ..shape(Intent::Trend)
        };
    });
    add(SourceKey::Kusto, "owner in another case", &|q| {
        let owner = fixture.data.cases[0].owner.to_ascii_lowercase();
        q.filters.owner = Some(format!("  {owner} "));
    });
    add(SourceKey::Icm, "rank by mean time to mitigate", &|q| {
        q.shape = Shape {
            measure: Measure::MeanTimeToMitigateHours,
            ..shape(Intent::Rank)
        };
    });
    add(SourceKey::Icm, "breakdown by severity", &|q| {
        q.shape = Shape {
            group_by: Some(GroupBy::Severity),
            ..shape(Intent::Breakdown)
        };
    });
    add(SourceKey::Icm, "trend of mitigations per day", &|q| {
        q.time_range = Some(range(10, TimeEvent::Mitigated));
        q.shape = shape(Intent::Trend);
    });
    add(
        SourceKey::Icm,
        "sev 2.5 and an id that is not a number",
        &|q| {
            q.filters.severity = vec!["2.5".into(), "3".into()];
            q.filters.item_ids = vec![orca_core::plan::ItemId {
                source: SourceKey::Icm,
                id: "abc".into(),
            }];
        },
    );
    add(SourceKey::Ado, "an area named by its key", &|q| {
        q.filters.product_areas = vec!["Sensitivity Labels".into(), "InformationProtection".into()];
    });
    add(SourceKey::Ado, "closed bugs and features", &|q| {
        q.filters.status = Some(StatusFilter::Closed);
        q.filters.work_item_types = vec!["Bug".into(), "Feature".into()];
    });
    add(SourceKey::Tenant, "cohort IC, last 30 days", &|q| {
        q.cohort = Some("ic".into());
        q.time_range = Some(range(30, TimeEvent::Created));
    });
    add(SourceKey::Tenant, "one tenant, default window", &|q| {
        q.all_tenants = false;
        q.tenant_ids = vec![nestle.clone()];
    });
    add(SourceKey::Tenant, "one tenant without metrics", &|q| {
        q.all_tenants = false;
        q.tenant_ids = vec!["00000000-0000-0000-0000-000000000001".into()];
    });
    for terms in [&["Labels", "label"][..], &["policy\"*", "NEAR(tips"], &[""]] {
        add(SourceKey::Docs, &format!("docs {terms:?}"), &|q| {
            q.all_tenants = false;
            q.search_terms = terms.iter().map(|t| t.to_string()).collect();
            q.limit = 3;
        });
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_answers_match_the_store() {
    let fixture = Fixture::new();
    let schema = TestSchema::new().await;
    schema
        .import(&fixture.dir)
        .await
        .expect("the fixture imports");
    let mut failures = Vec::new();
    let mut refused = Vec::new();
    let cases = more_cases(&fixture);
    let connectors: Vec<(Arc<dyn Connector>, Arc<dyn Connector>)> = SourceKey::ALL
        .into_iter()
        .map(|source| {
            (
                fixture.store_connector(source),
                schema.connector(&fixture, source, Subject::TIMEOUT),
            )
        })
        .collect();
    let (mut store_times, mut pg_times) = (Vec::new(), Vec::new());
    for (name, query) in &cases {
        let (store, pg) = connectors
            .iter()
            .find(|(store, _)| store.source() == query.source)
            .expect("a connector per source");
        // A first call opens the pool's connection; time the second.
        let _ = pg.run(query).await;
        let started = Instant::now();
        let expected = store.run(query).await;
        store_times.push(started.elapsed());
        let started = Instant::now();
        let got = pg.run(query).await;
        pg_times.push(started.elapsed());
        match (expected, got) {
            (Ok(expected), Ok(got)) => {
                if let Some(difference) = conformance::difference(&expected, &got) {
                    failures.push(format!("{name}: {difference}"));
                }
            }
            (Err(expected), Err(got)) if expected.kind == got.kind => {
                refused.push(format!("{name}: {expected}"));
            }
            (expected, got) => failures.push(format!(
                "{name}: the store gave {:?}, PostgreSQL {:?}",
                expected.map(|_| "an answer"),
                got.map(|_| "an answer")
            )),
        }
    }
    store_times.sort();
    pg_times.sort();
    println!(
        "{} queries, p50 per query: store {:?}, PostgreSQL {:?} (p90 {:?} / {:?})",
        cases.len(),
        store_times[store_times.len() / 2],
        pg_times[pg_times.len() / 2],
        store_times[store_times.len() * 9 / 10],
        pg_times[pg_times.len() * 9 / 10]
    );
    // Only the sort work items cannot have is refused (by both alike); the rest answered.
    assert_eq!(refused.len(), 1, "{refused:#?}");
    assert!(
        refused[0].starts_with("ado: list by severity"),
        "{refused:#?}"
    );
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n- {}",
        failures.len(),
        cases.len(),
        failures.join("\n- ")
    );
}
