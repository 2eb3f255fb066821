//! What the standards policy records: its decisions on an attempt.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::shared::to_millis;
use crate::domain::ids::{AccountId, CommentId};
use crate::domain::policy::Action;

/// One decision of the standards policy on an attempt.
pub(super) struct Decision<'a> {
    pub account_id: AccountId,
    pub article_id: &'a str,
    /// The held comment, or the comment whose edit was refused.
    pub comment_id: Option<CommentId>,
    pub action: Action,
    pub codes: &'a str,
    pub now: DateTime<Utc>,
}

/// Records a decision, or counts it again on the row of the same comment,
/// action and rules, so that editing a comment into a refused or held text
/// again and again cannot grow the trail. `true` when the row is new (and
/// worth a log line); a refused new comment always makes a new row.
pub(super) async fn record_decision(tx: &mut PgConnection, d: &Decision<'_>) -> sqlx::Result<bool> {
    let attempts: i64 = sqlx::query_scalar(
        "INSERT INTO policy_decisions
             (account_id, article_id, comment_id, action, codes, created_at, last_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT (comment_id, action, codes) WHERE comment_id IS NOT NULL
         DO UPDATE SET attempts = policy_decisions.attempts + 1, last_at = excluded.last_at
         RETURNING attempts",
    )
    .bind(d.account_id)
    .bind(d.article_id)
    .bind(d.comment_id)
    .bind(d.action.as_str())
    .bind(d.codes)
    .bind(to_millis(d.now))
    .fetch_one(tx)
    .await?;
    Ok(attempts == 1)
}
