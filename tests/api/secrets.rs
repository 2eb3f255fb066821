//! Secrets never reach the log: the real binary runs at the most verbose log
//! level through registering, logging in, changing the password, posting a
//! resident registration number and logging out, and then its whole log (and
//! its database files, for the resident number) are searched for each secret.

use reqwest::Client;
use serde_json::{Value, json};

use crate::helpers::{DEMO_ARTICLE, RunningBinary, database_url, json_body, start_binary};

const FIRST_PASSWORD: &str = "Secret-Passphrase-One-71";
const SECOND_PASSWORD: &str = "Secret-Passphrase-Two-93";
const RESIDENT_NUMBER: &str = "900101-1234567";

async fn send(request: reqwest::RequestBuilder, expected: u16) -> Value {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let body = if status == 204 {
        Value::Null
    } else {
        json_body(response).await
    };
    assert_eq!(status, expected, "{body}");
    body
}

#[tokio::test]
async fn passwords_tokens_and_resident_numbers_are_never_logged() {
    let dir = tempfile::tempdir().unwrap();
    let server = binary_logging_everything(dir.path()).await;
    let client = Client::new();
    let url = |path: &str| format!("{}/api/v1{path}", server.address);

    let registered = send(
        client.post(url("/auth/register")).json(&json!({
            "email": "secret.keeper@news.example",
            "display_name": "비밀 독자",
            "password": FIRST_PASSWORD,
        })),
        201,
    )
    .await;
    let first_token = registered["token"].as_str().unwrap().to_owned();
    let logged_in = send(
        client.post(url("/auth/login")).json(&json!({
            "email": "secret.keeper@news.example",
            "password": FIRST_PASSWORD,
        })),
        200,
    )
    .await;
    let token = logged_in["token"].as_str().unwrap().to_owned();
    send(
        client
            .post(url("/auth/password"))
            .bearer_auth(&token)
            .json(&json!({"current_password": FIRST_PASSWORD, "new_password": SECOND_PASSWORD})),
        204,
    )
    .await;
    let comments = url(&format!("/articles/{DEMO_ARTICLE}/comments"));
    for body in [
        format!("제 주민번호는 {RESIDENT_NUMBER} 입니다"),
        format!("번호 {}", RESIDENT_NUMBER.replace('-', "")),
    ] {
        send(
            client
                .post(&comments)
                .bearer_auth(&token)
                .json(&json!({"body": body})),
            422,
        )
        .await;
        send(
            client
                .post(url("/comments/validate"))
                .json(&json!({"body": body})),
            200,
        )
        .await;
    }
    send(client.post(url("/auth/logout")).bearer_auth(&token), 204).await;
    // The server is stopped so every log line and database page is written.
    let mut child = server.child;
    child.kill().await.unwrap();
    let log = server.log.lock().unwrap().join("\n");

    assert!(
        log.contains("logged in") && log.contains("/api/v1/auth/password"),
        "the log was captured at trace level:\n{log}"
    );
    let digits = RESIDENT_NUMBER.replace('-', "");
    for (name, secret) in [
        ("the first password", FIRST_PASSWORD),
        ("the second password", SECOND_PASSWORD),
        ("the registration token", first_token.as_str()),
        ("the login token", token.as_str()),
        ("the resident number", RESIDENT_NUMBER),
        ("the resident number's digits", digits.as_str()),
    ] {
        assert!(!log.contains(secret), "{name} is in the log");
    }
    for file in ["secrets.db", "secrets.db-wal"] {
        let bytes = std::fs::read(dir.path().join(file)).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(RESIDENT_NUMBER) && !text.contains(&digits),
            "the resident number is stored in {file}"
        );
    }
}

/// A value sent in the wrong place (a number where text belongs, a resident
/// number as an enum, in a query or a path) is never repeated back in the
/// error body, nor written to the log; the error names the field instead.
#[tokio::test]
async fn wrong_typed_values_are_not_echoed() {
    const NUMBER: &str = "87654321987";
    const RESIDENT: &str = "940404-1234567";
    let dir = tempfile::tempdir().unwrap();
    let server = binary_logging_everything(dir.path()).await;
    let client = Client::new();
    let url = |path: &str| format!("{}/api/v1{path}", server.address);
    let registered = send(
        client.post(url("/auth/register")).json(&json!({
            "email": "echo@news.example",
            "display_name": "독자",
            "password": FIRST_PASSWORD,
        })),
        201,
    )
    .await;
    let token = registered["token"].as_str().unwrap().to_owned();
    let comments = url(&format!("/articles/{DEMO_ARTICLE}/comments"));
    let posted = send(
        client
            .post(&comments)
            .bearer_auth(&token)
            .json(&json!({"body": "평범한 의견입니다"})),
        201,
    )
    .await;
    let id = posted["comment"]["id"].as_str().unwrap().to_owned();
    let number: i64 = NUMBER.parse().unwrap();

    let bodies = [
        (
            "a number as the comment",
            comments.clone(),
            json!({"body": number}),
        ),
        (
            "a resident number as a reason",
            url(&format!("/comments/{id}/reports")),
            json!({"reason": RESIDENT}),
        ),
        (
            "a number as a note",
            url(&format!("/comments/{id}/reports")),
            json!({"reason": "spam", "note": number}),
        ),
        (
            "a number as a password",
            url("/auth/login"),
            json!({"email": "echo@news.example", "password": number}),
        ),
        (
            "a resident number as a parent",
            comments.clone(),
            json!({"body": "답글", "parent_id": RESIDENT}),
        ),
        (
            "a list of resident numbers as the body",
            comments.clone(),
            json!({"body": [RESIDENT, number]}),
        ),
    ];
    let mut answers = Vec::new();
    for (case, target, body) in bodies {
        let response = client
            .post(&target)
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert!((400..500).contains(&status), "{case}: {status} {text}");
        answers.push((case, text));
    }
    for (case, query) in [
        ("order", format!("?order={RESIDENT}")),
        ("limit as text", format!("?limit={RESIDENT}")),
        ("cursor", format!("?cursor={RESIDENT}")),
    ] {
        let response = client
            .get(format!("{comments}{query}"))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert!((400..500).contains(&status), "{case}: {status} {text}");
        answers.push((case, text));
    }
    let response = client
        .post(url(&format!("/comments/{RESIDENT}/reports")))
        .bearer_auth(&token)
        .json(&json!({"reason": "spam"}))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error());
    answers.push(("path", response.text().await.unwrap()));
    let mut child = server.child;
    child.kill().await.unwrap();
    let log = server.log.lock().unwrap().join("\n");

    assert!(log.contains("/reports"), "the log was captured:\n{log}");
    for (case, text) in &answers {
        assert!(
            !text.contains(NUMBER) && !text.contains(RESIDENT),
            "{case}: the value is echoed: {text}"
        );
    }
    for (name, value) in [("the number", NUMBER), ("the resident number", RESIDENT)] {
        let line = log.lines().find(|l| l.contains(value));
        assert!(line.is_none(), "{name} is in the log: {line:?}");
    }
    let reason_error = &answers[1].1;
    assert!(
        reason_error.contains("reason"),
        "the error names the field: {reason_error}"
    );
}

/// The real binary on a fresh database in `dir`, logging at trace level, so
/// a test can grep everything it writes.
async fn binary_logging_everything(dir: &std::path::Path) -> RunningBinary {
    let database_url = database_url(dir).await;
    start_binary(
        dir,
        &[
            ("DATABASE_URL", &database_url),
            ("RUST_LOG", "trace"),
            ("RATE_LIMITS", "off"),
        ],
    )
    .await
}
