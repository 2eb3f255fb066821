//! The counters comments keep on their article and parent, written inside
//! the transaction of the change that moves them.

use sqlx::PgConnection;

use crate::domain::comments::{Comment, Status};
use crate::domain::ids::CommentId;

/// A top-level comment whose thread the listing shows: published and not
/// hidden, or a tombstone (shown while it has replies).
const LISTED: &str = "((status = 'published' AND NOT hidden) OR status = 'deleted')";

fn listed(status: Status, hidden: bool) -> bool {
    (status == Status::Published && !hidden) || status == Status::Deleted
}

/// Keeps `articles.comment_count` and the parent's `reply_count` in step:
/// they count published comments that are not hidden, and the article counts
/// a reply only while its thread is listed, so `total` is what the listing
/// shows.
pub(super) async fn count_published(
    tx: &mut PgConnection,
    article_id: &str,
    parent_id: Option<CommentId>,
    delta: i64,
) -> sqlx::Result<()> {
    let Some(parent_id) = parent_id else {
        return count_on_article(tx, article_id, delta).await;
    };
    count_on_parent(tx, parent_id, delta).await?;
    let sql = format!(
        "UPDATE articles SET comment_count = comment_count + $1
         WHERE id = $2 AND EXISTS (SELECT 1 FROM comments WHERE id = $3 AND {LISTED})"
    );
    sqlx::query(&sql)
        .bind(delta)
        .bind(article_id)
        .bind(parent_id)
        .execute(tx)
        .await?;
    Ok(())
}

/// When a top-level comment's thread leaves the listing (rejected, held,
/// hidden) or comes back, its counted replies leave or come back with it.
pub(super) async fn count_thread(
    tx: &mut PgConnection,
    before: &Comment,
    status: Status,
    hidden: bool,
) -> sqlx::Result<()> {
    let (was, is) = (listed(before.status, before.hidden), listed(status, hidden));
    if before.parent_id.is_some() || was == is || before.reply_count == 0 {
        return Ok(());
    }
    let replies = if is {
        before.reply_count
    } else {
        -before.reply_count
    };
    count_on_article(tx, &before.article_id, replies).await
}

pub(super) async fn count_on_article(
    tx: &mut PgConnection,
    article_id: &str,
    delta: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE articles SET comment_count = comment_count + $1 WHERE id = $2")
        .bind(delta)
        .bind(article_id)
        .execute(tx)
        .await?;
    Ok(())
}

pub(super) async fn count_on_parent(
    tx: &mut PgConnection,
    parent_id: CommentId,
    delta: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE comments SET reply_count = reply_count + $1 WHERE id = $2")
        .bind(delta)
        .bind(parent_id)
        .execute(tx)
        .await?;
    Ok(())
}
