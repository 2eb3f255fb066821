//! A comment as stored and shown: its status, its thread, its order.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::ids::{AccountId, CommentId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Published,
    Pending,
    Rejected,
    Deleted,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Published => "published",
            Status::Pending => "pending",
            Status::Rejected => "rejected",
            Status::Deleted => "deleted",
        }
    }

    pub fn parse(value: &str) -> Option<Status> {
        match value {
            "published" => Some(Status::Published),
            "pending" => Some(Status::Pending),
            "rejected" => Some(Status::Rejected),
            "deleted" => Some(Status::Deleted),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: CommentId,
    pub article_id: String,
    pub parent_id: Option<CommentId>,
    pub author_id: AccountId,
    pub author_name: String,
    pub body: String,
    pub length: i64,
    pub status: Status,
    pub reply_count: i64,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    /// Hidden by readers' reports until a moderator decides.
    pub hidden: bool,
    /// Counts the changes of text and status; a decision may name the one it saw.
    pub version: i64,
    pub likes: i64,
    pub dislikes: i64,
    /// An editor's pick.
    pub featured: bool,
    /// The viewer's own reaction, filled in for a logged-in viewer.
    pub my_reaction: Option<Reaction>,
}

impl Comment {
    /// Who may see it: published comments and tombstones with replies for all,
    /// everything else only for its author and moderators.
    pub fn visible_to(&self, viewer_id: Option<AccountId>, viewer_moderates: bool) -> bool {
        let public = match self.status {
            Status::Published => !self.hidden,
            Status::Deleted => self.reply_count > 0,
            Status::Pending | Status::Rejected => false,
        };
        public
            || viewer_moderates
            || viewer_id == Some(self.author_id) && self.status != Status::Deleted
    }
}

/// A top-level comment with the first of its replies.
#[derive(Debug, Clone)]
pub struct Thread {
    pub comment: Comment,
    pub replies: Vec<Comment>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Order {
    Newest,
    Oldest,
    /// 순공감순: likes minus dislikes, ties newest first.
    Best,
    /// 공감비율순: likes over all reactions from a minimum, ties newest first.
    Ratio,
}

impl Order {
    /// Whether the order ranks by reactions, which change under a reader
    /// paging through: such pages are cut as of one moment.
    pub fn is_ranked(self) -> bool {
        matches!(self, Order::Best | Order::Ratio)
    }
}

/// A reader's reaction to a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reaction {
    /// 공감
    Like,
    /// 비공감
    Dislike,
}

impl Reaction {
    pub fn as_str(self) -> &'static str {
        match self {
            Reaction::Like => "like",
            Reaction::Dislike => "dislike",
        }
    }

    pub fn parse(value: &str) -> Option<Reaction> {
        match value {
            "like" => Some(Reaction::Like),
            "dislike" => Some(Reaction::Dislike),
            _ => None,
        }
    }
}

/// The latest line of the log about a comment: who acted on it, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastAction {
    /// `None`: the standards policy, on its own.
    pub by: Option<(AccountId, String)>,
    pub at: DateTime<Utc>,
}
