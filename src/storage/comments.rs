//! What the comment services read and write: comments, their pages and the
//! counters they keep.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::comments::{Comment, Order, Status, Thread};
use crate::domain::history::{AuthorSummary, HistoryComment};
use crate::domain::ids::{AccountId, CommentId};
use crate::domain::paging::Cut;
use crate::domain::paging::Paging;
use crate::domain::policy::Finding;
use crate::domain::quota::{Breach, CommentQuota, Day, Usage};
use crate::domain::reactions::{Reacted, Reaction, ReactionWrite};
use crate::storage::rows::{from_millis, to_millis};

#[async_trait]
pub trait CommentStore: Send + Sync {
    async fn comment(&self, id: CommentId) -> anyhow::Result<Option<Comment>>;

    /// Stores a new comment with the reasons it was held for, counted on its
    /// article and parent when published; answers once it is on disk.
    async fn insert_comment(&self, new: CommentInsert) -> anyhow::Result<Inserted>;

    /// An author's edit: the new text and status, the counters, and the
    /// reasons if the edit is held, as one unit. A rejection or deletion that
    /// landed first wins.
    async fn update_comment_text(
        &self,
        id: CommentId,
        edit: CommentEdit<'_>,
    ) -> anyhow::Result<Edited>;

    /// Blanks the body and marks the comment deleted; uncounts it if it was
    /// published. `false` when it was already deleted.
    async fn delete_comment(&self, id: CommentId, now: DateTime<Utc>) -> anyhow::Result<bool>;

    /// Whether the viewer's listing of the article differs from the
    /// anonymous one: they have comments there only they are shown (pending,
    /// or hidden by reports), or reactions of their own to show.
    async fn has_own_view(&self, article_id: &str, viewer: AccountId) -> anyhow::Result<bool>;

    /// How many published comments on the article only this viewer is shown.
    async fn own_hidden_count(&self, article_id: &str, viewer: AccountId) -> anyhow::Result<i64>;

    /// A page of top-level comments, each with its first replies.
    async fn comment_page(&self, q: &PageQuery<'_>) -> anyhow::Result<CommentPage<Thread>>;

    /// Replies of one comment, oldest first.
    async fn reply_page(&self, q: &ReplyQuery) -> anyhow::Result<CommentPage<Comment>>;

    /// Sets or takes back a reader's reaction and the comment's counts, in
    /// the same group commit as posts; answers once it is on disk.
    async fn react(&self, write: ReactionWrite) -> anyhow::Result<Reacted>;

    /// Writes the 공감비율 keys again if they were written with another
    /// minimum (a changed `RATIO_MIN_REACTIONS`); at start-up.
    /// What the account has used of its quotas in `day`, on `article_id` too.
    async fn quota_usage(
        &self,
        account_id: AccountId,
        article_id: &str,
        day: Day,
    ) -> anyhow::Result<Usage>;

    /// The head of an author's history; `None` for an unknown account.
    async fn author_summary(
        &self,
        account_id: AccountId,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<AuthorSummary>>;

    /// An author's published comments, newest first, with their editorials.
    async fn author_comments(
        &self,
        account_id: AccountId,
        paging: &Paging,
    ) -> anyhow::Result<CommentPage<HistoryComment>>;

    async fn rank_ratios_from(&self, min: i64) -> anyhow::Result<()>;

    /// The viewer's reactions among these comments.
    async fn reactions_of(
        &self,
        viewer: AccountId,
        comments: &[CommentId],
    ) -> anyhow::Result<Vec<(CommentId, Reaction)>>;
}

/// Replies shown under each top-level comment of a page; the rest are paged
/// through `/comments/{id}/replies`.
pub const REPLIES_PER_THREAD: i64 = 50;

/// A new comment, owned, so it can wait in the group-commit queue.
pub struct CommentInsert {
    pub article_id: String,
    pub parent_id: Option<CommentId>,
    pub author_id: AccountId,
    /// Shown in the answer; the account row keeps the name.
    pub author_name: String,
    pub body: String,
    pub length: usize,
    pub status: Status,
    /// The hash of the folded text, for refusing repeats.
    pub fingerprint: [u8; 16],
    /// The rules that held the comment; empty when it is published.
    pub reasons: Vec<Finding>,
    pub now: DateTime<Utc>,
    /// Refuse it as a repeat if the author posted the same text since then
    /// (checked at insert, so two identical posts at once cannot both pass).
    pub repeat_since: Option<DateTime<Utc>>,
    /// For a reply, the comment the reader answered: the thread's top-level
    /// comment or a reply under it. Both must still be open as it is stored.
    pub answers: Option<CommentId>,
    /// The author's quotas, checked at insert against what is stored and
    /// the rest of the batch; `None` for staff or with limits off.
    pub quota: Option<CommentQuota>,
}

/// What became of a new comment.
#[derive(Debug)]
pub enum Inserted {
    Stored(Comment),
    /// The author posted the same text within the repeat window; nothing stored.
    Repeat,
    /// The comment replied to, or its thread, was closed first; nothing stored.
    Closed,
    /// A quota of the author's is used up; nothing stored.
    OverQuota(Breach),
    /// The author's account was erased first; nothing stored.
    AuthorErased,
}

/// What became of an edit.
#[derive(Debug)]
pub enum Edited {
    Done(Comment),
    /// A moderator rejected the comment first; nothing changed.
    Decided(Comment),
    /// Deleted first, or never there.
    Gone,
}

pub struct CommentEdit<'a> {
    pub author_id: AccountId,
    pub body: &'a str,
    pub length: usize,
    pub status: Status,
    pub fingerprint: &'a [u8],
    pub reasons: &'a [Finding],
    pub now: DateTime<Utc>,
}

/// One page of top-level comments of an article, seen by `viewer`.
#[derive(Debug, Clone)]
pub struct PageQuery<'a> {
    pub article_id: &'a str,
    pub viewer: Option<AccountId>,
    pub order: Order,
    pub after: Option<i64>,
    /// Where a ranked listing continues; `None` starts one as of now.
    pub cut: Option<Cut>,
    /// The 공감비율 minimum, for ranks as of the cut.
    pub ratio_min: i64,
    pub limit: usize,
}

/// One page of the replies of `parent_id`, seen by `viewer`.
#[derive(Debug, Clone)]
pub struct ReplyQuery {
    pub parent_id: CommentId,
    pub viewer: Option<AccountId>,
    pub after: Option<i64>,
    pub limit: usize,
}

#[derive(Debug, Clone)]
pub struct CommentPage<T> {
    pub items: Vec<T>,
    /// The id of the last item, when more follow.
    pub next_after: Option<i64>,
    /// With `next_after` in a ranked listing: the cut and the last rank.
    pub next_cut: Option<Cut>,
}

impl CommentInsert {
    /// The comment as stored: the database adds only the id.
    pub(super) fn stored(self, id: CommentId) -> Comment {
        let blank = self.blank_stored(id);
        Comment {
            article_id: self.article_id,
            author_name: self.author_name,
            body: self.body,
            ..blank
        }
    }

    /// As [`CommentInsert::stored`], keeping the insert: for the webhook snapshot.
    pub(super) fn clone_stored(&self, id: CommentId) -> Comment {
        Comment {
            article_id: self.article_id.clone(),
            author_name: self.author_name.clone(),
            body: self.body.clone(),
            ..CommentInsert::blank_stored(self, id)
        }
    }

    fn blank_stored(&self, id: CommentId) -> Comment {
        Comment {
            id,
            article_id: String::new(),
            parent_id: self.parent_id,
            author_id: self.author_id,
            author_name: String::new(),
            body: String::new(),
            length: self.length as i64,
            status: self.status,
            reply_count: 0,
            created_at: from_millis(to_millis(self.now)),
            edited_at: None,
            hidden: false,
            version: 1,
            likes: 0,
            dislikes: 0,
            featured: false,
            my_reaction: None,
        }
    }
}
