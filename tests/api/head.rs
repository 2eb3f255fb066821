//! HEAD answers wherever GET does: the same status and headers, no body.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{DEMO_ARTICLE, TestApp, TestUser};

/// Headers that differ between any two answers.
const PER_ANSWER: &[&str] = &["date", "x-request-id"];

/// Sends `method path` over a raw connection and returns the status, the
/// headers and whatever came after them, until the server closed.
async fn raw(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
) -> (u16, Vec<String>, Vec<u8>) {
    let port: u16 = app.address.rsplit(':').next().unwrap().parse().unwrap();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let request = format!("{method} {path} HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut answer),
    )
    .await
    .expect("the server closes after answering")
    .unwrap();
    let end = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head");
    let head = String::from_utf8_lossy(&answer[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let mut headers: Vec<String> = lines
        .map(normalized)
        .filter(|l| !PER_ANSWER.iter().any(|h| l.starts_with(&format!("{h}:"))))
        .collect();
    headers.sort();
    (status, headers, answer[end + 4..].to_vec())
}

/// A header line in lower case with its comma-separated values sorted (CORS
/// lists them in no fixed order).
fn normalized(line: &str) -> String {
    let line = line.to_ascii_lowercase();
    let (name, value) = line.split_once(':').unwrap_or((&line, ""));
    let mut values: Vec<&str> = value.split(',').map(str::trim).collect();
    values.sort();
    format!("{name}: {}", values.join(", "))
}

#[tokio::test]
async fn head_answers_every_get_with_its_status_and_headers_and_no_body() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let reader = app.reader().await;
    let comment = app.published(&reader, DEMO_ARTICLE, "머리만 주세요").await;
    let id = comment["id"].as_str().unwrap();
    let paths: Vec<(String, Option<&TestUser>)> = [
        "/healthz".to_owned(),
        "/readyz".into(),
        "/".into(),
        format!("/editorials/{DEMO_ARTICLE}"),
        "/embed.js".into(),
        "/page.css".into(),
        "/api/v1/openapi.json".into(),
        "/api/v1/policy".into(),
        format!("/api/v1/articles/{DEMO_ARTICLE}"),
        format!("/api/v1/articles/{DEMO_ARTICLE}/comments"),
        format!("/api/v1/comments/{id}"),
        format!("/api/v1/comments/{id}/replies"),
        "/api/v1/auth/me".into(),
        "/api/v1/articles/no-such-article".into(),
    ]
    .into_iter()
    .map(|p| (p, None))
    .chain([
        ("/api/v1/auth/me".to_owned(), Some(&reader)),
        ("/api/v1/moderation/queue".into(), Some(&moderator)),
        ("/api/v1/moderation/log".into(), Some(&moderator)),
    ])
    .collect();

    for (path, user) in paths {
        let token = user.map(|u| u.token.as_str());
        let (get_status, get_headers, get_body) = raw(&app, "GET", &path, token).await;
        let (head_status, head_headers, head_body) = raw(&app, "HEAD", &path, token).await;

        assert_eq!(head_status, get_status, "HEAD {path}");
        assert_eq!(head_headers, get_headers, "HEAD {path}");
        assert!(head_body.is_empty(), "HEAD {path} has no body");
        assert!(
            !get_body.is_empty() || get_status == 304,
            "GET {path} has one"
        );
    }
}
