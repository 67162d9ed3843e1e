//! The faults a soak injects: every source call misbehaves with a probability, the kind drawn
//! from a seeded RNG, through the engine's own `FaultyConnector`s.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use orca_core::{BoxFuture, Connector, ConnectorError, Query, QueryOutput};
use orca_engine::{Fault, FaultyConnector};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// How each source call misbehaves: with probability `rate`, one of the engine's faults.
pub(super) struct FaultMix {
    pub(super) rate: f64,
    pub(super) task_timeout: Duration,
}

/// Injected faults by kind, over all sources.
#[derive(Default)]
pub(super) struct FaultCounts {
    pub(super) calls: AtomicU64,
    pub(super) error: AtomicU64,
    pub(super) timeout: AtomicU64,
    pub(super) slow: AtomicU64,
}

/// A source whose calls fail at a rate: each call draws (seeded) whether it misbehaves and how,
/// then goes through one of the engine's `FaultyConnector`s or straight to the real connector.
pub(super) struct SoakFaults {
    pub(super) inner: Arc<dyn Connector>,
    /// error, timeout (a hang), slow within the task budget, slow past it.
    pub(super) faulty: [(Arc<dyn Connector>, FaultKind); 4],
    pub(super) rate: f64,
    pub(super) rng: Mutex<StdRng>,
    pub(super) counts: Arc<FaultCounts>,
    pub(super) name: String,
}

#[derive(Clone, Copy)]
pub(super) enum FaultKind {
    Error,
    Timeout,
    Slow,
}

impl SoakFaults {
    pub(super) fn new(
        inner: Arc<dyn Connector>,
        mix: &FaultMix,
        seed: u64,
        counts: Arc<FaultCounts>,
    ) -> SoakFaults {
        // Draws of the wrapped faults never happen (none is flaky), so their seed is unused.
        let wrap = |fault: Fault| {
            Arc::new(FaultyConnector::new(Arc::clone(&inner), fault, seed)) as Arc<dyn Connector>
        };
        let faulty = [
            (wrap(Fault::Error), FaultKind::Error),
            (wrap(Fault::Timeout), FaultKind::Timeout),
            (wrap(Fault::Slow(mix.task_timeout / 2)), FaultKind::Slow),
            (wrap(Fault::Slow(mix.task_timeout * 2)), FaultKind::Slow),
        ];
        let name = format!("{}+soak({})", inner.name(), mix.rate);
        SoakFaults {
            inner,
            faulty,
            rate: mix.rate,
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            counts,
            name,
        }
    }
}

impl Connector for SoakFaults {
    fn source(&self) -> orca_core::SourceKey {
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
        let pick = {
            let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
            rng.random_bool(self.rate)
                .then(|| rng.random_range(0..self.faulty.len()))
        };
        self.counts.calls.fetch_add(1, Ordering::Relaxed);
        let Some(i) = pick else {
            return self.inner.run(query);
        };
        let (connector, kind) = &self.faulty[i];
        let counter = match kind {
            FaultKind::Error => &self.counts.error,
            FaultKind::Timeout => &self.counts.timeout,
            FaultKind::Slow => &self.counts.slow,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        connector.run(query)
    }
}
