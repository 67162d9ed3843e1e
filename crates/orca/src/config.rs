//! Configuration in two stages (STYLE habit 7): `RawConfig` is what the user wrote in `orca.toml`
//! (every key optional, serde defaults), `Config::resolve` merges it with the command line and
//! returns every problem at once. Each subsystem then gets only its own slice.

use std::path::{Path, PathBuf};

use orca_connectors::HealthThresholds;
use orca_core::AnalyzerConfig;
use orca_engine::EngineConfig;
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
}

/// The resolved configuration a command runs with.
#[derive(Debug, Clone)]
pub struct Config {
    /// Explicit registry file (flag or config); `None` means the store's, else the demo one.
    pub registry: Option<PathBuf>,
    pub data_dir: PathBuf,
    pub analyzer: AnalyzerConfig,
    pub engine: EngineConfig,
    pub health: HealthThresholds,
    /// Where the config came from, for messages ("built-in defaults" or a path).
    pub source: String,
}

/// The default config file looked up in the working directory.
pub const DEFAULT_CONFIG_FILE: &str = "orca.toml";

impl RawConfig {
    /// Reads `path`, or `./orca.toml` when present, or the built-in defaults.
    /// Returns the raw config, the directory relative paths resolve against, and a label.
    pub fn load(path: Option<&Path>) -> Result<(RawConfig, PathBuf, String), String> {
        let (path, explicit) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from(DEFAULT_CONFIG_FILE), false),
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if !explicit && e.kind() == std::io::ErrorKind::NotFound => {
                return Ok((RawConfig::default(), PathBuf::from("."), "built-in defaults".into()));
            }
            Err(e) => return Err(format!("cannot read config file {}: {e}", path.display())),
        };
        let raw: RawConfig = toml::from_str(&text)
            .map_err(|e| format!("config file {} is invalid: {}", path.display(), e.message()))?;
        let base = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        Ok((raw, base, path.display().to_string()))
    }
}

impl Config {
    /// Loads and resolves the configuration for a command; every error is listed.
    pub fn from_args(common: &CommonArgs) -> Result<Config, Vec<String>> {
        let (raw, base, source) = RawConfig::load(common.config.as_deref()).map_err(|e| vec![e])?;
        Config::resolve(raw, &base, source, common)
    }

    pub fn resolve(
        raw: RawConfig,
        base: &Path,
        source: String,
        common: &CommonArgs,
    ) -> Result<Config, Vec<String>> {
        let mut errors = Vec::new();
        if let Err(es) = raw.engine.validate() {
            errors.extend(es.into_iter().map(|e| e.to_string()));
        }
        if raw.analyzer.max_request_chars == 0 {
            errors.push("analyzer.max_request_chars must be greater than 0".to_string());
        }
        let registry = common
            .registry
            .clone()
            .or_else(|| raw.registry.as_ref().map(|p| base.join(p)));
        let data_dir = common
            .data
            .clone()
            .or_else(|| raw.data_dir.as_ref().map(|p| base.join(p)))
            .unwrap_or_else(default_data_dir);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Config {
            registry,
            data_dir,
            analyzer: raw.analyzer,
            engine: raw.engine,
            health: raw.health,
            source,
        })
    }
}

/// The platform data directory (`~/.local/share/orca` on Linux), else `./.orca`.
pub fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .map(|d| d.join("orca"))
        .unwrap_or_else(|| PathBuf::from(".orca"))
}
