//! Comments, with the counters they keep on their article and parent.

use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

use super::log::append_log;
use super::policy::{Decision, record_decision};
use super::{Store, from_millis, to_millis};
use crate::domain::comments::{Comment, Order, Status, Thread};
use crate::domain::moderation::{LogAction, LogLine, Target};
use crate::domain::policy::{Action, Finding};

/// Replies shown under each top-level comment of a page; the rest are paged
/// through `/comments/{id}/replies`.
pub const REPLIES_PER_THREAD: i64 = 50;

#[derive(sqlx::FromRow)]
pub(super) struct CommentRow {
    id: i64,
    article_id: String,
    parent_id: Option<i64>,
    author_id: i64,
    author_name: String,
    body: String,
    length: i64,
    status: String,
    reply_count: i64,
    created_at: i64,
    edited_at: Option<i64>,
    hidden: bool,
    version: i64,
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
        }
    }
}

pub(super) const COMMENT_COLUMNS: &str = "c.id, c.article_id, c.parent_id, c.author_id,
    a.display_name AS author_name, c.body, c.length, c.status, c.reply_count,
    c.created_at, c.edited_at, c.hidden, c.version";
pub(super) const FROM_COMMENTS: &str = "FROM comments c JOIN accounts a ON a.id = c.author_id";

/// Published and not hidden by reports, a tombstone that still has replies,
/// or the viewer's own pending or hidden comment.
///
/// The unary `+` keeps SQLite from answering this OR with the status and
/// author indexes (every published comment of the site, or all of the
/// viewer's); the thread and parent indexes find a page's few rows instead.
const VISIBLE: &str = "((+c.status = 'published' AND c.hidden = 0)
    OR (+c.status = 'deleted' AND c.reply_count > 0)
    OR (+c.status IN ('pending', 'published') AND +c.author_id = ?2))";

/// Finds a viewer's pending or report-hidden comment on an article. The
/// condition is written exactly as the partial index `comments_unlisted`'s,
/// or SQLite will not use it.
const OWN_UNLISTED: &str = "SELECT EXISTS (SELECT 1 FROM comments
    WHERE author_id = ? AND article_id = ?
      AND (status = 'pending' OR (status = 'published' AND hidden <> 0)))";

/// Counts the published comments a viewer's listing shows beyond the public
/// one: their own comments hidden by reports (which they are still shown, as
/// published), with the replies under such a top-level comment of theirs.
/// Found through the partial index of `OWN_UNLISTED`, whose condition this
/// repeats; pending comments are shown to their author but never counted.
const OWN_HIDDEN_COUNT: &str = "SELECT count(*) + coalesce(sum(c.reply_count), 0)
    FROM comments c LEFT JOIN comments r ON r.id = c.parent_id
    WHERE c.author_id = ?1 AND c.article_id = ?2
      AND (c.status = 'pending' OR (c.status = 'published' AND c.hidden <> 0))
      AND c.status = 'published'
      AND (r.id IS NULL OR (r.status = 'published' AND (r.hidden = 0 OR r.author_id = ?1))
           OR r.status = 'deleted')";

/// A new comment, owned, so it can wait in the group-commit queue.
pub struct CommentInsert {
    pub article_id: String,
    pub parent_id: Option<i64>,
    pub author_id: i64,
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
    pub answers: Option<i64>,
}

/// What became of a new comment.
#[derive(Debug)]
pub enum Inserted {
    Stored(Comment),
    /// The author posted the same text within the repeat window; nothing stored.
    Repeat,
    /// The comment replied to, or its thread, was closed first; nothing stored.
    Closed,
}

impl CommentInsert {
    /// The comment as stored: the database adds only the id.
    pub(super) fn stored(self, id: i64) -> Comment {
        Comment {
            id,
            article_id: self.article_id,
            parent_id: self.parent_id,
            author_id: self.author_id,
            author_name: self.author_name,
            body: self.body,
            length: self.length as i64,
            status: self.status,
            reply_count: 0,
            created_at: from_millis(to_millis(self.now)),
            edited_at: None,
            hidden: false,
            version: 1,
        }
    }
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
    pub author_id: i64,
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
    pub viewer: Option<i64>,
    pub order: Order,
    pub after: Option<i64>,
    pub limit: usize,
}

#[derive(Debug, Clone)]
pub struct CommentPage<T> {
    pub items: Vec<T>,
    /// The id of the last item, when more follow.
    pub next_after: Option<i64>,
}

fn split_page<T>(mut items: Vec<T>, limit: usize, id: impl Fn(&T) -> i64) -> CommentPage<T> {
    let more = items.len() > limit;
    items.truncate(limit);
    let next_after = if more { items.last().map(id) } else { None };
    CommentPage { items, next_after }
}

/// Top-level comments of an article (?1) seen by ?2, after the cursor ?3, ?4 at most;
/// with the cursor's start for a first page.
fn page_sql(order: Order) -> (String, i64) {
    let (cmp, dir, start) = order_sql(order);
    let sql = format!(
        "SELECT {COMMENT_COLUMNS} {FROM_COMMENTS}
         WHERE c.article_id = ?1 AND c.parent_id IS NULL AND c.id {cmp} ?3 AND {VISIBLE}
         ORDER BY c.id {dir} LIMIT ?4"
    );
    (sql, start)
}

/// Replies of ?1 seen by ?2, after ?3, ?4 at most.
fn reply_page_sql() -> String {
    format!(
        "SELECT {COMMENT_COLUMNS} {FROM_COMMENTS}
         WHERE c.parent_id = ?1 AND c.id > ?3 AND {VISIBLE}
         ORDER BY c.id LIMIT ?4"
    )
}

/// The first ?3 replies of each comment in the JSON array ?1, seen by ?2.
fn first_replies_sql() -> String {
    format!(
        "SELECT * FROM (
             SELECT {COMMENT_COLUMNS},
                    row_number() OVER (PARTITION BY c.parent_id ORDER BY c.id) AS rank
             {FROM_COMMENTS}
             WHERE c.parent_id IN (SELECT value FROM json_each(?1)) AND {VISIBLE}
         )
         WHERE rank <= ?3
         ORDER BY id"
    )
}

fn order_sql(order: Order) -> (&'static str, &'static str, i64) {
    match order {
        Order::Newest => ("<", "DESC", i64::MAX),
        Order::Oldest => (">", "ASC", 0),
    }
}

impl Store {
    pub async fn comment(&self, id: i64) -> anyhow::Result<Option<Comment>> {
        let sql = format!("SELECT {COMMENT_COLUMNS} {FROM_COMMENTS} WHERE c.id = ?");
        let row = sqlx::query_as::<_, CommentRow>(&sql)
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.map(Comment::from))
    }

    /// An author's edit: the new text and status, the counters, and the
    /// reasons if the edit is held, in one transaction. The comment's state is
    /// read again inside it, so a rejection or deletion that landed first wins.
    pub async fn update_comment_text(
        &self,
        id: i64,
        edit: CommentEdit<'_>,
    ) -> anyhow::Result<Edited> {
        let mut tx = self.begin_write().await?;
        let Some(before) = comment_in(&mut tx, id).await? else {
            return Ok(Edited::Gone);
        };
        match before.status {
            Status::Deleted => return Ok(Edited::Gone),
            Status::Rejected => return Ok(Edited::Decided(before)),
            Status::Published | Status::Pending => {}
        }
        sqlx::query(
            "UPDATE comments SET body = ?, length = ?, fingerprint = ?, status = ?, edited_at = ?,
                 version = version + 1, settled = 0
             WHERE id = ?",
        )
        .bind(edit.body)
        .bind(edit.length as i64)
        .bind(edit.fingerprint)
        .bind(edit.status.as_str())
        .bind(to_millis(edit.now))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let was_counted = before.status == Status::Published && !before.hidden;
        let is_counted = edit.status == Status::Published && !before.hidden;
        let delta = i64::from(is_counted) - i64::from(was_counted);
        if delta != 0 {
            count_published(&mut tx, &before.article_id, before.parent_id, delta).await?;
        }
        count_thread(&mut tx, &before, edit.status, before.hidden).await?;
        sqlx::query("DELETE FROM comment_reasons WHERE comment_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let held = Hold {
            comment_id: id,
            article_id: &before.article_id,
            author_id: edit.author_id,
            reasons: edit.reasons,
            was_pending: before.status == Status::Pending,
            now: edit.now,
        };
        record_hold(&mut tx, &held).await?;
        let after = comment_in(&mut tx, id).await?.unwrap_or(before);
        self.commit(tx).await?;
        Ok(Edited::Done(after))
    }

    /// Blanks the body and marks the comment deleted; uncounts it if it was
    /// published. `false` when it was already deleted.
    pub async fn delete_comment(&self, id: i64, now: DateTime<Utc>) -> anyhow::Result<bool> {
        let mut tx = self.begin_write().await?;
        let Some(before) = comment_in(&mut tx, id).await? else {
            return Ok(false);
        };
        if before.status == Status::Deleted {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE comments SET status = 'deleted', body = '', length = 0, deleted_at = ?,
                 version = version + 1
             WHERE id = ?",
        )
        .bind(to_millis(now))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if before.status == Status::Published && !before.hidden {
            count_published(&mut tx, &before.article_id, before.parent_id, -1).await?;
        }
        count_thread(&mut tx, &before, Status::Deleted, before.hidden).await?;
        self.commit(tx).await?;
        Ok(true)
    }

    /// Whether the viewer has comments on the article that only they are
    /// shown (pending, or hidden by reports); without any, their listing is
    /// the anonymous one.
    pub async fn has_own_unlisted(&self, article_id: &str, viewer: i64) -> anyhow::Result<bool> {
        let found: bool = sqlx::query_scalar(OWN_UNLISTED)
            .bind(viewer)
            .bind(article_id)
            .fetch_one(&self.read)
            .await?;
        Ok(found)
    }

    /// How many published comments on the article only this viewer is shown.
    pub async fn own_hidden_count(&self, article_id: &str, viewer: i64) -> anyhow::Result<i64> {
        let count: i64 = sqlx::query_scalar(OWN_HIDDEN_COUNT)
            .bind(viewer)
            .bind(article_id)
            .fetch_one(&self.read)
            .await?;
        Ok(count)
    }

    /// A page of top-level comments, each with its first replies.
    pub async fn comment_page(&self, q: &PageQuery<'_>) -> anyhow::Result<CommentPage<Thread>> {
        let (sql, start) = page_sql(q.order);
        let rows = sqlx::query_as::<_, CommentRow>(&sql)
            .bind(q.article_id)
            .bind(q.viewer)
            .bind(q.after.unwrap_or(start))
            .bind(q.limit as i64 + 1)
            .fetch_all(&self.read)
            .await?;
        let page = split_page(rows, q.limit, |r| r.id);
        let parents: Vec<i64> = page.items.iter().map(|r| r.id).collect();
        let mut replies = self.first_replies(&parents, q.viewer).await?;
        let items = page
            .items
            .into_iter()
            .map(|row| {
                let comment = Comment::from(row);
                let mine: Vec<Comment> = replies
                    .extract_if(.., |r| r.parent_id == Some(comment.id))
                    .collect();
                Thread {
                    comment,
                    replies: mine,
                }
            })
            .collect();
        Ok(CommentPage {
            items,
            next_after: page.next_after,
        })
    }

    /// Replies of one comment, oldest first.
    pub async fn reply_page(
        &self,
        parent_id: i64,
        viewer: Option<i64>,
        after: Option<i64>,
        limit: usize,
    ) -> anyhow::Result<CommentPage<Comment>> {
        let rows = sqlx::query_as::<_, CommentRow>(&reply_page_sql())
            .bind(parent_id)
            .bind(viewer)
            .bind(after.unwrap_or(0))
            .bind(limit as i64 + 1)
            .fetch_all(&self.read)
            .await?;
        let page = split_page(rows, limit, |r| r.id);
        Ok(CommentPage {
            items: page.items.into_iter().map(Comment::from).collect(),
            next_after: page.next_after,
        })
    }

    async fn first_replies(
        &self,
        parents: &[i64],
        viewer: Option<i64>,
    ) -> anyhow::Result<Vec<Comment>> {
        if parents.is_empty() {
            return Ok(Vec::new());
        }
        let ids = serde_json::to_string(parents)?;
        let rows = sqlx::query_as::<_, CommentRow>(&first_replies_sql())
            .bind(ids)
            .bind(viewer)
            .bind(REPLIES_PER_THREAD)
            .fetch_all(&self.read)
            .await?;
        Ok(rows.into_iter().map(Comment::from).collect())
    }
}

/// The comment as a write transaction sees it.
pub(super) async fn comment_in(
    tx: &mut SqliteConnection,
    id: i64,
) -> sqlx::Result<Option<Comment>> {
    let sql = format!("SELECT {COMMENT_COLUMNS} {FROM_COMMENTS} WHERE c.id = ?");
    let row = sqlx::query_as::<_, CommentRow>(&sql)
        .bind(id)
        .fetch_optional(tx)
        .await?;
    Ok(row.map(Comment::from))
}

/// A top-level comment whose thread the listing shows: published and not
/// hidden, or a tombstone (shown while it has replies).
const LISTED: &str = "((status = 'published' AND hidden = 0) OR status = 'deleted')";

fn listed(status: Status, hidden: bool) -> bool {
    (status == Status::Published && !hidden) || status == Status::Deleted
}

/// Keeps `articles.comment_count` and the parent's `reply_count` in step:
/// they count published comments that are not hidden, and the article counts
/// a reply only while its thread is listed, so `total` is what the listing
/// shows.
pub(super) async fn count_published(
    tx: &mut SqliteConnection,
    article_id: &str,
    parent_id: Option<i64>,
    delta: i64,
) -> sqlx::Result<()> {
    let Some(parent_id) = parent_id else {
        return count_on_article(tx, article_id, delta).await;
    };
    count_on_parent(tx, parent_id, delta).await?;
    let sql = format!(
        "UPDATE articles SET comment_count = comment_count + ?1
         WHERE id = ?2 AND EXISTS (SELECT 1 FROM comments WHERE id = ?3 AND {LISTED})"
    );
    sqlx::query(&sql)
        .bind(delta)
        .bind(article_id)
        .bind(parent_id)
        .execute(tx)
        .await?;
    Ok(())
}

/// When a top-level comment's thread leaves the listing (rejected, held,
/// hidden) or comes back, its counted replies leave or come back with it.
pub(super) async fn count_thread(
    tx: &mut SqliteConnection,
    before: &Comment,
    status: Status,
    hidden: bool,
) -> sqlx::Result<()> {
    let (was, is) = (listed(before.status, before.hidden), listed(status, hidden));
    if before.parent_id.is_some() || was == is || before.reply_count == 0 {
        return Ok(());
    }
    let replies = if is {
        before.reply_count
    } else {
        -before.reply_count
    };
    count_on_article(tx, &before.article_id, replies).await
}

pub(super) async fn count_on_article(
    tx: &mut SqliteConnection,
    article_id: &str,
    delta: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE articles SET comment_count = comment_count + ? WHERE id = ?")
        .bind(delta)
        .bind(article_id)
        .execute(tx)
        .await?;
    Ok(())
}

pub(super) async fn count_on_parent(
    tx: &mut SqliteConnection,
    parent_id: i64,
    delta: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE comments SET reply_count = reply_count + ? WHERE id = ?")
        .bind(delta)
        .bind(parent_id)
        .execute(tx)
        .await?;
    Ok(())
}

/// A comment held for review: what its hold records.
pub(super) struct Hold<'a> {
    pub comment_id: i64,
    pub article_id: &'a str,
    pub author_id: i64,
    pub reasons: &'a [Finding],
    /// The comment was held already (an edit of a held comment).
    pub was_pending: bool,
    pub now: DateTime<Utc>,
}

/// The reasons of a held comment, and the hold among the policy's decisions.
pub(super) async fn record_hold(tx: &mut SqliteConnection, hold: &Hold<'_>) -> sqlx::Result<()> {
    if hold.reasons.is_empty() {
        return Ok(());
    }
    for reason in hold.reasons {
        sqlx::query(
            "INSERT INTO comment_reasons (comment_id, code, start, end) VALUES (?, ?, ?, ?)",
        )
        .bind(hold.comment_id)
        .bind(reason.code.as_str())
        .bind(reason.start as i64)
        .bind(reason.end as i64)
        .execute(&mut *tx)
        .await?;
    }
    let codes: Vec<&str> = hold.reasons.iter().map(|r| r.code.as_str()).collect();
    let codes = codes.join(",");
    let decision = Decision {
        account_id: hold.author_id,
        article_id: hold.article_id,
        comment_id: Some(hold.comment_id),
        action: Action::Hold,
        codes: &codes,
        now: hold.now,
    };
    // A held comment edited and held again for the same rules is counted,
    // not logged again; a hold of a comment that was out of the queue is.
    if record_decision(tx, &decision).await? || !hold.was_pending {
        append_log(
            tx,
            &LogLine {
                actor: None,
                action: LogAction::Hold,
                target: Target::Comment(hold.comment_id),
                reason: Some(&codes),
                note: None,
                at: hold.now,
            },
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::temp_store;

    /// A page must cost a few index lookups however large the site is: no
    /// listing query may walk every published comment or all of a viewer's.
    #[tokio::test]
    async fn listing_queries_use_the_thread_and_parent_indexes() {
        let (_dir, store) = temp_store().await;
        let queries = [
            page_sql(Order::Newest).0,
            page_sql(Order::Oldest).0,
            reply_page_sql(),
            first_replies_sql(),
        ];
        for sql in queries {
            let plan: Vec<(i64, i64, i64, String)> =
                sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}"))
                    .bind("[1, 2]")
                    .bind(7_i64)
                    .bind(0_i64)
                    .bind(20_i64)
                    .fetch_all(&store.read)
                    .await
                    .unwrap();
            let steps: Vec<&str> = plan.iter().map(|row| row.3.as_str()).collect();
            let text = steps.join("\n");
            assert!(
                text.contains("comments_by_thread") || text.contains("comments_by_parent"),
                "{sql}\n{text}"
            );
            for avoided in ["comments_by_status", "comments_by_author", "MULTI-INDEX OR"] {
                assert!(
                    !text.contains(avoided),
                    "{avoided} in the plan of\n{sql}\n{text}"
                );
            }
        }
    }

    #[tokio::test]
    async fn a_viewers_own_unlisted_comments_are_found_in_the_partial_index() {
        let (_dir, store) = temp_store().await;
        for sql in [OWN_UNLISTED, OWN_HIDDEN_COUNT] {
            let plan: Vec<(i64, i64, i64, String)> =
                sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}"))
                    .bind(7_i64)
                    .bind("putin-north-korea-signal")
                    .fetch_all(&store.read)
                    .await
                    .unwrap();
            let text: Vec<&str> = plan.iter().map(|row| row.3.as_str()).collect();
            assert!(
                text.iter()
                    .any(|step| step.contains("comments_unlisted (author_id=? AND article_id=?)")),
                "{sql}\n{text:?}"
            );
        }
    }
}
