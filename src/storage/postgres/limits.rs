//! The rate limits' counts on PostgreSQL, in the UNLOGGED table
//! `limit_states`, so that every process on the database counts together.
//!
//! One transaction per decision: an upsert takes a row lock on every key (a
//! placeholder row for a new one) and returns the states, Rust decides, the
//! changed states are written back, and the commit releases the locks. Keys
//! are locked in one order, so two decisions never wait on each other in a
//! circle. The pool is used directly, not `PgStore::commit`: counts announce
//! nothing and make no cached answer stale.
//!
//! A transaction that writes only UNLOGGED tables writes no WAL, so its
//! commit already skips the disk flush; `synchronous_commit = off` would add a
//! round trip and change nothing.

use anyhow::Context;
use async_trait::async_trait;
use serde_json::Value;
use sqlx::{PgConnection, Row};

use super::PgStore;
use crate::storage::limits::{Decide, LimitStore, now_ms};

/// About one decision in this many also prunes expired rows.
const PRUNE_ONE_IN: u32 = 1000;
/// Rows one prune deletes at most, so it stays short.
const PRUNE_BATCH: i64 = 10_000;

#[async_trait]
impl LimitStore for PgStore {
    async fn update_limits(
        &self,
        keys: &[String],
        expires_at: i64,
        decide: &mut Decide<'_>,
    ) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await.context("cannot begin counting")?;
        let kept = lock_states(&mut tx, keys, expires_at).await?;
        let mut states = kept.clone();
        decide(&mut states);
        write_changes(&mut tx, keys, &kept, states, expires_at).await?;
        tx.commit().await.context("cannot commit a count")?;
        if rand::random::<u32>().is_multiple_of(PRUNE_ONE_IN) {
            self.prune_expired().await;
        }
        Ok(())
    }

    async fn forget_limits_with_prefix(&self, prefix: &str) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM limit_states WHERE starts_with(key, $1)")
            .bind(prefix)
            .execute(&self.pool)
            .await
            .context("cannot forget counts")?;
        Ok(())
    }
}

impl PgStore {
    /// Deletes expired rows that no decision holds; a pruning failure only
    /// leaves rows for the next one, so it is logged, not returned.
    async fn prune_expired(&self) {
        let pruned = sqlx::query(
            "DELETE FROM limit_states WHERE key IN (
                 SELECT key FROM limit_states WHERE expires_at < $1
                 LIMIT $2 FOR UPDATE SKIP LOCKED)",
        )
        .bind(now_ms())
        .bind(PRUNE_BATCH)
        .execute(&self.pool)
        .await;
        if let Err(error) = pruned {
            tracing::warn!(error = %error, "cannot prune expired counts");
        }
    }
}

/// Locks the rows of `keys` in key order, making placeholders for new keys,
/// and returns their states in the order of `keys`. The no-op update is what
/// makes `ON CONFLICT` lock an existing row and return it.
async fn lock_states(
    conn: &mut PgConnection,
    keys: &[String],
    expires_at: i64,
) -> anyhow::Result<Vec<Option<Value>>> {
    let rows = sqlx::query(
        "INSERT INTO limit_states (key, state, expires_at)
         SELECT key, NULL, $2 FROM unnest($1::text[]) AS k(key) ORDER BY key
         ON CONFLICT (key) DO UPDATE SET state = limit_states.state
         RETURNING key, state",
    )
    .bind(keys)
    .bind(expires_at)
    .fetch_all(conn)
    .await
    .context("cannot lock counts")?;
    let mut states = vec![None; keys.len()];
    for row in rows {
        let key: String = row.get("key");
        let state: Option<String> = row.get("state");
        if let Some(at) = keys.iter().position(|k| *k == key) {
            states[at] = state.and_then(|text| serde_json::from_str(&text).ok());
        }
    }
    Ok(states)
}

/// Writes the states the decision changed and deletes the keys it left
/// without one (placeholders included).
async fn write_changes(
    conn: &mut PgConnection,
    keys: &[String],
    kept: &[Option<Value>],
    states: Vec<Option<Value>>,
    expires_at: i64,
) -> anyhow::Result<()> {
    let mut changed = (Vec::new(), Vec::new());
    let mut gone = Vec::new();
    for ((key, before), after) in keys.iter().zip(kept).zip(states) {
        match after {
            None => gone.push(key.as_str()),
            Some(after) if Some(&after) != before.as_ref() => {
                changed.0.push(key.as_str());
                changed.1.push(after.to_string());
            }
            Some(_) => {}
        }
    }
    if !changed.0.is_empty() {
        sqlx::query(
            "UPDATE limit_states AS l SET state = n.state, expires_at = $3
             FROM unnest($1::text[], $2::text[]) AS n(key, state) WHERE l.key = n.key",
        )
        .bind(&changed.0)
        .bind(&changed.1)
        .bind(expires_at)
        .execute(&mut *conn)
        .await
        .context("cannot write counts")?;
    }
    if !gone.is_empty() {
        sqlx::query("DELETE FROM limit_states WHERE key = ANY($1)")
            .bind(&gone)
            .execute(&mut *conn)
            .await
            .context("cannot forget counts")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Instant;

    use super::*;
    use crate::storage::limits::update_typed;

    /// One Throttle-like hit: counts up to `limit`, or refuses.
    async fn hit(store: &PgStore, key: &str, limit: u32) -> bool {
        let keys = [key.to_owned()];
        update_typed(store, &keys, i64::MAX, |counts: &mut [Option<u32>]| {
            let count = counts[0].unwrap_or(0);
            if count >= limit {
                return false;
            }
            counts[0] = Some(count + 1);
            true
        })
        .await
        .unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn two_processes_on_one_database_count_as_one() {
        let Some(url) = super::super::temp_database().await else {
            return;
        };
        let one = Arc::new(PgStore::open(&url, 4).await.unwrap());
        let two = Arc::new(PgStore::open(&url, 4).await.unwrap());
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..100 {
            let store = if n % 2 == 0 { one.clone() } else { two.clone() };
            tasks.spawn(async move { hit(&store, "test:hammer", 30).await });
        }
        let allowed = tasks.join_all().await.into_iter().filter(|ok| *ok).count();
        assert_eq!(allowed, 30);
        assert!(!hit(&one, "test:hammer", 30).await);
        assert!(hit(&two, "test:other", 30).await, "another key has its own");
    }

    #[tokio::test]
    async fn a_state_left_empty_and_a_forgotten_prefix_are_deleted() {
        let Some(store) = super::super::temp_store().await else {
            return;
        };
        let keys = ["a:1".to_owned(), "b:1".to_owned()];
        let count = |states: &mut [Option<u32>]| {
            for state in states.iter_mut() {
                *state = Some(state.unwrap_or(0) + 1);
            }
        };
        update_typed(&store, &keys, i64::MAX, count).await.unwrap();
        update_typed(&store, &keys[..1], i64::MAX, |s: &mut [Option<u32>]| {
            s[0] = None
        })
        .await
        .unwrap();
        store.forget_limits_with_prefix("b:").await.unwrap();
        let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM limit_states")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(rows, 0);
        sqlx::query("INSERT INTO limit_states VALUES ('old', '1', 0)")
            .execute(&store.pool)
            .await
            .unwrap();
        store.prune_expired().await;
        let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM limit_states")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(rows, 0, "expired rows are pruned");
    }

    /// What one decision costs: `cargo test --lib limits_cost -- --ignored --nocapture`.
    #[tokio::test]
    #[ignore]
    async fn limits_cost() {
        let Some(store) = super::super::temp_store().await else {
            return;
        };
        let calls = 2000;
        let start = Instant::now();
        for n in 0..calls {
            hit(&store, &format!("cost:{}", n % 50), u32::MAX).await;
        }
        let per_second = f64::from(calls) / start.elapsed().as_secs_f64();
        println!("{calls} calls to update_limits, one at a time: {per_second:.0} calls/s");
    }
}
