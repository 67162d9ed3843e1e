//! The MCP fake over stdio: the fixture's rows (the same generator, seed and clock as
//! `Fixture::new`) served by [`FixtureServer`]'s tools on stdin/stdout, so that `type = "mcp"`
//! with `command = [...]` is tested against a real child process.
//!
//! `ORCA_MCP_FAKE_EXIT_AFTER=N`: the process exits when tool call N + 1 arrives, without
//! answering it (a server that dies under its client). Logs go to stderr.

use std::sync::Arc;

use indicatif::ProgressBar;
use orca_connectors::GenerateOptions;
use orca_testkit::Fixture;
use orca_testkit::mcp::{Control, FixtureServer};
use rmcp::ServiceExt as _;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let temp = tempfile::tempdir().expect("a temporary directory");
    let dir = temp.path().join("data");
    let options = GenerateOptions {
        seed: Fixture::SEED,
        customers: Some(Fixture::CUSTOMERS),
        scale: 1.0,
        now: Fixture::now(),
    };
    orca_connectors::write_csv(&dir, &options, &ProgressBar::hidden()).expect("fixture files");
    let data = Arc::new(orca_connectors::read_dir(&dir).expect("fixture files read back"));
    let exit_after: Option<u64> = std::env::var("ORCA_MCP_FAKE_EXIT_AFTER")
        .ok()
        .and_then(|n| n.parse().ok());
    let control = Arc::new(Control::default());
    let server = FixtureServer::new(data, control.clone()).with_exit_after(exit_after);
    match server.serve(rmcp::transport::stdio()).await {
        Ok(running) => {
            let _ = running.waiting().await;
        }
        Err(e) => eprintln!("mcp_fake_stdio: the MCP session did not start: {e}"),
    }
}
