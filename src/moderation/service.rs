//! The moderation service: the rules of queues, decisions, reports, sanctions
//! and roles, between the handlers and storage.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::config::Settings;
use crate::domain::accounts::{Role, User};
use crate::domain::articles::ArticleId;
use crate::domain::comments::{Comment, Status};
use crate::domain::desk::ArticleBrief;
use crate::domain::events::{Change, EventKind, EventState};
use crate::domain::ids::{AccountId, CommentId};
use crate::domain::message::Violation;
use crate::domain::moderation::{
    AuthorRecord, Barred, DecidedOn, DecisionAction, LogEntry, ModerationError, NOTE_MAX,
    QueueState, Reason, Report, Sanction, SanctionKind,
};
use crate::domain::paging::Paging;
use crate::moderation::events::EventHub;
use crate::policy::{Finding, LivePolicy, Policy, RuleCode};
use crate::rate_limit::Throttle;
use crate::storage::{
    CommentPage, Decided, DecisionWrite, FeatureWrite, Featured, QueueEntry, QueueQuery, Reactor,
    ReportInsert, ReporterRecord, RoleChange, SanctionInsert, Store,
};

#[derive(Clone)]
pub struct Moderation {
    store: Arc<dyn Store>,
    policy: Arc<LivePolicy>,
    reports_to_queue: i64,
    reports_to_hide: i64,
    reports_min_account_age: chrono::Duration,
    /// Reports filed per account.
    reports: Arc<Throttle<AccountId>>,
    /// Where open desks hear of decisions, reports and sanctions.
    events: Arc<EventHub>,
}

/// What one ordinary report counts: weights are in halves of a report, so
/// that a trusted reader's report can count one and a half and a doubted
/// one's a half. `REPORTS_TO_QUEUE` and `REPORTS_TO_HIDE` count ordinary reports.
pub const ORDINARY_REPORT: i64 = 2;

/// What a report counts toward queueing and hiding its comment. Reporters in
/// good standing (no sanction in force: sanctioned accounts cannot report at
/// all) whose account is at least `min_age` old count; among them, one whose
/// resolved reports moderators upheld (rejected or deleted the comment) more
/// often than dismissed (kept it) counts one and a half, one dismissed more
/// often than upheld counts a half. Fresh accounts count nothing, so a crowd
/// of new accounts cannot hide or queue a comment.
pub fn report_weight(
    record: &ReporterRecord,
    now: DateTime<Utc>,
    min_age: chrono::Duration,
) -> i64 {
    if now - record.created_at < min_age {
        return 0;
    }
    match record.upheld.cmp(&record.dismissed) {
        std::cmp::Ordering::Greater => ORDINARY_REPORT + 1,
        std::cmp::Ordering::Less => ORDINARY_REPORT - 1,
        std::cmp::Ordering::Equal => ORDINARY_REPORT,
    }
}

/// Whether a comment is in the reported queue, as the queue's query has it:
/// open to readers or held, with open reports weighing at least `threshold`.
pub fn in_reported_queue(status: Status, open_weight: i64, threshold: i64) -> bool {
    matches!(status, Status::Published | Status::Pending) && open_weight >= threshold
}

/// A reader's note on a report, with resident registration numbers, phone
/// numbers and email addresses masked: a reporter may quote what they report,
/// and the note is shown to moderators and kept.
pub fn mask_personal(note: &str) -> String {
    let mut hits: Vec<std::ops::Range<usize>> = crate::policy::personal::find(note)
        .into_iter()
        .map(|hit| hit.range)
        .collect();
    hits.sort_by_key(|range| range.start);
    let mut masked = String::with_capacity(note.len());
    let mut at = 0;
    for range in hits {
        if range.end <= at {
            continue;
        }
        masked.push_str(&note[at..range.start.max(at)]);
        masked.push_str("***");
        at = range.end;
    }
    masked.push_str(&note[at..]);
    masked
}

/// One comment in a review queue, with what a moderator needs to decide.
#[derive(Debug)]
pub struct QueueItem {
    pub comment: Comment,
    pub article: ArticleBrief,
    pub parent: Option<Comment>,
    pub reasons: Vec<(Finding, Violation)>,
    pub reports: Vec<Report>,
    pub author: AuthorRecord,
    /// Reactions from accounts under a day old (see `QueueEntry`).
    pub fresh_reactions: i64,
}

/// The queue entry with its stored reasons read against the policy in force.
fn queue_item(entry: QueueEntry, policy: &Policy) -> QueueItem {
    let QueueEntry {
        comment,
        article,
        parent,
        reasons,
        reports,
        author,
        fresh_reactions,
    } = entry;
    let reasons = reasons
        .into_iter()
        .map(|(code, start, end, detail)| {
            let code = RuleCode::parse(&code).unwrap_or(RuleCode::Premoderation);
            // The classifier's labels are kept; our rules' text is the span.
            let matched = detail.unwrap_or_else(|| {
                comment
                    .body
                    .chars()
                    .skip(start as usize)
                    .take((end - start) as usize)
                    .collect()
            });
            let finding = Finding {
                code,
                action: policy.rule(code).action,
                start: start as usize,
                end: end as usize,
                matched,
            };
            let violation = policy.violation(&finding);
            (finding, violation)
        })
        .collect();
    QueueItem {
        comment,
        article,
        parent,
        reasons,
        reports,
        author,
        fresh_reactions,
    }
}

/// A moderator's or reader's note: the text rule, at most `NOTE_MAX` characters.
pub fn parse_note(raw: Option<&str>) -> Result<Option<String>, ModerationError> {
    let Some(raw) = raw else { return Ok(None) };
    let note = crate::text::clean(raw).map_err(|_| {
        ModerationError::invalid(
            "note",
            "The note holds control characters.",
            "메모에 제어 문자가 있습니다.",
        )
    })?;
    if crate::text::length(&note) > NOTE_MAX {
        return Err(ModerationError::invalid(
            "note",
            &format!("The note has more than {NOTE_MAX} characters."),
            &format!("메모는 {NOTE_MAX}자까지 쓸 수 있습니다."),
        ));
    }
    Ok((!note.is_empty()).then_some(note))
}

/// The `already_decided` refusal of a decision: the comment as it is, and
/// who acted on it last, so the desk can say who got there first.
pub async fn already_decided(store: &dyn Store, comment: Comment) -> ModerationError {
    match store.last_action(comment.id).await {
        Ok(last) => ModerationError::AlreadyDecided(Box::new(comment), last),
        Err(error) => error.into(),
    }
}

/// Suspended and banned accounts may read and log out, nothing more: every
/// write, and every staff power, asks this first.
pub async fn barred(store: &dyn Store, user: &User) -> anyhow::Result<Option<Barred>> {
    let sanction = store.sanction_in_force(user.id, Utc::now()).await?;
    Ok(sanction.as_ref().map(Barred::by))
}

fn parse_user_id(raw: &str) -> Result<AccountId, ModerationError> {
    AccountId::parse(raw).ok_or(ModerationError::UserNotFound)
}

impl Moderation {
    pub fn new(
        store: Arc<dyn Store>,
        policy: Arc<LivePolicy>,
        events: Arc<EventHub>,
        settings: &Settings,
    ) -> Moderation {
        Moderation {
            events,
            store: store.clone(),
            policy,
            reports_to_queue: i64::from(settings.reports_to_queue) * ORDINARY_REPORT,
            reports_to_hide: i64::from(settings.reports_to_hide) * ORDINARY_REPORT,
            reports_min_account_age: chrono::Duration::from_std(settings.reports_min_account_age)
                .unwrap_or(chrono::Duration::MAX),
            reports: Arc::new(Throttle::new(
                settings.rate_limits,
                store.clone(),
                "report:",
                settings.report_limit,
            )),
        }
    }

    /// Who reacted to a comment, newest accounts first.
    pub async fn reactors(
        &self,
        raw_id: &str,
        paging: Paging,
    ) -> Result<CommentPage<Reactor>, ModerationError> {
        let id = CommentId::parse(raw_id).ok_or(ModerationError::CommentNotFound)?;
        if self.store.comment(id).await?.is_none() {
            return Err(ModerationError::CommentNotFound);
        }
        Ok(self.store.reactors(id, &paging).await?)
    }

    /// A page of a review queue; `rule`: only comments the rule held.
    pub async fn queue(
        &self,
        state: QueueState,
        article_id: Option<&ArticleId>,
        rule: Option<RuleCode>,
        paging: Paging,
    ) -> Result<CommentPage<QueueItem>, ModerationError> {
        let query = QueueQuery {
            state,
            article_id: article_id.map(ArticleId::as_str),
            rule: rule.map(RuleCode::as_str),
            reported_at: self.reports_to_queue,
            after: paging.after,
            limit: paging.limit,
        };
        let page = self.store.queue(&query).await?;
        let policy = self.policy.get();
        let items = page
            .items
            .into_iter()
            .map(|entry| queue_item(entry, &policy))
            .collect();
        Ok(CommentPage {
            items,
            next_after: page.next_after,
            next_cut: None,
        })
    }

    /// Approve, reject or delete; the first of two racing decisions wins.
    /// `version`: the version of the comment the moderator decided on.
    pub async fn decide(
        &self,
        moderator: &User,
        raw_id: &str,
        action: DecisionAction,
        version: Option<i64>,
        reason: Option<Reason>,
        note: Option<&str>,
    ) -> Result<Comment, ModerationError> {
        let id = CommentId::parse(raw_id).ok_or(ModerationError::CommentNotFound)?;
        if action == DecisionAction::Reject && reason.is_none() {
            return Err(ModerationError::invalid(
                "reason",
                "A rejection needs a reason: spam, abuse, hate, personal_information, off_topic or other.",
                "거부하려면 사유(spam, abuse, hate, personal_information, off_topic, other)가 필요합니다.",
            ));
        }
        let note = parse_note(note)?;
        let decided = self
            .store
            .decide(DecisionWrite {
                comment_id: id,
                action,
                on: version.map_or(DecidedOn::Unnamed, DecidedOn::Version),
                moderator_id: moderator.id,
                reason: reason.map(Reason::as_str),
                note: note.as_deref(),
                now: Utc::now(),
            })
            .await?;
        match decided {
            Decided::Done(comment) => {
                tracing::info!(
                    comment_id = id.get(),
                    moderator_id = moderator.id.get(),
                    action = action.as_str(),
                    "decided"
                );
                let state = EventState::Comment(comment.status);
                let change = Change::comment(EventKind::Decided, &comment, state);
                self.events.publish(change);
                Ok(comment)
            }
            Decided::Unchanged(comment) => Err(already_decided(self.store.as_ref(), comment).await),
            Decided::Missing => Err(ModerationError::CommentNotFound),
        }
    }

    /// Makes a published comment an editor's pick (`featured`), or takes it
    /// back; logged as `feature` or `unfeature`, and idempotent.
    pub async fn feature(
        &self,
        moderator: &User,
        raw_id: &str,
        featured: bool,
        note: Option<&str>,
    ) -> Result<Comment, ModerationError> {
        let id = CommentId::parse(raw_id).ok_or(ModerationError::CommentNotFound)?;
        let note = parse_note(note)?;
        let picked = self
            .store
            .set_featured(FeatureWrite {
                comment_id: id,
                featured,
                moderator_id: moderator.id,
                note: note.as_deref(),
                now: Utc::now(),
            })
            .await?;
        match picked {
            Featured::Done(comment) => Ok(comment),
            Featured::NotPublished => Err(ModerationError::CommentClosed),
            Featured::Missing => Err(ModerationError::CommentNotFound),
        }
    }

    /// A reader reports a comment they can see; once per reader and comment.
    pub async fn report(
        &self,
        reader: &User,
        raw_id: &str,
        reason: Reason,
        note: Option<&str>,
    ) -> Result<(), ModerationError> {
        self.reports
            .check(reader.id)
            .await?
            .map_err(|retry_after| ModerationError::RateLimited { retry_after })?;
        let id = CommentId::parse(raw_id).ok_or(ModerationError::CommentNotFound)?;
        let comment = self
            .store
            .comment(id)
            .await?
            .ok_or(ModerationError::CommentNotFound)?;
        let reportable = matches!(comment.status, Status::Published | Status::Pending);
        if !reportable || !comment.visible_to(Some(reader.id), reader.role.can_moderate()) {
            return Err(ModerationError::CommentNotFound);
        }
        if comment.author_id == reader.id {
            return Err(ModerationError::OwnComment);
        }
        self.check_standing(reader).await?;
        let note = parse_note(note)?.map(|note| mask_personal(&note));
        let now = Utc::now();
        let record = self
            .store
            .reporter_record(reader.id)
            .await?
            .ok_or(ModerationError::SessionEnded)?;
        let weight = report_weight(&record, now, self.reports_min_account_age);
        let filed = self
            .store
            .insert_report(ReportInsert {
                comment_id: id,
                reporter_id: reader.id,
                reason: reason.as_str(),
                note: note.as_deref(),
                now,
                weight,
                hide_at: self.reports_to_hide,
            })
            .await?;
        if !filed {
            return Err(ModerationError::AlreadyReported);
        }
        tracing::info!(
            comment_id = id.get(),
            user_id = reader.id.get(),
            reason = reason.as_str(),
            weight,
            "comment reported"
        );
        let open_weight = self.store.open_report_weight(id).await?;
        let state = match in_reported_queue(comment.status, open_weight, self.reports_to_queue) {
            true => EventState::Reported,
            false => EventState::Comment(comment.status),
        };
        let change = Change::comment(EventKind::Reported, &comment, state);
        self.events.publish(change);
        Ok(())
    }

    /// Suspends or bans an account. Moderators sanction readers; only an admin
    /// sanctions staff, and nobody sanctions themselves.
    pub async fn sanction(
        &self,
        moderator: &User,
        raw_user_id: &str,
        kind: SanctionKind,
        until: Option<DateTime<Utc>>,
        reason: &str,
        reject_pending: bool,
    ) -> Result<Sanction, ModerationError> {
        let target = self.target(moderator, raw_user_id).await?;
        let until = match (kind, until) {
            (SanctionKind::Suspend, Some(until)) if until > Utc::now() => Some(until),
            (SanctionKind::Suspend, _) => {
                return Err(ModerationError::invalid(
                    "until",
                    "A suspension needs an end in the future.",
                    "정지에는 앞으로의 종료 시각이 필요합니다.",
                ));
            }
            (SanctionKind::Ban, None) => None,
            (SanctionKind::Ban, Some(_)) => {
                return Err(ModerationError::invalid(
                    "until",
                    "A ban has no end; use a suspension for a set time.",
                    "이용 제한에는 종료 시각이 없습니다. 기간을 정하려면 정지를 쓰세요.",
                ));
            }
        };
        let reason = parse_note(Some(reason))?.ok_or_else(|| {
            ModerationError::invalid(
                "reason",
                "Give the reason for the sanction.",
                "제재 사유를 적어 주세요.",
            )
        })?;
        let sanction = self
            .store
            .insert_sanction(SanctionInsert {
                account_id: target.id,
                kind,
                until,
                reason: &reason,
                moderator_id: Some(moderator.id),
                reject_pending,
                now: Utc::now(),
            })
            .await?
            .map_err(|_| ModerationError::LastAdmin)?;
        tracing::info!(
            user_id = target.id.get(),
            moderator_id = moderator.id.get(),
            kind = kind.as_str(),
            "sanctioned"
        );
        let change = Change::account(target.id, EventState::from(kind));
        self.events.publish(change);
        Ok(sanction)
    }

    pub async fn lift(&self, moderator: &User, raw_user_id: &str) -> Result<(), ModerationError> {
        let target = self.target(moderator, raw_user_id).await?;
        let lifted = self
            .store
            .lift_sanctions(target.id, moderator.id, Utc::now())
            .await?;
        if !lifted {
            return Err(ModerationError::SanctionNotFound);
        }
        let change = Change::account(target.id, EventState::Lifted);
        self.events.publish(change);
        Ok(())
    }

    async fn target(&self, moderator: &User, raw_user_id: &str) -> Result<User, ModerationError> {
        let id = parse_user_id(raw_user_id)?;
        let target = self
            .store
            .account(id)
            .await?
            .ok_or(ModerationError::UserNotFound)?;
        let staff = target.role.can_moderate();
        if target.id == moderator.id || (staff && moderator.role != Role::Admin) {
            return Err(ModerationError::Forbidden);
        }
        Ok(target)
    }

    /// The caller is in good standing (see [`check_standing`]).
    pub async fn check_standing(&self, user: &User) -> Result<(), ModerationError> {
        match barred(self.store.as_ref(), user).await? {
            Some(barred) => Err(barred.into()),
            None => Ok(()),
        }
    }

    /// An admin changes an account's role; roles are read per request, so it
    /// takes effect at the account's next request.
    pub async fn set_role(
        &self,
        admin: &User,
        raw_user_id: &str,
        role: Role,
    ) -> Result<User, ModerationError> {
        let id = parse_user_id(raw_user_id)?;
        let user = self
            .store
            .set_role(RoleChange {
                account_id: id,
                role,
                admin_id: admin.id,
                now: Utc::now(),
            })
            .await?
            .ok_or(ModerationError::UserNotFound)?
            .map_err(|_| ModerationError::LastAdmin)?;
        tracing::info!(
            user_id = id.get(),
            admin_id = admin.id.get(),
            role = role.as_str(),
            "role changed"
        );
        Ok(user)
    }

    pub async fn log(&self, paging: Paging) -> Result<CommentPage<LogEntry>, ModerationError> {
        Ok(self.store.log_page(paging.after, paging.limit).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(hours_old: i64, upheld: i64, dismissed: i64) -> ReporterRecord {
        ReporterRecord {
            created_at: Utc::now() - chrono::Duration::hours(hours_old),
            upheld,
            dismissed,
        }
    }

    #[test]
    fn a_report_weighs_by_the_reporters_age_and_record() {
        let hour = chrono::Duration::hours(1);
        let cases = [
            (
                record(0, 5, 0),
                0,
                "an account younger than the minimum age",
            ),
            (record(2, 0, 0), 2, "no record: an ordinary report"),
            (record(2, 2, 2), 2, "as often upheld as dismissed"),
            (record(2, 3, 1), 3, "mostly upheld"),
            (record(2, 1, 3), 1, "mostly dismissed"),
        ];
        for (record, weight, case) in cases {
            assert_eq!(report_weight(&record, Utc::now(), hour), weight, "{case}");
        }
        let any_age = report_weight(&record(0, 0, 0), Utc::now(), chrono::Duration::zero());
        assert_eq!(any_age, 2, "no minimum age");
    }

    #[test]
    fn personal_information_in_a_note_is_masked() {
        let cases = [
            ("주민번호 940404-1234567 유출", "주민번호 *** 유출"),
            (
                "전화 010-1234-5678, 메일 a@news.example",
                "전화 ***, 메일 ***",
            ),
            ("평범한 신고", "평범한 신고"),
        ];
        for (note, masked) in cases {
            assert_eq!(mask_personal(note), masked, "{note}");
        }
    }
}
