//! Reconnect delays: exponential backoff with full jitter, capped, reset after a good welcome.

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
    /// `Math.random()`); the delay lands anywhere in `[0, ceiling]` ("full jitter"), so the
    /// clients a server restart dropped do not all come back at the same instant.
    pub fn next_delay(&mut self, random01: f64) -> u32 {
        let ceiling = self.ceiling();
        self.attempt = self.attempt.saturating_add(1);
        let r = if random01.is_finite() {
            random01.clamp(0.0, 1.0)
        } else {
            1.0
        };
        (ceiling as f64 * r) as u32
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
    fn ceiling_doubles_from_the_base_up_to_the_cap() {
        let mut b = Backoff::default();
        let ceilings: Vec<u32> = (0..8)
            .map(|_| {
                let c = b.ceiling();
                b.next_delay(0.5);
                c
            })
            .collect();
        assert_eq!(
            ceilings,
            [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]
        );
        assert_eq!(b.attempt(), 8);
    }

    #[test]
    fn delays_spread_over_the_whole_range() {
        let mut low = Backoff::default();
        let mut high = Backoff::default();
        for _ in 0..5 {
            low.next_delay(0.5);
            high.next_delay(0.5);
        }
        // The sixth attempt's ceiling is 16 s: anywhere from 0 to 16 s.
        assert_eq!(low.next_delay(0.0), 0);
        assert_eq!(high.next_delay(0.999_999), 15_999);
    }

    #[test]
    fn never_exceeds_cap_even_after_many_attempts() {
        let mut b = Backoff::default();
        for _ in 0..1000 {
            assert!(b.next_delay(0.999_999) <= MAX_DELAY_MS);
        }
        assert_eq!(b.ceiling(), MAX_DELAY_MS);
        // Out-of-range random inputs are clamped.
        assert!(b.next_delay(7.0) <= MAX_DELAY_MS);
        assert_eq!(b.next_delay(f64::NAN), MAX_DELAY_MS);
    }

    #[test]
    fn reset_starts_over() {
        let mut b = Backoff::default();
        for _ in 0..10 {
            b.next_delay(1.0);
        }
        b.reset();
        assert_eq!(b.attempt(), 0);
        assert!(b.next_delay(1.0) <= BASE_DELAY_MS);
    }
}
