//! Reaction routes: a reader's 공감 or 비공감 on a comment.

use actix_web::web;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::reactions::{Reaction, Tally};
use crate::http::error::{ApiResult, ProblemDoc};
use crate::http::extract::ActiveUser;
use crate::http::json::ValidJson;
use crate::http::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/comments/{id}/reaction")
            .put(put_reaction)
            .delete(delete_reaction),
    );
}

#[derive(Deserialize, validator::Validate, ToSchema)]
pub struct ReactionRequest {
    /// `like` (공감) or `dislike` (비공감).
    pub kind: Reaction,
}

/// The comment's counts after the change, and the caller's reaction.
#[derive(Serialize, ToSchema)]
pub struct ReactionResponse {
    pub likes: i64,
    pub dislikes: i64,
    pub my_reaction: Option<Reaction>,
}

impl From<Tally> for ReactionResponse {
    fn from(t: Tally) -> Self {
        ReactionResponse {
            likes: t.likes,
            dislikes: t.dislikes,
            my_reaction: t.mine,
        }
    }
}

/// Sets the caller's reaction; one per reader per comment, a new one replaces it.
#[utoipa::path(put, path = "/api/v1/comments/{id}/reaction", tag = "reactions",
    params(("id" = String, Path,)), request_body = ReactionRequest,
    responses((status = 200, body = ReactionResponse),
        (status = 401, description = "unauthenticated", body = ProblemDoc),
        (status = 403, description = "own_comment, account_suspended, account_banned", body = ProblemDoc),
        (status = 404, description = "comment_not_found", body = ProblemDoc),
        (status = 409, description = "comment_closed: removed, held or hidden", body = ProblemDoc),
        (status = 422, description = "invalid_request: kind is not like or dislike", body = ProblemDoc),
        (status = 429, description = "rate_limited, quota_exceeded (with Retry-After)", body = ProblemDoc)))]
pub async fn put_reaction(
    state: web::Data<AppState>,
    caller: ActiveUser,
    path: web::Path<String>,
    body: ValidJson<ReactionRequest>,
) -> ApiResult<web::Json<ReactionResponse>> {
    let kind = body.into_inner().kind;
    let tally = state
        .reactions
        .react(&caller.0.user, &path, Some(kind))
        .await?;
    Ok(web::Json(tally.into()))
}

/// Takes the caller's reaction back; without one, the counts as they are.
#[utoipa::path(delete, path = "/api/v1/comments/{id}/reaction", tag = "reactions",
    params(("id" = String, Path,)),
    responses((status = 200, body = ReactionResponse),
        (status = 401, description = "unauthenticated", body = ProblemDoc),
        (status = 403, description = "own_comment, account_suspended, account_banned", body = ProblemDoc),
        (status = 404, description = "comment_not_found", body = ProblemDoc),
        (status = 409, description = "comment_closed", body = ProblemDoc)))]
pub async fn delete_reaction(
    state: web::Data<AppState>,
    caller: ActiveUser,
    path: web::Path<String>,
) -> ApiResult<web::Json<ReactionResponse>> {
    let tally = state.reactions.react(&caller.0.user, &path, None).await?;
    Ok(web::Json(tally.into()))
}
