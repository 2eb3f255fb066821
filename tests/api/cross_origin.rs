//! CORS and security headers: an exact allow-list with credentials, headers on
//! errors too, and nothing for other origins.

use reqwest::Method;

use crate::helpers::TestApp;

const NEWSROOM: &str = "https://news.example";

async fn with_origin(app: &TestApp, method: Method, path: &str, origin: &str) -> reqwest::Response {
    app.client
        .request(method, app.url(path))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type, authorization",
        )
        .send()
        .await
        .unwrap()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn allowed_origins_get_credentialed_cors_on_every_answer() {
    let app = TestApp::spawn_with(|s| s.allowed_origins = vec![NEWSROOM.into()]).await;
    let cases = [
        (
            Method::OPTIONS,
            "/api/v1/articles/putin-north-korea-signal/comments",
            "preflight",
        ),
        (
            Method::GET,
            "/api/v1/articles/putin-north-korea-signal/comments",
            "a listing",
        ),
        (Method::GET, "/api/v1/articles/no-such-article", "an error"),
    ];
    for (method, path, why) in cases {
        let response = with_origin(&app, method, path, NEWSROOM).await;
        assert!(response.status().as_u16() < 500, "{why}");
        assert_eq!(
            header(&response, "access-control-allow-origin"),
            Some(NEWSROOM),
            "{why}"
        );
        assert_eq!(
            header(&response, "access-control-allow-credentials"),
            Some("true"),
            "{why}"
        );
        let vary = header(&response, "vary")
            .unwrap_or_default()
            .to_ascii_lowercase();
        assert!(vary.contains("origin"), "{why}: Vary {vary:?}");
    }
}

#[tokio::test]
async fn other_origins_get_no_cors_headers() {
    let app = TestApp::spawn_with(|s| s.allowed_origins = vec![NEWSROOM.into()]).await;
    for origin in [
        "https://evil.example",
        "https://news.example.evil.example",
        "null",
    ] {
        let response = with_origin(&app, Method::GET, "/api/v1/policy", origin).await;
        assert_eq!(
            header(&response, "access-control-allow-origin"),
            None,
            "{origin}"
        );
        assert_eq!(
            response.status(),
            200,
            "{origin}: the read itself still answers"
        );
    }
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    for path in ["/healthz", "/api/v1/policy", "/api/v1/nowhere"] {
        let response = app.get(path).await;
        assert_eq!(
            header(&response, "x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(
            header(&response, "referrer-policy"),
            Some("strict-origin-when-cross-origin"),
            "{path}"
        );
        let csp = header(&response, "content-security-policy").unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
    }
}
