//! `ApiError`: every error a client can see, with its stable `code`, its status
//! and its messages, rendered as RFC 9457 problem+json in one place.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::domain::accounts::AccountError;
use crate::domain::articles::ArticleError;
use crate::domain::body::BodyError;
use crate::domain::message::{Lang, Text, Violation};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("unauthenticated")]
    Unauthenticated,
    #[error("forbidden")]
    Forbidden,
    #[error("cross-site request refused")]
    CrossSite,
    #[error("two session cookies")]
    DuplicateSessionCookie,
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("wrong password")]
    WrongPassword,
    #[error("too many login attempts")]
    TooManyAttempts { retry_after: std::time::Duration },
    #[error("email taken")]
    EmailTaken,
    #[error("weak password")]
    WeakPassword(Violation),
    #[error("invalid email")]
    InvalidEmail,
    #[error("invalid display name")]
    InvalidDisplayName(Violation),
    #[error("article not found")]
    ArticleNotFound,
    #[error("comment not found")]
    CommentNotFound,
    #[error("comments closed")]
    CommentsClosed,
    #[error("edit window closed")]
    EditWindowClosed,
    #[error("already decided")]
    AlreadyDecided(Box<serde_json::Value>),
    #[error("already reported")]
    AlreadyReported,
    #[error("own comment")]
    OwnComment,
    #[error("user not found")]
    UserNotFound,
    #[error("sanction not found")]
    SanctionNotFound,
    #[error("the last admin")]
    LastAdmin,
    #[error("comment text: {0}")]
    CommentText(BodyError),
    #[error("invalid parent")]
    InvalidParent,
    #[error("comment closed")]
    CommentClosed,
    #[error("policy violation")]
    PolicyViolation(Vec<Violation>),
    #[error("rate limited")]
    RateLimited { retry_after: std::time::Duration },
    #[error("account suspended")]
    AccountSuspended {
        until: Option<chrono::DateTime<chrono::Utc>>,
    },
    #[error("account banned")]
    AccountBanned,
    #[error("invalid request")]
    InvalidRequest(Vec<Violation>),
    #[error("invalid cursor")]
    InvalidCursor,
    #[error("invalid query parameter {0}")]
    InvalidQuery(&'static str),
    #[error("invalid json")]
    InvalidJson(String),
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("not ready")]
    NotReady,
    /// Any other status that reached the client without an `ApiError` behind it.
    #[error("http status {0}")]
    Status(StatusCode),
    /// A failure of ours; its cause goes to the log, never to the client.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        ApiError::Internal(error)
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        ApiError::Internal(error.into())
    }
}

impl From<ArticleError> for ApiError {
    fn from(error: ArticleError) -> Self {
        match error {
            ArticleError::NotFound => ApiError::ArticleNotFound,
        }
    }
}

impl From<AccountError> for ApiError {
    fn from(error: AccountError) -> Self {
        match error {
            AccountError::InvalidEmail => ApiError::InvalidEmail,
            AccountError::InvalidDisplayName(v) => ApiError::InvalidDisplayName(v),
            AccountError::WeakPassword(v) => ApiError::WeakPassword(v),
        }
    }
}

impl From<BodyError> for ApiError {
    fn from(error: BodyError) -> Self {
        ApiError::CommentText(error)
    }
}

/// What a problem says, before the language is chosen.
struct Problem {
    status: StatusCode,
    code: &'static str,
    title: Text,
    detail: Text,
    violations: Vec<Violation>,
    extra: Map<String, Value>,
    /// Seconds, sent as `Retry-After` on 429.
    retry_after: Option<u64>,
}

fn problem(status: StatusCode, code: &'static str, title: Text, detail: Text) -> Problem {
    Problem {
        status,
        code,
        title,
        detail,
        violations: Vec::new(),
        extra: Map::new(),
        retry_after: None,
    }
}

impl ApiError {
    /// The error for an answer that arrived with only a status.
    pub fn from_status(status: StatusCode) -> ApiError {
        match status {
            StatusCode::NOT_FOUND => ApiError::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType,
            other => ApiError::Status(other),
        }
    }

    pub fn code(&self) -> &'static str {
        self.problem().code
    }

    fn problem(&self) -> Problem {
        use StatusCode as S;
        let t = Text::new;
        match self {
            ApiError::Unauthenticated => problem(
                S::UNAUTHORIZED,
                "unauthenticated",
                t("Login required", "로그인이 필요합니다"),
                t("Log in to do this.", "로그인한 뒤에 이용할 수 있습니다."),
            ),
            ApiError::Forbidden => problem(
                S::FORBIDDEN,
                "forbidden",
                t("Not allowed", "권한이 없습니다"),
                t(
                    "Your account may not do this.",
                    "이 계정으로는 할 수 없는 작업입니다.",
                ),
            ),
            ApiError::CrossSite => problem(
                S::FORBIDDEN,
                "cross_site_request",
                t(
                    "Cross-site request refused",
                    "다른 사이트에서 온 요청입니다",
                ),
                t(
                    "This request did not come from an allowed origin.",
                    "허용된 출처에서 보낸 요청이 아닙니다.",
                ),
            ),
            ApiError::DuplicateSessionCookie => problem(
                S::BAD_REQUEST,
                "duplicate_session_cookie",
                t("Two session cookies", "세션 쿠키가 두 개입니다"),
                t(
                    "The request carries two session cookies. Clear this site's cookies and log in again.",
                    "요청에 세션 쿠키가 두 개 있습니다. 이 사이트의 쿠키를 지우고 다시 로그인해 주세요.",
                ),
            ),
            ApiError::InvalidCredentials => problem(
                S::UNAUTHORIZED,
                "invalid_credentials",
                t(
                    "Wrong email or password",
                    "이메일 또는 비밀번호가 맞지 않습니다",
                ),
                t(
                    "The email or the password is wrong.",
                    "이메일 또는 비밀번호를 확인해 주세요.",
                ),
            ),
            ApiError::TooManyAttempts { retry_after } => {
                let seconds = retry_after.as_secs_f64().ceil().max(1.0) as u64;
                Problem {
                    retry_after: Some(seconds),
                    ..problem(
                        S::TOO_MANY_REQUESTS,
                        "too_many_attempts",
                        t("Too many attempts", "시도 횟수가 너무 많습니다"),
                        Text::new(
                            format!("Too many failed logins. Try again in {seconds} seconds."),
                            format!(
                                "로그인에 여러 번 실패했습니다. {seconds}초 뒤에 다시 시도해 주세요."
                            ),
                        ),
                    )
                }
            }
            ApiError::WrongPassword => problem(
                S::FORBIDDEN,
                "wrong_password",
                t("Wrong password", "비밀번호가 맞지 않습니다"),
                t(
                    "The current password is wrong.",
                    "지금 비밀번호가 맞지 않습니다.",
                ),
            ),
            ApiError::EmailTaken => problem(
                S::CONFLICT,
                "email_taken",
                t("Email already registered", "이미 가입된 이메일입니다"),
                t(
                    "An account with this email exists. Log in instead.",
                    "이 이메일로 가입한 계정이 있습니다. 로그인해 주세요.",
                ),
            ),
            ApiError::WeakPassword(v) => with_violation(
                problem(
                    S::UNPROCESSABLE_ENTITY,
                    "weak_password",
                    t("Password too weak", "비밀번호가 너무 약합니다"),
                    v.message.clone(),
                ),
                v,
            ),
            ApiError::InvalidEmail => problem(
                S::UNPROCESSABLE_ENTITY,
                "invalid_email",
                t("Invalid email", "이메일 형식이 올바르지 않습니다"),
                t(
                    "Enter an email address such as reader@example.com.",
                    "reader@example.com 같은 이메일 주소를 입력해 주세요.",
                ),
            ),
            ApiError::InvalidDisplayName(v) => with_violation(
                problem(
                    S::UNPROCESSABLE_ENTITY,
                    "invalid_display_name",
                    t("Invalid display name", "표시 이름이 올바르지 않습니다"),
                    v.message.clone(),
                ),
                v,
            ),
            ApiError::ArticleNotFound => problem(
                S::NOT_FOUND,
                "article_not_found",
                t("Article not found", "기사를 찾을 수 없습니다"),
                t("No article has this id.", "이 id의 기사가 없습니다."),
            ),
            ApiError::CommentNotFound => problem(
                S::NOT_FOUND,
                "comment_not_found",
                t("Comment not found", "댓글을 찾을 수 없습니다"),
                t(
                    "No comment you can see has this id.",
                    "볼 수 있는 댓글 중에 이 id의 댓글이 없습니다.",
                ),
            ),
            ApiError::CommentsClosed => problem(
                S::CONFLICT,
                "comments_closed",
                t("Comments are closed", "댓글이 닫혔습니다"),
                t(
                    "This article no longer takes comments.",
                    "이 기사에는 더 이상 댓글을 달 수 없습니다.",
                ),
            ),
            ApiError::EditWindowClosed => problem(
                S::FORBIDDEN,
                "edit_window_closed",
                t("Too late to edit", "수정할 수 있는 시간이 지났습니다"),
                t(
                    "Comments can be edited only for a short time after posting.",
                    "댓글은 올린 뒤 짧은 시간 동안만 고칠 수 있습니다.",
                ),
            ),
            ApiError::AlreadyDecided(current) => {
                let mut p = problem(
                    S::CONFLICT,
                    "already_decided",
                    t("Already decided", "이미 처리된 댓글입니다"),
                    t(
                        "The comment is already decided, or changed since the version decided on; see its current state.",
                        "이미 처리되었거나 결정한 뒤에 바뀐 댓글입니다. 현재 상태를 확인해 주세요.",
                    ),
                );
                p.extra.insert("comment".into(), (**current).clone());
                p
            }
            ApiError::AlreadyReported => problem(
                S::CONFLICT,
                "already_reported",
                t("Already reported", "이미 신고한 댓글입니다"),
                t(
                    "You already reported this comment.",
                    "이 댓글은 이미 신고했습니다.",
                ),
            ),
            ApiError::OwnComment => problem(
                S::FORBIDDEN,
                "own_comment",
                t("Own comment", "본인의 댓글입니다"),
                t(
                    "You cannot report your own comment; edit or delete it instead.",
                    "본인의 댓글은 신고할 수 없습니다. 고치거나 지워 주세요.",
                ),
            ),
            ApiError::UserNotFound => problem(
                S::NOT_FOUND,
                "user_not_found",
                t("User not found", "사용자를 찾을 수 없습니다"),
                t("No account has this id.", "이 id의 계정이 없습니다."),
            ),
            ApiError::SanctionNotFound => problem(
                S::NOT_FOUND,
                "sanction_not_found",
                t("No sanction in force", "적용 중인 제재가 없습니다"),
                t(
                    "This account has no suspension or ban in force.",
                    "이 계정에는 적용 중인 정지나 이용 제한이 없습니다.",
                ),
            ),
            ApiError::LastAdmin => problem(
                S::CONFLICT,
                "last_admin",
                t("The last admin", "마지막 관리자입니다"),
                t(
                    "This is the only admin in good standing; make another admin first.",
                    "제재 없는 관리자가 이 계정뿐입니다. 먼저 다른 관리자를 지정해 주세요.",
                ),
            ),
            ApiError::CommentText(error) => body_problem(error),
            ApiError::InvalidParent => problem(
                S::UNPROCESSABLE_ENTITY,
                "invalid_parent",
                t(
                    "Cannot reply to this comment",
                    "이 댓글에는 답글을 달 수 없습니다",
                ),
                t(
                    "The comment you reply to is not a visible comment of this article.",
                    "답글을 달려는 댓글이 이 기사에 보이는 댓글이 아닙니다.",
                ),
            ),
            ApiError::CommentClosed => problem(
                S::CONFLICT,
                "comment_closed",
                t("This thread is closed", "답글을 달 수 없는 댓글입니다"),
                t(
                    "The comment you reply to, or the one its thread starts with, was removed or awaits review.",
                    "답글을 달려는 댓글이나 그 글타래의 첫 댓글이 삭제되었거나 검토 중입니다.",
                ),
            ),
            ApiError::PolicyViolation(violations) => Problem {
                violations: violations.clone(),
                ..problem(
                    S::UNPROCESSABLE_ENTITY,
                    "policy_violation",
                    t("Against the standards policy", "운영 원칙에 어긋납니다"),
                    t(
                        "The comment breaks the standards policy; change what the violations say.",
                        "댓글이 운영 원칙에 어긋납니다. 안내에 따라 고쳐 주세요.",
                    ),
                )
            },
            ApiError::RateLimited { retry_after } => {
                let seconds = whole_seconds(*retry_after);
                Problem {
                    retry_after: Some(seconds),
                    ..problem(
                        S::TOO_MANY_REQUESTS,
                        "rate_limited",
                        t("Too many comments", "댓글을 너무 자주 올렸습니다"),
                        Text::new(
                            format!("You are posting too often. Try again in {seconds} seconds."),
                            format!(
                                "댓글을 너무 자주 올렸습니다. {seconds}초 뒤에 다시 시도해 주세요."
                            ),
                        ),
                    )
                }
            }
            ApiError::AccountSuspended { until } => {
                let mut p = problem(
                    S::FORBIDDEN,
                    "account_suspended",
                    t("Account suspended", "계정이 정지되었습니다"),
                    t(
                        "While your account is suspended it may read and log out, nothing more.",
                        "계정이 정지된 동안에는 읽기와 로그아웃만 할 수 있습니다.",
                    ),
                );
                if let Some(until) = until {
                    p.extra.insert(
                        "until".into(),
                        json!(until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                    );
                }
                p
            }
            ApiError::AccountBanned => problem(
                S::FORBIDDEN,
                "account_banned",
                t("Account banned", "이용이 제한된 계정입니다"),
                t(
                    "Your account may read and log out, nothing more.",
                    "이 계정으로는 읽기와 로그아웃만 할 수 있습니다.",
                ),
            ),
            ApiError::InvalidRequest(violations) => Problem {
                violations: violations.clone(),
                ..problem(
                    S::UNPROCESSABLE_ENTITY,
                    "invalid_request",
                    t("Invalid request", "요청이 올바르지 않습니다"),
                    t(
                        "Some fields are missing or wrong.",
                        "빠졌거나 잘못된 항목이 있습니다.",
                    ),
                )
            },
            ApiError::InvalidCursor => problem(
                S::BAD_REQUEST,
                "invalid_cursor",
                t("Invalid cursor", "cursor가 올바르지 않습니다"),
                t(
                    "Use the next_cursor of the previous page as it was given.",
                    "이전 페이지의 next_cursor 값을 그대로 써 주세요.",
                ),
            ),
            ApiError::InvalidQuery(name) => problem(
                S::BAD_REQUEST,
                "invalid_query",
                t(
                    "Invalid query parameter",
                    "쿼리 매개변수가 올바르지 않습니다",
                ),
                Text::new(
                    format!("The query parameter {name} has a value this address does not accept."),
                    format!("쿼리 매개변수 {name}의 값을 이 주소에서 받을 수 없습니다."),
                ),
            ),
            ApiError::InvalidJson(why) => problem(
                S::BAD_REQUEST,
                "invalid_json",
                t("Invalid JSON", "JSON 형식이 올바르지 않습니다"),
                Text::new(
                    format!("The body is not valid JSON: {why}"),
                    format!("본문이 올바른 JSON이 아닙니다: {why}"),
                ),
            ),
            ApiError::UnsupportedMediaType => problem(
                S::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                t("Unsupported content type", "지원하지 않는 형식입니다"),
                t(
                    "Send the body as application/json.",
                    "본문은 application/json으로 보내 주세요.",
                ),
            ),
            ApiError::PayloadTooLarge => problem(
                S::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                t("Request too large", "요청이 너무 큽니다"),
                t(
                    "The body is larger than this server accepts.",
                    "본문이 서버가 받는 크기보다 큽니다.",
                ),
            ),
            ApiError::NotFound => problem(
                S::NOT_FOUND,
                "not_found",
                t("Not found", "찾을 수 없습니다"),
                t(
                    "Nothing is served at this address.",
                    "이 주소에는 아무것도 없습니다.",
                ),
            ),
            ApiError::MethodNotAllowed => problem(
                S::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                t("Method not allowed", "허용되지 않는 메서드입니다"),
                t(
                    "This address does not answer this method.",
                    "이 주소는 이 메서드를 받지 않습니다.",
                ),
            ),
            ApiError::NotReady => problem(
                S::SERVICE_UNAVAILABLE,
                "not_ready",
                t("Not ready", "준비되지 않았습니다"),
                t(
                    "The database does not answer.",
                    "데이터베이스가 응답하지 않습니다.",
                ),
            ),
            ApiError::Status(status) => status_problem(*status),
            ApiError::Internal(_) => problem(
                S::INTERNAL_SERVER_ERROR,
                "internal_error",
                t("Internal error", "서버 오류"),
                t(
                    "Something went wrong on our side. Try again later.",
                    "서버에 문제가 생겼습니다. 잠시 뒤에 다시 시도해 주세요.",
                ),
            ),
        }
    }

    /// The problem+json response in the given language.
    pub fn render(&self, lang: Lang) -> HttpResponse {
        let p = self.problem();
        let mut body = Map::new();
        body.insert(
            "type".into(),
            json!(format!("urn:comment-desk:problem:{}", p.code)),
        );
        body.insert("title".into(), json!(p.title.get(lang)));
        body.insert("status".into(), json!(p.status.as_u16()));
        body.insert("detail".into(), json!(p.detail.get(lang)));
        body.insert("code".into(), json!(p.code));
        if !p.violations.is_empty() {
            let violations: Vec<Value> = p
                .violations
                .iter()
                .map(|v| render_violation(v, lang))
                .collect();
            body.insert("violations".into(), Value::Array(violations));
        }
        body.extend(p.extra);
        let mut response = HttpResponse::build(p.status);
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        if let Some(seconds) = p.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if p.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        response.body(Value::Object(body).to_string())
    }
}

/// `Retry-After` in whole seconds, never 0.
fn whole_seconds(wait: std::time::Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

pub const PROBLEM_JSON: &str = "application/problem+json";

fn render_violation(v: &Violation, lang: Lang) -> Value {
    json!({"rule": v.rule, "message": v.message.get(lang)})
}

fn with_violation(p: Problem, v: &Violation) -> Problem {
    Problem {
        violations: vec![v.clone()],
        ..p
    }
}

fn body_problem(error: &BodyError) -> Problem {
    let mut p = problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        error.code(),
        error.title(),
        error.message(),
    );
    if let BodyError::TooLong { length, limit } = error {
        p.extra.insert("length".into(), json!(length));
        p.extra.insert("limit".into(), json!(limit));
    }
    p
}

fn status_problem(status: StatusCode) -> Problem {
    let reason = status.canonical_reason().unwrap_or("Error");
    let code = match status.as_u16() {
        400 => "bad_request",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "request_timeout",
        413 => "payload_too_large",
        414 => "uri_too_long",
        415 => "unsupported_media_type",
        431 => "headers_too_large",
        s if s >= 500 => "internal_error",
        _ => "http_error",
    };
    // 5xx keep the generic text; a 4xx names the HTTP reason.
    let text = Text::new(reason, reason);
    problem(status, code, text.clone(), text)
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.problem().status
    }

    /// English here; the problem middleware renders it again in the caller's language.
    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(error = format!("{cause:#}"), "request failed");
        }
        self.render(Lang::En)
    }
}

/// What a handler returns.
pub type ApiResult<T> = Result<T, ApiError>;

/// The shape of problem bodies, for the OpenAPI description.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProblemDoc {
    #[schema(example = "urn:comment-desk:problem:comment_too_long")]
    pub r#type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable snake_case error code.
    #[schema(example = "comment_too_long")]
    pub code: String,
    pub violations: Option<Vec<ViolationDoc>>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ViolationDoc {
    pub rule: String,
    pub message: String,
}
