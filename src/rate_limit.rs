//! Per-key rate limits in memory: "at most N per duration", several at once;
//! and the throttles on what strangers may send often (registrations, reports,
//! dry runs), each an N-per-duration limit from the configuration. Each
//! service applies its own limits as a request enters it (posting and editing
//! in the comment service, registering in auth, reporting in moderation).
//!
//! Fixed windows: a limit's window starts with the first hit and resets when
//! it is over. Registrations use a token bucket instead (a small burst, then a
//! steady refill), keyed by the client's network. Memory is bounded: expired
//! windows and full buckets are pruned when the table grows large.
//! `RATE_LIMITS=off` turns every limiter off.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::policy::FloodLimit;

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

    /// Counts one request from `key`, or says how long to wait.
    pub fn check(&self, key: K) -> Result<(), Duration> {
        self.limiter.hit(key, &self.limit)
    }
}

/// The network a client address stands for: an IPv4 address itself (also when
/// written as `::ffff:a.b.c.d`), an IPv6 address its /64, the block a single
/// subscriber is usually given, so that one subscriber's many addresses count once.
pub fn client_network(client: IpAddr) -> IpAddr {
    match client.to_canonical() {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & (u128::MAX << 64);
            IpAddr::V6(Ipv6Addr::from(prefix))
        }
        v4 => v4,
    }
}

#[derive(Debug, Clone, Copy)]
struct Level {
    tokens: f64,
    at: Instant,
}

/// A token bucket per key: up to `burst` at once, then one more every
/// `limit.per / limit.count`. Unlike a fixed window, it never lets a key spend
/// two windows' worth back to back.
pub struct Bucket<K> {
    enabled: bool,
    capacity: f64,
    /// Seconds for one token to come back.
    refill_secs: f64,
    levels: Mutex<HashMap<K, Level>>,
}

impl<K: Hash + Eq + Clone> Bucket<K> {
    /// `burst` is capped at the limit's count: a burst cannot exceed the limit.
    pub fn new(enabled: bool, limit: FloodLimit, burst: u32) -> Bucket<K> {
        Bucket {
            enabled,
            capacity: f64::from(burst.min(limit.count).max(1)),
            refill_secs: limit.per.as_secs_f64() / f64::from(limit.count.max(1)),
            levels: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`, or says how long to wait.
    pub fn check(&self, key: K) -> Result<(), Duration> {
        self.take_at(key, Instant::now())
    }

    fn take_at(&self, key: K, now: Instant) -> Result<(), Duration> {
        if !self.enabled {
            return Ok(());
        }
        let mut levels = self.levels.lock().unwrap_or_else(|e| e.into_inner());
        if levels.len() > PRUNE_ABOVE {
            // A full bucket is the same as none.
            levels.retain(|_, level| self.level_at(level, now) < self.capacity);
        }
        let level = levels.entry(key).or_insert(Level {
            tokens: self.capacity,
            at: now,
        });
        let tokens = self.level_at(level, now);
        if tokens < 1.0 {
            return Err(Duration::from_secs_f64((1.0 - tokens) * self.refill_secs));
        }
        *level = Level {
            tokens: tokens - 1.0,
            at: now,
        };
        Ok(())
    }

    fn level_at(&self, level: &Level, now: Instant) -> f64 {
        let refilled = now.saturating_duration_since(level.at).as_secs_f64() / self.refill_secs;
        (level.tokens + refilled).min(self.capacity)
    }
}

/// Accounts created per client network (an IPv6 client's /64): a burst,
/// then a steady rate.
pub struct RegisterThrottle(Bucket<IpAddr>);

impl RegisterThrottle {
    pub fn new(enabled: bool, limit: FloodLimit, burst: u32) -> RegisterThrottle {
        RegisterThrottle(Bucket::new(enabled, limit, burst))
    }

    pub fn check(&self, client: IpAddr) -> Result<(), Duration> {
        self.0.check(client_network(client))
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
    fn a_bucket_allows_its_burst_then_refills_steadily() {
        let hourly = FloodLimit {
            count: 60,
            per: Duration::from_secs(3600),
        };
        let bucket = Bucket::new(true, hourly, 10);
        let start = Instant::now();
        for n in 0..10 {
            assert!(bucket.take_at(1, start).is_ok(), "burst {n}");
        }
        let wait = bucket.take_at(1, start).unwrap_err();
        assert!(
            wait > Duration::from_secs(59) && wait <= Duration::from_secs(60),
            "one a minute: {wait:?}"
        );
        assert!(bucket.take_at(2, start).is_ok(), "another key has its own");
        let later = start + Duration::from_secs(60);
        assert!(bucket.take_at(1, later).is_ok(), "a minute refills one");
        assert!(bucket.take_at(1, later).is_err(), "and only one");
        let hour = start + Duration::from_secs(3 * 3600);
        let refilled = (0..20).filter(|_| bucket.take_at(1, hour).is_ok()).count();
        assert_eq!(refilled, 10, "never more than the burst at once");
        let small = Bucket::new(true, FloodLimit { count: 2, ..hourly }, 10);
        assert_eq!(
            (0..5).filter(|_| small.take_at(1, start).is_ok()).count(),
            2,
            "the burst is capped at the limit's count"
        );
        let off = Bucket::new(false, hourly, 1);
        assert!((0..5).all(|_| off.take_at(1, start).is_ok()));
    }

    #[test]
    fn ipv6_clients_count_by_their_64_and_ipv4_by_address() {
        let net = |text: &str| client_network(text.parse().unwrap()).to_string();
        assert_eq!(net("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::");
        assert_eq!(net("2001:db8:1:2::ffff"), "2001:db8:1:2::");
        assert_eq!(net("2001:db8:1:3::1"), "2001:db8:1:3::");
        assert_eq!(net("203.0.113.7"), "203.0.113.7");
        assert_eq!(net("::ffff:203.0.113.7"), "203.0.113.7");
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
