//! Starts the loopback Kusto fake over the fixture and prints one JSON line, `{"url", "token",
//! "database", "data_dir"}`, then serves until it is killed. `tests/kusto/run.sh` points the
//! official Python client (`azure-kusto-data`) at it; `data_dir` holds the fixture's CSV files,
//! from which the script computes the answers it expects on its own.
//!
//! ```sh
//! cargo run -p orca-testkit --example kusto_fake
//! ```

use std::io::Write;

use orca_testkit::Fixture;
use orca_testkit::kusto::KustoFake;

#[tokio::main]
async fn main() {
    let fixture = Fixture::new();
    let fake = KustoFake::start(&fixture).await;
    let line = serde_json::json!({
        "url": fake.url(),
        "token": KustoFake::TOKEN,
        "database": KustoFake::DATABASE,
        "data_dir": fixture.dir(),
    });
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
    std::future::pending::<()>().await;
}
