//! Login throttling: growing delays after repeated failures.
//!
//! Attempts are counted per (account, client address), so a stranger who
//! guesses at someone's password slows down only himself and cannot lock the
//! owner out; and per client address across all accounts, so one address
//! cannot spray guesses over many accounts. An attempt is counted as a failure
//! when it starts and refunded when the password is right. Counts live in
//! memory: a restart forgets them, which costs an attacker nothing he could not
//! get by waiting.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::rate_limit::client_network;

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

    /// Reserves one attempt for this account from this address, counted as a
    /// failure before the password is checked, or `Err(wait)` while either key
    /// must wait. Counting first means a burst of guesses sent at once gets no
    /// more tries than the same guesses sent one after another: each is
    /// counted before the slow hash, not after it.
    pub fn reserve(&self, email: &str, client: IpAddr) -> Result<(), Duration> {
        if !self.enabled {
            return Ok(());
        }
        let now = Instant::now();
        let mut failures = self.lock();
        let keys = keys(email, client);
        let wait = keys
            .iter()
            .filter_map(|key| failures.get(key))
            .map(|f| f.blocked_until.saturating_duration_since(now))
            .max()
            .unwrap_or_default();
        if !wait.is_zero() {
            return Err(wait);
        }
        self.make_room(&mut failures, now);
        for key in keys {
            let free = self.free_for(&key);
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
        Ok(())
    }

    /// A correct password clears this account's count from this address and
    /// gives the address back the attempt its reservation counted.
    pub fn succeeded(&self, email: &str, client: IpAddr) {
        if !self.enabled {
            return;
        }
        let [account, address] = keys(email, client);
        let mut failures = self.lock();
        failures.remove(&account);
        let free = self.free_for(&address);
        if let Some(entry) = failures.get_mut(&address) {
            entry.count = entry.count.saturating_sub(1);
            entry.blocked_until = entry.last + self.delay_after(entry.count, free);
        }
    }

    /// Forgets every count kept under this account's email, from any address:
    /// an erased account's email is no longer kept anywhere.
    pub fn forget_account(&self, email: &str) {
        self.lock()
            .retain(|key, _| !matches!(key, Key::AccountFrom(kept, _) if kept == email));
    }

    fn free_for(&self, key: &Key) -> u32 {
        match key {
            Key::AccountFrom(..) => self.free_attempts,
            Key::Address(_) => self.free_attempts * ADDRESS_FACTOR,
        }
    }

    fn make_room(&self, failures: &mut HashMap<Key, Failures>, now: Instant) {
        if failures.len() >= MAX_ENTRIES {
            let forget_after = self.max_delay * 2;
            failures.retain(|_, f| now.duration_since(f.last) < forget_after);
        }
        if failures.len() >= MAX_ENTRIES {
            // Still full of live entries: an attack from very many addresses.
            // Forgetting is safer than growing without bound.
            failures.clear();
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

/// An IPv6 client counts by its /64, or it could guess from a fresh address each time.
fn keys(email: &str, client: IpAddr) -> [Key; 2] {
    let network = client_network(client);
    [
        Key::AccountFrom(email.to_owned(), network),
        Key::Address(network),
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
        for n in 0..4 {
            assert!(t.reserve("kim", STRANGER).is_ok(), "attempt {n} is free");
        }
        let first = t.reserve("kim", STRANGER).unwrap_err();
        assert!(first <= Duration::from_secs(1), "{first:?}");
        assert!(
            t.delay_after(5, 3) > t.delay_after(4, 3),
            "each failure past the free ones waits longer"
        );
    }

    #[test]
    fn attempts_count_before_their_answer() {
        // A burst: every attempt is reserved before any password is checked.
        let t = throttle();
        let allowed = (0..60)
            .filter(|_| t.reserve("kim", STRANGER).is_ok())
            .count();
        assert_eq!(
            allowed, 4,
            "three free attempts and the one that starts the delay"
        );
        assert!(
            t.reserve("kim", STRANGER).is_err(),
            "the right password waits too"
        );
    }

    #[test]
    fn a_stranger_cannot_lock_the_owner_out() {
        let t = throttle();
        for _ in 0..10 {
            let _ = t.reserve("kim", STRANGER);
        }
        assert!(t.reserve("kim", STRANGER).is_err());
        assert!(
            t.reserve("kim", HOME).is_ok(),
            "the owner's address is not delayed"
        );
    }

    #[test]
    fn one_address_cannot_spray_many_accounts() {
        let t = throttle();
        for n in 0..13 {
            t.reserve(&format!("reader{n}"), STRANGER).unwrap();
        }
        assert!(t.reserve("someone-new", STRANGER).is_err());
        let t = throttle();
        for n in 0..13u16 {
            let address = std::net::Ipv6Addr::new(0x2001, 0xdb8, 1, 2, n, 0, 0, 1);
            t.reserve(&format!("reader{n}"), address.into()).unwrap();
        }
        let same_64 = "2001:db8:1:2:ffff::9".parse().unwrap();
        assert!(
            t.reserve("someone-new", same_64).is_err(),
            "an IPv6 client counts by its /64"
        );
    }

    #[test]
    fn success_refunds_its_reservation_and_off_means_off() {
        let t = throttle();
        for _ in 0..3 {
            t.reserve("kim", HOME).unwrap();
        }
        t.succeeded("kim", HOME);
        for _ in 0..4 {
            t.reserve("kim", HOME).unwrap();
        }
        assert!(t.reserve("kim", HOME).is_err());
        // Many readers behind one address who log in correctly never add up.
        let t = throttle();
        for n in 0..50 {
            let reader = format!("reader{n}");
            t.reserve(&reader, HOME).unwrap();
            t.succeeded(&reader, HOME);
        }
        assert!(t.reserve("someone-new", HOME).is_ok());
        let off = LoginThrottle::new(false, 0, Duration::from_secs(60));
        for _ in 0..5 {
            assert!(off.reserve("kim", HOME).is_ok());
        }
    }

    #[test]
    fn the_delay_never_exceeds_the_maximum() {
        let t = throttle();
        assert_eq!(t.delay_after(200, 3), Duration::from_secs(60));
    }
}
