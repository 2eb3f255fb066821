//! Reactions (공감/비공감) and the ranking keys they give a comment.

use std::time::Duration;

// The kind of reaction is a comment's value (it shows on every comment).
pub use crate::domain::comments::Reaction;
use crate::domain::ids::{AccountId, CommentId};
use crate::domain::message::Text;
use crate::domain::moderation::Barred;
use crate::domain::quota::OverQuota;
use crate::domain::refusal::{Details, INTERNAL, Refusal};

/// A comment's counts, and the caller's own reaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    pub likes: i64,
    pub dislikes: i64,
    pub mine: Option<Reaction>,
}

/// The 공감비율 key: likes per billion reactions, or -1 below `min`
/// reactions, so unranked comments sort after every ranked one.
pub fn ratio_rank(likes: i64, dislikes: i64, min: i64) -> i64 {
    let total = likes + dislikes;
    if total < min.max(1) {
        return -1;
    }
    likes * 1_000_000_000 / total
}

/// A reader's reaction to set (`Some`) or take back (`None`).
#[derive(Debug, Clone)]
pub struct ReactionWrite {
    pub comment_id: CommentId,
    pub account_id: AccountId,
    pub kind: Option<Reaction>,
    pub now: chrono::DateTime<chrono::Utc>,
    /// The 공감비율 minimum, for the comment's ratio key.
    pub ratio_min: i64,
    /// At most this many reactions set since `since`; `None` when unlimited.
    pub daily: Option<DailyQuota>,
}

#[derive(Debug, Clone, Copy)]
pub struct DailyQuota {
    pub limit: i64,
    pub since: chrono::DateTime<chrono::Utc>,
}

/// What became of a reaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reacted {
    Done(Tally),
    /// The comment is no longer published (or never was); nothing changed.
    Closed,
    /// The reader used up their reactions for the day; nothing changed.
    OverQuota,
}

/// Why a reaction was not taken.
#[derive(Debug, thiserror::Error)]
pub enum ReactionError {
    #[error("comment not found")]
    CommentNotFound,
    /// Removed, held or hidden by reports: nothing to react to.
    #[error("comment closed")]
    CommentClosed,
    #[error("own comment")]
    OwnComment,
    #[error(transparent)]
    Barred(#[from] Barred),
    #[error("rate limited")]
    RateLimited { retry_after: Duration },
    /// The day's reactions are used up.
    #[error("quota exceeded")]
    QuotaExceeded(Box<OverQuota>),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Refusal for ReactionError {
    fn code(&self) -> &'static str {
        match self {
            ReactionError::CommentNotFound => "comment_not_found",
            ReactionError::CommentClosed => "comment_closed",
            ReactionError::OwnComment => "own_comment",
            ReactionError::Barred(barred) => barred.code(),
            ReactionError::RateLimited { .. } => "rate_limited",
            ReactionError::QuotaExceeded(_) => "quota_exceeded",
            ReactionError::Internal(_) => INTERNAL,
        }
    }

    fn details(&self) -> Details {
        match self {
            ReactionError::Barred(barred) => barred.details(),
            ReactionError::CommentClosed => Details {
                detail: Some(Text::new(
                    "This comment was removed or awaits review; it takes no reactions.",
                    "삭제되었거나 검토 중인 댓글에는 공감할 수 없습니다.",
                )),
                ..Details::default()
            },
            ReactionError::OwnComment => Details {
                detail: Some(Text::new(
                    "You cannot react to your own comment.",
                    "본인의 댓글에는 공감이나 비공감을 할 수 없습니다.",
                )),
                ..Details::default()
            },
            ReactionError::RateLimited { retry_after } => Details {
                title: Some(Text::new(
                    "Too many reactions",
                    "공감을 너무 자주 눌렀습니다",
                )),
                detail: Some(Text::new(
                    "You are reacting too often. Try again in {seconds} seconds.",
                    "공감을 너무 자주 눌렀습니다. {seconds}초 뒤에 다시 눌러 주세요.",
                )),
                ..Details::retry_after(*retry_after)
            },
            ReactionError::QuotaExceeded(over) => over.details(),
            _ => Details::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ratio_key_ranks_only_from_the_minimum() {
        assert_eq!(ratio_rank(4, 0, 5), -1);
        assert_eq!(ratio_rank(5, 0, 5), 1_000_000_000);
        assert_eq!(ratio_rank(3, 1, 0), 750_000_000);
        assert_eq!(ratio_rank(0, 0, 0), -1, "nothing to rank");
        assert!(ratio_rank(1, 5, 5) < ratio_rank(2, 4, 5));
    }
}
