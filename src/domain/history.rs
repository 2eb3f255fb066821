//! A reader's public history (`AUTHOR_HISTORY=public`), as Korean portals
//! have shown every commenter's since 2020: their published comments across
//! editorials, what they received, and whether they are sanctioned now.

use chrono::{DateTime, Utc};

use crate::domain::comments::Comment;
use crate::domain::ids::AccountId;
use crate::domain::refusal::{INTERNAL, Refusal};

/// The counts at the head of a history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorSummary {
    pub account_id: AccountId,
    pub display_name: String,
    pub joined_at: DateTime<Utc>,
    /// A suspension or ban in force.
    pub sanctioned: bool,
    pub published_count: i64,
    pub likes_received: i64,
    pub dislikes_received: i64,
    /// On the comments of the last 30 days.
    pub likes_30d: i64,
    pub dislikes_30d: i64,
}

impl AuthorSummary {
    /// The 30-day 공감 ratio: likes of all reactions, `None` without any.
    pub fn ratio_30d(&self) -> Option<f64> {
        let total = self.likes_30d + self.dislikes_30d;
        (total > 0).then(|| self.likes_30d as f64 / total as f64)
    }
}

/// A published comment in a history, with the editorial it is on.
#[derive(Debug, Clone)]
pub struct HistoryComment {
    pub comment: Comment,
    pub article_title: String,
    pub article_url: String,
}

/// Why a history is not shown.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The newsroom keeps histories private (`AUTHOR_HISTORY=private`).
    #[error("history not public")]
    NotPublic,
    #[error("user not found")]
    UserNotFound,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Refusal for HistoryError {
    fn code(&self) -> &'static str {
        match self {
            HistoryError::NotPublic => "history_not_public",
            HistoryError::UserNotFound => "user_not_found",
            HistoryError::Internal(_) => INTERNAL,
        }
    }
}
