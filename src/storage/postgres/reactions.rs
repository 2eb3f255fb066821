//! Reactions: one row per reader per comment, the counts kept on the comment,
//! and the change log that ranked pages are cut by. Written by the comment
//! writer inside its group commit; read here.

use std::collections::HashMap;

use anyhow::Context;
use sqlx::PgConnection;

use super::PgStore;
use super::shared::to_millis;
use crate::domain::ids::{AccountId, CommentId};
use crate::domain::reactions::{Reacted, Reaction, ReactionWrite, ratio_rank};
use crate::storage::reaction_batch::{CHANGES_KEPT, Changes, Target, apply_one};

/// Applies a batch of reactions inside the writer's transaction, in the
/// order they came, each seeing the ones before it. A handful of statements
/// for the whole batch, not five per reaction. Reading then writing is safe
/// across processes: the writer locked the comments and the readers of the
/// batch first (see `comment_writer::lock_batch`), so another process's
/// batch on the same comment or reader waits for this one to commit.
pub(super) async fn apply_all(
    tx: &mut PgConnection,
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
    tx: &mut PgConnection,
    writes: &[ReactionWrite],
) -> sqlx::Result<HashMap<CommentId, Target>> {
    let ids: Vec<i64> = writes.iter().map(|w| w.comment_id.get()).collect();
    let rows: Vec<Target> = sqlx::query_as(
        "SELECT id, article_id, (status = 'published' AND NOT hidden) AS open, likes, dislikes
         FROM comments WHERE id = ANY($1)",
    )
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows.into_iter().map(|t| (t.id, t)).collect())
}

/// The batch's readers' reactions now on the comments they react to.
async fn load_reactions(
    tx: &mut PgConnection,
    writes: &[ReactionWrite],
) -> sqlx::Result<HashMap<(CommentId, AccountId), Reaction>> {
    let comments: Vec<i64> = writes.iter().map(|w| w.comment_id.get()).collect();
    let accounts: Vec<i64> = writes.iter().map(|w| w.account_id.get()).collect();
    let rows: Vec<(CommentId, AccountId, String)> = sqlx::query_as(
        "SELECT DISTINCT r.comment_id, r.account_id, r.kind
         FROM unnest($1::bigint[], $2::bigint[]) AS j (comment_id, account_id)
         JOIN reactions AS r ON r.comment_id = j.comment_id AND r.account_id = j.account_id",
    )
    .bind(&comments)
    .bind(&accounts)
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
async fn quota_used(tx: &mut PgConnection, writes: &[ReactionWrite]) -> sqlx::Result<Vec<i64>> {
    let mut used = vec![0; writes.len()];
    let asks: Vec<(i64, AccountId, i64)> = writes
        .iter()
        .enumerate()
        .filter(|(_, w)| w.kind.is_some())
        .filter_map(|(index, w)| Some((index as i64, w.account_id, to_millis(w.daily?.since))))
        .collect();
    if asks.is_empty() {
        return Ok(used);
    }
    let indexes: Vec<i64> = asks.iter().map(|a| a.0).collect();
    let accounts: Vec<i64> = asks.iter().map(|a| a.1.get()).collect();
    let since: Vec<i64> = asks.iter().map(|a| a.2).collect();
    let counts: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT j.n, (SELECT count(*) FROM reaction_changes
                      WHERE account_id = j.account_id AND at >= j.since
                        AND (likes > 0 OR dislikes > 0))
         FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS j (n, account_id, since)",
    )
    .bind(&indexes)
    .bind(&accounts)
    .bind(&since)
    .fetch_all(&mut *tx)
    .await?;
    for (index, count) in counts {
        used[index as usize] = count;
    }
    Ok(used)
}

/// Any key will do: it names the lock that hands out change numbers.
const CHANGE_LOG_LOCK: i64 = 0x636f_6d6d_656e_7401;

/// The batch's reaction rows, counts and change log, a statement each.
async fn write_changes(
    tx: &mut PgConnection,
    changes: &Changes,
    targets: &HashMap<CommentId, Target>,
) -> sqlx::Result<()> {
    if changes.log.is_empty() {
        return Ok(());
    }
    write_rows(tx, changes, targets).await?;
    write_counts(tx, changes, targets).await?;
    write_log(tx, changes, targets).await
}

/// The article a comment of the batch is on.
fn article_of(targets: &HashMap<CommentId, Target>, id: CommentId) -> String {
    targets
        .get(&id)
        .map_or_else(String::new, |t| t.article_id.clone())
}

/// Sets the reactions the batch leaves set and deletes those taken back.
async fn write_rows(
    tx: &mut PgConnection,
    changes: &Changes,
    targets: &HashMap<CommentId, Target>,
) -> sqlx::Result<()> {
    let mut set = SetRows::default();
    let (mut back_comments, mut back_accounts) = (Vec::new(), Vec::new());
    for (&(comment_id, account_id), row) in &changes.rows {
        match row {
            Some((kind, at)) => {
                set.comments.push(comment_id.get());
                set.accounts.push(account_id.get());
                set.articles.push(article_of(targets, comment_id));
                set.kinds.push(kind.as_str());
                set.at.push(*at);
            }
            None => {
                back_comments.push(comment_id.get());
                back_accounts.push(account_id.get());
            }
        }
    }
    if !set.comments.is_empty() {
        // Each (comment, reader) comes once: `rows` is keyed by it.
        sqlx::query(
            "INSERT INTO reactions (comment_id, account_id, article_id, kind, created_at)
             SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::bigint[])
             ON CONFLICT (comment_id, account_id)
             DO UPDATE SET kind = excluded.kind, created_at = excluded.created_at",
        )
        .bind(&set.comments)
        .bind(&set.accounts)
        .bind(&set.articles)
        .bind(&set.kinds)
        .bind(&set.at)
        .execute(&mut *tx)
        .await?;
    }
    if !back_comments.is_empty() {
        sqlx::query(
            "DELETE FROM reactions AS r
             USING unnest($1::bigint[], $2::bigint[]) AS j (comment_id, account_id)
             WHERE r.comment_id = j.comment_id AND r.account_id = j.account_id",
        )
        .bind(&back_comments)
        .bind(&back_accounts)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// The reaction rows a batch sets, a column each.
#[derive(Default)]
struct SetRows {
    comments: Vec<i64>,
    accounts: Vec<i64>,
    articles: Vec<String>,
    kinds: Vec<&'static str>,
    at: Vec<i64>,
}

/// The counts and 공감비율 key of each comment whose counts moved.
async fn write_counts(
    tx: &mut PgConnection,
    changes: &Changes,
    targets: &HashMap<CommentId, Target>,
) -> sqlx::Result<()> {
    let mut columns: [Vec<i64>; 4] = Default::default();
    for (id, ratio_min) in &changes.counted {
        let Some(t) = targets.get(id) else { continue };
        let row = [
            id.get(),
            t.likes,
            t.dislikes,
            ratio_rank(t.likes, t.dislikes, *ratio_min),
        ];
        for (column, value) in columns.iter_mut().zip(row) {
            column.push(value);
        }
    }
    let [ids, likes, dislikes, ranks] = columns;
    sqlx::query(
        "UPDATE comments SET likes = j.likes, dislikes = j.dislikes, ratio_rank = j.rank
         FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[])
              AS j (id, likes, dislikes, rank)
         WHERE comments.id = j.id",
    )
    .bind(&ids)
    .bind(&likes)
    .bind(&dislikes)
    .bind(&ranks)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Every change, in the batch's order, so `seq` follows the order the
/// reactions came. Ranked pages are cut at a `seq` and take every change up
/// to it as committed, so numbers must be handed out in commit order: the
/// transaction lock held from here to commit keeps another process's batch
/// from taking a later number and committing first.
async fn write_log(
    tx: &mut PgConnection,
    changes: &Changes,
    targets: &HashMap<CommentId, Target>,
) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(CHANGE_LOG_LOCK)
        .execute(&mut *tx)
        .await?;
    let log = &changes.log;
    let articles: Vec<String> = log
        .iter()
        .map(|c| article_of(targets, c.comment_id))
        .collect();
    let comments: Vec<i64> = log.iter().map(|c| c.comment_id.get()).collect();
    let accounts: Vec<i64> = log.iter().map(|c| c.account_id.get()).collect();
    let likes: Vec<i64> = log.iter().map(|c| c.likes).collect();
    let dislikes: Vec<i64> = log.iter().map(|c| c.dislikes).collect();
    let at: Vec<i64> = log.iter().map(|c| c.at).collect();
    sqlx::query(
        "INSERT INTO reaction_changes (article_id, comment_id, account_id, likes, dislikes, at)
         SELECT article_id, comment_id, account_id, likes, dislikes, at
         FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[],
                     $6::bigint[])
              WITH ORDINALITY AS j (article_id, comment_id, account_id, likes, dislikes, at, n)
         ORDER BY n",
    )
    .bind(&articles)
    .bind(&comments)
    .bind(&accounts)
    .bind(&likes)
    .bind(&dislikes)
    .bind(&at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Drops changes older than the retention, remembering the last one gone so
/// a cursor cut before it is known to be too old.
pub(super) async fn prune(
    tx: &mut PgConnection,
    now: chrono::DateTime<chrono::Utc>,
) -> sqlx::Result<()> {
    let cutoff = to_millis(now - CHANGES_KEPT);
    let last: Option<i64> =
        sqlx::query_scalar("SELECT max(seq) FROM reaction_changes WHERE at < $1")
            .bind(cutoff)
            .fetch_one(&mut *tx)
            .await?;
    let Some(last) = last else {
        return Ok(());
    };
    sqlx::query("DELETE FROM reaction_changes WHERE seq <= $1")
        .bind(last)
        .execute(&mut *tx)
        .await?;
    keep_meta(tx, "reaction_changes_pruned", &last.to_string()).await
}

/// Sets a `meta` value inside the caller's transaction.
async fn keep_meta(tx: &mut PgConnection, key: &str, value: &str) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO meta (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

impl PgStore {
    pub(super) async fn viewer_reactions(
        &self,
        viewer: AccountId,
        comments: &[CommentId],
    ) -> anyhow::Result<Vec<(CommentId, Reaction)>> {
        if comments.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = comments.iter().map(|id| id.get()).collect();
        let rows: Vec<(CommentId, String)> = sqlx::query_as(
            "SELECT comment_id, kind FROM reactions
             WHERE account_id = $1 AND comment_id = ANY($2)",
        )
        .bind(viewer)
        .bind(&ids)
        .fetch_all(&self.pool)
        .await
        .with_context(|| format!("cannot read the reactions of account {viewer}"))?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, kind)| Some((id, Reaction::parse(&kind)?)))
            .collect())
    }

    /// Writes every comment's 공감비율 key again when the configured minimum
    /// differs from the one the keys were written with. Processes starting
    /// at once may both write them: they write the same keys.
    pub(super) async fn rank_ratio_keys(&self, min: i64) -> anyhow::Result<()> {
        let kept: Option<String> =
            sqlx::query_scalar("SELECT value FROM meta WHERE key = 'ratio_minimum'")
                .fetch_optional(&self.pool)
                .await?;
        if kept.as_deref() == Some(min.to_string().as_str()) {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE comments SET ratio_rank = CASE
                 WHEN likes + dislikes >= GREATEST($1, 1) THEN likes * 1000000000 / (likes + dislikes)
                 ELSE -1 END
             WHERE likes + dislikes > 0",
        )
        .bind(min)
        .execute(&mut *tx)
        .await
        .context("cannot rank comments by 공감비율")?;
        keep_meta(&mut tx, "ratio_minimum", &min.to_string()).await?;
        self.commit(tx, &[]).await
    }
}
