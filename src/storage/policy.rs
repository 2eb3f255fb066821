//! What the standards policy reads and records: repeats, an author's record,
//! refusals, and sanctions.

use chrono::{DateTime, Utc};

use super::{Store, from_millis, to_millis};
use crate::moderation::{Sanction, SanctionKind};

impl Store {
    /// Whether the author has a live comment with this fingerprint since `since`.
    pub async fn has_repeat(
        &self,
        author_id: i64,
        fingerprint: &[u8],
        since: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM comments
             WHERE author_id = ? AND fingerprint = ? AND created_at >= ?
               AND status IN ('published', 'pending')
             LIMIT 1",
        )
        .bind(author_id)
        .bind(fingerprint)
        .bind(to_millis(since))
        .fetch_optional(&self.read)
        .await?;
        Ok(found.is_some())
    }

    pub async fn published_count(&self, author_id: i64) -> anyhow::Result<i64> {
        let count = sqlx::query_scalar(
            "SELECT count(*) FROM comments WHERE author_id = ? AND status = 'published'",
        )
        .bind(author_id)
        .fetch_one(&self.read)
        .await?;
        Ok(count)
    }

    /// A refused attempt: the decision is kept, the text is not.
    pub async fn record_refusal(
        &self,
        account_id: i64,
        article_id: &str,
        codes: &[&str],
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO policy_decisions (account_id, article_id, action, codes, created_at)
             VALUES (?, ?, 'refuse', ?, ?)",
        )
        .bind(account_id)
        .bind(article_id)
        .bind(codes.join(","))
        .bind(to_millis(now))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// The sanction in force on the account at `now`, if any.
    pub async fn sanction_in_force(
        &self,
        account_id: i64,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<Sanction>> {
        let row: Option<(i64, String, Option<i64>, String)> = sqlx::query_as(
            "SELECT id, kind, until, reason FROM sanctions
             WHERE account_id = ? AND lifted_at IS NULL AND (until IS NULL OR until > ?)
             ORDER BY kind = 'ban' DESC, id DESC LIMIT 1",
        )
        .bind(account_id)
        .bind(to_millis(now))
        .fetch_optional(&self.read)
        .await?;
        Ok(row.map(|(id, kind, until, reason)| Sanction {
            id,
            account_id,
            kind: if kind == "ban" {
                SanctionKind::Ban
            } else {
                SanctionKind::Suspend
            },
            until: until.map(from_millis),
            reason,
        }))
    }

    pub async fn insert_sanction(
        &self,
        account_id: i64,
        kind: SanctionKind,
        until: Option<DateTime<Utc>>,
        reason: &str,
        moderator_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Sanction> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sanctions (account_id, kind, until, reason, moderator_id, created_at)
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(account_id)
        .bind(kind.as_str())
        .bind(until.map(to_millis))
        .bind(reason)
        .bind(moderator_id)
        .bind(to_millis(now))
        .fetch_one(&self.write)
        .await?;
        Ok(Sanction {
            id,
            account_id,
            kind,
            until,
            reason: reason.to_owned(),
        })
    }

    /// The reasons a held comment carries: (code, start, end) in code points.
    pub async fn comment_reasons(
        &self,
        comment_id: i64,
    ) -> anyhow::Result<Vec<(String, i64, i64)>> {
        let rows = sqlx::query_as(
            "SELECT code, start, end FROM comment_reasons WHERE comment_id = ? ORDER BY rowid",
        )
        .bind(comment_id)
        .fetch_all(&self.read)
        .await?;
        Ok(rows)
    }
}
