//! What the standards policy reads and records: repeats, an author's record,
//! refusals, sanctions in force and the reasons of held comments.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::ids::{AccountId, CommentId};
use crate::domain::moderation::Sanction;

/// A held comment's stored reason: (code, start, end) in code points, and
/// the detail a reason keeps besides its span (the classifier's labels).
pub type StoredReason = (String, i64, i64, Option<String>);

#[async_trait]
pub trait PolicyStore: Send + Sync {
    /// Whether the author has a live comment with this fingerprint since
    /// `since`, other than `except` (the comment being edited).
    async fn has_repeat(
        &self,
        author_id: AccountId,
        fingerprint: &[u8],
        since: DateTime<Utc>,
        except: Option<CommentId>,
    ) -> anyhow::Result<bool>;

    async fn published_count(&self, author_id: AccountId) -> anyhow::Result<i64>;

    /// A refused attempt: the decision is kept and logged, the text is not.
    async fn record_refusal(&self, refusal: RefusalRecord<'_>) -> anyhow::Result<()>;

    /// The sanction in force on the account at `now`, if any.
    async fn sanction_in_force(
        &self,
        account_id: AccountId,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<Sanction>>;

    /// The reasons a held comment carries: (code, start, end) in code points.
    async fn comment_reasons(&self, comment_id: CommentId) -> anyhow::Result<Vec<StoredReason>>;
}

pub struct RefusalRecord<'a> {
    pub account_id: AccountId,
    pub article_id: &'a str,
    /// The comment an edit was refused for.
    pub comment_id: Option<CommentId>,
    pub codes: &'a [&'a str],
    pub now: DateTime<Utc>,
}
