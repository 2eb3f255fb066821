//! What the moderation service reads and writes: the review queues,
//! decisions, reports, sanctions, roles and the log.
//!
//! Every change and its log line are one unit of work, so the log never
//! misses an action and never records one that did not happen.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::comments::CommentPage;
use super::policy::StoredReason;
use crate::domain::accounts::{Role, User};
use crate::domain::comments::Comment;
use crate::domain::desk::ArticleBrief;
use crate::domain::ids::{AccountId, CommentId};
use crate::domain::moderation::{
    AuthorRecord, DecidedOn, DecisionAction, LogEntry, LogLine, QueueState, Report, Sanction,
    SanctionKind,
};
use crate::domain::paging::Paging;
use crate::domain::reactions::Reaction;

#[async_trait]
pub trait ModerationStore: Send + Sync {
    /// A page of a review queue, oldest first, each comment with what a
    /// moderator needs beside it; a fixed number of reads whatever its length.
    async fn queue(&self, q: &QueueQuery<'_>) -> anyhow::Result<CommentPage<QueueEntry>>;

    /// Applies a moderator's decision, resolves the comment's open reports and
    /// logs it; the first of two racing decisions wins, and the others find
    /// the comment changed (see [`DecidedOn`]).
    async fn decide(&self, d: DecisionWrite<'_>) -> anyhow::Result<Decided>;

    /// Marks a published comment as an editor's pick, or unmarks it, and
    /// logs the change; setting what is already so changes and logs nothing.
    async fn set_featured(&self, f: FeatureWrite<'_>) -> anyhow::Result<Featured>;

    /// Who reacted to a comment, newest accounts first (by account id,
    /// `after` the last one of the previous page).
    async fn reactors(
        &self,
        comment_id: CommentId,
        paging: &Paging,
    ) -> anyhow::Result<CommentPage<Reactor>>;

    /// The reporter's account age and what became of their past reports;
    /// `None` for an unknown account.
    async fn reporter_record(
        &self,
        account_id: AccountId,
    ) -> anyhow::Result<Option<ReporterRecord>>;

    /// Files a report; `false` when this reader already reported the comment.
    /// When the weight of its open reports reaches the hide threshold the
    /// comment leaves the public listing.
    async fn insert_report(&self, new: ReportInsert<'_>) -> anyhow::Result<bool>;

    /// The weight of a comment's open reports (0 for none or no such comment).
    async fn open_report_weight(&self, comment_id: CommentId) -> anyhow::Result<i64>;

    /// Records a sanction and logs it; a ban may reject the pending comments too.
    /// Refused when it would sanction the last admin in good standing.
    async fn insert_sanction(
        &self,
        new: SanctionInsert<'_>,
    ) -> anyhow::Result<Result<Sanction, LastAdmin>>;

    /// Lifts every sanction in force; `false` when there was none.
    async fn lift_sanctions(
        &self,
        account_id: AccountId,
        moderator_id: AccountId,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool>;

    /// Changes an account's role and logs it; `None` when there is no such
    /// account. Refused when it would demote the last admin in good standing,
    /// checked inside the write so two admins demoting each other at once
    /// cannot both pass.
    async fn set_role(&self, change: RoleChange)
    -> anyhow::Result<Option<Result<User, LastAdmin>>>;

    /// Appends one line on its own, for actions stored elsewhere.
    async fn append_log(&self, line: &LogLine<'_>) -> anyhow::Result<()>;

    /// The log, newest first.
    async fn log_page(
        &self,
        before: Option<i64>,
        limit: usize,
    ) -> anyhow::Result<CommentPage<LogEntry>>;
}

/// A page of one review queue.
pub struct QueueQuery<'a> {
    pub state: QueueState,
    pub article_id: Option<&'a str>,
    /// A rule code: comments whose stored reasons include it.
    pub rule: Option<&'a str>,
    /// The weight of open reports that puts a comment in the reported queue.
    pub reported_at: i64,
    pub after: Option<i64>,
    pub limit: usize,
}

/// A comment in a queue with what a moderator sees beside it.
#[derive(Debug)]
pub struct QueueEntry {
    pub comment: Comment,
    /// The editorial it is on.
    pub article: ArticleBrief,
    /// The comment it replies to.
    pub parent: Option<Comment>,
    /// Why it was held: (code, start, end) in code points.
    pub reasons: Vec<StoredReason>,
    /// Its open reports, oldest first.
    pub reports: Vec<Report>,
    pub author: AuthorRecord,
    /// Reactions on it from accounts less than a day old when they reacted:
    /// a burst of them is a sign of accounts made to push a comment.
    pub fresh_reactions: i64,
}

/// What a decision did.
#[derive(Debug)]
pub enum Decided {
    Done(Comment),
    /// The comment was already in the state the decision asks for.
    Unchanged(Comment),
    Missing,
}

/// A change to staff that would leave no admin in good standing.
#[derive(Debug, PartialEq, Eq)]
pub struct LastAdmin;

/// A moderator's decision on one comment.
pub struct DecisionWrite<'a> {
    pub comment_id: CommentId,
    pub action: DecisionAction,
    pub on: DecidedOn,
    pub moderator_id: AccountId,
    pub reason: Option<&'a str>,
    pub note: Option<&'a str>,
    pub now: DateTime<Utc>,
}

pub struct ReportInsert<'a> {
    pub comment_id: CommentId,
    pub reporter_id: AccountId,
    pub reason: &'a str,
    pub note: Option<&'a str>,
    pub now: DateTime<Utc>,
    /// What the report counts (see `moderation::report_weight`).
    pub weight: i64,
    /// The weight of open reports at which the comment is hidden until a
    /// moderator decides.
    pub hide_at: i64,
}

/// What a reporter's account and past reports say about their reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReporterRecord {
    pub created_at: DateTime<Utc>,
    /// Resolved reports whose comment moderators rejected or deleted.
    pub upheld: i64,
    /// Resolved reports whose comment moderators kept published.
    pub dismissed: i64,
}

pub struct SanctionInsert<'a> {
    pub account_id: AccountId,
    pub kind: SanctionKind,
    pub until: Option<DateTime<Utc>>,
    pub reason: &'a str,
    pub moderator_id: Option<AccountId>,
    /// With a ban: reject the account's pending comments too.
    pub reject_pending: bool,
    pub now: DateTime<Utc>,
}

/// An admin's change of an account's role.
pub struct RoleChange {
    pub account_id: AccountId,
    pub role: Role,
    pub admin_id: AccountId,
    pub now: DateTime<Utc>,
}

/// A moderator's pick (`featured: true`) or its withdrawal.
pub struct FeatureWrite<'a> {
    pub comment_id: CommentId,
    pub featured: bool,
    pub moderator_id: AccountId,
    pub note: Option<&'a str>,
    pub now: DateTime<Utc>,
}

/// What became of a pick.
#[derive(Debug)]
pub enum Featured {
    /// Set and logged, or already so: the comment as it is now.
    Done(Comment),
    /// Only a published comment can be picked.
    NotPublished,
    Missing,
}

/// One reader's reaction to a comment, as a moderator looks into it.
#[derive(Debug, Clone)]
pub struct Reactor {
    pub account_id: AccountId,
    pub display_name: String,
    pub account_created_at: DateTime<Utc>,
    pub kind: Reaction,
    pub at: DateTime<Utc>,
}
