//! Who is calling: `CurrentUser` (must be logged in), `MaybeUser` (may be),
//! `ActiveUser` (logged in and free of sanctions: may write), `Moderator` and
//! `Admin` (staff in good standing). A handler names one in its arguments, so
//! anyone reading it sees at a glance who may call it. A suspended or banned
//! account reads, logs out and secures itself (`CurrentUser`), nothing more.
//!
//! A session comes from `Authorization: Bearer` or from the session cookie
//! (`__Host-comment_desk_session` with `COOKIE_SECURE`, else `comment_desk_session`).
//! A state-changing request that rides on the cookie must come from an allowed
//! origin, because the browser attaches cookies to cross-site requests too.

use actix_web::dev::Payload;
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use crate::config::normalize_origin;
use crate::domain::accounts::TokenHash;
use crate::domain::accounts::{Role, User};
use crate::http::cookies::cookie_name;
use crate::http::error::ApiError;
use crate::http::state::AppState;

#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub session: TokenHash,
}

#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<CurrentUser>);

#[derive(Debug, Clone)]
pub struct ActiveUser(pub CurrentUser);

#[derive(Debug, Clone)]
pub struct Moderator(pub CurrentUser);

#[derive(Debug, Clone)]
pub struct Admin(pub CurrentUser);

enum Credential {
    Bearer(String),
    Cookie(String),
}

/// The bearer token, else the session cookie. Two session cookies are refused,
/// not settled by order: the second may have been planted by a sibling host
/// (cookie tossing) to log the reader in as someone else.
fn credential(req: &HttpRequest, cookie_name: &str) -> Result<Option<Credential>, ApiError> {
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        return Ok(Some(Credential::Bearer(token.trim().to_owned())));
    }
    let Ok(cookies) = req.cookies() else {
        return Ok(None);
    };
    let mut sessions = cookies.iter().filter(|c| c.name() == cookie_name);
    let first = sessions.next();
    if sessions.next().is_some() {
        return Err(ApiError::DuplicateSessionCookie);
    }
    Ok(first
        .filter(|c| !c.value().is_empty())
        .map(|c| Credential::Cookie(c.value().to_owned())))
}

/// The session behind the request, `Ok(None)` when there is none or it is not live.
async fn resolve(req: HttpRequest) -> Result<Option<CurrentUser>, ApiError> {
    let state = state(&req)?;
    let Some(credential) = credential(&req, cookie_name(state.settings.cookie_secure))? else {
        return Ok(None);
    };
    let token = match &credential {
        Credential::Bearer(token) | Credential::Cookie(token) => token,
    };
    if token.is_empty() || token.len() > 128 {
        return Ok(None);
    }
    let Some((user, session)) = state.auth.authenticate(token).await? else {
        return Ok(None);
    };
    if matches!(credential, Credential::Cookie(_)) && !is_safe(req.method()) {
        check_same_site(&req, &state.settings.allowed_origins)?;
    }
    Ok(Some(CurrentUser { user, session }))
}

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("application state is missing")))
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Same origin (the Origin's host is the Host the request was sent to), an
/// origin from `ALLOWED_ORIGINS`, or `Sec-Fetch-Site: same-origin`.
fn check_same_site(req: &HttpRequest, allowed: &[String]) -> Result<(), ApiError> {
    let headers = req.headers();
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let same_origin_fetch = headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"same-origin");
    let ok = match origin.and_then(normalize_origin) {
        Some(origin) => {
            let host = headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .map(str::to_ascii_lowercase);
            let authority = origin.split_once("://").map(|(_, rest)| rest.to_owned());
            allowed.contains(&origin) || (host.is_some() && authority == host)
        }
        None => same_origin_fetch,
    };
    if ok { Ok(()) } else { Err(ApiError::CrossSite) }
}

impl FromRequest for MaybeUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { resolve(req).await.map(MaybeUser) })
    }
}

impl FromRequest for CurrentUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { resolve(req).await?.ok_or(ApiError::Unauthenticated) })
    }
}

/// The caller, if logged in with a role that `allowed` accepts and no
/// sanction in force: a sanctioned moderator keeps no staff power.
async fn with_role(req: HttpRequest, allowed: fn(Role) -> bool) -> Result<CurrentUser, ApiError> {
    let caller = resolve(req.clone())
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    if !allowed(caller.user.role) {
        return Err(ApiError::Forbidden);
    }
    state(&req)?.moderation.check_standing(&caller.user).await?;
    Ok(caller)
}

impl FromRequest for ActiveUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { with_role(req, |_| true).await.map(ActiveUser) })
    }
}

impl FromRequest for Moderator {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { with_role(req, Role::can_moderate).await.map(Moderator) })
    }
}

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { with_role(req, |role| role == Role::Admin).await.map(Admin) })
    }
}
