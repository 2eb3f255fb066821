//! What the standards policy reads and records: repeats, an author's record,
//! refusals, and sanctions.

use anyhow::Context;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::PgStore;
use super::log::append_log;
pub(super) use super::shared::Decision;
use super::shared::{SanctionRow, to_millis};
use crate::domain::ids::{AccountId, CommentId};
use crate::domain::moderation::{LogAction, LogLine, Sanction, Target};
use crate::domain::policy::Action;
use crate::storage::policy::{PolicyStore, RefusalRecord, StoredReason};

#[async_trait]
impl PolicyStore for PgStore {
    /// Whether the author has a live comment with this fingerprint since
    /// `since`, other than `except` (the comment being edited).
    async fn has_repeat(
        &self,
        author_id: AccountId,
        fingerprint: &[u8],
        since: DateTime<Utc>,
        except: Option<CommentId>,
    ) -> anyhow::Result<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM comments
             WHERE author_id = $1 AND fingerprint = $2 AND created_at >= $3
               AND status IN ('published', 'pending') AND id != $4
             LIMIT 1",
        )
        .bind(author_id)
        .bind(fingerprint)
        .bind(to_millis(since))
        .bind(except.map_or(0, CommentId::get))
        .fetch_optional(&self.pool)
        .await
        .with_context(|| format!("cannot look for repeats by account {author_id}"))?;
        Ok(found.is_some())
    }

    async fn published_count(&self, author_id: AccountId) -> anyhow::Result<i64> {
        let count = sqlx::query_scalar(
            "SELECT count(*) FROM comments WHERE author_id = $1 AND status = 'published'",
        )
        .bind(author_id)
        .fetch_one(&self.pool)
        .await
        .with_context(|| format!("cannot count the published comments of account {author_id}"))?;
        Ok(count)
    }

    /// A refused attempt: the decision is kept and logged, the text is not.
    /// `comment_id` is the comment an edit was refused for.
    async fn record_refusal(&self, refusal: RefusalRecord<'_>) -> anyhow::Result<()> {
        let RefusalRecord {
            account_id,
            article_id,
            comment_id,
            codes,
            now,
        } = refusal;
        let codes = codes.join(",");
        let mut tx = self.begin_write().await?;
        let decision = Decision {
            account_id,
            article_id,
            comment_id,
            action: Action::Refuse,
            codes: &codes,
            now,
        };
        if record_decision(&mut tx, &decision)
            .await
            .with_context(|| format!("cannot record a refusal for account {account_id}"))?
        {
            let note = format!("article {article_id}");
            append_log(
                &mut tx,
                &LogLine {
                    actor: None,
                    action: LogAction::Refuse,
                    target: Target::User(account_id),
                    reason: Some(&codes),
                    note: Some(&note),
                    at: now,
                },
            )
            .await
            .with_context(|| format!("cannot record a refusal for account {account_id}"))?;
        }
        self.commit(tx, &[]).await
    }

    /// The sanction in force on the account at `now`, if any.
    async fn sanction_in_force(
        &self,
        account_id: AccountId,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<Sanction>> {
        // A kept answer holds until a sanction is written, or its suspension ends.
        if let Some(known) = self.memo.sanctions.get(&account_id)
            && known
                .as_ref()
                .and_then(|s| s.until)
                .is_none_or(|until| until > now)
        {
            return Ok(known);
        }
        let version = self.memo.sanctions.version();
        let row = sqlx::query_as::<_, SanctionRow>(
            "SELECT id, account_id, kind, until, reason, created_at FROM sanctions
             WHERE account_id = $1 AND lifted_at IS NULL AND (until IS NULL OR until > $2)
             ORDER BY kind = 'ban' DESC, id DESC LIMIT 1",
        )
        .bind(account_id)
        .bind(to_millis(now))
        .fetch_optional(&self.pool)
        .await
        .with_context(|| format!("cannot load the sanction on account {account_id}"))?;
        let in_force = row.map(Sanction::from);
        self.memo
            .sanctions
            .keep(account_id, in_force.clone(), version);
        Ok(in_force)
    }

    /// The reasons a held comment carries: (code, start, end) in code points.
    async fn comment_reasons(&self, comment_id: CommentId) -> anyhow::Result<Vec<StoredReason>> {
        let rows = sqlx::query_as(
            "SELECT code, start, \"end\", detail FROM comment_reasons WHERE comment_id = $1 ORDER BY id",
        )
        .bind(comment_id)
        .fetch_all(&self.pool)
        .await
        .with_context(|| format!("cannot load the reasons of comment {comment_id}"))?;
        Ok(rows)
    }
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
