//! When to try a failed delivery again: exponential backoff with jitter.

use std::time::Duration;

use rand::Rng;

/// The delay after the `failed`-th failure (1 for the first): `first`
/// doubled each time, capped at `max`, then a random point in its upper half
/// so that many deliveries failing together do not come back together.
pub fn retry_delay(failed: i64, first: Duration, max: Duration) -> Duration {
    let doublings = failed.saturating_sub(1).clamp(0, 30) as u32;
    let full = first
        .saturating_mul(2u32.saturating_pow(doublings))
        .min(max);
    let half = full / 2;
    let jitter = rand::thread_rng().gen_range(0..=half.as_millis() as u64);
    half + Duration::from_millis(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_with_jitter_in_the_upper_half() {
        let (first, max) = (Duration::from_secs(1), Duration::from_secs(600));
        let cases = [
            (1, 1),
            (2, 2),
            (3, 4),
            (5, 16),
            (10, 512),
            (11, 600),
            (1000, 600),
        ];
        for (failed, full) in cases {
            let full = Duration::from_secs(full);
            for _ in 0..50 {
                let delay = retry_delay(failed, first, max);
                assert!(
                    delay >= full / 2 && delay <= full,
                    "after {failed} failures: {delay:?} not in [{:?}, {full:?}]",
                    full / 2
                );
            }
        }
    }

    #[test]
    fn the_jitter_spreads_retries() {
        let delays: std::collections::HashSet<Duration> = (0..50)
            .map(|_| retry_delay(8, Duration::from_secs(1), Duration::from_secs(600)))
            .collect();
        assert!(delays.len() > 10, "{delays:?}");
    }
}
