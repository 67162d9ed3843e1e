//! `orca token add|list|remove`: the bearer tokens of the HTTP API.
//!
//! `add` prints the new token once, on stdout; the tokens file keeps only its SHA-256, its name
//! and its scope (all, tenants or segments).

use crate::out::{errln, outln};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::anyhow;

use crate::app;
use crate::cli::{CommonArgs, TokenAddArgs, TokenCommand};
use crate::error::{CliError, CliResult};
use crate::server::auth::{self, ScopeKind, TokenRecord, TokensFile};

pub fn run(common: &CommonArgs, command: TokenCommand) -> CliResult<ExitCode> {
    match command {
        TokenCommand::Add(args) => add(common, args),
        TokenCommand::List { tokens } => {
            let path = tokens_path(common, tokens)?;
            let file = TokensFile::load(&path)?;
            if file.tokens.is_empty() {
                outln!("No tokens in {}.", path.display());
            }
            for t in &file.tokens {
                let values = match t.scope {
                    ScopeKind::All => String::new(),
                    ScopeKind::Tenants => format!(" {}", t.tenants.join(",")),
                    ScopeKind::Segments => format!(" {}", t.segments.join(",")),
                };
                let scope = format!("{:?}", t.scope).to_lowercase();
                outln!(
                    "{}\t{scope}{values}\t{}",
                    t.name,
                    t.created_at.as_deref().unwrap_or("")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        TokenCommand::Remove { name, tokens } => {
            let path = tokens_path(common, tokens)?;
            let mut file = TokensFile::load(&path)?;
            let before = file.tokens.len();
            file.tokens.retain(|t| t.name != name);
            if file.tokens.len() == before {
                return Err(CliError::bad_input(anyhow!(
                    "no token named `{name}` in {}",
                    path.display()
                )));
            }
            file.save(&path)?;
            errln!(
                "Token `{name}` removed from {}. A running `orca serve` reading this file \
                 refuses it (401, revoked) within about a second.",
                path.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn add(common: &CommonArgs, args: TokenAddArgs) -> CliResult<ExitCode> {
    let path = tokens_path(common, args.tokens)?;
    let name = args.name.trim().to_string();
    if name.is_empty() || name.chars().any(char::is_control) {
        return Err(CliError::bad_input(anyhow!(
            "the token name must be non-empty text"
        )));
    }
    let clean = |values: Vec<String>| -> Vec<String> {
        values
            .into_iter()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    };
    let (scope, tenants, segments) = if args.all {
        (ScopeKind::All, vec![], vec![])
    } else if !args.tenants.is_empty() {
        let tenants = clean(args.tenants)
            .into_iter()
            .map(|t| {
                orca_core::registry::canonical_tenant_id(&t).ok_or_else(|| {
                    CliError::bad_input(anyhow!(
                        "`{t}` is not a tenant id (a GUID: 8-4-4-4-12 hex digits)"
                    ))
                })
            })
            .collect::<Result<Vec<String>, CliError>>()?;
        (ScopeKind::Tenants, tenants, vec![])
    } else {
        (ScopeKind::Segments, vec![], clean(args.segments))
    };
    let mut file = TokensFile::load(&path)?;
    if file.tokens.iter().any(|t| t.name == name) {
        return Err(CliError::bad_input(anyhow!(
            "a token named `{name}` already exists in {} (remove it first)",
            path.display()
        )));
    }
    let token = auth::generate_token();
    let record = TokenRecord {
        name: name.clone(),
        sha256: auth::hash_token(&token),
        scope,
        tenants,
        segments,
        created_at: Some(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
    };
    let permissions = record
        .permissions()
        .map_err(|e| CliError::bad_input(anyhow!(e)))?;
    file.tokens.push(record);
    file.save(&path)?;
    outln!("{token}");
    errln!(
        "Token `{name}` ({}) added to {}. It is shown only this once: store it now.",
        permissions.describe(),
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `--tokens FILE`, else `[server] tokens_file`.
fn tokens_path(common: &CommonArgs, flag: Option<PathBuf>) -> CliResult<PathBuf> {
    if let Some(path) = flag {
        return Ok(path);
    }
    let config = app::config(common)?;
    config.server.tokens_file.ok_or_else(|| {
        CliError::bad_input(anyhow!(
            "no tokens file: set [server] tokens_file in orca.toml or pass --tokens FILE"
        ))
    })
}
