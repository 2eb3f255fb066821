//! The moderation log: append-only (the database refuses updates and
//! deletes), written inside the transaction of the change it records.

use sqlx::SqliteConnection;

use super::shared::to_millis;
use crate::domain::moderation::LogLine;

pub(super) async fn append_log(tx: &mut SqliteConnection, line: &LogLine<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO moderation_log (at, actor_id, action, target_type, target_id, reason, note)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(to_millis(line.at))
    .bind(line.actor)
    .bind(line.action.as_str())
    .bind(line.target.kind())
    .bind(line.target.id())
    .bind(line.reason)
    .bind(line.note)
    .execute(tx)
    .await?;
    Ok(())
}
