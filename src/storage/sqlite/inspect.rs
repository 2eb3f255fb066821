//! The reads and writes tests need beside the services' (see `storage::Inspect`).

use anyhow::Context;
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::SqliteStore;
use super::shared::to_millis;
use crate::domain::comments::Status;
use crate::domain::ids::{AccountId, CommentId};
use crate::storage::inspect::{Inspect, PolicyDecision};

#[async_trait]
impl Inspect for SqliteStore {
    async fn reaction_rows(&self, comment_id: CommentId) -> anyhow::Result<(i64, i64)> {
        let counts = sqlx::query_as(
            "SELECT coalesce(sum(kind = 'like'), 0), coalesce(sum(kind = 'dislike'), 0)
             FROM reactions WHERE comment_id = ?",
        )
        .bind(comment_id)
        .fetch_one(&self.read)
        .await
        .with_context(|| format!("cannot count the reactions on comment {comment_id}"))?;
        Ok(counts)
    }

    async fn backdate_account(&self, account_id: AccountId, by: Duration) -> anyhow::Result<()> {
        sqlx::query("UPDATE accounts SET created_at = created_at - ? WHERE id = ?")
            .bind(by.num_milliseconds())
            .bind(account_id)
            .execute(&self.write)
            .await
            .with_context(|| format!("cannot backdate account {account_id}"))?;
        Ok(())
    }

    async fn report_notes(&self) -> anyhow::Result<Vec<Option<String>>> {
        let notes = sqlx::query_scalar("SELECT note FROM reports ORDER BY id")
            .fetch_all(&self.read)
            .await
            .context("cannot load the notes of reports")?;
        Ok(notes)
    }

    async fn session_token_hashes(&self) -> anyhow::Result<Vec<Vec<u8>>> {
        let hashes = sqlx::query_scalar("SELECT token_hash FROM sessions")
            .fetch_all(&self.read)
            .await
            .context("cannot load the token hashes of sessions")?;
        Ok(hashes)
    }

    async fn policy_decisions(&self, account_id: AccountId) -> anyhow::Result<Vec<PolicyDecision>> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT action, codes, attempts FROM policy_decisions WHERE account_id = ?
             ORDER BY action, id",
        )
        .bind(account_id)
        .fetch_all(&self.read)
        .await
        .with_context(|| format!("cannot load the policy's decisions on account {account_id}"))?;
        Ok(rows
            .into_iter()
            .map(|(action, codes, attempts)| PolicyDecision {
                action,
                codes,
                attempts,
            })
            .collect())
    }

    async fn comments_with_body(&self, body: &str) -> anyhow::Result<i64> {
        let count = sqlx::query_scalar("SELECT count(*) FROM comments WHERE body = ?")
            .bind(body)
            .fetch_one(&self.read)
            .await
            .context("cannot count comments by body")?;
        Ok(count)
    }

    async fn comments_with_status(&self, status: Status) -> anyhow::Result<i64> {
        let count = sqlx::query_scalar("SELECT count(*) FROM comments WHERE status = ?")
            .bind(status.as_str())
            .fetch_one(&self.read)
            .await
            .with_context(|| format!("cannot count {} comments", status.as_str()))?;
        Ok(count)
    }

    async fn unlifted_sanctions(&self, account_id: AccountId) -> anyhow::Result<i64> {
        let count = sqlx::query_scalar(
            "SELECT count(*) FROM sanctions WHERE account_id = ? AND lifted_at IS NULL",
        )
        .bind(account_id)
        .fetch_one(&self.read)
        .await
        .with_context(|| format!("cannot count the sanctions on account {account_id}"))?;
        Ok(count)
    }

    async fn active_admins(&self, now: DateTime<Utc>) -> anyhow::Result<i64> {
        let count = sqlx::query_scalar(
            "SELECT count(*) FROM accounts a WHERE role = 'admin' AND NOT EXISTS (
                 SELECT 1 FROM sanctions s WHERE s.account_id = a.id AND s.lifted_at IS NULL
                   AND (s.until IS NULL OR s.until > ?))",
        )
        .bind(to_millis(now))
        .fetch_one(&self.read)
        .await
        .context("cannot count the admins in good standing")?;
        Ok(count)
    }

    async fn demote_admins_except(&self, keep: &[AccountId]) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE accounts SET role = 'moderator'
             WHERE role = 'admin' AND id NOT IN (SELECT value FROM json_each(?))",
        )
        .bind(serde_json::to_string(keep)?)
        .execute(&self.write)
        .await
        .context("cannot demote admins")?;
        self.memo.sessions.invalidate();
        Ok(())
    }
}
