//! Comments in PostgreSQL. (Only what the erasure needs until the full file
//! arrives.)

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::counters::{count_published, count_thread};
use super::shared::to_millis;
use crate::domain::comments::{Comment, Status};

pub(super) async fn delete_in(
    tx: &mut PgConnection,
    before: &Comment,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE comments SET status = 'deleted', body = '', length = 0, deleted_at = $1,
             version = version + 1
         WHERE id = $2",
    )
    .bind(to_millis(now))
    .bind(before.id)
    .execute(&mut *tx)
    .await?;
    if before.status == Status::Published && !before.hidden {
        count_published(tx, &before.article_id, before.parent_id, -1).await?;
    }
    count_thread(tx, before, Status::Deleted, before.hidden).await
}
