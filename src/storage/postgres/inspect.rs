//! The reads and writes tests need beside the services' (see `storage::Inspect`).

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};

use super::PgStore;
use super::shared::to_millis;
use crate::domain::comments::Status;
use crate::domain::ids::{AccountId, CommentId};
use crate::storage::inspect::PolicyDecision;
use crate::storage::memo::Kind;

// `Inspect` requires `Store`, which `PgStore` implements only once every part
// is in: until then these are inherent methods, and this block becomes
// `#[async_trait] impl Inspect for PgStore` (without `pub(crate)`) then.
impl PgStore {
    pub(crate) async fn reaction_rows(&self, comment_id: CommentId) -> anyhow::Result<(i64, i64)> {
        let counts = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE kind = 'like'), count(*) FILTER (WHERE kind = 'dislike')
             FROM reactions WHERE comment_id = $1",
        )
        .bind(comment_id)
        .fetch_one(&self.pool)
        .await
        .with_context(|| format!("cannot count the reactions on comment {comment_id}"))?;
        Ok(counts)
    }

    pub(crate) async fn backdate_account(
        &self,
        account_id: AccountId,
        by: Duration,
    ) -> anyhow::Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE accounts SET created_at = created_at - $1 WHERE id = $2")
            .bind(by.num_milliseconds())
            .bind(account_id)
            .execute(&mut *tx)
            .await
            .with_context(|| format!("cannot backdate account {account_id}"))?;
        self.commit(tx, &[]).await
    }

    pub(crate) async fn report_notes(&self) -> anyhow::Result<Vec<Option<String>>> {
        let notes = sqlx::query_scalar("SELECT note FROM reports ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .context("cannot load the notes of reports")?;
        Ok(notes)
    }

    pub(crate) async fn session_token_hashes(&self) -> anyhow::Result<Vec<Vec<u8>>> {
        let hashes = sqlx::query_scalar("SELECT token_hash FROM sessions")
            .fetch_all(&self.pool)
            .await
            .context("cannot load the token hashes of sessions")?;
        Ok(hashes)
    }

    pub(crate) async fn policy_decisions(
        &self,
        account_id: AccountId,
    ) -> anyhow::Result<Vec<PolicyDecision>> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT action, codes, attempts FROM policy_decisions WHERE account_id = $1
             ORDER BY action, id",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
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

    pub(crate) async fn comments_with_body(&self, body: &str) -> anyhow::Result<i64> {
        let count = sqlx::query_scalar("SELECT count(*) FROM comments WHERE body = $1")
            .bind(body)
            .fetch_one(&self.pool)
            .await
            .context("cannot count comments by body")?;
        Ok(count)
    }

    pub(crate) async fn comments_with_status(&self, status: Status) -> anyhow::Result<i64> {
        let count = sqlx::query_scalar("SELECT count(*) FROM comments WHERE status = $1")
            .bind(status.as_str())
            .fetch_one(&self.pool)
            .await
            .with_context(|| format!("cannot count {} comments", status.as_str()))?;
        Ok(count)
    }

    pub(crate) async fn unlifted_sanctions(&self, account_id: AccountId) -> anyhow::Result<i64> {
        let count = sqlx::query_scalar(
            "SELECT count(*) FROM sanctions WHERE account_id = $1 AND lifted_at IS NULL",
        )
        .bind(account_id)
        .fetch_one(&self.pool)
        .await
        .with_context(|| format!("cannot count the sanctions on account {account_id}"))?;
        Ok(count)
    }

    pub(crate) async fn active_admins(&self, now: DateTime<Utc>) -> anyhow::Result<i64> {
        let count = sqlx::query_scalar(
            "SELECT count(*) FROM accounts a WHERE role = 'admin' AND NOT EXISTS (
                 SELECT 1 FROM sanctions s WHERE s.account_id = a.id AND s.lifted_at IS NULL
                   AND (s.until IS NULL OR s.until > $1))",
        )
        .bind(to_millis(now))
        .fetch_one(&self.pool)
        .await
        .context("cannot count the admins in good standing")?;
        Ok(count)
    }

    pub(crate) async fn demote_admins_except(&self, keep: &[AccountId]) -> anyhow::Result<()> {
        let keep: Vec<i64> = keep.iter().map(|id| id.get()).collect();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE accounts SET role = 'moderator' WHERE role = 'admin' AND id <> ALL($1)",
        )
        .bind(keep)
        .execute(&mut *tx)
        .await
        .context("cannot demote admins")?;
        // Sessions carry the role, in every process.
        self.commit(tx, &[Kind::Sessions]).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::postgres::outbox::tests::seed;
    use crate::storage::postgres::temp_store;

    #[tokio::test]
    async fn every_inspection_runs() {
        let Some(store) = temp_store().await else {
            return;
        };
        let (admin, comment) = seed(&store, "admin", "admin").await;
        let (other, _) = seed(&store, "other", "admin").await;
        sqlx::query(
            "INSERT INTO reactions (comment_id, account_id, article_id, kind, created_at)
             VALUES ($1, $2, 'an-article', 'like', 0), ($1, $3, 'an-article', 'dislike', 0)",
        )
        .bind(comment.id)
        .bind(admin)
        .bind(other)
        .execute(&store.pool)
        .await
        .unwrap();

        assert_eq!(store.reaction_rows(comment.id).await.unwrap(), (1, 1));
        store
            .backdate_account(admin, Duration::days(1))
            .await
            .unwrap();
        assert!(store.report_notes().await.unwrap().is_empty());
        assert!(store.session_token_hashes().await.unwrap().is_empty());
        assert!(store.policy_decisions(admin).await.unwrap().is_empty());
        assert_eq!(store.comments_with_body("hello").await.unwrap(), 2);
        assert_eq!(
            store.comments_with_status(Status::Published).await.unwrap(),
            2
        );
        assert_eq!(store.unlifted_sanctions(admin).await.unwrap(), 0);
        assert_eq!(store.active_admins(Utc::now()).await.unwrap(), 2);
        store.demote_admins_except(&[admin]).await.unwrap();
        assert_eq!(store.active_admins(Utc::now()).await.unwrap(), 1);
    }
}
