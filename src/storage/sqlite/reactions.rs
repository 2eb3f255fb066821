//! Reactions: one row per reader per comment, the counts kept on the comment,
//! and the change log that ranked pages are cut by. Written by the comment
//! writer inside its group commit; read here.

use std::collections::HashMap;

use anyhow::Context;
use sqlx::SqliteConnection;

use super::SqliteStore;
use super::shared::to_millis;
use crate::domain::ids::{AccountId, CommentId};
use crate::domain::reactions::{Reacted, Reaction, ReactionWrite, ratio_rank};
use crate::storage::reaction_batch::{CHANGES_KEPT, Changes, Target, apply_one};

/// Applies a batch of reactions inside the writer's transaction, in the
/// order they came, each seeing the ones before it. A handful of statements
/// for the whole batch, not five per reaction: the writer is one task, and
/// its statements are what caps reactions per second. Reading then writing
/// is safe there: the writer is the only one, and its transaction began
/// IMMEDIATE.
pub(super) async fn apply_all(
    tx: &mut SqliteConnection,
    writes: &[ReactionWrite],
) -> sqlx::Result<Vec<Reacted>> {
    if writes.is_empty() {
        return Ok(Vec::new());
    }
    let mut targets = load_targets(tx, writes).await?;
    let mut mine = load_reactions(tx, writes).await?;
    let stored_used = quota_used(tx, writes).await?;
    let mut changes = Changes::default();
    let outcomes = writes
        .iter()
        .zip(stored_used)
        .map(|(write, used)| apply_one(write, used, &mut targets, &mut mine, &mut changes))
        .collect();
    write_changes(tx, &changes, &targets).await?;
    Ok(outcomes)
}

/// The comments the batch reacts to, by id.
async fn load_targets(
    tx: &mut SqliteConnection,
    writes: &[ReactionWrite],
) -> sqlx::Result<HashMap<CommentId, Target>> {
    let ids: Vec<CommentId> = writes.iter().map(|w| w.comment_id).collect();
    let rows: Vec<Target> = sqlx::query_as(
        "SELECT id, article_id, (status = 'published' AND hidden = 0) AS open, likes, dislikes
         FROM comments WHERE id IN (SELECT value FROM json_each(?))",
    )
    .bind(json(&ids)?)
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows.into_iter().map(|t| (t.id, t)).collect())
}

/// The batch's readers' reactions now on the comments they react to.
async fn load_reactions(
    tx: &mut SqliteConnection,
    writes: &[ReactionWrite],
) -> sqlx::Result<HashMap<(CommentId, AccountId), Reaction>> {
    let pairs: Vec<(CommentId, AccountId)> = writes
        .iter()
        .map(|w| (w.comment_id, w.account_id))
        .collect();
    let rows: Vec<(CommentId, AccountId, String)> = sqlx::query_as(
        "SELECT r.comment_id, r.account_id, r.kind FROM json_each(?) AS j
         JOIN reactions AS r ON r.comment_id = j.value ->> 0 AND r.account_id = j.value ->> 1",
    )
    .bind(json(&pairs)?)
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(comment, account, kind)| Some(((comment, account), Reaction::parse(&kind)?)))
        .collect())
}

/// For each reaction of the batch, the reactions its reader had set since
/// its daily quota's start before this batch (0 when it has no quota, or
/// takes one back: those are never refused).
async fn quota_used(tx: &mut SqliteConnection, writes: &[ReactionWrite]) -> sqlx::Result<Vec<i64>> {
    let mut used = vec![0; writes.len()];
    let asks: Vec<(usize, AccountId, i64)> = writes
        .iter()
        .enumerate()
        .filter(|(_, w)| w.kind.is_some())
        .filter_map(|(index, w)| Some((index, w.account_id, to_millis(w.daily?.since))))
        .collect();
    if asks.is_empty() {
        return Ok(used);
    }
    let counts: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT j.value ->> 0, (SELECT count(*) FROM reaction_changes
                                WHERE account_id = j.value ->> 1 AND at >= j.value ->> 2
                                  AND (likes > 0 OR dislikes > 0))
         FROM json_each(?) AS j",
    )
    .bind(json(&asks)?)
    .fetch_all(&mut *tx)
    .await?;
    for (index, count) in counts {
        used[index as usize] = count;
    }
    Ok(used)
}

/// The batch's reaction rows, counts and change log, a statement each.
async fn write_changes(
    tx: &mut SqliteConnection,
    changes: &Changes,
    targets: &HashMap<CommentId, Target>,
) -> sqlx::Result<()> {
    if changes.log.is_empty() {
        return Ok(());
    }
    let article = |id: &CommentId| targets.get(id).map_or("", |t| t.article_id.as_str());
    let mut set = Vec::new();
    let mut taken_back = Vec::new();
    for (&(comment_id, account_id), row) in &changes.rows {
        match row {
            Some((kind, at)) => set.push(serde_json::json!([
                comment_id,
                account_id,
                article(&comment_id),
                kind.as_str(),
                at
            ])),
            None => taken_back.push((comment_id, account_id)),
        }
    }
    if !set.is_empty() {
        // `WHERE true` tells SQLite the ON CONFLICT is the upsert's, not a join's.
        sqlx::query(
            "INSERT INTO reactions (comment_id, account_id, article_id, kind, created_at)
             SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4
             FROM json_each(?) WHERE true
             ON CONFLICT (comment_id, account_id)
             DO UPDATE SET kind = excluded.kind, created_at = excluded.created_at",
        )
        .bind(json(&set)?)
        .execute(&mut *tx)
        .await?;
    }
    if !taken_back.is_empty() {
        sqlx::query(
            "DELETE FROM reactions WHERE (comment_id, account_id) IN
                 (SELECT value ->> 0, value ->> 1 FROM json_each(?))",
        )
        .bind(json(&taken_back)?)
        .execute(&mut *tx)
        .await?;
    }
    let counts: Vec<[i64; 4]> = changes
        .counted
        .iter()
        .filter_map(|(id, ratio_min)| {
            let t = targets.get(id)?;
            let rank = ratio_rank(t.likes, t.dislikes, *ratio_min);
            Some([id.get(), t.likes, t.dislikes, rank])
        })
        .collect();
    sqlx::query(
        "UPDATE comments SET likes = j.value ->> 1, dislikes = j.value ->> 2,
             ratio_rank = j.value ->> 3
         FROM json_each(?) AS j WHERE comments.id = j.value ->> 0",
    )
    .bind(json(&counts)?)
    .execute(&mut *tx)
    .await?;
    let log: Vec<serde_json::Value> = changes
        .log
        .iter()
        .map(|c| {
            serde_json::json!([
                article(&c.comment_id),
                c.comment_id,
                c.account_id,
                c.likes,
                c.dislikes,
                c.at
            ])
        })
        .collect();
    // In the batch's order, so `seq` follows the order the reactions came.
    sqlx::query(
        "INSERT INTO reaction_changes (article_id, comment_id, account_id, likes, dislikes, at)
         SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5
         FROM json_each(?) ORDER BY key",
    )
    .bind(json(&log)?)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A batch's values as one JSON array parameter, read back with `json_each`.
fn json<T: serde::Serialize>(value: &T) -> sqlx::Result<String> {
    serde_json::to_string(value).map_err(|error| sqlx::Error::Encode(Box::new(error)))
}

/// Drops changes older than the retention, remembering the last one gone so
/// a cursor cut before it is known to be too old.
pub(super) async fn prune(
    tx: &mut SqliteConnection,
    now: chrono::DateTime<chrono::Utc>,
) -> sqlx::Result<()> {
    let cutoff = to_millis(now - CHANGES_KEPT);
    let last: Option<i64> =
        sqlx::query_scalar("SELECT max(seq) FROM reaction_changes WHERE at < ?")
            .bind(cutoff)
            .fetch_one(&mut *tx)
            .await?;
    let Some(last) = last else {
        return Ok(());
    };
    sqlx::query("DELETE FROM reaction_changes WHERE seq <= ?")
        .bind(last)
        .execute(&mut *tx)
        .await?;
    keep_meta(tx, "reaction_changes_pruned", &last.to_string()).await
}

/// Sets a `meta` value inside the caller's transaction.
async fn keep_meta(tx: &mut SqliteConnection, key: &str, value: &str) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO meta (key, value) VALUES (?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

impl SqliteStore {
    pub(super) async fn viewer_reactions(
        &self,
        viewer: AccountId,
        comments: &[CommentId],
    ) -> anyhow::Result<Vec<(CommentId, Reaction)>> {
        if comments.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<(CommentId, String)> = sqlx::query_as(
            "SELECT comment_id, kind FROM reactions
             WHERE account_id = ?1 AND comment_id IN (SELECT value FROM json_each(?2))",
        )
        .bind(viewer)
        .bind(serde_json::to_string(comments)?)
        .fetch_all(&self.read)
        .await
        .with_context(|| format!("cannot read the reactions of account {viewer}"))?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, kind)| Some((id, Reaction::parse(&kind)?)))
            .collect())
    }

    /// Writes every comment's 공감비율 key again when the configured minimum
    /// differs from the one the keys were written with.
    pub(super) async fn rank_ratio_keys(&self, min: i64) -> anyhow::Result<()> {
        let kept: Option<String> =
            sqlx::query_scalar("SELECT value FROM meta WHERE key = 'ratio_minimum'")
                .fetch_optional(&self.write)
                .await?;
        if kept.as_deref() == Some(min.to_string().as_str()) {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE comments SET ratio_rank = CASE
                 WHEN likes + dislikes >= max(?1, 1) THEN likes * 1000000000 / (likes + dislikes)
                 ELSE -1 END
             WHERE likes + dislikes > 0",
        )
        .bind(min)
        .execute(&mut *tx)
        .await
        .context("cannot rank comments by 공감비율")?;
        keep_meta(&mut tx, "ratio_minimum", &min.to_string()).await?;
        self.commit(tx).await
    }
}
