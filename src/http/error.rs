//! `ApiError`: every error a client can see, rendered as RFC 9457
//! problem+json in one place. Domain errors (`PostError`, `AccountError`,
//! `ModerationError`, …) name their `code` and details; HTTP adds its own
//! errors (a missing session, malformed JSON, …). `PROBLEMS` gives each code
//! its status and words in both languages: change a message there.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::domain::message::{Lang, Text, Violation};
use crate::domain::refusal::{Details, INTERNAL, Refusal};
use crate::http::views::CommentView;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A domain error, as its feature tells it.
    #[error("{0}")]
    Refused(Box<dyn Refusal>),
    #[error("unauthenticated")]
    Unauthenticated,
    #[error("forbidden")]
    Forbidden,
    #[error("cross-site request refused")]
    CrossSite,
    #[error("two session cookies")]
    DuplicateSessionCookie,
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

impl<E: Refusal> From<E> for ApiError {
    fn from(error: E) -> Self {
        ApiError::Refused(Box::new(error))
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        ApiError::Internal(error)
    }
}

/// A code's status and words; `{seconds}` and `{subject}` are filled in
/// from the error's details, and an error may bring words of its own.
struct Row {
    code: &'static str,
    status: u16,
    title: [&'static str; 2],
    detail: [&'static str; 2],
}

const fn row(
    code: &'static str,
    status: u16,
    title: [&'static str; 2],
    detail: [&'static str; 2],
) -> Row {
    Row {
        code,
        status,
        title,
        detail,
    }
}

/// Every code, English then Korean. Codes whose errors always bring their own
/// words (the text rule's, a password's, a name's) leave them empty here.
#[rustfmt::skip]
const PROBLEMS: &[Row] = &[
    row("login_failed", 400,
        ["Sign-in failed", "로그인하지 못했습니다"],
        ["The sign-in could not be completed. Start again from the comment section.", "로그인을 마치지 못했습니다. 댓글 창에서 다시 시작해 주세요."]),
    row("invalid_return_to", 400,
        ["Return address not allowed", "돌아갈 주소가 허용되지 않았습니다"],
        ["return_to must be an absolute URL on this site or an allowed origin.", "return_to는 이 사이트나 허용된 출처의 절대 주소여야 합니다."]),
    row("unknown_provider", 404,
        ["Unknown sign-in provider", "알 수 없는 로그인 제공자입니다"],
        ["This newsroom has not set up that way to sign in.", "이 언론사는 그 로그인 방법을 설정하지 않았습니다."]),
    row("invalid_sso_token", 401,
        ["Invalid sign-in token", "로그인 토큰이 올바르지 않습니다"],
        ["The newsroom's sign-in token was refused. Reload the page and try again.", "언론사 로그인 토큰이 거부되었습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요."]),
    row("local_login_off", 403,
        ["Email sign-in is off", "이메일 로그인을 쓸 수 없습니다"],
        ["This newsroom signs readers in with other accounts only.", "이 언론사는 다른 계정으로만 로그인할 수 있습니다."]),
    row("last_sign_in_method", 409,
        ["The only way in", "유일한 로그인 방법입니다"],
        ["This is the account's only way to sign in; link another first.", "계정에 로그인할 수 있는 유일한 방법입니다. 먼저 다른 방법을 연결해 주세요."]),
    row("identity_in_use", 409,
        ["Account already in use", "이미 사용 중인 계정입니다"],
        ["That account at the provider signs in to another Comment Desk account.", "그 제공자 계정은 다른 댓글 계정에 연결되어 있습니다."]),
    row("provider_already_linked", 409,
        ["Provider already linked", "이미 연결된 제공자입니다"],
        ["Unlink the provider's other account first.", "먼저 그 제공자의 다른 계정 연결을 해제해 주세요."]),
    row("unauthenticated", 401,
        ["Login required", "로그인이 필요합니다"],
        ["Log in to do this.", "로그인한 뒤에 이용할 수 있습니다."]),
    row("forbidden", 403,
        ["Not allowed", "권한이 없습니다"],
        ["Your account may not do this.", "이 계정으로는 할 수 없는 작업입니다."]),
    row("cross_site_request", 403,
        ["Cross-site request refused", "다른 사이트에서 온 요청입니다"],
        ["This request did not come from an allowed origin.", "허용된 출처에서 보낸 요청이 아닙니다."]),
    row("duplicate_session_cookie", 400,
        ["Two session cookies", "세션 쿠키가 두 개입니다"],
        ["The request carries two session cookies. Clear this site's cookies and log in again.",
         "요청에 세션 쿠키가 두 개 있습니다. 이 사이트의 쿠키를 지우고 다시 로그인해 주세요."]),
    row("invalid_credentials", 401,
        ["Wrong email or password", "이메일 또는 비밀번호가 맞지 않습니다"],
        ["The email or the password is wrong.", "이메일 또는 비밀번호를 확인해 주세요."]),
    row("too_many_attempts", 429,
        ["Too many attempts", "시도 횟수가 너무 많습니다"],
        ["Too many failed logins. Try again in {seconds} seconds.",
         "로그인에 여러 번 실패했습니다. {seconds}초 뒤에 다시 시도해 주세요."]),
    row("wrong_password", 403,
        ["Wrong password", "비밀번호가 맞지 않습니다"],
        ["The current password is wrong.", "지금 비밀번호가 맞지 않습니다."]),
    row("reauthentication_required", 403,
        ["Sign in again", "다시 로그인해 주세요"],
        ["To delete this account, sign in again with your provider, then retry within a few minutes.",
         "계정을 삭제하려면 로그인 제공자로 다시 로그인한 뒤 몇 분 안에 다시 시도해 주세요."]),
    row("email_taken", 409,
        ["Email already registered", "이미 가입된 이메일입니다"],
        ["An account with this email exists. Log in instead.", "이 이메일로 가입한 계정이 있습니다. 로그인해 주세요."]),
    row("weak_password", 422,
        ["Password too weak", "비밀번호가 너무 약합니다"],
        ["", ""]),
    row("invalid_email", 422,
        ["Invalid email", "이메일 형식이 올바르지 않습니다"],
        ["Enter an email address such as reader@example.com.", "reader@example.com 같은 이메일 주소를 입력해 주세요."]),
    row("invalid_display_name", 422,
        ["Invalid display name", "표시 이름이 올바르지 않습니다"],
        ["", ""]),
    row("article_not_found", 404,
        ["Article not found", "기사를 찾을 수 없습니다"],
        ["No article has this id.", "이 id의 기사가 없습니다."]),
    row("comment_not_found", 404,
        ["Comment not found", "댓글을 찾을 수 없습니다"],
        ["No comment you can see has this id.", "볼 수 있는 댓글 중에 이 id의 댓글이 없습니다."]),
    row("comments_closed", 409,
        ["Comments are closed", "댓글이 닫혔습니다"],
        ["This article no longer takes comments.", "이 기사에는 더 이상 댓글을 달 수 없습니다."]),
    row("edit_window_closed", 403,
        ["Too late to edit", "수정할 수 있는 시간이 지났습니다"],
        ["Comments can be edited only for a short time after posting.", "댓글은 올린 뒤 짧은 시간 동안만 고칠 수 있습니다."]),
    row("already_decided", 409,
        ["Already decided", "이미 처리된 댓글입니다"],
        ["The comment is already decided, or changed since the version decided on; see its current state.",
         "이미 처리되었거나 결정한 뒤에 바뀐 댓글입니다. 현재 상태를 확인해 주세요."]),
    row("undo_unavailable", 409,
        ["Nothing to undo", "되돌릴 수 없습니다"],
        ["Only your own latest decision on this comment can be undone, within a few seconds and before anything else changes it.",
         "이 댓글에 내린 본인의 마지막 결정만, 몇 초 안에, 댓글이 달리 바뀌기 전에 되돌릴 수 있습니다."]),
    row("already_reported", 409,
        ["Already reported", "이미 신고한 댓글입니다"],
        ["You already reported this comment.", "이 댓글은 이미 신고했습니다."]),
    row("own_comment", 403,
        ["Own comment", "본인의 댓글입니다"],
        ["You cannot report your own comment; edit or delete it instead.", "본인의 댓글은 신고할 수 없습니다. 고치거나 지워 주세요."]),
    row("history_not_public", 404,
        ["History not public", "댓글 이력이 공개되지 않습니다"],
        ["This newsroom does not show readers' comment histories.", "이 언론사는 독자의 댓글 이력을 공개하지 않습니다."]),
    row("user_not_found", 404,
        ["User not found", "사용자를 찾을 수 없습니다"],
        ["No account has this id.", "이 id의 계정이 없습니다."]),
    row("sanction_not_found", 404,
        ["No sanction in force", "적용 중인 제재가 없습니다"],
        ["This account has no suspension or ban in force.", "이 계정에는 적용 중인 정지나 이용 제한이 없습니다."]),
    row("last_admin", 409,
        ["The last admin", "마지막 관리자입니다"],
        ["This is the only admin in good standing; make another admin first.",
         "제재 없는 관리자가 이 계정뿐입니다. 먼저 다른 관리자를 지정해 주세요."]),
    row("comment_empty", 422, ["", ""], ["", ""]),
    row("comment_too_long", 422, ["", ""], ["", ""]),
    row("comment_invalid_characters", 422, ["", ""], ["", ""]),
    row("invalid_parent", 422,
        ["Cannot reply to this comment", "이 댓글에는 답글을 달 수 없습니다"],
        ["The comment you reply to is not a visible comment of this article.", "답글을 달려는 댓글이 이 기사에 보이는 댓글이 아닙니다."]),
    row("comment_closed", 409,
        ["This thread is closed", "답글을 달 수 없는 댓글입니다"],
        ["The comment you reply to, or the one its thread starts with, was removed or awaits review.",
         "답글을 달려는 댓글이나 그 글타래의 첫 댓글이 삭제되었거나 검토 중입니다."]),
    row("policy_violation", 422,
        ["Against the standards policy", "운영 원칙에 어긋납니다"],
        ["The comment breaks the standards policy; change what the violations say.", "댓글이 운영 원칙에 어긋납니다. 안내에 따라 고쳐 주세요."]),
    row("rate_limited", 429,
        ["Too many comments", "댓글을 너무 자주 올렸습니다"],
        ["You are posting too often. Try again in {seconds} seconds.", "댓글을 너무 자주 올렸습니다. {seconds}초 뒤에 다시 시도해 주세요."]),
    row("quota_exceeded", 429,
        ["Quota used up", "오늘 한도를 다 썼습니다"],
        ["You have reached a limit of the standards policy. Try again in {seconds} seconds.",
         "운영 원칙의 한도에 이르렀습니다. {seconds}초 뒤에 다시 시도해 주세요."]),
    row("account_suspended", 403,
        ["Account suspended", "계정이 정지되었습니다"],
        ["While your account is suspended it may read and log out, nothing more.", "계정이 정지된 동안에는 읽기와 로그아웃만 할 수 있습니다."]),
    row("account_banned", 403,
        ["Account banned", "이용이 제한된 계정입니다"],
        ["Your account may read and log out, nothing more.", "이 계정으로는 읽기와 로그아웃만 할 수 있습니다."]),
    row("invalid_request", 422,
        ["Invalid request", "요청이 올바르지 않습니다"],
        ["Some fields are missing or wrong.", "빠졌거나 잘못된 항목이 있습니다."]),
    row("invalid_cursor", 400,
        ["Invalid cursor", "cursor가 올바르지 않습니다"],
        ["Use the next_cursor of the previous page as it was given.", "이전 페이지의 next_cursor 값을 그대로 써 주세요."]),
    row("invalid_query", 400,
        ["Invalid query parameter", "쿼리 매개변수가 올바르지 않습니다"],
        ["The query parameter {subject} has a value this address does not accept.", "쿼리 매개변수 {subject}의 값을 이 주소에서 받을 수 없습니다."]),
    row("invalid_json", 400,
        ["Invalid JSON", "JSON 형식이 올바르지 않습니다"],
        ["The body is not valid JSON: {subject}", "본문이 올바른 JSON이 아닙니다: {subject}"]),
    row("unsupported_media_type", 415,
        ["Unsupported content type", "지원하지 않는 형식입니다"],
        ["Send the body as application/json.", "본문은 application/json으로 보내 주세요."]),
    row("payload_too_large", 413,
        ["Request too large", "요청이 너무 큽니다"],
        ["The body is larger than this server accepts.", "본문이 서버가 받는 크기보다 큽니다."]),
    row("not_found", 404,
        ["Not found", "찾을 수 없습니다"],
        ["Nothing is served at this address.", "이 주소에는 아무것도 없습니다."]),
    row("method_not_allowed", 405,
        ["Method not allowed", "허용되지 않는 메서드입니다"],
        ["This address does not answer this method.", "이 주소는 이 메서드를 받지 않습니다."]),
    row("too_many_streams", 503,
        ["Too many live streams", "실시간 연결이 너무 많습니다"],
        ["Every live event stream is in use. Try again in {seconds} seconds.",
         "실시간 이벤트 연결이 모두 사용 중입니다. {seconds}초 뒤에 다시 시도해 주세요."]),
    row("too_many_account_streams", 429,
        ["Too many live streams for this account", "이 계정의 실시간 연결이 너무 많습니다"],
        ["This account has as many live event streams open as it may. Close a desk, or try again in {seconds} seconds.",
         "이 계정으로 열 수 있는 실시간 이벤트 연결을 모두 쓰고 있습니다. 데스크 하나를 닫거나 {seconds}초 뒤에 다시 시도해 주세요."]),
    row("not_ready", 503,
        ["Not ready", "준비되지 않았습니다"],
        ["The database does not answer.", "데이터베이스가 응답하지 않습니다."]),
    row(INTERNAL, 500,
        ["Internal error", "서버 오류"],
        ["Something went wrong on our side. Try again later.", "서버에 문제가 생겼습니다. 잠시 뒤에 다시 시도해 주세요."]),
];

/// The row of a code. A code without a row is a bug (a unit test lists every
/// error's code); it is told as an internal error and logged.
fn lookup(code: &str) -> &'static Row {
    match PROBLEMS.iter().find(|row| row.code == code) {
        Some(row) => row,
        None => {
            tracing::error!(code, "no problem row for this code");
            lookup(INTERNAL)
        }
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
        match self {
            ApiError::Refused(error) => error.code(),
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::Forbidden => "forbidden",
            ApiError::CrossSite => "cross_site_request",
            ApiError::DuplicateSessionCookie => "duplicate_session_cookie",
            ApiError::InvalidRequest(_) => "invalid_request",
            ApiError::InvalidCursor => "invalid_cursor",
            ApiError::InvalidQuery(_) => "invalid_query",
            ApiError::InvalidJson(_) => "invalid_json",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::NotReady => "not_ready",
            ApiError::Status(status) => status_code(*status),
            ApiError::Internal(_) => INTERNAL,
        }
    }

    fn details(&self) -> Details {
        match self {
            ApiError::Refused(error) => error.details(),
            ApiError::InvalidRequest(violations) => Details::violations(violations),
            ApiError::InvalidQuery(name) => subject(name),
            ApiError::InvalidJson(why) => subject(why),
            ApiError::Status(status) => status_details(*status),
            _ => Details::default(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Status(status) => *status,
            _ => StatusCode::from_u16(lookup(self.code()).status)
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        }
    }

    /// The title and detail in the given language, with the details filled in.
    pub fn words(&self, lang: Lang) -> (String, String) {
        let row = lookup(self.code());
        let details = self.details();
        let seconds = details.retry_after.map(whole_seconds);
        let fill = |words: &str| {
            let words = words.replace("{subject}", details.subject.as_deref().unwrap_or(""));
            words.replace("{seconds}", &seconds.unwrap_or_default().to_string())
        };
        let words = |own: &Option<Text>, table: [&str; 2]| match own {
            Some(text) => fill(text.get(lang)),
            None => fill(Text::new(table[0], table[1]).get(lang)),
        };
        (
            words(&details.title, row.title),
            words(&details.detail, row.detail),
        )
    }

    /// The problem+json response in the given language.
    pub fn render(&self, lang: Lang) -> HttpResponse {
        let code = self.code();
        let details = self.details();
        let status = self.status();
        let seconds = details.retry_after.map(whole_seconds);
        let (title, detail) = self.words(lang);
        let mut body = Map::new();
        body.insert(
            "type".into(),
            json!(format!("urn:comment-desk:problem:{code}")),
        );
        body.insert("title".into(), json!(title));
        body.insert("status".into(), json!(status.as_u16()));
        body.insert("detail".into(), json!(detail));
        body.insert("code".into(), json!(code));
        extend(&mut body, &details, lang);
        let mut response = HttpResponse::build(status);
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        if let Some(seconds) = seconds {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        response.body(Value::Object(body).to_string())
    }
}

/// The members beside the five every problem has.
fn extend(body: &mut Map<String, Value>, details: &Details, lang: Lang) {
    if !details.violations.is_empty() {
        let violations = details.violations.iter();
        let rendered = violations
            .map(|v| json!({"rule": v.rule, "message": v.message.get(lang)}))
            .collect();
        body.insert("violations".into(), Value::Array(rendered));
    }
    if let Some((length, limit)) = details.length {
        body.insert("length".into(), json!(length));
        body.insert("limit".into(), json!(limit));
    }
    if let Some(comment) = &details.comment {
        let view = CommentView::from((**comment).clone());
        body.insert("comment".into(), json!(view));
    }
    if let Some(last) = &details.decided {
        let by = last.as_ref().and_then(|l| l.by.as_ref());
        let by = by.map(|(id, name)| json!({"id": id.to_string(), "display_name": name}));
        let at = last.as_ref().map(|l| l.at);
        body.insert("decided_by".into(), json!(by));
        body.insert("decided_at".into(), json!(at));
    }
    if let Some(until) = details.until {
        let until = until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        body.insert("until".into(), json!(until));
    }
}

fn subject(text: &str) -> Details {
    Details {
        subject: Some(text.to_owned()),
        ..Details::default()
    }
}

/// `Retry-After` in whole seconds, never 0.
fn whole_seconds(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

pub const PROBLEM_JSON: &str = "application/problem+json";

/// The code of a status that came without an error of ours.
fn status_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "request_timeout",
        413 => "payload_too_large",
        414 => "uri_too_long",
        415 => "unsupported_media_type",
        431 => "headers_too_large",
        s if s >= 500 => INTERNAL,
        _ => "http_error",
    }
}

/// A status without an error of ours is told by its HTTP reason.
fn status_details(status: StatusCode) -> Details {
    let reason = status.canonical_reason().unwrap_or("Error");
    Details {
        title: Some(Text::new(reason, reason)),
        detail: Some(Text::new(reason, reason)),
        ..Details::default()
    }
}

/// The error and every cause under it, for the log.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(&format!(": {inner}"));
        cause = inner.source();
    }
    text
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    /// English here; the problem middleware renders it again in the caller's language.
    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Internal(cause) => {
                tracing::error!(error = format!("{cause:#}"), "request failed");
            }
            ApiError::Refused(error) if error.code() == INTERNAL => {
                tracing::error!(error = chain(error.as_ref()), "request failed");
            }
            _ => {}
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::accounts::AccountError;
    use crate::domain::articles::ArticleError;
    use crate::domain::body::BodyError;
    use crate::domain::moderation::{Barred, ModerationError};
    use crate::domain::post_error::PostError;

    fn every_error() -> Vec<ApiError> {
        let v = Violation::new("rule", "en", "ko");
        let wait = Duration::from_secs(3);
        let body = [
            BodyError::Empty,
            BodyError::TooLong {
                length: 3,
                limit: 2,
            },
            BodyError::InvalidCharacters,
        ];
        let barred = [Barred::Banned, Barred::Suspended { until: None }];
        let mut all: Vec<ApiError> = Vec::new();
        all.extend(body.iter().cloned().map(ApiError::from));
        all.extend(body.iter().cloned().map(|b| PostError::Body(b).into()));
        all.extend(barred.iter().cloned().map(ApiError::from));
        all.extend([
            AccountError::InvalidEmail.into(),
            AccountError::InvalidDisplayName(v.clone()).into(),
            AccountError::WeakPassword(v.clone()).into(),
            AccountError::EmailTaken.into(),
            AccountError::InvalidCredentials.into(),
            AccountError::WrongPassword.into(),
            AccountError::TooManyAttempts { retry_after: wait }.into(),
            AccountError::RateLimited { retry_after: wait }.into(),
            AccountError::SessionEnded.into(),
            crate::domain::data_rights::DataRightsError::WrongPassword.into(),
            crate::domain::data_rights::DataRightsError::SignInAgain.into(),
            crate::domain::data_rights::DataRightsError::LastAdmin.into(),
            crate::domain::data_rights::DataRightsError::Gone.into(),
            crate::domain::data_rights::DataRightsError::TooManyExports { retry_after: wait }
                .into(),
            PostError::AccountGone.into(),
            ArticleError::NotFound.into(),
            ArticleError::Invalid(v.clone()).into(),
            PostError::ArticleNotFound.into(),
            PostError::CommentsClosed.into(),
            PostError::CommentNotFound.into(),
            PostError::NotTheAuthor.into(),
            PostError::EditWindowClosed.into(),
            PostError::InvalidParent.into(),
            PostError::CommentClosed.into(),
            PostError::PolicyViolation(vec![v.clone()]).into(),
            PostError::RateLimited { retry_after: wait }.into(),
            ModerationError::CommentNotFound.into(),
            ModerationError::UserNotFound.into(),
            ModerationError::SanctionNotFound.into(),
            ModerationError::UndoUnavailable.into(),
            ModerationError::AlreadyReported.into(),
            ModerationError::OwnComment.into(),
            ModerationError::LastAdmin.into(),
            ModerationError::Forbidden.into(),
            ModerationError::Invalid(v.clone()).into(),
            ModerationError::RateLimited { retry_after: wait }.into(),
            ModerationError::SessionEnded.into(),
            crate::domain::events::TooManyStreams::Server.into(),
            crate::domain::events::TooManyStreams::Account.into(),
            ApiError::Unauthenticated,
            ApiError::Forbidden,
            ApiError::CrossSite,
            ApiError::DuplicateSessionCookie,
            ApiError::InvalidRequest(vec![v]),
            ApiError::InvalidCursor,
            ApiError::InvalidQuery("limit"),
            ApiError::InvalidJson("why".into()),
            ApiError::UnsupportedMediaType,
            ApiError::PayloadTooLarge,
            ApiError::NotFound,
            ApiError::MethodNotAllowed,
            ApiError::NotReady,
            ApiError::Internal(anyhow::anyhow!("cause")),
            PostError::Internal(anyhow::anyhow!("cause")).into(),
        ]);
        all
    }

    #[test]
    fn every_code_has_one_row_with_words_in_both_languages() {
        for (i, row) in PROBLEMS.iter().enumerate() {
            let later = &PROBLEMS[i + 1..];
            assert!(
                later.iter().all(|r| r.code != row.code),
                "{} twice",
                row.code
            );
        }
        for error in every_error() {
            let code = error.code();
            let row = PROBLEMS.iter().find(|row| row.code == code);
            assert!(row.is_some(), "{code} has no row");
            for lang in [Lang::En, Lang::Ko] {
                let body = error.render(lang).into_body();
                let bytes = actix_web::body::to_bytes(body);
                let bytes = futures_util::FutureExt::now_or_never(bytes)
                    .unwrap()
                    .unwrap();
                let json: Value = serde_json::from_slice(&bytes).unwrap();
                for field in ["title", "detail"] {
                    let words = json[field].as_str().unwrap();
                    assert!(!words.is_empty(), "{code} {field} empty");
                    assert!(!words.contains('{'), "{code} {field}: {words}");
                }
                assert_eq!(json["code"], code);
            }
        }
    }

    #[test]
    fn a_bare_status_keeps_its_status_and_names_its_reason() {
        for (status, code) in [(503, INTERNAL), (414, "uri_too_long"), (418, "http_error")] {
            let error = ApiError::Status(StatusCode::from_u16(status).unwrap());
            let body = error.render(Lang::Ko).into_body();
            let bytes = actix_web::body::to_bytes(body);
            let bytes = futures_util::FutureExt::now_or_never(bytes)
                .unwrap()
                .unwrap();
            let json: Value = serde_json::from_slice(&bytes).unwrap();
            let reason = StatusCode::from_u16(status).unwrap().canonical_reason();
            assert_eq!(json["status"], status);
            assert_eq!(json["code"], code);
            assert_eq!(json["title"].as_str(), reason);
            assert_eq!(json["detail"].as_str(), reason);
        }
    }

    #[test]
    fn a_failure_of_ours_shows_no_cause() {
        let error: ApiError = PostError::Internal(anyhow::anyhow!("disk on fire")).into();
        let body = error.render(Lang::En).into_body();
        let bytes = actix_web::body::to_bytes(body);
        let bytes = futures_util::FutureExt::now_or_never(bytes)
            .unwrap()
            .unwrap();
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        assert_eq!(error.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(
            text.contains("internal_error") && !text.contains("disk"),
            "{text}"
        );
    }
}
