//! Moderation: queues, decisions, reports, sanctions, roles and the log.
//!
//! Every change and its log line are written in one transaction, so the log
//! never misses an action and never records one that did not happen.

use chrono::{DateTime, Utc};
use sqlx::{Sqlite, SqliteConnection, Transaction};

use super::accounts::AccountRow;
use super::comments::{
    COMMENT_COLUMNS, CommentRow, FROM_COMMENTS, comment_in, count_published, count_thread,
};
use super::log::append_log;
use super::{CommentPage, Store, from_millis, to_millis};
use crate::domain::accounts::{Role, User};
use crate::domain::comments::{Comment, Status};
use crate::domain::moderation::{
    AuthorRecord, DecidedOn, DecisionAction, LogAction, LogEntry, LogLine, QueueState, Report,
    Sanction, SanctionKind, Target,
};

/// What a decision did.
#[derive(Debug)]
pub enum Decided {
    Done(Comment),
    /// The comment was already in the state the decision asks for.
    Unchanged(Comment),
    Missing,
}

/// A change to staff that would leave no admin in good standing.
#[derive(Debug, PartialEq, Eq)]
pub struct LastAdmin;

/// A moderator's decision on one comment.
pub struct DecisionWrite<'a> {
    pub comment_id: i64,
    pub action: DecisionAction,
    pub on: DecidedOn,
    pub moderator_id: i64,
    pub reason: Option<&'a str>,
    pub note: Option<&'a str>,
    pub now: DateTime<Utc>,
}

pub struct ReportInsert<'a> {
    pub comment_id: i64,
    pub reporter_id: i64,
    pub reason: &'a str,
    pub note: Option<&'a str>,
    pub now: DateTime<Utc>,
    /// What the report counts (see `moderation::report_weight`).
    pub weight: i64,
    /// The weight of open reports at which the comment is hidden until a
    /// moderator decides.
    pub hide_at: i64,
}

/// What a reporter's account and past reports say about their reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReporterRecord {
    pub created_at: DateTime<Utc>,
    /// Resolved reports whose comment moderators rejected or deleted.
    pub upheld: i64,
    /// Resolved reports whose comment moderators kept published.
    pub dismissed: i64,
}

pub struct SanctionInsert<'a> {
    pub account_id: i64,
    pub kind: SanctionKind,
    pub until: Option<DateTime<Utc>>,
    pub reason: &'a str,
    pub moderator_id: Option<i64>,
    /// With a ban: reject the account's pending comments too.
    pub reject_pending: bool,
    pub now: DateTime<Utc>,
}

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

impl Store {
    /// A page of a review queue, oldest first.
    pub async fn queue(
        &self,
        state: QueueState,
        article_id: Option<&str>,
        reported_at: i64,
        after: Option<i64>,
        limit: usize,
    ) -> anyhow::Result<CommentPage<Comment>> {
        let filter = match state {
            QueueState::Pending => "c.status = 'pending'",
            QueueState::Reported => {
                "c.open_reports > 0 AND c.status IN ('published', 'pending')
                 AND (SELECT sum(r.weight) FROM reports r
                      WHERE r.comment_id = c.id AND r.resolved_at IS NULL) >= ?4"
            }
            QueueState::Rejected => "c.status = 'rejected'",
        };
        let sql = format!(
            "SELECT {COMMENT_COLUMNS} {FROM_COMMENTS}
             WHERE {filter} AND (?1 IS NULL OR c.article_id = ?1) AND c.id > ?2
             ORDER BY c.id LIMIT ?3"
        );
        let mut rows = sqlx::query_as::<_, CommentRow>(&sql)
            .bind(article_id)
            .bind(after.unwrap_or(0))
            .bind(limit as i64 + 1)
            .bind(reported_at)
            .fetch_all(&self.read)
            .await?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let items: Vec<Comment> = rows.into_iter().map(Comment::from).collect();
        let next_after = if more {
            items.last().map(|c| c.id)
        } else {
            None
        };
        Ok(CommentPage { items, next_after })
    }

    /// The open reports of these comments, oldest first.
    pub async fn open_reports(&self, comment_ids: &[i64]) -> anyhow::Result<Vec<Report>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            comment_id: i64,
            reason: String,
            note: Option<String>,
            reporter_id: i64,
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
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| Report {
                id: r.id,
                comment_id: r.comment_id,
                reason: r.reason,
                note: r.note,
                reporter_id: r.reporter_id,
                reporter_name: r.reporter_name,
                body: r.body,
                created_at: from_millis(r.created_at),
            })
            .collect())
    }

    pub async fn author_record(
        &self,
        account_id: i64,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<AuthorRecord>> {
        let row: Option<(i64, String, i64, i64)> = sqlx::query_as(
            "SELECT a.id, a.display_name,
                (SELECT count(*) FROM comments WHERE author_id = a.id AND status = 'published'),
                (SELECT count(*) FROM comments WHERE author_id = a.id AND status = 'rejected')
             FROM accounts a WHERE a.id = ?",
        )
        .bind(account_id)
        .fetch_optional(&self.read)
        .await?;
        let Some((id, display_name, published_count, rejected_count)) = row else {
            return Ok(None);
        };
        Ok(Some(AuthorRecord {
            id,
            display_name,
            published_count,
            rejected_count,
            sanction: self.sanction_in_force(id, now).await?,
        }))
    }

    /// Applies a moderator's decision, resolves the comment's open reports and
    /// logs it, in one transaction; the first of two racing decisions wins,
    /// and the others find the comment changed (see [`DecidedOn`]).
    pub async fn decide(&self, d: DecisionWrite<'_>) -> anyhow::Result<Decided> {
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
        let Some(before) = comment_in(&mut tx, id).await? else {
            return Ok(Decided::Missing);
        };
        let (open_reports, settled): (i64, bool) =
            sqlx::query_as("SELECT open_reports, settled FROM comments WHERE id = ?")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
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
        .await?;
        let was_counted = before.status == Status::Published && !before.hidden;
        let is_counted = status == Status::Published;
        let delta = i64::from(is_counted) - i64::from(was_counted);
        if delta != 0 {
            count_published(&mut tx, &before.article_id, before.parent_id, delta).await?;
        }
        count_thread(&mut tx, &before, status, false).await?;
        sqlx::query(
            "UPDATE reports SET resolved_at = ? WHERE comment_id = ? AND resolved_at IS NULL",
        )
        .bind(to_millis(now))
        .bind(id)
        .execute(&mut *tx)
        .await?;
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
        .await?;
        let after = comment_in(&mut tx, id).await?.unwrap_or(before);
        self.commit(tx).await?;
        Ok(Decided::Done(after))
    }

    /// The reporter's account age and what became of their past reports;
    /// `None` for an unknown account.
    pub async fn reporter_record(&self, account_id: i64) -> anyhow::Result<Option<ReporterRecord>> {
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
        .await?;
        Ok(row.map(|(created_at, upheld, dismissed)| ReporterRecord {
            created_at: from_millis(created_at),
            upheld,
            dismissed,
        }))
    }

    /// Files a report; `false` when this reader already reported the comment.
    /// When the weight of its open reports reaches the hide threshold the
    /// comment leaves the public listing.
    pub async fn insert_report(&self, new: ReportInsert<'_>) -> anyhow::Result<bool> {
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
            Err(error) if super::is_unique_violation(&error) => return Ok(false),
            other => other?,
        };
        sqlx::query("UPDATE comments SET open_reports = open_reports + 1 WHERE id = ?")
            .bind(new.comment_id)
            .execute(&mut *tx)
            .await?;
        let open: i64 = sqlx::query_scalar(
            "SELECT ifnull(sum(weight), 0) FROM reports WHERE comment_id = ? AND resolved_at IS NULL",
        )
        .bind(new.comment_id)
        .fetch_one(&mut *tx)
        .await?;
        if let Some(c) = comment_in(&mut tx, new.comment_id).await?
            && open >= new.hide_at
            && c.status == Status::Published
            && !c.hidden
        {
            sqlx::query("UPDATE comments SET hidden = 1 WHERE id = ?")
                .bind(c.id)
                .execute(&mut *tx)
                .await?;
            count_published(&mut tx, &c.article_id, c.parent_id, -1).await?;
            count_thread(&mut tx, &c, c.status, true).await?;
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
            .await?;
        }
        self.commit(tx).await?;
        Ok(true)
    }

    /// Records a sanction and logs it; a ban may reject the pending comments too.
    /// Refused when it would sanction the last admin in good standing.
    pub async fn insert_sanction(
        &self,
        new: SanctionInsert<'_>,
    ) -> anyhow::Result<Result<Sanction, LastAdmin>> {
        let mut tx = self.begin_write().await?;
        if role_in(&mut tx, new.account_id).await? == Some(Role::Admin)
            && other_active_admins(&mut tx, new.account_id, new.now).await? == 0
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
        .await?;
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
        .await?;
        if new.reject_pending && new.kind == SanctionKind::Ban {
            reject_pending_of(&mut tx, new.account_id, new.moderator_id, new.now).await?;
        }
        self.commit(tx).await?;
        self.memo.sanctions.invalidate();
        Ok(Ok(Sanction {
            id,
            account_id: new.account_id,
            kind: new.kind,
            until: new.until,
            reason: new.reason.to_owned(),
            created_at: new.now,
        }))
    }

    /// Lifts every sanction in force; `false` when there was none.
    pub async fn lift_sanctions(
        &self,
        account_id: i64,
        moderator_id: i64,
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
        .await?
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
        .await?;
        self.commit(tx).await?;
        self.memo.sanctions.invalidate();
        Ok(true)
    }

    /// Changes an account's role and logs it; `None` when there is no such
    /// account. Refused when it would demote the last admin in good standing,
    /// checked inside the write so two admins demoting each other at once
    /// cannot both pass.
    pub async fn set_role(
        &self,
        account_id: i64,
        role: Role,
        admin_id: i64,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<Result<User, LastAdmin>>> {
        let mut tx = self.begin_write().await?;
        if role != Role::Admin
            && role_in(&mut tx, account_id).await? == Some(Role::Admin)
            && other_active_admins(&mut tx, account_id, now).await? == 0
        {
            return Ok(Some(Err(LastAdmin)));
        }
        let row = sqlx::query_as::<_, AccountRow>(
            "UPDATE accounts SET role = ? WHERE id = ? RETURNING id, email, display_name, role",
        )
        .bind(role.as_str())
        .bind(account_id)
        .fetch_optional(&mut *tx)
        .await?;
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
        .await?;
        self.commit(tx).await?;
        self.memo.sessions.invalidate();
        Ok(Some(Ok(row.into_user())))
    }

    /// The log, newest first.
    pub async fn log_page(
        &self,
        before: Option<i64>,
        limit: usize,
    ) -> anyhow::Result<CommentPage<LogEntry>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            at: i64,
            actor_id: Option<i64>,
            actor_name: Option<String>,
            action: String,
            target_type: String,
            target_id: String,
            reason: Option<String>,
            note: Option<String>,
        }
        let mut rows = sqlx::query_as::<_, Row>(
            "SELECT l.id, l.at, l.actor_id, a.display_name AS actor_name, l.action,
                    l.target_type, l.target_id, l.reason, l.note
             FROM moderation_log l LEFT JOIN accounts a ON a.id = l.actor_id
             WHERE l.id < ? ORDER BY l.id DESC LIMIT ?",
        )
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit as i64 + 1)
        .fetch_all(&self.read)
        .await?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let items: Vec<LogEntry> = rows
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
        let next_after = if more {
            items.last().map(|e| e.id)
        } else {
            None
        };
        Ok(CommentPage { items, next_after })
    }
}

async fn role_in(tx: &mut SqliteConnection, account_id: i64) -> sqlx::Result<Option<Role>> {
    let role: Option<String> = sqlx::query_scalar("SELECT role FROM accounts WHERE id = ?")
        .bind(account_id)
        .fetch_optional(tx)
        .await?;
    Ok(role.as_deref().and_then(Role::parse))
}

/// Admins other than `except` with no sanction in force: the desk must keep one.
async fn other_active_admins(
    tx: &mut SqliteConnection,
    except: i64,
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

async fn reject_pending_of(
    tx: &mut Transaction<'static, Sqlite>,
    account_id: i64,
    moderator_id: Option<i64>,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    let ids: Vec<i64> = sqlx::query_scalar(
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
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment(status: Status, edited: bool) -> Comment {
        Comment {
            id: 1,
            article_id: "a".into(),
            parent_id: None,
            author_id: 2,
            author_name: "독자".into(),
            body: "text".into(),
            length: 4,
            status,
            reply_count: 0,
            created_at: Utc::now(),
            edited_at: edited.then(Utc::now),
            hidden: false,
            version: 3,
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
