//! What a decision leaves behind so that its moderator can take it back
//! (`decision_undo`): written by the decision, read by the desk's undo.

use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

use super::shared::to_millis;
use crate::domain::comments::Comment;
use crate::domain::desk::UNDO_WINDOW_MAX;
use crate::domain::ids::AccountId;
use crate::domain::moderation::DecisionAction;

/// What a decision leaves behind so that its moderator can take it back.
pub(super) struct UndoRecord<'a> {
    /// The comment before the decision.
    pub before: &'a Comment,
    pub settled: bool,
    pub action: DecisionAction,
    pub moderator_id: AccountId,
    /// The reports the decision resolved.
    pub resolved: &'a [i64],
    pub now: DateTime<Utc>,
}

/// Written inside the decision's transaction; replaces what an earlier
/// decision on the comment left, and sweeps what is too old to undo.
pub(super) async fn remember_for_undo(
    tx: &mut SqliteConnection,
    undo: &UndoRecord<'_>,
) -> anyhow::Result<()> {
    let before = undo.before;
    let oldest = undo.now - chrono::Duration::from_std(UNDO_WINDOW_MAX)?;
    sqlx::query("DELETE FROM decision_undo WHERE decided_at < ?")
        .bind(to_millis(oldest))
        .execute(&mut *tx)
        .await?;
    let deleted = undo.action == DecisionAction::Delete;
    sqlx::query(
        "INSERT OR REPLACE INTO decision_undo (comment_id, moderator_id, action, decided_at,
             version, prev_status, prev_hidden, prev_settled, prev_body, prev_length, reports)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(before.id)
    .bind(undo.moderator_id)
    .bind(undo.action.as_str())
    .bind(to_millis(undo.now))
    .bind(before.version + 1)
    .bind(before.status.as_str())
    .bind(before.hidden)
    .bind(undo.settled)
    .bind(deleted.then_some(before.body.as_str()))
    .bind(deleted.then_some(before.length))
    .bind(serde_json::to_string(undo.resolved)?)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
