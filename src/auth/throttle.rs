//! Login throttling: growing delays after repeated failures.
//!
//! Failures are counted per (account, client address), so a stranger who
//! guesses at someone's password slows down only himself and cannot lock the
//! owner out; and per client address across all accounts, so one address
//! cannot spray guesses over many accounts. Counts live in memory: a restart
//! forgets them, which costs an attacker nothing he could not get by waiting.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    AccountFrom(String, IpAddr),
    Address(IpAddr),
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
    blocked_until: Instant,
}

pub struct LoginThrottle {
    failures: Mutex<HashMap<Key, Failures>>,
    enabled: bool,
    /// Failures allowed per account and address before delays start.
    free_attempts: u32,
    max_delay: Duration,
}

/// An address may fail this many times more, over all accounts, than one account from it.
const ADDRESS_FACTOR: u32 = 4;
/// Above this many tracked keys, forgotten entries are pruned; memory stays bounded.
const MAX_ENTRIES: usize = 100_000;

impl LoginThrottle {
    pub fn new(enabled: bool, free_attempts: u32, max_delay: Duration) -> LoginThrottle {
        LoginThrottle {
            failures: Mutex::new(HashMap::new()),
            enabled,
            free_attempts,
            max_delay,
        }
    }

    /// `Err(wait)` while this account or this address must wait.
    pub fn check(&self, email: &str, client: IpAddr) -> Result<(), Duration> {
        if !self.enabled {
            return Ok(());
        }
        let now = Instant::now();
        let failures = self.lock();
        let wait = keys(email, client)
            .iter()
            .filter_map(|key| failures.get(key))
            .map(|f| f.blocked_until.saturating_duration_since(now))
            .max()
            .unwrap_or_default();
        if wait.is_zero() { Ok(()) } else { Err(wait) }
    }

    pub fn failed(&self, email: &str, client: IpAddr) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        let mut failures = self.lock();
        if failures.len() >= MAX_ENTRIES {
            let forget_after = self.max_delay * 2;
            failures.retain(|_, f| now.duration_since(f.last) < forget_after);
        }
        if failures.len() >= MAX_ENTRIES {
            // Still full of live entries: an attack from very many addresses.
            // Forgetting is safer than growing without bound.
            failures.clear();
        }
        for key in keys(email, client) {
            let free = match key {
                Key::AccountFrom(..) => self.free_attempts,
                Key::Address(_) => self.free_attempts * ADDRESS_FACTOR,
            };
            let entry = failures.entry(key).or_insert(Failures {
                count: 0,
                last: now,
                blocked_until: now,
            });
            if now.duration_since(entry.last) > self.max_delay * 2 {
                entry.count = 0;
            }
            entry.count += 1;
            entry.last = now;
            entry.blocked_until = now + self.delay_after(entry.count, free);
        }
    }

    /// A correct password clears this account's count from this address.
    pub fn succeeded(&self, email: &str, client: IpAddr) {
        if self.enabled {
            self.lock()
                .remove(&Key::AccountFrom(email.to_owned(), client));
        }
    }

    /// No delay for the free attempts, then 1 s, 2 s, 4 s … up to the maximum.
    fn delay_after(&self, count: u32, free: u32) -> Duration {
        if count <= free {
            return Duration::ZERO;
        }
        let doublings = (count - free - 1).min(20);
        Duration::from_secs(1 << doublings).min(self.max_delay)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Failures>> {
        // The map holds only counters; one left by a panicking thread is still usable.
        self.failures.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn keys(email: &str, client: IpAddr) -> [Key; 2] {
    [
        Key::AccountFrom(email.to_owned(), client),
        Key::Address(client),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
    const STRANGER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    fn throttle() -> LoginThrottle {
        LoginThrottle::new(true, 3, Duration::from_secs(60))
    }

    #[test]
    fn delays_start_after_the_free_attempts_and_grow() {
        let t = throttle();
        for _ in 0..3 {
            assert!(t.check("kim", STRANGER).is_ok());
            t.failed("kim", STRANGER);
        }
        assert!(t.check("kim", STRANGER).is_ok(), "three failures are free");
        t.failed("kim", STRANGER);
        let first = t.check("kim", STRANGER).unwrap_err();
        t.failed("kim", STRANGER);
        let second = t.check("kim", STRANGER).unwrap_err();
        assert!(
            first <= Duration::from_secs(1) && second > first,
            "{first:?} then {second:?}"
        );
    }

    #[test]
    fn a_stranger_cannot_lock_the_owner_out() {
        let t = throttle();
        for _ in 0..10 {
            t.failed("kim", STRANGER);
        }
        assert!(t.check("kim", STRANGER).is_err());
        assert!(
            t.check("kim", HOME).is_ok(),
            "the owner's address is not delayed"
        );
    }

    #[test]
    fn one_address_cannot_spray_many_accounts() {
        let t = throttle();
        for n in 0..13 {
            t.failed(&format!("reader{n}"), STRANGER);
        }
        assert!(t.check("someone-new", STRANGER).is_err());
    }

    #[test]
    fn success_clears_the_account_count_and_off_means_off() {
        let t = throttle();
        for _ in 0..3 {
            t.failed("kim", HOME);
        }
        t.succeeded("kim", HOME);
        t.failed("kim", HOME);
        assert!(t.check("kim", HOME).is_ok());
        let off = LoginThrottle::new(false, 0, Duration::from_secs(60));
        off.failed("kim", HOME);
        assert!(off.check("kim", HOME).is_ok());
    }

    #[test]
    fn the_delay_never_exceeds_the_maximum() {
        let t = throttle();
        assert_eq!(t.delay_after(200, 3), Duration::from_secs(60));
    }
}
