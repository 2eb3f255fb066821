//! The article service: registering and reading editorials, between the
//! handlers and storage.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::domain::accounts::User;
use crate::domain::articles::{Article, ArticleChanges, ArticleError, ArticleId};
use crate::domain::message::Violation;
use crate::storage::Store;
use crate::text;

/// What a moderator sends to register or update an editorial, unchecked.
pub struct ArticleForm {
    pub title: String,
    pub url: String,
    pub published_at: Option<DateTime<Utc>>,
    pub comments_open: Option<bool>,
    pub premoderation: Option<bool>,
}

#[derive(Clone)]
pub struct Articles {
    store: Arc<dyn Store>,
}

fn invalid(rule: &str, en: &str, ko: &str) -> ArticleError {
    ArticleError::Invalid(Violation::new(rule, en, ko))
}

/// One line of visible text for the title; an absolute http(s) address or a
/// path on this site for the url.
fn article_changes(form: ArticleForm) -> Result<ArticleChanges, ArticleError> {
    let title = text::clean(&form.title)
        .ok()
        .filter(|t| !t.is_empty() && !t.contains('\n'))
        .ok_or_else(|| {
            invalid(
                "title",
                "The title must be one line of visible text.",
                "제목은 보이는 글자로 된 한 줄이어야 합니다.",
            )
        })?;
    let url = form.url.trim().to_owned();
    let absolute = url.starts_with("https://") || url.starts_with("http://");
    let on_site = url.starts_with('/') && !url.starts_with("//");
    // Browsers read `\` as `/` (so `/\evil.example` leaves the site) and drop
    // or keep controls as they like: neither belongs in an address.
    let odd = |c: char| c.is_whitespace() || c.is_control() || c == '\\';
    if !(absolute || on_site) || url.chars().any(odd) {
        return Err(invalid(
            "url",
            "The url must start with https://, http:// or /.",
            "url은 https://, http:// 또는 /로 시작해야 합니다.",
        ));
    }
    Ok(ArticleChanges {
        title,
        url,
        published_at: form.published_at,
        comments_open: form.comments_open,
        premoderation: form.premoderation,
    })
}

impl Articles {
    pub fn new(store: Arc<dyn Store>) -> Articles {
        Articles { store }
    }

    /// Registers or updates an editorial; omitted optional fields keep their
    /// values. Says whether the article is new.
    pub async fn put(
        &self,
        moderator: &User,
        raw_id: &str,
        form: ArticleForm,
    ) -> Result<(Article, bool), ArticleError> {
        let id = ArticleId::parse(raw_id).map_err(|_| {
            invalid(
                "article_id",
                "Use at most 128 letters, digits, -, _ or .",
                "영문자, 숫자, -, _, . 로 128자 이내로 써 주세요.",
            )
        })?;
        let changes = article_changes(form)?;
        let (article, created) = self
            .store
            .upsert_article(id.as_str(), &changes, Some(moderator.id))
            .await?;
        tracing::info!(
            article_id = id.as_str(),
            moderator_id = moderator.id.get(),
            created,
            "article saved"
        );
        Ok((article, created))
    }

    pub async fn get(&self, raw_id: &str) -> Result<Article, ArticleError> {
        let id = ArticleId::parse(raw_id)?;
        self.store
            .article(id.as_str())
            .await?
            .ok_or(ArticleError::NotFound)
    }

    /// The newest editorials, for the moderator desk's filter and settings.
    pub async fn latest(&self, limit: usize) -> Result<Vec<Article>, ArticleError> {
        Ok(self.store.latest_articles(limit).await?)
    }
}
