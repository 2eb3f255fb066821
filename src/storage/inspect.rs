//! For tests and diagnostics; every engine implements it, so the same test
//! suite runs on each. Production code holds a `Store`, which lacks these.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::store::Store;
use crate::domain::comments::Status;
use crate::domain::ids::{AccountId, CommentId};

#[async_trait]
pub trait Inspect: Store {
    /// Moves the account's registration back by `by`, as if it were older.
    async fn backdate_account(&self, account_id: AccountId, by: Duration) -> anyhow::Result<()>;

    /// The note of every report as stored, oldest first.
    async fn report_notes(&self) -> anyhow::Result<Vec<Option<String>>>;

    /// The token hash of every session as stored.
    async fn session_token_hashes(&self) -> anyhow::Result<Vec<Vec<u8>>>;

    /// The standards policy's decisions on the account's attempts, by action.
    async fn policy_decisions(&self, account_id: AccountId) -> anyhow::Result<Vec<PolicyDecision>>;

    /// How many comments have exactly this body.
    async fn comments_with_body(&self, body: &str) -> anyhow::Result<i64>;

    /// How many comments have this status.
    async fn comments_with_status(&self, status: Status) -> anyhow::Result<i64>;

    /// How many of the account's sanctions were never lifted.
    async fn unlifted_sanctions(&self, account_id: AccountId) -> anyhow::Result<i64>;

    /// Admins with no sanction in force at `now`.
    async fn active_admins(&self, now: DateTime<Utc>) -> anyhow::Result<i64>;

    /// The rows of `reactions` on the comment: (likes, dislikes).
    async fn reaction_rows(&self, comment_id: CommentId) -> anyhow::Result<(i64, i64)>;

    /// Makes every admin but `keep` a moderator, without a log line.
    async fn demote_admins_except(&self, keep: &[AccountId]) -> anyhow::Result<()>;
}

/// One row of the standards policy's decisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDecision {
    pub action: String,
    pub codes: String,
    pub attempts: i64,
}
