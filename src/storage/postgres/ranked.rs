//! Top-level pages by 순공감순 and 공감비율순, cut as of one reaction change.
//!
//! Ranks move while a reader pages, so a page is read as of the change
//! `seq` its paging session started at: a comment's counts then are today's
//! minus the changes after `seq`. Comments with no change since are found in
//! the rank index as they are; the few that changed are read apart, ranked by
//! their old counts, and merged in.

use std::collections::HashMap;

use anyhow::Context;
use sqlx::{Postgres, Transaction};

use super::PgStore;
use super::comments::VISIBLE;
use super::shared::{COMMENT_COLUMNS, CommentRow, FROM_COMMENTS};
use crate::domain::comments::Order;
use crate::domain::ids::CommentId;
use crate::domain::paging::Cut;
use crate::domain::reactions::ratio_rank;
use crate::storage::comments::PageQuery;

/// A paging session stays one cut while fewer changes than this (site-wide)
/// land after it; an older cut is read as of now, so a forged or ancient
/// cursor cannot make a page add up millions of changes.
const CUT_WINDOW: i64 = 100_000;

/// A page's rows in rank order, and the cut the next page continues.
pub(super) struct Ranked {
    pub rows: Vec<CommentRow>,
    pub next: Option<(i64, Cut)>,
}

fn key_column(order: Order) -> &'static str {
    match order {
        Order::Ratio => "ratio_rank",
        _ => "score",
    }
}

/// Top-level comments of $1 seen by $2, ranked below ($3, $4), leaving out
/// the ids in the array $6; $5 at most.
fn below_sql(order: Order) -> String {
    let key = key_column(order);
    format!(
        "SELECT {COMMENT_COLUMNS} {FROM_COMMENTS}
         WHERE c.article_id = $1 AND c.parent_id IS NULL AND (c.{key}, c.id) < ($3, $4)
           AND {VISIBLE} AND c.id <> ALL($6)
         ORDER BY c.{key} DESC, c.id DESC LIMIT $5"
    )
}

/// The first page: the top-level comments of $1 seen by $2, $3 at most, and
/// the last change, which the page is cut at. No change comes after the
/// last, so nothing has moved since the cut; and one statement reads one
/// snapshot, so the cut and the rows agree without a transaction.
fn first_sql(order: Order) -> String {
    let key = key_column(order);
    format!(
        "SELECT {COMMENT_COLUMNS}, (SELECT coalesce(max(seq), 0) FROM reaction_changes) AS cut_seq
         {FROM_COMMENTS}
         WHERE c.article_id = $1 AND c.parent_id IS NULL AND {VISIBLE}
         ORDER BY c.{key} DESC, c.id DESC LIMIT $3"
    )
}

/// A first page's row, with the change it is cut at.
#[derive(sqlx::FromRow)]
struct FirstRow {
    #[sqlx(flatten)]
    row: CommentRow,
    cut_seq: i64,
}

/// The top-level comments of $1 seen by $2 among the ids in the array $3.
fn among_sql() -> String {
    format!(
        "SELECT {COMMENT_COLUMNS} {FROM_COMMENTS}
         WHERE c.id = ANY($3)
           AND c.article_id = $1 AND c.parent_id IS NULL AND {VISIBLE}"
    )
}

impl PgStore {
    pub(super) async fn ranked_rows(&self, q: &PageQuery<'_>) -> anyhow::Result<Ranked> {
        if q.cut.is_none() {
            return self.first_ranked_rows(q).await;
        }
        // One snapshot for the cut and the rows: at READ COMMITTED each
        // statement would see its own.
        let mut tx = self.pool.begin().await.context("cannot begin a read")?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await
            .context("cannot begin a read")?;
        let seq = cut_seq(&mut tx, q.cut.map(|c| c.seq)).await?;
        let moved = changes_after(&mut tx, q.article_id, seq).await?;
        let rank = |row: &CommentRow| {
            let (dl, dd) = moved.get(&row.id).copied().unwrap_or((0, 0));
            rank_of(q.order, row.likes - dl, row.dislikes - dd, q.ratio_min)
        };
        let (key, id) = match (q.cut, q.after) {
            (Some(cut), Some(id)) => (cut.key, id),
            _ => (i64::MAX, i64::MAX),
        };
        let moved_ids: Vec<i64> = moved.keys().map(|id| id.get()).collect();
        let mut rows = sqlx::query_as::<_, CommentRow>(&below_sql(q.order))
            .bind(q.article_id)
            .bind(q.viewer)
            .bind(key)
            .bind(id)
            .bind(q.limit as i64 + 1)
            .bind(&moved_ids)
            .fetch_all(&mut *tx)
            .await
            .with_context(|| format!("cannot rank the comments on {}", q.article_id))?;
        if !moved.is_empty() {
            let among = sqlx::query_as::<_, CommentRow>(&among_sql())
                .bind(q.article_id)
                .bind(q.viewer)
                .bind(&moved_ids)
                .fetch_all(&mut *tx)
                .await
                .with_context(|| format!("cannot rank the comments on {}", q.article_id))?;
            rows.extend(
                among
                    .into_iter()
                    .filter(|r| (rank(r), r.id.get()) < (key, id)),
            );
        }
        Ok(cut_page(rows, rank, q.limit, seq))
    }

    /// The first page in one statement (see `first_sql`), as the general
    /// path would read it with nothing moved: the first page is where most
    /// readers stop, and four statements fewer make it as cheap as by id.
    async fn first_ranked_rows(&self, q: &PageQuery<'_>) -> anyhow::Result<Ranked> {
        let found = sqlx::query_as::<_, FirstRow>(&first_sql(q.order))
            .bind(q.article_id)
            .bind(q.viewer)
            .bind(q.limit as i64 + 1)
            .fetch_all(&self.pool)
            .await
            .with_context(|| format!("cannot rank the comments on {}", q.article_id))?;
        let seq = found.first().map_or(0, |f| f.cut_seq);
        let rows = found.into_iter().map(|f| f.row).collect();
        let rank = |row: &CommentRow| rank_of(q.order, row.likes, row.dislikes, q.ratio_min);
        Ok(cut_page(rows, rank, q.limit, seq))
    }
}

/// The rows in rank order, cut to `limit`, and where the next page starts.
fn cut_page(
    mut rows: Vec<CommentRow>,
    rank: impl Fn(&CommentRow) -> i64,
    limit: usize,
    seq: i64,
) -> Ranked {
    rows.sort_by_key(|r| std::cmp::Reverse((rank(r), r.id.get())));
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next = match rows.last() {
        Some(last) if more => Some((
            last.id.get(),
            Cut {
                seq,
                key: rank(last),
            },
        )),
        _ => None,
    };
    Ranked { rows, next }
}

/// A comment's rank in `order` from its counts.
fn rank_of(order: Order, likes: i64, dislikes: i64, ratio_min: i64) -> i64 {
    match order {
        Order::Ratio => ratio_rank(likes, dislikes, ratio_min),
        _ => likes - dislikes,
    }
}

/// The change the page is cut at: the cursor's, unless it is newer than any
/// change, pruned past, or too far back; then the last change now.
async fn cut_seq(tx: &mut Transaction<'_, Postgres>, asked: Option<i64>) -> anyhow::Result<i64> {
    let (last, pruned): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT coalesce(max(seq), 0) FROM reaction_changes),
                coalesce((SELECT value::bigint FROM meta
                          WHERE key = 'reaction_changes_pruned'), 0)",
    )
    .fetch_one(&mut **tx)
    .await
    .context("cannot read the last reaction change")?;
    Ok(match asked {
        Some(seq) if seq <= last && seq >= pruned && last - seq <= CUT_WINDOW => seq,
        _ => last,
    })
}

/// How each comment of the article moved after `seq`: likes and dislikes added.
async fn changes_after(
    tx: &mut Transaction<'_, Postgres>,
    article_id: &str,
    seq: i64,
) -> anyhow::Result<HashMap<CommentId, (i64, i64)>> {
    let rows: Vec<(CommentId, i64, i64)> = sqlx::query_as(
        "SELECT comment_id, sum(likes)::bigint, sum(dislikes)::bigint FROM reaction_changes
         WHERE article_id = $1 AND seq > $2 GROUP BY comment_id",
    )
    .bind(article_id)
    .bind(seq)
    .fetch_all(&mut **tx)
    .await
    .with_context(|| format!("cannot read the reaction changes on {article_id}"))?;
    Ok(rows
        .into_iter()
        .filter(|(_, dl, dd)| (*dl, *dd) != (0, 0))
        .map(|(id, dl, dd)| (id, (dl, dd)))
        .collect())
}
