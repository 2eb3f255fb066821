//! Where the rate limits and throttles keep their counts. The algorithms live
//! above storage (`rate_limit.rs`, `auth/throttle.rs`); an engine only keeps
//! each key's small state and lets one decision at a time change it, so that
//! several server processes on one database count as one server.
//!
//! States are small JSON values; times inside them are wall-clock
//! milliseconds, the only clock that processes share.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// What a decision sees and changes: one state per key, `None` for a key
/// with nothing kept (and to forget a key).
pub type Decide<'a> = dyn FnMut(&mut [Option<Value>]) + Send + 'a;

#[async_trait]
pub trait LimitStore: Send + Sync {
    /// Reads the states kept under `keys`, lets `decide` change them, and
    /// keeps the result, with no other decision on any of these keys in
    /// between, in this process or another. A kept state may be pruned after
    /// `expires_at` (ms since the epoch). The keys are distinct and few.
    async fn update_limits(
        &self,
        keys: &[String],
        expires_at: i64,
        decide: &mut Decide<'_>,
    ) -> anyhow::Result<()>;

    /// Forgets every state kept under a key that starts with `prefix`.
    async fn forget_limits_with_prefix(&self, prefix: &str) -> anyhow::Result<()>;
}

/// `update_limits` with typed states: a state that no longer decodes (an
/// older shape) counts as none. Returns what `decide` returned.
pub async fn update_typed<S, R>(
    store: &dyn LimitStore,
    keys: &[String],
    expires_at: i64,
    mut decide: impl FnMut(&mut [Option<S>]) -> R + Send,
) -> anyhow::Result<R>
where
    S: Serialize + DeserializeOwned + Send,
    R: Send,
{
    let mut answer = None;
    let mut raw = |states: &mut [Option<Value>]| {
        let mut typed: Vec<Option<S>> = states
            .iter_mut()
            .map(|state| state.take().and_then(|v| serde_json::from_value(v).ok()))
            .collect();
        answer = Some(decide(&mut typed));
        for (state, new) in states.iter_mut().zip(typed) {
            *state = new.and_then(|new| serde_json::to_value(new).ok());
        }
    };
    store.update_limits(keys, expires_at, &mut raw).await?;
    answer.ok_or_else(|| anyhow::anyhow!("the limit store did not decide"))
}

/// Now, in wall-clock milliseconds since the epoch.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The states of one process, for an engine whose database only one server
/// process uses (SQLite). Bounded: past `PRUNE_ABOVE` keys the expired ones
/// go, and if it is still full of live ones (an attack from very many
/// addresses) everything goes: forgetting is safer than growing without bound.
#[derive(Default)]
pub struct MemoryLimits {
    states: Mutex<HashMap<String, Kept>>,
}

struct Kept {
    state: Value,
    expires_at: i64,
}

const PRUNE_ABOVE: usize = 100_000;

impl MemoryLimits {
    pub fn update(&self, keys: &[String], expires_at: i64, decide: &mut Decide<'_>) {
        // The map holds only counts; one left by a panicking thread is still usable.
        let mut map = self.states.lock().unwrap_or_else(|e| e.into_inner());
        make_room(&mut map, now_ms());
        let mut states: Vec<Option<Value>> = keys
            .iter()
            .map(|key| map.get(key).map(|kept| kept.state.clone()))
            .collect();
        decide(&mut states);
        for (key, state) in keys.iter().zip(states) {
            match state {
                Some(state) => {
                    map.insert(key.clone(), Kept { state, expires_at });
                }
                None => {
                    map.remove(key);
                }
            }
        }
    }

    pub fn forget_with_prefix(&self, prefix: &str) {
        let mut map = self.states.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|key, _| !key.starts_with(prefix));
    }
}

fn make_room(map: &mut HashMap<String, Kept>, now: i64) {
    if map.len() > PRUNE_ABOVE {
        map.retain(|_, kept| kept.expires_at > now);
    }
    if map.len() > PRUNE_ABOVE {
        map.clear();
    }
}

#[async_trait]
impl LimitStore for MemoryLimits {
    async fn update_limits(
        &self,
        keys: &[String],
        expires_at: i64,
        decide: &mut Decide<'_>,
    ) -> anyhow::Result<()> {
        self.update(keys, expires_at, decide);
        Ok(())
    }

    async fn forget_limits_with_prefix(&self, prefix: &str) -> anyhow::Result<()> {
        self.forget_with_prefix(prefix);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keeps_what_the_decision_leaves_and_forgets_none_and_prefixes() {
        let limits = MemoryLimits::default();
        let keys = ["a:1".to_owned(), "b:1".to_owned()];
        let bump = |states: &mut [Option<i64>]| {
            for state in states.iter_mut() {
                *state = Some(state.unwrap_or(0) + 1);
            }
            states[0]
        };
        update_typed(&limits, &keys, i64::MAX, bump).await.unwrap();
        let seen = update_typed(&limits, &keys, i64::MAX, bump).await.unwrap();
        assert_eq!(seen, Some(2));
        update_typed(&limits, &keys[..1], i64::MAX, |s: &mut [Option<i64>]| {
            s[0] = None
        })
        .await
        .unwrap();
        limits.forget_with_prefix("b:");
        let after = update_typed(&limits, &keys, i64::MAX, |s: &mut [Option<i64>]| s.to_vec())
            .await
            .unwrap();
        assert_eq!(after, vec![None, None]);
    }
}
