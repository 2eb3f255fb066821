//! Moderation: review queues, decisions, reader reports, sanctions and the
//! append-only log of everything moderators and the policy did.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::comments::{Comment, LastAction};
use crate::domain::ids::{AccountId, CommentId};
use crate::domain::message::{Text, Violation};
use crate::domain::refusal::{Details, INTERNAL, Refusal};

/// The longest note on a decision or report, and the longest sanction
/// reason, in code points after the text rule.
pub const NOTE_MAX: usize = 500;

/// The longest note a request may carry before the text rule: the rule can
/// shorten text (decomposed Hangul composes, invisible characters go), so the
/// limit proper is checked after it, against `NOTE_MAX`.
pub const NOTE_RAW_MAX: u64 = 4 * NOTE_MAX as u64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SanctionKind {
    Suspend,
    Ban,
}

impl SanctionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SanctionKind::Suspend => "suspend",
            SanctionKind::Ban => "ban",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sanction {
    pub id: i64,
    pub account_id: AccountId,
    pub kind: SanctionKind,
    /// The end of a suspension; `None` for a ban.
    pub until: Option<DateTime<Utc>>,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

/// Why a reader reports a comment, and why a moderator rejects one: one list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Spam,
    Abuse,
    Hate,
    PersonalInformation,
    OffTopic,
    Other,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Spam => "spam",
            Reason::Abuse => "abuse",
            Reason::Hate => "hate",
            Reason::PersonalInformation => "personal_information",
            Reason::OffTopic => "off_topic",
            Reason::Other => "other",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionAction {
    Approve,
    Reject,
    Delete,
}

impl DecisionAction {
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionAction::Approve => "approve",
            DecisionAction::Reject => "reject",
            DecisionAction::Delete => "delete",
        }
    }
}

/// What a decision was made on, which says when it still applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecidedOn {
    /// The version of the comment the moderator saw: it applies to that
    /// version only, so exactly one decision wins per version.
    Version(i64),
    /// No version named: it applies to the comment as it is, but never to
    /// edited text (which the moderator may not have seen) and never
    /// overturns another moderator's decision.
    Unnamed,
    /// A moderator removing a comment outright (`DELETE /comments/{id}`):
    /// removal is safe whatever the comment has become.
    Anything,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueState {
    Pending,
    Reported,
    Rejected,
    /// Editors' picks, published and featured.
    Featured,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub id: i64,
    pub comment_id: CommentId,
    pub reason: String,
    pub note: Option<String>,
    pub reporter_id: AccountId,
    pub reporter_name: String,
    /// The text the report was filed against.
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// An author's record as moderators see it beside a comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorRecord {
    pub id: AccountId,
    pub display_name: String,
    pub published_count: i64,
    pub rejected_count: i64,
    pub sanction: Option<Sanction>,
    /// When the account was made.
    pub created_at: DateTime<Utc>,
    /// Its ways in: `password` for a local password, then each provider's id.
    pub providers: Vec<String>,
}

/// What an entry of the log is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Comment(CommentId),
    User(AccountId),
    Article(String),
}

impl Target {
    pub fn kind(&self) -> &'static str {
        match self {
            Target::Comment(_) => "comment",
            Target::User(_) => "user",
            Target::Article(_) => "article",
        }
    }

    pub fn id(&self) -> String {
        match self {
            Target::Comment(id) => id.to_string(),
            Target::User(id) => id.to_string(),
            Target::Article(id) => id.clone(),
        }
    }
}

/// What a line of the moderation log records. The names are stored and
/// shown in `GET /moderation/log`, so they never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogAction {
    Hold,
    Refuse,
    Hide,
    Approve,
    Reject,
    Delete,
    Suspend,
    Ban,
    Lift,
    RoleChanged,
    ArticleCreated,
    ArticleUpdated,
    Feature,
    Unfeature,
    /// A moderator's note on an account was set or cleared.
    Note,
    /// A moderator took back their own decision.
    Undo,
    /// A reader erased their own account; the line keeps only its id.
    AccountErased,
}

impl LogAction {
    pub const ALL: [LogAction; 17] = [
        LogAction::Hold,
        LogAction::Refuse,
        LogAction::Hide,
        LogAction::Approve,
        LogAction::Reject,
        LogAction::Delete,
        LogAction::Suspend,
        LogAction::Ban,
        LogAction::Lift,
        LogAction::RoleChanged,
        LogAction::ArticleCreated,
        LogAction::ArticleUpdated,
        LogAction::Feature,
        LogAction::Unfeature,
        LogAction::Note,
        LogAction::Undo,
        LogAction::AccountErased,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LogAction::Hold => "hold",
            LogAction::Refuse => "refuse",
            LogAction::Hide => "hide",
            LogAction::Approve => "approve",
            LogAction::Reject => "reject",
            LogAction::Delete => "delete",
            LogAction::Suspend => "suspend",
            LogAction::Ban => "ban",
            LogAction::Lift => "lift",
            LogAction::RoleChanged => "role_changed",
            LogAction::ArticleCreated => "article_created",
            LogAction::ArticleUpdated => "article_updated",
            LogAction::Feature => "feature",
            LogAction::Unfeature => "unfeature",
            LogAction::Note => "note",
            LogAction::Undo => "undo",
            LogAction::AccountErased => "account_erased",
        }
    }

    pub fn parse(action: &str) -> Option<LogAction> {
        LogAction::ALL.into_iter().find(|a| a.as_str() == action)
    }
}

impl From<DecisionAction> for LogAction {
    fn from(action: DecisionAction) -> Self {
        match action {
            DecisionAction::Approve => LogAction::Approve,
            DecisionAction::Reject => LogAction::Reject,
            DecisionAction::Delete => LogAction::Delete,
        }
    }
}

impl From<SanctionKind> for LogAction {
    fn from(kind: SanctionKind) -> Self {
        match kind {
            SanctionKind::Suspend => LogAction::Suspend,
            SanctionKind::Ban => LogAction::Ban,
        }
    }
}

/// One line of the log, as it is written.
#[derive(Debug, Clone)]
pub struct LogLine<'a> {
    /// `None`: the standards policy acted on its own.
    pub actor: Option<AccountId>,
    pub action: LogAction,
    pub target: Target,
    pub reason: Option<&'a str>,
    pub note: Option<&'a str>,
    pub at: DateTime<Utc>,
}

/// One line of the log, as it is read.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: Option<(AccountId, String)>,
    /// As stored: a line written before an action was renamed still reads.
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub reason: Option<String>,
    pub note: Option<String>,
}

/// Why an account in a sanction may not write: it may read and log out only.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Barred {
    #[error("account suspended")]
    Suspended { until: Option<DateTime<Utc>> },
    #[error("account banned")]
    Banned,
}

impl Barred {
    pub fn by(sanction: &Sanction) -> Barred {
        match sanction.kind {
            SanctionKind::Ban => Barred::Banned,
            SanctionKind::Suspend => Barred::Suspended {
                until: sanction.until,
            },
        }
    }
}

impl Refusal for Barred {
    fn code(&self) -> &'static str {
        match self {
            Barred::Suspended { .. } => "account_suspended",
            Barred::Banned => "account_banned",
        }
    }

    fn details(&self) -> Details {
        match self {
            Barred::Suspended { until } => Details {
                until: *until,
                ..Details::default()
            },
            Barred::Banned => Details::default(),
        }
    }
}

/// Why a queue, a decision, a report, a sanction or a role change failed.
#[derive(Debug, thiserror::Error)]
pub enum ModerationError {
    #[error("comment not found")]
    CommentNotFound,
    #[error("user not found")]
    UserNotFound,
    #[error("sanction not found")]
    SanctionNotFound,
    /// Decided already, or changed since the version decided on: the
    /// comment as it is, and the latest action on it (none when nobody acted).
    #[error("already decided")]
    AlreadyDecided(Box<Comment>, Option<LastAction>),
    /// Nothing of the caller's to undo: not their latest decision on the
    /// comment, too late, or the comment changed since.
    #[error("undo unavailable")]
    UndoUnavailable,
    #[error("already reported")]
    AlreadyReported,
    /// Only a published comment can be an editor's pick.
    #[error("comment closed")]
    CommentClosed,
    #[error("own comment")]
    OwnComment,
    #[error("the last admin")]
    LastAdmin,
    /// Staff act on readers; only an admin on staff; nobody on themselves.
    #[error("not allowed")]
    Forbidden,
    #[error(transparent)]
    Barred(#[from] Barred),
    /// A field (a note, a reason, an end) that cannot be accepted.
    #[error("invalid request")]
    Invalid(Violation),
    #[error("rate limited")]
    RateLimited { retry_after: Duration },
    /// The caller's account went away during the request.
    #[error("session ended")]
    SessionEnded,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ModerationError {
    pub fn invalid(field: &str, en: &str, ko: &str) -> ModerationError {
        ModerationError::Invalid(Violation::new(field, en, ko))
    }
}

impl Refusal for ModerationError {
    fn code(&self) -> &'static str {
        match self {
            ModerationError::CommentNotFound => "comment_not_found",
            ModerationError::UserNotFound => "user_not_found",
            ModerationError::SanctionNotFound => "sanction_not_found",
            ModerationError::AlreadyDecided(..) => "already_decided",
            ModerationError::UndoUnavailable => "undo_unavailable",
            ModerationError::AlreadyReported => "already_reported",
            ModerationError::CommentClosed => "comment_closed",
            ModerationError::OwnComment => "own_comment",
            ModerationError::LastAdmin => "last_admin",
            ModerationError::Forbidden => "forbidden",
            ModerationError::Barred(barred) => barred.code(),
            ModerationError::Invalid(_) => "invalid_request",
            ModerationError::RateLimited { .. } => "rate_limited",
            ModerationError::SessionEnded => "unauthenticated",
            ModerationError::Internal(_) => INTERNAL,
        }
    }

    fn details(&self) -> Details {
        match self {
            ModerationError::AlreadyDecided(comment, last) => Details {
                comment: Some(comment.clone()),
                decided: Some(last.clone()),
                ..Details::default()
            },
            ModerationError::Barred(barred) => barred.details(),
            ModerationError::Invalid(v) => Details::violations(std::slice::from_ref(v)),
            ModerationError::RateLimited { retry_after } => Details::retry_after(*retry_after),
            ModerationError::CommentClosed => Details {
                detail: Some(Text::new(
                    "Only a published comment can be an editor's pick.",
                    "게시된 댓글만 편집자 추천으로 고를 수 있습니다.",
                )),
                ..Details::default()
            },
            _ => Details::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_log_action_round_trips() {
        for action in LogAction::ALL {
            assert_eq!(
                LogAction::parse(action.as_str()),
                Some(action),
                "{action:?}"
            );
        }
        assert_eq!(LogAction::parse("role changed"), None);
    }

    #[test]
    fn decisions_and_sanctions_log_under_their_own_names() {
        for action in [
            DecisionAction::Approve,
            DecisionAction::Reject,
            DecisionAction::Delete,
        ] {
            assert_eq!(LogAction::from(action).as_str(), action.as_str());
        }
        for kind in [SanctionKind::Suspend, SanctionKind::Ban] {
            assert_eq!(LogAction::from(kind).as_str(), kind.as_str());
        }
    }
}
