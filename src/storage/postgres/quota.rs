//! What an account has used of its quotas, read for the reader's standing
//! and for the new-account wait. The writer counts the same rows again in
//! its own transaction when it stores a comment (see `comment_writer`).

use anyhow::Context;
use sqlx::PgPool;

use super::shared::{from_millis, to_millis};
use crate::domain::ids::AccountId;
use crate::domain::quota::{Day, Usage};

pub(super) async fn usage(
    pool: &PgPool,
    account_id: AccountId,
    article_id: &str,
    day: Day,
) -> anyhow::Result<Usage> {
    let (today, on_article, reactions, last, created): (i64, i64, i64, Option<i64>, Option<i64>) =
        sqlx::query_as(
            "SELECT
               (SELECT count(*) FROM comments WHERE author_id = $1 AND created_at >= $2),
               (SELECT count(*) FROM comments
                WHERE author_id = $1 AND article_id = $3 AND created_at >= $2),
               (SELECT count(*) FROM reaction_changes
                WHERE account_id = $1 AND at >= $2 AND (likes > 0 OR dislikes > 0)),
               (SELECT max(created_at) FROM comments WHERE author_id = $1),
               (SELECT created_at FROM accounts WHERE id = $1)",
        )
        .bind(account_id)
        .bind(to_millis(day.start))
        .bind(article_id)
        .fetch_one(pool)
        .await
        .context("cannot count an account's quota use")?;
    Ok(Usage {
        comments_today: today,
        on_article_today: on_article,
        reactions_today: reactions,
        last_comment_at: last.map(from_millis),
        account_created_at: created.map(from_millis).unwrap_or(day.start),
    })
}
