//! How comments, sanctions and editorials appear to a moderator: the one
//! serialization that the HTTP answers and the webhook events share, so a
//! newsroom's CMS sees exactly what the moderator API shows.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::articles::Article;
use crate::domain::comments::{Comment, Status};
use crate::domain::moderation::{Sanction, SanctionKind};
use crate::domain::reactions::Reaction;

#[derive(Serialize, ToSchema)]
pub struct AuthorView {
    pub id: String,
    pub display_name: String,
    /// The author's public history (`AUTHOR_HISTORY=public`); null when private.
    pub history_url: Option<String>,
}

impl AuthorView {
    pub fn new(id: impl ToString, display_name: String) -> AuthorView {
        AuthorView {
            id: id.to_string(),
            display_name,
            history_url: None,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CommentView {
    pub id: String,
    pub article_id: String,
    pub parent_id: Option<String>,
    /// Empty strings for a tombstone (a deleted comment): it names nobody.
    pub author: AuthorView,
    /// The text as counted: the comment text rule's steps 1-5 applied. Empty for a tombstone.
    pub body: String,
    /// Unicode code points of `body`.
    pub length: i64,
    pub status: Status,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    /// Published replies (top-level comments only).
    pub reply_count: i64,
    /// Counts the changes of text and status; send it with a decision to
    /// decide this version only.
    pub version: i64,
    /// 공감
    pub likes: i64,
    /// 비공감
    pub dislikes: i64,
    /// The caller's own reaction; null for anonymous callers.
    pub my_reaction: Option<Reaction>,
    /// An editor's pick.
    pub featured: bool,
}

impl CommentView {
    /// Links the author's public history when the newsroom opened histories.
    pub fn with_history(mut self, public: bool) -> CommentView {
        if public && !self.author.id.is_empty() {
            self.author.history_url = Some(format!("/api/v1/users/{}/history", self.author.id));
        }
        self
    }
}

impl From<Comment> for CommentView {
    fn from(c: Comment) -> Self {
        // A tombstone names nobody: deleting takes the author off it too.
        let author = if c.status == Status::Deleted {
            AuthorView::new("", String::new())
        } else {
            AuthorView::new(c.author_id, c.author_name)
        };
        CommentView {
            id: c.id.to_string(),
            article_id: c.article_id,
            parent_id: c.parent_id.map(|id| id.to_string()),
            author,
            body: c.body,
            length: c.length,
            status: c.status,
            created_at: c.created_at,
            edited_at: c.edited_at,
            reply_count: c.reply_count,
            version: c.version,
            likes: c.likes,
            dislikes: c.dislikes,
            my_reaction: c.my_reaction,
            // The pick was of the text; a tombstone has none to recommend.
            featured: c.featured && c.status != Status::Deleted,
        }
    }
}

/// A sanction as moderators see it.
#[derive(Serialize, ToSchema)]
pub struct SanctionView {
    pub id: String,
    pub user_id: String,
    pub kind: SanctionKind,
    pub until: Option<DateTime<Utc>>,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

impl From<Sanction> for SanctionView {
    fn from(s: Sanction) -> Self {
        SanctionView {
            id: s.id.to_string(),
            user_id: s.account_id.to_string(),
            kind: s.kind,
            until: s.until,
            reason: s.reason,
            created_at: s.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ArticleView {
    pub id: String,
    pub title: String,
    pub url: String,
    pub published_at: Option<DateTime<Utc>>,
    pub comments_open: bool,
    pub premoderation: bool,
    /// Published comments, replies included.
    pub comment_count: i64,
}

impl From<Article> for ArticleView {
    fn from(a: Article) -> Self {
        ArticleView {
            id: a.id,
            title: a.title,
            url: a.url,
            published_at: a.published_at,
            comments_open: a.comments_open,
            premoderation: a.premoderation,
            comment_count: a.comment_count,
        }
    }
}
