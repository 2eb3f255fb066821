//! The moderator desk's service: the queues' counts, an account's file, its
//! comments and log, moderators' notes on it, and undoing a decision.

use std::sync::Arc;

use chrono::Utc;

use crate::config::Settings;
use crate::domain::accounts::User;
use crate::domain::articles::ArticleId;
use crate::domain::comments::{Comment, Status};
use crate::domain::desk::{AccountFile, AccountNote, AuthorComment, QueueCounts};
use crate::domain::events::{Change, EventKind, EventState};
use crate::domain::ids::{AccountId, CommentId};
use crate::domain::moderation::{LogEntry, ModerationError};
use crate::domain::paging::Paging;
use crate::domain::policy::{FloodLimit, RuleCode};
use crate::moderation::events::EventHub;
use crate::moderation::service::{ORDINARY_REPORT, parse_note};
use crate::rate_limit::Throttle;
use crate::storage::{CommentPage, CountsQuery, NoAccount, NoteWrite, Store, UndoWrite, Undone};
use crate::telemetry::metrics;

#[derive(Clone)]
pub struct Desk {
    store: Arc<dyn Store>,
    /// An undo puts a comment back where the desks can see it.
    events: Arc<EventHub>,
    /// The weight of open reports that puts a comment in the reported queue.
    reported_at: i64,
    /// How long a moderator may take back their decision (`UNDO_WINDOW`).
    undo_window: chrono::Duration,
    /// Notes per moderator (with `RATE_LIMITS`): each is a log line, and a
    /// runaway script or a stolen session must not bury the log in them.
    notes: Arc<Throttle<AccountId>>,
}

/// Far more notes than a person writes, far fewer than a script.
const NOTE_LIMIT: FloodLimit = FloodLimit {
    count: 30,
    per: std::time::Duration::from_secs(60),
};

/// What the desks hear of an undo: a comment back in review is `queued`;
/// one back in the listing (its reports open again) is `decided` as it is now.
fn undo_event(comment: &Comment) -> Change {
    match comment.status {
        Status::Pending => Change::comment(
            EventKind::Queued,
            comment,
            EventState::Comment(Status::Pending),
        ),
        status => Change::comment(EventKind::Decided, comment, EventState::Comment(status)),
    }
}

fn parse_user_id(raw: &str) -> Result<AccountId, ModerationError> {
    AccountId::parse(raw).ok_or(ModerationError::UserNotFound)
}

impl Desk {
    pub fn new(store: Arc<dyn Store>, events: Arc<EventHub>, settings: &Settings) -> Desk {
        Desk {
            store: store.clone(),
            events,
            reported_at: i64::from(settings.reports_to_queue) * ORDINARY_REPORT,
            undo_window: chrono::Duration::from_std(settings.undo_window)
                .unwrap_or(chrono::Duration::MAX),
            notes: Arc::new(Throttle::new(
                settings.rate_limits,
                store.clone(),
                "note:",
                NOTE_LIMIT,
            )),
        }
    }

    /// How many comments each queue holds, under the queue's own filters.
    pub async fn counts(
        &self,
        article_id: Option<&ArticleId>,
        rule: Option<RuleCode>,
    ) -> Result<QueueCounts, ModerationError> {
        let query = CountsQuery {
            article_id: article_id.map(ArticleId::as_str),
            rule: rule.map(RuleCode::as_str),
            reported_at: self.reported_at,
        };
        Ok(self.store.queue_counts(&query).await?)
    }

    /// Counts the pending and reported queues for the metrics; a failure
    /// is logged and the gauges keep their last values.
    pub async fn record_queue_depths(&self) {
        match self.counts(None, None).await {
            Ok(counts) => metrics::queue_depths(counts.pending, counts.reported),
            Err(error) => tracing::warn!(%error, "cannot count the queues for the metrics"),
        }
    }

    /// An account with its record, every sanction and the moderators' note.
    pub async fn account_file(&self, raw_user_id: &str) -> Result<AccountFile, ModerationError> {
        let id = parse_user_id(raw_user_id)?;
        self.store
            .account_file(id)
            .await?
            .ok_or(ModerationError::UserNotFound)
    }

    /// An author's comments across editorials, in every state, newest first.
    pub async fn author_comments(
        &self,
        raw_user_id: &str,
        paging: Paging,
    ) -> Result<CommentPage<AuthorComment>, ModerationError> {
        let id = parse_user_id(raw_user_id)?;
        if self.store.account(id).await?.is_none() {
            return Err(ModerationError::UserNotFound);
        }
        Ok(self.store.all_comments_of(id, &paging).await?)
    }

    /// The log about one account: about it, or about a comment it wrote.
    pub async fn log_about(
        &self,
        account_id: AccountId,
        paging: Paging,
    ) -> Result<CommentPage<LogEntry>, ModerationError> {
        Ok(self
            .store
            .log_about(account_id, paging.after, paging.limit)
            .await?)
    }

    /// Sets the moderators' note on an account, or clears it with an empty
    /// text; the text rule and `NOTE_MAX` as every note. Logged as `note`;
    /// at most `NOTE_LIMIT` a moderator.
    pub async fn set_note(
        &self,
        moderator: &User,
        raw_user_id: &str,
        raw_note: &str,
    ) -> Result<Option<AccountNote>, ModerationError> {
        let id = parse_user_id(raw_user_id)?;
        let text = parse_note(Some(raw_note))?;
        self.notes
            .check(moderator.id)
            .await?
            .map_err(|retry_after| ModerationError::RateLimited { retry_after })?;
        let write = NoteWrite {
            account_id: id,
            text: text.as_deref(),
            moderator_id: moderator.id,
            now: Utc::now(),
        };
        let note = self
            .store
            .set_note(write)
            .await?
            .map_err(|NoAccount| ModerationError::UserNotFound)?;
        tracing::info!(
            user_id = id.get(),
            moderator_id = moderator.id.get(),
            cleared = note.is_none(),
            "note set"
        );
        Ok(note)
    }

    /// Takes back the caller's own latest decision on a comment, within
    /// `UNDO_WINDOW` and while nothing else changed the comment.
    pub async fn undo(&self, moderator: &User, raw_id: &str) -> Result<Comment, ModerationError> {
        let id = CommentId::parse(raw_id).ok_or(ModerationError::CommentNotFound)?;
        let now = Utc::now();
        let write = UndoWrite {
            comment_id: id,
            moderator_id: moderator.id,
            decided_since: now - self.undo_window,
            now,
        };
        match self.store.undo(write).await? {
            Undone::Done(comment) => {
                tracing::info!(
                    comment_id = id.get(),
                    moderator_id = moderator.id.get(),
                    status = comment.status.as_str(),
                    "decision undone"
                );
                self.events.publish(undo_event(&comment));
                Ok(comment)
            }
            Undone::Unavailable => Err(ModerationError::UndoUnavailable),
            Undone::Missing => Err(ModerationError::CommentNotFound),
        }
    }
}
