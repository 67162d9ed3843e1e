//! The command line of DESIGN section 4: command names and flags are a fixed contract.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Orca answers plain-language questions about customers: cases, incidents, work items,
/// tenant health and product docs, in one fast report.
#[derive(Debug, Parser)]
#[command(name = "orca", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command accepts.
#[derive(Debug, Args, Clone, Default)]
pub struct CommonArgs {
    /// Configuration file (default: ./orca.toml if present, else built-in defaults).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Customer registry CSV (overrides the config and the store's registry).
    #[arg(long, global = true, value_name = "FILE")]
    pub registry: Option<PathBuf>,
    /// Data directory of the embedded store (default: $ORCA_DATA, else the platform data dir).
    #[arg(long, global = true, value_name = "DIR", env = "ORCA_DATA")]
    pub data: Option<PathBuf>,
    /// The clock for relative time ranges, RFC 3339 (default: the real clock).
    #[arg(long, global = true, value_name = "RFC3339", value_parser = parse_now)]
    pub now: Option<chrono::DateTime<chrono::Utc>>,
    /// Log level for stderr (off, error, warn, info, debug, trace), or tracing directives such as
    /// `warn,orca_engine=debug`.
    #[arg(long, global = true, default_value = "warn", value_name = "LEVEL", value_parser = parse_log)]
    pub log: String,
    /// Shared result cache on Redis, e.g. redis://127.0.0.1:6379 (selects `[cache] backend =
    /// "redis"` with this url).
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "ORCA_REDIS_URL",
        hide_env_values = true
    )]
    pub redis_url: Option<String>,
}

/// A level, or comma-separated `target=level` directives; a bare word that is not a level
/// (`--log garbage`) is refused rather than read as a target name that matches nothing.
fn parse_log(s: &str) -> Result<String, String> {
    const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];
    let level = |l: &str| LEVELS.contains(&l.trim().to_ascii_lowercase().as_str());
    let fits = !s.trim().is_empty()
        && s.split(',')
            .all(|directive| match directive.split_once('=') {
                Some((target, l)) => !target.trim().is_empty() && level(l),
                None => level(directive),
            });
    if fits {
        Ok(s.to_string())
    } else {
        Err(format!(
            "`{s}` is not a log level: use one of {} or target=level directives",
            LEVELS.join(", ")
        ))
    }
}

fn parse_now(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| format!("`{s}` is not an RFC 3339 timestamp like 2026-11-24T12:00:00Z ({e})"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AskFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Plan, run and report: answer a request.
    Ask(AskArgs),
    /// Show the plan for a request; nothing runs.
    Plan(PlanArgs),
    /// Interactive session (REPL) over one engine and one cache.
    Chat,
    /// HTTP API, /metrics, dashboard and MCP over HTTP.
    Serve(ServeArgs),
    /// Manage the bearer tokens of the HTTP API.
    #[command(subcommand)]
    Token(TokenCommand),
    /// MCP server on standard input/output.
    Mcp,
    /// Resolve a customer name and show the candidates.
    Customers(CustomersArgs),
    /// Generate, import and inspect the embedded data set.
    #[command(subcommand)]
    Data(DataCommand),
    /// Soak test: many asks with injected faults through an in-process server on loopback.
    Soak(SoakArgs),
    /// Check each source: reachable, authenticated, tables and columns present.
    Doctor(DoctorArgs),
    /// Print a shell completion script.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct AskArgs {
    /// The request, in plain words.
    pub request: String,
    #[arg(long, value_enum, default_value = "text")]
    pub format: AskFormat,
    /// Bypass the result cache for this ask.
    #[arg(long)]
    pub no_cache: bool,
    /// Add a timeline of the tasks (start, end, attempts, cached, status).
    #[arg(long)]
    pub explain: bool,
    /// Inject a fault: SOURCE=error|timeout|slow:MS|flaky:P (repeatable).
    #[arg(long = "inject-fault", value_name = "SOURCE=FAULT")]
    pub inject_fault: Vec<String>,
    /// Seed for flaky faults and jitter (deterministic runs).
    #[arg(long)]
    pub seed: Option<u64>,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    #[arg(long, value_enum, default_value = "text")]
    pub format: PlanFormat,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: `[server] addr` of the config, else 127.0.0.1:8080].
    #[arg(long, value_name = "ADDR")]
    pub addr: Option<String>,
    /// Bearer tokens file (overrides `[server] tokens_file`).
    #[arg(long, value_name = "FILE")]
    pub tokens: Option<PathBuf>,
    /// Serve without a tokens file on a non-loopback address (every caller sees everything).
    #[arg(long)]
    pub allow_unauthenticated: bool,
}

#[derive(Debug, Args)]
pub struct SoakArgs {
    /// Asks to send (1 to 100000).
    #[arg(long, default_value_t = 1000)]
    pub asks: usize,
    /// Probability that one source call misbehaves (0 to 1): an error, a hang, or a delay.
    #[arg(long, default_value_t = 0.3)]
    pub fault_rate: f64,
    /// Seed of the ask sequence and the fault draws (random when absent; the report shows it).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Asks in flight at once (1 to 256).
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// The engine deadline of each ask during the soak (`engine.deadline_ms`).
    #[arg(long, default_value_t = 1000, value_name = "MS")]
    pub deadline_ms: u64,
    /// The budget of one task during the soak (`engine.task_timeout_ms`) [default: the deadline,
    /// so hung calls run into it].
    #[arg(long, value_name = "MS")]
    pub task_timeout_ms: Option<u64>,
    /// How long past the deadline the client waits before counting an ask as hung.
    #[arg(long, default_value_t = 1000, value_name = "MS")]
    pub margin_ms: u64,
    /// Fail when the slowest ask ends more than this past the deadline.
    #[arg(long, default_value_t = 50, value_name = "MS")]
    pub max_overshoot_ms: u64,
    /// Fail with more hung asks than this.
    #[arg(long, default_value_t = 0)]
    pub max_hangs: u64,
    /// Fail with more sections that are not ok and give no reason than this.
    #[arg(long, default_value_t = 0)]
    pub max_reasonless: u64,
    /// Fail with more 5xx answers than this.
    #[arg(long, default_value_t = 0)]
    pub max_5xx: u64,
    /// Loopback address of the in-process server (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
    pub addr: String,
    #[arg(long, value_enum, default_value = "text")]
    pub format: PlanFormat,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token, store its SHA-256 hash, and print the token once.
    Add(TokenAddArgs),
    /// List the tokens (names and scopes; the tokens themselves are not stored).
    List {
        /// Tokens file (overrides `[server] tokens_file`).
        #[arg(long, value_name = "FILE")]
        tokens: Option<PathBuf>,
    },
    /// Remove a token by name.
    Remove {
        name: String,
        /// Tokens file (overrides `[server] tokens_file`).
        #[arg(long, value_name = "FILE")]
        tokens: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("scope").required(true).args(["tenants", "segments", "all"])))]
pub struct TokenAddArgs {
    /// A name for the token (who or what uses it).
    pub name: String,
    /// Tenant ids the token may see (comma separated).
    #[arg(long, value_delimiter = ',', value_name = "TENANT_ID,...")]
    pub tenants: Vec<String>,
    /// Registry segments whose tenants the token may see (comma separated).
    #[arg(long, value_delimiter = ',', value_name = "SEGMENT,...")]
    pub segments: Vec<String>,
    /// The token may see every tenant.
    #[arg(long)]
    pub all: bool,
    /// Tokens file (overrides `[server] tokens_file`).
    #[arg(long, value_name = "FILE")]
    pub tokens: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The request, in plain words.
    pub request: String,
    #[arg(long, value_enum, default_value = "text")]
    pub format: PlanFormat,
}

#[derive(Debug, Args)]
pub struct CustomersArgs {
    /// A customer name, alias, or something close to one.
    pub name: String,
    #[arg(long, value_enum, default_value = "text")]
    pub format: PlanFormat,
}

/// Where `orca data import` loads the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportTarget {
    Store,
    Postgres,
}

#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Generate the synthetic demo data set (into the store, or as CSV files with --out).
    Generate {
        /// Number of customers (default: the ~200 of the demo registry).
        #[arg(long)]
        customers: Option<usize>,
        /// Multiplies the number of rows per customer.
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Write DESIGN section 6 CSV files and docs/ into DIR instead of the store.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Seed of the generator: the same seed gives the same data.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Load CSV exports (registry.csv, cases.csv, incidents.csv, work_items.csv,
    /// tenant_metrics.csv, docs/) from DIR in one transaction.
    Import {
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// Where the rows go: the embedded store, or PostgreSQL (the same tables, one
        /// transaction).
        #[arg(long, value_enum, default_value = "store")]
        target: ImportTarget,
        /// PostgreSQL URL for --target postgres (default: $ORCA_PG_URL).
        #[arg(long, value_name = "URL")]
        pg_url: Option<String>,
        /// PostgreSQL schema for --target postgres (created if needed; default: public).
        #[arg(long, value_name = "SCHEMA")]
        pg_schema: Option<String>,
    },
    /// Show what the store holds.
    Stats {
        #[arg(long, value_enum, default_value = "text")]
        format: PlanFormat,
    },
}
