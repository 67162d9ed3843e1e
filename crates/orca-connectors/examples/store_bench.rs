//! One-shot timings of the store at scale (not a test): generating ~1,000,000 rows, importing
//! 1,000,000 case rows (fresh, then again as upserts), and a few agent queries on the result.
//!
//! `cargo run --release -p orca-connectors --example store_bench [-- all|generate|import]`
//! (work files go to a temporary directory, removed at the end).
//!
//! `cargo run --release -p orca-connectors --example store_bench -- intents [DIR]` times the
//! shaped queries of issue 12 (rank, breakdown, trend, list, aggregate, plain counts) on the same
//! 1M-row store, each the median of 7 runs after one warm-up. With DIR the store is generated
//! there once and kept (later runs reuse it, e.g. for `sqlite3 DIR/orca.db 'EXPLAIN QUERY PLAN
//! ...'`); without it, it goes to a temporary directory.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
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

/// Times the shaped queries of issue 12 on the big store in `dir` (generated there if absent).
fn intents(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let now = bench_now();
    if !Store::exists(dir) {
        let started = Mark::now();
        let summary = generate(dir, &big_store_options(now), &ProgressBar::hidden())?;
        println!("generate: {} rows in {started}", summary.total_rows);
    }
    let store = Store::open(dir, OpenMode::ReadOnly)?;
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
        for _ in 0..8 {
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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let temp = std::env::temp_dir().join(format!("orca-store-bench-{}", std::process::id()));
    let what = std::env::args().nth(1).unwrap_or_else(|| "all".into());
    if what == "intents" {
        let kept = std::env::args().nth(2).map(PathBuf::from);
        let dir = kept.clone().unwrap_or_else(|| temp.join("generated"));
        intents(&dir)?;
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
