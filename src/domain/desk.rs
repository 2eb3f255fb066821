//! The moderator desk's values: the queues' counts, an account's file as
//! moderators see it, their notes on it, and undoing a decision.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::domain::accounts::User;
use crate::domain::comments::Comment;
use crate::domain::ids::AccountId;
use crate::domain::moderation::Sanction;

/// The longest `UNDO_WINDOW` may be. What an undo needs (a deleted comment's
/// text among it) is forgotten after this long, so deleted text does not stay.
pub const UNDO_WINDOW_MAX: Duration = Duration::from_secs(10 * 60);

/// How many comments each queue holds, under the same filters as the queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueCounts {
    pub pending: i64,
    pub reported: i64,
    pub rejected: i64,
    pub featured: i64,
}

/// An editorial as the desk names it beside a comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleBrief {
    pub id: String,
    pub title: String,
    pub url: String,
}

/// A sanction with what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SanctionRecord {
    pub sanction: Sanction,
    pub lifted_at: Option<DateTime<Utc>>,
}

impl SanctionRecord {
    /// In force at `now`: not lifted and, for a suspension, not over.
    pub fn active(&self, now: DateTime<Utc>) -> bool {
        self.lifted_at.is_none() && self.sanction.until.is_none_or(|until| until > now)
    }
}

/// A moderator's note on an account; readers never see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountNote {
    pub text: String,
    pub updated_at: DateTime<Utc>,
    /// The moderator who wrote it: id and display name.
    pub by: (AccountId, String),
}

/// An account as moderators look into it.
#[derive(Debug, Clone)]
pub struct AccountFile {
    pub user: User,
    pub created_at: DateTime<Utc>,
    /// Its ways in: `password` for a local password, then each provider's id.
    pub providers: Vec<String>,
    pub published_count: i64,
    pub rejected_count: i64,
    pub pending_count: i64,
    /// Newest first, lifted and ended ones too.
    pub sanctions: Vec<SanctionRecord>,
    pub note: Option<AccountNote>,
}

/// One of an author's comments, with the editorial it is on.
#[derive(Debug, Clone)]
pub struct AuthorComment {
    pub comment: Comment,
    pub article: ArticleBrief,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::moderation::SanctionKind;

    fn record(kind: SanctionKind, until_hours: Option<i64>, lifted: bool) -> SanctionRecord {
        let now = Utc::now();
        SanctionRecord {
            sanction: Sanction {
                id: 1,
                account_id: AccountId::new(2),
                kind,
                until: until_hours.map(|h| now + chrono::Duration::hours(h)),
                reason: "spam".into(),
                created_at: now - chrono::Duration::days(1),
            },
            lifted_at: lifted.then_some(now),
        }
    }

    #[test]
    fn a_sanction_is_in_force_until_it_is_lifted_or_over() {
        use SanctionKind::{Ban, Suspend};
        let cases = [
            (record(Ban, None, false), true, "a ban"),
            (record(Ban, None, true), false, "a lifted ban"),
            (
                record(Suspend, Some(2), false),
                true,
                "a suspension under way",
            ),
            (record(Suspend, Some(-2), false), false, "a suspension over"),
            (record(Suspend, Some(2), true), false, "a lifted suspension"),
        ];
        for (record, active, why) in cases {
            assert_eq!(record.active(Utc::now()), active, "{why}");
        }
    }
}
