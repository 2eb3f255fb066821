//! Comments, with the counters they keep on their article and parent.

use anyhow::Context;
use async_trait::async_trait;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::PgStore;
use super::counters::{count_published, count_thread};
use super::log::append_log;
use super::policy::{Decision, record_decision};
use super::shared::{
    COMMENT_COLUMNS, CommentRow, FROM_COMMENTS, load_comment, reason_detail, split_page, to_millis,
};
use crate::domain::comments::{Comment, Order, Status, Thread};
use crate::domain::history::{AuthorSummary, HistoryComment};
use crate::domain::ids::{AccountId, CommentId};
use crate::domain::moderation::{LogAction, LogLine, Target};
use crate::domain::paging::Paging;
use crate::domain::policy::{Action, Finding};
use crate::domain::quota::{Day, Usage};
use crate::domain::reactions::{Reacted, Reaction, ReactionWrite};
use crate::domain::webhooks::EventType;
use crate::storage::comments::{
    CommentEdit, CommentInsert, CommentPage, CommentStore, Edited, Inserted, PageQuery,
    REPLIES_PER_THREAD, ReplyQuery,
};

/// Published and not hidden by reports, a tombstone that still has replies,
/// or the viewer's own pending or hidden comment (the viewer is $2).
pub(super) const VISIBLE: &str = "((c.status = 'published' AND NOT c.hidden)
    OR (c.status = 'deleted' AND c.reply_count > 0)
    OR (c.status IN ('pending', 'published') AND c.author_id = $2))";

/// Finds a viewer's pending or report-hidden comment on an article, or a
/// reaction of theirs there. The comment condition is written exactly as the
/// partial index `comments_unlisted`'s, so the planner can use it.
const OWN_VIEW: &str = "SELECT EXISTS (SELECT 1 FROM comments
    WHERE author_id = $1 AND article_id = $2
      AND (status = 'pending' OR (status = 'published' AND hidden)))
    OR EXISTS (SELECT 1 FROM reactions WHERE account_id = $1 AND article_id = $2)";

/// Counts the published comments a viewer's listing shows beyond the public
/// one: their own comments hidden by reports (which they are still shown, as
/// published), with the replies under such a top-level comment of theirs.
/// Found through the partial index of `OWN_VIEW`, whose condition this
/// repeats; pending comments are shown to their author but never counted.
const OWN_HIDDEN_COUNT: &str = "SELECT (count(*) + coalesce(sum(c.reply_count), 0))::bigint
    FROM comments c LEFT JOIN comments r ON r.id = c.parent_id
    WHERE c.author_id = $1 AND c.article_id = $2
      AND (c.status = 'pending' OR (c.status = 'published' AND c.hidden))
      AND c.status = 'published'
      AND (r.id IS NULL OR (r.status = 'published' AND (NOT r.hidden OR r.author_id = $1))
           OR r.status = 'deleted')";

/// Top-level comments of an article ($1) seen by $2, after the cursor $3, $4 at most;
/// with the cursor's start for a first page.
fn page_sql(order: Order) -> (String, i64) {
    let (cmp, dir, start) = order_sql(order);
    let sql = format!(
        "SELECT {COMMENT_COLUMNS} {FROM_COMMENTS}
         WHERE c.article_id = $1 AND c.parent_id IS NULL AND c.id {cmp} $3 AND {VISIBLE}
         ORDER BY c.id {dir} LIMIT $4"
    );
    (sql, start)
}

/// Replies of $1 seen by $2, after $3, $4 at most.
fn reply_page_sql() -> String {
    format!(
        "SELECT {COMMENT_COLUMNS} {FROM_COMMENTS}
         WHERE c.parent_id = $1 AND c.id > $3 AND {VISIBLE}
         ORDER BY c.id LIMIT $4"
    )
}

/// The first $3 replies of each comment in the array $1, seen by $2.
fn first_replies_sql() -> String {
    format!(
        "SELECT * FROM (
             SELECT {COMMENT_COLUMNS},
                    row_number() OVER (PARTITION BY c.parent_id ORDER BY c.id) AS rank
             {FROM_COMMENTS}
             WHERE c.parent_id = ANY($1) AND {VISIBLE}
         ) AS firsts
         WHERE rank <= $3
         ORDER BY id"
    )
}

fn order_sql(order: Order) -> (&'static str, &'static str, i64) {
    match order {
        Order::Oldest => (">", "ASC", 0),
        // Ranked orders page through `ranked`; by id they are newest first.
        Order::Newest | Order::Best | Order::Ratio => ("<", "DESC", i64::MAX),
    }
}

#[async_trait]
impl CommentStore for PgStore {
    async fn comment(&self, id: CommentId) -> anyhow::Result<Option<Comment>> {
        load_comment(&self.pool, id).await
    }

    async fn insert_comment(&self, new: CommentInsert) -> anyhow::Result<Inserted> {
        self.comments.insert(new).await
    }

    /// An author's edit: the new text and status, the counters, and the
    /// reasons if the edit is held, in one transaction. The comment's state is
    /// read again inside it, under its lock, so a rejection or deletion that
    /// landed first wins.
    async fn update_comment_text(
        &self,
        id: CommentId,
        edit: CommentEdit<'_>,
    ) -> anyhow::Result<Edited> {
        let mut tx = self.begin_write().await?;
        lock_with_parent(&mut tx, id).await?;
        let Some(before) = load_comment(&mut *tx, id).await? else {
            return Ok(Edited::Gone);
        };
        match before.status {
            Status::Deleted => return Ok(Edited::Gone),
            Status::Rejected => return Ok(Edited::Decided(before)),
            Status::Published | Status::Pending => {}
        }
        sqlx::query(
            "UPDATE comments SET body = $1, length = $2, fingerprint = $3, status = $4, edited_at = $5,
                 version = version + 1, settled = FALSE
             WHERE id = $6",
        )
        .bind(edit.body)
        .bind(edit.length as i64)
        .bind(edit.fingerprint)
        .bind(edit.status.as_str())
        .bind(to_millis(edit.now))
        .bind(id)
        .execute(&mut *tx)
        .await
        .with_context(|| format!("cannot edit comment {id}"))?;
        let was_counted = before.status == Status::Published && !before.hidden;
        let is_counted = edit.status == Status::Published && !before.hidden;
        let delta = i64::from(is_counted) - i64::from(was_counted);
        if delta != 0 {
            count_published(&mut tx, &before.article_id, before.parent_id, delta)
                .await
                .with_context(|| format!("cannot edit comment {id}"))?;
        }
        count_thread(&mut tx, &before, edit.status, before.hidden)
            .await
            .with_context(|| format!("cannot edit comment {id}"))?;
        sqlx::query("DELETE FROM comment_reasons WHERE comment_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .with_context(|| format!("cannot edit comment {id}"))?;
        let held = Hold {
            comment_id: id,
            article_id: &before.article_id,
            author_id: edit.author_id,
            reasons: edit.reasons,
            was_pending: before.status == Status::Pending,
            now: edit.now,
        };
        record_hold(&mut tx, &held)
            .await
            .with_context(|| format!("cannot edit comment {id}"))?;
        let after = load_comment(&mut *tx, id).await?.unwrap_or(before.clone());
        if after.status != before.status {
            let kind = match after.status {
                Status::Published => EventType::CommentPublished,
                _ => EventType::CommentHeld,
            };
            self.outbox
                .comment_event(&mut tx, kind, &after, edit.now)
                .await
                .with_context(|| format!("cannot edit comment {id}"))?;
        }
        self.commit(tx, &[]).await?;
        Ok(Edited::Done(after))
    }

    /// Blanks the body and marks the comment deleted; uncounts it if it was
    /// published. `false` when it was already deleted.
    async fn delete_comment(&self, id: CommentId, now: DateTime<Utc>) -> anyhow::Result<bool> {
        let mut tx = self.begin_write().await?;
        lock_with_parent(&mut tx, id).await?;
        let Some(before) = load_comment(&mut *tx, id).await? else {
            return Ok(false);
        };
        if before.status == Status::Deleted {
            return Ok(false);
        }
        delete_in(&mut tx, &before, now)
            .await
            .with_context(|| format!("cannot delete comment {id}"))?;
        self.outbox
            .comment_event_by_id(&mut tx, EventType::CommentDeleted, id, now)
            .await?;
        self.commit(tx, &[]).await?;
        Ok(true)
    }

    /// Whether the viewer's listing of the article differs from the anonymous one.
    async fn has_own_view(&self, article_id: &str, viewer: AccountId) -> anyhow::Result<bool> {
        let found: bool = sqlx::query_scalar(OWN_VIEW)
            .bind(viewer)
            .bind(article_id)
            .fetch_one(&self.pool)
            .await
            .with_context(|| {
                format!("cannot look for the unlisted comments of account {viewer} on {article_id}")
            })?;
        Ok(found)
    }

    /// How many published comments on the article only this viewer is shown.
    async fn own_hidden_count(&self, article_id: &str, viewer: AccountId) -> anyhow::Result<i64> {
        let count: i64 = sqlx::query_scalar(OWN_HIDDEN_COUNT)
            .bind(viewer)
            .bind(article_id)
            .fetch_one(&self.pool)
            .await
            .with_context(|| {
                format!("cannot count the hidden comments of account {viewer} on {article_id}")
            })?;
        Ok(count)
    }

    /// A page of top-level comments, each with its first replies, with the
    /// viewer's own reactions marked.
    async fn comment_page(&self, q: &PageQuery<'_>) -> anyhow::Result<CommentPage<Thread>> {
        let (rows, next_after, next_cut) = if q.order.is_ranked() {
            let ranked = self.ranked_rows(q).await?;
            let (after, cut) = ranked.next.unzip();
            (ranked.rows, after, cut)
        } else {
            let page = self.id_page(q).await?;
            (page.items, page.next_after, None)
        };
        let parents: Vec<CommentId> = rows.iter().map(|r| r.id).collect();
        let mut replies = self.first_replies(&parents, q.viewer).await?;
        let mut threads: Vec<Thread> = rows
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
        if let Some(viewer) = q.viewer {
            let shown = threads
                .iter_mut()
                .flat_map(|t| std::iter::once(&mut t.comment).chain(t.replies.iter_mut()))
                .collect();
            self.mark_reactions(viewer, shown).await?;
        }
        Ok(CommentPage {
            items: threads,
            next_after,
            next_cut,
        })
    }

    /// Replies of one comment, oldest first.
    async fn reply_page(&self, q: &ReplyQuery) -> anyhow::Result<CommentPage<Comment>> {
        let mut page = self.plain_reply_page(q).await?;
        if let Some(viewer) = q.viewer {
            self.mark_reactions(viewer, page.items.iter_mut().collect())
                .await?;
        }
        Ok(page)
    }

    async fn react(&self, write: ReactionWrite) -> anyhow::Result<Reacted> {
        self.comments.react(write).await
    }

    async fn quota_usage(
        &self,
        account_id: AccountId,
        article_id: &str,
        day: Day,
    ) -> anyhow::Result<Usage> {
        super::quota::usage(&self.pool, account_id, article_id, day).await
    }

    async fn author_summary(
        &self,
        account_id: AccountId,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<AuthorSummary>> {
        super::history::summary(&self.pool, account_id, now).await
    }

    async fn author_comments(
        &self,
        account_id: AccountId,
        paging: &Paging,
    ) -> anyhow::Result<CommentPage<HistoryComment>> {
        super::history::comments(&self.pool, account_id, paging).await
    }

    async fn rank_ratios_from(&self, min: i64) -> anyhow::Result<()> {
        self.rank_ratio_keys(min).await
    }

    async fn reactions_of(
        &self,
        viewer: AccountId,
        comments: &[CommentId],
    ) -> anyhow::Result<Vec<(CommentId, Reaction)>> {
        self.viewer_reactions(viewer, comments).await
    }
}

impl PgStore {
    /// A page by id, newest or oldest first.
    async fn id_page(&self, q: &PageQuery<'_>) -> anyhow::Result<CommentPage<CommentRow>> {
        let (sql, start) = page_sql(q.order);
        let rows = sqlx::query_as::<_, CommentRow>(&sql)
            .bind(q.article_id)
            .bind(q.viewer)
            .bind(q.after.unwrap_or(start))
            .bind(q.limit as i64 + 1)
            .fetch_all(&self.pool)
            .await
            .with_context(|| format!("cannot load a page of comments on {}", q.article_id))?;
        Ok(split_page(rows, q.limit, |r| r.id.get()))
    }

    /// Fills in `my_reaction` on the comments shown to `viewer`.
    async fn mark_reactions(
        &self,
        viewer: AccountId,
        mut shown: Vec<&mut Comment>,
    ) -> anyhow::Result<()> {
        let ids: Vec<CommentId> = shown.iter().map(|c| c.id).collect();
        let mine: HashMap<CommentId, Reaction> = self
            .viewer_reactions(viewer, &ids)
            .await?
            .into_iter()
            .collect();
        for comment in shown.iter_mut() {
            comment.my_reaction = mine.get(&comment.id).copied();
        }
        Ok(())
    }

    async fn plain_reply_page(&self, q: &ReplyQuery) -> anyhow::Result<CommentPage<Comment>> {
        let rows = sqlx::query_as::<_, CommentRow>(&reply_page_sql())
            .bind(q.parent_id)
            .bind(q.viewer)
            .bind(q.after.unwrap_or(0))
            .bind(q.limit as i64 + 1)
            .fetch_all(&self.pool)
            .await
            .with_context(|| format!("cannot load the replies of comment {}", q.parent_id))?;
        let page = split_page(rows, q.limit, |r| r.id.get());
        Ok(CommentPage {
            items: page.items.into_iter().map(Comment::from).collect(),
            next_after: page.next_after,
            next_cut: None,
        })
    }

    async fn first_replies(
        &self,
        parents: &[CommentId],
        viewer: Option<AccountId>,
    ) -> anyhow::Result<Vec<Comment>> {
        if parents.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = parents.iter().map(|id| id.get()).collect();
        let rows = sqlx::query_as::<_, CommentRow>(&first_replies_sql())
            .bind(ids)
            .bind(viewer)
            .bind(REPLIES_PER_THREAD)
            .fetch_all(&self.pool)
            .await
            .context("cannot load the first replies of a page")?;
        Ok(rows.into_iter().map(Comment::from).collect())
    }
}

/// Locks a comment and its parent, whose reply count the change may move,
/// parent first (ids ascending, as every writer locks comments), so a
/// decision or another process's batch on the same rows waits for this
/// transaction and this one reads the comment as they left it.
async fn lock_with_parent(tx: &mut PgConnection, id: CommentId) -> anyhow::Result<()> {
    sqlx::query(
        "SELECT id FROM comments
         WHERE id = $1 OR id = (SELECT parent_id FROM comments WHERE id = $1)
         ORDER BY id FOR UPDATE",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await
    .with_context(|| format!("cannot lock comment {id}"))?;
    Ok(())
}

/// A comment held for review: what its hold records.
pub(super) struct Hold<'a> {
    pub comment_id: CommentId,
    pub article_id: &'a str,
    pub author_id: AccountId,
    pub reasons: &'a [Finding],
    /// The comment was held already (an edit of a held comment).
    pub was_pending: bool,
    pub now: DateTime<Utc>,
}

/// The reasons of a held comment, and the hold among the policy's decisions.
/// Deletes a comment that is not deleted yet, inside the caller's
/// transaction: blanks it, and uncounts it and its thread as listed.
pub(super) async fn delete_in(
    tx: &mut PgConnection,
    before: &Comment,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE comments SET status = 'deleted', body = '', length = 0, deleted_at = $1,
             version = version + 1
         WHERE id = $2",
    )
    .bind(to_millis(now))
    .bind(before.id)
    .execute(&mut *tx)
    .await?;
    if before.status == Status::Published && !before.hidden {
        count_published(tx, &before.article_id, before.parent_id, -1).await?;
    }
    count_thread(tx, before, Status::Deleted, before.hidden).await
}

pub(super) async fn record_hold(tx: &mut PgConnection, hold: &Hold<'_>) -> sqlx::Result<()> {
    if hold.reasons.is_empty() {
        return Ok(());
    }
    for reason in hold.reasons {
        sqlx::query(
            "INSERT INTO comment_reasons (comment_id, code, start, \"end\", detail)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(hold.comment_id)
        .bind(reason.code.as_str())
        .bind(reason.start as i64)
        .bind(reason.end as i64)
        .bind(reason_detail(reason))
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
    use crate::domain::quota::Quotas;
    use crate::domain::reactions::Reaction::Like;
    use crate::storage::postgres::temp_store;

    const ARTICLE: &str = "putin-north-korea-signal";

    /// An editorial and one reader, with SQL: those stores are other files'.
    async fn seeded() -> Option<(PgStore, AccountId)> {
        let store = temp_store().await?;
        sqlx::query(
            "INSERT INTO articles (id, title, url, created_at, updated_at)
             VALUES ($1, '사설', 'https://news.example/1', 0, 0)",
        )
        .bind(ARTICLE)
        .execute(&store.pool)
        .await
        .unwrap();
        let id = sqlx::query_scalar(
            "INSERT INTO accounts (email, display_name, role, created_at)
             VALUES ('a@news.example', '독자', 'reader', 0) RETURNING id",
        )
        .fetch_one(&store.pool)
        .await
        .unwrap();
        Some((store, id))
    }

    fn post(author_id: AccountId, parent_id: Option<CommentId>, body: &str) -> CommentInsert {
        let now = Utc::now();
        CommentInsert {
            article_id: ARTICLE.into(),
            parent_id,
            author_id,
            author_name: "독자".into(),
            body: body.into(),
            length: body.chars().count(),
            status: Status::Published,
            fingerprint: [body.len() as u8; 16],
            reasons: Vec::new(),
            now,
            repeat_since: Some(now - chrono::Duration::hours(1)),
            answers: parent_id,
            quota: Some(Quotas::none().for_comment(now)),
        }
    }

    async fn stored(store: &PgStore, new: CommentInsert) -> Comment {
        match store.insert_comment(new).await.unwrap() {
            Inserted::Stored(comment) => comment,
            other => panic!("not stored: {other:?}"),
        }
    }

    /// Every method of the trait once, so PostgreSQL parses each statement.
    #[tokio::test]
    async fn every_comment_method_runs_on_postgres() {
        let Some((store, me)) = seeded().await else {
            return;
        };
        let root = stored(&store, post(me, None, "첫 의견")).await;
        let reply = stored(&store, post(me, Some(root.id), "답글")).await;
        let reacted = store
            .react(ReactionWrite {
                comment_id: root.id,
                account_id: me,
                kind: Some(Like),
                now: Utc::now(),
                ratio_min: 1,
                daily: None,
            })
            .await
            .unwrap();
        assert!(
            matches!(reacted, Reacted::Done(t) if t.likes == 1),
            "{reacted:?}"
        );
        let edit = CommentEdit {
            author_id: me,
            body: "고친 의견",
            length: 5,
            status: Status::Pending,
            fingerprint: &[9; 16],
            reasons: &[Finding {
                code: crate::domain::policy::RuleCode::Link,
                action: Action::Hold,
                start: 0,
                end: 2,
                matched: "고친".into(),
            }],
            now: Utc::now(),
        };
        let edited = store.update_comment_text(reply.id, edit).await.unwrap();
        assert!(
            matches!(edited, Edited::Done(ref c) if c.status == Status::Pending),
            "{edited:?}"
        );
        assert!(store.has_own_view(ARTICLE, me).await.unwrap());
        assert_eq!(store.own_hidden_count(ARTICLE, me).await.unwrap(), 0);
        for order in [Order::Newest, Order::Oldest, Order::Best, Order::Ratio] {
            let q = PageQuery {
                article_id: ARTICLE,
                viewer: Some(me),
                order,
                after: None,
                cut: None,
                ratio_min: 1,
                limit: 10,
            };
            let page = store.comment_page(&q).await.unwrap();
            assert_eq!(page.items.len(), 1, "{order:?}");
            assert_eq!(page.items[0].replies.len(), 1, "the viewer's held reply");
            assert_eq!(page.items[0].comment.my_reaction, Some(Like));
            let cut = crate::domain::paging::Cut { seq: 1, key: 5 };
            let later = PageQuery {
                after: Some(root.id.get() + 1),
                cut: Some(cut),
                ..q
            };
            store.comment_page(&later).await.unwrap();
        }
        let replies = store
            .reply_page(&ReplyQuery {
                parent_id: root.id,
                viewer: None,
                after: None,
                limit: 10,
            })
            .await
            .unwrap();
        assert!(
            replies.items.is_empty(),
            "held replies are the author's to see"
        );
        let usage = store
            .quota_usage(me, ARTICLE, Quotas::none().day(Utc::now()))
            .await
            .unwrap();
        assert_eq!((usage.comments_today, usage.reactions_today), (2, 1));
        let summary = store.author_summary(me, Utc::now()).await.unwrap().unwrap();
        assert_eq!((summary.published_count, summary.likes_received), (1, 1));
        let paging = crate::domain::paging::Paging {
            limit: 10,
            after: None,
            cut: None,
        };
        let history = store.author_comments(me, &paging).await.unwrap();
        assert_eq!(history.items[0].article_title, "사설");
        store.rank_ratios_from(3).await.unwrap();
        let mine = store.reactions_of(me, &[root.id, reply.id]).await.unwrap();
        assert_eq!(mine, [(root.id, Like)]);
        assert!(store.delete_comment(reply.id, Utc::now()).await.unwrap());
        assert!(!store.delete_comment(reply.id, Utc::now()).await.unwrap());
        let again = store.comment(reply.id).await.unwrap().unwrap();
        assert_eq!(again.status, Status::Deleted);
    }

    /// Two processes' writers posting the same text for one author at once:
    /// the account lock makes the second batch see the first, so one is
    /// stored and the other is refused as a repeat.
    #[tokio::test]
    async fn a_repeat_from_two_processes_at_once_is_stored_once() {
        let Some((store, me)) = seeded().await else {
            return;
        };
        let name: String = sqlx::query_scalar("SELECT current_database()")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        let base = std::env::var("TEST_POSTGRES_URL").unwrap();
        let other = PgStore::open(&format!("{base}/{name}"), 2).await.unwrap();

        let (a, b) = tokio::join!(
            store.insert_comment(post(me, None, "같은 말")),
            other.insert_comment(post(me, None, "같은 말")),
        );

        let outcomes = [a.unwrap(), b.unwrap()];
        let kept = outcomes.iter().filter(|o| matches!(o, Inserted::Stored(_)));
        assert_eq!(kept.count(), 1, "{outcomes:?}");
        let counted: i64 = sqlx::query_scalar("SELECT comment_count FROM articles WHERE id = $1")
            .bind(ARTICLE)
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(counted, 1);
    }
}
