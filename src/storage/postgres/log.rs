//! The moderation log: append-only (the database refuses updates and
//! deletes), written inside the transaction of the change it records.

use sqlx::PgConnection;

use super::shared::{from_millis, split_page, to_millis};
use crate::domain::ids::AccountId;
use crate::domain::moderation::{LogEntry, LogLine};
use crate::storage::comments::CommentPage;

/// A log line with its actor's name, as the log's readers select it.
#[derive(sqlx::FromRow)]
pub(super) struct LogRow {
    id: i64,
    at: i64,
    actor_id: Option<AccountId>,
    actor_name: Option<String>,
    action: String,
    target_type: String,
    target_id: String,
    reason: Option<String>,
    note: Option<String>,
}

/// A page of entries from rows read newest first, one more than `limit`.
pub(super) fn log_entries(rows: Vec<LogRow>, limit: usize) -> CommentPage<LogEntry> {
    let page = split_page(rows, limit, |r| r.id);
    let items = page
        .items
        .into_iter()
        .map(|r| LogEntry {
            id: r.id,
            at: from_millis(r.at),
            actor: r.actor_id.zip(r.actor_name),
            action: r.action,
            target_type: r.target_type,
            target_id: r.target_id,
            reason: r.reason,
            note: r.note,
        })
        .collect();
    CommentPage {
        items,
        next_after: page.next_after,
        next_cut: None,
    }
}

pub(super) async fn append_log(tx: &mut PgConnection, line: &LogLine<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO moderation_log (at, actor_id, action, target_type, target_id, reason, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
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
