//! Readers' data rights: what a reader's download holds, how an account is
//! erased, and the errors of both (Korea's PIPA and the GDPR).

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::ids::AccountId;
use crate::domain::message::Text;
use crate::domain::refusal::{Details, INTERNAL, Refusal};

/// The name an erased account's comments and log lines are shown under.
pub const ERASED_NAME: &str = "탈퇴한 회원 (Former member)";

/// What becomes of an erased account's comments (`ACCOUNT_DELETION_COMMENTS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CommentsOnErasure {
    /// Each comment is deleted as its author would delete it: the text goes,
    /// a tombstone stays where replies hang below.
    #[default]
    Remove,
    /// The comments stay, shown under `ERASED_NAME`, tied to no person.
    Anonymize,
}

impl CommentsOnErasure {
    pub fn parse(value: &str) -> Option<CommentsOnErasure> {
        match value {
            "remove" => Some(CommentsOnErasure::Remove),
            "anonymize" => Some(CommentsOnErasure::Anonymize),
            _ => None,
        }
    }
}

/// One account's erasure, as storage carries it out.
#[derive(Debug, Clone, Copy)]
pub struct Erasure {
    pub account_id: AccountId,
    pub comments: CommentsOnErasure,
    pub now: DateTime<Utc>,
}

/// What an erasure did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Erased {
    Done {
        sessions_revoked: u64,
        comments_removed: u64,
        comments_anonymized: u64,
    },
    /// Already erased, or never there.
    Gone,
    /// The account is the last admin in good standing.
    LastAdmin,
}

#[derive(Debug, thiserror::Error)]
pub enum DataRightsError {
    #[error("wrong password")]
    WrongPassword,
    /// An account without a password deletes itself only from a session a
    /// provider signed in a few minutes ago.
    #[error("sign in again")]
    SignInAgain,
    #[error("the last admin")]
    LastAdmin,
    #[error("session ended")]
    Gone,
    #[error("too many exports")]
    TooManyExports { retry_after: Duration },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Refusal for DataRightsError {
    fn code(&self) -> &'static str {
        match self {
            DataRightsError::WrongPassword => "wrong_password",
            DataRightsError::SignInAgain => "reauthentication_required",
            DataRightsError::LastAdmin => "last_admin",
            DataRightsError::Gone => "unauthenticated",
            DataRightsError::TooManyExports { .. } => "rate_limited",
            DataRightsError::Internal(_) => INTERNAL,
        }
    }

    fn details(&self) -> Details {
        match self {
            DataRightsError::TooManyExports { retry_after } => Details {
                title: Some(Text::new(
                    "Too many downloads",
                    "내려받기를 너무 자주 했습니다",
                )),
                detail: Some(Text::new(
                    "Your data was downloaded several times lately. Try again later.",
                    "최근에 내 정보를 여러 번 내려받았습니다. 나중에 다시 시도해 주세요.",
                )),
                ..Details::retry_after(*retry_after)
            },
            _ => Details::default(),
        }
    }
}

/// The account itself, as its owner may see it.
#[derive(Debug, Clone, Serialize)]
pub struct ExportAccount {
    pub id: String,
    pub email: Option<String>,
    pub display_name: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
    pub has_password: bool,
    pub sign_in_ways: Vec<ExportIdentity>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportIdentity {
    pub provider: String,
    pub subject_hint: String,
    pub linked_at: DateTime<Utc>,
}

/// One of the reader's comments, whatever its status. Edits replace the text
/// and no earlier versions are kept, so there is no edit history to give.
#[derive(Debug, Clone, Serialize)]
pub struct ExportComment {
    pub id: String,
    pub article_id: String,
    pub article_title: String,
    pub parent_id: Option<String>,
    pub body: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub likes: i64,
    pub dislikes: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportReaction {
    pub comment_id: String,
    pub article_id: String,
    pub kind: String,
    pub created_at: DateTime<Utc>,
}

/// A report the reader filed. The reported text is another reader's, so it
/// is not part of this reader's download.
#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    pub id: String,
    pub comment_id: String,
    pub reason: String,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// A suspension or ban on the account; who imposed it stays with the newsroom.
#[derive(Debug, Clone, Serialize)]
pub struct ExportSanction {
    pub kind: String,
    pub reason: String,
    pub until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub lifted_at: Option<DateTime<Utc>>,
}

/// A session: when and how it began and was last used, never its token.
#[derive(Debug, Clone, Serialize)]
pub struct ExportSession {
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// `password`, or the provider's id.
    pub signed_in_with: String,
}
