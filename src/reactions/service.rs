//! The reaction service: a reader's 공감 or 비공감 on a comment, between the
//! handler (which authenticates) and storage (which counts, in the group
//! commit shared with posts).

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::config::Settings;
use crate::domain::accounts::User;
use crate::domain::comments::Status;
use crate::domain::ids::CommentId;
use crate::domain::policy::FloodLimit;
use crate::domain::quota::{Breach, OverQuota, QuotaKind, Quotas, applies};
use crate::domain::reactions::{
    DailyQuota, Reacted, Reaction, ReactionError, ReactionWrite, Tally,
};
use crate::policy::LivePolicy;
use crate::rate_limit::RateLimiter;
use crate::storage::Store;

#[derive(Clone)]
pub struct Reactions {
    store: Arc<dyn Store>,
    policy: Arc<LivePolicy>,
    ratio_min: i64,
    limit: Vec<FloodLimit>,
    flood: Arc<RateLimiter<crate::domain::ids::AccountId>>,
    limits_on: bool,
}

impl Reactions {
    pub fn new(store: Arc<dyn Store>, policy: Arc<LivePolicy>, settings: &Settings) -> Reactions {
        Reactions {
            store: store.clone(),
            policy,
            ratio_min: settings.ratio_min_reactions,
            limit: vec![settings.reaction_limit],
            flood: Arc::new(RateLimiter::new(
                settings.rate_limits,
                store.clone(),
                "react:",
            )),
            limits_on: settings.rate_limits,
        }
    }

    /// Sets (`Some`) or takes back (`None`) the reader's reaction. Only a
    /// comment the reader can see, published and not hidden, by someone
    /// else, takes reactions; suspended and banned accounts react to nothing.
    pub async fn react(
        &self,
        reader: &User,
        raw_id: &str,
        kind: Option<Reaction>,
    ) -> Result<Tally, ReactionError> {
        let id = CommentId::parse(raw_id).ok_or(ReactionError::CommentNotFound)?;
        let comment = self
            .store
            .comment(id)
            .await?
            .filter(|c| c.visible_to(Some(reader.id), reader.role.can_moderate()))
            .ok_or(ReactionError::CommentNotFound)?;
        if comment.author_id == reader.id {
            return Err(ReactionError::OwnComment);
        }
        if comment.status != Status::Published || comment.hidden {
            return Err(ReactionError::CommentClosed);
        }
        if let Some(barred) =
            crate::moderation::service::barred(self.store.as_ref(), reader).await?
        {
            return Err(barred.into());
        }
        if kind.is_some() {
            self.flood
                .hit(reader.id, &self.limit)
                .await?
                .map_err(|retry_after| ReactionError::RateLimited { retry_after })?;
        }
        let quotas = self.policy.get().quotas;
        let now = Utc::now();
        let write = ReactionWrite {
            comment_id: id,
            account_id: reader.id,
            kind,
            now,
            ratio_min: self.ratio_min,
            daily: self.daily_quota(reader, &quotas, now),
        };
        match self.store.react(write).await? {
            Reacted::Done(tally) => Ok(tally),
            Reacted::Closed => Err(ReactionError::CommentClosed),
            Reacted::OverQuota => {
                let breach = Breach {
                    kind: QuotaKind::ReactionsPerDay,
                    retry_at: quotas.day(now).end,
                };
                let over = OverQuota::new(breach, &quotas, now);
                Err(ReactionError::QuotaExceeded(Box::new(over)))
            }
        }
    }

    /// Readers' presses a day, counted by the store as it writes; staff
    /// and limits-off have none.
    fn daily_quota(
        &self,
        reader: &User,
        quotas: &Quotas,
        now: DateTime<Utc>,
    ) -> Option<DailyQuota> {
        (applies(self.limits_on, reader) && quotas.reactions_per_day > 0).then(|| DailyQuota {
            limit: quotas.reactions_per_day.into(),
            since: quotas.day(now).start,
        })
    }
}
