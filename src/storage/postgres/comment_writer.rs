//! Group commit for new comments and reactions.
//!
//! Every commit waits for the write-ahead log to reach the disk, so one commit
//! per comment caps posting at the disk's flush rate. Posts and reactions
//! therefore queue for one writer task per process, which takes every job
//! waiting and commits them together; each reader is answered only after the
//! commit that holds their change, so an acknowledged comment or reaction is
//! as durable as before. A post that fails (say, its parent vanished) is
//! rolled back to its savepoint and fails alone.
//!
//! Several processes each run a writer, so what a batch reads and then writes
//! (the repeat check, the quotas, open threads, reaction counts) is guarded by
//! row locks taken at the start of the batch, in one fixed order: accounts,
//! then comments, each by id (see `lock_batch`).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::Context;
use sqlx::{PgConnection, PgPool};
use tokio::sync::{mpsc, oneshot};

use super::comments::{Hold, record_hold};
use super::counters::{count_on_article, count_on_parent};
use super::outbox::Outbox;
use super::reactions;
use super::shared::{from_millis, to_millis};
use crate::domain::comments::Status;
use crate::domain::ids::CommentId;
use crate::domain::quota::Breach;
use crate::domain::reactions::{Reacted, ReactionWrite};
use crate::domain::webhooks::EventType;
use crate::storage::comments::{CommentInsert, Inserted};
use crate::telemetry::metrics;

/// Jobs taken into one commit at most; more wait for the next.
const MAX_BATCH: usize = 256;
/// Jobs waiting before senders have to wait too.
const QUEUE: usize = 4096;
/// How often old reaction changes are pruned.
const PRUNE_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

type Reply<T> = oneshot::Sender<anyhow::Result<T>>;

/// One write waiting for the next commit, and whom to answer.
enum Job {
    Post(Box<CommentInsert>, Reply<Inserted>),
    React(ReactionWrite, Reply<Reacted>),
}

#[derive(Clone)]
pub(super) struct CommentWriter {
    queue: mpsc::Sender<Job>,
}

impl CommentWriter {
    /// Starts the writer task on the current runtime.
    pub(super) fn start(
        pool: PgPool,
        version: Arc<AtomicU64>,
        outbox: Arc<Outbox>,
    ) -> CommentWriter {
        let (queue, waiting) = mpsc::channel(QUEUE);
        tokio::spawn(run(pool, version, outbox, waiting));
        CommentWriter { queue }
    }

    /// Stores the comment and answers once its commit is on disk.
    pub(super) async fn insert(&self, new: CommentInsert) -> anyhow::Result<Inserted> {
        let (reply, answer) = oneshot::channel();
        self.send(Job::Post(Box::new(new), reply)).await?;
        answer
            .await
            .map_err(|_| anyhow::anyhow!("the comment writer dropped a post"))?
    }

    /// Applies the reaction and answers once its commit is on disk.
    pub(super) async fn react(&self, write: ReactionWrite) -> anyhow::Result<Reacted> {
        let (reply, answer) = oneshot::channel();
        self.send(Job::React(write, reply)).await?;
        answer
            .await
            .map_err(|_| anyhow::anyhow!("the comment writer dropped a reaction"))?
    }

    async fn send(&self, job: Job) -> anyhow::Result<()> {
        self.queue
            .send(job)
            .await
            .map_err(|_| anyhow::anyhow!("the comment writer has stopped"))
    }
}

async fn run(
    pool: PgPool,
    version: Arc<AtomicU64>,
    outbox: Arc<Outbox>,
    mut waiting: mpsc::Receiver<Job>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut pruned = Instant::now() - PRUNE_EVERY;
    while waiting.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let mut posts = Vec::new();
        let mut post_replies = Vec::new();
        let mut reacts = Vec::new();
        let mut react_replies = Vec::new();
        for job in batch.drain(..) {
            match job {
                Job::Post(post, reply) => {
                    posts.push(*post);
                    post_replies.push(reply);
                }
                Job::React(write, reply) => {
                    reacts.push(write);
                    react_replies.push(reply);
                }
            }
        }
        let (jobs, started) = (posts.len() + reacts.len(), Instant::now());
        let (posted, reacted) = commit_batch(&pool, &outbox, posts, reacts).await;
        metrics::committed(jobs, started.elapsed());
        // As `PgStore::saw` for a commit that made no memo stale; the other
        // processes hear of it through the batch's notice.
        outbox.wake();
        // Before anyone is answered, so a reader's next read sees their change.
        version.fetch_add(1, Ordering::Release);
        // A reader may have gone; the change is stored all the same.
        for (reply, result) in post_replies.into_iter().zip(posted) {
            let _ = reply.send(result);
        }
        for (reply, result) in react_replies.into_iter().zip(reacted) {
            let _ = reply.send(result);
        }
        if pruned.elapsed() >= PRUNE_EVERY {
            pruned = Instant::now();
            prune_changes(&pool).await;
        }
    }
}

/// Old reaction changes go in a transaction of their own, between batches.
async fn prune_changes(pool: &PgPool) {
    let pruned = async {
        let mut tx = pool.begin().await?;
        reactions::prune(&mut tx, chrono::Utc::now()).await?;
        tx.commit().await
    }
    .await;
    if let Err(error) = pruned {
        tracing::warn!(error = %error, "cannot prune old reaction changes");
    }
}

type Outcomes = (Vec<anyhow::Result<Inserted>>, Vec<anyhow::Result<Reacted>>);

/// Times a batch is tried when PostgreSQL breaks a deadlock by failing it.
const TRIES: usize = 3;

/// One transaction for the whole batch: the posts (see `write_posts`), then
/// the reactions in the order they came. Every job gets the commit's error if
/// the commit itself fails. A batch chosen to break a deadlock with another
/// writer (a decision, an erasure) rolled back whole and is tried again.
async fn commit_batch(
    pool: &PgPool,
    outbox: &Outbox,
    posts: Vec<CommentInsert>,
    reacts: Vec<ReactionWrite>,
) -> Outcomes {
    let (post_count, react_count) = (posts.len(), reacts.len());
    let mut outcome = try_batch(pool, outbox, &posts, &reacts).await;
    for _ in 1..TRIES {
        match &outcome {
            Err(error) if is_deadlock(error) => {
                tracing::warn!(
                    error = format!("{error:#}"),
                    "a write batch deadlocked; trying again"
                );
                outcome = try_batch(pool, outbox, &posts, &reacts).await;
            }
            _ => break,
        }
    }
    match outcome {
        Ok((posted, reacted)) => (
            posts
                .into_iter()
                .zip(posted)
                .map(|(post, outcome)| match outcome {
                    Err(Refused::Repeat) => Ok(Inserted::Repeat),
                    Err(Refused::Closed) => Ok(Inserted::Closed),
                    Err(Refused::OverQuota(breach)) => Ok(Inserted::OverQuota(breach)),
                    Err(Refused::AuthorErased) => Ok(Inserted::AuthorErased),
                    Ok(id) => id.map(|id| Inserted::Stored(post.stored(id))),
                })
                .collect(),
            reacted.into_iter().map(Ok).collect(),
        ),
        Err(error) => {
            tracing::error!(
                error = format!("{error:#}"),
                posts = post_count,
                reactions = react_count,
                "a write batch failed"
            );
            let message = format!("the batch commit failed: {error:#}");
            (
                (0..post_count)
                    .map(|_| Err(anyhow::anyhow!("{message}")))
                    .collect(),
                (0..react_count)
                    .map(|_| Err(anyhow::anyhow!("{message}")))
                    .collect(),
            )
        }
    }
}

/// The batch in one transaction: the locks, the posts, the reactions, the
/// notice other processes hear it by, the commit.
async fn try_batch(
    pool: &PgPool,
    outbox: &Outbox,
    posts: &[CommentInsert],
    reacts: &[ReactionWrite],
) -> anyhow::Result<(Vec<PostOutcome>, Vec<Reacted>)> {
    let mut tx = pool.begin().await.context("cannot begin a batch")?;
    lock_batch(&mut tx, posts, reacts)
        .await
        .context("cannot lock the rows of a batch")?;
    let posted = write_posts(&mut tx, outbox, posts).await?;
    let reacted = reactions::apply_all(&mut tx, reacts)
        .await
        .with_context(|| format!("cannot apply a batch of {} reactions", reacts.len()))?;
    super::announce(&mut tx, &[]).await?;
    tx.commit().await.context("cannot commit a batch")?;
    Ok((posted, reacted))
}

/// Whether PostgreSQL failed the transaction to break a deadlock or a
/// serialization conflict: nothing of it stayed, so it can run again.
fn is_deadlock(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<sqlx::Error>(),
            Some(sqlx::Error::Database(db)) if matches!(db.code().as_deref(), Some("40P01" | "40001"))
        )
    })
}

/// Locks what the batch reads and then writes, so another process's batch
/// for the same rows waits for this one's commit (and reads what it left):
/// the accounts of the batch's authors and readers (the repeat check, the
/// comment and reaction quotas, erasure), then the comments replied to or
/// reacted to (open threads, reply and reaction counts). Always accounts
/// first, then comments, each by id ascending, as every writer locks them,
/// so two batches cannot wait for each other.
async fn lock_batch(
    tx: &mut PgConnection,
    posts: &[CommentInsert],
    reacts: &[ReactionWrite],
) -> sqlx::Result<()> {
    let accounts: BTreeSet<i64> = posts
        .iter()
        .map(|p| p.author_id.get())
        .chain(reacts.iter().map(|r| r.account_id.get()))
        .collect();
    let comments: BTreeSet<i64> = posts
        .iter()
        .flat_map(|p| [p.parent_id, p.answers])
        .flatten()
        .chain(reacts.iter().map(|r| r.comment_id))
        .map(|id| id.get())
        .collect();
    let accounts: Vec<i64> = accounts.into_iter().collect();
    let comments: Vec<i64> = comments.into_iter().collect();
    if !accounts.is_empty() {
        sqlx::query("SELECT id FROM accounts WHERE id = ANY($1) ORDER BY id FOR UPDATE")
            .bind(&accounts)
            .fetch_all(&mut *tx)
            .await?;
    }
    if !comments.is_empty() {
        sqlx::query("SELECT id FROM comments WHERE id = ANY($1) ORDER BY id FOR UPDATE")
            .bind(&comments)
            .fetch_all(&mut *tx)
            .await?;
    }
    Ok(())
}

type PostOutcome = Result<anyhow::Result<CommentId>, Refused>;

/// The plain posts in one statement, held ones (which carry reasons and log
/// lines) one by one, then the article and parent counters once. Repeats,
/// and replies whose thread a decision closed first, are found here and not
/// stored. Each stored post's webhook event goes in the same transaction.
async fn write_posts(
    tx: &mut PgConnection,
    outbox: &Outbox,
    posts: &[CommentInsert],
) -> anyhow::Result<Vec<PostOutcome>> {
    if posts.is_empty() {
        return Ok(Vec::new());
    }
    let refused = find_refused(tx, posts)
        .await
        .context("cannot look for repeats and closed threads in a batch")?;
    let fresh: Vec<&CommentInsert> = posts
        .iter()
        .zip(&refused)
        .filter(|(_, refused)| refused.is_none())
        .map(|(post, _)| post)
        .collect();
    let mut ids = insert_all(tx, &fresh).await?.into_iter();
    let mut counts = Counts::default();
    let mut outcomes = Vec::with_capacity(posts.len());
    for (post, refused) in posts.iter().zip(refused) {
        let outcome = match refused {
            Some(why) => Err(why),
            None => Ok(ids
                .next()
                .unwrap_or_else(|| Err(anyhow::anyhow!("no id for a post")))),
        };
        if let Ok(Ok(id)) = &outcome {
            if post.status == Status::Published {
                counts.add(post);
            }
            record_posted(tx, outbox, post, *id).await?;
        }
        outcomes.push(outcome);
    }
    counts
        .write(tx)
        .await
        .context("cannot count a batch of posts on their articles")?;
    Ok(outcomes)
}

/// `comment.published` or `comment.held` for a stored post.
async fn record_posted(
    tx: &mut PgConnection,
    outbox: &Outbox,
    post: &CommentInsert,
    id: CommentId,
) -> anyhow::Result<()> {
    let kind = match post.status {
        Status::Published => EventType::CommentPublished,
        _ => EventType::CommentHeld,
    };
    let comment = post.clone_stored(id);
    outbox
        .comment_event(tx, kind, &comment, post.now)
        .await
        .with_context(|| format!("cannot write the event of comment {id}"))
}

/// Why a post of the batch is not stored.
#[derive(Debug, Clone, Copy)]
enum Refused {
    Repeat,
    Closed,
    OverQuota(Breach),
    /// The author's account was erased while the post waited in the queue.
    AuthorErased,
}

/// Each post's reason not to be stored, if any.
async fn find_refused(
    tx: &mut PgConnection,
    posts: &[CommentInsert],
) -> sqlx::Result<Vec<Option<Refused>>> {
    let repeats = find_repeats(tx, posts).await?;
    let closed = find_closed(tx, posts).await?;
    let erased = find_erased_authors(tx, posts).await?;
    let refused: Vec<Option<Refused>> = repeats
        .into_iter()
        .zip(closed)
        .zip(&erased)
        .map(|((repeat, closed), erased)| {
            if *erased {
                Some(Refused::AuthorErased)
            } else if closed {
                Some(Refused::Closed)
            } else if repeat {
                Some(Refused::Repeat)
            } else {
                None
            }
        })
        .collect();
    let over = find_over_quota(tx, posts, &refused).await?;
    Ok(refused
        .into_iter()
        .zip(over)
        .map(|(refused, over)| refused.or(over.map(Refused::OverQuota)))
        .collect())
}

/// Which posts come from an account erased since its session was checked:
/// the erasure committed first, so nothing may be stored under it.
async fn find_erased_authors(
    tx: &mut PgConnection,
    posts: &[CommentInsert],
) -> sqlx::Result<Vec<bool>> {
    let authors: Vec<i64> = posts.iter().map(|p| p.author_id.get()).collect();
    let erased: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM accounts WHERE erased_at IS NOT NULL AND id = ANY($1)")
            .bind(&authors)
            .fetch_all(&mut *tx)
            .await?;
    Ok(posts
        .iter()
        .map(|p| erased.contains(&p.author_id.get()))
        .collect())
}

/// What one author has used: today's comments, today's on each editorial,
/// and the time of the last one.
#[derive(Default)]
struct Used {
    today: i64,
    on_article: HashMap<String, i64>,
    last: Option<chrono::DateTime<chrono::Utc>>,
}

/// Which posts break their author's quotas. What is stored is read once for
/// the batch; the batch's earlier posts that will be stored count as well,
/// so fifty posts sent at once stop at the limit exactly.
async fn find_over_quota(
    tx: &mut PgConnection,
    posts: &[CommentInsert],
    refused: &[Option<Refused>],
) -> sqlx::Result<Vec<Option<Breach>>> {
    let mut over = vec![None; posts.len()];
    let checks: Vec<serde_json::Value> = posts
        .iter()
        .zip(refused)
        .enumerate()
        .filter(|(_, (_, refused))| refused.is_none())
        .filter_map(|(index, (p, _))| {
            let day = p.quota?.day;
            Some(serde_json::json!([
                index,
                p.author_id,
                to_millis(day.start),
                p.article_id
            ]))
        })
        .collect();
    if checks.is_empty() {
        return Ok(over);
    }
    let rows: Vec<(i64, i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT j.n,
           (SELECT count(*) FROM comments
            WHERE author_id = j.author_id AND created_at >= j.since),
           (SELECT count(*) FROM comments
            WHERE author_id = j.author_id AND article_id = j.article_id AND created_at >= j.since),
           (SELECT max(created_at) FROM comments WHERE author_id = j.author_id)
         FROM (SELECT (value ->> 0)::bigint AS n, (value ->> 1)::bigint AS author_id,
                      (value ->> 2)::bigint AS since, value ->> 3 AS article_id
               FROM json_array_elements($1::json)) AS j",
    )
    .bind(serde_json::Value::Array(checks).to_string())
    .fetch_all(&mut *tx)
    .await?;
    let mut used: HashMap<_, Used> = HashMap::new();
    for (index, today, on_article, last) in rows {
        let post = &posts[index as usize];
        let Some(quota) = post.quota else { continue };
        let mine = used.entry(post.author_id).or_insert_with(|| Used {
            today,
            on_article: HashMap::new(),
            last: last.map(from_millis),
        });
        let here = mine
            .on_article
            .entry(post.article_id.clone())
            .or_insert(on_article);
        match quota.breach(mine.today, *here, mine.last, post.now) {
            Some(breach) => over[index as usize] = Some(breach),
            None => {
                *here += 1;
                mine.today += 1;
                mine.last = Some(post.now);
            }
        }
    }
    Ok(over)
}

/// Which replies answer a comment, or sit in a thread, that is no longer open
/// (published and not hidden): a rejection or deletion that committed while
/// the reply waited for this batch wins. One query for the whole batch.
async fn find_closed(tx: &mut PgConnection, posts: &[CommentInsert]) -> sqlx::Result<Vec<bool>> {
    let checks: Vec<serde_json::Value> = posts
        .iter()
        .enumerate()
        .filter_map(|(index, p)| {
            let root = p.parent_id?;
            Some(serde_json::json!([index, root, p.answers.unwrap_or(root)]))
        })
        .collect();
    let mut closed = vec![false; posts.len()];
    if checks.is_empty() {
        return Ok(closed);
    }
    let found: Vec<i64> = sqlx::query_scalar(
        "SELECT (value ->> 0)::bigint FROM json_array_elements($1::json)
         WHERE NOT EXISTS (SELECT 1 FROM comments
                           WHERE id = (value ->> 1)::bigint AND status = 'published' AND NOT hidden)
            OR NOT EXISTS (SELECT 1 FROM comments
                           WHERE id = (value ->> 2)::bigint AND status = 'published' AND NOT hidden)",
    )
    .bind(serde_json::Value::Array(checks).to_string())
    .fetch_all(&mut *tx)
    .await?;
    for index in found {
        closed[index as usize] = true;
    }
    Ok(closed)
}

/// Which posts repeat their author's recent text: one query for the whole
/// batch against what is stored, then the batch against itself.
async fn find_repeats(tx: &mut PgConnection, posts: &[CommentInsert]) -> sqlx::Result<Vec<bool>> {
    let checks: Vec<serde_json::Value> = posts
        .iter()
        .enumerate()
        .filter_map(|(index, p)| {
            let since = p.repeat_since?;
            Some(serde_json::json!([
                index,
                p.author_id,
                hex::encode(p.fingerprint),
                to_millis(since)
            ]))
        })
        .collect();
    let mut repeats = vec![false; posts.len()];
    if checks.is_empty() {
        return Ok(repeats);
    }
    let stored: Vec<i64> = sqlx::query_scalar(
        "SELECT (value ->> 0)::bigint FROM json_array_elements($1::json)
         WHERE EXISTS (SELECT 1 FROM comments
                       WHERE author_id = (value ->> 1)::bigint
                         AND fingerprint = decode(value ->> 2, 'hex')
                         AND created_at >= (value ->> 3)::bigint
                         AND status IN ('published', 'pending'))",
    )
    .bind(serde_json::Value::Array(checks).to_string())
    .fetch_all(&mut *tx)
    .await?;
    for index in stored {
        repeats[index as usize] = true;
    }
    let mut seen = HashSet::new();
    for (post, repeat) in posts.iter().zip(repeats.iter_mut()) {
        let new = seen.insert((post.author_id, post.fingerprint));
        *repeat |= !new && post.repeat_since.is_some();
    }
    Ok(repeats)
}

/// Each post's id, or why it alone failed. Plain posts go in one statement;
/// if a row of it breaks a constraint, every post is tried on its own so only
/// the bad one fails. The statement runs under a savepoint: a failed
/// statement spoils a PostgreSQL transaction until it is rolled back to one.
/// Any other error fails the whole batch.
async fn insert_all(
    tx: &mut PgConnection,
    posts: &[&CommentInsert],
) -> anyhow::Result<Vec<anyhow::Result<CommentId>>> {
    let plain: Vec<&CommentInsert> = posts
        .iter()
        .copied()
        .filter(|p| p.reasons.is_empty())
        .collect();
    sqlx::query("SAVEPOINT plain").execute(&mut *tx).await?;
    let inserted = insert_plain(tx, &plain).await;
    if inserted.is_err() {
        sqlx::query("ROLLBACK TO plain").execute(&mut *tx).await?;
    }
    sqlx::query("RELEASE plain").execute(&mut *tx).await?;
    let mut plain_ids = match inserted {
        Ok(ids) => ids.into_iter(),
        // A statement stopped by a constraint changed nothing once rolled
        // back, so the posts can be tried again.
        Err(error) if is_row_error(&error) => {
            tracing::warn!(
                error = %error,
                posts = plain.len(),
                "a comment batch broke a constraint; trying its posts one by one"
            );
            Vec::new().into_iter()
        }
        Err(error) => {
            return Err(error).context(format!("cannot insert a batch of {} posts", plain.len()));
        }
    };
    let mut ids = Vec::with_capacity(posts.len());
    for post in posts {
        let planned = if post.reasons.is_empty() {
            plain_ids.next()
        } else {
            None
        };
        let id = match planned {
            Some(id) => Ok(id),
            None => insert_one(tx, post).await,
        };
        ids.push(id);
    }
    Ok(ids)
}

/// True when the error belongs to one row (a constraint it breaks), not to
/// the connection or the server.
fn is_row_error(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if !matches!(db.kind(), sqlx::error::ErrorKind::Other))
}

/// Inserts posts without reasons in one statement, from a JSON array. The
/// identity hands out ids upwards in the order rows are inserted (another
/// process's may fall between them), so the sorted ids are the posts' ids in
/// order.
async fn insert_plain(
    tx: &mut PgConnection,
    posts: &[&CommentInsert],
) -> sqlx::Result<Vec<CommentId>> {
    if posts.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<serde_json::Value> = posts
        .iter()
        .map(|p| {
            serde_json::json!([
                p.article_id,
                p.parent_id,
                p.author_id,
                p.body,
                p.length,
                p.status.as_str(),
                hex::encode(p.fingerprint),
                to_millis(p.now)
            ])
        })
        .collect();
    let mut ids: Vec<CommentId> = sqlx::query_scalar(
        "INSERT INTO comments (article_id, parent_id, author_id, body, length, status, fingerprint, created_at)
         SELECT value ->> 0, (value ->> 1)::bigint, (value ->> 2)::bigint, value ->> 3,
                (value ->> 4)::bigint, value ->> 5, decode(value ->> 6, 'hex'), (value ->> 7)::bigint
         FROM json_array_elements($1::json) WITH ORDINALITY AS j (value, n) ORDER BY n
         RETURNING id",
    )
    .bind(serde_json::Value::Array(rows).to_string())
    .fetch_all(&mut *tx)
    .await?;
    ids.sort_unstable();
    Ok(ids)
}

/// Inserts one post under a savepoint, so a failure undoes only this post.
async fn insert_one(tx: &mut PgConnection, post: &CommentInsert) -> anyhow::Result<CommentId> {
    sqlx::query("SAVEPOINT post").execute(&mut *tx).await?;
    let inserted = insert_rows(tx, post).await;
    if inserted.is_err() {
        sqlx::query("ROLLBACK TO post").execute(&mut *tx).await?;
    }
    sqlx::query("RELEASE post").execute(&mut *tx).await?;
    inserted.context("cannot store a post")
}

async fn insert_rows(tx: &mut PgConnection, post: &CommentInsert) -> sqlx::Result<CommentId> {
    let id: CommentId = sqlx::query_scalar(
        "INSERT INTO comments (article_id, parent_id, author_id, body, length, status, fingerprint, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(&post.article_id)
    .bind(post.parent_id)
    .bind(post.author_id)
    .bind(&post.body)
    .bind(post.length as i64)
    .bind(post.status.as_str())
    .bind(&post.fingerprint[..])
    .bind(to_millis(post.now))
    .fetch_one(&mut *tx)
    .await?;
    let hold = Hold {
        comment_id: id,
        article_id: &post.article_id,
        author_id: post.author_id,
        reasons: &post.reasons,
        was_pending: false,
        now: post.now,
    };
    record_hold(tx, &hold).await?;
    Ok(id)
}

/// Published comments of the batch per article and per parent, so each
/// counter is written once per commit instead of once per post; in key
/// order, so two processes' batches lock the same articles in the same order.
#[derive(Default)]
struct Counts {
    articles: BTreeMap<String, i64>,
    parents: BTreeMap<CommentId, i64>,
}

impl Counts {
    fn add(&mut self, post: &CommentInsert) {
        *self.articles.entry(post.article_id.clone()).or_default() += 1;
        if let Some(parent) = post.parent_id {
            *self.parents.entry(parent).or_default() += 1;
        }
    }

    async fn write(&self, tx: &mut PgConnection) -> sqlx::Result<()> {
        for (article_id, added) in &self.articles {
            count_on_article(tx, article_id, *added).await?;
        }
        for (parent_id, added) in &self.parents {
            count_on_parent(tx, *parent_id, *added).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::accounts::Role;
    use crate::domain::ids::AccountId;
    use crate::storage::postgres::{PgStore, temp_store};

    fn post(article_id: &str, author_id: AccountId, body: &str) -> CommentInsert {
        CommentInsert {
            article_id: article_id.into(),
            parent_id: None,
            author_id,
            author_name: "독자".into(),
            body: body.into(),
            length: body.chars().count(),
            status: Status::Published,
            fingerprint: [body.len() as u8; 16],
            reasons: Vec::new(),
            now: chrono::Utc::now(),
            repeat_since: None,
            quota: None,
            answers: None,
        }
    }

    async fn commit_posts(
        pool: &PgPool,
        posts: Vec<CommentInsert>,
    ) -> Vec<anyhow::Result<Inserted>> {
        commit_batch(pool, &Outbox::new(), posts, Vec::new())
            .await
            .0
    }

    fn stored(result: &anyhow::Result<Inserted>) -> &crate::domain::comments::Comment {
        match result {
            Ok(Inserted::Stored(comment)) => comment,
            other => panic!("not stored: {other:?}"),
        }
    }

    /// A store on a fresh database with one editorial and one reader;
    /// `None` without a test server. Written with SQL: the account and
    /// editorial stores are other files' part.
    async fn store_with_author() -> Option<(PgStore, crate::domain::accounts::User)> {
        let store = temp_store().await?;
        sqlx::query(
            "INSERT INTO articles (id, title, url, created_at, updated_at)
             VALUES ('putin-north-korea-signal', '사설', 'https://news.example/1', 0, 0)",
        )
        .execute(&store.pool)
        .await
        .unwrap();
        let id = reader(&store, "a@news.example").await;
        let author = crate::domain::accounts::User {
            id,
            email: Some("a@news.example".into()),
            display_name: "독자".into(),
            role: Role::Reader,
        };
        Some((store, author))
    }

    fn react(
        comment_id: CommentId,
        account_id: AccountId,
        kind: Option<crate::domain::reactions::Reaction>,
    ) -> ReactionWrite {
        ReactionWrite {
            comment_id,
            account_id,
            kind,
            now: chrono::Utc::now(),
            ratio_min: 2,
            daily: None,
        }
    }

    async fn reader(store: &PgStore, email: &str) -> AccountId {
        sqlx::query_scalar(
            "INSERT INTO accounts (email, display_name, role, created_at)
             VALUES ($1, '독자', 'reader', 0) RETURNING id",
        )
        .bind(email)
        .fetch_one(&store.pool)
        .await
        .unwrap()
    }

    fn tally(result: &anyhow::Result<Reacted>) -> (i64, i64, Option<&'static str>) {
        match result {
            Ok(Reacted::Done(t)) => (t.likes, t.dislikes, t.mine.map(|k| k.as_str())),
            other => panic!("not done: {other:?}"),
        }
    }

    /// Reactions in one commit apply in the order they came, each seeing the
    /// ones before it, and leave the rows, the counts and the log as one by
    /// one would.
    #[tokio::test]
    async fn a_batch_of_reactions_applies_in_order_each_seeing_the_last() {
        use crate::domain::reactions::Reaction::{Dislike, Like};
        let Some((store, author)) = store_with_author().await else {
            return;
        };
        let article = "putin-north-korea-signal";
        let posted = commit_posts(&store.pool, vec![post(article, author.id, "첫 의견")]).await;
        let comment = stored(&posted[0]).id;
        let (a, b) = (
            reader(&store, "a@b.example").await,
            reader(&store, "b@b.example").await,
        );
        let writes = vec![
            react(comment, a, Some(Like)),
            react(comment, b, Some(Dislike)),
            react(comment, a, Some(Dislike)),
            react(comment, a, Some(Dislike)),
            react(comment, b, None),
            react(CommentId::new(999), a, Some(Like)),
        ];

        let (_, reacted) = commit_batch(&store.pool, &Outbox::new(), Vec::new(), writes).await;

        let seen: Vec<_> = reacted[..5].iter().map(tally).collect();
        assert_eq!(
            seen,
            [
                (1, 0, Some("like")),
                (1, 1, Some("dislike")),
                (0, 2, Some("dislike")),
                (0, 2, Some("dislike")),
                (0, 1, None),
            ],
            "each reaction sees the ones before it; a repeat changes nothing"
        );
        assert!(
            matches!(reacted[5], Ok(Reacted::Closed)),
            "{:?}",
            reacted[5]
        );
        let rows: Vec<(AccountId, String)> =
            sqlx::query_as("SELECT account_id, kind FROM reactions WHERE comment_id = $1")
                .bind(comment)
                .fetch_all(&store.pool)
                .await
                .unwrap();
        assert_eq!(rows, [(a, "dislike".to_owned())], "b took theirs back");
        let counts: (i64, i64, i64) =
            sqlx::query_as("SELECT likes, dislikes, ratio_rank FROM comments WHERE id = $1")
                .bind(comment)
                .fetch_one(&store.pool)
                .await
                .unwrap();
        assert_eq!(
            counts,
            (0, 1, -1),
            "one reaction is below the ratio minimum of 2"
        );
        let log: Vec<(AccountId, i64, i64)> =
            sqlx::query_as("SELECT account_id, likes, dislikes FROM reaction_changes ORDER BY seq")
                .fetch_all(&store.pool)
                .await
                .unwrap();
        assert_eq!(
            log,
            [(a, 1, 0), (b, 0, 1), (a, -1, 1), (b, 0, -1)],
            "one change per real change, in order"
        );
    }

    /// The daily quota counts the reactions set earlier in the same commit.
    #[tokio::test]
    async fn the_daily_quota_counts_the_batch_before_it() {
        use crate::domain::reactions::{DailyQuota, Reaction::Like};
        let Some((store, author)) = store_with_author().await else {
            return;
        };
        let article = "putin-north-korea-signal";
        let texts = ["하나", "둘", "셋"].map(|t| post(article, author.id, t));
        let posted = commit_posts(&store.pool, texts.into()).await;
        let ids: Vec<CommentId> = posted.iter().map(|p| stored(p).id).collect();
        let a = reader(&store, "a@b.example").await;
        let quota = DailyQuota {
            limit: 2,
            since: chrono::Utc::now() - chrono::Duration::hours(24),
        };
        let first = ReactionWrite {
            daily: Some(quota),
            ..react(ids[0], a, Some(Like))
        };
        commit_batch(&store.pool, &Outbox::new(), Vec::new(), vec![first]).await;
        let writes = [ids[1], ids[2]]
            .map(|id| ReactionWrite {
                daily: Some(quota),
                ..react(id, a, Some(Like))
            })
            .to_vec();

        let (_, reacted) = commit_batch(&store.pool, &Outbox::new(), Vec::new(), writes).await;

        assert_eq!(
            tally(&reacted[0]),
            (1, 0, Some("like")),
            "the second of two"
        );
        assert!(
            matches!(reacted[1], Ok(Reacted::OverQuota)),
            "{:?}",
            reacted[1]
        );
    }

    #[tokio::test]
    async fn a_failing_post_fails_alone_and_the_counter_counts_the_rest() {
        let Some((store, author)) = store_with_author().await else {
            return;
        };
        let article = "putin-north-korea-signal";
        let posts = vec![
            post(article, author.id, "first"),
            post("no-such-article", author.id, "orphan"),
            post(article, author.id, "third"),
        ];

        let results = commit_posts(&store.pool, posts).await;

        assert!(results[0].is_ok() && results[2].is_ok(), "{results:?}");
        assert!(results[1].is_err(), "the post on a missing article fails");
        let stored: Vec<String> = sqlx::query_scalar("SELECT body FROM comments ORDER BY id")
            .fetch_all(&store.pool)
            .await
            .unwrap();
        assert_eq!(stored, ["first", "third"]);
        let counted: i64 = sqlx::query_scalar("SELECT comment_count FROM articles WHERE id = $1")
            .bind(article)
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(counted, 2);
    }

    #[tokio::test]
    async fn each_post_gets_its_own_id_when_plain_and_held_posts_mix() {
        let Some((store, author)) = store_with_author().await else {
            return;
        };
        let article = "putin-north-korea-signal";
        let mut held = post(article, author.id, "held one");
        held.status = Status::Pending;
        held.reasons = vec![crate::policy::Finding {
            code: crate::policy::RuleCode::Link,
            action: crate::policy::Action::Hold,
            start: 0,
            end: 4,
            matched: "held".into(),
        }];
        let posts = vec![
            post(article, author.id, "plain one"),
            held,
            post(article, author.id, "plain two"),
            post(article, author.id, "plain three"),
        ];
        let bodies: Vec<String> = posts.iter().map(|p| p.body.clone()).collect();

        let results = commit_posts(&store.pool, posts).await;

        for (body, result) in bodies.iter().zip(&results) {
            let comment = stored(result);
            let stored: String = sqlx::query_scalar("SELECT body FROM comments WHERE id = $1")
                .bind(comment.id)
                .fetch_one(&store.pool)
                .await
                .unwrap();
            assert_eq!(&stored, body, "the id answered for {body:?}");
        }
        let reasons: i64 = sqlx::query_scalar("SELECT count(*) FROM comment_reasons")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(reasons, 1);
    }

    #[tokio::test]
    async fn a_repeat_is_refused_against_the_store_and_within_the_batch() {
        let Some((store, author)) = store_with_author().await else {
            return;
        };
        let article = "putin-north-korea-signal";
        let checked = |body: &str| {
            let mut p = post(article, author.id, body);
            p.repeat_since = Some(chrono::Utc::now() - chrono::Duration::hours(1));
            p
        };
        let first = commit_posts(&store.pool, vec![checked("same words")]).await;
        stored(&first[0]);

        let results = commit_posts(
            &store.pool,
            vec![
                checked("same words"),
                checked("new words"),
                checked("new words"),
            ],
        )
        .await;

        assert!(matches!(results[0], Ok(Inserted::Repeat)), "{results:?}");
        stored(&results[1]);
        assert!(matches!(results[2], Ok(Inserted::Repeat)), "{results:?}");
        let count: i64 = sqlx::query_scalar("SELECT comment_count FROM articles WHERE id = $1")
            .bind(article)
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(count, 2);
    }

    #[tokio::test]
    async fn a_reply_into_a_thread_closed_before_the_batch_is_not_stored() {
        let Some((store, author)) = store_with_author().await else {
            return;
        };
        let article = "putin-north-korea-signal";
        let roots = commit_posts(
            &store.pool,
            vec![
                post(article, author.id, "open"),
                post(article, author.id, "closing"),
            ],
        )
        .await;
        let (open, closing) = (stored(&roots[0]).id, stored(&roots[1]).id);
        let mut under_closing = post(article, author.id, "a reply");
        under_closing.parent_id = Some(closing);
        let answer = commit_posts(&store.pool, vec![under_closing]).await;
        let answered = stored(&answer[0]).id;
        // A moderator's rejection, committed while the replies below wait.
        sqlx::query("UPDATE comments SET status = 'rejected' WHERE id = $1")
            .bind(closing)
            .execute(&store.pool)
            .await
            .unwrap();
        let reply = |parent: CommentId, answers: CommentId, body: &str| {
            let mut p = post(article, author.id, body);
            p.parent_id = Some(parent);
            p.answers = Some(answers);
            p
        };

        let results = commit_posts(
            &store.pool,
            vec![
                reply(closing, closing, "to the rejected one"),
                reply(open, open, "to the open one"),
                reply(closing, answered, "to a reply under the rejected one"),
            ],
        )
        .await;

        assert!(matches!(results[0], Ok(Inserted::Closed)), "{results:?}");
        stored(&results[1]);
        assert!(matches!(results[2], Ok(Inserted::Closed)), "{results:?}");
        let replies: i64 = sqlx::query_scalar("SELECT reply_count FROM comments WHERE id = $1")
            .bind(open)
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(replies, 1);
    }
}
