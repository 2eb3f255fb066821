//! What a batch of reactions changes, worked out the same way on both
//! engines: each reaction against the batch's state so far, the counts it
//! moves and the change it logs. The engines read the state and write the
//! changes, each with its own SQL.

use std::collections::HashMap;

use crate::domain::ids::{AccountId, CommentId};
use crate::domain::reactions::{Reacted, Reaction, ReactionWrite, Tally};
use crate::storage::rows::to_millis;

/// Changes older than this are pruned: ranked paging sessions and the daily
/// quota look back less far.
pub(super) const CHANGES_KEPT: chrono::Duration = chrono::Duration::hours(48);

/// A comment reacted to in the batch, with its counts as the batch has left
/// them so far.
#[derive(sqlx::FromRow)]
pub(super) struct Target {
    pub id: CommentId,
    pub article_id: String,
    pub open: bool,
    pub likes: i64,
    pub dislikes: i64,
}

/// One change of a comment's counts, for the change log.
pub(super) struct Change {
    pub comment_id: CommentId,
    pub account_id: AccountId,
    pub likes: i64,
    pub dislikes: i64,
    pub at: i64,
}

/// What a batch changes, written once for the whole batch.
#[derive(Default)]
pub(super) struct Changes {
    /// Each reader's reaction per comment as the batch leaves it: set (with
    /// its time) or taken back.
    pub rows: HashMap<(CommentId, AccountId), Option<(Reaction, i64)>>,
    /// The comments whose counts moved, with the 공감비율 minimum of their
    /// last change.
    pub counted: HashMap<CommentId, i64>,
    /// Every change, in the order the reactions came.
    pub log: Vec<Change>,
}

impl Changes {
    /// Reactions the reader set in this batch since `since` (a change that
    /// adds a like or a dislike), for the daily quota.
    fn set_since(&self, account_id: AccountId, since: i64) -> i64 {
        let set = |c: &&Change| {
            c.account_id == account_id && c.at >= since && (c.likes > 0 || c.dislikes > 0)
        };
        self.log.iter().filter(set).count() as i64
    }
}

/// One reaction against the batch's state so far; records what it changes.
pub(super) fn apply_one(
    write: &ReactionWrite,
    stored_used: i64,
    targets: &mut HashMap<CommentId, Target>,
    mine: &mut HashMap<(CommentId, AccountId), Reaction>,
    changes: &mut Changes,
) -> Reacted {
    let Some(target) = targets.get_mut(&write.comment_id).filter(|t| t.open) else {
        return Reacted::Closed;
    };
    let key = (write.comment_id, write.account_id);
    let before = mine.get(&key).copied();
    if before == write.kind {
        return Reacted::Done(Tally {
            likes: target.likes,
            dislikes: target.dislikes,
            mine: before,
        });
    }
    if let (Some(_), Some(quota)) = (write.kind, write.daily) {
        let since = to_millis(quota.since);
        if stored_used + changes.set_since(write.account_id, since) >= quota.limit {
            return Reacted::OverQuota;
        }
    }
    let (dl, dd) = delta(before, write.kind);
    target.likes += dl;
    target.dislikes += dd;
    let at = to_millis(write.now);
    match write.kind {
        Some(kind) => mine.insert(key, kind),
        None => mine.remove(&key),
    };
    changes.rows.insert(key, write.kind.map(|kind| (kind, at)));
    changes.counted.insert(write.comment_id, write.ratio_min);
    changes.log.push(Change {
        comment_id: write.comment_id,
        account_id: write.account_id,
        likes: dl,
        dislikes: dd,
        at,
    });
    Reacted::Done(Tally {
        likes: target.likes,
        dislikes: target.dislikes,
        mine: write.kind,
    })
}

/// How the counts move from one reaction to another.
pub(super) fn delta(before: Option<Reaction>, after: Option<Reaction>) -> (i64, i64) {
    let count = |r: Option<Reaction>| match r {
        Some(Reaction::Like) => (1, 0),
        Some(Reaction::Dislike) => (0, 1),
        None => (0, 0),
    };
    let (b, a) = (count(before), count(after));
    (a.0 - b.0, a.1 - b.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_move_by_what_changed() {
        use Reaction::*;
        assert_eq!(delta(None, Some(Like)), (1, 0));
        assert_eq!(delta(Some(Like), Some(Dislike)), (-1, 1));
        assert_eq!(delta(Some(Dislike), None), (0, -1));
        assert_eq!(delta(Some(Like), Some(Like)), (0, 0));
    }
}
