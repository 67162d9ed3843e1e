//! Exponential backoff with full jitter: how long to wait before retry number `n`.
//!
//! The wait before retry `n` (1-based) is drawn uniformly from `[0, min(cap, base * 2^(n-1))]`
//! ("full jitter", which spreads retrying clients best), or is exactly that ceiling when jitter is
//! off (tests). Invariant: a `Backoff` always has `0 < base <= cap`; the constructor checks it.

use std::time::Duration;

use rand::Rng;

/// Why a backoff could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidBackoff {
    #[error("the base delay must be greater than zero")]
    ZeroBase,
    #[error("the base delay ({base:?}) is greater than the cap ({cap:?})")]
    BaseAboveCap { base: Duration, cap: Duration },
}

/// Whether waits are randomized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jitter {
    /// Uniform in `[0, ceiling]` (the default: retries of many clients do not line up).
    Full,
    /// Exactly the ceiling: deterministic, for tests and reproducible demos.
    None,
}

/// A validated exponential backoff policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
    jitter: Jitter,
}

impl Backoff {
    pub fn new(base: Duration, cap: Duration, jitter: Jitter) -> Result<Backoff, InvalidBackoff> {
        if base.is_zero() {
            return Err(InvalidBackoff::ZeroBase);
        }
        if base > cap {
            return Err(InvalidBackoff::BaseAboveCap { base, cap });
        }
        Ok(Backoff { base, cap, jitter })
    }

    pub fn base(&self) -> Duration {
        self.base
    }

    pub fn cap(&self) -> Duration {
        self.cap
    }

    pub fn jitter(&self) -> Jitter {
        self.jitter
    }

    /// The largest wait before retry `retry` (1-based): `min(cap, base * 2^(retry-1))`.
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.base
            .checked_mul(factor)
            .map_or(self.cap, |d| d.min(self.cap))
    }

    /// The wait before retry `retry` (1-based), drawing jitter from `rng`.
    pub fn delay(&self, retry: u32, rng: &mut impl Rng) -> Duration {
        let ceiling = self.ceiling(retry);
        match self.jitter {
            Jitter::None => ceiling,
            Jitter::Full => {
                let micros = u64::try_from(ceiling.as_micros()).unwrap_or(u64::MAX);
                Duration::from_micros(rng.random_range(0..=micros))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn rejects_zero_base_and_base_above_cap() {
        assert_eq!(
            Backoff::new(ms(0), ms(10), Jitter::None),
            Err(InvalidBackoff::ZeroBase)
        );
        assert_eq!(
            Backoff::new(ms(300), ms(200), Jitter::None),
            Err(InvalidBackoff::BaseAboveCap {
                base: ms(300),
                cap: ms(200)
            })
        );
        assert!(Backoff::new(ms(200), ms(200), Jitter::Full).is_ok());
    }

    #[test]
    fn doubles_up_to_the_cap() {
        let b = Backoff::new(ms(100), ms(2000), Jitter::None).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let waits: Vec<u64> = (1..=7)
            .map(|n| b.delay(n, &mut rng).as_millis() as u64)
            .collect();
        assert_eq!(waits, [100, 200, 400, 800, 1600, 2000, 2000]);
        assert_eq!(
            b.ceiling(200),
            ms(2000),
            "no overflow for huge retry numbers"
        );
    }

    #[test]
    fn full_jitter_stays_within_the_ceiling_and_is_seeded() {
        let b = Backoff::new(ms(100), ms(2000), Jitter::Full).unwrap();
        let draw = |seed| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            (1..=20).map(|n| b.delay(n, &mut rng)).collect::<Vec<_>>()
        };
        let first = draw(7);
        assert_eq!(first, draw(7), "same seed, same waits");
        for (i, wait) in first.iter().enumerate() {
            assert!(*wait <= b.ceiling(i as u32 + 1));
        }
        assert!(
            first.iter().any(|w| *w < b.ceiling(5)),
            "jitter actually varies"
        );
    }
}
