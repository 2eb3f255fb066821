//! What the engine's files share: the engine-neutral rows (re-exported) and
//! loading one comment.

use anyhow::Context;
use sqlx::PgExecutor;

use crate::domain::comments::Comment;
use crate::domain::ids::CommentId;
pub(super) use crate::storage::rows::*;

/// One comment, read through a pool or inside a write transaction.
pub(super) async fn load_comment<'e>(
    db: impl PgExecutor<'e>,
    id: CommentId,
) -> anyhow::Result<Option<Comment>> {
    let sql = format!("SELECT {COMMENT_COLUMNS} {FROM_COMMENTS} WHERE c.id = $1");
    let row = sqlx::query_as::<_, CommentRow>(&sql)
        .bind(id)
        .fetch_optional(db)
        .await
        .with_context(|| format!("cannot load comment {id}"))?;
    Ok(row.map(Comment::from))
}
