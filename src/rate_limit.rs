//! Per-key rate limits in memory: "at most N per duration", several at once;
//! and the throttles on what strangers may send often (registrations, reports,
//! dry runs), each an N-per-duration limit from the configuration.
//!
//! Fixed windows: a limit's window starts with the first hit and resets when
//! it is over. Memory is bounded: expired windows are pruned when the table
//! grows large. `RATE_LIMITS=off` turns every limiter off.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::Settings;
use crate::http::error::ApiError;
use crate::policy::FloodLimit;

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    count: u32,
    per: Duration,
}

pub struct RateLimiter<K = i64> {
    enabled: bool,
    windows: Mutex<HashMap<(K, u32, Duration), Window>>,
}

const PRUNE_ABOVE: usize = 100_000;

impl<K: Hash + Eq + Clone> RateLimiter<K> {
    pub fn new(enabled: bool) -> RateLimiter<K> {
        RateLimiter {
            enabled,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one hit for `key` against every limit, or says how long to wait.
    /// A refused hit is not counted.
    pub fn hit(&self, key: K, limits: &[FloodLimit]) -> Result<(), Duration> {
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
                .entry((key.clone(), limit.count, limit.per))
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
            if let Some(window) = windows.get_mut(&(key.clone(), limit.count, limit.per)) {
                window.count += 1;
            }
        }
        Ok(())
    }
}

/// One configured limit on one kind of request, keyed by who sends it.
pub struct Throttle<K> {
    limiter: RateLimiter<K>,
    limit: [FloodLimit; 1],
}

impl<K: Hash + Eq + Clone> Throttle<K> {
    pub fn new(enabled: bool, limit: FloodLimit) -> Throttle<K> {
        Throttle {
            limiter: RateLimiter::new(enabled),
            limit: [limit],
        }
    }

    /// Counts one request from `key`, or refuses it with 429 and `Retry-After`.
    pub fn check(&self, key: K) -> Result<(), ApiError> {
        self.limiter
            .hit(key, &self.limit)
            .map_err(|retry_after| ApiError::RateLimited { retry_after })
    }
}

/// The throttles on requests a stranger could repeat to flood the service.
/// (Posting is limited by the standards policy's flooding rule.)
pub struct Throttles {
    /// Accounts created per client address.
    pub register: Throttle<IpAddr>,
    /// Reports filed per account.
    pub report: Throttle<i64>,
    /// Dry runs of the policy per client address.
    pub validate: Throttle<IpAddr>,
}

impl Throttles {
    pub fn new(settings: &Settings) -> Throttles {
        let on = settings.rate_limits;
        Throttles {
            register: Throttle::new(on, settings.register_limit),
            report: Throttle::new(on, settings.report_limit),
            validate: Throttle::new(on, settings.validate_limit),
        }
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
