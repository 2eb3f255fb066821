//! Comment routes: listing and posting under an article, and `/comments/*`.

use actix_web::http::{StatusCode, header};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::comments::page_cache::Page;
use crate::domain::articles::ArticleId;
use crate::domain::comments::{Order, Status, Thread};
use crate::domain::message::Violation;
use crate::domain::policy::Action;
use crate::http::client::ClientAddr;
use crate::http::error::{ApiError, ApiResult, ProblemDoc};
use crate::http::extract::{ActiveUser, MaybeUser};
use crate::http::json::ValidJson;
use crate::http::lang::Lang;
use crate::http::paging::{self, Paging, encode_cursor};
use crate::http::state::AppState;
use crate::http::views::CommentView;
use crate::storage::CommentPage;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/articles/{article_id}/comments")
            .get(list_comments)
            .post(post_comment),
    )
    .service(web::resource("/articles/{article_id}/best").get(best_comments))
    // Before `/comments/{id}`, which would also match this path.
    .service(web::resource("/comments/validate").post(validate_comment))
    .service(
        web::resource("/comments/{id}")
            .get(get_comment)
            .patch(edit_comment)
            .delete(delete_comment),
    )
    .service(web::resource("/comments/{id}/replies").get(list_replies));
}

/// A top-level comment with its first 50 replies, oldest first.
#[derive(Serialize, ToSchema)]
pub struct ThreadView {
    #[serde(flatten)]
    pub comment: CommentView,
    pub replies: Vec<CommentView>,
}

fn thread_view(t: Thread, state: &AppState) -> ThreadView {
    ThreadView {
        comment: state.comment_view(t.comment),
        replies: t
            .replies
            .into_iter()
            .map(|c| state.comment_view(c))
            .collect(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct CommentListResponse {
    pub comments: Vec<ThreadView>,
    pub next_cursor: Option<String>,
    /// The published comments the whole listing shows the caller, replies
    /// included: a thread's replies count while the thread is listed. The
    /// caller's own pending comments are shown, marked, but not counted;
    /// tombstones are not counted.
    pub total: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ReplyListResponse {
    pub comments: Vec<CommentView>,
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CommentResponse {
    pub comment: CommentView,
}

/// The answer to a post: when held (202), the rules that held it.
#[derive(Serialize, ToSchema)]
pub struct PostedResponse {
    pub comment: CommentView,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<RuleViolationView>,
}

#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    /// 1 to 100 (larger values are served as 100); default 20.
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// `newest` (default), `oldest`, `best` (순공감순: likes minus dislikes)
    /// or `ratio` (공감비율순, from a minimum number of reactions); ties newest first.
    pub order: Option<String>,
}

impl ListQuery {
    /// Paging by id only (replies).
    fn paging(&self) -> ApiResult<Paging> {
        paging::parse_by_id(self.limit.as_deref(), self.cursor.as_deref())
    }

    /// The order and its paging: a cursor of one kind of order does not
    /// continue the other kind.
    fn ordered_paging(&self) -> ApiResult<(Order, Paging)> {
        let order = match self.order.as_deref() {
            None | Some("") | Some("newest") => Order::Newest,
            Some("oldest") => Order::Oldest,
            Some("best") => Order::Best,
            Some("ratio") => Order::Ratio,
            Some(_) => return Err(ApiError::InvalidQuery("order")),
        };
        let paging = paging::parse(self.limit.as_deref(), self.cursor.as_deref())?;
        if paging.after.is_some() && paging.cut.is_some() != order.is_ranked() {
            return Err(ApiError::InvalidCursor);
        }
        Ok((order, paging))
    }
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct PostCommentRequest {
    /// Raw text; the server applies the comment text rule.
    #[validate(length(max = 4000))]
    pub body: String,
    /// The comment replied to; a reply to a reply joins the same thread.
    #[validate(length(max = 32))]
    pub parent_id: Option<String>,
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct ValidateRequest {
    #[validate(length(max = 4000))]
    pub body: String,
}

#[derive(Serialize, ToSchema)]
pub struct RuleViolationView {
    pub rule: String,
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct ValidateResponse {
    /// False when the comment would be refused; a held comment is accepted.
    pub ok: bool,
    /// What posting it would do: publish, hold or refuse.
    pub action: Action,
    /// Code points after normalization; null when the text holds forbidden characters.
    pub length: Option<usize>,
    pub limit: usize,
    pub normalized: Option<String>,
    pub violations: Vec<RuleViolationView>,
}

fn article_id(path: &str) -> ApiResult<ArticleId> {
    Ok(ArticleId::parse(path)?)
}

/// Published comments, newest first by default, with the caller's own pending ones.
#[utoipa::path(get, path = "/api/v1/articles/{article_id}/comments", tag = "comments",
    params(("article_id" = String, Path,), ListQuery),
    responses((status = 200, body = CommentListResponse,
            headers(("ETag" = String, description = "send back in If-None-Match"))),
        (status = 304, description = "not modified since the ETag in If-None-Match"),
        (status = 400, body = ProblemDoc),
        (status = 404, description = "article_not_found", body = ProblemDoc)))]
pub async fn list_comments(
    state: web::Data<AppState>,
    caller: MaybeUser,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    let id = article_id(&path)?;
    let viewer = caller.0.map(|c| c.user);
    let (order, paging) = query.ordered_paging()?;
    let render = |page: CommentPage<Thread>, total| {
        let listing = CommentListResponse {
            comments: page
                .items
                .into_iter()
                .map(|t| thread_view(t, &state))
                .collect(),
            next_cursor: page.next_after.map(|id| encode_cursor(id, page.next_cut)),
            total,
        };
        Ok(Bytes::from(serde_json::to_vec(&listing)?))
    };
    let page = state
        .comments
        .listing(&id, viewer.as_ref(), order, paging, render)
        .await?;
    Ok(json_with_etag(&req, &page))
}

#[derive(Serialize, ToSchema)]
pub struct BestResponse {
    /// At most `BEST_COMMENTS` top-level comments by 순공감순 with at least
    /// `BEST_MIN_SCORE` likes more than dislikes, best first, without replies.
    pub comments: Vec<CommentView>,
}

/// The best comments (베스트 댓글) the widget shows before the listing.
#[utoipa::path(get, path = "/api/v1/articles/{article_id}/best", tag = "comments",
    params(("article_id" = String, Path,)),
    responses((status = 200, body = BestResponse,
            headers(("ETag" = String, description = "send back in If-None-Match"))),
        (status = 304, description = "not modified since the ETag in If-None-Match"),
        (status = 404, description = "article_not_found", body = ProblemDoc)))]
pub async fn best_comments(
    state: web::Data<AppState>,
    caller: MaybeUser,
    req: HttpRequest,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = article_id(&path)?;
    let viewer = caller.0.map(|c| c.user);
    let render = |threads: Vec<Thread>| {
        let best = BestResponse {
            comments: threads
                .into_iter()
                .map(|t| state.comment_view(t.comment))
                .collect(),
        };
        Ok(Bytes::from(serde_json::to_vec(&best)?))
    };
    let page = state.comments.best(&id, viewer.as_ref(), render).await?;
    Ok(json_with_etag(&req, &page))
}

/// The JSON answer, or 304 when the client's copy is the same; clients must
/// ask again each time (`no-cache`), so a new comment is never hidden by a cache.
fn json_with_etag(req: &HttpRequest, page: &Page) -> HttpResponse {
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == page.etag));
    let mut answer = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    answer
        .insert_header((header::ETAG, page.etag.as_str()))
        .insert_header((header::CACHE_CONTROL, "no-cache"));
    if fresh {
        return answer.finish();
    }
    answer
        .content_type("application/json")
        .body(page.body.clone())
}

/// Posts a comment: 201 when published, 202 when held for review.
#[utoipa::path(post, path = "/api/v1/articles/{article_id}/comments", tag = "comments",
    params(("article_id" = String, Path,)), request_body = PostCommentRequest,
    responses((status = 201, description = "published", body = PostedResponse),
        (status = 202, description = "held for review, with the reasons", body = PostedResponse),
        (status = 401, description = "unauthenticated", body = ProblemDoc),
        (status = 404, description = "article_not_found", body = ProblemDoc),
        (status = 403, description = "account_suspended, account_banned", body = ProblemDoc),
        (status = 409, description = "comments_closed; comment_closed (the comment replied to, or its thread, was removed or awaits review)", body = ProblemDoc),
        (status = 422, description = "comment_empty, comment_too_long, comment_invalid_characters, invalid_parent, policy_violation", body = ProblemDoc),
        (status = 429, description = "rate_limited", body = ProblemDoc)))]
pub async fn post_comment(
    state: web::Data<AppState>,
    caller: ActiveUser,
    req: HttpRequest,
    path: web::Path<String>,
    body: ValidJson<PostCommentRequest>,
) -> ApiResult<HttpResponse> {
    let id = article_id(&path)?;
    let body = body.into_inner();
    let posted = state
        .comments
        .post(&caller.0.user, &id, &body.body, body.parent_id.as_deref())
        .await?;
    let status = match posted.comment.status {
        Status::Published => StatusCode::CREATED,
        _ => StatusCode::ACCEPTED,
    };
    Ok(HttpResponse::build(status).json(PostedResponse {
        comment: state.comment_view(posted.comment),
        reasons: rule_views(&posted.notices, crate::http::lang::of(&req)),
    }))
}

fn rule_views(violations: &[Violation], lang: Lang) -> Vec<RuleViolationView> {
    violations
        .iter()
        .map(|v| RuleViolationView {
            rule: v.rule.clone(),
            message: v.message.get(lang).to_owned(),
        })
        .collect()
}

#[utoipa::path(get, path = "/api/v1/comments/{id}", tag = "comments",
    params(("id" = String, Path,)),
    responses((status = 200, body = CommentResponse), (status = 404, description = "comment_not_found", body = ProblemDoc)))]
pub async fn get_comment(
    state: web::Data<AppState>,
    caller: MaybeUser,
    path: web::Path<String>,
) -> ApiResult<web::Json<CommentResponse>> {
    let viewer = caller.0.map(|c| c.user);
    let comment = state.comments.get(&path, viewer.as_ref()).await?;
    Ok(web::Json(CommentResponse {
        comment: state.comment_view(comment),
    }))
}

/// Replies to one comment, oldest first, beyond the 50 the listing includes.
#[derive(Deserialize, Validate, ToSchema)]
pub struct EditCommentRequest {
    #[validate(length(max = 4000))]
    pub body: String,
}

/// The author edits inside the edit window; the whole policy applies again.
#[utoipa::path(patch, path = "/api/v1/comments/{id}", tag = "comments",
    params(("id" = String, Path,)), request_body = EditCommentRequest,
    responses((status = 200, description = "edited; status pending when the edit is held", body = PostedResponse),
        (status = 403, description = "forbidden, edit_window_closed, account_suspended, account_banned", body = ProblemDoc),
        (status = 404, description = "comment_not_found (also once deleted)", body = ProblemDoc),
        (status = 409, description = "already_decided: a moderator rejected it (with the current comment)", body = ProblemDoc),
        (status = 422, body = ProblemDoc),
        (status = 429, description = "rate_limited: edits count like posts", body = ProblemDoc)))]
pub async fn edit_comment(
    state: web::Data<AppState>,
    caller: ActiveUser,
    req: HttpRequest,
    path: web::Path<String>,
    body: ValidJson<EditCommentRequest>,
) -> ApiResult<web::Json<PostedResponse>> {
    let posted = state
        .comments
        .edit(&path, &caller.0.user, &body.into_inner().body)
        .await?;
    Ok(web::Json(PostedResponse {
        comment: state.comment_view(posted.comment),
        reasons: rule_views(&posted.notices, crate::http::lang::of(&req)),
    }))
}

#[utoipa::path(get, path = "/api/v1/comments/{id}/replies", tag = "comments",
    params(("id" = String, Path,), ListQuery),
    responses((status = 200, body = ReplyListResponse), (status = 404, description = "comment_not_found", body = ProblemDoc)))]
pub async fn list_replies(
    state: web::Data<AppState>,
    caller: MaybeUser,
    path: web::Path<String>,
    query: web::Query<ListQuery>,
) -> ApiResult<web::Json<ReplyListResponse>> {
    let viewer = caller.0.map(|c| c.user);
    let page = state
        .comments
        .replies(&path, viewer.as_ref(), query.paging()?)
        .await?;
    Ok(web::Json(ReplyListResponse {
        comments: page
            .items
            .into_iter()
            .map(|c| state.comment_view(c))
            .collect(),
        next_cursor: page.next_after.map(|id| encode_cursor(id, None)),
    }))
}

/// The author or a moderator deletes a comment; a tombstone stays while it has replies.
#[utoipa::path(delete, path = "/api/v1/comments/{id}", tag = "comments",
    params(("id" = String, Path,)),
    responses((status = 204, description = "deleted"), (status = 401, body = ProblemDoc),
        (status = 403, description = "forbidden, account_suspended, account_banned", body = ProblemDoc),
        (status = 404, description = "comment_not_found", body = ProblemDoc)))]
pub async fn delete_comment(
    state: web::Data<AppState>,
    caller: ActiveUser,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    state.comments.delete(&path, &caller.0.user).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A dry run of the comment text rule and the standards policy; stores nothing.
/// Logged in, the author's own record (repeats, new commenter) counts too.
#[utoipa::path(post, path = "/api/v1/comments/validate", tag = "comments",
    request_body = ValidateRequest, responses((status = 200, body = ValidateResponse),
        (status = 429, description = "rate_limited", body = ProblemDoc)))]
pub async fn validate_comment(
    state: web::Data<AppState>,
    caller: MaybeUser,
    client: ClientAddr,
    req: HttpRequest,
    body: ValidJson<ValidateRequest>,
) -> ApiResult<web::Json<ValidateResponse>> {
    let body = body.into_inner();
    let author = caller.0.map(|c| c.user);
    let dry = state
        .comments
        .dry_run(&body.body, author.as_ref(), client.0)
        .await?;
    Ok(web::Json(ValidateResponse {
        ok: dry.action != Action::Refuse,
        action: dry.action,
        length: dry.measured.length,
        limit: state.comments.max_length(),
        normalized: dry.measured.normalized,
        violations: rule_views(&dry.violations, crate::http::lang::of(&req)),
    }))
}
