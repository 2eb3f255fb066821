//! Editorials: the newsroom's articles that comments attach to.

use chrono::{DateTime, Utc};

use crate::domain::message::Violation;
use crate::domain::refusal::{Details, INTERNAL, Refusal};

/// The newsroom's own id: letters, digits, `-`, `_`, `.`; 1 to 128 of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleId(String);

impl ArticleId {
    pub fn parse(raw: &str) -> Result<ArticleId, ArticleError> {
        let valid = (1..=128).contains(&raw.len())
            && raw
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if valid {
            Ok(ArticleId(raw.to_owned()))
        } else {
            Err(ArticleError::NotFound)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why an article cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ArticleError {
    /// No article has this id; an id that cannot be one is not found either.
    #[error("article not found")]
    NotFound,
    /// A field of `PUT /articles/{id}` that cannot be stored.
    #[error("invalid article")]
    Invalid(Violation),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Refusal for ArticleError {
    fn code(&self) -> &'static str {
        match self {
            ArticleError::NotFound => "article_not_found",
            ArticleError::Invalid(_) => "invalid_request",
            ArticleError::Internal(_) => INTERNAL,
        }
    }

    fn details(&self) -> Details {
        match self {
            ArticleError::Invalid(v) => Details::violations(std::slice::from_ref(v)),
            _ => Details::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    pub id: String,
    pub title: String,
    pub url: String,
    pub published_at: Option<DateTime<Utc>>,
    pub comments_open: bool,
    pub premoderation: bool,
    pub comment_count: i64,
}

/// What PUT sets; `None` keeps the stored value (or the default on creation).
#[derive(Debug, Clone)]
pub struct ArticleChanges {
    pub title: String,
    pub url: String,
    pub published_at: Option<DateTime<Utc>>,
    pub comments_open: Option<bool>,
    pub premoderation: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_ids_allow_only_the_documented_characters() {
        for good in ["putin-north-korea-signal", "2024.06_13", &"a".repeat(128)] {
            assert!(ArticleId::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "a/b", "a b", "기사", "../etc", &"a".repeat(129), "x'--"] {
            assert!(ArticleId::parse(bad).is_err(), "{bad}");
        }
    }
}
