//! An author's public history: the counts at its head and their published
//! comments, newest first, each with its editorial's title and link.

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::shared::{
    COMMENT_COLUMNS, CommentRow, FROM_COMMENTS, from_millis, split_page, to_millis,
};
use crate::domain::comments::Comment;
use crate::domain::history::{AuthorSummary, HistoryComment};
use crate::domain::ids::AccountId;
use crate::domain::paging::Paging;
use crate::storage::comments::CommentPage;

/// What counts as shown: published and not hidden by reports.
const SHOWN: &str = "c.status = 'published' AND NOT c.hidden";

pub(super) async fn summary(
    pool: &PgPool,
    account_id: AccountId,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<AuthorSummary>> {
    let month_ago = to_millis(now - chrono::Duration::days(30));
    let sql = format!(
        "SELECT a.display_name, a.created_at AS joined_at,
           EXISTS (SELECT 1 FROM sanctions s WHERE s.account_id = a.id AND s.lifted_at IS NULL
                   AND (s.until IS NULL OR s.until > $2)) AS sanctioned,
           count(c.id) AS published, coalesce(sum(c.likes), 0)::bigint AS likes,
           coalesce(sum(c.dislikes), 0)::bigint AS dislikes,
           coalesce(sum(CASE WHEN c.created_at >= $3 THEN c.likes END), 0)::bigint AS likes_30d,
           coalesce(sum(CASE WHEN c.created_at >= $3 THEN c.dislikes END), 0)::bigint AS dislikes_30d
         FROM accounts a LEFT JOIN comments c ON c.author_id = a.id AND {SHOWN}
         WHERE a.id = $1 GROUP BY a.id, a.display_name, a.created_at"
    );
    let row: Option<SummaryRow> = sqlx::query_as(&sql)
        .bind(account_id)
        .bind(to_millis(now))
        .bind(month_ago)
        .fetch_optional(pool)
        .await
        .with_context(|| format!("cannot sum up the history of account {account_id}"))?;
    Ok(row.map(|r| AuthorSummary {
        account_id,
        display_name: r.display_name,
        joined_at: from_millis(r.joined_at),
        sanctioned: r.sanctioned,
        published_count: r.published,
        likes_received: r.likes,
        dislikes_received: r.dislikes,
        likes_30d: r.likes_30d,
        dislikes_30d: r.dislikes_30d,
    }))
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    display_name: String,
    joined_at: i64,
    sanctioned: bool,
    published: i64,
    likes: i64,
    dislikes: i64,
    likes_30d: i64,
    dislikes_30d: i64,
}

pub(super) async fn comments(
    pool: &PgPool,
    account_id: AccountId,
    paging: &Paging,
) -> anyhow::Result<CommentPage<HistoryComment>> {
    let sql = format!(
        "SELECT {COMMENT_COLUMNS} {FROM_COMMENTS}
         WHERE c.author_id = $1 AND {SHOWN} AND ($2 IS NULL OR c.id < $2)
         ORDER BY c.id DESC LIMIT $3"
    );
    let rows: Vec<CommentRow> = sqlx::query_as(&sql)
        .bind(account_id)
        .bind(paging.after)
        .bind(paging.limit as i64 + 1)
        .fetch_all(pool)
        .await
        .with_context(|| format!("cannot read the history of account {account_id}"))?;
    let comments: Vec<Comment> = rows.into_iter().map(Comment::from).collect();
    let articles = titles(pool, &comments).await?;
    let items = comments
        .into_iter()
        .map(|comment| {
            let (title, url) = articles
                .get(&comment.article_id)
                .cloned()
                .unwrap_or_default();
            HistoryComment {
                comment,
                article_title: title,
                article_url: url,
            }
        })
        .collect();
    Ok(split_page(items, paging.limit, |h: &HistoryComment| {
        h.comment.id.get()
    }))
}

/// The title and link of each editorial the comments are on: one query.
async fn titles(
    pool: &PgPool,
    comments: &[Comment],
) -> anyhow::Result<HashMap<String, (String, String)>> {
    let ids: Vec<&str> = comments.iter().map(|c| c.article_id.as_str()).collect();
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT id, title, url FROM articles WHERE id = ANY($1)")
            .bind(&ids)
            .fetch_all(pool)
            .await
            .context("cannot read the editorials of a history")?;
    Ok(rows
        .into_iter()
        .map(|(id, title, url)| (id, (title, url)))
        .collect())
}
