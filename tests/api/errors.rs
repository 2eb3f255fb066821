//! Every bad input gets a clear 4xx problem+json with a stable code, never a
//! 500, in the caller's language, and the server keeps serving.

use reqwest::header::{ACCEPT_LANGUAGE, CONTENT_TYPE};
use reqwest::{Method, Response};
use serde_json::Value;

use crate::helpers::{DEMO_ARTICLE, TestApp, assert_problem};

/// One request and the answer it must get.
struct Case {
    what: &'static str,
    method: Method,
    path: String,
    /// The content type (`None`: no header) and the bytes; `None`: no body.
    body: Option<(Option<&'static str>, Vec<u8>)>,
    status: u16,
    /// The problem's code; empty for a success.
    code: &'static str,
}

const JSON: Option<&str> = Some("application/json");
const VALIDATE: &str = "/api/v1/comments/validate";
const REGISTER: &str = "/api/v1/auth/register";

fn call(
    what: &'static str,
    method: Method,
    path: impl Into<String>,
    status: u16,
    code: &'static str,
) -> Case {
    Case {
        what,
        method,
        path: path.into(),
        body: None,
        status,
        code,
    }
}

fn get(what: &'static str, path: impl Into<String>, status: u16, code: &'static str) -> Case {
    call(what, Method::GET, path, status, code)
}

fn post(
    what: &'static str,
    path: &str,
    content_type: Option<&'static str>,
    body: impl Into<Vec<u8>>,
    status: u16,
    code: &'static str,
) -> Case {
    Case {
        body: Some((content_type, body.into())),
        ..call(what, Method::POST, path, status, code)
    }
}

#[rustfmt::skip]
fn bad_requests() -> Vec<Case> {
    let comments = format!("/api/v1/articles/{DEMO_ARTICLE}/comments");
    let oversized = format!(r#"{{"body": "{}"}}"#, "a".repeat(17 * 1024));
    let deep_arrays = format!(r#"{{"body": "hi", "x": {}"#, "[".repeat(10_000));
    let deep_objects = r#"{"a":"#.repeat(3_000);
    let mut invalid_utf8 = br#"{"body": "caf"#.to_vec();
    invalid_utf8.extend_from_slice(&[0xff, 0xfe, 0xc3]);
    invalid_utf8.extend_from_slice(br#""}"#);
    vec![
        get("unknown route", "/nope", 404, "not_found"),
        get("unknown API route", "/api/v1/nope", 404, "not_found"),
        call("DELETE on a GET-only route", Method::DELETE, "/healthz", 405, "method_not_allowed"),
        call("PUT on a POST-only route", Method::PUT, VALIDATE, 405, "method_not_allowed"),
        post("JSON endpoint given text/plain", VALIDATE, Some("text/plain"), r#"{"body": "hi"}"#, 415, "unsupported_media_type"),
        post("JSON endpoint given a form", REGISTER, Some("application/x-www-form-urlencoded"), "email=a%40b.example", 415, "unsupported_media_type"),
        post("JSON endpoint given no content type", VALIDATE, None, r#"{"body": "hi"}"#, 415, "unsupported_media_type"),
        post("malformed JSON", VALIDATE, JSON, r#"{"body": "hi""#, 400, "invalid_json"),
        post("trailing garbage after JSON", VALIDATE, JSON, r#"{"body": "hi"} x"#, 400, "invalid_json"),
        post("an empty JSON body", VALIDATE, JSON, "", 400, "invalid_json"),
        post("a number for a string", VALIDATE, JSON, r#"{"body": 5}"#, 422, "invalid_request"),
        post("null for a required string", VALIDATE, JSON, r#"{"body": null}"#, 422, "invalid_request"),
        post("an empty array instead of an object", VALIDATE, JSON, "[]", 422, "invalid_request"),
        post("a string instead of an object", VALIDATE, JSON, r#""hello""#, 422, "invalid_request"),
        post("a missing field", REGISTER, JSON, r#"{"email": "a@b.example"}"#, 422, "invalid_request"),
        post("a duplicated field", VALIDATE, JSON, r#"{"body": "a", "body": "b"}"#, 422, "invalid_request"),
        post("a body over the 16 KiB limit", VALIDATE, JSON, oversized, 413, "payload_too_large"),
        post("invalid UTF-8 in a JSON string", VALIDATE, JSON, invalid_utf8, 400, "invalid_json"),
        post("10,000 nested arrays", VALIDATE, JSON, deep_arrays, 400, "invalid_json"),
        post("3,000 nested objects", VALIDATE, JSON, deep_objects, 400, "invalid_json"),
        get("SQL in a comment id", "/api/v1/comments/1%20OR%201=1", 404, "comment_not_found"),
        get("a quote in a comment id", "/api/v1/comments/1'", 404, "comment_not_found"),
        get("a negative comment id", "/api/v1/comments/-1", 404, "comment_not_found"),
        get("a comment id beyond i64", "/api/v1/comments/99999999999999999999999", 404, "comment_not_found"),
        get("SQL in a reply listing id", "/api/v1/comments/1;DROP%20TABLE%20comments/replies", 404, "comment_not_found"),
        get("SQL in an article id", "/api/v1/articles/x'--/comments", 404, "article_not_found"),
        get("an encoded path in an article id", "/api/v1/articles/..%2F..%2Fetc%2Fpasswd", 404, "article_not_found"),
        get("SQL in a cursor", format!("{comments}?cursor=' OR 1=1"), 400, "invalid_cursor"),
        get("a forged cursor (v1:-1)", format!("{comments}?cursor=djE6LTE"), 400, "invalid_cursor"),
        get("a negative limit", format!("{comments}?limit=-1"), 400, "invalid_query"),
        get("a word for a limit", format!("{comments}?limit=abc"), 400, "invalid_query"),
        get("an unknown order", format!("{comments}?order=sideways"), 400, "invalid_query"),
    ]
}

async fn send(app: &TestApp, case: &Case, language: Option<&str>) -> Response {
    let mut request = app.client.request(case.method.clone(), app.url(&case.path));
    if let Some(language) = language {
        request = request.header(ACCEPT_LANGUAGE, language);
    }
    if let Some((content_type, body)) = &case.body {
        if let Some(content_type) = content_type {
            request = request.header(CONTENT_TYPE, *content_type);
        }
        request = request.body(body.clone());
    }
    request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{}: no answer: {e}", case.what))
}

/// Status, content type and body (a JSON string when the body is not JSON).
async fn answer(response: Response) -> (u16, String, Value) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, content_type, body)
}

#[tokio::test]
async fn every_bad_request_gets_a_4xx_problem_with_a_stable_code() {
    // Arrange
    let app = TestApp::spawn().await;

    for case in bad_requests() {
        // Act
        let (status, content_type, body) = answer(send(&app, &case, None).await).await;

        // Assert
        let what = case.what;
        assert!(
            (400..500).contains(&status),
            "{what}: a 4xx, got {status}: {body}"
        );
        let expected = (case.status, Some(case.code));
        assert_eq!((status, body["code"].as_str()), expected, "{what}: {body}");
        assert_eq!(
            content_type, "application/problem+json",
            "{what}: content type"
        );
        assert_eq!(body["status"], status, "{what}: status in the body");
        let problem_type = format!("urn:comment-desk:problem:{}", case.code);
        assert_eq!(body["type"], problem_type, "{what}: type names the code");
        for field in ["title", "detail"] {
            let text = body[field].as_str().unwrap_or_default();
            assert!(!text.is_empty(), "{what}: {field} in {body}");
        }
    }

    let health = app.get("/healthz").await;
    assert_eq!(
        health.status(),
        200,
        "the server still serves after every bad request"
    );
}

#[tokio::test]
async fn a_missing_or_unknown_session_is_unauthenticated() {
    // Arrange
    let app = TestApp::spawn().await;
    let me = app.url("/api/v1/auth/me");
    let cases = [
        ("no credentials", app.client.get(&me)),
        (
            "an unknown bearer token",
            app.client.get(&me).bearer_auth("not-a-session"),
        ),
        (
            "an unknown cookie",
            app.client.get(&me).header("cookie", "session=forged"),
        ),
    ];

    for (what, request) in cases {
        // Act
        let response = request.send().await.unwrap();

        // Assert
        let challenge = response.headers().get("www-authenticate").cloned();
        let body = assert_problem(response, 401, "unauthenticated").await;
        assert_eq!(body["code"], "unauthenticated", "{what}: code");
        assert_eq!(
            challenge.as_ref().map(|v| v.as_bytes()),
            Some(&b"Bearer"[..]),
            "{what}: a 401 names its scheme"
        );
    }
}

fn has_hangul(text: &str) -> bool {
    text.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c))
}

#[tokio::test]
async fn problems_follow_accept_language_and_keep_their_code() {
    // Arrange: errors from a handler, an extractor, the router and actix itself.
    let app = TestApp::spawn().await;
    #[rustfmt::skip]
    let cases = [
        get("a handler's 404", "/api/v1/comments/987654", 404, "comment_not_found"),
        get("an extractor's 401", "/api/v1/auth/me", 401, "unauthenticated"),
        get("the default service's 404", "/nope", 404, "not_found"),
        call("actix's 405", Method::DELETE, "/healthz", 405, "method_not_allowed"),
        post("malformed JSON", VALIDATE, JSON, "{", 400, "invalid_json"),
        post("wrong content type", VALIDATE, Some("text/plain"), "{}", 415, "unsupported_media_type"),
        get("an invalid query", format!("/api/v1/articles/{DEMO_ARTICLE}/comments?limit=abc"), 400, "invalid_query"),
    ];

    for case in cases {
        // Act
        let ask = |language| send(&app, &case, language);
        let default = assert_problem(ask(None).await, case.status, case.code).await;
        let english = assert_problem(ask(Some("en")).await, case.status, case.code).await;
        let korean = ask(Some("ko-KR,ko;q=0.9,en;q=0.8")).await;
        let korean = assert_problem(korean, case.status, case.code).await;

        // Assert
        let what = case.what;
        assert_eq!(english, default, "{what}: English is the default");
        for field in ["title", "detail"] {
            let en = english[field].as_str().unwrap();
            let ko = korean[field].as_str().unwrap();
            assert!(!has_hangul(en), "{what}: English {field} {en:?}");
            assert!(
                has_hangul(ko),
                "{what}: Korean {field} in Hangul, got {ko:?}"
            );
            assert_ne!(en, ko, "{what}: {field} differs by language");
        }
        assert_eq!(
            korean["code"], english["code"],
            "{what}: the code stays the same"
        );
        assert_eq!(
            korean["type"], english["type"],
            "{what}: the type stays the same"
        );
    }
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    // Arrange
    let app = TestApp::spawn().await;
    #[rustfmt::skip]
    let cases = [
        get("a success", "/healthz", 200, ""),
        post("a dry run", VALIDATE, JSON, r#"{"body": "Fine words."}"#, 200, ""),
        get("a handler's error", "/api/v1/comments/1", 404, "comment_not_found"),
        get("the router's 404", "/nope", 404, "not_found"),
        call("actix's 405", Method::DELETE, "/healthz", 405, "method_not_allowed"),
        post("an extractor's error", VALIDATE, None, "{}", 415, "unsupported_media_type"),
    ];
    let mut seen: Vec<String> = Vec::new();

    for case in cases {
        // Act
        let response = send(&app, &case, None).await;

        // Assert
        let what = case.what;
        let id = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let (status, _, body) = answer(response).await;
        assert_eq!(status, case.status, "{what}: status, {body}");
        if !case.code.is_empty() {
            assert_eq!(body["code"], case.code, "{what}: code");
        }
        assert!(!id.is_empty(), "{what}: an x-request-id header");
        assert!(!seen.contains(&id), "{what}: request id {id} is unique");
        seen.push(id);
    }
}

/// `API.md`: "A body that is not JSON ... gets 415 or 400", and request bodies
/// are objects. serde's derived structs also accept a JSON array (`["text"]`
/// is read as `{"body": "text"}`) and report a type mismatch before a syntax
/// error, so these get 200/201 or 422 today.
#[tokio::test]
#[rustfmt::skip]
async fn bodies_that_are_not_json_objects_are_refused() {
    // Arrange
    let app = TestApp::spawn().await;
    let cases = [
        post("an array standing in for an object", VALIDATE, JSON, r#"["hello there"]"#, 422, "invalid_request"),
        post("an array standing in for a register body", REGISTER, JSON,
            r#"["arr@news.example", "Array Person", "correct horse battery"]"#, 422, "invalid_request"),
        post("10,000 unclosed arrays", VALIDATE, JSON, "[".repeat(10_000), 400, "invalid_json"),
        post("an unterminated object", VALIDATE, JSON, r#"{"body": 5"#, 400, "invalid_json"),
    ];

    for case in cases {
        // Act
        let (status, _, body) = answer(send(&app, &case, None).await).await;

        // Assert
        let what = case.what;
        assert_eq!((status, body["code"].as_str()), (case.status, Some(case.code)), "{what}: {body}");
    }
}
