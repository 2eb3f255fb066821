//! Readers' data rights: `GET /auth/me/export` and `DELETE /auth/me`.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::domain::data_rights::Erased;
use crate::http::cookies::removal_cookie;
use crate::http::error::{ApiResult, ProblemDoc};
use crate::http::extract::CurrentUser;
use crate::http::json::ValidJson;
use crate::http::state::AppState;
use crate::http::views::NO_STORE;

/// Everything kept about the account, as a JSON file to keep.
#[utoipa::path(get, path = "/api/v1/auth/me/export", tag = "auth",
    responses((status = 200, description = "the reader's data, as an attachment"),
        (status = 401, description = "unauthenticated", body = ProblemDoc),
        (status = 429, description = "rate_limited", body = ProblemDoc)))]
pub async fn export(state: web::Data<AppState>, caller: CurrentUser) -> ApiResult<HttpResponse> {
    let export = state.data_rights.export(&caller.user).await?;
    let name = format!(
        "attachment; filename=\"comment-desk-{}.json\"",
        caller.user.id
    );
    tracing::info!(user_id = caller.user.id.get(), "data exported");
    Ok(HttpResponse::Ok()
        .insert_header(NO_STORE)
        .insert_header((header::CONTENT_DISPOSITION, name))
        .json(export))
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct DeleteAccountRequest {
    /// Required when the account has a password.
    #[validate(length(max = 1024))]
    pub password: Option<String>,
}

/// Erases the caller's account: every session ends, the email, name,
/// password and ways in are forgotten, and the comments go or stay nameless
/// per `ACCOUNT_DELETION_COMMENTS`.
#[utoipa::path(delete, path = "/api/v1/auth/me", tag = "auth", request_body = DeleteAccountRequest,
    responses((status = 204, description = "the account is erased"),
        (status = 401, description = "unauthenticated", body = ProblemDoc),
        (status = 403, description = "wrong_password, reauthentication_required, cross_site_request", body = ProblemDoc),
        (status = 409, description = "last_admin", body = ProblemDoc)))]
pub async fn delete_account(
    state: web::Data<AppState>,
    caller: CurrentUser,
    body: ValidJson<DeleteAccountRequest>,
) -> ApiResult<HttpResponse> {
    let erased = state
        .data_rights
        .delete_account(&caller.user, caller.session, body.into_inner().password)
        .await?;
    if let Erased::Done {
        sessions_revoked,
        comments_removed,
        comments_anonymized,
    } = erased
    {
        tracing::info!(
            user_id = caller.user.id.get(),
            sessions_revoked,
            comments_removed,
            comments_anonymized,
            "account erased"
        );
    }
    Ok(HttpResponse::NoContent()
        .insert_header(NO_STORE)
        .cookie(removal_cookie(state.settings.cookie_secure))
        .finish())
}
