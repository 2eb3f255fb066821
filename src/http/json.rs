//! `ValidJson<T>`: a request body that is a JSON object of the right shape.
//!
//! actix's `web::Json` lets serde decide, and serde accepts an array for a
//! struct and reports a wrong type before a syntax error further on. Here the
//! order is fixed: content type (415), size (413), syntax (400), an object
//! (422), the fields (422), then the shape rules declared with `validator`.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::de::{DeserializeOwned, IgnoredAny};
use validator::Validate;

use crate::domain::message::Violation;
use crate::http::error::ApiError;
use crate::http::state::AppState;

const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

pub struct ValidJson<T>(pub T);

impl<T> ValidJson<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + Validate + 'static> FromRequest for ValidJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = is_json(req);
        let body = web::Bytes::from_request(req, payload);
        let timeout = req
            .app_data::<web::Data<AppState>>()
            .map_or(DEFAULT_TIMEOUT, |state| state.settings.client_timeout);
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::UnsupportedMediaType);
            }
            // A client that trickles its body in would hold a worker's memory forever.
            let body = tokio::time::timeout(timeout, body)
                .await
                .map_err(|_| ApiError::Status(StatusCode::REQUEST_TIMEOUT))?;
            let bytes = body.map_err(|e| {
                if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge
                } else {
                    ApiError::InvalidJson("the body could not be read".into())
                }
            })?;
            parse(&bytes).map(ValidJson)
        })
    }
}

fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

/// Parses and checks a body; public so the order of checks can be unit-tested.
pub fn parse<T: DeserializeOwned + Validate>(bytes: &[u8]) -> Result<T, ApiError> {
    // Encoding and syntax first, so a body that is not JSON at all is always a 400.
    let text = std::str::from_utf8(bytes)
        .map_err(|_| ApiError::InvalidJson("the body is not UTF-8".into()))?;
    serde_json::from_str::<IgnoredAny>(text).map_err(|e| ApiError::InvalidJson(e.to_string()))?;
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Err(invalid("body", "The body must be a JSON object."));
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|e| ApiError::InvalidRequest(vec![field_violation(&e)]))?;
    value.validate().map_err(|errors| {
        let violations = errors
            .field_errors()
            .keys()
            .map(|field| {
                Violation::new(
                    field.to_string(),
                    format!("The field {field} is too long or too short."),
                    format!("{field} 항목의 길이가 허용 범위를 벗어났습니다."),
                )
            })
            .collect();
        ApiError::InvalidRequest(violations)
    })?;
    Ok(value)
}

/// What is wrong with a field, built from the field's path and the type it
/// expects. serde's own message quotes the value that was sent (a password, a
/// resident registration number), so it never reaches the client or the log.
fn field_violation(error: &serde_path_to_error::Error<serde_json::Error>) -> Violation {
    let message = error.inner().to_string();
    if let Some(missing) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
        .filter(|name| is_field_name(name))
    {
        return Violation::new(
            missing,
            format!("The field {missing} is missing."),
            format!("{missing} 항목이 빠졌습니다."),
        );
    }
    let field = field_path(error.path());
    // The expected part is ours (a type or our own variants) and comes last;
    // whatever the client sent comes before it.
    let expected = message
        .split(" at line ")
        .next()
        .and_then(|m| m.rsplit_once(", expected "))
        .map(|(_, expected)| expected)
        .filter(|_| {
            [
                "invalid type",
                "invalid value",
                "invalid length",
                "unknown variant",
            ]
            .iter()
            .any(|kind| message.starts_with(kind))
        });
    match expected {
        Some(expected) => Violation::new(
            field.as_str(),
            format!("The field {field} has the wrong type or value: expected {expected}."),
            format!("{field} 항목의 형식이나 값이 올바르지 않습니다 (expected {expected})."),
        ),
        None => Violation::new(
            field.as_str(),
            format!("The field {field} has the wrong type or value."),
            format!("{field} 항목의 형식이나 값이 올바르지 않습니다."),
        ),
    }
}

/// `note`, `items[0].body`; `body` for the whole body or a segment we did not name.
fn field_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } if is_field_name(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            // A key the client chose (a map's) may itself be a secret.
            _ => return "body".into(),
        }
    }
    if out.is_empty() { "body".into() } else { out }
}

fn is_field_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn invalid(rule: &str, en: &str) -> ApiError {
    ApiError::InvalidRequest(vec![Violation::new(
        rule,
        en,
        format!("요청 본문이 올바르지 않습니다: {en}"),
    )])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, Validate)]
    struct Probe {
        #[validate(length(max = 5))]
        body: String,
    }

    #[derive(Debug, Deserialize, Validate)]
    #[allow(dead_code)]
    struct Typed {
        body: String,
        kind: Option<Kind>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Spam,
    }

    #[test]
    fn checks_come_in_a_fixed_order() {
        let deep = "[".repeat(10_000);
        let cases: [(&str, &str); 8] = [
            ("{\"body\": 5", "invalid_json"),
            (&deep, "invalid_json"),
            ("", "invalid_json"),
            ("[\"hello\"]", "invalid_request"),
            ("\"hello\"", "invalid_request"),
            ("{\"body\": 5}", "invalid_request"),
            ("{}", "invalid_request"),
            ("{\"body\": \"too long\"}", "invalid_request"),
        ];
        for (body, code) in cases {
            let error = parse::<Probe>(body.as_bytes()).expect_err(body);
            assert_eq!(error.code(), code, "{body:.20}");
        }
        let wrong: [(&str, &str); 4] = [
            ("{\"body\": 87654321987}", "body"),
            ("{\"body\": \"ok\", \"kind\": \"940404-1234567\"}", "kind"),
            ("{\"body\": [\"940404-1234567\"]}", "body"),
            ("{\"kind\": \"spam\"}", "body"),
        ];
        for (body, field) in wrong {
            let error = parse::<Typed>(body.as_bytes()).expect_err(body);
            let ApiError::InvalidRequest(violations) = &error else {
                panic!("{body}: {error:?}")
            };
            let shown = format!("{violations:?}");
            assert_eq!(violations[0].rule, field, "{body}: {shown}");
            assert!(
                !shown.contains("87654321987") && !shown.contains("940404"),
                "{body}: {shown}"
            );
        }
        let not_utf8 = parse::<Probe>(b"{\"body\": \"\xff\"}").unwrap_err();
        assert_eq!(not_utf8.code(), "invalid_json");
        assert_eq!(parse::<Probe>(b" {\"body\": \"ok\"} ").unwrap().body, "ok");
    }
}
