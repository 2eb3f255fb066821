//! The policy's quotas on comments, as the comment service applies them:
//! who is held to them, the new-account wait (checked here, since an
//! account's age cannot change under a race), and the reader's standing
//! shown before they write. The day's counts and the interval are checked
//! by the store as it inserts (`CommentInsert::quota`).

use chrono::{DateTime, Utc};

use crate::domain::accounts::User;
use crate::domain::articles::Article;
use crate::domain::post_error::PostError;
pub use crate::domain::quota::applies;
use crate::domain::quota::{Breach, CommentQuota, OverQuota, Quotas, Standing};
use crate::storage::Store;

/// The refusal for a used-up quota, in the policy's words.
pub fn refusal(breach: Breach, quotas: &Quotas, now: DateTime<Utc>) -> PostError {
    PostError::QuotaExceeded(Box::new(OverQuota::new(breach, quotas, now)))
}

/// The quotas a new comment is stored under, after the new-account wait.
pub async fn for_comment(
    store: &dyn Store,
    quotas: &Quotas,
    author: &User,
    article: &Article,
    now: DateTime<Utc>,
) -> Result<CommentQuota, PostError> {
    if !quotas.new_account_wait.is_zero() {
        let usage = store
            .quota_usage(author.id, article.id.as_str(), quotas.day(now))
            .await?;
        if let Some(breach) = quotas.new_account_breach(usage.account_created_at, now) {
            return Err(refusal(breach, quotas, now));
        }
    }
    Ok(quotas.for_comment(now))
}

/// What the reader has left today; every count null when no quota applies.
pub async fn standing(
    store: &dyn Store,
    quotas: &Quotas,
    reader: &User,
    article: &Article,
    held: bool,
    now: DateTime<Utc>,
) -> Result<Standing, PostError> {
    let quotas = if held { *quotas } else { Quotas::none() };
    let usage = store
        .quota_usage(reader.id, article.id.as_str(), quotas.day(now))
        .await?;
    Ok(quotas.standing(&usage, now))
}
