//! Per-key rate limits: "at most N per duration", several at once; and the
//! throttles on what strangers may send often (registrations, reports, dry
//! runs), each an N-per-duration limit from the configuration. Each service
//! applies its own limits as a request enters it (posting and editing in the
//! comment service, registering in auth, reporting in moderation).
//!
//! Fixed windows: a limit's window starts with the first hit and resets when
//! it is over. Registrations use a token bucket instead (a small burst, then a
//! steady refill), keyed by the client's network. The counts live behind the
//! store (`LimitStore`), so every server process on one database counts
//! together; each limiter keeps them under its own key prefix. Times are
//! wall-clock milliseconds, the clock processes share. `RATE_LIMITS=off`
//! turns every limiter off, and then it never touches the store.
//!
//! A limiter whose store fails returns the error, which the services answer
//! as they answer any store error (500): failing open would hand the limits
//! to whoever can make the store slow, and the request needs the store anyway.

use std::fmt::Display;
use std::marker::PhantomData;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::domain::policy::FloodLimit;
use crate::storage::limits::{LimitStore, now_ms, update_typed};

/// `Ok` to go ahead, or how long to wait.
pub type Verdict = Result<(), Duration>;

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Window {
    /// When the window began, ms since the epoch.
    started: i64,
    count: u32,
}

pub struct RateLimiter<K = i64> {
    enabled: bool,
    store: Arc<dyn LimitStore>,
    prefix: &'static str,
    key: PhantomData<fn(K)>,
}

impl<K: Display> RateLimiter<K> {
    /// `prefix` sets this limiter's keys apart from every other's.
    pub fn new(enabled: bool, store: Arc<dyn LimitStore>, prefix: &'static str) -> RateLimiter<K> {
        RateLimiter {
            enabled,
            store,
            prefix,
            key: PhantomData,
        }
    }

    /// Counts one hit for `key` against every limit, or says how long to wait.
    /// A refused hit is not counted.
    pub async fn hit(&self, key: K, limits: &[FloodLimit]) -> anyhow::Result<Verdict> {
        if !self.enabled || limits.is_empty() {
            return Ok(Ok(()));
        }
        let mut limits = limits.to_vec();
        // One window per distinct limit: a limit listed twice is one limit.
        limits.sort_by_key(|limit| (limit.count, limit.per));
        limits.dedup_by_key(|limit| (limit.count, limit.per));
        let keys: Vec<String> = limits
            .iter()
            .map(|limit| format!("{}{key}/{}/{}", self.prefix, limit.count, millis(limit.per)))
            .collect();
        let now = now_ms();
        let longest = limits.iter().map(|limit| millis(limit.per)).max();
        let expires_at = now.saturating_add(longest.unwrap_or(0));
        update_typed(self.store.as_ref(), &keys, expires_at, |windows| {
            count_hit(windows, &limits, now)
        })
        .await
    }
}

/// The fixed-window rule: every window has room, or none is counted.
fn count_hit(windows: &mut [Option<Window>], limits: &[FloodLimit], now: i64) -> Verdict {
    let mut wait = 0;
    for (window, limit) in windows.iter_mut().zip(limits) {
        let per = millis(limit.per);
        let current = window.filter(|w| now.saturating_sub(w.started) < per);
        let current = current.unwrap_or(Window {
            started: now,
            count: 0,
        });
        if current.count >= limit.count {
            wait = wait.max(per - now.saturating_sub(current.started));
        }
        *window = Some(current);
    }
    if wait > 0 {
        return Err(Duration::from_millis(wait.unsigned_abs()));
    }
    for window in windows.iter_mut().flatten() {
        window.count += 1;
    }
    Ok(())
}

/// One configured limit on one kind of request, keyed by who sends it.
pub struct Throttle<K> {
    limiter: RateLimiter<K>,
    limit: [FloodLimit; 1],
}

impl<K: Display> Throttle<K> {
    pub fn new(
        enabled: bool,
        store: Arc<dyn LimitStore>,
        prefix: &'static str,
        limit: FloodLimit,
    ) -> Throttle<K> {
        Throttle {
            limiter: RateLimiter::new(enabled, store, prefix),
            limit: [limit],
        }
    }

    /// Counts one request from `key`, or says how long to wait.
    pub async fn check(&self, key: K) -> anyhow::Result<Verdict> {
        self.limiter.hit(key, &self.limit).await
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

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Level {
    tokens: f64,
    /// When `tokens` was right, ms since the epoch.
    at: i64,
}

/// A token bucket per key: up to `burst` at once, then one more every
/// `limit.per / limit.count`. Unlike a fixed window, it never lets a key spend
/// two windows' worth back to back.
pub struct Bucket<K> {
    enabled: bool,
    capacity: f64,
    /// Seconds for one token to come back.
    refill_secs: f64,
    store: Arc<dyn LimitStore>,
    prefix: &'static str,
    key: PhantomData<fn(K)>,
}

impl<K: Display> Bucket<K> {
    /// `burst` is capped at the limit's count: a burst cannot exceed the limit.
    pub fn new(
        enabled: bool,
        store: Arc<dyn LimitStore>,
        prefix: &'static str,
        limit: FloodLimit,
        burst: u32,
    ) -> Bucket<K> {
        Bucket {
            enabled,
            capacity: f64::from(burst.min(limit.count).max(1)),
            refill_secs: limit.per.as_secs_f64() / f64::from(limit.count.max(1)),
            store,
            prefix,
            key: PhantomData,
        }
    }

    /// Takes one token for `key`, or says how long to wait.
    pub async fn check(&self, key: K) -> anyhow::Result<Verdict> {
        self.take_at(key, now_ms()).await
    }

    async fn take_at(&self, key: K, now: i64) -> anyhow::Result<Verdict> {
        if !self.enabled {
            return Ok(Ok(()));
        }
        let keys = [format!("{}{key}", self.prefix)];
        // A bucket left alone is full by then, the same as none.
        let full_after = (self.capacity * self.refill_secs * 1000.0).ceil() as i64;
        let expires_at = now.saturating_add(full_after);
        update_typed(self.store.as_ref(), &keys, expires_at, |levels| {
            self.take(&mut levels[0], now)
        })
        .await
    }

    fn take(&self, level: &mut Option<Level>, now: i64) -> Verdict {
        let tokens = level.map_or(self.capacity, |level| self.level_at(level, now));
        if tokens < 1.0 {
            return Err(Duration::from_secs_f64((1.0 - tokens) * self.refill_secs));
        }
        *level = Some(Level {
            tokens: tokens - 1.0,
            at: now,
        });
        Ok(())
    }

    fn level_at(&self, level: Level, now: i64) -> f64 {
        let elapsed = now.saturating_sub(level.at).max(0) as f64 / 1000.0;
        (level.tokens + elapsed / self.refill_secs).min(self.capacity)
    }
}

/// Accounts created per client network (an IPv6 client's /64): a burst,
/// then a steady rate.
pub struct RegisterThrottle(Bucket<IpAddr>);

impl RegisterThrottle {
    pub fn new(
        enabled: bool,
        store: Arc<dyn LimitStore>,
        limit: FloodLimit,
        burst: u32,
    ) -> RegisterThrottle {
        RegisterThrottle(Bucket::new(enabled, store, "register:", limit, burst))
    }

    pub async fn check(&self, client: IpAddr) -> anyhow::Result<Verdict> {
        self.0.check(client_network(client)).await
    }
}

/// A duration in whole milliseconds, as the kept states count time.
pub(crate) fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::limits::MemoryLimits;

    fn memory() -> Arc<dyn LimitStore> {
        Arc::new(MemoryLimits::default())
    }

    #[tokio::test]
    async fn allows_the_count_then_says_how_long_to_wait() {
        let limiter = RateLimiter::new(true, memory(), "test:");
        let limits = [FloodLimit {
            count: 2,
            per: Duration::from_secs(60),
        }];
        let hit = |key| limiter.hit(key, &limits);
        assert!(hit(1).await.unwrap().is_ok());
        assert!(hit(1).await.unwrap().is_ok());
        let wait = hit(1).await.unwrap().unwrap_err();
        assert!(
            wait > Duration::from_secs(50) && wait <= Duration::from_secs(60),
            "{wait:?}"
        );
        assert!(
            hit(2).await.unwrap().is_ok(),
            "another key has its own count"
        );
    }

    #[tokio::test]
    async fn a_bucket_allows_its_burst_then_refills_steadily() {
        let hourly = FloodLimit {
            count: 60,
            per: Duration::from_secs(3600),
        };
        let bucket = &Bucket::new(true, memory(), "test:", hourly, 10);
        let take = |key, at| async move { bucket.take_at(key, at).await.unwrap() };
        let start = now_ms();
        for n in 0..10 {
            assert!(take(1, start).await.is_ok(), "burst {n}");
        }
        let wait = take(1, start).await.unwrap_err();
        assert!(
            wait > Duration::from_secs(59) && wait <= Duration::from_secs(60),
            "one a minute: {wait:?}"
        );
        assert!(take(2, start).await.is_ok(), "another key has its own");
        let later = start + 60_000;
        assert!(take(1, later).await.is_ok(), "a minute refills one");
        assert!(take(1, later).await.is_err(), "and only one");
        let hour = start + 3 * 3_600_000;
        let mut refilled = 0;
        for _ in 0..20 {
            refilled += usize::from(take(1, hour).await.is_ok());
        }
        assert_eq!(refilled, 10, "never more than the burst at once");
        let small = Bucket::new(
            true,
            memory(),
            "test:",
            FloodLimit { count: 2, ..hourly },
            10,
        );
        let mut allowed = 0;
        for _ in 0..5 {
            allowed += usize::from(small.take_at(1, start).await.unwrap().is_ok());
        }
        assert_eq!(allowed, 2, "the burst is capped at the limit's count");
        let off = Bucket::new(false, memory(), "test:", hourly, 1);
        for _ in 0..5 {
            assert!(off.take_at(1, start).await.unwrap().is_ok());
        }
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

    #[tokio::test]
    async fn the_strictest_limit_decides_and_off_is_off() {
        let limiter = RateLimiter::new(true, memory(), "test:");
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
        assert!(limiter.hit(1, &limits).await.unwrap().is_ok());
        let wait = limiter.hit(1, &limits).await.unwrap().unwrap_err();
        assert!(wait > Duration::from_secs(3000));
        let off = RateLimiter::new(false, memory(), "test:");
        for _ in 0..5 {
            assert!(off.hit(1, &limits[1..]).await.unwrap().is_ok());
        }
    }

    #[tokio::test]
    async fn limiters_with_other_prefixes_count_apart() {
        let store = memory();
        let one = Throttle::new(
            true,
            store.clone(),
            "one:",
            FloodLimit {
                count: 1,
                per: Duration::from_secs(60),
            },
        );
        let two = Throttle::new(
            true,
            store,
            "two:",
            FloodLimit {
                count: 1,
                per: Duration::from_secs(60),
            },
        );
        assert!(one.check(7).await.unwrap().is_ok());
        assert!(one.check(7).await.unwrap().is_err());
        assert!(two.check(7).await.unwrap().is_ok());
    }
}
