//! Login throttling: growing delays after repeated failures.
//!
//! Attempts are counted per (account, client address), so a stranger who
//! guesses at someone's password slows down only himself and cannot lock the
//! owner out; and per client address across all accounts, so one address
//! cannot spray guesses over many accounts. An attempt is counted as a failure
//! when it starts and refunded when the password is right. Counts live behind
//! the store (`LimitStore`), shared by every server process on one database;
//! losing them costs an attacker nothing he could not get by waiting. A store
//! error is returned, as in `rate_limit.rs`: failing open would let whoever can
//! slow the store guess freely.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::rate_limit::{Verdict, client_network, millis};
use crate::storage::limits::{LimitStore, now_ms, update_typed};

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Failures {
    count: u32,
    /// Times in ms since the epoch.
    last: i64,
    blocked_until: i64,
}

pub struct LoginThrottle {
    store: Arc<dyn LimitStore>,
    enabled: bool,
    /// Failures allowed per account and address before delays start.
    free_attempts: u32,
    max_delay: Duration,
}

/// An address may fail this many times more, over all accounts, than one account from it.
const ADDRESS_FACTOR: u32 = 4;

impl LoginThrottle {
    pub fn new(
        enabled: bool,
        store: Arc<dyn LimitStore>,
        free_attempts: u32,
        max_delay: Duration,
    ) -> LoginThrottle {
        LoginThrottle {
            store,
            enabled,
            free_attempts,
            max_delay,
        }
    }

    /// Reserves one attempt for this account from this address, counted as a
    /// failure before the password is checked, or `Err(wait)` while either key
    /// must wait. Counting first means a burst of guesses sent at once gets no
    /// more tries than the same guesses sent one after another: each is
    /// counted before the slow hash, not after it.
    pub async fn reserve(&self, email: &str, client: IpAddr) -> anyhow::Result<Verdict> {
        self.reserve_at(email, client, now_ms()).await
    }

    async fn reserve_at(&self, email: &str, client: IpAddr, now: i64) -> anyhow::Result<Verdict> {
        if !self.enabled {
            return Ok(Ok(()));
        }
        let keys = keys(email, client);
        update_typed(self.store.as_ref(), &keys, self.expiry(now), |failures| {
            self.count_failure(failures, now)
        })
        .await
    }

    fn count_failure(&self, failures: &mut [Option<Failures>], now: i64) -> Verdict {
        let wait = failures
            .iter()
            .flatten()
            .map(|f| f.blocked_until.saturating_sub(now))
            .max()
            .unwrap_or_default();
        if wait > 0 {
            return Err(Duration::from_millis(wait.unsigned_abs()));
        }
        for (entry, free) in failures.iter_mut().zip(self.free()) {
            let mut f = entry.unwrap_or(Failures {
                count: 0,
                last: now,
                blocked_until: now,
            });
            if now.saturating_sub(f.last) > self.forget_after() {
                f.count = 0;
            }
            f.count += 1;
            f.last = now;
            f.blocked_until = now.saturating_add(millis(self.delay_after(f.count, free)));
            *entry = Some(f);
        }
        Ok(())
    }

    /// A correct password clears this account's count from this address and
    /// gives the address back the attempt its reservation counted.
    pub async fn succeeded(&self, email: &str, client: IpAddr) -> anyhow::Result<()> {
        if !self.enabled {
            return Ok(());
        }
        let keys = keys(email, client);
        let free = self.free()[1];
        update_typed(
            self.store.as_ref(),
            &keys,
            self.expiry(now_ms()),
            |failures: &mut [Option<Failures>]| {
                failures[0] = None;
                if let Some(f) = &mut failures[1] {
                    f.count = f.count.saturating_sub(1);
                    f.blocked_until = f
                        .last
                        .saturating_add(millis(self.delay_after(f.count, free)));
                }
            },
        )
        .await
    }

    /// Forgets every count kept under this account's email, from any address:
    /// an erased account's email is no longer kept anywhere.
    pub async fn forget_account(&self, email: &str) -> anyhow::Result<()> {
        if !self.enabled {
            return Ok(());
        }
        let prefix = account_prefix(email);
        self.store.forget_limits_with_prefix(&prefix).await
    }

    /// Free attempts per account from an address, and per address.
    fn free(&self) -> [u32; 2] {
        [self.free_attempts, self.free_attempts * ADDRESS_FACTOR]
    }

    /// A count this old starts again from nothing.
    fn forget_after(&self) -> i64 {
        millis(self.max_delay * 2)
    }

    fn expiry(&self, now: i64) -> i64 {
        now.saturating_add(self.forget_after())
    }

    /// No delay for the free attempts, then 1 s, 2 s, 4 s … up to the maximum.
    fn delay_after(&self, count: u32, free: u32) -> Duration {
        if count <= free {
            return Duration::ZERO;
        }
        let doublings = (count - free - 1).min(20);
        Duration::from_secs(1 << doublings).min(self.max_delay)
    }
}

/// The keys of (account, address) and of the address. An IPv6 client counts
/// by its /64, or it could guess from a fresh address each time.
fn keys(email: &str, client: IpAddr) -> [String; 2] {
    let network = client_network(client);
    [
        format!("{}{network}", account_prefix(email)),
        format!("login:addr:{network}"),
    ]
}

/// The email is quoted, so no other email's keys share the prefix.
fn account_prefix(email: &str) -> String {
    format!("login:acct:{email:?}|")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::limits::MemoryLimits;

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
    const STRANGER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    fn throttle() -> LoginThrottle {
        LoginThrottle::new(
            true,
            Arc::new(MemoryLimits::default()),
            3,
            Duration::from_secs(60),
        )
    }

    #[tokio::test]
    async fn delays_start_after_the_free_attempts_and_grow() {
        let t = throttle();
        for n in 0..4 {
            assert!(
                t.reserve("kim", STRANGER).await.unwrap().is_ok(),
                "attempt {n} is free"
            );
        }
        let first = t.reserve("kim", STRANGER).await.unwrap().unwrap_err();
        assert!(first <= Duration::from_secs(1), "{first:?}");
        assert!(
            t.delay_after(5, 3) > t.delay_after(4, 3),
            "each failure past the free ones waits longer"
        );
    }

    #[tokio::test]
    async fn attempts_count_before_their_answer() {
        // A burst: every attempt is reserved before any password is checked.
        let t = throttle();
        let mut allowed = 0;
        for _ in 0..60 {
            allowed += usize::from(t.reserve("kim", STRANGER).await.unwrap().is_ok());
        }
        assert_eq!(
            allowed, 4,
            "three free attempts and the one that starts the delay"
        );
        assert!(
            t.reserve("kim", STRANGER).await.unwrap().is_err(),
            "the right password waits too"
        );
    }

    #[tokio::test]
    async fn a_stranger_cannot_lock_the_owner_out() {
        let t = throttle();
        for _ in 0..10 {
            let _ = t.reserve("kim", STRANGER).await.unwrap();
        }
        assert!(t.reserve("kim", STRANGER).await.unwrap().is_err());
        assert!(
            t.reserve("kim", HOME).await.unwrap().is_ok(),
            "the owner's address is not delayed"
        );
    }

    #[tokio::test]
    async fn one_address_cannot_spray_many_accounts() {
        let t = throttle();
        for n in 0..13 {
            t.reserve(&format!("reader{n}"), STRANGER)
                .await
                .unwrap()
                .unwrap();
        }
        assert!(t.reserve("someone-new", STRANGER).await.unwrap().is_err());
        let t = throttle();
        for n in 0..13u16 {
            let address = std::net::Ipv6Addr::new(0x2001, 0xdb8, 1, 2, n, 0, 0, 1);
            t.reserve(&format!("reader{n}"), address.into())
                .await
                .unwrap()
                .unwrap();
        }
        let same_64 = "2001:db8:1:2:ffff::9".parse().unwrap();
        assert!(
            t.reserve("someone-new", same_64).await.unwrap().is_err(),
            "an IPv6 client counts by its /64"
        );
    }

    #[tokio::test]
    async fn success_refunds_its_reservation_and_off_means_off() {
        let t = throttle();
        for _ in 0..3 {
            t.reserve("kim", HOME).await.unwrap().unwrap();
        }
        t.succeeded("kim", HOME).await.unwrap();
        for _ in 0..4 {
            t.reserve("kim", HOME).await.unwrap().unwrap();
        }
        assert!(t.reserve("kim", HOME).await.unwrap().is_err());
        // Many readers behind one address who log in correctly never add up.
        let t = throttle();
        for n in 0..50 {
            let reader = format!("reader{n}");
            t.reserve(&reader, HOME).await.unwrap().unwrap();
            t.succeeded(&reader, HOME).await.unwrap();
        }
        assert!(t.reserve("someone-new", HOME).await.unwrap().is_ok());
        let off = LoginThrottle::new(
            false,
            Arc::new(MemoryLimits::default()),
            0,
            Duration::from_secs(60),
        );
        for _ in 0..5 {
            assert!(off.reserve("kim", HOME).await.unwrap().is_ok());
        }
    }

    #[tokio::test]
    async fn forgetting_an_account_forgets_only_its_counts() {
        let t = throttle();
        for email in ["kim", "kim\"|x"] {
            for _ in 0..5 {
                let _ = t.reserve(email, STRANGER).await.unwrap();
            }
            assert!(t.reserve(email, STRANGER).await.unwrap().is_err());
        }
        t.forget_account("kim").await.unwrap();
        assert!(t.reserve("kim", STRANGER).await.unwrap().is_ok());
        assert!(
            t.reserve("kim\"|x", STRANGER).await.unwrap().is_err(),
            "an email that starts like it keeps its count"
        );
    }

    #[tokio::test]
    async fn the_delay_never_exceeds_the_maximum() {
        let t = throttle();
        assert_eq!(t.delay_after(200, 3), Duration::from_secs(60));
    }
}
