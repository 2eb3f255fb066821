//! The comment service: the rules of posting, reading and deleting, between
//! the handlers (which parse and authorize) and storage (which keeps).

use chrono::Utc;

use crate::articles::{Article, ArticleId};
use crate::auth::User;
use crate::comments::{Comment, CommentBody, Measured, Order, Status, Thread};
use crate::http::error::{ApiError, ApiResult};
use crate::http::paging::Paging;
use crate::storage::{CommentInsert, CommentPage, PageQuery, Store};

#[derive(Clone)]
pub struct Comments {
    store: Store,
    max_length: usize,
}

/// A comment id from a path or body: ids are opaque strings to clients.
pub fn parse_comment_id(raw: &str) -> Option<i64> {
    raw.parse::<i64>().ok().filter(|id| *id > 0)
}

impl Comments {
    pub fn new(store: Store, max_length: usize) -> Comments {
        Comments { store, max_length }
    }

    pub fn max_length(&self) -> usize {
        self.max_length
    }

    /// The text rule without storing anything, for `/comments/validate`.
    pub fn measure(&self, raw: &str) -> Measured {
        CommentBody::measure(raw, self.max_length)
    }

    /// Posts a comment or a reply. A reply to a reply joins the same thread,
    /// since threads have one level.
    pub async fn post(
        &self,
        author: &User,
        article_id: &ArticleId,
        raw: &str,
        parent_id: Option<&str>,
    ) -> ApiResult<Comment> {
        let article = self.open_article(article_id).await?;
        let body = CommentBody::parse(raw, self.max_length)?;
        let thread_root = match parent_id {
            Some(raw_id) => Some(self.thread_root(&article, raw_id).await?),
            None => None,
        };
        let status = if article.premoderation && !author.role.can_moderate() {
            Status::Pending
        } else {
            Status::Published
        };
        let comment = self
            .store
            .insert_comment(CommentInsert {
                article_id: &article.id,
                parent_id: thread_root,
                author_id: author.id,
                body: body.as_str(),
                length: body.length(),
                status,
                now: Utc::now(),
            })
            .await?;
        tracing::info!(comment_id = comment.id, article_id = %article.id, user_id = author.id,
            status = status.as_str(), "comment posted");
        Ok(comment)
    }

    async fn open_article(&self, id: &ArticleId) -> ApiResult<Article> {
        let article = self.article(id).await?;
        if !article.comments_open {
            return Err(ApiError::CommentsClosed);
        }
        Ok(article)
    }

    pub async fn article(&self, id: &ArticleId) -> ApiResult<Article> {
        self.store
            .article(id.as_str())
            .await?
            .ok_or(ApiError::ArticleNotFound)
    }

    /// The top-level comment a reply attaches to: the parent itself, or its parent.
    async fn thread_root(&self, article: &Article, raw_id: &str) -> ApiResult<i64> {
        let parent = match parse_comment_id(raw_id) {
            Some(id) => self.store.comment(id).await?,
            None => None,
        };
        match parent {
            Some(p) if p.article_id == article.id && p.status == Status::Published => {
                Ok(p.parent_id.unwrap_or(p.id))
            }
            _ => Err(ApiError::InvalidParent),
        }
    }

    pub async fn list(
        &self,
        article_id: &ArticleId,
        viewer: Option<&User>,
        order: Order,
        paging: Paging,
    ) -> ApiResult<(Article, CommentPage<Thread>)> {
        let article = self.article(article_id).await?;
        let page = self
            .store
            .comment_page(&PageQuery {
                article_id: &article.id,
                viewer: viewer.map(|u| u.id),
                order,
                after: paging.after,
                limit: paging.limit,
            })
            .await?;
        Ok((article, page))
    }

    pub async fn replies(
        &self,
        raw_id: &str,
        viewer: Option<&User>,
        paging: Paging,
    ) -> ApiResult<CommentPage<Comment>> {
        let parent = self.get(raw_id, viewer).await?;
        let page = self
            .store
            .reply_page(parent.id, viewer.map(|u| u.id), paging.after, paging.limit)
            .await?;
        Ok(page)
    }

    /// The comment if the viewer may see it, else `comment_not_found`.
    pub async fn get(&self, raw_id: &str, viewer: Option<&User>) -> ApiResult<Comment> {
        let comment = self.find(raw_id).await?;
        let moderates = viewer.is_some_and(|u| u.role.can_moderate());
        if comment.visible_to(viewer.map(|u| u.id), moderates) {
            Ok(comment)
        } else {
            Err(ApiError::CommentNotFound)
        }
    }

    /// Any comment by id, whoever may see it.
    async fn find(&self, raw_id: &str) -> ApiResult<Comment> {
        let id = parse_comment_id(raw_id).ok_or(ApiError::CommentNotFound)?;
        self.store
            .comment(id)
            .await?
            .ok_or(ApiError::CommentNotFound)
    }

    /// The author or a moderator deletes; the text is gone, a tombstone stays
    /// while the comment has replies. Deleting twice is not an error.
    pub async fn delete(&self, raw_id: &str, caller: &User) -> ApiResult<()> {
        let comment = self.find(raw_id).await?;
        let moderates = caller.role.can_moderate();
        if comment.author_id != caller.id && !moderates {
            return Err(if comment.visible_to(Some(caller.id), moderates) {
                ApiError::Forbidden
            } else {
                ApiError::CommentNotFound
            });
        }
        if self.store.delete_comment(comment.id, Utc::now()).await? {
            tracing::info!(
                comment_id = comment.id,
                user_id = caller.id,
                "comment deleted"
            );
        }
        Ok(())
    }
}
