//! Moderation: queues, decisions, reports, sanctions, roles and the log.
//!
//! Every change and its log line are written in one transaction, so the log
//! never misses an action and never records one that did not happen.

use std::collections::HashMap;

use anyhow::Context;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Sqlite, SqliteConnection, Transaction};

use super::SqliteStore;
use super::counters::{count_published, count_thread};
use super::log::{LogRow, append_log, log_entries};
use super::shared::{
    AccountRow, COMMENT_COLUMNS, CommentRow, FROM_COMMENTS, SanctionRow, from_millis,
    is_unique_violation, load_comment, split_page, to_millis,
};
use super::undo::{UndoRecord, remember_for_undo};
use crate::domain::accounts::{Role, User};
use crate::domain::comments::{Comment, Status};
use crate::domain::ids::{AccountId, CommentId};
use crate::domain::moderation::{
    AuthorRecord, DecidedOn, DecisionAction, LogAction, LogEntry, LogLine, QueueState, Report,
    Sanction, SanctionKind, Target,
};
use crate::domain::paging::Paging;
use crate::domain::reactions::Reaction;
use crate::domain::webhooks::EventType;
use crate::storage::comments::CommentPage;
use crate::storage::moderation::{
    Decided, DecisionWrite, FeatureWrite, Featured, LastAdmin, ModerationStore, QueueEntry,
    QueueQuery, Reactor, ReportInsert, ReporterRecord, RoleChange, SanctionInsert,
};
use crate::storage::policy::StoredReason;

/// Whether the decision changes anything; one that does not is "already decided".
fn changes(action: DecisionAction, c: &Comment, open_reports: i64) -> bool {
    match action {
        DecisionAction::Approve => {
            matches!(c.status, Status::Pending | Status::Rejected)
                || (c.status == Status::Published && (open_reports > 0 || c.hidden))
        }
        DecisionAction::Reject => matches!(c.status, Status::Pending | Status::Published),
        DecisionAction::Delete => c.status != Status::Deleted,
    }
}

/// What the transaction knows of the comment beside what readers see.
struct Review {
    open_reports: i64,
    /// The current state is a moderator's decision.
    settled: bool,
}

/// Whether the decision applies to the comment as it is now.
fn applies(action: DecisionAction, on: DecidedOn, c: &Comment, review: &Review) -> bool {
    if !changes(action, c, review.open_reports) {
        return false;
    }
    match on {
        DecidedOn::Version(seen) => seen == c.version,
        DecidedOn::Unnamed => {
            let awaits_review = !review.settled || review.open_reports > 0 || c.hidden;
            awaits_review && c.edited_at.is_none()
        }
        DecidedOn::Anything => true,
    }
}

#[async_trait]
impl ModerationStore for SqliteStore {
    async fn queue(&self, q: &QueueQuery<'_>) -> anyhow::Result<CommentPage<QueueEntry>> {
        let page = self.queue_comments(q).await?;
        if page.items.is_empty() {
            return Ok(CommentPage {
                items: Vec::new(),
                next_after: None,
                next_cut: None,
            });
        }
        let ids: Vec<CommentId> = page.items.iter().map(|c| c.id).collect();
        let parent_ids: Vec<CommentId> = page.items.iter().filter_map(|c| c.parent_id).collect();
        let author_ids: Vec<AccountId> = page.items.iter().map(|c| c.author_id).collect();
        let article_ids: Vec<&str> = page.items.iter().map(|c| c.article_id.as_str()).collect();
        let parents = self.comments_by_id(&parent_ids).await?;
        let articles = self.article_briefs(&article_ids).await?;
        let mut reports = self.open_reports(&ids).await?;
        let mut reasons = self.reasons_of(&ids).await?;
        let authors = self.author_records(&author_ids, Utc::now()).await?;
        let mut fresh = self.fresh_reactions(&ids).await?;
        let mut items = Vec::with_capacity(page.items.len());
        for comment in page.items {
            let author = authors
                .get(&comment.author_id)
                .cloned()
                .with_context(|| format!("comment {} has no author", comment.id))?;
            let article = articles
                .get(&comment.article_id)
                .cloned()
                .with_context(|| format!("comment {} has no editorial", comment.id))?;
            items.push(QueueEntry {
                article,
                parent: comment.parent_id.and_then(|id| parents.get(&id).cloned()),
                reports: reports.remove(&comment.id).unwrap_or_default(),
                reasons: reasons.remove(&comment.id).unwrap_or_default(),
                author,
                fresh_reactions: fresh.remove(&comment.id).unwrap_or(0),
                comment,
            });
        }
        Ok(CommentPage {
            items,
            next_after: page.next_after,
            next_cut: None,
        })
    }

    /// Applies a moderator's decision, resolves the comment's open reports and
    /// logs it, in one transaction; the first of two racing decisions wins,
    /// and the others find the comment changed (see [`DecidedOn`]).
    async fn decide(&self, d: DecisionWrite<'_>) -> anyhow::Result<Decided> {
        let DecisionWrite {
            comment_id: id,
            action,
            on,
            moderator_id,
            reason,
            note,
            now,
        } = d;
        let mut tx = self.begin_write().await?;
        let Some(before) = load_comment(&mut *tx, id).await? else {
            return Ok(Decided::Missing);
        };
        let (open_reports, settled): (i64, bool) =
            sqlx::query_as("SELECT open_reports, settled FROM comments WHERE id = ?")
                .bind(id)
                .fetch_one(&mut *tx)
                .await
                .with_context(|| format!("cannot decide on comment {id}"))?;
        let review = Review {
            open_reports,
            settled,
        };
        if !applies(action, on, &before, &review) {
            return Ok(Decided::Unchanged(before));
        }
        let status = match action {
            DecisionAction::Approve => Status::Published,
            DecisionAction::Reject => Status::Rejected,
            DecisionAction::Delete => Status::Deleted,
        };
        sqlx::query(
            "UPDATE comments SET status = ?1, hidden = 0, open_reports = 0,
                 version = version + 1, settled = 1,
                 body = CASE WHEN ?1 = 'deleted' THEN '' ELSE body END,
                 length = CASE WHEN ?1 = 'deleted' THEN 0 ELSE length END,
                 deleted_at = CASE WHEN ?1 = 'deleted' THEN ?2 ELSE deleted_at END
             WHERE id = ?3",
        )
        .bind(status.as_str())
        .bind(to_millis(now))
        .bind(id)
        .execute(&mut *tx)
        .await
        .with_context(|| format!("cannot decide on comment {id}"))?;
        let was_counted = before.status == Status::Published && !before.hidden;
        let is_counted = status == Status::Published;
        let delta = i64::from(is_counted) - i64::from(was_counted);
        if delta != 0 {
            count_published(&mut tx, &before.article_id, before.parent_id, delta)
                .await
                .with_context(|| format!("cannot decide on comment {id}"))?;
        }
        count_thread(&mut tx, &before, status, false)
            .await
            .with_context(|| format!("cannot decide on comment {id}"))?;
        let resolved: Vec<i64> = sqlx::query_scalar(
            "UPDATE reports SET resolved_at = ? WHERE comment_id = ? AND resolved_at IS NULL
             RETURNING id",
        )
        .bind(to_millis(now))
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .with_context(|| format!("cannot decide on comment {id}"))?;
        append_log(
            &mut tx,
            &LogLine {
                actor: Some(moderator_id),
                action: action.into(),
                target: Target::Comment(id),
                reason,
                note,
                at: now,
            },
        )
        .await
        .with_context(|| format!("cannot decide on comment {id}"))?;
        let undo = UndoRecord {
            before: &before,
            settled: review.settled,
            action,
            moderator_id,
            resolved: &resolved,
            now,
        };
        remember_for_undo(&mut tx, &undo)
            .await
            .with_context(|| format!("cannot decide on comment {id}"))?;
        let after = load_comment(&mut *tx, id).await?.unwrap_or(before);
        decision_events(&self.outbox, &mut tx, action, &after, now)
            .await
            .with_context(|| format!("cannot decide on comment {id}"))?;
        self.commit(tx).await?;
        Ok(Decided::Done(after))
    }

    async fn reactors(
        &self,
        comment_id: CommentId,
        paging: &Paging,
    ) -> anyhow::Result<CommentPage<Reactor>> {
        let rows: Vec<(AccountId, String, i64, String, i64)> = sqlx::query_as(
            "SELECT a.id, a.display_name, a.created_at, r.kind, r.created_at
             FROM reactions r JOIN accounts a ON a.id = r.account_id
             WHERE r.comment_id = ?1 AND (?2 IS NULL OR r.account_id < ?2)
             ORDER BY r.account_id DESC LIMIT ?3",
        )
        .bind(comment_id)
        .bind(paging.after)
        .bind(paging.limit as i64 + 1)
        .fetch_all(&self.read)
        .await
        .with_context(|| format!("cannot list the reactions to comment {comment_id}"))?;
        let reactors = rows
            .into_iter()
            .filter_map(|(id, name, joined, kind, at)| {
                Some(Reactor {
                    account_id: id,
                    display_name: name,
                    account_created_at: from_millis(joined),
                    kind: Reaction::parse(&kind)?,
                    at: from_millis(at),
                })
            })
            .collect();
        Ok(split_page(reactors, paging.limit, |r| r.account_id.get()))
    }

    async fn set_featured(&self, f: FeatureWrite<'_>) -> anyhow::Result<Featured> {
        let id = f.comment_id;
        let mut tx = self.begin_write().await?;
        let Some(before) = load_comment(&mut *tx, id).await? else {
            return Ok(Featured::Missing);
        };
        if before.featured == f.featured {
            return Ok(Featured::Done(before));
        }
        if f.featured && before.status != Status::Published {
            return Ok(Featured::NotPublished);
        }
        sqlx::query("UPDATE comments SET featured = ? WHERE id = ?")
            .bind(f.featured)
            .bind(id)
            .execute(&mut *tx)
            .await
            .with_context(|| format!("cannot feature comment {id}"))?;
        let action = match f.featured {
            true => LogAction::Feature,
            false => LogAction::Unfeature,
        };
        let line = LogLine {
            actor: Some(f.moderator_id),
            action,
            target: Target::Comment(id),
            reason: None,
            note: f.note,
            at: f.now,
        };
        append_log(&mut tx, &line)
            .await
            .with_context(|| format!("cannot log the pick of comment {id}"))?;
        let after = load_comment(&mut *tx, id).await?.unwrap_or(before);
        self.commit(tx).await?;
        Ok(Featured::Done(after))
    }

    /// The reporter's account age and what became of their past reports;
    /// `None` for an unknown account.
    async fn reporter_record(
        &self,
        account_id: AccountId,
    ) -> anyhow::Result<Option<ReporterRecord>> {
        let row: Option<(i64, i64, i64)> = sqlx::query_as(
            "SELECT a.created_at,
                count(CASE WHEN c.status IN ('rejected', 'deleted') THEN 1 END),
                count(CASE WHEN c.status = 'published' THEN 1 END)
             FROM accounts a
             LEFT JOIN reports r ON r.reporter_id = a.id AND r.resolved_at IS NOT NULL
             LEFT JOIN comments c ON c.id = r.comment_id
             WHERE a.id = ? GROUP BY a.id",
        )
        .bind(account_id)
        .fetch_optional(&self.read)
        .await
        .with_context(|| format!("cannot load the reports filed by account {account_id}"))?;
        Ok(row.map(|(created_at, upheld, dismissed)| ReporterRecord {
            created_at: from_millis(created_at),
            upheld,
            dismissed,
        }))
    }

    /// Files a report; `false` when this reader already reported the comment.
    /// When the weight of its open reports reaches the hide threshold the
    /// comment leaves the public listing.
    async fn insert_report(&self, new: ReportInsert<'_>) -> anyhow::Result<bool> {
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO reports (comment_id, reporter_id, reason, note, body, created_at, weight)
             SELECT id, ?, ?, ?, body, ?, ? FROM comments WHERE id = ?",
        )
        .bind(new.reporter_id)
        .bind(new.reason)
        .bind(new.note)
        .bind(to_millis(new.now))
        .bind(new.weight)
        .bind(new.comment_id)
        .execute(&mut *tx)
        .await;
        match inserted {
            Err(error) if is_unique_violation(&error) => return Ok(false),
            other => other?,
        };
        sqlx::query("UPDATE comments SET open_reports = open_reports + 1 WHERE id = ?")
            .bind(new.comment_id)
            .execute(&mut *tx)
            .await
            .with_context(|| format!("cannot file a report on comment {}", new.comment_id))?;
        let open: i64 = sqlx::query_scalar(
            "SELECT ifnull(sum(weight), 0) FROM reports WHERE comment_id = ? AND resolved_at IS NULL",
        )
        .bind(new.comment_id)
        .fetch_one(&mut *tx)
        .await.with_context(|| format!("cannot file a report on comment {}", new.comment_id))?;
        if let Some(c) = load_comment(&mut *tx, new.comment_id).await?
            && open >= new.hide_at
            && c.status == Status::Published
            && !c.hidden
        {
            sqlx::query("UPDATE comments SET hidden = 1 WHERE id = ?")
                .bind(c.id)
                .execute(&mut *tx)
                .await
                .with_context(|| format!("cannot file a report on comment {}", new.comment_id))?;
            count_published(&mut tx, &c.article_id, c.parent_id, -1)
                .await
                .with_context(|| format!("cannot file a report on comment {}", new.comment_id))?;
            count_thread(&mut tx, &c, c.status, true)
                .await
                .with_context(|| format!("cannot file a report on comment {}", new.comment_id))?;
            append_log(
                &mut tx,
                &LogLine {
                    actor: None,
                    action: LogAction::Hide,
                    target: Target::Comment(c.id),
                    reason: Some("reports"),
                    note: None,
                    at: new.now,
                },
            )
            .await
            .with_context(|| format!("cannot file a report on comment {}", new.comment_id))?;
        }
        self.outbox
            .comment_event_by_id(&mut tx, EventType::CommentReported, new.comment_id, new.now)
            .await?;
        self.commit(tx).await?;
        Ok(true)
    }

    async fn open_report_weight(&self, comment_id: CommentId) -> anyhow::Result<i64> {
        sqlx::query_scalar(
            "SELECT ifnull(sum(weight), 0) FROM reports WHERE comment_id = ? AND resolved_at IS NULL",
        )
        .bind(comment_id)
        .fetch_one(&self.read)
        .await
        .with_context(|| format!("cannot weigh the reports on comment {comment_id}"))
    }

    /// Records a sanction and logs it; a ban may reject the pending comments too.
    /// Refused when it would sanction the last admin in good standing.
    async fn insert_sanction(
        &self,
        new: SanctionInsert<'_>,
    ) -> anyhow::Result<Result<Sanction, LastAdmin>> {
        let mut tx = self.begin_write().await?;
        if role_in(&mut tx, new.account_id)
            .await
            .with_context(|| format!("cannot sanction account {}", new.account_id))?
            == Some(Role::Admin)
            && other_active_admins(&mut tx, new.account_id, new.now)
                .await
                .with_context(|| format!("cannot sanction account {}", new.account_id))?
                == 0
        {
            return Ok(Err(LastAdmin));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sanctions (account_id, kind, until, reason, moderator_id, created_at)
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(new.account_id)
        .bind(new.kind.as_str())
        .bind(new.until.map(to_millis))
        .bind(new.reason)
        .bind(new.moderator_id)
        .bind(to_millis(new.now))
        .fetch_one(&mut *tx)
        .await
        .with_context(|| format!("cannot sanction account {}", new.account_id))?;
        append_log(
            &mut tx,
            &LogLine {
                actor: new.moderator_id,
                action: new.kind.into(),
                target: Target::User(new.account_id),
                reason: Some(new.reason),
                note: None,
                at: new.now,
            },
        )
        .await
        .with_context(|| format!("cannot sanction account {}", new.account_id))?;
        if new.reject_pending && new.kind == SanctionKind::Ban {
            self.reject_pending_of(&mut tx, new.account_id, new.moderator_id, new.now)
                .await
                .with_context(|| format!("cannot sanction account {}", new.account_id))?;
        }
        let sanction = Sanction {
            id,
            account_id: new.account_id,
            kind: new.kind,
            until: new.until,
            reason: new.reason.to_owned(),
            created_at: new.now,
        };
        self.outbox
            .sanction_event(&mut tx, &sanction)
            .await
            .with_context(|| format!("cannot sanction account {}", new.account_id))?;
        self.commit(tx).await?;
        self.memo.sanctions.invalidate();
        Ok(Ok(sanction))
    }

    /// Lifts every sanction in force; `false` when there was none.
    async fn lift_sanctions(
        &self,
        account_id: AccountId,
        moderator_id: AccountId,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        let mut tx = self.begin_write().await?;
        let lifted = sqlx::query(
            "UPDATE sanctions SET lifted_at = ?1, lifted_by = ?2
             WHERE account_id = ?3 AND lifted_at IS NULL AND (until IS NULL OR until > ?1)",
        )
        .bind(to_millis(now))
        .bind(moderator_id)
        .bind(account_id)
        .execute(&mut *tx)
        .await
        .with_context(|| format!("cannot lift the sanctions on account {account_id}"))?
        .rows_affected();
        if lifted == 0 {
            return Ok(false);
        }
        append_log(
            &mut tx,
            &LogLine {
                actor: Some(moderator_id),
                action: LogAction::Lift,
                target: Target::User(account_id),
                reason: None,
                note: None,
                at: now,
            },
        )
        .await
        .with_context(|| format!("cannot lift the sanctions on account {account_id}"))?;
        self.commit(tx).await?;
        self.memo.sanctions.invalidate();
        Ok(true)
    }

    /// Changes an account's role and logs it; `None` when there is no such
    /// account. Refused when it would demote the last admin in good standing,
    /// checked inside the write so two admins demoting each other at once
    /// cannot both pass.
    async fn set_role(
        &self,
        change: RoleChange,
    ) -> anyhow::Result<Option<Result<User, LastAdmin>>> {
        let RoleChange {
            account_id,
            role,
            admin_id,
            now,
        } = change;
        let mut tx = self.begin_write().await?;
        if role != Role::Admin
            && role_in(&mut tx, account_id)
                .await
                .with_context(|| format!("cannot change the role of account {account_id}"))?
                == Some(Role::Admin)
            && other_active_admins(&mut tx, account_id, now)
                .await
                .with_context(|| format!("cannot change the role of account {account_id}"))?
                == 0
        {
            return Ok(Some(Err(LastAdmin)));
        }
        let row = sqlx::query_as::<_, AccountRow>(
            "UPDATE accounts SET role = ? WHERE id = ? RETURNING id, email, display_name, role",
        )
        .bind(role.as_str())
        .bind(account_id)
        .fetch_optional(&mut *tx)
        .await
        .with_context(|| format!("cannot change the role of account {account_id}"))?;
        let Some(row) = row else {
            return Ok(None);
        };
        append_log(
            &mut tx,
            &LogLine {
                actor: Some(admin_id),
                action: LogAction::RoleChanged,
                target: Target::User(account_id),
                reason: Some(role.as_str()),
                note: None,
                at: now,
            },
        )
        .await
        .with_context(|| format!("cannot change the role of account {account_id}"))?;
        self.commit(tx).await?;
        self.memo.sessions.invalidate();
        Ok(Some(Ok(row.into_user())))
    }

    /// The log, newest first.
    async fn log_page(
        &self,
        before: Option<i64>,
        limit: usize,
    ) -> anyhow::Result<CommentPage<LogEntry>> {
        let rows = sqlx::query_as::<_, LogRow>(
            "SELECT l.id, l.at, l.actor_id, a.display_name AS actor_name, l.action,
                    l.target_type, l.target_id, l.reason, l.note
             FROM moderation_log l LEFT JOIN accounts a ON a.id = l.actor_id
             WHERE l.id < ? ORDER BY l.id DESC LIMIT ?",
        )
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit as i64 + 1)
        .fetch_all(&self.read)
        .await
        .context("cannot load the moderation log")?;
        Ok(log_entries(rows, limit))
    }

    async fn append_log(&self, line: &LogLine<'_>) -> anyhow::Result<()> {
        let mut tx = self.begin_write().await?;
        append_log(&mut tx, line)
            .await
            .context("cannot append to the moderation log")?;
        self.commit(tx).await
    }
}

/// The reads behind one page of a queue: one query each, whatever its length.
impl SqliteStore {
    async fn queue_comments(&self, q: &QueueQuery<'_>) -> anyhow::Result<CommentPage<Comment>> {
        let filter = queue_filter(q.state);
        let sql = format!(
            "SELECT {COMMENT_COLUMNS} {FROM_COMMENTS}
             WHERE {filter} AND c.id > ?4 ORDER BY c.id LIMIT ?5"
        );
        let rows = sqlx::query_as::<_, CommentRow>(&sql)
            .bind(q.article_id)
            .bind(q.rule)
            .bind(q.reported_at)
            .bind(q.after.unwrap_or(0))
            .bind(q.limit as i64 + 1)
            .fetch_all(&self.read)
            .await
            .context("cannot load a review queue")?;
        let page = split_page(rows, q.limit, |r| r.id.get());
        Ok(CommentPage {
            items: page.items.into_iter().map(Comment::from).collect(),
            next_after: page.next_after,
            next_cut: None,
        })
    }

    async fn comments_by_id(
        &self,
        ids: &[CommentId],
    ) -> anyhow::Result<HashMap<CommentId, Comment>> {
        let sql = format!(
            "SELECT {COMMENT_COLUMNS} {FROM_COMMENTS}
             WHERE c.id IN (SELECT value FROM json_each(?))"
        );
        let rows = sqlx::query_as::<_, CommentRow>(&sql)
            .bind(serde_json::to_string(ids)?)
            .fetch_all(&self.read)
            .await
            .context("cannot load the comments a queue's replies answer")?;
        Ok(rows.into_iter().map(|r| (r.id, Comment::from(r))).collect())
    }

    /// The open reports of these comments, oldest first.
    async fn open_reports(
        &self,
        comment_ids: &[CommentId],
    ) -> anyhow::Result<HashMap<CommentId, Vec<Report>>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            comment_id: CommentId,
            reason: String,
            note: Option<String>,
            reporter_id: AccountId,
            reporter_name: String,
            body: String,
            created_at: i64,
        }
        let rows = sqlx::query_as::<_, Row>(
            "SELECT r.id, r.comment_id, r.reason, r.note, r.reporter_id,
                    a.display_name AS reporter_name, r.body, r.created_at
             FROM reports r JOIN accounts a ON a.id = r.reporter_id
             WHERE r.comment_id IN (SELECT value FROM json_each(?)) AND r.resolved_at IS NULL
             ORDER BY r.id",
        )
        .bind(serde_json::to_string(comment_ids)?)
        .fetch_all(&self.read)
        .await
        .context("cannot load the open reports of a queue")?;
        let mut reports: HashMap<CommentId, Vec<Report>> = HashMap::new();
        for r in rows {
            reports.entry(r.comment_id).or_default().push(Report {
                id: r.id,
                comment_id: r.comment_id,
                reason: r.reason,
                note: r.note,
                reporter_id: r.reporter_id,
                reporter_name: r.reporter_name,
                body: r.body,
                created_at: from_millis(r.created_at),
            });
        }
        Ok(reports)
    }

    /// The reasons held comments carry: (code, start, end) in code points, and detail.
    async fn reasons_of(
        &self,
        comment_ids: &[CommentId],
    ) -> anyhow::Result<HashMap<CommentId, Vec<StoredReason>>> {
        let rows: Vec<(CommentId, String, i64, i64, Option<String>)> = sqlx::query_as(
            "SELECT comment_id, code, start, end, detail FROM comment_reasons
             WHERE comment_id IN (SELECT value FROM json_each(?)) ORDER BY rowid",
        )
        .bind(serde_json::to_string(comment_ids)?)
        .fetch_all(&self.read)
        .await
        .context("cannot load the reasons of a queue's comments")?;
        let mut reasons: HashMap<CommentId, Vec<StoredReason>> = HashMap::new();
        for (comment_id, code, start, end, detail) in rows {
            reasons
                .entry(comment_id)
                .or_default()
                .push((code, start, end, detail));
        }
        Ok(reasons)
    }

    /// Per comment, its reactions from accounts under a day old at the time.
    async fn fresh_reactions(
        &self,
        comment_ids: &[CommentId],
    ) -> anyhow::Result<HashMap<CommentId, i64>> {
        let rows: Vec<(CommentId, i64)> = sqlx::query_as(
            "SELECT r.comment_id, count(*) FROM reactions r JOIN accounts a ON a.id = r.account_id
             WHERE r.comment_id IN (SELECT value FROM json_each(?))
               AND a.created_at > r.created_at - 86400000
             GROUP BY r.comment_id",
        )
        .bind(serde_json::to_string(comment_ids)?)
        .fetch_all(&self.read)
        .await
        .context("cannot count a queue's reactions from new accounts")?;
        Ok(rows.into_iter().collect())
    }

    /// Each author's counts, account age, ways in and sanction in force:
    /// three queries for all of them.
    async fn author_records(
        &self,
        account_ids: &[AccountId],
        now: DateTime<Utc>,
    ) -> anyhow::Result<HashMap<AccountId, AuthorRecord>> {
        let ids = serde_json::to_string(account_ids)?;
        let rows: Vec<(AccountId, String, i64, i64, i64)> = sqlx::query_as(
            "SELECT a.id, a.display_name,
                (SELECT count(*) FROM comments WHERE author_id = a.id AND status = 'published'),
                (SELECT count(*) FROM comments WHERE author_id = a.id AND status = 'rejected'),
                a.created_at
             FROM accounts a WHERE a.id IN (SELECT value FROM json_each(?))",
        )
        .bind(&ids)
        .fetch_all(&self.read)
        .await
        .context("cannot load the authors of a queue")?;
        let mut sanctions = self.sanctions_in_force(&ids, now).await?;
        let mut providers = self.providers_of(&ids).await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, display_name, published_count, rejected_count, created_at)| {
                    let record = AuthorRecord {
                        id,
                        display_name,
                        published_count,
                        rejected_count,
                        sanction: sanctions.remove(&id),
                        created_at: from_millis(created_at),
                        providers: providers.remove(&id).unwrap_or_default(),
                    };
                    (id, record)
                },
            )
            .collect())
    }

    /// The sanction in force on each account of the JSON array `ids`, chosen
    /// as `sanction_in_force` chooses: a ban before a suspension, then the latest.
    async fn sanctions_in_force(
        &self,
        ids: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<HashMap<AccountId, Sanction>> {
        let rows = sqlx::query_as::<_, SanctionRow>(
            "SELECT id, account_id, kind, until, reason, created_at FROM sanctions
             WHERE account_id IN (SELECT value FROM json_each(?1))
               AND lifted_at IS NULL AND (until IS NULL OR until > ?2)
             ORDER BY kind = 'ban' DESC, id DESC",
        )
        .bind(ids)
        .bind(to_millis(now))
        .fetch_all(&self.read)
        .await
        .context("cannot load the sanctions of a queue's authors")?;
        let mut in_force = HashMap::new();
        for row in rows {
            in_force
                .entry(row.account_id)
                .or_insert_with(|| Sanction::from(row));
        }
        Ok(in_force)
    }
}

/// The comments of one queue, as a condition on `c` with its filters: `?1`
/// the editorial (or NULL), `?2` a rule code among its reasons (or NULL), `?3`
/// the weight of open reports that puts a comment in the reported queue.
/// The queue pages and the desk's counts share it, so they always agree.
pub(super) fn queue_filter(state: QueueState) -> String {
    let queue = match state {
        QueueState::Pending => "c.status = 'pending'",
        QueueState::Reported => {
            "c.open_reports > 0 AND c.status IN ('published', 'pending')
             AND (SELECT sum(r.weight) FROM reports r
                  WHERE r.comment_id = c.id AND r.resolved_at IS NULL) >= ?3"
        }
        QueueState::Rejected => "c.status = 'rejected'",
        QueueState::Featured => "c.featured = 1 AND c.status = 'published'",
    };
    format!(
        "{queue} AND (?1 IS NULL OR c.article_id = ?1)
         AND (?2 IS NULL OR EXISTS (SELECT 1 FROM comment_reasons cr
                                    WHERE cr.comment_id = c.id AND cr.code = ?2))"
    )
}

/// `comment.decided`, then what the decision made of the comment: an
/// approval also publishes it, a deletion also deletes it.
async fn decision_events(
    outbox: &super::outbox::Outbox,
    tx: &mut SqliteConnection,
    action: DecisionAction,
    after: &Comment,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    outbox
        .comment_event(tx, EventType::CommentDecided, after, now)
        .await?;
    let then = match action {
        DecisionAction::Approve => Some(EventType::CommentPublished),
        DecisionAction::Delete => Some(EventType::CommentDeleted),
        DecisionAction::Reject => None,
    };
    if let Some(kind) = then {
        outbox.comment_event(tx, kind, after, now).await?;
    }
    Ok(())
}

async fn role_in(tx: &mut SqliteConnection, account_id: AccountId) -> sqlx::Result<Option<Role>> {
    let role: Option<String> = sqlx::query_scalar("SELECT role FROM accounts WHERE id = ?")
        .bind(account_id)
        .fetch_optional(tx)
        .await?;
    Ok(role.as_deref().and_then(Role::parse))
}

/// Admins other than `except` with no sanction in force: the desk must keep one.
pub(super) async fn other_active_admins(
    tx: &mut SqliteConnection,
    except: AccountId,
    now: DateTime<Utc>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM accounts a
         WHERE a.role = 'admin' AND a.id <> ?1 AND NOT EXISTS (
             SELECT 1 FROM sanctions s WHERE s.account_id = a.id AND s.lifted_at IS NULL
               AND (s.until IS NULL OR s.until > ?2))",
    )
    .bind(except)
    .bind(to_millis(now))
    .fetch_one(tx)
    .await
}

impl SqliteStore {
    /// A ban's clearing of the queue: each pending comment rejected, logged,
    /// and reported to webhooks as a moderator's rejection would be.
    async fn reject_pending_of(
        &self,
        tx: &mut Transaction<'static, Sqlite>,
        account_id: AccountId,
        moderator_id: Option<AccountId>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let ids: Vec<CommentId> = sqlx::query_scalar(
            "UPDATE comments SET status = 'rejected', version = version + 1, settled = 1
             WHERE author_id = ? AND status = 'pending' RETURNING id",
        )
        .bind(account_id)
        .fetch_all(&mut **tx)
        .await?;
        for id in ids {
            append_log(
                tx,
                &LogLine {
                    actor: moderator_id,
                    action: LogAction::Reject,
                    target: Target::Comment(id),
                    reason: Some("other"),
                    note: Some("account banned"),
                    at: now,
                },
            )
            .await?;
            self.outbox
                .comment_event_by_id(tx, EventType::CommentDecided, id, now)
                .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::policy::{Action, Finding, RuleCode};
    use crate::storage::accounts::{AccountInsert, AccountStore};
    use crate::storage::comments::{CommentInsert, CommentStore, Inserted};
    use crate::storage::policy::PolicyStore;

    async fn reader(store: &SqliteStore, n: usize) -> User {
        let email = format!("r{n}@news.example");
        let name = format!("독자{n}");
        let new = AccountInsert {
            email: Some(&email),
            display_name: &name,
            password_hash: Some("x"),
            role: Role::Reader,
            now: Utc::now(),
        };
        store.insert_account(new).await.unwrap().unwrap()
    }

    async fn post(
        store: &SqliteStore,
        author: &User,
        parent: Option<CommentId>,
        held: bool,
    ) -> CommentId {
        let body = format!("글 {} {parent:?} {held}", rand::random::<u64>());
        let reasons = held.then(|| Finding {
            code: RuleCode::Link,
            action: Action::Hold,
            start: 0,
            end: 1,
            matched: String::new(),
        });
        let new = CommentInsert {
            article_id: "putin-gorbachev-path".into(),
            parent_id: parent,
            author_id: author.id,
            author_name: author.display_name.clone(),
            length: body.chars().count(),
            body,
            status: if held {
                Status::Pending
            } else {
                Status::Published
            },
            fingerprint: rand::random(),
            reasons: reasons.into_iter().collect(),
            now: Utc::now(),
            repeat_since: None,
            quota: None,
            answers: None,
        };
        match store.insert_comment(new).await.unwrap() {
            Inserted::Stored(c) => c.id,
            other => panic!("not stored: {other:?}"),
        }
    }

    /// A page of 50 is read in a fixed number of queries; what each item
    /// carries is what the one-comment reads answer for it.
    #[tokio::test]
    async fn a_queue_of_fifty_carries_each_items_parent_reasons_reports_and_author() {
        let (_dir, store) = crate::storage::sqlite::temp_store().await;
        crate::articles::seed::seed_demo_editorials(&store)
            .await
            .unwrap();
        let authors = [reader(&store, 1).await, reader(&store, 2).await];
        let reporter = reader(&store, 3).await;
        let top = post(&store, &authors[0], None, false).await;
        let mut held = Vec::new();
        for n in 0..50 {
            let parent = (n % 2 == 0).then_some(top);
            held.push(post(&store, &authors[n % 2], parent, true).await);
        }
        for &id in held.iter().step_by(3) {
            let report = ReportInsert {
                comment_id: id,
                reporter_id: reporter.id,
                reason: "spam",
                note: Some("광고"),
                now: Utc::now(),
                weight: 1,
                hide_at: 100,
            };
            assert!(store.insert_report(report).await.unwrap());
        }
        let suspension = SanctionInsert {
            account_id: authors[1].id,
            kind: SanctionKind::Suspend,
            until: Some(Utc::now() + chrono::Duration::days(1)),
            reason: "spam",
            moderator_id: None,
            reject_pending: false,
            now: Utc::now(),
        };
        store.insert_sanction(suspension).await.unwrap().unwrap();

        let query = QueueQuery {
            state: QueueState::Pending,
            article_id: None,
            rule: None,
            reported_at: 1,
            after: None,
            limit: 50,
        };
        let page = store.queue(&query).await.unwrap();

        assert_eq!(page.next_after, None);
        let ids: Vec<CommentId> = page.items.iter().map(|e| e.comment.id).collect();
        assert_eq!(ids, held);
        for (n, entry) in page.items.iter().enumerate() {
            let id = entry.comment.id;
            let parent = entry.parent.as_ref().map(|p| p.id);
            assert_eq!(parent, (n % 2 == 0).then_some(top), "parent of {id}");
            let reasons = store.comment_reasons(id).await.unwrap();
            assert_eq!(entry.reasons, reasons, "reasons of {id}");
            assert_eq!(
                entry.reports.len(),
                usize::from(n % 3 == 0),
                "reports of {id}"
            );
            assert_eq!(
                entry.article.id, "putin-gorbachev-path",
                "editorial of {id}"
            );
            assert!(!entry.article.title.is_empty(), "title of {id}");
            let author = &authors[n % 2];
            assert_eq!(entry.author.id, author.id, "author of {id}");
            assert_eq!(entry.author.providers, ["password"], "ways in of {id}");
            assert_eq!(entry.author.published_count, i64::from(n % 2 == 0));
            let sanction = store
                .sanction_in_force(author.id, Utc::now())
                .await
                .unwrap();
            assert_eq!(
                entry.author.sanction.as_ref().map(|s| s.id),
                sanction.map(|s| s.id),
                "sanction of {}",
                author.id
            );
        }
        assert!(page.items[1].author.sanction.is_some());
    }

    fn comment(status: Status, edited: bool) -> Comment {
        Comment {
            id: CommentId::new(1),
            article_id: "a".into(),
            parent_id: None,
            author_id: AccountId::new(2),
            author_name: "독자".into(),
            body: "text".into(),
            length: 4,
            status,
            reply_count: 0,
            created_at: Utc::now(),
            edited_at: edited.then(Utc::now),
            hidden: false,
            version: 3,
            likes: 0,
            dislikes: 0,
            featured: false,
            my_reaction: None,
        }
    }

    #[test]
    fn a_decision_applies_to_the_version_it_names_or_to_what_awaits_review() {
        use DecisionAction::{Approve, Delete, Reject};
        use Status::{Pending, Published, Rejected};
        let fresh = Review {
            open_reports: 0,
            settled: false,
        };
        let settled = Review {
            open_reports: 0,
            settled: true,
        };
        let reported = Review {
            open_reports: 2,
            settled: true,
        };
        #[rustfmt::skip]
        let cases = [
            (Approve, DecidedOn::Unnamed, Pending, false, &fresh, true, "a held comment"),
            (Reject, DecidedOn::Unnamed, Published, false, &fresh, true, "published by the policy"),
            (Reject, DecidedOn::Unnamed, Published, false, &settled, false, "overturning an approval"),
            (Approve, DecidedOn::Unnamed, Rejected, false, &settled, false, "overturning a rejection"),
            (Reject, DecidedOn::Unnamed, Published, false, &reported, true, "reported since approval"),
            (Approve, DecidedOn::Unnamed, Pending, true, &fresh, false, "edited text, unseen"),
            (Approve, DecidedOn::Version(3), Pending, true, &fresh, true, "edited text, seen"),
            (Approve, DecidedOn::Version(3), Rejected, false, &settled, true, "overturning, named"),
            (Approve, DecidedOn::Version(2), Pending, false, &fresh, false, "an older version"),
            (Approve, DecidedOn::Version(3), Published, false, &fresh, false, "nothing to change"),
            (Delete, DecidedOn::Anything, Published, true, &settled, true, "removal, whatever it is"),
        ];
        for (action, on, status, edited, review, expected, why) in cases {
            let c = comment(status, edited);
            assert_eq!(applies(action, on, &c, review), expected, "{why}");
        }
    }
}
