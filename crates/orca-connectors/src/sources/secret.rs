//! Credentials of remote sources: read from an environment variable (`token_env`, `pat_env`,
//! `url_env`) or printed by a command (`token_command = ["az", "account", "get-access-token",
//! ...]`). A credential is read when a query needs it, never logged, and a missing one is an
//! `Auth` error that names the variable or command, so `orca doctor` can say how to fix it.

use std::time::Duration;

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
                Ok(token)
            }
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
