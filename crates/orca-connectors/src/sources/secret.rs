//! Credentials of remote sources: read from an environment variable (`token_env`, `pat_env`,
//! `url_env`) or printed by a command (`token_command = ["az", "account", "get-access-token",
//! ...]`). A credential is read when a query needs it, never logged, and a missing one is an
//! `Auth` error that names the variable or command, so `orca doctor` can say how to fix it.
//!
//! Decision: a command's output is kept for [`COMMAND_TTL`] (per command line, process-wide), so
//! a query does not start a process each time (`az` takes about a second; AAD access tokens
//! live an hour or more). A connector whose source refuses the credential calls
//! [`Secret::forget`], so the next query runs the command again and picks up a renewed token.
//! Variables are read on every use (cheap, and a rotated value applies at once).

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use orca_core::{ConnectorError, ErrorKind};
use serde::Deserialize;

/// Where a credential comes from.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Secret {
    /// An environment variable holding the value.
    Env(String),
    /// A command (no shell) whose standard output, trimmed, is the value. An `az account
    /// get-access-token` JSON answer is understood: its `accessToken` is the value.
    Command(Vec<String>),
}

impl Secret {
    /// The credential from `env` or `command`, whichever is set; an error naming both settings
    /// when neither or both are.
    pub fn from_settings(
        env_key: &str,
        env: Option<&str>,
        command_key: &str,
        command: Option<&[String]>,
    ) -> Result<Secret, String> {
        match (env, command) {
            (Some(name), None) if !name.trim().is_empty() => Ok(Secret::Env(name.trim().into())),
            (None, Some(argv)) if argv.first().is_some_and(|p| !p.trim().is_empty()) => {
                Ok(Secret::Command(argv.to_vec()))
            }
            (Some(_), Some(_)) => Err(format!("set {env_key} or {command_key}, not both")),
            _ => Err(format!(
                "needs {env_key} (an environment variable) or {command_key} (a command)"
            )),
        }
    }

    /// Reads the credential now. `Auth` when it is missing or the command fails.
    pub async fn read(&self, timeout: Duration) -> Result<String, ConnectorError> {
        let auth = |m: String| ConnectorError::new(ErrorKind::Auth, m);
        match self {
            Secret::Env(name) => match std::env::var(name) {
                Ok(value) if !value.trim().is_empty() => Ok(value.trim().to_string()),
                _ => Err(auth(format!(
                    "the environment variable {name} holding the credential is not set"
                ))),
            },
            Secret::Command(argv) => {
                if let Some(token) = cached(argv) {
                    return Ok(token);
                }
                let (program, args) = argv.split_first().expect("checked when built");
                let run = tokio::process::Command::new(program)
                    .args(args)
                    .kill_on_drop(true)
                    .output();
                let output = tokio::time::timeout(timeout, run)
                    .await
                    .map_err(|_| {
                        auth(format!(
                            "the credential command `{program}` did not finish in time"
                        ))
                    })?
                    .map_err(|e| {
                        auth(format!(
                            "the credential command `{program}` could not run: {e}"
                        ))
                    })?;
                if !output.status.success() {
                    return Err(auth(format!(
                        "the credential command `{program}` failed ({}); run it yourself to see why",
                        output.status
                    )));
                }
                let text = String::from_utf8_lossy(&output.stdout).trim().to_string();
                let token = serde_json::from_str::<serde_json::Value>(&text)
                    .ok()
                    .and_then(|v| {
                        v.get("accessToken")
                            .and_then(|t| t.as_str())
                            .map(String::from)
                    })
                    .unwrap_or(text);
                if token.is_empty() {
                    return Err(auth(format!(
                        "the credential command `{program}` printed nothing"
                    )));
                }
                lock_cache().insert(argv.clone(), (token.clone(), Instant::now()));
                Ok(token)
            }
        }
    }

    /// Drops a command's kept output (the source refused it): the next read runs the command.
    pub fn forget(&self) {
        if let Secret::Command(argv) = self {
            lock_cache().remove(argv);
        }
    }

    /// Where the credential comes from, for messages (never the value).
    pub fn describe(&self) -> String {
        match self {
            Secret::Env(name) => format!("${name}"),
            Secret::Command(argv) => format!("`{}`", argv.join(" ")),
        }
    }
}

/// How long a credential command's output is used before the command runs again.
pub const COMMAND_TTL: Duration = Duration::from_secs(300);

/// Each credential command's last output and when it was printed.
type Kept = HashMap<Vec<String>, (String, Instant)>;

fn lock_cache() -> std::sync::MutexGuard<'static, Kept> {
    static CACHE: OnceLock<Mutex<Kept>> = OnceLock::new();
    CACHE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner())
}

/// The kept output of `argv`, while fresh.
fn cached(argv: &[String]) -> Option<String> {
    let cache = lock_cache();
    let (token, at) = cache.get(argv)?;
    (at.elapsed() < COMMAND_TTL).then(|| token.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_command_runs_once_until_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let counter = dir.path().join("runs");
        // Appends a line per run and prints the run count.
        let script = format!("echo x >> {0}; wc -l < {0}", counter.display());
        let secret = Secret::Command(vec!["sh".into(), "-c".into(), script]);
        let timeout = Duration::from_secs(5);
        assert_eq!(secret.read(timeout).await.unwrap(), "1");
        assert_eq!(
            secret.read(timeout).await.unwrap(),
            "1",
            "kept, not run again"
        );
        secret.forget();
        assert_eq!(secret.read(timeout).await.unwrap(), "2");
    }

    #[tokio::test]
    async fn a_missing_variable_is_an_auth_error_naming_it() {
        let secret = Secret::Env("ORCA_TEST_NO_SUCH_VARIABLE_1234".into());
        let e = secret.read(Duration::from_secs(1)).await.unwrap_err();
        assert_eq!(e.kind, orca_core::ErrorKind::Auth);
        assert!(e.message.contains("ORCA_TEST_NO_SUCH_VARIABLE_1234"), "{e}");
    }
}
