//! Editorials.

use anyhow::Context;
use async_trait::async_trait;
use chrono::Utc;

use super::SqliteStore;
use super::log::append_log;
use super::shared::{ARTICLE_COLUMNS, ArticleRow, article_settings, from_millis, to_millis};
use crate::domain::articles::{Article, ArticleChanges};
use crate::domain::ids::AccountId;
use crate::domain::moderation::{LogAction, LogLine, Target};
use crate::storage::articles::ArticleStore;

#[async_trait]
impl ArticleStore for SqliteStore {
    async fn article(&self, id: &str) -> anyhow::Result<Option<Article>> {
        let sql = format!("SELECT {ARTICLE_COLUMNS} FROM articles WHERE id = ?");
        let row = sqlx::query_as::<_, ArticleRow>(&sql)
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .with_context(|| format!("cannot load article {id}"))?;
        Ok(row.map(Article::from))
    }

    /// From memory unless it was written since.
    async fn article_for_posting(&self, id: &str) -> anyhow::Result<Option<Article>> {
        if let Some(article) = self.memo.articles.get(&id.to_owned()) {
            return Ok(Some(article));
        }
        let version = self.memo.articles.version();
        let article = self.article(id).await?;
        if let Some(article) = &article {
            self.memo
                .articles
                .keep(id.to_owned(), article.clone(), version);
        }
        Ok(article)
    }

    async fn latest_articles(&self, limit: usize) -> anyhow::Result<Vec<Article>> {
        // Rows are never deleted, so the rowid follows creation order and
        // walking it backwards reads only `limit` rows, with no index to keep.
        let sql = format!("SELECT {ARTICLE_COLUMNS} FROM articles ORDER BY rowid DESC LIMIT ?");
        let rows = sqlx::query_as::<_, ArticleRow>(&sql)
            .bind(limit as i64)
            .fetch_all(&self.read)
            .await
            .context("cannot load the articles")?;
        Ok(rows.into_iter().map(Article::from).collect())
    }

    async fn upsert_article(
        &self,
        id: &str,
        changes: &ArticleChanges,
        actor: Option<AccountId>,
    ) -> anyhow::Result<(Article, bool)> {
        let now = to_millis(Utc::now());
        let mut tx = self.begin_write().await?;
        let existed: Option<i64> = sqlx::query_scalar("SELECT 1 FROM articles WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .with_context(|| format!("cannot write article {id}"))?;
        let sql = format!(
            "INSERT INTO articles (id, title, url, published_at, comments_open, premoderation, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, COALESCE(?5, 1), COALESCE(?6, 0), ?7, ?7)
             ON CONFLICT (id) DO UPDATE SET
                 title = excluded.title,
                 url = excluded.url,
                 published_at = COALESCE(?4, published_at),
                 comments_open = COALESCE(?5, comments_open),
                 premoderation = COALESCE(?6, premoderation),
                 updated_at = ?7
             RETURNING {ARTICLE_COLUMNS}"
        );
        let row = sqlx::query_as::<_, ArticleRow>(&sql)
            .bind(id)
            .bind(&changes.title)
            .bind(&changes.url)
            .bind(changes.published_at.map(to_millis))
            .bind(changes.comments_open)
            .bind(changes.premoderation)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .with_context(|| format!("cannot write article {id}"))?;
        if let Some(actor) = actor {
            let action = if existed.is_none() {
                LogAction::ArticleCreated
            } else {
                LogAction::ArticleUpdated
            };
            let note = article_settings(&row);
            append_log(
                &mut tx,
                &LogLine {
                    actor: Some(actor),
                    action,
                    target: Target::Article(id.to_owned()),
                    reason: None,
                    note: Some(&note),
                    at: Utc::now(),
                },
            )
            .await
            .with_context(|| format!("cannot write article {id}"))?;
        }
        let article: Article = row.into();
        self.outbox
            .article_event(&mut tx, &article, from_millis(now))
            .await
            .with_context(|| format!("cannot write article {id}"))?;
        self.commit(tx).await?;
        self.memo.articles.invalidate();
        Ok((article, existed.is_none()))
    }
}
