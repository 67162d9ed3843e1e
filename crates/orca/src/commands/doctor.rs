//! `orca doctor`: checks each of the five sources through the connector that serves it (the
//! store's, or the one `[sources.<key>]` configures) and prints one line per source: reachable,
//! authenticated, tables and columns present, or what is wrong and how to fix it.
//!
//! Decisions: every source is checked, at once, each within its per-task timeout (a source that
//! does not answer is reported as such, never waited for); a source whose settings cannot even
//! build a connector is reported on its line like any other failure. Exit 0 when every source is
//! ready, 1 when one is not (as an ask whose essential source failed), 2 for bad flags or config.
//! `/readyz` runs the same checks ([`check_all`]).

use crate::out::outln;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use orca_core::{Connector, SourceKey};
use serde::Serialize;

use crate::app;
use crate::cli::{CommonArgs, DoctorArgs, PlanFormat};
use crate::config::Config;
use crate::error::CliResult;

/// What the check of one source found.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SourceCheck {
    /// The source key (`kusto`, `icm`, `ado`, `tenant`, `docs`).
    pub source: String,
    /// The connector serving it: `store`, `kusto`, `azure_devops`, `mcp` or `postgres`.
    pub connector: String,
    pub ok: bool,
    /// What was checked, or what is wrong and how to fix it.
    pub detail: String,
}

/// A source, its connector kind, and its connector or why it could not be built.
type Built = (SourceKey, String, Result<Arc<dyn Connector>, String>);

pub fn run(common: &CommonArgs, args: DoctorArgs) -> CliResult<ExitCode> {
    let config = app::config(common)?;
    let store = app::store_or_demo(&config, app::now(common))?;
    let registry = app::registry(&config, Some(&store))?;
    let customers: Arc<[orca_core::Customer]> = registry.customers().into();
    let built: Vec<Built> = SourceKey::ALL
        .into_iter()
        .map(|source| {
            let kind = kind_of(&config, source);
            let connector = app::connector(&config, &store, &customers, common.now, source)
                .map_err(|e| e.to_string());
            (source, kind, connector)
        })
        .collect();
    let runtime = app::runtime()?;
    let ready: Vec<Arc<dyn Connector>> = built
        .iter()
        .filter_map(|(_, _, c)| c.as_ref().ok().cloned())
        .collect();
    let mut checked = runtime.block_on(check_all(&config, &ready)).into_iter();
    let checks: Vec<SourceCheck> = built
        .into_iter()
        .map(|(source, kind, connector)| match connector {
            Ok(_) => checked.next().expect("one check per built connector"),
            Err(detail) => SourceCheck {
                source: source.as_str().to_string(),
                connector: kind,
                ok: false,
                detail,
            },
        })
        .collect();
    match args.format {
        PlanFormat::Json => outln!("{}", serde_json::to_string_pretty(&checks)?),
        PlanFormat::Text => {
            for c in &checks {
                let verdict = if c.ok { "ok    " } else { "FAILED" };
                outln!("{verdict} {:<7} {:<13} {}", c.source, c.connector, c.detail);
            }
        }
    }
    Ok(if checks.iter().all(|c| c.ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The connector kind configured for `source`.
pub fn kind_of(config: &Config, source: SourceKey) -> String {
    config
        .sources
        .get(&source)
        .map_or("store", |s| s.kind())
        .to_string()
}

/// Checks one connector within `timeout`.
pub async fn check_one(
    connector: &Arc<dyn Connector>,
    kind: String,
    timeout: Duration,
) -> SourceCheck {
    let source = connector.source().as_str().to_string();
    let (ok, detail) = match tokio::time::timeout(timeout, connector.check()).await {
        Ok(Ok(detail)) => (true, detail),
        Ok(Err(e)) => (false, e.message),
        Err(_) => (
            false,
            format!(
                "{source}: the source did not answer within {} ms; check that it is reachable from here",
                timeout.as_millis()
            ),
        ),
    };
    SourceCheck {
        source,
        connector: kind,
        ok,
        detail,
    }
}

/// Checks every connector at once (`/readyz` and `orca doctor`), in the order given.
pub async fn check_all(config: &Config, connectors: &[Arc<dyn Connector>]) -> Vec<SourceCheck> {
    let mut running = tokio::task::JoinSet::new();
    for (i, c) in connectors.iter().enumerate() {
        let (c, kind) = (c.clone(), kind_of(config, c.source()));
        let timeout = config.engine.task_timeout(c.source());
        running.spawn(async move { (i, check_one(&c, kind, timeout).await) });
    }
    let mut checks: Vec<(usize, SourceCheck)> = running.join_all().await;
    checks.sort_by_key(|(i, _)| *i);
    checks.into_iter().map(|(_, c)| c).collect()
}
