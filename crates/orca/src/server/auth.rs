//! Bearer-token authentication and the caller's permissions, for every HTTP front end (the API
//! here, and MCP over streamable HTTP at `/mcp`).
//!
//! The tokens file (`[server] tokens_file`, written by `orca token add`) stores, per token, its
//! name, the SHA-256 of the token and its scope (all, tenants or segments); the token itself is
//! printed once and never stored. A request presents `Authorization: Bearer <token>`; the server
//! hashes it and looks the hash up. Without a tokens file every request is the `anonymous`
//! principal with `Permissions::All` (and `serve` binds to loopback only).
//!
//! Every front end of the server authenticates through [`Auth::authenticate`] (the API's
//! `limits::guard`, the `/mcp` gate) and passes `principal.permissions` to
//! `AskOptions::permissions`, so the service restricts every plan.
//!
//! A running server reloads the tokens file when it changes (`reload::watch`, from `orca serve`):
//! [`Auth::replace`] swaps the whole table at once, and a token removed from the file is refused
//! from the next request on with a 401 that says it was revoked (the MCP sessions it opened are
//! closed). A tokens file that cannot be read or parsed keeps the previous table; a deleted
//! tokens file revokes every token.
//!
//! Invariant: a token is compared only by its SHA-256; no token text is logged or stored.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, RwLock};

use anyhow::Context as _;
use axum::http::{HeaderMap, header};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::error::ApiError;
use crate::permissions::Permissions;

/// Every token starts with this, so a leaked one is recognizable (e.g. by secret scanners).
pub const TOKEN_PREFIX: &str = "orca_";

/// Who is calling, as the handlers see it.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The token's name, or `anonymous` when the server runs without tokens.
    pub name: Arc<str>,
    /// The SHA-256 of the token (all zeros for `anonymous`): what the server binds to the
    /// caller, e.g. an MCP session, so a new token given an old token's name gets nothing of it.
    pub token_sha256: [u8; 32],
    /// What this caller may see; hand it to `AskOptions::permissions`.
    pub permissions: Arc<Permissions>,
}

impl Principal {
    pub fn anonymous() -> Principal {
        Principal {
            name: Arc::from("anonymous"),
            token_sha256: [0; 32],
            permissions: Arc::new(Permissions::All),
        }
    }
}

/// The token table of a running server: cheap to clone (clones share the table), replaced
/// whole when the tokens file changes.
#[derive(Debug, Clone, Default)]
pub struct Auth {
    /// `None` when authentication is off.
    table: Option<Arc<RwLock<Arc<Table>>>>,
}

/// One version of the token table.
#[derive(Debug, Default)]
struct Table {
    /// SHA-256 of the token -> principal.
    tokens: HashMap<[u8; 32], Principal>,
    /// Tokens removed from the file while this server ran (refused as revoked).
    revoked: HashSet<[u8; 32]>,
}

/// What a reload of the table changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replaced {
    /// Tokens in the new table.
    pub tokens: usize,
    /// Tokens of the old table that the new one no longer has.
    pub revoked: usize,
}

impl Auth {
    /// No authentication: every request is `anonymous` with every permission.
    pub fn disabled() -> Auth {
        Auth { table: None }
    }

    /// Loads the tokens file; every problem in it is an error (a server never starts with a
    /// half-understood token table).
    pub fn from_file(path: &Path) -> anyhow::Result<Auth> {
        let file = TokensFile::load(path)?;
        Auth::from_records(&file.tokens)
            .map_err(|e| anyhow::anyhow!("tokens file {} is invalid: {e}", path.display()))
    }

    pub fn from_records(records: &[TokenRecord]) -> Result<Auth, String> {
        let table = Table {
            tokens: tokens_of(records)?,
            revoked: HashSet::new(),
        };
        Ok(Auth {
            table: Some(Arc::new(RwLock::new(Arc::new(table)))),
        })
    }

    /// Replaces the table with `records`, all at once: a request sees the old table or the new
    /// one. Tokens the new table lacks are revoked. An invalid record leaves the table as it was.
    /// On a server without authentication this changes nothing (it cannot turn it on).
    pub fn replace(&self, records: &[TokenRecord]) -> Result<Replaced, String> {
        let Some(table) = &self.table else {
            return Ok(Replaced {
                tokens: 0,
                revoked: 0,
            });
        };
        let tokens = tokens_of(records)?;
        let mut current = table.write().unwrap_or_else(|p| p.into_inner());
        let gone: Vec<[u8; 32]> = current
            .tokens
            .keys()
            .filter(|k| !tokens.contains_key(*k))
            .copied()
            .collect();
        let mut revoked: HashSet<[u8; 32]> = current
            .revoked
            .iter()
            .filter(|k| !tokens.contains_key(*k))
            .copied()
            .collect();
        revoked.extend(gone.iter().copied());
        let replaced = Replaced {
            tokens: tokens.len(),
            revoked: gone.len(),
        };
        *current = Arc::new(Table { tokens, revoked });
        Ok(replaced)
    }

    /// Loads the tokens file again into this table (see [`Auth::replace`]); a missing file is an
    /// empty one (every token revoked).
    pub fn reload(&self, path: &Path) -> anyhow::Result<Replaced> {
        let file = TokensFile::load(path)?;
        self.replace(&file.tokens)
            .map_err(|e| anyhow::anyhow!("tokens file {} is invalid: {e}", path.display()))
    }

    /// Whether the token whose SHA-256 is `token_sha256` is valid now (always, without
    /// authentication).
    pub fn knows(&self, token_sha256: &[u8; 32]) -> bool {
        self.table.is_none() || self.snapshot().tokens.contains_key(token_sha256)
    }

    fn snapshot(&self) -> Arc<Table> {
        match &self.table {
            Some(table) => Arc::clone(&table.read().unwrap_or_else(|p| p.into_inner())),
            None => Arc::default(),
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.table.is_some()
    }

    /// The caller of a request: 401 without a valid bearer token (when authentication is on);
    /// a token removed from the tokens file while the server runs is refused as revoked.
    pub fn authenticate(&self, headers: &HeaderMap) -> Result<Principal, ApiError> {
        if self.table.is_none() {
            return Ok(Principal::anonymous());
        }
        let value = headers.get(header::AUTHORIZATION).ok_or_else(|| {
            ApiError::unauthorized("missing Authorization: Bearer <token> header")
        })?;
        let token = value
            .to_str()
            .ok()
            .and_then(|v| {
                let (scheme, token) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::unauthorized("the Authorization header is not `Bearer <token>`")
            })?;
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let table = self.snapshot();
        if let Some(principal) = table.tokens.get(&digest) {
            return Ok(principal.clone());
        }
        Err(ApiError::unauthorized(if table.revoked.contains(&digest) {
            "this token was revoked (removed from the tokens file); ask for a new one"
        } else {
            "unknown or revoked token"
        }))
    }
}

/// The principals of `records` by token hash; every problem is an error.
fn tokens_of(records: &[TokenRecord]) -> Result<HashMap<[u8; 32], Principal>, String> {
    let mut tokens = HashMap::with_capacity(records.len());
    let mut names = HashSet::new();
    for record in records {
        if !names.insert(record.name.as_str()) {
            return Err(format!("token name `{}` appears twice", record.name));
        }
        let hash = parse_hash(&record.sha256)
            .ok_or_else(|| format!("token `{}`: sha256 is not 64 hex digits", record.name))?;
        let permissions = record.permissions()?;
        tokens.insert(
            hash,
            Principal {
                name: Arc::from(record.name.as_str()),
                token_sha256: hash,
                permissions: Arc::new(permissions),
            },
        );
    }
    Ok(tokens)
}

/// A new random token: the prefix and 32 random bytes in hex.
pub fn generate_token() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("{TOKEN_PREFIX}{}", hex::encode(bytes))
}

/// The hex SHA-256 of a token, as the tokens file stores it.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn parse_hash(hex_digest: &str) -> Option<[u8; 32]> {
    let bytes = hex::decode(hex_digest.trim()).ok()?;
    bytes.try_into().ok()
}

/// The tokens file (TOML): a list of `[[token]]` tables.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokensFile {
    #[serde(default, rename = "token")]
    pub tokens: Vec<TokenRecord>,
}

/// What a token may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    All,
    Tenants,
    Segments,
}

/// One token: its name, the SHA-256 of the token (hex), and its scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRecord {
    pub name: String,
    pub sha256: String,
    pub scope: ScopeKind,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tenants: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
}

impl TokenRecord {
    pub fn permissions(&self) -> Result<Permissions, String> {
        let (kind, list) = match self.scope {
            ScopeKind::All => {
                if !self.tenants.is_empty() || !self.segments.is_empty() {
                    return Err(format!(
                        "token `{}`: scope all takes no tenants or segments",
                        self.name
                    ));
                }
                return Ok(Permissions::All);
            }
            ScopeKind::Tenants => ("tenants", &self.tenants),
            ScopeKind::Segments => ("segments", &self.segments),
        };
        let other = match self.scope {
            ScopeKind::Tenants => &self.segments,
            _ => &self.tenants,
        };
        if list.iter().all(|v| v.trim().is_empty()) || !other.is_empty() {
            return Err(format!(
                "token `{}`: scope {kind} needs a non-empty `{kind}` list and nothing else",
                self.name
            ));
        }
        Ok(match self.scope {
            ScopeKind::Tenants => Permissions::tenants(list),
            _ => Permissions::segments(list),
        })
    }
}

impl TokensFile {
    /// Reads a tokens file; a missing file is an empty one.
    pub fn load(path: &Path) -> anyhow::Result<TokensFile> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(TokensFile::default());
            }
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("cannot read tokens file {}", path.display()));
            }
        };
        toml::from_str(&text).map_err(|e| {
            anyhow::anyhow!("tokens file {} is invalid: {}", path.display(), e.message())
        })
    }

    /// Writes the file atomically (a temporary file renamed over it), readable by its owner only.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        let text = format!(
            "# Orca API tokens: SHA-256 hashes only (`orca token add` prints a token once).\n{}",
            toml::to_string(self)?
        );
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let _ = std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600));
        }
        std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn record(name: &str, token: &str, scope: ScopeKind, tenants: &[&str]) -> TokenRecord {
        TokenRecord {
            name: name.into(),
            sha256: hash_token(token),
            scope,
            tenants: tenants.iter().map(|t| t.to_string()).collect(),
            segments: vec![],
            created_at: None,
        }
    }

    fn bearer(token: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
        );
        h
    }

    #[test]
    fn tokens_are_found_by_hash_only() {
        let token = generate_token();
        assert!(token.starts_with(TOKEN_PREFIX) && token.len() == TOKEN_PREFIX.len() + 64);
        let auth = Auth::from_records(&[record("a", &token, ScopeKind::Tenants, &["T1"])]).unwrap();
        let p = auth.authenticate(&bearer(&token)).unwrap();
        assert_eq!(&*p.name, "a");
        assert!(p.permissions.permits("t1", None));
        let err = auth.authenticate(&bearer("orca_nope")).unwrap_err();
        assert_eq!(err.status, 401);
        assert_eq!(
            auth.authenticate(&HeaderMap::new()).unwrap_err().status,
            401
        );
    }

    #[test]
    fn a_removed_token_is_refused_as_revoked_and_a_bad_reload_changes_nothing() {
        let (keep, gone) = (generate_token(), generate_token());
        let auth = Auth::from_records(&[
            record("keep", &keep, ScopeKind::All, &[]),
            record("gone", &gone, ScopeKind::All, &[]),
        ])
        .unwrap();
        let shared = auth.clone();
        assert!(auth.authenticate(&bearer(&gone)).is_ok());
        let bad = [record("keep", &keep, ScopeKind::Tenants, &[])];
        assert!(shared.replace(&bad).is_err());
        assert!(
            auth.authenticate(&bearer(&gone)).is_ok(),
            "a bad table changes nothing"
        );
        let replaced = shared
            .replace(&[record("keep", &keep, ScopeKind::All, &[])])
            .unwrap();
        assert_eq!(
            replaced,
            Replaced {
                tokens: 1,
                revoked: 1
            }
        );
        let err = auth.authenticate(&bearer(&gone)).unwrap_err();
        assert_eq!(err.status, 401);
        assert!(err.message.contains("revoked"), "{}", err.message);
        assert!(auth.authenticate(&bearer(&keep)).is_ok());
        let unknown = auth.authenticate(&bearer("orca_never")).unwrap_err();
        assert!(
            !unknown.message.contains("was revoked"),
            "{}",
            unknown.message
        );
        // Added back, it is valid again.
        shared
            .replace(&[
                record("keep", &keep, ScopeKind::All, &[]),
                record("gone", &gone, ScopeKind::All, &[]),
            ])
            .unwrap();
        assert!(auth.authenticate(&bearer(&gone)).is_ok());
        assert!(Auth::disabled().replace(&[]).is_ok());
    }

    #[test]
    fn bad_records_are_rejected() {
        let t = "x";
        assert!(Auth::from_records(&[record("a", t, ScopeKind::Tenants, &[])]).is_err());
        assert!(Auth::from_records(&[record("a", t, ScopeKind::All, &["t"])]).is_err());
        let twice = [
            record("a", t, ScopeKind::All, &[]),
            record("a", "y", ScopeKind::All, &[]),
        ];
        assert!(Auth::from_records(&twice).is_err());
        let mut bad_hash = record("a", t, ScopeKind::All, &[]);
        bad_hash.sha256 = "zz".into();
        assert!(Auth::from_records(&[bad_hash]).is_err());
    }

    #[test]
    fn the_file_round_trips_without_the_token() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.toml");
        let token = generate_token();
        let file = TokensFile {
            tokens: vec![record("a", &token, ScopeKind::Tenants, &["t1"])],
        };
        file.save(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(&token));
        assert_eq!(TokensFile::load(&path).unwrap(), file);
    }
}
