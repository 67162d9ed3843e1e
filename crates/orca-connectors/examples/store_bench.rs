//! One-shot timings of the store at scale (not a test): generating ~1,000,000 rows, importing
//! 1,000,000 case rows (fresh, then again as upserts), and a few agent queries on the result.
//!
//! `cargo run --release -p orca-connectors --example store_bench [-- all|generate|import]`
//! (work files go to a temporary directory, removed at the end).
//!
//! `cargo run --release -p orca-connectors --example store_bench -- intents [DIR [RUNS]]` times
//! the shaped queries of issue 12 (rank, breakdown, trend, list, aggregate, plain counts, counts
//! filtered by product area or owner) through the store's connectors, each the median of RUNS
//! runs (default 21) after one warm-up. With DIR an existing store there is used as it is (e.g.
//! one of `orca data generate --customers 1000 --scale 5`; "now" is its `generated_now`), and an
//! absent one is generated there once (the 1M-row store below) and kept; without DIR it goes to a
//! temporary directory.
//!
//! `cargo run --release -p orca-connectors --example store_bench -- sql DB FILE [:name=value...]`
//! prints `EXPLAIN QUERY PLAN` and the median time of 21 runs of every statement of FILE (ended
//! by `;` at the end of a line) with the bundled SQLite the agents use (the system `sqlite3` may
//! plan differently) and `rarray()`: a value `[a,b]` binds a list of texts, an integer an
//! integer, anything else a text.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{Datelike, TimeZone, Utc};
use indicatif::ProgressBar;
use orca_connectors::{
    GenerateOptions, HealthThresholds, OpenMode, Store, generate, import, write_csv,
};
use orca_core::shape::{Bucket, GroupBy, Intent, Measure, Order, Shape, Sort, SortKey};
use orca_core::{Query, SourceKey, StatusFilter, TimeRange};

/// CPU seconds (user + system) this process used so far, from /proc/self/stat (Linux; 0 elsewhere).
/// Reported beside wall time because the benchmark machine is shared.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name; 100 ticks/s.
    (ticks(11) + ticks(12)) / 100.0
}

/// Wall and CPU time since a mark.
struct Mark(Instant, f64);

impl Mark {
    fn now() -> Mark {
        Mark(Instant::now(), cpu_seconds())
    }
}

impl std::fmt::Display for Mark {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:.2} s wall, {:.2} s CPU",
            self.0.elapsed().as_secs_f64(),
            cpu_seconds() - self.1
        )
    }
}

/// The instant every generated date is relative to.
fn bench_now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

/// ~1,000,000 rows: 1000 customers x 450 metric rows + ~550 events each.
fn big_store_options(now: chrono::DateTime<Utc>) -> GenerateOptions {
    GenerateOptions {
        seed: 1,
        customers: Some(1000),
        scale: 35.0,
        now,
    }
}

/// Times the shaped queries of issue 12 on the store in `dir` (the big store generated there if
/// absent), each the median of `runs` after a warm-up.
fn intents(dir: &Path, runs: usize) -> Result<(), Box<dyn std::error::Error>> {
    if !Store::exists(dir) {
        let started = Mark::now();
        let summary = generate(dir, &big_store_options(bench_now()), &ProgressBar::hidden())?;
        println!("generate: {} rows in {started}", summary.total_rows);
    }
    let store = Store::open(dir, OpenMode::ReadOnly)?;
    let stats = store.stats()?;
    let now = stats
        .meta
        .get("generated_now")
        .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
        .map_or_else(bench_now, |at| at.with_timezone(&Utc));
    println!(
        "store: {} cases, {} incidents, {} work items, {} metrics, {:.1} MB, schema {}, now {}",
        stats.cases,
        stats.incidents,
        stats.work_items,
        stats.tenant_metrics,
        stats.size_bytes as f64 / 1e6,
        stats.schema_version,
        now.to_rfc3339()
    );
    let ford = store
        .registry_customers()?
        .into_iter()
        .find(|c| c.name == "Ford Motor Company")
        .map(|c| c.tenant_id)
        .ok_or("no Ford in the generated registry")?;
    let connectors = store.connectors_at(&HealthThresholds::default(), Some(now));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let all = |source| Query {
        all_tenants: true,
        ..Query::new(source)
    };
    let shaped = |source, shape| Query {
        shape,
        ..all(source)
    };
    let breakdown = |source, group_by| {
        shaped(
            source,
            Shape {
                intent: Intent::Breakdown,
                group_by: Some(group_by),
                ..Shape::default()
            },
        )
    };
    let last_90_days = TimeRange::new(now - chrono::Duration::days(90), now, "last 90 days");
    let trend = |source, bucket| Query {
        tenant_ids: vec![ford.clone()],
        time_range: Some(last_90_days.clone()),
        shape: Shape {
            intent: Intent::Trend,
            bucket: Some(bucket),
            ..Shape::default()
        },
        ..Query::new(source)
    };
    let this_year = TimeRange::new(
        Utc.with_ymd_and_hms(now.year(), 1, 1, 0, 0, 0).unwrap(),
        now,
        "this year",
    );
    let rank = Shape {
        intent: Intent::Rank,
        group_by: Some(GroupBy::Customer),
        limit: Some(5),
        ..Shape::default()
    };
    let open = |mut q: Query| {
        q.filters.status = Some(StatusFilter::Open);
        q
    };
    let sev_a = |mut q: Query| {
        q.filters.severity = vec!["A".into()];
        q
    };
    let area = |mut q: Query, area: &str| {
        q.filters.product_areas = vec![area.into()];
        q
    };
    let owner = |mut q: Query, owner: &str| {
        q.filters.owner = Some(owner.into());
        q
    };
    let queries = [
        ("count kusto, all tenants", all(SourceKey::Kusto)),
        ("count icm, all tenants", all(SourceKey::Icm)),
        ("count ado, all tenants", all(SourceKey::Ado)),
        (
            "rank kusto top 5, all tenants",
            shaped(SourceKey::Kusto, rank),
        ),
        (
            "rank kusto top 5 open, all tenants",
            open(shaped(SourceKey::Kusto, rank)),
        ),
        (
            "rank kusto top 5 Sev A, all tenants",
            sev_a(shaped(SourceKey::Kusto, rank)),
        ),
        (
            "rank kusto top 1 open, all tenants",
            open(shaped(
                SourceKey::Kusto,
                Shape {
                    limit: Some(1),
                    ..rank
                },
            )),
        ),
        ("count kusto open, all tenants", open(all(SourceKey::Kusto))),
        (
            "count kusto DLP, all tenants",
            area(all(SourceKey::Kusto), "DLP"),
        ),
        (
            "count kusto open, owner Rosa Alvarez, all tenants",
            owner(open(all(SourceKey::Kusto)), "Rosa Alvarez"),
        ),
        (
            "count icm DLP, all tenants",
            area(all(SourceKey::Icm), "DLP"),
        ),
        (
            "breakdown kusto open by owner, all tenants",
            open(breakdown(SourceKey::Kusto, GroupBy::Owner)),
        ),
        ("rank icm top 5, all tenants", shaped(SourceKey::Icm, rank)),
        ("rank ado top 5, all tenants", shaped(SourceKey::Ado, rank)),
        (
            "breakdown kusto by product area, all tenants",
            breakdown(SourceKey::Kusto, GroupBy::ProductArea),
        ),
        (
            "breakdown kusto by severity, all tenants",
            breakdown(SourceKey::Kusto, GroupBy::Severity),
        ),
        (
            "breakdown kusto by owner, all tenants",
            breakdown(SourceKey::Kusto, GroupBy::Owner),
        ),
        (
            "breakdown kusto by customer, all tenants",
            breakdown(SourceKey::Kusto, GroupBy::Customer),
        ),
        (
            "breakdown icm by product area, all tenants",
            breakdown(SourceKey::Icm, GroupBy::ProductArea),
        ),
        (
            "breakdown icm by owner, all tenants",
            breakdown(SourceKey::Icm, GroupBy::Owner),
        ),
        (
            "breakdown ado by product area, all tenants",
            breakdown(SourceKey::Ado, GroupBy::ProductArea),
        ),
        (
            "breakdown ado by type, all tenants",
            breakdown(SourceKey::Ado, GroupBy::WorkItemType),
        ),
        (
            "trend kusto per month, Ford, this year",
            Query {
                time_range: Some(this_year.clone()),
                ..trend(SourceKey::Kusto, Bucket::Month)
            },
        ),
        (
            "trend kusto per week, Ford, 90 days",
            trend(SourceKey::Kusto, Bucket::Week),
        ),
        (
            "trend kusto per day, Ford, 90 days",
            trend(SourceKey::Kusto, Bucket::Day),
        ),
        (
            "trend icm per week, Ford, 90 days",
            trend(SourceKey::Icm, Bucket::Week),
        ),
        (
            "trend ado per month, Ford, 90 days",
            trend(SourceKey::Ado, Bucket::Month),
        ),
        (
            "list 5 oldest open kusto, all tenants",
            Query {
                limit: 5,
                ..open(shaped(
                    SourceKey::Kusto,
                    Shape {
                        intent: Intent::List,
                        sort: Some(Sort {
                            by: SortKey::Created,
                            order: Order::Asc,
                        }),
                        ..Shape::default()
                    },
                ))
            },
        ),
        (
            "list 20 most severe icm, all tenants",
            shaped(
                SourceKey::Icm,
                Shape {
                    intent: Intent::List,
                    sort: Some(Sort {
                        by: SortKey::Severity,
                        order: Order::Desc,
                    }),
                    ..Shape::default()
                },
            ),
        ),
        (
            "aggregate average age of open kusto, all tenants",
            open(shaped(
                SourceKey::Kusto,
                Shape {
                    intent: Intent::Aggregate,
                    measure: Measure::AverageAgeDays,
                    ..Shape::default()
                },
            )),
        ),
        (
            "aggregate mean time to mitigate icm, all tenants",
            shaped(
                SourceKey::Icm,
                Shape {
                    intent: Intent::Aggregate,
                    measure: Measure::MeanTimeToMitigateHours,
                    ..Shape::default()
                },
            ),
        ),
    ];
    println!("| query | median | min | total |");
    println!("|---|---|---|---|");
    for (label, query) in queries {
        let connector = connectors
            .iter()
            .find(|c| c.source() == query.source)
            .ok_or("no connector")?;
        let mut times: Vec<Duration> = Vec::new();
        let mut total = serde_json::Value::Null;
        for _ in 0..=runs {
            let started = Instant::now();
            let out = runtime.block_on(connector.run(&query))?;
            times.push(started.elapsed());
            total = out.summary.get("total").cloned().unwrap_or_default();
        }
        times.remove(0);
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "| {label} | {:.1} ms | {:.1} ms | {total} |",
            ms(times[times.len() / 2]),
            ms(times[0])
        );
    }
    Ok(())
}

/// Plans and times every statement of `file` on the database `db` (see the module docs).
fn explain(db: &Path, file: &Path, params: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    use rusqlite::types::Value;
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    rusqlite::vtab::array::load_module(&conn)?;
    let mut bound: Vec<(String, Box<dyn rusqlite::ToSql>)> = Vec::new();
    for param in params {
        let (name, value) = param.split_once('=').ok_or("a parameter is :name=value")?;
        let value: Box<dyn rusqlite::ToSql> =
            if let Some(list) = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
                let values: Vec<Value> = list
                    .split(',')
                    .map(|v| Value::Text(v.to_string()))
                    .collect();
                Box::new(std::rc::Rc::new(values))
            } else if let Ok(n) = value.parse::<i64>() {
                Box::new(n)
            } else {
                Box::new(value.to_string())
            };
        bound.push((name.to_string(), value));
    }
    let text = std::fs::read_to_string(file)?;
    for sql in text.split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
        let bind = |stmt: &mut rusqlite::Statement<'_>| -> rusqlite::Result<()> {
            for (name, value) in &bound {
                if let Some(index) = stmt.parameter_index(name)? {
                    stmt.raw_bind_parameter(index, value)?;
                }
            }
            Ok(())
        };
        println!("{sql}");
        let mut plan = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
        bind(&mut plan)?;
        let mut rows = plan.raw_query();
        while let Some(row) = rows.next()? {
            println!("  {}", row.get::<_, String>(3)?);
        }
        let mut stmt = conn.prepare(sql)?;
        let mut times = Vec::new();
        let mut count = 0;
        for _ in 0..22 {
            bind(&mut stmt)?;
            let started = Instant::now();
            let mut rows = stmt.raw_query();
            count = 0;
            while rows.next()?.is_some() {
                count += 1;
            }
            times.push(started.elapsed());
        }
        times.remove(0);
        times.sort();
        println!(
            "  => {count} rows, median {:.2} ms, min {:.2} ms\n",
            times[times.len() / 2].as_secs_f64() * 1000.0,
            times[0].as_secs_f64() * 1000.0
        );
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let temp = std::env::temp_dir().join(format!("orca-store-bench-{}", std::process::id()));
    let what = std::env::args().nth(1).unwrap_or_else(|| "all".into());
    if what == "sql" {
        let args: Vec<String> = std::env::args().skip(2).collect();
        let [db, file, params @ ..] = args.as_slice() else {
            return Err("usage: store_bench sql DB FILE [:name=value...]".into());
        };
        return explain(Path::new(db), Path::new(file), params);
    }
    if what == "intents" {
        let kept = std::env::args().nth(2).map(PathBuf::from);
        let runs = match std::env::args().nth(3) {
            Some(runs) => runs.parse()?,
            None => 21,
        };
        let dir = kept.clone().unwrap_or_else(|| temp.join("generated"));
        intents(&dir, runs)?;
        if kept.is_none() {
            std::fs::remove_dir_all(&temp)?;
        }
        return Ok(());
    }
    let root: PathBuf = temp;
    std::fs::create_dir_all(&root)?;
    let now = bench_now();
    let hidden = ProgressBar::hidden();

    let opts = big_store_options(now);
    let dir = root.join("generated");
    if what == "all" || what == "generate" {
        let started = Mark::now();
        let summary = generate(&root.join("demo"), &GenerateOptions::demo(now), &hidden)?;
        println!("generate demo: {} rows in {started}", summary.total_rows);
    }
    if what == "all" || what == "generate" {
        let started = Mark::now();
        let summary = generate(&dir, &opts, &hidden)?;
        println!(
            "generate: {} rows ({} cases, {} incidents, {} work items, {} metrics) in {started}",
            summary.total_rows,
            summary.cases,
            summary.incidents,
            summary.work_items,
            summary.tenant_metrics
        );
    }

    if what == "all" || what == "import" {
        // ~1,000,000 case rows as CSV.
        let csv_dir = root.join("csv");
        let opts = GenerateOptions {
            seed: 2,
            customers: Some(1000),
            scale: 96.0,
            now,
        };
        let started = Mark::now();
        let written = write_csv(&csv_dir, &opts, &hidden)?;
        println!("write_csv: {} rows in {started}", written.total_rows);
        let cases_only = root.join("cases-only");
        std::fs::create_dir_all(&cases_only)?;
        std::fs::rename(csv_dir.join("cases.csv"), cases_only.join("cases.csv"))?;
        let size = std::fs::metadata(cases_only.join("cases.csv"))?.len();

        let store_dir = root.join("imported");
        for pass in ["fresh store", "again (upserts)"] {
            let started = Mark::now();
            let loaded = import(&store_dir, &cases_only, &hidden)?;
            println!(
                "import cases.csv ({} rows, {:.0} MB) into {pass}: {started}",
                loaded.total_rows,
                size as f64 / 1e6
            );
        }
    }

    if what != "all" {
        std::fs::remove_dir_all(&root)?;
        return Ok(());
    }
    let store = Store::open(&dir, OpenMode::ReadOnly)?;
    let tenant = store
        .registry_customers()?
        .into_iter()
        .find(|c| c.name == "Ford Motor Company")
        .map(|c| c.tenant_id);
    let connectors = store.connectors_at(&HealthThresholds::default(), Some(now));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let queries = [
        (
            "kusto, one tenant",
            Query {
                tenant_ids: tenant.iter().cloned().collect(),
                ..Query::new(SourceKey::Kusto)
            },
        ),
        (
            "kusto, all tenants",
            Query {
                all_tenants: true,
                ..Query::new(SourceKey::Kusto)
            },
        ),
        (
            "icm, one tenant",
            Query {
                tenant_ids: tenant.iter().cloned().collect(),
                ..Query::new(SourceKey::Icm)
            },
        ),
        (
            "tenant health, one tenant",
            Query {
                tenant_ids: tenant.iter().cloned().collect(),
                ..Query::new(SourceKey::Tenant)
            },
        ),
        (
            "tenant health, all tenants",
            Query {
                all_tenants: true,
                ..Query::new(SourceKey::Tenant)
            },
        ),
        (
            "docs",
            Query {
                search_terms: vec!["dlp".into(), "policy".into(), "tips".into()],
                ..Query::new(SourceKey::Docs)
            },
        ),
    ];
    for (label, query) in queries {
        let connector = connectors
            .iter()
            .find(|c| c.source() == query.source)
            .unwrap();
        let started = Instant::now();
        let out = runtime.block_on(connector.run(&query))?;
        println!(
            "query {label}: {:.1} ms (total {})",
            started.elapsed().as_secs_f64() * 1000.0,
            out.summary.get("total").cloned().unwrap_or_default()
        );
    }
    println!("store: {}", serde_json::to_string(&store.stats()?)?);
    std::fs::remove_dir_all(&root)?;
    Ok(())
}
