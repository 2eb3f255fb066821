//! Hostile input on every endpoint family, sent by a logged-in admin so the
//! requests get past authentication to the parsing: wrongly typed and
//! malformed JSON, huge and deeply nested bodies, invalid UTF-8, injection
//! strings in ids and cursors, garbage limits. Every answer is a 4xx problem,
//! the server keeps serving, and what was stored before is unchanged.

use comment_desk::domain::accounts::Role;
use reqwest::Method;
use serde_json::Value;

use crate::helpers::{DEMO_ARTICLE, TestApp, TestUser, json_body};

struct Hostile {
    method: Method,
    path: String,
    body: Option<Vec<u8>>,
}

fn get(path: impl Into<String>) -> Hostile {
    Hostile {
        method: Method::GET,
        path: path.into(),
        body: None,
    }
}

fn send(method: Method, path: impl Into<String>, body: impl Into<Vec<u8>>) -> Hostile {
    Hostile {
        method,
        path: path.into(),
        body: Some(body.into()),
    }
}

/// Bodies that are wrong in shape, type, size, depth or encoding.
fn bad_bodies() -> Vec<Vec<u8>> {
    let mut invalid_utf8 = br#"{"reason": "sp"#.to_vec();
    invalid_utf8.extend_from_slice(&[0xc0, 0xaf, 0xed, 0xa0, 0x80]);
    invalid_utf8.extend_from_slice(br#""}"#);
    vec![
        b"{".to_vec(),
        b"null".to_vec(),
        b"[1, 2, 3]".to_vec(),
        br#"{"body": {"nested": true}, "email": 12, "role": ["admin"], "action": 7}"#.to_vec(),
        br#"{"kind": "ban", "until": "not a date", "reason": 5}"#.to_vec(),
        br#"{"role": "superuser"}"#.to_vec(),
        br#"{"action": "approve'; DROP TABLE comments; --"}"#.to_vec(),
        format!(r#"{{"x": {}1{}}}"#, "[".repeat(5_000), "]".repeat(5_000)).into_bytes(),
        format!(r#"{{"note": "{}"}}"#, "가".repeat(20_000)).into_bytes(),
        invalid_utf8,
    ]
}

/// Ids, cursors and limits a stranger might try.
const NASTY_IDS: [&str; 8] = [
    "0",
    "-1",
    "1%20OR%201%3D1",
    "%27%3B--",
    "%C0%AF",
    "%FF%FE",
    "99999999999999999999999999",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
];

fn hostile_requests() -> Vec<Hostile> {
    let comments = format!("/api/v1/articles/{DEMO_ARTICLE}/comments");
    let mut requests = Vec::new();
    let writes = [
        (Method::POST, "/api/v1/auth/login".to_owned()),
        (Method::POST, "/api/v1/auth/password".to_owned()),
        (Method::POST, comments.clone()),
        (Method::PUT, format!("/api/v1/articles/{DEMO_ARTICLE}")),
        (Method::POST, "/api/v1/comments/1/reports".to_owned()),
        (Method::PATCH, "/api/v1/comments/1".to_owned()),
        (
            Method::POST,
            "/api/v1/moderation/comments/1/decision".to_owned(),
        ),
        (
            Method::POST,
            "/api/v1/moderation/users/1/sanctions".to_owned(),
        ),
        (Method::PUT, "/api/v1/admin/users/1/role".to_owned()),
    ];
    for (method, path) in writes {
        for body in bad_bodies() {
            requests.push(send(method.clone(), path.clone(), body));
        }
    }
    for id in NASTY_IDS {
        requests.push(get(format!("/api/v1/comments/{id}")));
        requests.push(get(format!("/api/v1/comments/{id}/replies")));
        requests.push(get(format!("/api/v1/articles/{id}/comments")));
        requests.push(send(
            Method::POST,
            format!("/api/v1/moderation/comments/{id}/decision"),
            br#"{"action": "approve"}"#.to_vec(),
        ));
        requests.push(send(
            Method::POST,
            format!("/api/v1/moderation/users/{id}/sanctions"),
            br#"{"kind": "ban", "reason": "x"}"#.to_vec(),
        ));
        requests.push(send(
            Method::PUT,
            format!("/api/v1/admin/users/{id}/role"),
            br#"{"role": "moderator"}"#.to_vec(),
        ));
    }
    let garbage_queries = [
        "cursor=%FF%FE%FD",
        "cursor=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "cursor=dGhpcyBpcyBqdW5r",
        "cursor=djE6OTk5OTk5OTk5OTk5OTk5OTk5OTk5OQ",
        "limit=99999999999999999999",
        "limit=0",
        "limit=1e3",
        "limit=%00",
    ];
    for query in garbage_queries {
        requests.push(get(format!("{comments}?{query}")));
        requests.push(get(format!("/api/v1/moderation/queue?{query}")));
        requests.push(get(format!("/api/v1/moderation/log?{query}")));
    }
    requests.push(get(format!("{comments}?order=newest%27--")));
    requests.push(get("/api/v1/moderation/queue?state=everything"));
    requests.push(get("/api/v1/moderation/queue?article_id=%27%20OR%201%3D1"));
    requests
}

async fn fire(app: &TestApp, admin: &TestUser, hostile: &Hostile) -> (u16, String, Value) {
    let mut request = app
        .client
        .request(hostile.method.clone(), app.url(&hostile.path))
        .bearer_auth(&admin.token);
    if let Some(body) = &hostile.body {
        request = request
            .header("content-type", "application/json")
            .body(body.clone());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = response.text().await.unwrap_or_default();
    (
        status,
        content_type,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn hostile_input_on_every_endpoint_gets_a_4xx_problem_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let reader = app.reader().await;
    let kept = app
        .published(&reader, DEMO_ARTICLE, "이 댓글은 그대로 남아야 합니다")
        .await;
    let listing = format!("/api/v1/articles/{DEMO_ARTICLE}/comments");
    let before = app.list(&listing).await;

    for hostile in hostile_requests() {
        let (status, content_type, body) = fire(&app, &admin, &hostile).await;

        let what = format!("{} {}", hostile.method, hostile.path);
        assert!(
            (400..500).contains(&status),
            "{what}: a 4xx, got {status}: {body}"
        );
        assert_eq!(content_type, "application/problem+json", "{what}");
        assert!(
            body["code"].as_str().is_some_and(|c| !c.is_empty()),
            "{what}: {body}"
        );
    }

    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(app.list(&listing).await, before, "the listing is unchanged");
    let id = kept["id"].as_str().unwrap();
    let again = json_body(app.get(&format!("/api/v1/comments/{id}")).await).await;
    assert_eq!(again["comment"]["body"], kept["body"]);
    let me = app.get_as(&admin, "/api/v1/auth/me").await;
    assert_eq!(me.status(), 200, "the admin's session survived");
}
