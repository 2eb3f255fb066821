//! The moderator desk's routes beside the queues: counts, an account's file
//! and comments, the moderators' note on it, and undoing a decision.

use actix_web::web;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::domain::accounts::Role;
use crate::domain::desk::{AccountFile, AccountNote, SanctionRecord};
use crate::domain::moderation::{NOTE_RAW_MAX, SanctionKind};
use crate::http::error::{ApiResult, ProblemDoc};
use crate::http::extract::Moderator;
use crate::http::json::ValidJson;
use crate::http::paging::{self, encode_cursor};
use crate::http::routes::moderation::{DecisionResponse, queue_filters};
use crate::http::state::AppState;
use crate::http::views::{ArticleBriefView, CommentView};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/moderation/counts").get(counts))
        .service(web::resource("/moderation/users/{user_id}").get(account))
        .service(web::resource("/moderation/users/{user_id}/comments").get(account_comments))
        .service(web::resource("/moderation/users/{user_id}/note").put(set_note))
        .service(web::resource("/moderation/comments/{id}/undo").post(undo));
}

#[derive(Deserialize, IntoParams)]
pub struct CountsQuery {
    pub article_id: Option<String>,
    /// A rule code: only comments that rule held.
    pub rule: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CountsResponse {
    pub pending: i64,
    pub reported: i64,
    pub rejected: i64,
    pub featured: i64,
}

/// How many comments each queue holds, with the filters the queue takes.
#[utoipa::path(get, path = "/api/v1/moderation/counts", tag = "moderation", params(CountsQuery),
    responses((status = 200, body = CountsResponse),
        (status = 400, description = "invalid_query", body = ProblemDoc),
        (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc)))]
pub async fn counts(
    state: web::Data<AppState>,
    _moderator: Moderator,
    query: web::Query<CountsQuery>,
) -> ApiResult<web::Json<CountsResponse>> {
    let (article, rule) = queue_filters(query.article_id.as_deref(), query.rule.as_deref())?;
    let counts = state.desk.counts(article.as_ref(), rule).await?;
    Ok(web::Json(CountsResponse {
        pending: counts.pending,
        reported: counts.reported,
        rejected: counts.rejected,
        featured: counts.featured,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct AccountView {
    pub id: String,
    pub display_name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    /// Its ways in: `password` for a local password, then providers (`kakao`, `sso`, …).
    pub providers: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RecordView {
    pub published_count: i64,
    pub rejected_count: i64,
    pub pending_count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct SanctionHistoryView {
    pub id: String,
    pub kind: SanctionKind,
    pub until: Option<DateTime<Utc>>,
    pub reason: String,
    pub created_at: DateTime<Utc>,
    pub lifted_at: Option<DateTime<Utc>>,
    /// In force now: not lifted and not over.
    pub active: bool,
}

#[derive(Serialize, ToSchema)]
pub struct NoteAuthorView {
    pub id: String,
    pub display_name: String,
}

#[derive(Serialize, ToSchema)]
pub struct NoteView {
    pub text: String,
    pub updated_at: DateTime<Utc>,
    pub by: NoteAuthorView,
}

#[derive(Serialize, ToSchema)]
pub struct AccountFileResponse {
    pub user: AccountView,
    pub record: RecordView,
    /// Newest first, lifted and ended ones too.
    pub sanctions: Vec<SanctionHistoryView>,
    /// The moderators' note; never shown to the reader.
    pub note: Option<NoteView>,
}

fn note_view(note: AccountNote) -> NoteView {
    NoteView {
        text: note.text,
        updated_at: note.updated_at,
        by: NoteAuthorView {
            id: note.by.0.to_string(),
            display_name: note.by.1,
        },
    }
}

fn sanction_view(record: SanctionRecord, now: DateTime<Utc>) -> SanctionHistoryView {
    let active = record.active(now);
    let s = record.sanction;
    SanctionHistoryView {
        id: s.id.to_string(),
        kind: s.kind,
        until: s.until,
        reason: s.reason,
        created_at: s.created_at,
        lifted_at: record.lifted_at,
        active,
    }
}

fn account_file_view(file: AccountFile) -> AccountFileResponse {
    let now = Utc::now();
    AccountFileResponse {
        user: AccountView {
            id: file.user.id.to_string(),
            display_name: file.user.display_name,
            role: file.user.role,
            created_at: file.created_at,
            providers: file.providers,
        },
        record: RecordView {
            published_count: file.published_count,
            rejected_count: file.rejected_count,
            pending_count: file.pending_count,
        },
        sanctions: file
            .sanctions
            .into_iter()
            .map(|s| sanction_view(s, now))
            .collect(),
        note: file.note.map(note_view),
    }
}

/// An account as moderators look into it: record, sanctions, note.
#[utoipa::path(get, path = "/api/v1/moderation/users/{user_id}", tag = "moderation",
    params(("user_id" = String, Path,)),
    responses((status = 200, body = AccountFileResponse),
        (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc),
        (status = 404, description = "user_not_found", body = ProblemDoc)))]
pub async fn account(
    state: web::Data<AppState>,
    _moderator: Moderator,
    path: web::Path<String>,
) -> ApiResult<web::Json<AccountFileResponse>> {
    let file = state.desk.account_file(&path).await?;
    Ok(web::Json(account_file_view(file)))
}

#[derive(Deserialize, IntoParams)]
pub struct AccountCommentsQuery {
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AccountCommentView {
    pub comment: CommentView,
    pub article: ArticleBriefView,
}

#[derive(Serialize, ToSchema)]
pub struct AccountCommentsResponse {
    pub items: Vec<AccountCommentView>,
    pub next_cursor: Option<String>,
}

/// An author's comments across editorials, newest first, in every state.
#[utoipa::path(get, path = "/api/v1/moderation/users/{user_id}/comments", tag = "moderation",
    params(("user_id" = String, Path,), AccountCommentsQuery),
    responses((status = 200, body = AccountCommentsResponse), (status = 400, body = ProblemDoc),
        (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc),
        (status = 404, description = "user_not_found", body = ProblemDoc)))]
pub async fn account_comments(
    state: web::Data<AppState>,
    _moderator: Moderator,
    path: web::Path<String>,
    query: web::Query<AccountCommentsQuery>,
) -> ApiResult<web::Json<AccountCommentsResponse>> {
    let paging = paging::parse_by_id(query.limit.as_deref(), query.cursor.as_deref())?;
    let page = state.desk.author_comments(&path, paging).await?;
    Ok(web::Json(AccountCommentsResponse {
        items: page
            .items
            .into_iter()
            .map(|item| AccountCommentView {
                comment: state.comment_view(item.comment),
                article: item.article.into(),
            })
            .collect(),
        next_cursor: page.next_after.map(|id| encode_cursor(id, None)),
    }))
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct NoteRequest {
    /// The note; an empty one clears it.
    #[validate(length(max = NOTE_RAW_MAX))]
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct NoteResponse {
    pub note: Option<NoteView>,
}

/// Sets the moderators' note on an account (an empty one clears it);
/// logged as `note`, at most 30 a minute per moderator. Readers never see it.
#[utoipa::path(put, path = "/api/v1/moderation/users/{user_id}/note", tag = "moderation",
    params(("user_id" = String, Path,)), request_body = NoteRequest,
    responses((status = 200, body = NoteResponse),
        (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc),
        (status = 404, description = "user_not_found", body = ProblemDoc),
        (status = 422, description = "invalid_request: control characters, or over NOTE_MAX", body = ProblemDoc),
        (status = 429, description = "rate_limited: over 30 notes a minute from one moderator", body = ProblemDoc)))]
pub async fn set_note(
    state: web::Data<AppState>,
    moderator: Moderator,
    path: web::Path<String>,
    body: ValidJson<NoteRequest>,
) -> ApiResult<web::Json<NoteResponse>> {
    let note = state
        .desk
        .set_note(&moderator.0.user, &path, &body.into_inner().note)
        .await?;
    Ok(web::Json(NoteResponse {
        note: note.map(note_view),
    }))
}

/// Takes back the caller's own latest decision on a comment within
/// `UNDO_WINDOW` (30 s), if nothing changed it since: it returns to the state
/// it had, its resolved reports open again, and the log gets an `undo` line.
#[utoipa::path(post, path = "/api/v1/moderation/comments/{id}/undo", tag = "moderation",
    params(("id" = String, Path,)),
    responses((status = 200, body = DecisionResponse),
        (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc),
        (status = 404, description = "comment_not_found", body = ProblemDoc),
        (status = 409, description = "undo_unavailable", body = ProblemDoc)))]
pub async fn undo(
    state: web::Data<AppState>,
    moderator: Moderator,
    path: web::Path<String>,
) -> ApiResult<web::Json<DecisionResponse>> {
    let comment = state.desk.undo(&moderator.0.user, &path).await?;
    Ok(web::Json(DecisionResponse {
        comment: state.comment_view(comment),
    }))
}
