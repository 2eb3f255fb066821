//! The comment service: the rules of posting, reading and deleting, between
//! the handlers (which parse and authorize) and storage (which keeps).

use std::net::IpAddr;
use std::sync::Arc;

use bytes::Bytes;
use chrono::Utc;
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

use crate::comments::hook::{HookRequest, ModerationHook};
use crate::comments::page_cache::{Page, PageCache, PageKey, PageKind};
use crate::comments::quota;
use crate::config::Settings;
use crate::domain::accounts::User;
use crate::domain::articles::{Article, ArticleId};
use crate::domain::body::{CommentBody, Measured};
use crate::domain::comments::{Comment, Order, Status, Thread};
use crate::domain::events::{Change, EventKind, EventState};
use crate::domain::ids::{AccountId, CommentId};
use crate::domain::message::Violation;
use crate::domain::moderation::{DecidedOn, DecisionAction};
use crate::domain::paging::Paging;
use crate::domain::post_error::PostError;
use crate::domain::quota::Standing;
use crate::moderation::events::EventHub;
use crate::moderation::service::{ORDINARY_REPORT, in_reported_queue};
use crate::policy::{Action, Finding, LivePolicy, Policy, RuleCode, verdict};
use crate::rate_limit::{RateLimiter, Throttle};
use crate::storage::{
    CommentEdit, CommentInsert, CommentPage, Decided, DecisionWrite, Edited, Inserted, PageQuery,
    RefusalRecord, ReplyQuery, Store,
};
use crate::telemetry::metrics;

#[derive(Clone)]
pub struct Comments {
    store: Arc<dyn Store>,
    max_length: usize,
    edit_window: std::time::Duration,
    policy: Arc<LivePolicy>,
    flood: Arc<RateLimiter<AccountId>>,
    /// Dry runs per client address.
    dry_runs: Arc<Throttle<IpAddr>>,
    /// First pages as anonymous readers see them, ready to send.
    pages: Arc<PageCache>,
    ratio_min: i64,
    best_comments: usize,
    best_min_score: i64,
    /// Rate limits and quotas on (`RATE_LIMITS`).
    limits_on: bool,
    /// Where open desks hear of comments entering and leaving the queues.
    events: Arc<EventHub>,
    /// The weight of open reports that puts a comment in the reported queue.
    reports_to_queue: i64,
    /// The newsroom's classifier, asked after our policy (`MODERATION_HOOK_URL`).
    hook: Option<Arc<ModerationHook>>,
}

/// What the classifier is told about a text besides the text itself.
struct Asked<'a> {
    article: &'a Article,
    author: &'a User,
    parent_id: Option<CommentId>,
    edit: bool,
}

/// A comment that was stored, and what its author is told if it is held.
#[derive(Debug)]
pub struct Posted {
    pub comment: Comment,
    pub notices: Vec<Violation>,
}

/// What the dry run reports.
#[derive(Debug)]
pub struct DryRun {
    pub measured: Measured,
    pub action: Action,
    pub violations: Vec<Violation>,
}

/// How `judge` applies the repeat rule.
#[derive(Debug, Clone, Copy)]
enum Repeats {
    /// Ask the store now; `except` is the comment being edited, no repeat of itself.
    Check { except: Option<CommentId> },
    /// The store refuses the repeat as it inserts the comment.
    AtInsert,
}

/// The start of the repeat window.
fn repeat_cutoff(policy: &Policy, now: chrono::DateTime<Utc>) -> chrono::DateTime<Utc> {
    now - chrono::Duration::from_std(policy.repeat_window).unwrap_or_default()
}

/// What identifies "the same text" for repeats: case, compatibility forms,
/// spacing and punctuation do not count; every letter and digit does. A text
/// with no letter or digit is what it is made of (emoji, punctuation) less
/// spacing and presentation selectors, so "👍" then "😢" are two comments and
/// "👍" twice a repeat. (The term matcher's folding goes further, collapsing
/// "11" into "1", which would make "comment 11" a repeat of "comment 1".)
fn fingerprint(text: &str) -> [u8; 16] {
    let folded = || text.nfkc().flat_map(char::to_lowercase);
    let mut key: String = folded().filter(|c| c.is_alphanumeric()).collect();
    if key.is_empty() {
        let presentation = |c: char| ('\u{FE00}'..='\u{FE0F}').contains(&c);
        key = folded()
            .filter(|c| !c.is_whitespace() && !presentation(*c))
            .collect();
    }
    let digest = Sha256::digest(key.as_bytes());
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

impl Comments {
    pub fn new(
        store: Arc<dyn Store>,
        policy: Arc<LivePolicy>,
        events: Arc<EventHub>,
        settings: &Settings,
    ) -> anyhow::Result<Comments> {
        let hook = match &settings.moderation_hook {
            Some(hook) => Some(Arc::new(ModerationHook::new(hook)?)),
            None => None,
        };
        Ok(Comments {
            hook,
            events,
            reports_to_queue: i64::from(settings.reports_to_queue) * ORDINARY_REPORT,
            store: store.clone(),
            max_length: settings.comment_max_length,
            edit_window: settings.edit_window,
            policy,
            flood: Arc::new(RateLimiter::new(
                settings.rate_limits,
                store.clone(),
                "post:",
            )),
            dry_runs: Arc::new(Throttle::new(
                settings.rate_limits,
                store.clone(),
                "validate:",
                settings.validate_limit,
            )),
            pages: Arc::new(PageCache::new(store.clone())),
            ratio_min: settings.ratio_min_reactions,
            best_comments: settings.best_comments,
            best_min_score: settings.best_min_score,
            limits_on: settings.rate_limits,
        })
    }

    /// What the reader has left of today's quotas, on this editorial too.
    pub async fn standing(
        &self,
        reader: &User,
        article_id: &ArticleId,
    ) -> Result<Standing, PostError> {
        let article = self.article(article_id).await?;
        let policy = self.policy.get();
        let held = quota::applies(self.limits_on, reader);
        quota::standing(
            self.store.as_ref(),
            &policy.quotas,
            reader,
            &article,
            held,
            Utc::now(),
        )
        .await
    }

    pub fn max_length(&self) -> usize {
        self.max_length
    }

    /// The text rule and the standards policy without storing anything, for
    /// `/comments/validate`; the author's own record counts when logged in.
    pub async fn dry_run(
        &self,
        raw: &str,
        author: Option<&User>,
        client: IpAddr,
    ) -> Result<DryRun, PostError> {
        self.dry_runs
            .check(client)
            .await?
            .map_err(|retry_after| PostError::RateLimited { retry_after })?;
        let measured = CommentBody::measure(raw, self.max_length);
        let policy = self.policy.get();
        let (action, violations) = match (&measured.verdict, &measured.normalized) {
            (Err(error), _) => (
                Action::Refuse,
                vec![Violation {
                    rule: error.code().to_owned(),
                    message: error.message(),
                }],
            ),
            (Ok(()), Some(text)) => {
                let repeats = Repeats::Check { except: None };
                let findings = self.judge(&policy, text, author, None, repeats).await?;
                let violations = findings.iter().map(|f| policy.violation(f)).collect();
                (verdict(&findings), violations)
            }
            (Ok(()), None) => (Action::Publish, Vec::new()),
        };
        Ok(DryRun {
            measured,
            action,
            violations,
        })
    }

    /// Posts a comment or a reply. A reply to a reply joins the same thread,
    /// since threads have one level. Refused: nothing is stored but the
    /// decision. Held: stored as pending with the reasons.
    pub async fn post(
        &self,
        author: &User,
        article_id: &ArticleId,
        raw: &str,
        parent_id: Option<&str>,
    ) -> Result<Posted, PostError> {
        let article = self.open_article(article_id).await?;
        let (body, policy) = self.admit(author, raw).await?;
        let thread = match parent_id {
            Some(raw_id) => Some(self.thread_of(&article, raw_id).await?),
            None => None,
        };
        let now = Utc::now();
        let quota = match quota::applies(self.limits_on, author) {
            true => Some(
                quota::for_comment(self.store.as_ref(), &policy.quotas, author, &article, now)
                    .await?,
            ),
            false => None,
        };
        // A refused repeat is found as the comment is stored, so that two
        // identical posts sent at once cannot both pass.
        let repeats_at_insert = policy.whole(RuleCode::Duplicate).action == Action::Refuse;
        let repeats = if repeats_at_insert {
            Repeats::AtInsert
        } else {
            Repeats::Check { except: None }
        };
        let findings = self
            .judge(
                &policy,
                body.as_str(),
                Some(author),
                Some(&article),
                repeats,
            )
            .await?;
        let asked = Asked {
            article: &article,
            author,
            parent_id: thread.map(|(_, answered)| answered),
            edit: false,
        };
        let findings = self.ask_hook(&policy, body.as_str(), asked, findings).await;
        let (status, reasons) = self
            .settle(&policy, author, &article, None, findings)
            .await?;
        let inserted = self
            .store
            .insert_comment(CommentInsert {
                article_id: article.id.clone(),
                parent_id: thread.map(|(root, _)| root),
                answers: thread.map(|(_, answered)| answered),
                author_id: author.id,
                author_name: author.display_name.clone(),
                length: body.length(),
                fingerprint: fingerprint(body.as_str()),
                body: body.as_str().to_owned(),
                status,
                reasons: reasons.clone(),
                now,
                repeat_since: repeats_at_insert.then(|| repeat_cutoff(&policy, now)),
                quota,
            })
            .await?;
        let comment = match inserted {
            Inserted::Stored(comment) => {
                metrics::judged(verdict(&reasons), &reasons);
                comment
            }
            Inserted::Repeat => {
                let repeat = [policy.whole(RuleCode::Duplicate)];
                return Err(self
                    .refuse(&policy, author, &article, None, &repeat)
                    .await?);
            }
            Inserted::Closed => return Err(PostError::CommentClosed),
            Inserted::AuthorErased => return Err(PostError::AccountGone),
            Inserted::OverQuota(breach) => {
                return Err(quota::refusal(breach, &policy.quotas, Utc::now()));
            }
        };
        let codes: Vec<&str> = reasons.iter().map(|r| r.code.as_str()).collect();
        tracing::info!(comment_id = comment.id.get(), article_id = %article.id, user_id = author.id.get(),
            status = status.as_str(), reasons = ?codes, "comment posted");
        if comment.status == Status::Pending {
            self.tell_desks(EventKind::Queued, &comment, comment.status);
        }
        Ok(Posted {
            comment,
            notices: reasons.iter().map(|r| policy.violation(r)).collect(),
        })
    }

    /// What a post and an edit pass before the policy reads the text: the
    /// author's standing, the text rule, and the flooding limit (a refused
    /// text does not count against it).
    async fn admit(
        &self,
        author: &User,
        raw: &str,
    ) -> Result<(CommentBody, Arc<Policy>), PostError> {
        self.check_standing(author).await?;
        let body = CommentBody::parse(raw, self.max_length)?;
        let policy = self.policy.get();
        self.flood
            .hit(author.id, &policy.flooding)
            .await?
            .map_err(|retry_after| PostError::RateLimited { retry_after })?;
        Ok((body, policy))
    }

    /// Every rule that fires: on the text, then on the author's record
    /// (repeats, new commenters), then on the editorial (premoderation).
    async fn judge(
        &self,
        policy: &Policy,
        text: &str,
        author: Option<&User>,
        article: Option<&Article>,
        repeats: Repeats,
    ) -> Result<Vec<Finding>, PostError> {
        let mut findings = policy.scan(text);
        let staff = author.is_some_and(|a| a.role.can_moderate());
        if let Some(author) = author {
            if let Repeats::Check { except } = repeats
                && self
                    .store
                    .has_repeat(
                        author.id,
                        &fingerprint(text),
                        repeat_cutoff(policy, Utc::now()),
                        except,
                    )
                    .await?
            {
                findings.push(policy.whole(RuleCode::Duplicate));
            }
            let hold_first = i64::from(policy.new_commenter_hold);
            if !staff && hold_first > 0 && self.store.published_count(author.id).await? < hold_first
            {
                findings.push(policy.whole(RuleCode::NewCommenter));
            }
        }
        if article.is_some_and(|a| a.premoderation) && !staff {
            findings.push(policy.whole(RuleCode::Premoderation));
        }
        findings.retain(|f| f.action != Action::Publish);
        Ok(findings)
    }

    /// The author edits inside the edit window; the new text passes the whole
    /// policy again, and may be held or refused like a new comment. A rejected
    /// or deleted comment is not edited, also when the decision lands while
    /// the edit is on its way (the store checks again as it writes).
    pub async fn edit(&self, raw_id: &str, author: &User, raw: &str) -> Result<Posted, PostError> {
        let comment = self.find(raw_id).await?;
        if comment.author_id != author.id {
            return Err(if comment.visible_to(Some(author.id), false) {
                PostError::NotTheAuthor
            } else {
                PostError::CommentNotFound
            });
        }
        match comment.status {
            Status::Deleted => return Err(PostError::CommentNotFound),
            Status::Rejected => return Err(PostError::AlreadyDecided(Box::new(comment))),
            Status::Published | Status::Pending => {}
        }
        let open_for = chrono::Duration::from_std(self.edit_window).unwrap_or_default();
        if Utc::now() - comment.created_at > open_for {
            return Err(PostError::EditWindowClosed);
        }
        let article = self
            .open_article(&ArticleId::parse(&comment.article_id)?)
            .await?;
        // An edit republishes text, so it is admitted like a post.
        let (body, policy) = self.admit(author, raw).await?;
        let findings = self
            .judge(
                &policy,
                body.as_str(),
                Some(author),
                Some(&article),
                Repeats::Check {
                    except: Some(comment.id),
                },
            )
            .await?;
        let asked = Asked {
            article: &article,
            author,
            parent_id: comment.parent_id,
            edit: true,
        };
        let findings = self.ask_hook(&policy, body.as_str(), asked, findings).await;
        let (status, reasons) = self
            .settle(&policy, author, &article, Some(comment.id), findings)
            .await?;
        let edited = self
            .store
            .update_comment_text(
                comment.id,
                CommentEdit {
                    author_id: author.id,
                    body: body.as_str(),
                    length: body.length(),
                    status,
                    fingerprint: &fingerprint(body.as_str()),
                    reasons: &reasons,
                    now: Utc::now(),
                },
            )
            .await?;
        let edited = match edited {
            Edited::Done(comment) => {
                metrics::judged(verdict(&reasons), &reasons);
                comment
            }
            Edited::Decided(comment) => return Err(PostError::AlreadyDecided(Box::new(comment))),
            Edited::Gone => return Err(PostError::CommentNotFound),
        };
        tracing::info!(
            comment_id = edited.id.get(),
            user_id = author.id.get(),
            status = status.as_str(),
            "comment edited"
        );
        match (comment.status, edited.status) {
            (_, Status::Pending) => self.tell_desks(EventKind::Queued, &edited, edited.status),
            // The new text needs no review: it left the pending queue.
            (Status::Pending, _) => self.tell_desks(EventKind::Decided, &edited, edited.status),
            _ => {}
        }
        Ok(Posted {
            comment: edited,
            notices: reasons.iter().map(|r| policy.violation(r)).collect(),
        })
    }

    /// Adds the classifier's judgment to our findings, so that the stricter of
    /// the two wins. Our refusals are final and are not sent; no answer in
    /// time leaves our findings as they are.
    async fn ask_hook(
        &self,
        policy: &Policy,
        text: &str,
        asked: Asked<'_>,
        mut findings: Vec<Finding>,
    ) -> Vec<Finding> {
        let Some(hook) = &self.hook else {
            return findings;
        };
        let ours = verdict(&findings);
        if ours == Action::Refuse {
            return findings;
        }
        let request = HookRequest {
            verdict: ours.as_str(),
            reasons: findings.iter().map(|f| f.code.as_str()).collect(),
            body: text,
            article_id: asked.article.id.as_str(),
            author_id: asked.author.id.get().to_string(),
            parent_id: asked.parent_id.map(|id| id.get().to_string()),
            edit: asked.edit,
        };
        if let Some(judgment) = hook.ask(&request).await
            && judgment.action != Action::Publish
        {
            let mut finding = policy.whole(RuleCode::ModerationHook);
            finding.action = judgment.action;
            finding.matched = judgment.labels.join(", ");
            findings.push(finding);
        }
        findings
    }

    /// What the findings mean for a text about to be stored: its status, and
    /// the reasons when it is held. A refusal is recorded and is the error.
    async fn settle(
        &self,
        policy: &Policy,
        author: &User,
        article: &Article,
        edited: Option<CommentId>,
        findings: Vec<Finding>,
    ) -> Result<(Status, Vec<Finding>), PostError> {
        let status = match verdict(&findings) {
            Action::Refuse => {
                return Err(self
                    .refuse(policy, author, article, edited, &findings)
                    .await?);
            }
            Action::Hold => Status::Pending,
            Action::Publish => Status::Published,
        };
        let reasons = findings
            .into_iter()
            .filter(|f| f.action == Action::Hold)
            .collect();
        Ok((status, reasons))
    }

    /// Records the refusal (codes only: the text may hold a resident
    /// registration number) and builds the answer; `edited` is the comment
    /// whose edit is refused.
    async fn refuse(
        &self,
        policy: &Policy,
        author: &User,
        article: &Article,
        edited: Option<CommentId>,
        findings: &[Finding],
    ) -> Result<PostError, PostError> {
        let refused: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.action == Action::Refuse)
            .collect();
        let codes: Vec<&str> = refused.iter().map(|f| f.code.as_str()).collect();
        self.store
            .record_refusal(RefusalRecord {
                account_id: author.id,
                article_id: &article.id,
                comment_id: edited,
                codes: &codes,
                now: Utc::now(),
            })
            .await?;
        tracing::info!(article_id = %article.id, user_id = author.id.get(), rules = ?codes, "comment refused");
        metrics::judged(Action::Refuse, findings);
        Ok(PostError::PolicyViolation(
            refused.into_iter().map(|f| policy.violation(f)).collect(),
        ))
    }

    /// Tells the open desks that a comment entered or left a queue.
    fn tell_desks(&self, kind: EventKind, comment: &Comment, status: Status) {
        let state = EventState::Comment(status);
        self.events.publish(Change::comment(kind, comment, state));
    }

    /// Whether the comment waits in the pending or the reported queue.
    async fn in_a_queue(&self, comment: &Comment) -> Result<bool, PostError> {
        Ok(match comment.status {
            Status::Pending => true,
            Status::Published => {
                let weight = self.store.open_report_weight(comment.id).await?;
                in_reported_queue(comment.status, weight, self.reports_to_queue)
            }
            Status::Rejected | Status::Deleted => false,
        })
    }

    /// Suspended and banned accounts may not post or edit.
    async fn check_standing(&self, author: &User) -> Result<(), PostError> {
        match crate::moderation::service::barred(self.store.as_ref(), author).await? {
            Some(barred) => Err(barred.into()),
            None => Ok(()),
        }
    }

    async fn open_article(&self, id: &ArticleId) -> Result<Article, PostError> {
        let article = self
            .store
            .article_for_posting(id.as_str())
            .await?
            .ok_or(PostError::ArticleNotFound)?;
        if !article.comments_open {
            return Err(PostError::CommentsClosed);
        }
        Ok(article)
    }

    pub async fn article(&self, id: &ArticleId) -> Result<Article, PostError> {
        self.store
            .article(id.as_str())
            .await?
            .ok_or(PostError::ArticleNotFound)
    }

    /// The thread a reply joins, and the comment it answers. A parent that
    /// is not a comment of this article is `invalid_parent`; one that is, but
    /// is closed (not published, or hidden by reports), or sits in a closed
    /// thread, is `comment_closed`. The writer checks both again as it stores.
    async fn thread_of(
        &self,
        article: &Article,
        raw_id: &str,
    ) -> Result<(CommentId, CommentId), PostError> {
        let parent = match CommentId::parse(raw_id) {
            Some(id) => self.store.comment(id).await?,
            None => None,
        };
        let parent = parent
            .filter(|p| p.article_id == article.id)
            .ok_or(PostError::InvalidParent)?;
        let root = match parent.parent_id {
            Some(root_id) => self.store.comment(root_id).await?,
            None => Some(parent.clone()),
        };
        let open = |c: &Comment| c.status == Status::Published && !c.hidden;
        match root {
            Some(root) if open(&root) && open(&parent) => Ok((root.id, parent.id)),
            _ => Err(PostError::CommentClosed),
        }
    }

    /// A page of the listing, and its `total`: the published comments the
    /// whole listing shows the viewer (those in listed threads, and the
    /// viewer's own ones hidden by reports, which they still see). Their own
    /// pending comments are shown, marked, but not counted; tombstones hold no
    /// comment and do not count.
    pub async fn list(
        &self,
        article_id: &ArticleId,
        viewer: Option<&User>,
        order: Order,
        paging: Paging,
    ) -> Result<(CommentPage<Thread>, i64), PostError> {
        let article = self.article(article_id).await?;
        let page = self
            .store
            .comment_page(&PageQuery {
                article_id: &article.id,
                viewer: viewer.map(|u| u.id),
                order,
                after: paging.after,
                cut: paging.cut,
                ratio_min: self.ratio_min,
                limit: paging.limit,
            })
            .await?;
        let own = match viewer {
            Some(user) => self.store.own_hidden_count(&article.id, user.id).await?,
            None => 0,
        };
        Ok((page, article.comment_count + own))
    }

    /// A page of the listing as `render` writes it (the answer's body). The
    /// first page is kept for anonymous readers; a logged-in reader gets the
    /// kept page only when it is current and shows them all they should see
    /// (their own comment must appear at once); later pages are built each time.
    pub async fn listing<R>(
        &self,
        article_id: &ArticleId,
        viewer: Option<&User>,
        order: Order,
        paging: Paging,
        render: R,
    ) -> Result<Arc<Page>, PostError>
    where
        R: Fn(CommentPage<Thread>, i64) -> anyhow::Result<Bytes>,
    {
        let kind = PageKind::Listing;
        self.kept_or_built(kind, article_id, viewer, order, paging, render)
            .await
    }

    /// A listing's answer, from the kept pages when it may be.
    async fn kept_or_built<R>(
        &self,
        kind: PageKind,
        article_id: &ArticleId,
        viewer: Option<&User>,
        order: Order,
        paging: Paging,
        render: R,
    ) -> Result<Arc<Page>, PostError>
    where
        R: Fn(CommentPage<Thread>, i64) -> anyhow::Result<Bytes>,
    {
        let build = || async {
            let (page, total) = self.list(article_id, viewer, order, paging).await?;
            Ok::<_, PostError>(render(page, total)?)
        };
        let key = PageKey {
            article_id: article_id.as_str().to_owned(),
            kind,
            order,
            limit: paging.limit,
        };
        match (viewer, paging.after) {
            (None, None) => self.pages.get_or_build(key, build).await,
            (Some(user), None) => match self.pages.fresh(&key) {
                Some(page) if self.sees_public_listing(article_id, user).await? => Ok(page),
                _ => Ok(Arc::new(Page::new(build().await?))),
            },
            (_, Some(_)) => Ok(Arc::new(Page::new(build().await?))),
        }
    }

    /// Whether the viewer sees an article's listing as anonymous readers do.
    async fn sees_public_listing(
        &self,
        article_id: &ArticleId,
        viewer: &User,
    ) -> Result<bool, PostError> {
        let own = self
            .store
            .has_own_view(article_id.as_str(), viewer.id)
            .await?;
        Ok(!own)
    }

    pub async fn replies(
        &self,
        raw_id: &str,
        viewer: Option<&User>,
        paging: Paging,
    ) -> Result<CommentPage<Comment>, PostError> {
        let parent = self.get(raw_id, viewer).await?;
        let page = self
            .store
            .reply_page(&ReplyQuery {
                parent_id: parent.id,
                viewer: viewer.map(|u| u.id),
                after: paging.after,
                limit: paging.limit,
            })
            .await?;
        Ok(page)
    }

    /// The comment if the viewer may see it, else `comment_not_found`; with
    /// the viewer's own reaction.
    pub async fn get(&self, raw_id: &str, viewer: Option<&User>) -> Result<Comment, PostError> {
        let mut comment = self.find(raw_id).await?;
        let moderates = viewer.is_some_and(|u| u.role.can_moderate());
        if !comment.visible_to(viewer.map(|u| u.id), moderates) {
            return Err(PostError::CommentNotFound);
        }
        if let Some(viewer) = viewer {
            let mine = self.store.reactions_of(viewer.id, &[comment.id]).await?;
            comment.my_reaction = mine.first().map(|(_, kind)| *kind);
        }
        Ok(comment)
    }

    /// The best comments (베스트 댓글): the first page by 순공감순, cut to
    /// the configured number and to those with the configured 순공감. Only
    /// what everyone reads is a best comment: a tombstone keeps its counts,
    /// and an author sees their own held or report-hidden ones on the page.
    pub async fn best<R>(
        &self,
        article_id: &ArticleId,
        viewer: Option<&User>,
        render: R,
    ) -> Result<Arc<Page>, PostError>
    where
        R: Fn(Vec<Thread>) -> anyhow::Result<Bytes>,
    {
        let (count, min_score) = (self.best_comments, self.best_min_score);
        let pick = |page: CommentPage<Thread>, _total| {
            let best = page
                .items
                .into_iter()
                .filter(|t| t.comment.status == Status::Published && !t.comment.hidden)
                .filter(|t| t.comment.likes - t.comment.dislikes >= min_score)
                .take(count)
                .collect();
            render(best)
        };
        let paging = Paging {
            limit: crate::domain::paging::DEFAULT_LIMIT,
            after: None,
            cut: None,
        };
        self.kept_or_built(
            PageKind::Best,
            article_id,
            viewer,
            Order::Best,
            paging,
            pick,
        )
        .await
    }

    /// Any comment by id, whoever may see it.
    async fn find(&self, raw_id: &str) -> Result<Comment, PostError> {
        let id = CommentId::parse(raw_id).ok_or(PostError::CommentNotFound)?;
        self.store
            .comment(id)
            .await?
            .ok_or(PostError::CommentNotFound)
    }

    /// The author or a moderator deletes; the text is gone, a tombstone stays
    /// while the comment has replies. Deleting twice is not an error.
    pub async fn delete(&self, raw_id: &str, caller: &User) -> Result<(), PostError> {
        let comment = self.find(raw_id).await?;
        let moderates = caller.role.can_moderate();
        if comment.author_id != caller.id && !moderates {
            return Err(if comment.visible_to(Some(caller.id), moderates) {
                PostError::NotTheAuthor
            } else {
                PostError::CommentNotFound
            });
        }
        if comment.author_id != caller.id {
            // A moderator deleting someone's comment is a decision, and logged.
            let decided = self
                .store
                .decide(DecisionWrite {
                    comment_id: comment.id,
                    action: DecisionAction::Delete,
                    on: DecidedOn::Anything,
                    moderator_id: caller.id,
                    reason: None,
                    note: None,
                    now: Utc::now(),
                })
                .await?;
            if let Decided::Done(deleted) = decided {
                self.tell_desks(EventKind::Decided, &deleted, deleted.status);
            }
            return Ok(());
        }
        let queued = self.in_a_queue(&comment).await?;
        if self.store.delete_comment(comment.id, Utc::now()).await? {
            tracing::info!(
                comment_id = comment.id.get(),
                user_id = caller.id.get(),
                "comment deleted"
            );
            if queued {
                self.tell_desks(EventKind::Decided, &comment, Status::Deleted);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_without_letters_is_fingerprinted_by_its_symbols() {
        assert_ne!(fingerprint("👍"), fingerprint("😢"));
        assert_ne!(fingerprint("?"), fingerprint("!"));
        assert_eq!(
            fingerprint("❤"),
            fingerprint("❤\u{FE0F}"),
            "presentation only"
        );
        assert_eq!(fingerprint("👍 👍"), fingerprint("👍👍"));
        assert_eq!(
            fingerprint("Good! 👍"),
            fingerprint("good 😢"),
            "letters decide"
        );
    }
}
