//! `/api/v1/auth/*`: register, login, logout, me.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::service::Registration;
use crate::auth::session::NewSession;
use crate::domain::accounts::{Password, Role, User};
use crate::domain::identities::SignInError;
use crate::http::client::ClientAddr;
use crate::http::cookies::{removal_cookie, session_cookie};
use crate::http::error::{ApiResult, ProblemDoc};
use crate::http::extract::{CurrentUser, MaybeUser};
use crate::http::json::ValidJson;
use crate::http::routes::data_rights;
use crate::http::state::AppState;
use crate::http::views::NO_STORE;
use crate::http::views::UserView;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/auth/register").post(register))
        .service(web::resource("/auth/login").post(login))
        .service(web::resource("/auth/logout").post(logout))
        .service(web::resource("/auth/logout-all").post(logout_all))
        .service(web::resource("/auth/password").post(change_password))
        .service(web::resource("/auth/me/export").get(data_rights::export))
        .service(
            web::resource("/auth/me")
                .get(me)
                .patch(rename)
                .delete(data_rights::delete_account),
        );
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct RegisterRequest {
    #[validate(length(max = 320))]
    pub email: String,
    #[validate(length(max = 200))]
    pub display_name: String,
    #[validate(length(max = 1024))]
    pub password: String,
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct LoginRequest {
    #[validate(length(max = 320))]
    pub email: String,
    #[validate(length(max = 1024))]
    pub password: String,
}

/// The account as its owner sees it.
#[derive(Serialize, ToSchema)]
pub struct MeView {
    pub id: String,
    pub display_name: String,
    pub role: Role,
    /// `null` for an account signed in by a provider that gave no verified email.
    pub email: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SessionResponse {
    pub user: UserView,
    /// For `Authorization: Bearer`; the same session is also set as an HttpOnly cookie.
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    pub user: MeView,
}

/// The answer that hands out a new session: its token and cookie, never cached.
pub fn session_response(
    status: actix_web::http::StatusCode,
    state: &AppState,
    user: &User,
    session: NewSession,
) -> HttpResponse {
    let cookie = session_cookie(&session, state.settings.cookie_secure);
    HttpResponse::build(status)
        .insert_header(NO_STORE)
        .cookie(cookie)
        .json(SessionResponse {
            user: user.into(),
            token: session.token,
            expires_at: session.expires_at,
        })
}

/// Creates a reader account and logs it in.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, body = SessionResponse), (status = 409, description = "email_taken", body = ProblemDoc),
        (status = 422, description = "weak_password, invalid_email, invalid_display_name", body = ProblemDoc),
        (status = 429, description = "rate_limited", body = ProblemDoc)))]
pub async fn register(
    state: web::Data<AppState>,
    client: ClientAddr,
    body: ValidJson<RegisterRequest>,
) -> ApiResult<HttpResponse> {
    local_login_on(&state)?;
    let body = body.into_inner();
    let form = Registration {
        email: body.email,
        display_name: body.display_name,
        password: body.password,
    };
    let (user, session) = state.auth.register(form, client.0).await?;
    tracing::info!(user_id = user.id.get(), "account registered");
    Ok(session_response(
        actix_web::http::StatusCode::CREATED,
        &state,
        &user,
        session,
    ))
}

/// Logs in with email and password; every login starts a new session.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = SessionResponse),
        (status = 401, description = "invalid_credentials", body = ProblemDoc),
        (status = 429, description = "too_many_attempts", body = ProblemDoc)))]
pub async fn login(
    state: web::Data<AppState>,
    client: ClientAddr,
    body: ValidJson<LoginRequest>,
) -> ApiResult<HttpResponse> {
    local_login_on(&state)?;
    let body = body.into_inner();
    let (user, session) = state
        .auth
        .login(&body.email, Password::any(body.password), client.0)
        .await?;
    tracing::info!(user_id = user.id.get(), "logged in");
    Ok(session_response(
        actix_web::http::StatusCode::OK,
        &state,
        &user,
        session,
    ))
}

/// Revokes the caller's session on the server and clears the cookie.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "the session is revoked"),
        (status = 403, description = "cross_site_request", body = ProblemDoc)))]
pub async fn logout(state: web::Data<AppState>, caller: MaybeUser) -> ApiResult<HttpResponse> {
    if let Some(caller) = caller.0 {
        state.auth.logout(caller.session).await?;
        tracing::info!(user_id = caller.user.id.get(), "logged out");
    }
    Ok(HttpResponse::NoContent()
        .cookie(removal_cookie(state.settings.cookie_secure))
        .finish())
}

/// Ends every session of the account, on every device.
#[utoipa::path(post, path = "/api/v1/auth/logout-all", tag = "auth",
    responses((status = 204, description = "every session is revoked"), (status = 401, body = ProblemDoc)))]
pub async fn logout_all(
    state: web::Data<AppState>,
    caller: CurrentUser,
) -> ApiResult<HttpResponse> {
    state.auth.logout_everywhere(&caller.user).await?;
    tracing::info!(user_id = caller.user.id.get(), "logged out everywhere");
    Ok(HttpResponse::NoContent()
        .cookie(removal_cookie(state.settings.cookie_secure))
        .finish())
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct PasswordChangeRequest {
    #[validate(length(max = 1024))]
    pub current_password: String,
    #[validate(length(max = 1024))]
    pub new_password: String,
}

/// Changes the password; every other session ends, this one stays.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = PasswordChangeRequest,
    responses((status = 204, description = "changed; other sessions revoked"),
        (status = 403, description = "wrong_password", body = ProblemDoc),
        (status = 422, description = "weak_password", body = ProblemDoc)))]
pub async fn change_password(
    state: web::Data<AppState>,
    caller: CurrentUser,
    body: ValidJson<PasswordChangeRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    state
        .auth
        .change_password(
            &caller.user,
            caller.session,
            Password::any(body.current_password),
            body.new_password,
        )
        .await?;
    tracing::info!(user_id = caller.user.id.get(), "password changed");
    Ok(HttpResponse::NoContent().insert_header(NO_STORE).finish())
}

/// The logged-in account, with its email.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth",
    responses((status = 200, body = MeResponse), (status = 401, description = "unauthenticated", body = ProblemDoc)))]
pub async fn me(caller: CurrentUser) -> ApiResult<web::Json<MeResponse>> {
    Ok(web::Json(MeResponse {
        user: me_view(caller.user),
    }))
}

pub fn me_view(user: User) -> MeView {
    MeView {
        id: user.id.to_string(),
        display_name: user.display_name,
        role: user.role,
        email: user.email,
    }
}

/// Email and password sign-in and registration, unless `LOCAL_LOGIN=off`.
fn local_login_on(state: &AppState) -> Result<(), SignInError> {
    if state.settings.login.local_login {
        Ok(())
    } else {
        Err(SignInError::LocalLoginOff)
    }
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct RenameRequest {
    #[validate(length(max = 200))]
    pub display_name: String,
}

/// Changes the account's display name, held to the rules of registration.
#[utoipa::path(patch, path = "/api/v1/auth/me", tag = "auth", request_body = RenameRequest,
    responses((status = 200, body = MeResponse),
        (status = 422, description = "invalid_display_name", body = ProblemDoc)))]
pub async fn rename(
    state: web::Data<AppState>,
    caller: CurrentUser,
    body: ValidJson<RenameRequest>,
) -> ApiResult<web::Json<MeResponse>> {
    let user = state
        .auth
        .rename(&caller.user, &body.into_inner().display_name)
        .await?;
    Ok(web::Json(MeResponse {
        user: me_view(user),
    }))
}
