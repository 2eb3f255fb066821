//! Moderation routes: `/moderation/*` for moderators, reader reports under
//! `/comments/{id}/reports`, and `/admin/users/{id}/role` for admins.

use crate::domain::reactions::Reaction;
pub use crate::domain::views::SanctionView;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::domain::accounts::Role;
use crate::domain::articles::ArticleId;
use crate::domain::ids::AccountId;
use crate::domain::moderation::{
    DecisionAction, LogEntry, NOTE_RAW_MAX, QueueState, Reason, SanctionKind,
};
use crate::domain::policy::RuleCode;
use crate::http::error::{ApiError, ApiResult, ProblemDoc};
use crate::http::extract::{ActiveUser, Admin, Moderator};
use crate::http::json::ValidJson;
use crate::http::lang::Lang;
use crate::http::paging::{self, encode_cursor};
use crate::http::state::AppState;
use crate::http::views::{ArticleBriefView, AuthorView, CommentView, UserView};
use crate::moderation::service::QueueItem;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/moderation/queue").get(queue))
        .service(web::resource("/moderation/comments/{id}/decision").post(decide))
        .service(web::resource("/moderation/comments/{id}/featured").put(feature))
        .service(web::resource("/moderation/comments/{id}/reactions").get(reactors))
        .service(
            web::resource("/moderation/users/{user_id}/sanctions")
                .post(sanction)
                .delete(lift),
        )
        .service(web::resource("/moderation/log").get(log))
        .service(web::resource("/comments/{id}/reports").post(report))
        .service(web::resource("/admin/users/{user_id}/role").put(set_role));
}

#[derive(Deserialize, IntoParams)]
pub struct QueueQuery {
    /// `pending` (default), `reported`, `rejected` or `featured` (editors' picks).
    pub state: Option<String>,
    pub article_id: Option<String>,
    /// A rule code (see `GET /policy`): only comments that rule held.
    pub rule: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ReasonView {
    pub rule: String,
    pub message: String,
    /// Code points of the comment's body the rule fired on (0, 0: the whole comment).
    pub start: usize,
    pub end: usize,
}

#[derive(Serialize, ToSchema)]
pub struct ReportView {
    pub id: String,
    pub reason: String,
    pub note: Option<String>,
    pub reporter: AuthorView,
    /// The text the report was filed against.
    pub body: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct SanctionBrief {
    pub kind: SanctionKind,
    pub until: Option<DateTime<Utc>>,
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct AuthorRecordView {
    pub id: String,
    pub display_name: String,
    pub published_count: i64,
    pub rejected_count: i64,
    pub sanction: Option<SanctionBrief>,
    /// When the account was made.
    pub created_at: DateTime<Utc>,
    /// Its ways in: `password` for a local password, then providers (`kakao`, `sso`, …).
    pub providers: Vec<String>,
}

/// The comment's reactions, with how many came from accounts under a day
/// old when they reacted: many of those is a sign of accounts made to push it.
#[derive(Serialize, ToSchema)]
pub struct ReactionSignalView {
    pub likes: i64,
    pub dislikes: i64,
    pub from_new_accounts: i64,
}

#[derive(Serialize, ToSchema)]
pub struct QueueItemView {
    pub comment: CommentView,
    pub article: ArticleBriefView,
    pub parent: Option<CommentView>,
    pub reasons: Vec<ReasonView>,
    pub reports: Vec<ReportView>,
    pub author: AuthorRecordView,
    pub reactions: ReactionSignalView,
}

#[derive(Serialize, ToSchema)]
pub struct QueueResponse {
    pub items: Vec<QueueItemView>,
    pub next_cursor: Option<String>,
}

fn queue_item_view(item: QueueItem, lang: Lang, state: &AppState) -> QueueItemView {
    QueueItemView {
        reactions: ReactionSignalView {
            likes: item.comment.likes,
            dislikes: item.comment.dislikes,
            from_new_accounts: item.fresh_reactions,
        },
        comment: state.comment_view(item.comment),
        article: item.article.into(),
        parent: item.parent.map(|c| state.comment_view(c)),
        reasons: item
            .reasons
            .into_iter()
            .map(|(finding, violation)| ReasonView {
                rule: violation.rule,
                message: violation.message.get(lang).to_owned(),
                start: finding.start,
                end: finding.end,
            })
            .collect(),
        reports: item
            .reports
            .into_iter()
            .map(|r| ReportView {
                id: r.id.to_string(),
                reason: r.reason,
                note: r.note,
                reporter: AuthorView::new(r.reporter_id, r.reporter_name),
                body: r.body,
                created_at: r.created_at,
            })
            .collect(),
        author: AuthorRecordView {
            id: item.author.id.to_string(),
            display_name: item.author.display_name,
            published_count: item.author.published_count,
            rejected_count: item.author.rejected_count,
            sanction: item.author.sanction.map(|s| SanctionBrief {
                kind: s.kind,
                until: s.until,
                reason: s.reason,
            }),
            created_at: item.author.created_at,
            providers: item.author.providers,
        },
    }
}

/// The filters every queue takes, and their counts too: an editorial and a
/// rule code, each optional.
pub fn queue_filters(
    article_id: Option<&str>,
    rule: Option<&str>,
) -> ApiResult<(Option<ArticleId>, Option<RuleCode>)> {
    let article = match article_id {
        None | Some("") => None,
        Some(raw) => Some(ArticleId::parse(raw).map_err(|_| ApiError::InvalidQuery("article_id"))?),
    };
    let rule = match rule {
        None | Some("") => None,
        Some(raw) => Some(RuleCode::parse(raw).ok_or(ApiError::InvalidQuery("rule"))?),
    };
    Ok((article, rule))
}

/// A review queue, oldest first.
#[utoipa::path(get, path = "/api/v1/moderation/queue", tag = "moderation", params(QueueQuery),
    responses((status = 200, body = QueueResponse), (status = 400, body = ProblemDoc),
        (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc)))]
pub async fn queue(
    state: web::Data<AppState>,
    _moderator: Moderator,
    req: HttpRequest,
    query: web::Query<QueueQuery>,
) -> ApiResult<web::Json<QueueResponse>> {
    let queue_state = match query.state.as_deref() {
        None | Some("") | Some("pending") => QueueState::Pending,
        Some("reported") => QueueState::Reported,
        Some("rejected") => QueueState::Rejected,
        Some("featured") => QueueState::Featured,
        Some(_) => return Err(ApiError::InvalidQuery("state")),
    };
    let (article, rule) = queue_filters(query.article_id.as_deref(), query.rule.as_deref())?;
    let paging = paging::parse_by_id(query.limit.as_deref(), query.cursor.as_deref())?;
    let page = state
        .moderation
        .queue(queue_state, article.as_ref(), rule, paging)
        .await?;
    let lang = crate::http::lang::of(&req);
    Ok(web::Json(QueueResponse {
        items: page
            .items
            .into_iter()
            .map(|i| queue_item_view(i, lang, &state))
            .collect(),
        next_cursor: page.next_after.map(|id| encode_cursor(id, None)),
    }))
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct DecisionRequest {
    pub action: DecisionAction,
    /// The comment's `version` the decision was made on: it then applies to
    /// that version only. Without it, the decision never applies to edited
    /// text nor overturns another moderator's decision.
    pub version: Option<i64>,
    /// Required to reject.
    pub reason: Option<Reason>,
    #[validate(length(max = NOTE_RAW_MAX))]
    pub note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DecisionResponse {
    pub comment: CommentView,
}

/// Approve, reject or delete a comment; resolves its open reports. 409
/// `already_decided` (with the current `comment`) when it is already so, when
/// it changed since the `version` sent, or, without a `version`, when another
/// moderator decided it or its author edited it.
#[utoipa::path(post, path = "/api/v1/moderation/comments/{id}/decision", tag = "moderation",
    params(("id" = String, Path,)), request_body = DecisionRequest,
    responses((status = 200, body = DecisionResponse),
        (status = 403, description = "forbidden, account_suspended, account_banned", body = ProblemDoc),
        (status = 404, body = ProblemDoc),
        (status = 409, description = "already_decided, with `decided_by` ({id, display_name} or null) and `decided_at` of the latest action on it", body = ProblemDoc),
        (status = 422, body = ProblemDoc)))]
pub async fn decide(
    state: web::Data<AppState>,
    moderator: Moderator,
    path: web::Path<String>,
    body: ValidJson<DecisionRequest>,
) -> ApiResult<web::Json<DecisionResponse>> {
    let body = body.into_inner();
    let decision = state
        .moderation
        .decide(
            &moderator.0.user,
            &path,
            body.action,
            body.version,
            body.reason,
            body.note.as_deref(),
        )
        .await?;
    Ok(web::Json(DecisionResponse {
        comment: state.comment_view(decision),
    }))
}

#[derive(Deserialize, IntoParams)]
pub struct ReactorsQuery {
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ReactorView {
    pub user: AuthorView,
    pub account_created_at: DateTime<Utc>,
    pub kind: Reaction,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct ReactorsResponse {
    pub items: Vec<ReactorView>,
    pub next_cursor: Option<String>,
}

/// Who reacted to a comment, newest accounts first: for looking into a
/// burst of reactions from fresh accounts.
#[utoipa::path(get, path = "/api/v1/moderation/comments/{id}/reactions", tag = "moderation",
    params(("id" = String, Path,), ReactorsQuery),
    responses((status = 200, body = ReactorsResponse), (status = 400, body = ProblemDoc),
        (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc),
        (status = 404, description = "comment_not_found", body = ProblemDoc)))]
pub async fn reactors(
    state: web::Data<AppState>,
    _moderator: Moderator,
    path: web::Path<String>,
    query: web::Query<ReactorsQuery>,
) -> ApiResult<web::Json<ReactorsResponse>> {
    let paging = paging::parse_by_id(query.limit.as_deref(), query.cursor.as_deref())?;
    let page = state.moderation.reactors(&path, paging).await?;
    Ok(web::Json(ReactorsResponse {
        items: page
            .items
            .into_iter()
            .map(|r| ReactorView {
                user: AuthorView::new(r.account_id, r.display_name),
                account_created_at: r.account_created_at,
                kind: r.kind,
                at: r.at,
            })
            .collect(),
        next_cursor: page.next_after.map(|id| encode_cursor(id, None)),
    }))
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct FeatureRequest {
    /// `true` makes the comment an editor's pick (편집자 추천); `false` takes it back.
    pub featured: bool,
    #[validate(length(max = NOTE_RAW_MAX))]
    pub note: Option<String>,
}

/// Marks a published comment as an editor's pick, or takes the pick back;
/// logged as `feature` or `unfeature`. Setting what is already so is 200 and
/// logs nothing.
#[utoipa::path(put, path = "/api/v1/moderation/comments/{id}/featured", tag = "moderation",
    params(("id" = String, Path,)), request_body = FeatureRequest,
    responses((status = 200, body = DecisionResponse),
        (status = 403, description = "forbidden, account_suspended, account_banned", body = ProblemDoc),
        (status = 404, description = "comment_not_found", body = ProblemDoc),
        (status = 409, description = "comment_closed: only a published comment is picked", body = ProblemDoc),
        (status = 422, body = ProblemDoc)))]
pub async fn feature(
    state: web::Data<AppState>,
    moderator: Moderator,
    path: web::Path<String>,
    body: ValidJson<FeatureRequest>,
) -> ApiResult<web::Json<DecisionResponse>> {
    let body = body.into_inner();
    let comment = state
        .moderation
        .feature(
            &moderator.0.user,
            &path,
            body.featured,
            body.note.as_deref(),
        )
        .await?;
    Ok(web::Json(DecisionResponse {
        comment: state.comment_view(comment),
    }))
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct ReportRequest {
    pub reason: Reason,
    #[validate(length(max = NOTE_RAW_MAX))]
    pub note: Option<String>,
}

/// A logged-in reader reports a comment, once.
#[utoipa::path(post, path = "/api/v1/comments/{id}/reports", tag = "comments",
    params(("id" = String, Path,)), request_body = ReportRequest,
    responses((status = 202, description = "the report is filed"), (status = 401, body = ProblemDoc),
        (status = 403, description = "own_comment, account_suspended, account_banned", body = ProblemDoc),
        (status = 404, body = ProblemDoc), (status = 409, description = "already_reported", body = ProblemDoc),
        (status = 429, description = "rate_limited", body = ProblemDoc)))]
pub async fn report(
    state: web::Data<AppState>,
    caller: ActiveUser,
    path: web::Path<String>,
    body: ValidJson<ReportRequest>,
) -> ApiResult<HttpResponse> {
    let caller = caller.0;
    let body = body.into_inner();
    state
        .moderation
        .report(&caller.user, &path, body.reason, body.note.as_deref())
        .await?;
    Ok(HttpResponse::Accepted().finish())
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct SanctionRequest {
    pub kind: SanctionKind,
    /// The end of a suspension; a ban has none.
    pub until: Option<DateTime<Utc>>,
    #[validate(length(max = NOTE_RAW_MAX))]
    pub reason: String,
    /// With a ban: reject the account's pending comments too.
    pub reject_pending: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct SanctionResponse {
    pub sanction: SanctionView,
}

#[utoipa::path(post, path = "/api/v1/moderation/users/{user_id}/sanctions", tag = "moderation",
    params(("user_id" = String, Path,)), request_body = SanctionRequest,
    responses((status = 201, body = SanctionResponse),
        (status = 403, description = "forbidden (staff need an admin; nobody sanctions themselves), account_suspended, account_banned", body = ProblemDoc),
        (status = 404, description = "user_not_found", body = ProblemDoc),
        (status = 409, description = "last_admin: the only admin in good standing", body = ProblemDoc),
        (status = 422, body = ProblemDoc)))]
pub async fn sanction(
    state: web::Data<AppState>,
    moderator: Moderator,
    path: web::Path<String>,
    body: ValidJson<SanctionRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let sanction = state
        .moderation
        .sanction(
            &moderator.0.user,
            &path,
            body.kind,
            body.until,
            &body.reason,
            body.reject_pending.unwrap_or(false),
        )
        .await?;
    Ok(HttpResponse::Created().json(SanctionResponse {
        sanction: sanction.into(),
    }))
}

/// Lifts the sanction in force.
#[utoipa::path(delete, path = "/api/v1/moderation/users/{user_id}/sanctions", tag = "moderation",
    params(("user_id" = String, Path,)),
    responses((status = 204, description = "lifted"),
        (status = 403, description = "forbidden (staff need an admin; nobody lifts their own), account_suspended, account_banned", body = ProblemDoc),
        (status = 404, description = "user_not_found, sanction_not_found", body = ProblemDoc)))]
pub async fn lift(
    state: web::Data<AppState>,
    moderator: Moderator,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    state.moderation.lift(&moderator.0.user, &path).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, IntoParams)]
pub struct LogQuery {
    /// Only entries about this account: about it, or about a comment it wrote.
    pub user_id: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TargetView {
    /// `comment`, `user` or `article`.
    pub r#type: String,
    pub id: String,
}

#[derive(Serialize, ToSchema)]
pub struct LogEntryView {
    pub id: String,
    pub at: DateTime<Utc>,
    /// Null for what the standards policy did on its own.
    pub moderator: Option<AuthorView>,
    pub action: String,
    pub target: TargetView,
    pub reason: Option<String>,
    pub note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LogResponse {
    pub entries: Vec<LogEntryView>,
    pub next_cursor: Option<String>,
}

impl From<LogEntry> for LogEntryView {
    fn from(e: LogEntry) -> Self {
        LogEntryView {
            id: e.id.to_string(),
            at: e.at,
            moderator: e
                .actor
                .map(|(id, display_name)| AuthorView::new(id, display_name)),
            action: e.action,
            target: TargetView {
                r#type: e.target_type,
                id: e.target_id,
            },
            reason: e.reason,
            note: e.note,
        }
    }
}

/// The moderation log, newest first. Entries are never changed or removed.
/// `user_id` keeps the entries about one account and its comments.
#[utoipa::path(get, path = "/api/v1/moderation/log", tag = "moderation", params(LogQuery),
    responses((status = 200, body = LogResponse), (status = 400, description = "invalid_query", body = ProblemDoc),
        (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc)))]
pub async fn log(
    state: web::Data<AppState>,
    _moderator: Moderator,
    query: web::Query<LogQuery>,
) -> ApiResult<web::Json<LogResponse>> {
    let paging = paging::parse_by_id(query.limit.as_deref(), query.cursor.as_deref())?;
    let page = match query.user_id.as_deref() {
        None | Some("") => state.moderation.log(paging).await?,
        Some(raw) => {
            let id = AccountId::parse(raw).ok_or(ApiError::InvalidQuery("user_id"))?;
            state.desk.log_about(id, paging).await?
        }
    };
    Ok(web::Json(LogResponse {
        entries: page.items.into_iter().map(LogEntryView::from).collect(),
        next_cursor: page.next_after.map(|id| encode_cursor(id, None)),
    }))
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct RoleRequest {
    pub role: Role,
}

#[derive(Serialize, ToSchema)]
pub struct RoleResponse {
    pub user: UserView,
}

/// An admin changes an account's role; the last admin in good standing
/// cannot be demoted (409 `last_admin`).
#[utoipa::path(put, path = "/api/v1/admin/users/{user_id}/role", tag = "moderation",
    params(("user_id" = String, Path,)), request_body = RoleRequest,
    responses((status = 200, body = RoleResponse),
        (status = 403, description = "forbidden, account_suspended, account_banned", body = ProblemDoc),
        (status = 404, body = ProblemDoc),
        (status = 409, description = "last_admin: demoting the only admin in good standing", body = ProblemDoc)))]
pub async fn set_role(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<String>,
    body: ValidJson<RoleRequest>,
) -> ApiResult<web::Json<RoleResponse>> {
    let user = state
        .moderation
        .set_role(&admin.0.user, &path, body.into_inner().role)
        .await?;
    Ok(web::Json(RoleResponse {
        user: (&user).into(),
    }))
}
