//! Top-level pages by 순공감순 and 공감비율순, cut as of one reaction change.
//!
//! Ranks move while a reader pages, so a page is read as of the change
//! `seq` its paging session started at: a comment's counts then are today's
//! minus the changes after `seq`. Comments with no change since are found in
//! the rank index as they are; the few that changed are read apart, ranked by
//! their old counts, and merged in.

use std::collections::HashMap;

use anyhow::Context;
use sqlx::{Sqlite, Transaction};

use super::SqliteStore;
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

/// Top-level comments of ?1 seen by ?2, ranked below (?3, ?4), leaving out
/// the ids in the JSON array ?6; ?5 at most.
fn below_sql(order: Order) -> String {
    let key = key_column(order);
    format!(
        "SELECT {COMMENT_COLUMNS} {FROM_COMMENTS}
         WHERE c.article_id = ?1 AND c.parent_id IS NULL AND (c.{key}, c.id) < (?3, ?4)
           AND {VISIBLE} AND c.id NOT IN (SELECT value FROM json_each(?6))
         ORDER BY c.{key} DESC, c.id DESC LIMIT ?5"
    )
}

/// The first page: the top-level comments of ?1 seen by ?2, ?3 at most, and
/// the last change, which the page is cut at. No change comes after the
/// last, so nothing has moved since the cut; and one statement reads one
/// snapshot, so the cut and the rows agree without a transaction.
fn first_sql(order: Order) -> String {
    let key = key_column(order);
    format!(
        "SELECT {COMMENT_COLUMNS}, (SELECT coalesce(max(seq), 0) FROM reaction_changes) AS cut_seq
         {FROM_COMMENTS}
         WHERE c.article_id = ?1 AND c.parent_id IS NULL AND {VISIBLE}
         ORDER BY c.{key} DESC, c.id DESC LIMIT ?3"
    )
}

/// A first page's row, with the change it is cut at.
#[derive(sqlx::FromRow)]
struct FirstRow {
    #[sqlx(flatten)]
    row: CommentRow,
    cut_seq: i64,
}

/// The top-level comments of ?1 seen by ?2 among the ids in the JSON array ?3.
fn among_sql() -> String {
    format!(
        "SELECT {COMMENT_COLUMNS} {FROM_COMMENTS}
         WHERE c.id IN (SELECT value FROM json_each(?3))
           AND c.article_id = ?1 AND c.parent_id IS NULL AND {VISIBLE}"
    )
}

impl SqliteStore {
    pub(super) async fn ranked_rows(&self, q: &PageQuery<'_>) -> anyhow::Result<Ranked> {
        if q.cut.is_none() {
            return self.first_ranked_rows(q).await;
        }
        // One read transaction: the cut and the rows come from one snapshot.
        let mut tx = self.read.begin().await.context("cannot begin a read")?;
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
        let moved_ids = serde_json::to_string(&moved.keys().collect::<Vec<_>>())?;
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
            .fetch_all(&self.read)
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
async fn cut_seq(tx: &mut Transaction<'_, Sqlite>, asked: Option<i64>) -> anyhow::Result<i64> {
    let (last, pruned): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT coalesce(max(seq), 0) FROM reaction_changes),
                coalesce((SELECT CAST(value AS INTEGER) FROM meta
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
    tx: &mut Transaction<'_, Sqlite>,
    article_id: &str,
    seq: i64,
) -> anyhow::Result<HashMap<CommentId, (i64, i64)>> {
    let rows: Vec<(CommentId, i64, i64)> = sqlx::query_as(
        "SELECT comment_id, sum(likes), sum(dislikes) FROM reaction_changes
         WHERE article_id = ? AND seq > ? GROUP BY comment_id",
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::sqlite::temp_store;

    /// A ranked page walks the rank index from the cut, whatever the size.
    #[tokio::test]
    async fn ranked_pages_use_the_rank_indexes() {
        let (_dir, store) = temp_store().await;
        // The first page binds the article, the viewer and the limit; the
        // others the cut and the moved ids as well.
        let cases = [
            (below_sql(Order::Best), "comments_by_score", false),
            (below_sql(Order::Ratio), "comments_by_ratio", false),
            (first_sql(Order::Best), "comments_by_score", true),
            (first_sql(Order::Ratio), "comments_by_ratio", true),
        ];
        for (sql, index, first) in cases {
            let explain = format!("EXPLAIN QUERY PLAN {sql}");
            let query = sqlx::query_as(&explain).bind("a").bind(7_i64);
            let query = if first {
                query.bind(21_i64)
            } else {
                query.bind(5_i64).bind(9_i64).bind(21_i64).bind("[]")
            };
            let plan: Vec<(i64, i64, i64, String)> = query.fetch_all(&store.read).await.unwrap();
            let text: Vec<&str> = plan.iter().map(|row| row.3.as_str()).collect();
            let text = text.join("\n");
            assert!(text.contains(index), "{sql}\n{text}");
            assert!(
                !text.contains("TEMP B-TREE"),
                "no sort of every comment:\n{text}"
            );
        }
    }
}
