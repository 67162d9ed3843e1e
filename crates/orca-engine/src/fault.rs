//! Fault injection for demos, tests and soak runs: `SOURCE=error|timeout|slow:MS|flaky:P`.
//!
//! A `FaultyConnector` wraps the real connector of one source and misbehaves as told; the engine
//! cannot tell it from a real failure, which is the point. Invariant: `flaky` draws from a seeded
//! RNG, so a run with a seed fails the same calls every time.

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use orca_core::{BoxFuture, Connector, ConnectorError, Query, QueryOutput, SourceKey};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The longest `slow:MS` delay: one day, the bound of every duration setting too; longer is
/// surely a typo.
const MAX_DELAY_MS: u64 = 24 * 60 * 60 * 1000;

/// How an injected source misbehaves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// Every call fails with a transient `Unavailable` error.
    Error,
    /// Every call hangs until the engine gives up on it.
    Timeout,
    /// Every call waits this long, then runs normally.
    Slow(Duration),
    /// Each call fails with `Unavailable` with this probability (0 to 1).
    Flaky(f64),
}

/// One injected fault: which source, and how it misbehaves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultSpec {
    pub source: SourceKey,
    pub fault: Fault,
}

/// Why a fault spec did not parse. Messages quote the spec as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultParseError {
    #[error("`{spec}` is not a fault (expected SOURCE=error|timeout|slow:MS|flaky:P)")]
    NotAFault { spec: String },
    #[error("unknown source `{name}` in `{spec}` (expected kusto, icm, ado, tenant or docs)")]
    UnknownSource { spec: String, name: String },
    #[error("unknown fault `{fault}` in `{spec}` (expected error, timeout, slow:MS or flaky:P)")]
    UnknownFault { spec: String, fault: String },
    #[error(
        "bad delay `{value}` in `{spec}` (expected whole milliseconds up to {MAX_DELAY_MS}, e.g. slow:300)"
    )]
    BadDelay { spec: String, value: String },
    #[error(
        "bad probability `{value}` in `{spec}` (expected a number from 0 to 1, e.g. flaky:0.3)"
    )]
    BadProbability { spec: String, value: String },
}

impl FromStr for FaultSpec {
    type Err = FaultParseError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let owned = || spec.to_string();
        let (source, fault) = spec
            .split_once('=')
            .ok_or_else(|| FaultParseError::NotAFault { spec: owned() })?;
        let source = source
            .parse::<SourceKey>()
            .map_err(|_| FaultParseError::UnknownSource {
                spec: owned(),
                name: source.trim().to_string(),
            })?;
        let fault = fault.trim();
        let (kind, value) = match fault.split_once(':') {
            Some((kind, value)) => (kind.trim(), Some(value.trim())),
            None => (fault, None),
        };
        let fault = match (kind.to_ascii_lowercase().as_str(), value) {
            ("error", None) => Fault::Error,
            ("timeout", None) => Fault::Timeout,
            ("slow", Some(value)) => match value.parse::<u64>() {
                Ok(ms) if ms <= MAX_DELAY_MS => Fault::Slow(Duration::from_millis(ms)),
                _ => {
                    return Err(FaultParseError::BadDelay {
                        spec: owned(),
                        value: value.to_string(),
                    });
                }
            },
            ("flaky", Some(value)) => match value.parse::<f64>() {
                Ok(p) if (0.0..=1.0).contains(&p) => Fault::Flaky(p),
                _ => {
                    return Err(FaultParseError::BadProbability {
                        spec: owned(),
                        value: value.to_string(),
                    });
                }
            },
            _ => {
                return Err(FaultParseError::UnknownFault {
                    spec: owned(),
                    fault: fault.to_string(),
                });
            }
        };
        Ok(FaultSpec { source, fault })
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Error => f.write_str("error"),
            Fault::Timeout => f.write_str("timeout"),
            Fault::Slow(d) => write!(f, "slow:{}", d.as_millis()),
            Fault::Flaky(p) => write!(f, "flaky:{p}"),
        }
    }
}

impl fmt::Display for FaultSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.source, self.fault)
    }
}

/// A connector that misbehaves as its `Fault` says, then (if it lets the call through) delegates.
pub struct FaultyConnector {
    inner: Arc<dyn Connector>,
    fault: Fault,
    name: String,
    rng: Mutex<ChaCha8Rng>,
}

impl FaultyConnector {
    /// Wraps `inner`; `seed` drives `flaky` draws.
    pub fn new(inner: Arc<dyn Connector>, fault: Fault, seed: u64) -> FaultyConnector {
        let name = format!("{}+fault({fault})", inner.name());
        FaultyConnector {
            inner,
            fault,
            name,
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed)),
        }
    }

    fn injected(&self) -> ConnectorError {
        ConnectorError::unavailable(format!(
            "injected fault {}={}",
            self.inner.source(),
            self.fault
        ))
    }
}

impl Connector for FaultyConnector {
    fn source(&self) -> SourceKey {
        self.inner.source()
    }

    fn name(&self) -> &str {
        &self.name
    }

    /// The source behind the faults is what a check looks at.
    fn check(&self) -> BoxFuture<'_, Result<String, ConnectorError>> {
        self.inner.check()
    }

    fn run<'a>(&'a self, query: &'a Query) -> BoxFuture<'a, Result<QueryOutput, ConnectorError>> {
        Box::pin(async move {
            match self.fault {
                Fault::Error => Err(self.injected()),
                Fault::Timeout => std::future::pending().await,
                Fault::Slow(delay) => {
                    tokio::time::sleep(delay).await;
                    self.inner.run(query).await
                }
                Fault::Flaky(p) => {
                    let fails = {
                        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
                        rng.random_bool(p)
                    };
                    if fails {
                        Err(self.injected())
                    } else {
                        self.inner.run(query).await
                    }
                }
            }
        })
    }
}

/// Wraps each connector in the faults aimed at its source, in list order (the last fault listed
/// is the outermost). Faults for a source without a connector are ignored with a warning.
pub fn apply_faults(
    connectors: Vec<Arc<dyn Connector>>,
    faults: &[FaultSpec],
    seed: Option<u64>,
) -> Vec<Arc<dyn Connector>> {
    let base_seed = seed.unwrap_or_else(|| rand::rng().random());
    for spec in faults {
        if !connectors.iter().any(|c| c.source() == spec.source) {
            tracing::warn!(fault = %spec, "no connector for the source of an injected fault; ignored");
        }
    }
    connectors
        .into_iter()
        .map(|connector| {
            let source = connector.source();
            faults
                .iter()
                .enumerate()
                .filter(|(_, spec)| spec.source == source)
                .fold(connector, |inner, (i, spec)| {
                    let seed = base_seed
                        .wrapping_add(i as u64)
                        .wrapping_mul(0x9E37_79B9_7F4A_7C15);
                    Arc::new(FaultyConnector::new(inner, spec.fault, seed)) as Arc<dyn Connector>
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<FaultSpec, String> {
        s.parse::<FaultSpec>().map_err(|e| e.to_string())
    }

    #[test]
    fn parses_every_fault_kind() {
        let cases = [
            ("icm=error", SourceKey::Icm, Fault::Error),
            ("kusto=timeout", SourceKey::Kusto, Fault::Timeout),
            (
                "ado=slow:300",
                SourceKey::Ado,
                Fault::Slow(Duration::from_millis(300)),
            ),
            ("tenant=flaky:0.3", SourceKey::Tenant, Fault::Flaky(0.3)),
            ("docs=flaky:1", SourceKey::Docs, Fault::Flaky(1.0)),
            (
                " ICM = Slow:0 ",
                SourceKey::Icm,
                Fault::Slow(Duration::ZERO),
            ),
        ];
        for (text, source, fault) in cases {
            assert_eq!(parse(text), Ok(FaultSpec { source, fault }), "{text}");
        }
        assert_eq!(parse("ado=slow:300").unwrap().to_string(), "ado=slow:300");
        assert_eq!(
            parse("ado=flaky:0.25").unwrap().to_string(),
            "ado=flaky:0.25"
        );
    }

    #[test]
    fn rejects_bad_specs_with_a_clear_message() {
        let cases = [
            (
                "icm",
                "`icm` is not a fault (expected SOURCE=error|timeout|slow:MS|flaky:P)",
            ),
            (
                "jira=error",
                "unknown source `jira` in `jira=error` (expected kusto, icm, ado, tenant or docs)",
            ),
            (
                "icm=boom",
                "unknown fault `boom` in `icm=boom` (expected error, timeout, slow:MS or flaky:P)",
            ),
            (
                "icm=slow",
                "unknown fault `slow` in `icm=slow` (expected error, timeout, slow:MS or flaky:P)",
            ),
            (
                "icm=error:3",
                "unknown fault `error:3` in `icm=error:3` (expected error, timeout, slow:MS or flaky:P)",
            ),
            (
                "icm=slow:fast",
                "bad delay `fast` in `icm=slow:fast` (expected whole milliseconds up to 86400000, e.g. slow:300)",
            ),
            (
                "icm=slow:-5",
                "bad delay `-5` in `icm=slow:-5` (expected whole milliseconds up to 86400000, e.g. slow:300)",
            ),
            (
                "icm=flaky:1.5",
                "bad probability `1.5` in `icm=flaky:1.5` (expected a number from 0 to 1, e.g. flaky:0.3)",
            ),
            (
                "icm=flaky:NaN",
                "bad probability `NaN` in `icm=flaky:NaN` (expected a number from 0 to 1, e.g. flaky:0.3)",
            ),
        ];
        for (text, message) in cases {
            assert_eq!(parse(text), Err(message.to_string()), "{text}");
        }
    }
}
