//! `EngineConfig`: the `[engine]` table of `orca.toml` as the user wrote it, and its resolution
//! into per-source policies.
//!
//! Durations are integer milliseconds here (`task_timeout_ms`) and `Duration`s everywhere else.
//! Invariant: `resolve` (and so `validate`) reports every problem at once, each message naming
//! the offending key as written (`engine.sources.icm.retry.base_ms`), and an `Engine` is only
//! ever built from a configuration that resolved.

use std::collections::BTreeMap;
use std::time::Duration;

use orca_core::SourceKey;
pub use orca_core::config::ConfigError;
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

use crate::backoff::{Backoff, Jitter};
use crate::breaker::BreakerPolicy;
use crate::fault::FaultSpec;
use crate::retry::RetryPolicy;

/// The longest duration any setting may hold (one day); larger values are surely typos.
pub const MAX_DURATION_MS: u64 = 24 * 60 * 60 * 1000;

/// Engine settings (`[engine]` in `orca.toml`). Every field has a default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EngineConfig {
    /// Budget of one task: waiting for a source slot, every attempt and every backoff wait.
    pub task_timeout_ms: u64,
    /// Budget of one whole run, from the start of `Engine::run`.
    pub deadline_ms: u64,
    pub retry: RetryConfig,
    pub breaker: BreakerConfig,
    /// Tasks of one source running at once (bulkhead).
    pub max_concurrency_per_source: usize,
    /// Per-source overrides (`[engine.sources.icm]`).
    pub sources: BTreeMap<SourceKey, SourceOverrides>,
    /// Injected faults, `SOURCE=error|timeout|slow:MS|flaky:P` (the CLI appends `--inject-fault`s).
    pub faults: Vec<String>,
    /// Seed for backoff jitter and `flaky` faults; random when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            task_timeout_ms: 5_000,
            deadline_ms: 10_000,
            retry: RetryConfig::default(),
            breaker: BreakerConfig::default(),
            max_concurrency_per_source: 8,
            sources: BTreeMap::new(),
            faults: Vec::new(),
            seed: None,
        }
    }
}

/// Retries of transient errors (`[engine.retry]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryConfig {
    /// Attempts in total, the first one included (1 = no retry).
    pub attempts: u32,
    /// Ceiling of the first backoff wait; doubles per retry.
    pub base_ms: u64,
    /// Largest backoff wait.
    pub cap_ms: u64,
    /// Full jitter (uniform in `[0, ceiling]`); false waits exactly the ceiling.
    pub jitter: bool,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            attempts: 3,
            base_ms: 100,
            cap_ms: 2_000,
            jitter: true,
        }
    }
}

/// Circuit breaker of each source (`[engine.breaker]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BreakerConfig {
    /// Consecutive failed tasks that open the circuit.
    pub failures: u32,
    /// How long an open circuit rejects tasks before one probe.
    pub open_ms: u64,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        BreakerConfig {
            failures: 5,
            open_ms: 30_000,
        }
    }
}

/// Settings of one source that differ from the engine-wide ones (`[engine.sources.icm]`).
/// Each field left out keeps the engine-wide value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SourceOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_timeout_ms: Option<u64>,
    #[serde(skip_serializing_if = "RetryOverrides::is_empty")]
    pub retry: RetryOverrides,
    #[serde(skip_serializing_if = "BreakerOverrides::is_empty")]
    pub breaker: BreakerOverrides,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_concurrency: Option<usize>,
}

/// `[engine.sources.X.retry]`: any subset of `RetryConfig`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cap_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jitter: Option<bool>,
}

impl RetryOverrides {
    pub fn is_empty(&self) -> bool {
        self == &RetryOverrides::default()
    }
}

/// `[engine.sources.X.breaker]`: any subset of `BreakerConfig`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BreakerOverrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failures: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_ms: Option<u64>,
}

impl BreakerOverrides {
    pub fn is_empty(&self) -> bool {
        self == &BreakerOverrides::default()
    }
}

/// Everything the engine uses about one source, after overrides.
#[derive(Debug, Clone, PartialEq)]
pub struct SourcePolicy {
    pub task_timeout: Duration,
    pub retry: RetryPolicy,
    pub breaker: BreakerPolicy,
    pub max_concurrency: usize,
}

/// A configuration that resolved: what `Engine::new` runs on.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedConfig {
    pub deadline: Duration,
    pub sources: BTreeMap<SourceKey, SourcePolicy>,
    pub faults: Vec<FaultSpec>,
    pub seed: Option<u64>,
}

impl EngineConfig {
    /// Checks the configuration, listing every problem at once.
    pub fn validate(&self) -> Result<(), Vec<ConfigError>> {
        self.resolve().map(|_| ())
    }

    /// Turns milliseconds into durations, applies per-source overrides and parses faults,
    /// listing every problem at once.
    pub fn resolve(&self) -> Result<ResolvedConfig, Vec<ConfigError>> {
        let mut c = Checker::default();
        c.duration("engine.task_timeout_ms", self.task_timeout_ms);
        c.duration("engine.deadline_ms", self.deadline_ms);
        c.at_least_one("engine.retry.attempts", self.retry.attempts);
        c.duration("engine.retry.base_ms", self.retry.base_ms);
        c.duration("engine.retry.cap_ms", self.retry.cap_ms);
        c.not_above(
            ("engine.retry.base_ms", self.retry.base_ms),
            ("engine.retry.cap_ms", self.retry.cap_ms),
            "greater than",
        );
        c.not_above(
            ("engine.task_timeout_ms", self.task_timeout_ms),
            ("engine.deadline_ms", self.deadline_ms),
            "longer than",
        );
        c.at_least_one("engine.breaker.failures", self.breaker.failures);
        c.duration("engine.breaker.open_ms", self.breaker.open_ms);
        c.concurrency(
            "engine.max_concurrency_per_source",
            self.max_concurrency_per_source,
        );

        let mut sources = BTreeMap::new();
        for source in SourceKey::ALL {
            let policy = match self.sources.get(&source) {
                None => self.source_policy(&SourceOverrides::default()),
                Some(o) => {
                    self.check_overrides(source, o, &mut c);
                    self.source_policy(o)
                }
            };
            if let Some(policy) = policy {
                sources.insert(source, policy);
            }
        }

        let mut faults = Vec::new();
        for (i, spec) in self.faults.iter().enumerate() {
            match spec.parse::<FaultSpec>() {
                Ok(fault) => faults.push(fault),
                Err(e) => c
                    .errors
                    .push(ConfigError::at(format!("engine.faults[{i}]"), e)),
            }
        }

        if c.errors.is_empty() {
            Ok(ResolvedConfig {
                deadline: Duration::from_millis(self.deadline_ms),
                sources,
                faults,
                seed: self.seed,
            })
        } else {
            Err(c.errors)
        }
    }

    fn check_overrides(&self, source: SourceKey, o: &SourceOverrides, c: &mut Checker) {
        let key = |field: &str| format!("engine.sources.{source}.{field}");
        // Each side of a comparison is named where its value came from.
        let pick = |over: Option<u64>, field: &str, global: u64, global_key: &str| match over {
            Some(v) => (key(field), v, true),
            None => (global_key.to_string(), global, false),
        };
        if let Some(ms) = o.task_timeout_ms {
            c.duration(&key("task_timeout_ms"), ms);
            c.not_above(
                (&key("task_timeout_ms"), ms),
                ("engine.deadline_ms", self.deadline_ms),
                "longer than",
            );
        }
        if let Some(n) = o.retry.attempts {
            c.at_least_one(&key("retry.attempts"), n);
        }
        if let Some(ms) = o.retry.base_ms {
            c.duration(&key("retry.base_ms"), ms);
        }
        if let Some(ms) = o.retry.cap_ms {
            c.duration(&key("retry.cap_ms"), ms);
        }
        let base = pick(
            o.retry.base_ms,
            "retry.base_ms",
            self.retry.base_ms,
            "engine.retry.base_ms",
        );
        let cap = pick(
            o.retry.cap_ms,
            "retry.cap_ms",
            self.retry.cap_ms,
            "engine.retry.cap_ms",
        );
        if base.2 || cap.2 {
            c.not_above((&base.0, base.1), (&cap.0, cap.1), "greater than");
        }
        if let Some(n) = o.breaker.failures {
            c.at_least_one(&key("breaker.failures"), n);
        }
        if let Some(ms) = o.breaker.open_ms {
            c.duration(&key("breaker.open_ms"), ms);
        }
        if let Some(n) = o.max_concurrency {
            c.concurrency(&key("max_concurrency"), n);
        }
    }

    /// The per-task timeout of `source` (its override, else `task_timeout_ms`): the longest one
    /// call to the source may take, which remote connectors give their own clients.
    pub fn task_timeout(&self, source: SourceKey) -> Duration {
        let ms = self
            .sources
            .get(&source)
            .and_then(|o| o.task_timeout_ms)
            .unwrap_or(self.task_timeout_ms);
        Duration::from_millis(ms)
    }

    /// The merged policy of one source, or `None` when some value is invalid (already reported).
    fn source_policy(&self, o: &SourceOverrides) -> Option<SourcePolicy> {
        let retry = &self.retry;
        let jitter = if o.retry.jitter.unwrap_or(retry.jitter) {
            Jitter::Full
        } else {
            Jitter::None
        };
        let backoff = Backoff::new(
            Duration::from_millis(o.retry.base_ms.unwrap_or(retry.base_ms)),
            Duration::from_millis(o.retry.cap_ms.unwrap_or(retry.cap_ms)),
            jitter,
        )
        .ok()?;
        let attempts = o.retry.attempts.unwrap_or(retry.attempts);
        let failures = o.breaker.failures.unwrap_or(self.breaker.failures);
        let open_ms = o.breaker.open_ms.unwrap_or(self.breaker.open_ms);
        let task_timeout_ms = o.task_timeout_ms.unwrap_or(self.task_timeout_ms);
        let max_concurrency = o.max_concurrency.unwrap_or(self.max_concurrency_per_source);
        let durations_ok = [task_timeout_ms, open_ms, self.deadline_ms]
            .iter()
            .all(|ms| (1..=MAX_DURATION_MS).contains(ms));
        if attempts == 0 || failures == 0 || !durations_ok || max_concurrency == 0 {
            return None;
        }
        Some(SourcePolicy {
            task_timeout: Duration::from_millis(task_timeout_ms),
            retry: RetryPolicy { attempts, backoff },
            breaker: BreakerPolicy {
                failures,
                open_for: Duration::from_millis(open_ms),
            },
            max_concurrency,
        })
    }
}

/// Collects problems; one method per kind of check so messages stay uniform.
#[derive(Default)]
struct Checker {
    errors: Vec<ConfigError>,
}

impl Checker {
    fn duration(&mut self, path: &str, ms: u64) {
        if ms == 0 {
            self.push_sentence(path, format!("{path} must be greater than 0"));
        } else if ms > MAX_DURATION_MS {
            self.push_sentence(
                path,
                format!("{path} ({ms}) is longer than a day ({MAX_DURATION_MS} ms)"),
            );
        }
    }

    fn at_least_one(&mut self, path: &str, n: u32) {
        if n == 0 {
            self.push_sentence(path, format!("{path} must be at least 1"));
        }
    }

    fn concurrency(&mut self, path: &str, n: usize) {
        if n == 0 {
            self.push_sentence(path, format!("{path} must be at least 1"));
        } else if n > Semaphore::MAX_PERMITS {
            self.push_sentence(path, format!("{path} ({n}) is too large"));
        }
    }

    /// Reports `small` being above `large`, e.g. "a (3000) is greater than b (2000)".
    fn not_above(&mut self, small: (&str, u64), large: (&str, u64), relation: &str) {
        if small.1 > large.1 {
            let (a, av) = small;
            let (b, bv) = large;
            self.push_sentence(a, format!("{a} ({av}) is {relation} {b} ({bv})"));
        }
    }

    /// A message that already names its key.
    fn push_sentence(&mut self, path: &str, message: String) {
        self.errors.push(ConfigError::new(path, message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(config: &EngineConfig) -> Vec<String> {
        config
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn defaults_are_valid_and_match_the_documented_values() {
        let config = EngineConfig::default();
        let resolved = config.resolve().unwrap();
        assert_eq!(resolved.deadline, Duration::from_secs(10));
        let icm = &resolved.sources[&SourceKey::Icm];
        assert_eq!(icm.task_timeout, Duration::from_secs(5));
        assert_eq!(icm.retry.attempts, 3);
        assert_eq!(icm.retry.backoff.base(), Duration::from_millis(100));
        assert_eq!(icm.retry.backoff.cap(), Duration::from_secs(2));
        assert_eq!(icm.retry.backoff.jitter(), Jitter::Full);
        assert_eq!(icm.breaker.failures, 5);
        assert_eq!(icm.breaker.open_for, Duration::from_secs(30));
        assert_eq!(icm.max_concurrency, 8);
        assert_eq!(resolved.sources.len(), 5);
    }

    #[test]
    fn lists_every_problem_at_once() {
        let mut config = EngineConfig {
            task_timeout_ms: 0,
            deadline_ms: 3_000,
            max_concurrency_per_source: 0,
            faults: vec!["icm=timeout".into(), "icm=slowly".into(), "kusto".into()],
            ..EngineConfig::default()
        };
        config.retry.attempts = 0;
        config.retry.base_ms = 3_000;
        config.breaker.failures = 0;
        config.breaker.open_ms = 0;
        assert_eq!(
            messages(&config),
            [
                "engine.task_timeout_ms must be greater than 0",
                "engine.retry.attempts must be at least 1",
                "engine.retry.base_ms (3000) is greater than engine.retry.cap_ms (2000)",
                "engine.breaker.failures must be at least 1",
                "engine.breaker.open_ms must be greater than 0",
                "engine.max_concurrency_per_source must be at least 1",
                "engine.faults[1]: unknown fault `slowly` in `icm=slowly` (expected error, timeout, slow:MS or flaky:P)",
                "engine.faults[2]: `kusto` is not a fault (expected SOURCE=error|timeout|slow:MS|flaky:P)",
            ]
        );
    }

    #[test]
    fn deadline_shorter_than_the_task_timeout() {
        let config = EngineConfig {
            deadline_ms: 3_000,
            ..EngineConfig::default()
        };
        assert_eq!(
            messages(&config),
            ["engine.task_timeout_ms (5000) is longer than engine.deadline_ms (3000)"]
        );
    }

    #[test]
    fn per_source_overrides_are_checked_against_the_merged_values() {
        let mut config = EngineConfig::default();
        let icm = config.sources.entry(SourceKey::Icm).or_default();
        icm.task_timeout_ms = Some(12_000);
        icm.retry.base_ms = Some(3_000);
        icm.retry.attempts = Some(0);
        icm.max_concurrency = Some(0);
        let ado = config.sources.entry(SourceKey::Ado).or_default();
        ado.retry.cap_ms = Some(50);
        ado.breaker.open_ms = Some(0);
        assert_eq!(
            messages(&config),
            [
                "engine.sources.icm.task_timeout_ms (12000) is longer than engine.deadline_ms (10000)",
                "engine.sources.icm.retry.attempts must be at least 1",
                "engine.sources.icm.retry.base_ms (3000) is greater than engine.retry.cap_ms (2000)",
                "engine.sources.icm.max_concurrency must be at least 1",
                "engine.retry.base_ms (100) is greater than engine.sources.ado.retry.cap_ms (50)",
                "engine.sources.ado.breaker.open_ms must be greater than 0",
            ]
        );
    }

    #[test]
    fn overrides_apply_only_to_their_source() {
        let mut config = EngineConfig::default();
        let icm = config.sources.entry(SourceKey::Icm).or_default();
        icm.task_timeout_ms = Some(2_000);
        icm.retry.attempts = Some(5);
        icm.retry.jitter = Some(false);
        icm.max_concurrency = Some(2);
        let resolved = config.resolve().unwrap();
        let icm = &resolved.sources[&SourceKey::Icm];
        assert_eq!(icm.task_timeout, Duration::from_secs(2));
        assert_eq!(icm.retry.attempts, 5);
        assert_eq!(icm.retry.backoff.base(), Duration::from_millis(100));
        assert_eq!(icm.retry.backoff.jitter(), Jitter::None);
        assert_eq!(icm.max_concurrency, 2);
        let kusto = &resolved.sources[&SourceKey::Kusto];
        assert_eq!(kusto.task_timeout, Duration::from_secs(5));
        assert_eq!(kusto.max_concurrency, 8);
    }

    #[test]
    fn absurd_durations_are_rejected_instead_of_overflowing_the_clock() {
        let config = EngineConfig {
            deadline_ms: u64::MAX,
            ..EngineConfig::default()
        };
        assert_eq!(
            messages(&config),
            [format!(
                "engine.deadline_ms ({}) is longer than a day (86400000 ms)",
                u64::MAX
            )]
        );
    }

    #[test]
    fn reads_toml_with_source_overrides_and_round_trips() {
        let text = r#"
            task_timeout_ms = 4000
            faults = ["icm=slow:300"]
            seed = 7

            [retry]
            attempts = 4
            jitter = false

            [sources.icm]
            task_timeout_ms = 2000
            retry = { attempts = 2 }

            [sources.ado.breaker]
            failures = 3
        "#;
        let config: EngineConfig = toml::from_str(text).unwrap();
        assert_eq!(config.task_timeout_ms, 4_000);
        assert_eq!(config.deadline_ms, 10_000, "unset keys keep their defaults");
        assert_eq!(config.retry.attempts, 4);
        assert_eq!(config.retry.base_ms, 100);
        assert_eq!(config.sources[&SourceKey::Icm].retry.attempts, Some(2));
        assert_eq!(config.sources[&SourceKey::Ado].breaker.failures, Some(3));
        assert_eq!(config.seed, Some(7));
        config.validate().unwrap();

        let again: EngineConfig = toml::from_str(&toml::to_string(&config).unwrap()).unwrap();
        assert_eq!(again, config);
        let defaults: EngineConfig =
            toml::from_str(&toml::to_string(&EngineConfig::default()).unwrap()).unwrap();
        assert_eq!(defaults, EngineConfig::default());
    }

    #[test]
    fn unknown_keys_and_sources_are_errors() {
        let typo = toml::from_str::<EngineConfig>("task_timeout = 5000").unwrap_err();
        assert!(
            typo.to_string().contains("unknown field `task_timeout`"),
            "{typo}"
        );
        let source =
            toml::from_str::<EngineConfig>("[sources.jira]\nmax_concurrency = 2").unwrap_err();
        assert!(source.to_string().contains("jira"), "{source}");
    }
}
