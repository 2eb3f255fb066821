//! The moderator desk's reads and writes: queue counts, an account's file
//! and comments, notes, the log about one account, and undoing a decision.

use std::collections::HashMap;

use anyhow::Context;
use async_trait::async_trait;
use sqlx::SqliteConnection;

use super::SqliteStore;
use super::counters::{count_published, count_thread};
use super::log::{LogRow, append_log, log_entries};
use super::moderation::queue_filter;
use super::shared::{
    COMMENT_COLUMNS, CommentRow, FROM_COMMENTS, SanctionRow, from_millis, load_comment, split_page,
    to_millis,
};
use crate::domain::accounts::{Role, User};
use crate::domain::comments::{Comment, LastAction, Status};
use crate::domain::desk::{
    AccountFile, AccountNote, ArticleBrief, AuthorComment, QueueCounts, SanctionRecord,
};
use crate::domain::ids::{AccountId, CommentId};
use crate::domain::moderation::{LogAction, LogEntry, LogLine, QueueState, Sanction, Target};
use crate::domain::paging::Paging;
use crate::domain::webhooks::EventType;
use crate::storage::comments::CommentPage;
use crate::storage::desk::{CountsQuery, DeskStore, NoAccount, NoteWrite, UndoWrite, Undone};

/// The state a decision took a comment from.
#[derive(sqlx::FromRow)]
struct UndoRow {
    moderator_id: AccountId,
    action: String,
    decided_at: i64,
    version: i64,
    prev_status: String,
    prev_hidden: bool,
    prev_settled: bool,
    prev_body: Option<String>,
    prev_length: Option<i64>,
    reports: String,
}

#[async_trait]
impl DeskStore for SqliteStore {
    async fn queue_counts(&self, q: &CountsQuery<'_>) -> anyhow::Result<QueueCounts> {
        let count = |state| {
            format!(
                "(SELECT count(*) FROM comments c WHERE {})",
                queue_filter(state)
            )
        };
        let sql = format!(
            "SELECT {}, {}, {}, {}",
            count(QueueState::Pending),
            count(QueueState::Reported),
            count(QueueState::Rejected),
            count(QueueState::Featured)
        );
        let (pending, reported, rejected, featured): (i64, i64, i64, i64) = sqlx::query_as(&sql)
            .bind(q.article_id)
            .bind(q.rule)
            .bind(q.reported_at)
            .fetch_one(&self.read)
            .await
            .context("cannot count the review queues")?;
        Ok(QueueCounts {
            pending,
            reported,
            rejected,
            featured,
        })
    }

    async fn account_file(&self, account_id: AccountId) -> anyhow::Result<Option<AccountFile>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: AccountId,
            email: Option<String>,
            display_name: String,
            role: String,
            created_at: i64,
            published: i64,
            rejected: i64,
            pending: i64,
        }
        let row = sqlx::query_as::<_, Row>(
            "SELECT a.id, a.email, a.display_name, a.role, a.created_at,
                (SELECT count(*) FROM comments WHERE author_id = a.id AND status = 'published')
                    AS published,
                (SELECT count(*) FROM comments WHERE author_id = a.id AND status = 'rejected')
                    AS rejected,
                (SELECT count(*) FROM comments WHERE author_id = a.id AND status = 'pending')
                    AS pending
             FROM accounts a WHERE a.id = ?",
        )
        .bind(account_id)
        .fetch_optional(&self.read)
        .await
        .with_context(|| format!("cannot load account {account_id}"))?;
        let Some(row) = row else { return Ok(None) };
        let ids = serde_json::to_string(&[account_id])?;
        let providers = self.providers_of(&ids).await?.remove(&account_id);
        let sanctions = self.sanction_history(account_id).await?;
        let note = self.note_on(account_id).await?;
        Ok(Some(AccountFile {
            user: User {
                id: row.id,
                email: row.email,
                display_name: row.display_name,
                // The CHECK constraint keeps role to the three names.
                role: Role::parse(&row.role).unwrap_or(Role::Reader),
            },
            created_at: from_millis(row.created_at),
            providers: providers.unwrap_or_default(),
            published_count: row.published,
            rejected_count: row.rejected,
            pending_count: row.pending,
            sanctions,
            note,
        }))
    }

    async fn all_comments_of(
        &self,
        author_id: AccountId,
        paging: &Paging,
    ) -> anyhow::Result<CommentPage<AuthorComment>> {
        let sql = format!(
            "SELECT {COMMENT_COLUMNS} {FROM_COMMENTS}
             WHERE c.author_id = ?1 AND c.id < ?2 ORDER BY c.id DESC LIMIT ?3"
        );
        let rows = sqlx::query_as::<_, CommentRow>(&sql)
            .bind(author_id)
            .bind(paging.after.unwrap_or(i64::MAX))
            .bind(paging.limit as i64 + 1)
            .fetch_all(&self.read)
            .await
            .with_context(|| format!("cannot list the comments of account {author_id}"))?;
        let page = split_page(rows, paging.limit, |r| r.id.get());
        let article_ids: Vec<&str> = page.items.iter().map(|r| r.article_id.as_str()).collect();
        let articles = self.article_briefs(&article_ids).await?;
        let mut items = Vec::with_capacity(page.items.len());
        for row in page.items {
            let comment = Comment::from(row);
            let article = articles
                .get(&comment.article_id)
                .cloned()
                .with_context(|| format!("comment {} has no editorial", comment.id))?;
            items.push(AuthorComment { comment, article });
        }
        Ok(CommentPage {
            items,
            next_after: page.next_after,
            next_cut: None,
        })
    }

    async fn set_note(
        &self,
        write: NoteWrite<'_>,
    ) -> anyhow::Result<Result<Option<AccountNote>, NoAccount>> {
        let NoteWrite {
            account_id,
            text,
            moderator_id,
            now,
        } = write;
        let context = || format!("cannot write the note on account {account_id}");
        let mut tx = self.begin_write().await?;
        let known: Option<i64> = sqlx::query_scalar("SELECT id FROM accounts WHERE id = ?")
            .bind(account_id)
            .fetch_optional(&mut *tx)
            .await
            .with_context(context)?;
        if known.is_none() {
            return Ok(Err(NoAccount));
        }
        let current: Option<String> =
            sqlx::query_scalar("SELECT text FROM account_notes WHERE account_id = ?")
                .bind(account_id)
                .fetch_optional(&mut *tx)
                .await
                .with_context(context)?;
        if current.as_deref() == text {
            // Setting what is already so changes and logs nothing.
            drop(tx);
            return Ok(Ok(self.note_on(account_id).await?));
        }
        match text {
            Some(text) => sqlx::query(
                "INSERT INTO account_notes (account_id, text, updated_at, updated_by)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (account_id) DO UPDATE
                 SET text = ?2, updated_at = ?3, updated_by = ?4",
            )
            .bind(account_id)
            .bind(text)
            .bind(to_millis(now))
            .bind(moderator_id),
            None => sqlx::query("DELETE FROM account_notes WHERE account_id = ?").bind(account_id),
        }
        .execute(&mut *tx)
        .await
        .with_context(context)?;
        let line = LogLine {
            actor: Some(moderator_id),
            action: LogAction::Note,
            target: Target::User(account_id),
            reason: None,
            note: text,
            at: now,
        };
        append_log(&mut tx, &line).await.with_context(context)?;
        let note = note_in(&mut tx, account_id).await.with_context(context)?;
        self.commit(tx).await?;
        Ok(Ok(note))
    }

    async fn log_about(
        &self,
        account_id: AccountId,
        before: Option<i64>,
        limit: usize,
    ) -> anyhow::Result<CommentPage<LogEntry>> {
        // Targets are stored as text; the account's comments are matched by
        // their ids as text too, so the target index serves both halves.
        let rows = sqlx::query_as::<_, LogRow>(
            "SELECT l.id, l.at, l.actor_id, a.display_name AS actor_name, l.action,
                    l.target_type, l.target_id, l.reason, l.note
             FROM moderation_log l LEFT JOIN accounts a ON a.id = l.actor_id
             WHERE l.id < ?1
               AND ((l.target_type = 'user' AND l.target_id = CAST(?2 AS TEXT))
                    OR (l.target_type = 'comment' AND l.target_id IN
                        (SELECT CAST(id AS TEXT) FROM comments WHERE author_id = ?2)))
             ORDER BY l.id DESC LIMIT ?3",
        )
        .bind(before.unwrap_or(i64::MAX))
        .bind(account_id)
        .bind(limit as i64 + 1)
        .fetch_all(&self.read)
        .await
        .with_context(|| format!("cannot load the log about account {account_id}"))?;
        Ok(log_entries(rows, limit))
    }

    async fn last_action(&self, comment_id: CommentId) -> anyhow::Result<Option<LastAction>> {
        let row: Option<(i64, Option<AccountId>, Option<String>)> = sqlx::query_as(
            "SELECT l.at, l.actor_id, a.display_name
             FROM moderation_log l LEFT JOIN accounts a ON a.id = l.actor_id
             WHERE l.target_type = 'comment' AND l.target_id = CAST(? AS TEXT)
             ORDER BY l.id DESC LIMIT 1",
        )
        .bind(comment_id)
        .fetch_optional(&self.read)
        .await
        .with_context(|| format!("cannot load the last action on comment {comment_id}"))?;
        Ok(row.map(|(at, actor, name)| LastAction {
            by: actor.zip(name),
            at: from_millis(at),
        }))
    }

    async fn undo(&self, write: UndoWrite) -> anyhow::Result<Undone> {
        let id = write.comment_id;
        let context = || format!("cannot undo the decision on comment {id}");
        let mut tx = self.begin_write().await?;
        let Some(before) = load_comment(&mut *tx, id).await? else {
            return Ok(Undone::Missing);
        };
        let row = sqlx::query_as::<_, UndoRow>(
            "SELECT moderator_id, action, decided_at, version, prev_status, prev_hidden,
                    prev_settled, prev_body, prev_length, reports
             FROM decision_undo WHERE comment_id = ?",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .with_context(context)?;
        let Some(row) = row.filter(|row| {
            row.moderator_id == write.moderator_id
                && row.decided_at >= to_millis(write.decided_since)
                && row.version == before.version
        }) else {
            return Ok(Undone::Unavailable);
        };
        // The CHECK constraint keeps the status to the four names.
        let status = Status::parse(&row.prev_status).unwrap_or(Status::Pending);
        let reopened = sqlx::query(
            "UPDATE reports SET resolved_at = NULL
             WHERE id IN (SELECT value FROM json_each(?)) AND resolved_at IS NOT NULL",
        )
        .bind(&row.reports)
        .execute(&mut *tx)
        .await
        .with_context(context)?
        .rows_affected();
        sqlx::query(
            "UPDATE comments SET status = ?1, hidden = ?2, settled = ?3,
                 open_reports = open_reports + ?4, version = version + 1,
                 body = coalesce(?5, body), length = coalesce(?6, length),
                 deleted_at = CASE WHEN ?1 = 'deleted' THEN deleted_at END
             WHERE id = ?7",
        )
        .bind(status.as_str())
        .bind(row.prev_hidden)
        .bind(row.prev_settled)
        .bind(reopened as i64)
        .bind(&row.prev_body)
        .bind(row.prev_length)
        .bind(id)
        .execute(&mut *tx)
        .await
        .with_context(context)?;
        let was_counted = before.status == Status::Published && !before.hidden;
        let is_counted = status == Status::Published && !row.prev_hidden;
        let delta = i64::from(is_counted) - i64::from(was_counted);
        if delta != 0 {
            count_published(&mut tx, &before.article_id, before.parent_id, delta)
                .await
                .with_context(context)?;
        }
        count_thread(&mut tx, &before, status, row.prev_hidden)
            .await
            .with_context(context)?;
        sqlx::query("DELETE FROM decision_undo WHERE comment_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await
            .with_context(context)?;
        let line = LogLine {
            actor: Some(write.moderator_id),
            action: LogAction::Undo,
            target: Target::Comment(id),
            // Which decision was taken back.
            reason: Some(&row.action),
            note: None,
            at: write.now,
        };
        append_log(&mut tx, &line).await.with_context(context)?;
        let after = load_comment(&mut *tx, id).await?.unwrap_or(before);
        // The comment is back where it was: say so as the event of that state.
        let kind = match after.status {
            Status::Published => EventType::CommentPublished,
            Status::Pending => EventType::CommentHeld,
            Status::Rejected => EventType::CommentDecided,
            Status::Deleted => EventType::CommentDeleted,
        };
        self.outbox
            .comment_event(&mut tx, kind, &after, write.now)
            .await
            .with_context(context)?;
        self.commit(tx).await?;
        Ok(Undone::Done(after))
    }
}

/// The reads the queue and the desk share: one query each, whatever the page.
impl SqliteStore {
    /// The editorials with these ids.
    pub(super) async fn article_briefs(
        &self,
        ids: &[&str],
    ) -> anyhow::Result<HashMap<String, ArticleBrief>> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT id, title, url FROM articles WHERE id IN (SELECT value FROM json_each(?))",
        )
        .bind(serde_json::to_string(ids)?)
        .fetch_all(&self.read)
        .await
        .context("cannot load the editorials of a page of comments")?;
        Ok(rows
            .into_iter()
            .map(|(id, title, url)| (id.clone(), ArticleBrief { id, title, url }))
            .collect())
    }

    /// Each account's ways in, for the JSON array `ids`: `password` first
    /// when it has one, then its providers in the order they were linked.
    pub(super) async fn providers_of(
        &self,
        ids: &str,
    ) -> anyhow::Result<HashMap<AccountId, Vec<String>>> {
        let rows: Vec<(AccountId, String, i64)> = sqlx::query_as(
            "SELECT id, 'password', 0 FROM accounts
             WHERE id IN (SELECT value FROM json_each(?1)) AND password_hash IS NOT NULL
             UNION ALL
             SELECT account_id, provider, linked_at FROM identities
             WHERE account_id IN (SELECT value FROM json_each(?1))
             ORDER BY 1, 3, 2",
        )
        .bind(ids)
        .fetch_all(&self.read)
        .await
        .context("cannot load the sign-in ways of accounts")?;
        let mut providers: HashMap<AccountId, Vec<String>> = HashMap::new();
        for (id, provider, _) in rows {
            providers.entry(id).or_default().push(provider);
        }
        Ok(providers)
    }

    /// Every sanction on the account, newest first.
    async fn sanction_history(&self, account_id: AccountId) -> anyhow::Result<Vec<SanctionRecord>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            sanction: SanctionRow,
            lifted_at: Option<i64>,
        }
        let rows = sqlx::query_as::<_, Row>(
            "SELECT id, account_id, kind, until, reason, created_at, lifted_at
             FROM sanctions WHERE account_id = ? ORDER BY id DESC",
        )
        .bind(account_id)
        .fetch_all(&self.read)
        .await
        .with_context(|| format!("cannot load the sanctions of account {account_id}"))?;
        Ok(rows
            .into_iter()
            .map(|row| SanctionRecord {
                sanction: Sanction::from(row.sanction),
                lifted_at: row.lifted_at.map(from_millis),
            })
            .collect())
    }

    async fn note_on(&self, account_id: AccountId) -> anyhow::Result<Option<AccountNote>> {
        let mut conn = self.read.acquire().await?;
        note_in(&mut conn, account_id)
            .await
            .with_context(|| format!("cannot load the note on account {account_id}"))
    }
}

async fn note_in(
    db: &mut SqliteConnection,
    account_id: AccountId,
) -> sqlx::Result<Option<AccountNote>> {
    let row: Option<(String, i64, AccountId, String)> = sqlx::query_as(
        "SELECT n.text, n.updated_at, n.updated_by, a.display_name
         FROM account_notes n JOIN accounts a ON a.id = n.updated_by
         WHERE n.account_id = ?",
    )
    .bind(account_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(text, at, by, name)| AccountNote {
        text,
        updated_at: from_millis(at),
        by: (by, name),
    }))
}
