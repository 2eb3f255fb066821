//! Reactions: one row per reader per comment, the counts kept on the comment,
//! and the change log that ranked pages are cut by. Written by the comment
//! writer inside its group commit; read here.

use anyhow::Context;
use sqlx::SqliteConnection;

use super::SqliteStore;
use super::shared::to_millis;
use crate::domain::ids::{AccountId, CommentId};
use crate::domain::reactions::{Reacted, Reaction, ReactionWrite, Tally, ratio_rank};

/// Changes older than this are pruned: ranked paging sessions and the daily
/// quota look back less far.
pub(super) const CHANGES_KEPT: chrono::Duration = chrono::Duration::hours(48);

#[derive(sqlx::FromRow)]
struct Target {
    article_id: String,
    open: bool,
    likes: i64,
    dislikes: i64,
}

/// Applies one reaction inside the writer's transaction. Reading then
/// writing is safe there: the writer is the only one, and its transaction
/// began IMMEDIATE.
pub(super) async fn apply(
    tx: &mut SqliteConnection,
    write: &ReactionWrite,
) -> sqlx::Result<Reacted> {
    let target: Option<Target> = sqlx::query_as(
        "SELECT article_id, (status = 'published' AND hidden = 0) AS open, likes, dislikes
         FROM comments WHERE id = ?",
    )
    .bind(write.comment_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(target) = target.filter(|t| t.open) else {
        return Ok(Reacted::Closed);
    };
    let before: Option<String> =
        sqlx::query_scalar("SELECT kind FROM reactions WHERE comment_id = ? AND account_id = ?")
            .bind(write.comment_id)
            .bind(write.account_id)
            .fetch_optional(&mut *tx)
            .await?;
    let before = before.as_deref().and_then(Reaction::parse);
    let unchanged = Tally {
        likes: target.likes,
        dislikes: target.dislikes,
        mine: before,
    };
    if before == write.kind {
        return Ok(Reacted::Done(unchanged));
    }
    if write.kind.is_some() && over_quota(tx, write).await? {
        return Ok(Reacted::OverQuota);
    }
    let (dl, dd) = delta(before, write.kind);
    let (likes, dislikes) = (target.likes + dl, target.dislikes + dd);
    store_row(tx, write, &target.article_id).await?;
    sqlx::query("UPDATE comments SET likes = ?, dislikes = ?, ratio_rank = ? WHERE id = ?")
        .bind(likes)
        .bind(dislikes)
        .bind(ratio_rank(likes, dislikes, write.ratio_min))
        .bind(write.comment_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO reaction_changes (article_id, comment_id, account_id, likes, dislikes, at)
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(&target.article_id)
    .bind(write.comment_id)
    .bind(write.account_id)
    .bind(dl)
    .bind(dd)
    .bind(to_millis(write.now))
    .execute(&mut *tx)
    .await?;
    Ok(Reacted::Done(Tally {
        likes,
        dislikes,
        mine: write.kind,
    }))
}

/// How the counts move from one reaction to another.
fn delta(before: Option<Reaction>, after: Option<Reaction>) -> (i64, i64) {
    let count = |r: Option<Reaction>| match r {
        Some(Reaction::Like) => (1, 0),
        Some(Reaction::Dislike) => (0, 1),
        None => (0, 0),
    };
    let (b, a) = (count(before), count(after));
    (a.0 - b.0, a.1 - b.1)
}

async fn store_row(
    tx: &mut SqliteConnection,
    write: &ReactionWrite,
    article_id: &str,
) -> sqlx::Result<()> {
    match write.kind {
        Some(kind) => sqlx::query(
            "INSERT INTO reactions (comment_id, account_id, article_id, kind, created_at)
             VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (comment_id, account_id)
             DO UPDATE SET kind = excluded.kind, created_at = excluded.created_at",
        )
        .bind(write.comment_id)
        .bind(write.account_id)
        .bind(article_id)
        .bind(kind.as_str())
        .bind(to_millis(write.now))
        .execute(&mut *tx)
        .await
        .map(drop),
        None => sqlx::query("DELETE FROM reactions WHERE comment_id = ? AND account_id = ?")
            .bind(write.comment_id)
            .bind(write.account_id)
            .execute(&mut *tx)
            .await
            .map(drop),
    }
}

/// Whether the reader has set as many reactions as the day allows (a
/// change that adds a like or a dislike counts; taking one back does not).
async fn over_quota(tx: &mut SqliteConnection, write: &ReactionWrite) -> sqlx::Result<bool> {
    let Some(quota) = write.daily else {
        return Ok(false);
    };
    let used: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM reaction_changes
         WHERE account_id = ? AND at >= ? AND (likes > 0 OR dislikes > 0)",
    )
    .bind(write.account_id)
    .bind(to_millis(quota.since))
    .fetch_one(&mut *tx)
    .await?;
    Ok(used >= quota.limit)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_move_by_what_changed() {
        use Reaction::*;
        assert_eq!(delta(None, Some(Like)), (1, 0));
        assert_eq!(delta(Some(Like), Some(Dislike)), (-1, 1));
        assert_eq!(delta(Some(Dislike), None), (0, -1));
        assert_eq!(delta(Some(Like), Some(Like)), (0, 0));
    }
}
