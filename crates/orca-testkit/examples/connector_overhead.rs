//! The cost of each connector per query, against its loopback fake (or the real PostgreSQL):
//! every case of the conformance suite, for every source each connector serves, run `--rounds`
//! times after one warm-up round; p50 and p95 per query, beside the embedded store on the same
//! queries. BENCHMARKS.md, "Connectors", records the figures.
//!
//! ```sh
//! cargo run --release -p orca-testkit --example connector_overhead -- --rounds 20
//! ```
//!
//! The fakes answer from memory on loopback, so the figures are the connector's own work (query
//! text, HTTP or MCP round trip, parsing, client-side evaluation where the source cannot
//! aggregate) plus the fake's, not a real service's latency.

use std::sync::Arc;
use std::time::{Duration, Instant};

use orca_connectors::ado::AdoConfig;
use orca_connectors::kusto::KustoConfig;
use orca_connectors::mcp::McpConfig;
use orca_connectors::postgres::PostgresConfig;
use orca_connectors::sources::SourceContext;
use orca_core::{Connector, SourceKey};
use orca_testkit::ado::AdoFake;
use orca_testkit::kusto::KustoFake;
use orca_testkit::mcp::{McpFake, tool_of};
use orca_testkit::{Fixture, conformance};

fn context(fixture: &Fixture, source: SourceKey) -> SourceContext {
    SourceContext {
        now: Some(Fixture::now()),
        timeout: Duration::from_secs(10),
        ..SourceContext::for_test(source, fixture.customers())
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let rounds: usize = std::env::args()
        .skip_while(|a| a != "--rounds")
        .nth(1)
        .map_or(10, |r| r.parse().expect("--rounds N"));
    let fixture = Fixture::new();
    let kusto = KustoFake::start(&fixture).await;
    let ado = AdoFake::start(&fixture).await;
    let mcp = McpFake::start(fixture.data.clone()).await;
    let pg_url = std::env::var("ORCA_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/test".into());
    let schema = format!("orca_bench_{}", std::process::id());
    orca_connectors::postgres::import(
        &pg_url,
        &schema,
        &fixture.dir,
        &indicatif::ProgressBar::hidden(),
    )
    .await
    .expect("PostgreSQL (ORCA_TEST_POSTGRES_URL) is needed");

    let mut subjects: Vec<(&str, Arc<dyn Connector>)> = Vec::new();
    for source in SourceKey::ALL {
        subjects.push(("store", fixture.store_connector(source)));
        if source != SourceKey::Docs {
            let config = KustoConfig::for_test(
                &kusto.url(),
                KustoFake::DATABASE,
                &["echo", KustoFake::TOKEN],
            );
            subjects.push((
                "kusto",
                config
                    .build(&context(&fixture, source))
                    .expect("kusto builds"),
            ));
        }
        if source == SourceKey::Ado {
            subjects.push((
                "azure_devops",
                AdoConfig::for_test(&ado.url(), ado.pat())
                    .build(&context(&fixture, source))
                    .expect("ado builds"),
            ));
        }
        let mcp_config = McpConfig {
            max_items: 1_000_000,
            ..McpConfig::http(mcp.url(), tool_of(source))
        };
        subjects.push((
            "mcp",
            mcp_config
                .build(&context(&fixture, source))
                .expect("mcp builds"),
        ));
        subjects.push((
            "postgres",
            PostgresConfig::for_test(&pg_url, &schema)
                .build(&context(&fixture, source))
                .expect("postgres builds"),
        ));
    }

    println!("| source | connector | queries | refused | p50 ms | p95 ms | p50 over the store |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    let mut store_p50 = Duration::ZERO;
    for (kind, connector) in &subjects {
        let source = connector.source();
        let cases = conformance::cases(&fixture, source);
        for case in &cases {
            let _ = connector.run(&case.query).await;
        }
        let mut times = Vec::with_capacity(cases.len() * rounds);
        // Queries the source refused: the store's own refusals (e.g. work items have no owner)
        // and nothing else, or the figures would time errors.
        let mut refused = 0;
        for _ in 0..rounds {
            for case in &cases {
                let started = Instant::now();
                let result = connector.run(&case.query).await;
                times.push(started.elapsed());
                refused += usize::from(result.is_err());
            }
        }
        times.sort();
        let p50 = percentile(&times, 0.5);
        if *kind == "store" {
            store_p50 = p50;
        }
        println!(
            "| {source} | {kind} | {} | {refused} | {:.2} | {:.2} | {} |",
            times.len(),
            ms(p50),
            ms(percentile(&times, 0.95)),
            if *kind == "store" {
                "-".to_string()
            } else {
                format!("{:+.2} ms", ms(p50) - ms(store_p50))
            }
        );
    }

    let (client, connection) = tokio_postgres::connect(&pg_url, tokio_postgres::NoTls)
        .await
        .expect("PostgreSQL");
    tokio::spawn(connection);
    client
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .await
        .expect("the bench schema dropped");
}
