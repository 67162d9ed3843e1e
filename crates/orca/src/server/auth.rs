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
//! Invariant: a token is compared only by its SHA-256; no token text is logged or stored.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

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
    /// What this caller may see; hand it to `AskOptions::permissions`.
    pub permissions: Arc<Permissions>,
}

impl Principal {
    pub fn anonymous() -> Principal {
        Principal {
            name: Arc::from("anonymous"),
            permissions: Arc::new(Permissions::All),
        }
    }
}

/// The token table of a running server.
#[derive(Debug, Clone, Default)]
pub struct Auth {
    /// SHA-256 of the token -> principal; `None` when authentication is off.
    tokens: Option<HashMap<[u8; 32], Principal>>,
}

impl Auth {
    /// No authentication: every request is `anonymous` with every permission.
    pub fn disabled() -> Auth {
        Auth { tokens: None }
    }

    /// Loads the tokens file; every problem in it is an error (a server never starts with a
    /// half-understood token table).
    pub fn from_file(path: &Path) -> anyhow::Result<Auth> {
        let file = TokensFile::load(path)?;
        Auth::from_records(&file.tokens)
            .map_err(|e| anyhow::anyhow!("tokens file {} is invalid: {e}", path.display()))
    }

    pub fn from_records(records: &[TokenRecord]) -> Result<Auth, String> {
        let mut tokens = HashMap::with_capacity(records.len());
        let mut names = std::collections::HashSet::new();
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
                    permissions: Arc::new(permissions),
                },
            );
        }
        Ok(Auth {
            tokens: Some(tokens),
        })
    }

    pub fn is_enabled(&self) -> bool {
        self.tokens.is_some()
    }

    /// The caller of a request: 401 without a valid bearer token (when authentication is on).
    pub fn authenticate(&self, headers: &HeaderMap) -> Result<Principal, ApiError> {
        let Some(tokens) = &self.tokens else {
            return Ok(Principal::anonymous());
        };
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
        tokens
            .get(&digest)
            .cloned()
            .ok_or_else(|| ApiError::unauthorized("unknown or revoked token"))
    }
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
