//! What the article service reads and writes: editorials.

use async_trait::async_trait;

use crate::domain::articles::{Article, ArticleChanges};
use crate::domain::ids::AccountId;

#[async_trait]
pub trait ArticleStore: Send + Sync {
    async fn article(&self, id: &str) -> anyhow::Result<Option<Article>>;

    /// The article for posting to it, possibly from memory; its
    /// `comment_count` may lag behind (posting does not read it).
    async fn article_for_posting(&self, id: &str) -> anyhow::Result<Option<Article>>;

    /// The newest editorials first, at most `limit` of them.
    async fn latest_articles(&self, limit: usize) -> anyhow::Result<Vec<Article>>;

    /// Creates or updates; the flag says whether it was created. A change by
    /// a moderator (`actor`) is logged with it, as one unit.
    async fn upsert_article(
        &self,
        id: &str,
        changes: &ArticleChanges,
        actor: Option<AccountId>,
    ) -> anyhow::Result<(Article, bool)>;
}
