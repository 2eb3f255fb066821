//! The moderation service: the rules of queues, decisions, reports, sanctions
//! and roles, between the handlers and storage.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::articles::ArticleId;
use crate::auth::{Role, User};
use crate::comments::service::parse_comment_id;
use crate::comments::{Comment, Status};
use crate::config::Settings;
use crate::http::error::{ApiError, ApiResult, Violation};
use crate::http::paging::Paging;
use crate::moderation::{
    AuthorRecord, DecidedOn, DecisionAction, LogEntry, QueueState, Reason, Report, Sanction,
    SanctionKind,
};
use crate::policy::{Finding, LivePolicy};
use crate::storage::{CommentPage, Decided, DecisionWrite, ReportInsert, SanctionInsert, Store};

#[derive(Clone)]
pub struct Moderation {
    store: Store,
    policy: Arc<LivePolicy>,
    reports_to_queue: i64,
    reports_to_hide: i64,
}

/// One comment in a review queue, with what a moderator needs to decide.
#[derive(Debug)]
pub struct QueueItem {
    pub comment: Comment,
    pub parent: Option<Comment>,
    pub reasons: Vec<(Finding, Violation)>,
    pub reports: Vec<Report>,
    pub author: AuthorRecord,
}

/// What a decision did: applied, or found the comment already so.
#[derive(Debug)]
pub enum Decision {
    Done(Comment),
    Already(Comment),
}

pub const NOTE_MAX: usize = 500;

fn invalid(field: &str, en: &str, ko: &str) -> ApiError {
    ApiError::InvalidRequest(vec![Violation::new(field, en, ko)])
}

/// A moderator's or reader's note: the text rule, at most 500 characters.
pub fn parse_note(raw: Option<&str>) -> ApiResult<Option<String>> {
    let Some(raw) = raw else { return Ok(None) };
    let note = crate::text::clean(raw).map_err(|_| {
        invalid(
            "note",
            "The note holds control characters.",
            "메모에 제어 문자가 있습니다.",
        )
    })?;
    if crate::text::length(&note) > NOTE_MAX {
        return Err(invalid(
            "note",
            "The note has more than 500 characters.",
            "메모는 500자까지 쓸 수 있습니다.",
        ));
    }
    Ok((!note.is_empty()).then_some(note))
}

/// Suspended and banned accounts may read and log out, nothing more: every
/// write, and every staff power, asks this first.
pub async fn check_standing(store: &Store, user: &User) -> ApiResult<()> {
    match store.sanction_in_force(user.id, Utc::now()).await? {
        None => Ok(()),
        Some(s) if s.kind == SanctionKind::Ban => Err(ApiError::AccountBanned),
        Some(s) => Err(ApiError::AccountSuspended { until: s.until }),
    }
}

fn parse_user_id(raw: &str) -> ApiResult<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(ApiError::UserNotFound)
}

impl Moderation {
    pub fn new(store: Store, policy: Arc<LivePolicy>, settings: &Settings) -> Moderation {
        Moderation {
            store,
            policy,
            reports_to_queue: i64::from(settings.reports_to_queue),
            reports_to_hide: i64::from(settings.reports_to_hide),
        }
    }

    pub async fn queue(
        &self,
        state: QueueState,
        article_id: Option<&ArticleId>,
        paging: Paging,
    ) -> ApiResult<CommentPage<QueueItem>> {
        let page = self
            .store
            .queue(
                state,
                article_id.map(ArticleId::as_str),
                self.reports_to_queue,
                paging.after,
                paging.limit,
            )
            .await?;
        let ids: Vec<i64> = page.items.iter().map(|c| c.id).collect();
        let mut reports = self.store.open_reports(&ids).await?;
        let mut items = Vec::with_capacity(page.items.len());
        for comment in page.items {
            let mine = reports
                .extract_if(.., |r| r.comment_id == comment.id)
                .collect();
            items.push(self.queue_item(comment, mine).await?);
        }
        Ok(CommentPage {
            items,
            next_after: page.next_after,
        })
    }

    async fn queue_item(&self, comment: Comment, reports: Vec<Report>) -> ApiResult<QueueItem> {
        let parent = match comment.parent_id {
            Some(id) => self.store.comment(id).await?,
            None => None,
        };
        let author = self
            .store
            .author_record(comment.author_id, Utc::now())
            .await?
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("comment without author")))?;
        let policy = self.policy.get();
        let reasons = self
            .store
            .comment_reasons(comment.id)
            .await?
            .into_iter()
            .map(|(code, start, end)| {
                let rule = policy.rules().iter().find(|r| r.code == code);
                let finding = Finding {
                    code: rule.map_or("premoderation", |r| r.code),
                    action: rule.map_or(crate::policy::Action::Hold, |r| r.action),
                    start: start as usize,
                    end: end as usize,
                    matched: comment
                        .body
                        .chars()
                        .skip(start as usize)
                        .take((end - start) as usize)
                        .collect(),
                };
                let violation = policy.violation(&finding);
                (finding, violation)
            })
            .collect();
        Ok(QueueItem {
            comment,
            parent,
            reasons,
            reports,
            author,
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
    ) -> ApiResult<Decision> {
        let id = parse_comment_id(raw_id).ok_or(ApiError::CommentNotFound)?;
        if action == DecisionAction::Reject && reason.is_none() {
            return Err(invalid(
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
                    comment_id = id,
                    moderator_id = moderator.id,
                    action = action.as_str(),
                    "decided"
                );
                Ok(Decision::Done(comment))
            }
            Decided::Unchanged(comment) => Ok(Decision::Already(comment)),
            Decided::Missing => Err(ApiError::CommentNotFound),
        }
    }

    /// A reader reports a comment they can see; once per reader and comment.
    pub async fn report(
        &self,
        reader: &User,
        raw_id: &str,
        reason: Reason,
        note: Option<&str>,
    ) -> ApiResult<()> {
        let id = parse_comment_id(raw_id).ok_or(ApiError::CommentNotFound)?;
        let comment = self
            .store
            .comment(id)
            .await?
            .ok_or(ApiError::CommentNotFound)?;
        let reportable = matches!(comment.status, Status::Published | Status::Pending);
        if !reportable || !comment.visible_to(Some(reader.id), reader.role.can_moderate()) {
            return Err(ApiError::CommentNotFound);
        }
        let note = parse_note(note)?;
        let filed = self
            .store
            .insert_report(ReportInsert {
                comment_id: id,
                reporter_id: reader.id,
                reason: reason.as_str(),
                note: note.as_deref(),
                now: Utc::now(),
                hide_at: self.reports_to_hide,
            })
            .await?;
        if !filed {
            return Err(ApiError::AlreadyReported);
        }
        tracing::info!(
            comment_id = id,
            user_id = reader.id,
            reason = reason.as_str(),
            "comment reported"
        );
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
    ) -> ApiResult<Sanction> {
        let target = self.target(moderator, raw_user_id).await?;
        let until = match (kind, until) {
            (SanctionKind::Suspend, Some(until)) if until > Utc::now() => Some(until),
            (SanctionKind::Suspend, _) => {
                return Err(invalid(
                    "until",
                    "A suspension needs an end in the future.",
                    "정지에는 앞으로의 종료 시각이 필요합니다.",
                ));
            }
            (SanctionKind::Ban, None) => None,
            (SanctionKind::Ban, Some(_)) => {
                return Err(invalid(
                    "until",
                    "A ban has no end; use a suspension for a set time.",
                    "이용 제한에는 종료 시각이 없습니다. 기간을 정하려면 정지를 쓰세요.",
                ));
            }
        };
        let reason = parse_note(Some(reason))?.ok_or_else(|| {
            invalid(
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
            .map_err(|_| ApiError::LastAdmin)?;
        tracing::info!(
            user_id = target.id,
            moderator_id = moderator.id,
            kind = kind.as_str(),
            "sanctioned"
        );
        Ok(sanction)
    }

    pub async fn lift(&self, moderator: &User, raw_user_id: &str) -> ApiResult<()> {
        let target = self.target(moderator, raw_user_id).await?;
        if self
            .store
            .lift_sanctions(target.id, moderator.id, Utc::now())
            .await?
        {
            Ok(())
        } else {
            Err(ApiError::SanctionNotFound)
        }
    }

    async fn target(&self, moderator: &User, raw_user_id: &str) -> ApiResult<User> {
        let id = parse_user_id(raw_user_id)?;
        let target = self
            .store
            .account(id)
            .await?
            .ok_or(ApiError::UserNotFound)?;
        let staff = target.role.can_moderate();
        if target.id == moderator.id || (staff && moderator.role != Role::Admin) {
            return Err(ApiError::Forbidden);
        }
        Ok(target)
    }

    /// The caller is in good standing (see [`check_standing`]).
    pub async fn check_standing(&self, user: &User) -> ApiResult<()> {
        check_standing(&self.store, user).await
    }

    /// An admin changes an account's role; roles are read per request, so it
    /// takes effect at the account's next request.
    pub async fn set_role(&self, admin: &User, raw_user_id: &str, role: Role) -> ApiResult<User> {
        let id = parse_user_id(raw_user_id)?;
        let user = self
            .store
            .set_role(id, role, admin.id, Utc::now())
            .await?
            .ok_or(ApiError::UserNotFound)?
            .map_err(|_| ApiError::LastAdmin)?;
        tracing::info!(
            user_id = id,
            admin_id = admin.id,
            role = role.as_str(),
            "role changed"
        );
        Ok(user)
    }

    pub async fn log(&self, paging: Paging) -> ApiResult<CommentPage<LogEntry>> {
        Ok(self.store.log_page(paging.after, paging.limit).await?)
    }
}
