//! Sign-in with other accounts: the browser routes `/auth/{provider}/start`
//! and `/callback`, and under `/api/v1/auth` the provider list, the
//! newsroom's SSO, the account's identities and its name.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::session::NewSession;
use crate::auth::sign_in::Callback;
use crate::domain::accounts::User;
use crate::domain::identities::{ReturnMode, SSO_PROVIDER, SignInError};
use crate::http::client::ClientAddr;
use crate::http::cookies::session_cookie;
use crate::http::error::{ApiError, ApiResult, ProblemDoc};
use crate::http::extract::CurrentUser;
use crate::http::json::ValidJson;
use crate::http::lang;
use crate::http::routes::auth::{SessionResponse, session_response};
use crate::http::routes::pages::escape;
use crate::http::state::AppState;
use crate::http::views::NO_STORE;

const POPUP_JS: &str = include_str!("../../../static/popup.js");

/// The browser routes, outside `/api/v1`.
pub fn configure_pages(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/auth/popup.js").get(popup_js))
        .service(web::resource("/auth/{provider}/start").get(start))
        .service(web::resource("/auth/{provider}/callback").get(callback));
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/auth/providers").get(providers))
        .service(web::resource("/auth/sso").post(sso))
        .service(web::resource("/auth/identities").get(identities))
        .service(web::resource("/auth/identities/{provider}").delete(unlink))
        .service(web::resource("/auth/identities/{provider}/link").post(link));
}

/// Binds a sign-in to the browser that started it; lives as long as the attempt.
fn login_cookie(value: String, secure: bool) -> Cookie<'static> {
    let name = if secure {
        "__Host-comment_desk_login"
    } else {
        "comment_desk_login"
    };
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(CookieDuration::minutes(10))
        .finish()
}

fn login_cookie_value(req: &HttpRequest, secure: bool) -> Option<String> {
    let name = login_cookie(String::new(), secure).name().to_owned();
    req.cookie(&name).map(|c| c.value().to_owned())
}

#[derive(Serialize, ToSchema)]
pub struct ProviderView {
    pub id: String,
    pub name: String,
    /// `oidc` or `oauth2`.
    pub kind: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct ProvidersResponse {
    pub providers: Vec<ProviderView>,
    /// Whether email and password sign-in is offered (`LOCAL_LOGIN`).
    pub local_login: bool,
    /// Whether the newsroom's own SSO tokens are accepted.
    pub sso: bool,
}

/// The configured providers, in the order their buttons are shown.
#[utoipa::path(get, path = "/api/v1/auth/providers", tag = "sign-in",
    responses((status = 200, body = ProvidersResponse)))]
pub async fn providers(state: web::Data<AppState>) -> web::Json<ProvidersResponse> {
    let providers = state.sign_in.providers();
    web::Json(ProvidersResponse {
        providers: providers
            .map(|(config, kind)| ProviderView {
                id: config.id.clone(),
                name: config.name.clone(),
                kind,
            })
            .collect(),
        local_login: state.settings.login.local_login,
        sso: state.settings.login.sso.is_some(),
    })
}

#[derive(Deserialize, IntoParams)]
pub struct StartQuery {
    /// Where the browser returns: this site or an `ALLOWED_ORIGINS` origin.
    pub return_to: Option<String>,
    /// `redirect` (the default) or `popup`.
    pub mode: Option<String>,
    /// A ticket from `POST /api/v1/auth/identities/{provider}/link`.
    pub link: Option<String>,
}

/// Sends the browser to the provider with state, nonce and PKCE S256.
#[utoipa::path(get, path = "/auth/{provider}/start", tag = "sign-in", params(StartQuery),
    responses((status = 302, description = "to the provider"),
        (status = 400, description = "invalid_return_to, invalid_query", content((ProblemDoc = "application/problem+json"), (String = "text/html"))),
        (status = 404, description = "unknown_provider", content((ProblemDoc = "application/problem+json"), (String = "text/html"))),
        (status = 429, description = "too_many_attempts", content((ProblemDoc = "application/problem+json"), (String = "text/html")))))]
pub async fn start(
    req: HttpRequest,
    state: web::Data<AppState>,
    client: ClientAddr,
    provider: web::Path<String>,
    query: web::Query<StartQuery>,
) -> HttpResponse {
    let started = async {
        state.sign_in.count(client.0).await?;
        let mode = match query.mode.as_deref() {
            None => ReturnMode::Redirect,
            Some(mode) => ReturnMode::parse(mode).ok_or(ApiError::InvalidQuery("mode"))?,
        };
        let return_to = query
            .return_to
            .as_deref()
            .ok_or(SignInError::InvalidReturnTo)?;
        let started = state
            .sign_in
            .start(&provider, return_to, mode, query.link.as_deref())
            .await?;
        Ok::<_, ApiError>(started)
    };
    match started.await {
        Ok(started) => HttpResponse::Found()
            .insert_header(NO_STORE)
            .insert_header((header::LOCATION, started.location))
            .cookie(login_cookie(
                started.browser_secret,
                state.settings.cookie_secure,
            ))
            .finish(),
        Err(error) => browser_error(&req, error),
    }
}

#[derive(Deserialize, IntoParams)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    /// Set by the provider when it did not sign the reader in.
    pub error: Option<String>,
}

/// The provider's redirect back: a new session, then back to `return_to`
/// (`redirect`) or a page that hands the token to the opener (`popup`).
#[utoipa::path(get, path = "/auth/{provider}/callback", tag = "sign-in", params(CallbackQuery),
    responses((status = 302, description = "signed in, back to return_to"),
        (status = 200, description = "signed in, the popup page", body = String, content_type = "text/html"),
        (status = 400, description = "login_failed", content((ProblemDoc = "application/problem+json"), (String = "text/html"))),
        (status = 404, description = "unknown_provider", content((ProblemDoc = "application/problem+json"), (String = "text/html"))),
        (status = 429, description = "too_many_attempts", content((ProblemDoc = "application/problem+json"), (String = "text/html")))))]
pub async fn callback(
    req: HttpRequest,
    state: web::Data<AppState>,
    client: ClientAddr,
    provider: web::Path<String>,
    query: web::Query<CallbackQuery>,
) -> HttpResponse {
    let secure = state.settings.cookie_secure;
    let finished = async {
        state.sign_in.count(client.0).await?;
        let callback = Callback {
            code: query.code.as_deref(),
            state: query.state.as_deref(),
            error: query.error.as_deref(),
        };
        let browser = login_cookie_value(&req, secure);
        let returned = state
            .sign_in
            .finish(&provider, callback, browser.as_deref())
            .await?;
        let (user, session) = state
            .auth
            .sign_in_with(
                &returned.provider,
                returned.profile,
                returned.link,
                client.0,
            )
            .await?;
        Ok::<_, SignInError>((user, session, returned.return_to, returned.mode))
    };
    let mut forget = login_cookie(String::new(), secure);
    forget.make_removal();
    match finished.await {
        Ok((user, session, return_to, mode)) => {
            tracing::info!(user_id = user.id.get(), provider = %provider, "signed in by a provider");
            let mut response = match mode {
                ReturnMode::Redirect => HttpResponse::Found()
                    .insert_header((header::LOCATION, return_to))
                    .finish(),
                ReturnMode::Popup => popup_page(&user, &session, &return_to),
            };
            let _ = response.add_cookie(&session_cookie(&session, secure));
            let _ = response.add_cookie(&forget);
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-store"),
            );
            response
        }
        Err(error) => {
            // Which check failed goes to the log only, never to the browser.
            tracing::info!(provider = %provider, %error, "sign-in by a provider failed");
            let mut response = browser_error(&req, ApiError::from(error));
            let _ = response.add_cookie(&forget);
            response
        }
    }
}

/// The page the popup ends on: it hands the token to the page that opened
/// it, aimed at that page's origin only, then closes.
fn popup_page(user: &User, session: &NewSession, return_to: &str) -> HttpResponse {
    let origin = reqwest::Url::parse(return_to)
        .map(|url| url.origin().ascii_serialization())
        .unwrap_or_default();
    let data = serde_json::json!({
        "origin": origin,
        "token": session.token,
        "expires_at": session.expires_at,
        "user": {"id": user.id.to_string(), "display_name": user.display_name, "role": user.role},
    });
    // JSON inside a script element: no `<` may close it early.
    let data = data.to_string().replace('<', "\\u003c");
    let html = format!(
        "<!doctype html>\n<html lang=\"ko\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>로그인 완료 · Signed in</title>\n\
         <script type=\"application/json\" id=\"sign-in-result\">{data}</script>\n\
         <script src=\"/auth/popup.js\"></script>\n</head>\n<body>\n\
         <p id=\"message\">로그인되었습니다. 이 창을 닫아도 됩니다. · Signed in; you may close this window.</p>\n\
         </body>\n</html>\n"
    );
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, POPUP_CSP))
        .body(html)
}

const POPUP_CSP: &str = "default-src 'none'; script-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

async fn popup_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(POPUP_JS)
}

/// A failure on a browser route: problem+json for a client that asks for
/// JSON, else a short page that says what happened and carries the code.
fn browser_error(req: &HttpRequest, error: ApiError) -> HttpResponse {
    let lang = lang::of(req);
    let wants_json = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("application/json"));
    if wants_json {
        return error.render(lang);
    }
    let (title, detail) = error.words(lang);
    let html = format!(
        "<!doctype html>\n<html lang=\"{lang_code}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{title}</title>\n</head>\n<body>\n<main data-code=\"{code}\">\n\
         <h1>{title}</h1>\n<p>{detail}</p>\n<p><code>{code}</code></p>\n</main>\n</body>\n</html>\n",
        lang_code = if lang == lang::Lang::Ko { "ko" } else { "en" },
        title = escape(&title),
        detail = escape(&detail),
        code = error.code(),
    );
    HttpResponse::build(error.status())
        .content_type("text/html; charset=utf-8")
        .insert_header(NO_STORE)
        .insert_header((header::CONTENT_SECURITY_POLICY, POPUP_CSP))
        .body(html)
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct SsoRequest {
    /// The JWT the newsroom signed for its subscriber.
    #[validate(length(max = 8192))]
    pub token: String,
}

/// Signs in the newsroom's subscriber with the JWT the newsroom signed.
#[utoipa::path(post, path = "/api/v1/auth/sso", tag = "sign-in", request_body = SsoRequest,
    responses((status = 200, body = SessionResponse),
        (status = 401, description = "invalid_sso_token", body = ProblemDoc),
        (status = 429, description = "too_many_attempts", body = ProblemDoc)))]
pub async fn sso(
    state: web::Data<AppState>,
    client: ClientAddr,
    body: ValidJson<SsoRequest>,
) -> ApiResult<HttpResponse> {
    state.sign_in.count(client.0).await?;
    let profile = state
        .sign_in
        .sso(&body.into_inner().token)
        .await
        .inspect_err(|error| {
            tracing::info!(%error, "sso token refused");
        })?;
    let (user, session) = state
        .auth
        .sign_in_with(SSO_PROVIDER, profile, None, client.0)
        .await?;
    tracing::info!(user_id = user.id.get(), "signed in by sso");
    Ok(session_response(StatusCode::OK, &state, &user, session))
}

#[derive(Serialize, ToSchema)]
pub struct IdentityView {
    pub provider: String,
    /// A masked hint such as `k***@naver.com`, never the whole subject.
    pub subject_hint: String,
    pub linked_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct IdentitiesResponse {
    pub identities: Vec<IdentityView>,
}

/// The ways in from outside that the account has.
#[utoipa::path(get, path = "/api/v1/auth/identities", tag = "sign-in",
    responses((status = 200, body = IdentitiesResponse), (status = 401, body = ProblemDoc)))]
pub async fn identities(
    state: web::Data<AppState>,
    caller: CurrentUser,
) -> ApiResult<HttpResponse> {
    let identities = state.auth.identities(&caller.user).await?;
    Ok(HttpResponse::Ok()
        .insert_header(NO_STORE)
        .json(IdentitiesResponse {
            identities: identities
                .into_iter()
                .map(|identity| IdentityView {
                    provider: identity.provider,
                    subject_hint: identity.subject_hint,
                    linked_at: identity.linked_at,
                })
                .collect(),
        }))
}

/// Unlinks a provider, unless it is the account's only way in.
#[utoipa::path(delete, path = "/api/v1/auth/identities/{provider}", tag = "sign-in",
    responses((status = 204, description = "unlinked"),
        (status = 404, description = "not_found", body = ProblemDoc),
        (status = 409, description = "last_sign_in_method", body = ProblemDoc)))]
pub async fn unlink(
    state: web::Data<AppState>,
    caller: CurrentUser,
    provider: web::Path<String>,
) -> ApiResult<HttpResponse> {
    state.auth.unlink(&caller.user, &provider).await?;
    tracing::info!(user_id = caller.user.id.get(), provider = %provider, "identity unlinked");
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Serialize, ToSchema)]
pub struct LinkResponse {
    /// Open it (add `return_to` and `mode`) to link the provider to this account.
    pub start_url: String,
}

/// A single-use start URL that links the provider to the signed-in account.
#[utoipa::path(post, path = "/api/v1/auth/identities/{provider}/link", tag = "sign-in",
    responses((status = 200, body = LinkResponse), (status = 401, body = ProblemDoc),
        (status = 404, description = "unknown_provider", body = ProblemDoc)))]
pub async fn link(
    state: web::Data<AppState>,
    caller: CurrentUser,
    provider: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let start_url = state.sign_in.link_start(&caller.user, &provider).await?;
    Ok(HttpResponse::Ok()
        .insert_header(NO_STORE)
        .json(LinkResponse { start_url }))
}
