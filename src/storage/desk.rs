//! What the moderator desk reads and writes beside the queues: the queues'
//! counts, an account's file and comments, notes on accounts, the log about
//! one account, and undoing a decision.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::comments::CommentPage;
use crate::domain::comments::Comment;
use crate::domain::comments::LastAction;
use crate::domain::desk::{AccountFile, AccountNote, AuthorComment, QueueCounts};
use crate::domain::ids::{AccountId, CommentId};
use crate::domain::moderation::LogEntry;
use crate::domain::paging::Paging;

#[async_trait]
pub trait DeskStore: Send + Sync {
    /// How many comments each queue holds under the filters; one query.
    async fn queue_counts(&self, q: &CountsQuery<'_>) -> anyhow::Result<QueueCounts>;

    /// An account with its record, sanctions and note; `None` when unknown.
    async fn account_file(&self, account_id: AccountId) -> anyhow::Result<Option<AccountFile>>;

    /// An author's comments in every state, newest first, each with its
    /// editorial (`after`: the last id of the previous page).
    async fn all_comments_of(
        &self,
        author_id: AccountId,
        paging: &Paging,
    ) -> anyhow::Result<CommentPage<AuthorComment>>;

    /// Sets (`Some`) or clears (`None`) the note on an account and logs it;
    /// `Err(NoAccount)` when there is no such account.
    async fn set_note(
        &self,
        write: NoteWrite<'_>,
    ) -> anyhow::Result<Result<Option<AccountNote>, NoAccount>>;

    /// The log about one account, newest first: lines whose target is the
    /// account or one of its comments.
    async fn log_about(
        &self,
        account_id: AccountId,
        before: Option<i64>,
        limit: usize,
    ) -> anyhow::Result<CommentPage<LogEntry>>;

    /// The latest line of the log about a comment.
    async fn last_action(&self, comment_id: CommentId) -> anyhow::Result<Option<LastAction>>;

    /// Takes back a moderator's latest decision on a comment, checked and
    /// written in one transaction: of two racing undos, or an undo and
    /// another decision, exactly one finds the comment as the decision left it.
    async fn undo(&self, write: UndoWrite) -> anyhow::Result<Undone>;
}

/// The filters the queues share.
pub struct CountsQuery<'a> {
    pub article_id: Option<&'a str>,
    /// A rule code: comments whose stored reasons include it.
    pub rule: Option<&'a str>,
    /// The weight of open reports that puts a comment in the reported queue.
    pub reported_at: i64,
}

/// There is no account with that id.
#[derive(Debug, PartialEq, Eq)]
pub struct NoAccount;

pub struct NoteWrite<'a> {
    pub account_id: AccountId,
    /// `None` clears the note.
    pub text: Option<&'a str>,
    pub moderator_id: AccountId,
    pub now: DateTime<Utc>,
}

pub struct UndoWrite {
    pub comment_id: CommentId,
    pub moderator_id: AccountId,
    /// The decision must have been made at or after this moment.
    pub decided_since: DateTime<Utc>,
    pub now: DateTime<Utc>,
}

#[derive(Debug)]
pub enum Undone {
    /// Back to the state before the decision: the comment as it is now.
    Done(Comment),
    /// Not this moderator's latest decision, too old, or changed since.
    Unavailable,
    Missing,
}
