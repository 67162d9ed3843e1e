//! What every command needs before it can work: the resolved config, the registry and the store.
//!
//! Registry precedence: `--registry` > `registry` in orca.toml > the store's registry (from
//! `orca data import` or the demo set) > the demo registry compiled into the binary.
//!
//! Demo data: the first `orca ask` on a machine with no store generates the demo data set (with a
//! progress bar) in the *default* data directory only. A directory the user chose (`--data`,
//! `ORCA_DATA`, `data_dir`) should hold a store already, so a missing one is an error (a mistyped
//! path never answers from fresh synthetic data), and a file that is not a valid store (empty,
//! truncated, corrupt) is an error naming it, never overwritten.

use crate::out::errln;
use std::path::Path;

use anyhow::Context as _;
use std::sync::Arc;

use orca_connectors::{OpenMode, Store, StoreState};
use orca_core::{Connector, SourceKey};
use orca_core::{Registry, RowError};

use crate::cli::CommonArgs;
use crate::config::Config;
use crate::error::{BadInput, CliError, CliResult};

/// How many skipped registry rows are listed before a count.
const SHOWN_ROW_ERRORS: usize = 5;

pub fn config(common: &CommonArgs) -> CliResult<Config> {
    Config::from_args(common).map_err(|errors| {
        let n = errors.len();
        CliError::bad_input(anyhow::anyhow!(
            "{} configuration {}: {}",
            n,
            if n == 1 { "error" } else { "errors" },
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ))
    })
}

/// The clock for relative time ranges: `--now` or the real one.
pub fn now(common: &CommonArgs) -> chrono::DateTime<chrono::Utc> {
    common.now.unwrap_or_else(chrono::Utc::now)
}

/// What the data directory holds; a file that is not a valid store is an error naming it.
fn probe(config: &Config) -> CliResult<StoreState> {
    Store::probe(&config.data_dir).map_err(|e| CliError::from(anyhow::Error::new(e)))
}

/// Opens the store read-only if there is one (with or without data).
pub fn existing_store(config: &Config) -> CliResult<Option<Store>> {
    if probe(config)? == StoreState::Missing {
        return Ok(None);
    }
    open_read_only(config).map(Some)
}

/// Opens the data directory's store read-only (it was probed, or just generated).
fn open_read_only(config: &Config) -> CliResult<Store> {
    Store::open(&config.data_dir, OpenMode::ReadOnly)
        .with_context(|| {
            format!(
                "cannot open the data store in {}",
                config.data_dir.display()
            )
        })
        .map_err(CliError::from)
}

/// Opens the store; in the default data directory, generates the demo data set first when there
/// is no store or one without data (see the module doc for why a chosen directory never is).
pub fn store_or_demo(config: &Config, now: chrono::DateTime<chrono::Utc>) -> CliResult<Store> {
    let dir = config.data_dir.display();
    match (probe(config)?, config.data_dir_chosen) {
        (StoreState::Ready, _) => return open_read_only(config),
        (StoreState::Missing, true) => {
            return Err(CliError::bad_input(anyhow::anyhow!(
                "no data set in {dir} (is the path right?): `orca data generate --data {dir}` \
                 creates the demo data set there, `orca data import --dir CSV_DIR --data {dir}` loads yours"
            )));
        }
        (StoreState::NoData, true) => {
            return Err(CliError::bad_input(anyhow::anyhow!(
                "the store in {dir} holds no data (an import that did not finish?): run \
                 `orca data import --dir CSV_DIR --data {dir}` or `orca data generate --data {dir}`"
            )));
        }
        (StoreState::Missing | StoreState::NoData, false) => {}
    }
    errln!(
        "No data set in {}: creating the demo data set (once; `orca data import` loads your own).",
        config.data_dir.display()
    );
    let bar = crate::progress::bar(0, "generating demo data");
    let options = orca_connectors::GenerateOptions::demo(now);
    orca_connectors::generate(&config.data_dir, &options, &bar).with_context(|| {
        format!(
            "cannot create the demo data set in {}",
            config.data_dir.display()
        )
    })?;
    bar.finish_and_clear();
    open_read_only(config)
}

/// The registry for commands that only look things up (`plan`, `customers`): the store is opened
/// (read-only) only when no registry file is configured, and never created.
pub fn lookup_registry(config: &Config) -> CliResult<Registry> {
    let store = match config.registry {
        Some(_) => None,
        None => existing_store(config)?,
    };
    registry(config, store.as_ref())
}

/// Loads the registry by the precedence above and reports skipped rows on stderr.
pub fn registry(config: &Config, store: Option<&Store>) -> CliResult<Registry> {
    let (registry, row_errors, label) = if let Some(path) = &config.registry {
        let (r, e) = registry_from_file(path)?;
        (r, e, path.display().to_string())
    } else if let Some(store) = store {
        let customers = store
            .registry_customers()
            .context("cannot read the registry from the data store")?;
        if customers.is_empty() {
            let (r, e) = demo_registry()?;
            (r, e, "demo registry".to_string())
        } else {
            let (r, e) = Registry::from_customers(customers);
            (r, e, "data store registry".to_string())
        }
    } else {
        let (r, e) = demo_registry()?;
        (r, e, "demo registry".to_string())
    };
    warn_row_errors(&label, &row_errors);
    Ok(registry)
}

fn demo_registry() -> CliResult<(Registry, Vec<RowError>)> {
    Registry::from_csv(orca_connectors::DEMO_REGISTRY_CSV.as_bytes())
        .context("the built-in demo registry is invalid")
        .map_err(CliError::from)
}

/// Reads a registry CSV file; an unreadable file or a missing column is bad input (exit 2).
pub fn registry_from_file(path: &Path) -> CliResult<(Registry, Vec<RowError>)> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("cannot read registry {}", path.display()))
        .bad_input()?;
    Registry::from_csv(std::io::BufReader::new(file))
        .with_context(|| format!("cannot load registry {}", path.display()))
        .bad_input()
}

fn warn_row_errors(label: &str, errors: &[RowError]) {
    for e in errors.iter().take(SHOWN_ROW_ERRORS) {
        errln!("warning: {label}:{}: {} (row skipped)", e.line, e.reason);
    }
    if errors.len() > SHOWN_ROW_ERRORS {
        errln!(
            "warning: {label}: {} more rows skipped",
            errors.len() - SHOWN_ROW_ERRORS
        );
    }
}

/// Opens everything an ask needs: the store (creating the demo set on first use), the registry
/// and the engine over the store's connectors.
pub fn open_service(config: Config, common: &CommonArgs) -> CliResult<crate::service::Orca> {
    let store = store_or_demo(&config, now(common))?;
    let registry = registry(&config, Some(&store))?;
    let connectors = connectors(&config, &store, &registry, common.now)?;
    let bad_config = |errors: Vec<orca_engine::ConfigError>| {
        CliError::bad_input(anyhow::anyhow!(
            "{}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ))
    };
    // One result cache per process, shared by every ask (and every chat turn) of the service.
    let cache = orca_engine::Cache::new(&config.cache).map_err(bad_config)?;
    let engine = orca_engine::Engine::with_cache(config.engine.clone(), connectors, cache)
        .map_err(bad_config)?;
    Ok(crate::service::Orca::new(config, registry, store, engine))
}

/// One connector per source: the one `[sources.<key>]` configures, else the store's. Remote
/// connectors are built (and their settings checked) before any ask runs; a setting that cannot
/// work is bad input, said in one sentence naming its table.
pub fn connectors(
    config: &Config,
    store: &Store,
    registry: &Registry,
    now: Option<chrono::DateTime<chrono::Utc>>,
) -> CliResult<Vec<Arc<dyn Connector>>> {
    let customers: Arc<[orca_core::Customer]> = registry.customers().into();
    SourceKey::ALL
        .into_iter()
        .map(|source| {
            connector(config, store, &customers, now, source)
                .map_err(|e| CliError::bad_input(anyhow::anyhow!("{e}")))
        })
        .collect()
}

/// The connector of one source: `[sources.<key>]`'s, else the store's.
pub fn connector(
    config: &Config,
    store: &Store,
    customers: &Arc<[orca_core::Customer]>,
    now: Option<chrono::DateTime<chrono::Utc>>,
    source: SourceKey,
) -> Result<Arc<dyn Connector>, orca_connectors::sources::SourceConfigError> {
    let store_connector = || -> Arc<dyn Connector> {
        Arc::new(orca_connectors::StoreConnector::new(
            store.clone(),
            source,
            config.health.clone(),
            now,
        ))
    };
    let Some(settings) = config.sources.get(&source) else {
        return Ok(store_connector());
    };
    let ctx = orca_connectors::sources::SourceContext {
        source,
        customers: customers.clone(),
        health: config.health.clone(),
        now,
        timeout: config.engine.task_timeout(source),
    };
    Ok(settings.build(&ctx)?.unwrap_or_else(store_connector))
}

/// The multi-thread runtime every async command runs on.
pub fn runtime() -> CliResult<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// `open_service` for long-running commands (`chat`, `serve`, `mcp`): a configured registry file
/// is also reloaded when it changes, until `stop` is cancelled.
pub fn open_watched_service(
    config: Config,
    common: &CommonArgs,
    runtime: &tokio::runtime::Runtime,
    stop: &tokio_util::sync::CancellationToken,
) -> CliResult<crate::service::Orca> {
    let orca = open_service(config, common)?;
    let _entered = runtime.enter();
    crate::reload::spawn(&orca, stop.clone());
    Ok(orca)
}
