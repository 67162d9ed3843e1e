//! Configuration in two stages (STYLE habit 7): `RawConfig` is what the user wrote in `orca.toml`
//! (every key optional, serde defaults), `Config::resolve` merges it with the command line and
//! returns every problem at once. Each subsystem then gets only its own slice.

use std::path::{Path, PathBuf};

use std::collections::BTreeMap;

use orca_connectors::HealthThresholds;
use orca_connectors::sources::SourceConfig;
use orca_core::config::ConfigError;
use orca_core::{Analyzer, AnalyzerConfig, SourceKey};
use orca_engine::{CacheBackend, CacheConfig, EngineConfig};
use serde::{Deserialize, Serialize};

use crate::cli::CommonArgs;

/// `orca.toml` as written. Unknown keys are errors, so a typo never silently does nothing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawConfig {
    /// Customer registry CSV. Relative paths resolve against the config file's directory.
    pub registry: Option<PathBuf>,
    /// Data directory of the embedded store.
    pub data_dir: Option<PathBuf>,
    pub analyzer: AnalyzerConfig,
    pub engine: EngineConfig,
    pub health: HealthThresholds,
    pub server: ServerConfig,
    /// `[cache]`: the result cache (memory, or Redis shared by replicas).
    pub cache: CacheConfig,
    /// `[sources.<key>]`: the connector serving each source (`type = "kusto"`, ...); a source
    /// without a table is served by the embedded store.
    /// Not written back: connector settings are read-only input (they may name credentials).
    #[serde(skip_serializing)]
    pub sources: BTreeMap<String, SourceConfig>,
}

/// `[server]`: the HTTP API of `orca serve` (addresses, tokens, limits).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on (`orca serve --addr` overrides it).
    pub addr: String,
    /// Bearer tokens file (`orca token add`); relative paths resolve against the config file's
    /// directory. Without one, `serve` accepts unauthenticated requests on loopback only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens_file: Option<PathBuf>,
    /// Largest request body accepted, in bytes (413 beyond).
    pub max_body_bytes: usize,
    /// Requests handled at once; beyond it requests are shed with 503 and Retry-After.
    pub max_in_flight: usize,
    /// Sustained requests per second per token (token bucket refill); 0 disables the limit.
    pub rate_limit_per_second: f64,
    /// Requests a token may send in a burst (bucket size).
    pub rate_limit_burst: u32,
    /// How long shutdown waits for in-flight requests before cancelling them (ms).
    pub shutdown_grace_ms: u64,
    /// A request head (request line and headers) must arrive within this time of the
    /// connection's start or of its first byte; else the connection is closed (ms).
    pub header_read_timeout_ms: u64,
    /// A connection on which no byte moves either way for this long is closed (ms). Keep it above
    /// the engine's deadline and the 15 s keep-alive of event streams.
    pub idle_timeout_ms: u64,
    /// Threads for blocking work (store queries): bounds the threads, the open store connections
    /// and the memory a burst of asks can take; more work waits in a queue.
    pub max_blocking_threads: usize,
    /// MCP sessions open at once over `/mcp`, for all tokens; beyond it a new session is refused
    /// with 503 and Retry-After.
    pub mcp_max_sessions: usize,
    /// MCP sessions one token may hold open; beyond it a new session is refused with 429 and
    /// Retry-After.
    pub mcp_max_sessions_per_token: usize,
    /// An MCP session without any request for this long is closed (ms); its client must start a
    /// new one (MCP clients do so on the 404 that follows).
    pub mcp_session_idle_ms: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            addr: "127.0.0.1:8080".to_string(),
            tokens_file: None,
            max_body_bytes: 64 * 1024,
            max_in_flight: 256,
            rate_limit_per_second: 50.0,
            rate_limit_burst: 100,
            shutdown_grace_ms: 10_000,
            header_read_timeout_ms: 10_000,
            idle_timeout_ms: 60_000,
            max_blocking_threads: 8,
            mcp_max_sessions: 256,
            mcp_max_sessions_per_token: 32,
            mcp_session_idle_ms: 300_000,
        }
    }
}

impl ServerConfig {
    fn validate(&self, errors: &mut Vec<ConfigError>) {
        if self.addr.parse::<std::net::SocketAddr>().is_err() {
            errors.push(ConfigError::new(
                "server.addr",
                format!(
                    "server.addr `{}` is not an address like 127.0.0.1:8080",
                    self.addr
                ),
            ));
        }
        if self.max_body_bytes == 0 {
            errors.push(ConfigError::new(
                "server.max_body_bytes",
                "server.max_body_bytes must be greater than 0",
            ));
        }
        if self.max_in_flight == 0 {
            errors.push(ConfigError::new(
                "server.max_in_flight",
                "server.max_in_flight must be greater than 0",
            ));
        }
        if !(self.rate_limit_per_second.is_finite() && self.rate_limit_per_second >= 0.0) {
            errors.push(ConfigError::new(
                "server.rate_limit_per_second",
                "server.rate_limit_per_second must be 0 or a positive number",
            ));
        }
        if self.rate_limit_burst == 0 {
            errors.push(ConfigError::new(
                "server.rate_limit_burst",
                "server.rate_limit_burst must be at least 1",
            ));
        }
        for (key, value) in [
            ("header_read_timeout_ms", self.header_read_timeout_ms),
            ("idle_timeout_ms", self.idle_timeout_ms),
            ("mcp_session_idle_ms", self.mcp_session_idle_ms),
            ("max_blocking_threads", self.max_blocking_threads as u64),
            ("mcp_max_sessions", self.mcp_max_sessions as u64),
            (
                "mcp_max_sessions_per_token",
                self.mcp_max_sessions_per_token as u64,
            ),
        ] {
            if value == 0 {
                errors.push(ConfigError::new(
                    format!("server.{key}"),
                    format!("server.{key} must be greater than 0"),
                ));
            }
        }
    }
}

/// The resolved configuration a command runs with.
#[derive(Debug, Clone)]
pub struct Config {
    /// Explicit registry file (flag or config); `None` means the store's, else the demo one.
    pub registry: Option<PathBuf>,
    pub data_dir: PathBuf,
    /// True when the user chose `data_dir` (`--data`, `ORCA_DATA` or `data_dir` in orca.toml):
    /// such a directory should already hold a store, so Orca never fills it with demo data.
    pub data_dir_chosen: bool,
    /// `[analyzer]`, checked and compiled.
    pub analyzer: Analyzer,
    pub engine: EngineConfig,
    pub health: HealthThresholds,
    /// `[server]` with `tokens_file` resolved against the config file's directory.
    pub server: ServerConfig,
    /// `[cache]`, with `ORCA_REDIS_URL` applied (it selects the Redis backend with that url).
    pub cache: CacheConfig,
    /// `[sources.<key>]` by source key; a source not listed is served by the store.
    pub sources: BTreeMap<SourceKey, SourceConfig>,
}

/// The default config file looked up in the working directory.
pub const DEFAULT_CONFIG_FILE: &str = "orca.toml";

impl RawConfig {
    /// Reads `path`, or `./orca.toml` when present, or the built-in defaults.
    /// Returns the raw config and the directory relative paths resolve against.
    pub fn load(path: Option<&Path>) -> Result<(RawConfig, PathBuf), ConfigError> {
        let (path, explicit) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from(DEFAULT_CONFIG_FILE), false),
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if !explicit && e.kind() == std::io::ErrorKind::NotFound => {
                return Ok((RawConfig::default(), PathBuf::from(".")));
            }
            Err(e) => {
                return Err(ConfigError::new(
                    path.display().to_string(),
                    format!("cannot read config file {}: {e}", path.display()),
                ));
            }
        };
        let raw: RawConfig = toml::from_str(&text).map_err(|e| {
            ConfigError::new(
                path.display().to_string(),
                format!("config file {} is invalid: {}", path.display(), e.message()),
            )
        })?;
        let base = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        Ok((raw, base))
    }
}

impl Config {
    /// Loads and resolves the configuration for a command; every error is listed.
    pub fn from_args(common: &CommonArgs) -> Result<Config, Vec<ConfigError>> {
        let (raw, base) = RawConfig::load(common.config.as_deref()).map_err(|e| vec![e])?;
        Config::resolve(raw, &base, common)
    }

    pub fn resolve(
        raw: RawConfig,
        base: &Path,
        common: &CommonArgs,
    ) -> Result<Config, Vec<ConfigError>> {
        let mut errors = Vec::new();
        if let Err(es) = raw.engine.validate() {
            errors.extend(es);
        }
        if let Err(es) = raw.health.validate() {
            // Each message names its key; they are all under `[health]`.
            errors.extend(es.into_iter().map(|e| ConfigError::new("health", e)));
        }
        raw.server.validate(&mut errors);
        let mut cache = raw.cache.clone();
        if let Some(url) = common.redis_url.as_deref().filter(|u| !u.trim().is_empty()) {
            cache.backend = CacheBackend::Redis;
            cache.url = Some(url.trim().to_string());
        }
        if let Err(es) = cache.validate() {
            errors.extend(es);
        }
        let mut sources = BTreeMap::new();
        for (key, source) in &raw.sources {
            match key.parse::<SourceKey>() {
                Ok(k) => {
                    sources.insert(k, source.clone());
                }
                Err(_) => errors.push(ConfigError::new(
                    format!("sources.{key}"),
                    format!(
                        "[sources.{key}] names no source (the sources are {})",
                        SourceKey::ALL.map(|s| s.as_str()).join(", ")
                    ),
                )),
            }
        }
        let analyzer = match raw.analyzer.build() {
            Ok(analyzer) => Some(analyzer),
            Err(es) => {
                errors.extend(es);
                None
            }
        };
        let registry = common
            .registry
            .clone()
            .or_else(|| raw.registry.as_ref().map(|p| base.join(p)));
        let chosen_dir = common
            .data
            .clone()
            .or_else(|| raw.data_dir.as_ref().map(|p| base.join(p)));
        let data_dir_chosen = chosen_dir.is_some();
        let data_dir = chosen_dir.unwrap_or_else(default_data_dir);
        let Some(analyzer) = analyzer.filter(|_| errors.is_empty()) else {
            return Err(errors);
        };
        Ok(Config {
            registry,
            data_dir,
            data_dir_chosen,
            analyzer,
            engine: raw.engine,
            health: raw.health,
            cache,
            sources,
            server: ServerConfig {
                tokens_file: raw.server.tokens_file.as_ref().map(|p| base.join(p)),
                ..raw.server
            },
        })
    }
}

/// The platform data directory (`~/.local/share/orca` on Linux), else `./.orca`.
pub fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .map(|d| d.join("orca"))
        .unwrap_or_else(|| PathBuf::from(".orca"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../../orca.example.toml");

    /// Every key path of a TOML table, e.g. `engine.retry.base_ms`.
    fn key_paths(value: &toml::Value, prefix: &str, out: &mut Vec<String>) {
        if let toml::Value::Table(table) = value {
            for (k, v) in table {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                out.push(path.clone());
                key_paths(v, &path, out);
            }
        }
    }

    #[test]
    fn example_config_round_trips_to_the_defaults() {
        let parsed: RawConfig = toml::from_str(EXAMPLE).expect("orca.example.toml parses");
        assert_eq!(
            parsed,
            RawConfig::default(),
            "the example's values are the defaults"
        );
        // Every key the defaults serialize appears in the example, so it never goes stale.
        let defaults = toml::Value::try_from(RawConfig::default()).unwrap();
        let example: toml::Value = toml::from_str(EXAMPLE).unwrap();
        let (mut want, mut have) = (Vec::new(), Vec::new());
        key_paths(&defaults, "", &mut want);
        key_paths(&example, "", &mut have);
        let missing: Vec<&String> = want.iter().filter(|k| !have.contains(k)).collect();
        assert!(missing.is_empty(), "orca.example.toml lacks {missing:?}");
        // The commented-out optional keys are documented too.
        for key in [
            "# registry =",
            "# data_dir =",
            "# seed =",
            "# tokens_file =",
            "# url =",
        ] {
            assert!(
                EXAMPLE.contains(key),
                "orca.example.toml does not document `{key}`"
            );
        }
    }

    #[test]
    fn the_commented_sources_of_the_example_parse() {
        // The `[sources.*]` block, uncommented, is a valid config naming four remote sources.
        let block = &EXAMPLE[EXAMPLE.find("# [sources.kusto]").expect("documented")..];
        let text: String = block
            .lines()
            .filter_map(|l| l.strip_prefix("# "))
            .map(|l| format!("{l}\n"))
            .collect();
        let raw: RawConfig = toml::from_str(&text).expect("the sources example parses");
        let kinds: Vec<&str> = raw.sources.values().map(|s| s.kind()).collect();
        assert_eq!(kinds, ["azure_devops", "mcp", "kusto", "postgres"]);
        let config = Config::resolve(raw, Path::new("."), &CommonArgs::default()).unwrap();
        assert_eq!(config.sources.len(), 4);
    }

    #[test]
    fn redis_url_selects_the_shared_cache_and_cache_errors_are_listed() {
        let common = CommonArgs {
            redis_url: Some("redis://127.0.0.1:6379".to_string()),
            ..CommonArgs::default()
        };
        let config = Config::resolve(RawConfig::default(), Path::new("."), &common).unwrap();
        assert_eq!(config.cache.backend, CacheBackend::Redis);
        assert_eq!(config.cache.url.as_deref(), Some("redis://127.0.0.1:6379"));
        let raw: RawConfig =
            toml::from_str("[cache]\nbackend = \"redis\"\nmax_entries = 0\n").unwrap();
        let errors = Config::resolve(raw, Path::new("."), &CommonArgs::default()).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors.iter().any(|e| e.path == "cache.url"), "{errors:?}");
    }

    #[test]
    fn unknown_keys_are_errors() {
        assert!(toml::from_str::<RawConfig>("[engine]\ntask_timout_ms = 5\n").is_err());
        assert!(toml::from_str::<RawConfig>("registy = \"x.csv\"\n").is_err());
    }

    #[test]
    fn every_problem_is_listed_at_once() {
        let raw: RawConfig = toml::from_str(
            "[engine]\ntask_timeout_ms = 0\n[engine.retry]\nbase_ms = 3000\ncap_ms = 2000\n\
             [health]\nwindow_days = 0\n",
        )
        .unwrap();
        let errors = Config::resolve(raw, Path::new("."), &CommonArgs::default()).unwrap_err();
        assert!(errors.len() >= 3, "{errors:?}");
    }

    #[test]
    fn flags_override_the_file_and_paths_resolve_against_it() {
        let raw: RawConfig =
            toml::from_str("registry = \"reg.csv\"\ndata_dir = \"data\"\n").unwrap();
        let config =
            Config::resolve(raw.clone(), Path::new("/etc/orca"), &CommonArgs::default()).unwrap();
        assert_eq!(config.registry, Some(PathBuf::from("/etc/orca/reg.csv")));
        assert_eq!(config.data_dir, PathBuf::from("/etc/orca/data"));
        let common = CommonArgs {
            registry: Some(PathBuf::from("other.csv")),
            data: Some(PathBuf::from("/tmp/d")),
            ..CommonArgs::default()
        };
        let config = Config::resolve(raw, Path::new("/etc/orca"), &common).unwrap();
        assert_eq!(config.registry, Some(PathBuf::from("other.csv")));
        assert_eq!(config.data_dir, PathBuf::from("/tmp/d"));
    }
}
