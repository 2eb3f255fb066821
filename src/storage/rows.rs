//! What both engines share: time as milliseconds, the rows of accounts,
//! comments, sanctions and articles, a policy decision, and splitting pages. Both engines keep times as
//! 64-bit milliseconds and ids as 64-bit integers, so one row type reads either.

use chrono::{DateTime, TimeZone, Utc};

use crate::domain::accounts::{Role, User};
use crate::domain::articles::Article;
use crate::domain::comments::{Comment, Status};
use crate::domain::ids::{AccountId, CommentId};
use crate::domain::moderation::{Sanction, SanctionKind};
use crate::domain::policy::{Action, Finding, RuleCode};
use crate::storage::comments::CommentPage;

pub(crate) fn to_millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

pub(crate) fn from_millis(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// True when the error is a UNIQUE constraint failure: the one helper that
/// turns a database constraint into a client error.
pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

#[derive(sqlx::FromRow)]
pub(crate) struct AccountRow {
    pub id: AccountId,
    pub email: Option<String>,
    pub display_name: String,
    pub role: String,
}

impl AccountRow {
    pub fn into_user(self) -> User {
        User {
            id: self.id,
            email: self.email,
            display_name: self.display_name,
            // The CHECK constraint keeps role to the three names.
            role: Role::parse(&self.role).unwrap_or(Role::Reader),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CommentRow {
    pub id: CommentId,
    pub article_id: String,
    pub parent_id: Option<CommentId>,
    pub author_id: AccountId,
    pub author_name: String,
    pub body: String,
    pub length: i64,
    pub status: String,
    pub reply_count: i64,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    pub hidden: bool,
    pub version: i64,
    pub likes: i64,
    pub dislikes: i64,
    pub featured: bool,
}

impl From<CommentRow> for Comment {
    fn from(r: CommentRow) -> Self {
        Comment {
            id: r.id,
            article_id: r.article_id,
            parent_id: r.parent_id,
            author_id: r.author_id,
            author_name: r.author_name,
            body: r.body,
            length: r.length,
            // The CHECK constraint keeps status to the four names.
            status: Status::parse(&r.status).unwrap_or(Status::Pending),
            reply_count: r.reply_count,
            created_at: from_millis(r.created_at),
            edited_at: r.edited_at.map(from_millis),
            hidden: r.hidden,
            version: r.version,
            likes: r.likes,
            dislikes: r.dislikes,
            featured: r.featured,
            my_reaction: None,
        }
    }
}

pub(crate) const COMMENT_COLUMNS: &str = "c.id, c.article_id, c.parent_id, c.author_id,
    a.display_name AS author_name, c.body, c.length, c.status, c.reply_count,
    c.created_at, c.edited_at, c.hidden, c.version, c.likes, c.dislikes, c.featured";
pub(crate) const FROM_COMMENTS: &str = "FROM comments c JOIN accounts a ON a.id = c.author_id";

/// Cuts the one row fetched beyond `limit`, which says that more follow.
pub(crate) fn split_page<T>(
    mut items: Vec<T>,
    limit: usize,
    id: impl Fn(&T) -> i64,
) -> CommentPage<T> {
    let more = items.len() > limit;
    items.truncate(limit);
    let next_after = if more { items.last().map(id) } else { None };
    CommentPage {
        items,
        next_after,
        next_cut: None,
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SanctionRow {
    pub id: i64,
    pub account_id: AccountId,
    pub kind: String,
    pub until: Option<i64>,
    pub reason: String,
    pub created_at: i64,
}

impl From<SanctionRow> for Sanction {
    fn from(row: SanctionRow) -> Self {
        Sanction {
            id: row.id,
            account_id: row.account_id,
            kind: if row.kind == "ban" {
                SanctionKind::Ban
            } else {
                SanctionKind::Suspend
            },
            until: row.until.map(from_millis),
            reason: row.reason,
            created_at: from_millis(row.created_at),
        }
    }
}

/// What a reason keeps besides its span: the classifier's labels, which are
/// not a span of the text. Our rules keep nothing (their text is the span).
pub(crate) fn reason_detail(reason: &Finding) -> Option<&str> {
    (reason.code == RuleCode::ModerationHook).then_some(&*reason.matched)
}

#[derive(sqlx::FromRow)]
pub(crate) struct ArticleRow {
    pub id: String,
    pub title: String,
    pub url: String,
    pub published_at: Option<i64>,
    pub comments_open: bool,
    pub premoderation: bool,
    pub comment_count: i64,
}

impl From<ArticleRow> for Article {
    fn from(row: ArticleRow) -> Self {
        Article {
            id: row.id,
            title: row.title,
            url: row.url,
            published_at: row.published_at.map(from_millis),
            comments_open: row.comments_open,
            premoderation: row.premoderation,
            comment_count: row.comment_count,
        }
    }
}

pub(crate) const ARTICLE_COLUMNS: &str =
    "id, title, url, published_at, comments_open, premoderation, comment_count";

/// The settings a moderator sees in the log, e.g. "comments open, premoderation off".
pub(crate) fn article_settings(row: &ArticleRow) -> String {
    let open = if row.comments_open { "open" } else { "closed" };
    let premoderation = if row.premoderation { "on" } else { "off" };
    format!("comments {open}, premoderation {premoderation}")
}

/// One decision of the standards policy on an attempt.
pub(crate) struct Decision<'a> {
    pub account_id: AccountId,
    pub article_id: &'a str,
    /// The held comment, or the comment whose edit was refused.
    pub comment_id: Option<CommentId>,
    pub action: Action,
    pub codes: &'a str,
    pub now: DateTime<Utc>,
}
