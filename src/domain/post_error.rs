//! `PostError`: why a comment could not be posted, edited, read or deleted.

use std::time::Duration;

use crate::domain::articles::ArticleError;
use crate::domain::body::BodyError;
use crate::domain::comments::Comment;
use crate::domain::message::Violation;
use crate::domain::moderation::Barred;
use crate::domain::quota::OverQuota;
use crate::domain::refusal::{Details, INTERNAL, Refusal};

#[derive(Debug, thiserror::Error)]
pub enum PostError {
    #[error(transparent)]
    Body(#[from] BodyError),
    #[error(transparent)]
    Barred(#[from] Barred),
    #[error("article not found")]
    ArticleNotFound,
    #[error("comments closed")]
    CommentsClosed,
    #[error("comment not found")]
    CommentNotFound,
    /// Someone else's comment the caller can see but not change.
    #[error("not the author")]
    NotTheAuthor,
    #[error("edit window closed")]
    EditWindowClosed,
    /// A moderator rejected the comment; the edit changed nothing.
    #[error("already decided")]
    AlreadyDecided(Box<Comment>),
    #[error("invalid parent")]
    InvalidParent,
    /// The parent, or its thread's first comment, is removed or awaits review.
    #[error("comment closed")]
    CommentClosed,
    #[error("policy violation")]
    PolicyViolation(Vec<Violation>),
    #[error("rate limited")]
    RateLimited { retry_after: Duration },
    /// A quota of the policy's is used up; the words say until when.
    #[error("quota exceeded")]
    QuotaExceeded(Box<OverQuota>),
    /// The author's account was erased while the comment waited to be stored.
    #[error("account gone")]
    AccountGone,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<ArticleError> for PostError {
    fn from(error: ArticleError) -> Self {
        match error {
            ArticleError::Internal(cause) => PostError::Internal(cause),
            ArticleError::NotFound | ArticleError::Invalid(_) => PostError::ArticleNotFound,
        }
    }
}

impl Refusal for PostError {
    fn code(&self) -> &'static str {
        match self {
            PostError::Body(error) => error.code(),
            PostError::Barred(barred) => barred.code(),
            PostError::ArticleNotFound => "article_not_found",
            PostError::CommentsClosed => "comments_closed",
            PostError::CommentNotFound => "comment_not_found",
            PostError::NotTheAuthor => "forbidden",
            PostError::EditWindowClosed => "edit_window_closed",
            PostError::AlreadyDecided(_) => "already_decided",
            PostError::InvalidParent => "invalid_parent",
            PostError::CommentClosed => "comment_closed",
            PostError::PolicyViolation(_) => "policy_violation",
            PostError::RateLimited { .. } => "rate_limited",
            PostError::QuotaExceeded(_) => "quota_exceeded",
            PostError::AccountGone => "unauthenticated",
            PostError::Internal(_) => INTERNAL,
        }
    }

    fn details(&self) -> Details {
        match self {
            PostError::Body(error) => Refusal::details(error),
            PostError::Barred(barred) => barred.details(),
            PostError::AlreadyDecided(comment) => Details {
                comment: Some(comment.clone()),
                ..Details::default()
            },
            PostError::PolicyViolation(violations) => Details::violations(violations),
            PostError::RateLimited { retry_after } => Details::retry_after(*retry_after),
            PostError::QuotaExceeded(over) => over.details(),
            _ => Details::default(),
        }
    }
}
