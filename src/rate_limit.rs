//! Per-key rate limits in memory: "at most N per duration", several at once.
//!
//! Fixed windows: a limit's window starts with the first hit and resets when
//! it is over. Memory is bounded: expired windows are pruned when the table
//! grows large. `RATE_LIMITS=off` turns every limiter off.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::policy::FloodLimit;

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    count: u32,
    per: Duration,
}

pub struct RateLimiter {
    enabled: bool,
    windows: Mutex<HashMap<(i64, u32, Duration), Window>>,
}

const PRUNE_ABOVE: usize = 100_000;

impl RateLimiter {
    pub fn new(enabled: bool) -> RateLimiter {
        RateLimiter {
            enabled,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one hit for `key` against every limit, or says how long to wait.
    /// A refused hit is not counted.
    pub fn hit(&self, key: i64, limits: &[FloodLimit]) -> Result<(), Duration> {
        if !self.enabled || limits.is_empty() {
            return Ok(());
        }
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() > PRUNE_ABOVE {
            windows.retain(|_, w| now.duration_since(w.started) < w.per);
        }
        let mut wait = Duration::ZERO;
        for limit in limits {
            let window = windows
                .entry((key, limit.count, limit.per))
                .or_insert(Window {
                    started: now,
                    count: 0,
                    per: limit.per,
                });
            if now.duration_since(window.started) >= limit.per {
                *window = Window {
                    started: now,
                    count: 0,
                    per: limit.per,
                };
            }
            if window.count >= limit.count {
                wait = wait.max(limit.per - now.duration_since(window.started));
            }
        }
        if !wait.is_zero() {
            return Err(wait);
        }
        for limit in limits {
            if let Some(window) = windows.get_mut(&(key, limit.count, limit.per)) {
                window.count += 1;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_the_count_then_says_how_long_to_wait() {
        let limiter = RateLimiter::new(true);
        let limits = [FloodLimit {
            count: 2,
            per: Duration::from_secs(60),
        }];
        assert!(limiter.hit(1, &limits).is_ok());
        assert!(limiter.hit(1, &limits).is_ok());
        let wait = limiter.hit(1, &limits).unwrap_err();
        assert!(
            wait > Duration::from_secs(50) && wait <= Duration::from_secs(60),
            "{wait:?}"
        );
        assert!(
            limiter.hit(2, &limits).is_ok(),
            "another key has its own count"
        );
    }

    #[test]
    fn the_strictest_limit_decides_and_off_is_off() {
        let limiter = RateLimiter::new(true);
        let limits = [
            FloodLimit {
                count: 10,
                per: Duration::from_secs(60),
            },
            FloodLimit {
                count: 1,
                per: Duration::from_secs(3600),
            },
        ];
        assert!(limiter.hit(1, &limits).is_ok());
        assert!(limiter.hit(1, &limits).unwrap_err() > Duration::from_secs(3000));
        let off = RateLimiter::new(false);
        for _ in 0..5 {
            assert!(off.hit(1, &limits[1..]).is_ok());
        }
    }
}
