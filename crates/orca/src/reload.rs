//! File reload for long-running processes: the registry file (`chat`, `serve`, `mcp`) and the
//! tokens file (`serve`) are polled ([`watch`]: modification time and length, once a second by
//! default) and, when changed, loaded again: the registry is swapped into the service with
//! `Orca::replace_registry`, the token table into the server's `Auth` (a removed token is refused
//! from the next request on).
//!
//! Polling rather than file-system notifications: one `stat` a second is free, works on every
//! platform and file system (network mounts, editors that replace the file), and needs no crate.
//! Invariant: a request sees the old registry or the new one, never half of each (the swap is
//! one `Arc` under a lock); a new file that cannot be read or loaded keeps the old registry and
//! logs a warning.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use orca_core::Registry;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use crate::service::Orca;

/// How often the file is checked by default.
pub const POLL_EVERY: Duration = Duration::from_secs(1);

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reload {
    /// The file changed and was loaded: `customers` now, `skipped` bad rows.
    Loaded { customers: usize, skipped: usize },
    /// The file changed but could not be loaded; the old registry stays.
    Kept { error: String },
}

/// The identity of one version of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    Some(Stamp {
        modified: meta.modified().ok(),
        len: meta.len(),
    })
}

fn load(path: &Path) -> Result<(Registry, usize), String> {
    let file = std::fs::File::open(path)
        .map_err(|e| format!("cannot read registry {}: {e}", path.display()))?;
    let (registry, skipped) = Registry::from_csv(std::io::BufReader::new(file))
        .map_err(|e| format!("cannot load registry {}: {e}", path.display()))?;
    if registry.is_empty() {
        return Err(format!(
            "registry {} has no valid customer; keeping the previous one",
            path.display()
        ));
    }
    Ok((registry, skipped.len()))
}

/// Checks `path` every `every` until `cancel` and calls `on_change` each time it changed (it
/// appeared, disappeared, or its modification time or length changed). Changes are counted from
/// the call, not from the first poll of the returned future.
pub fn watch<F>(
    path: PathBuf,
    every: Duration,
    cancel: CancellationToken,
    mut on_change: F,
) -> impl std::future::Future<Output = ()> + Send + 'static
where
    F: FnMut(&Path) + Send + 'static,
{
    let mut last = stamp(&path);
    async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = cancel.cancelled() => return,
                _ = ticks.tick() => {}
            }
            let now = stamp(&path);
            if now != last {
                last = now;
                on_change(&path);
            }
        }
    }
}

/// Watches the registry file `path` every `every` until `cancel`, swapping each good new version
/// into `orca`. Each check that found a change is also sent to `notify` (for tests and logs).
pub fn watch_registry(
    orca: Orca,
    path: PathBuf,
    every: Duration,
    cancel: CancellationToken,
    notify: Option<UnboundedSender<Reload>>,
) -> impl std::future::Future<Output = ()> + Send + 'static {
    watch(path, every, cancel, move |path| {
        let outcome = match load(path) {
            Ok((registry, skipped)) => {
                let customers = registry.len();
                orca.replace_registry(registry);
                tracing::info!(path = %path.display(), customers, skipped, "registry reloaded");
                Reload::Loaded { customers, skipped }
            }
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "registry changed but could not be loaded; keeping the previous one");
                Reload::Kept { error }
            }
        };
        if let Some(notify) = &notify {
            let _ = notify.send(outcome);
        }
    })
}

/// Starts `watch_registry` on the current runtime when the service reads a registry file.
pub fn spawn(orca: &Orca, cancel: CancellationToken) -> Option<tokio::task::JoinHandle<()>> {
    let path = orca.config().registry.clone()?;
    Some(tokio::spawn(watch_registry(
        orca.clone(),
        path,
        POLL_EVERY,
        cancel,
        None,
    )))
}
