//! Reconnect delays: exponential backoff with jitter, capped, reset after a good welcome.

/// Default first delay, in milliseconds.
pub const BASE_DELAY_MS: u32 = 500;
/// Largest delay, in milliseconds.
pub const MAX_DELAY_MS: u32 = 30_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backoff {
    attempt: u32,
    base_ms: u32,
    cap_ms: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new(BASE_DELAY_MS, MAX_DELAY_MS)
    }
}

impl Backoff {
    pub const fn new(base_ms: u32, cap_ms: u32) -> Self {
        Backoff {
            attempt: 0,
            base_ms,
            cap_ms,
        }
    }

    /// How many delays were handed out since the last reset.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The ceiling for the current attempt (before jitter): `base * 2^attempt`, capped.
    pub fn ceiling(&self) -> u32 {
        let factor = 1u32 << self.attempt.min(16);
        self.base_ms.saturating_mul(factor).min(self.cap_ms)
    }

    /// The next delay. `random01` is a uniform random number in `[0, 1)` (the adapter passes
    /// `Math.random()`); the delay lands in `[ceiling / 2, ceiling]` ("equal jitter"), so clients
    /// that lost the same server do not all come back at the same instant.
    pub fn next_delay(&mut self, random01: f64) -> u32 {
        let ceiling = self.ceiling();
        self.attempt = self.attempt.saturating_add(1);
        let half = ceiling / 2;
        let r = if random01.is_finite() {
            random01.clamp(0.0, 1.0)
        } else {
            0.0
        };
        half + ((ceiling - half) as f64 * r) as u32
    }

    /// Called after a good welcome.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_exponentially_within_jitter_bounds() {
        let mut b = Backoff::default();
        let mut prev_ceiling = 0;
        for attempt in 0..12 {
            let ceiling = b.ceiling();
            assert!(ceiling >= prev_ceiling, "attempt {attempt}");
            let d = b.next_delay(0.5);
            assert!(
                d >= ceiling / 2 && d <= ceiling,
                "attempt {attempt}: {d} vs {ceiling}"
            );
            prev_ceiling = ceiling;
        }
        assert_eq!(b.attempt(), 12);
    }

    #[test]
    fn never_exceeds_cap_even_after_many_attempts() {
        let mut b = Backoff::default();
        for _ in 0..1000 {
            let d = b.next_delay(0.999_999);
            assert!(d <= MAX_DELAY_MS);
        }
        assert_eq!(b.ceiling(), MAX_DELAY_MS);
        // Extreme random inputs are clamped.
        assert!(b.next_delay(7.0) <= MAX_DELAY_MS);
        assert!(b.next_delay(f64::NAN) >= MAX_DELAY_MS / 2);
    }

    #[test]
    fn first_delay_is_short_and_reset_starts_over() {
        let mut b = Backoff::default();
        let first = b.next_delay(0.0);
        assert_eq!(first, BASE_DELAY_MS / 2);
        for _ in 0..10 {
            b.next_delay(1.0);
        }
        assert!(b.ceiling() > BASE_DELAY_MS);
        b.reset();
        assert_eq!(b.attempt(), 0);
        assert!(b.next_delay(1.0) <= BASE_DELAY_MS);
    }
}
