//! Snapshots of error and listing bodies: the shape clients rely on. Ids,
//! times and cursors are redacted so a snapshot holds across runs; every other
//! value, messages included, must stay exactly as it is.

use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use comment_desk::domain::policy::FloodLimit;
use insta::internals::{Content, Redaction};
use insta::{assert_json_snapshot, dynamic_redaction};
use reqwest::Response;
use serde_json::{Value, json};

use crate::helpers::{DEMO_ARTICLE, PASSWORD, TestApp, TestUser, assert_problem, json_body};

const LIST: &str = "/api/v1/articles/putin-north-korea-signal/comments";
const QUEUE: &str = "/api/v1/moderation/queue";
const LOG: &str = "/api/v1/moderation/log";
/// Held by the standards policy: a phone number.
const PHONE: &str = "call me on 010-1234-5678";
/// Refused by the standards policy: a banned term.
const BANNED: &str = "씨발 이게 뭐냐";

/// Redacts an id that may be null (a parent id), keeping the null visible.
fn some_id() -> Redaction {
    dynamic_redaction(|value: Content, _| {
        if value.is_nil() {
            value
        } else {
            Content::from("[id]")
        }
    })
}

/// Redacts the numbers in a text (a wait that counts down), keeping the words.
fn without_numbers() -> Redaction {
    dynamic_redaction(|value: Content, _| {
        let text = value.as_str().expect("a text").to_owned();
        let mut redacted = String::new();
        for c in text.chars() {
            match c.is_ascii_digit() {
                true if redacted.ends_with("[n]") => {}
                true => redacted.push_str("[n]"),
                false => redacted.push(c),
            }
        }
        Content::from(redacted)
    })
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("a string id").to_owned()
}

fn sanctions_path(user: &TestUser) -> String {
    format!("/api/v1/moderation/users/{}/sanctions", user.id)
}

fn decision_path(id: &str) -> String {
    format!("/api/v1/moderation/comments/{id}/decision")
}

/// Posts a comment in the language `lang`.
async fn post_in(app: &TestApp, user: Option<&TestUser>, body: &str, lang: &str) -> Response {
    let mut request = app
        .client
        .post(app.url(LIST))
        .header("accept-language", lang)
        .json(&json!({"body": body}));
    if let Some(user) = user {
        request = request.bearer_auth(&user.token);
    }
    request.send().await.unwrap()
}

async fn held(app: &TestApp, user: &TestUser, body: &str) -> Value {
    let response = app.comment(user, DEMO_ARTICLE, body).await;
    assert_eq!(response.status(), 202, "held {body:?}");
    json_body(response).await["comment"].clone()
}

async fn reply(app: &TestApp, user: &TestUser, parent: &Value, body: &str) {
    let answer = app
        .post_as(
            user,
            LIST,
            &json!({"body": body, "parent_id": parent["id"]}),
        )
        .await;
    assert_eq!(answer.status(), 201, "reply {body:?}");
}

#[tokio::test]
async fn errors_when_posting() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let reader = app.reader().await;
    app.article(&moderator, "closed-one", json!({"comments_open": false}))
        .await;

    let anonymous = app.post_json(LIST, &json!({"body": "hello"})).await;
    let banned = app.comment(&reader, DEMO_ARTICLE, BANNED).await;
    let long = app.comment(&reader, DEMO_ARTICLE, &"가".repeat(251)).await;
    let empty = app.comment(&reader, DEMO_ARTICLE, " \u{200B}\n ").await;
    let bidi = app.comment(&reader, DEMO_ARTICLE, "abc\u{202E}def").await;
    let missing = app.comment(&reader, "no-such-article", "hello").await;
    let closed = app.comment(&reader, "closed-one", "hello").await;

    let unauthenticated = assert_problem(anonymous, 401, "unauthenticated").await;
    assert_json_snapshot!("unauthenticated", unauthenticated);
    let violation = assert_problem(banned, 422, "policy_violation").await;
    assert_json_snapshot!("policy_violation", violation);
    let too_long = assert_problem(long, 422, "comment_too_long").await;
    assert_json_snapshot!("comment_too_long", too_long);
    let empty = assert_problem(empty, 422, "comment_empty").await;
    assert_json_snapshot!("comment_empty", empty);
    let bidi = assert_problem(bidi, 422, "comment_invalid_characters").await;
    assert_json_snapshot!("comment_invalid_characters", bidi);
    let missing = assert_problem(missing, 404, "article_not_found").await;
    assert_json_snapshot!("article_not_found", missing);
    let closed = assert_problem(closed, 409, "comments_closed").await;
    assert_json_snapshot!("comments_closed", closed);
}

#[tokio::test]
async fn errors_in_korean() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;

    let anonymous = post_in(&app, None, "안녕하세요", "ko").await;
    let banned = post_in(&app, Some(&reader), BANNED, "ko").await;

    let unauthenticated = assert_problem(anonymous, 401, "unauthenticated").await;
    assert_json_snapshot!("unauthenticated_ko", unauthenticated);
    let violation = assert_problem(banned, 422, "policy_violation").await;
    assert_json_snapshot!("policy_violation_ko", violation);
}

#[tokio::test]
async fn rate_limited() {
    let app = TestApp::spawn_with(|s| {
        s.rate_limits = true;
        s.validate_limit = FloodLimit {
            count: 1,
            per: Duration::from_secs(3600),
        };
    })
    .await;
    let body = json!({"body": "안녕하세요"});
    let first = app.post_json("/api/v1/comments/validate", &body).await;
    assert_eq!(first.status(), 200);

    let second = app.post_json("/api/v1/comments/validate", &body).await;

    let problem = assert_problem(second, 429, "rate_limited").await;
    assert_json_snapshot!("rate_limited", problem, {".detail" => without_numbers()});
}

#[tokio::test]
async fn errors_of_the_request_itself() {
    let app = TestApp::spawn().await;
    let validate = app.url("/api/v1/comments/validate");

    let malformed = app
        .client
        .post(&validate)
        .header("content-type", "application/json")
        .body(r#"{"body": "hi""#)
        .send()
        .await
        .unwrap();
    let plain = app
        .client
        .post(&validate)
        .header("content-type", "text/plain")
        .body(r#"{"body": "hi"}"#)
        .send()
        .await
        .unwrap();
    let unknown = app.get("/api/v1/nope").await;

    let invalid_json = assert_problem(malformed, 400, "invalid_json").await;
    assert_json_snapshot!("invalid_json", invalid_json);
    let media = assert_problem(plain, 415, "unsupported_media_type").await;
    assert_json_snapshot!("unsupported_media_type", media);
    let not_found = assert_problem(unknown, 404, "not_found").await;
    assert_json_snapshot!("not_found", not_found);
}

#[tokio::test]
async fn errors_of_accounts() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;

    let taken = app.register(&reader.email, "Test Reader", PASSWORD).await;
    let wrong = app.login(&reader.email, "not the password at all").await;

    let taken = assert_problem(taken, 409, "email_taken").await;
    assert_json_snapshot!("email_taken", taken);
    let wrong = assert_problem(wrong, 401, "invalid_credentials").await;
    assert_json_snapshot!("invalid_credentials", wrong);
}

#[tokio::test]
async fn errors_of_moderation() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let reader = app.reader().await;
    let id = id_of(&held(&app, &reader, PHONE).await);

    let as_reader = app.get_as(&reader, QUEUE).await;
    let no_reason = app
        .post_as(
            &moderator,
            &decision_path(&id),
            &json!({"action": "reject"}),
        )
        .await;
    let state = app.get_as(&moderator, &format!("{QUEUE}?state=open")).await;
    let cursor = app
        .get_as(&moderator, &format!("{LOG}?cursor=garbage"))
        .await;
    let unknown = app
        .decide(&moderator, "424242", &json!({"action": "approve"}))
        .await;

    let forbidden = assert_problem(as_reader, 403, "forbidden").await;
    assert_json_snapshot!("forbidden", forbidden);
    let invalid = assert_problem(no_reason, 422, "invalid_request").await;
    assert_json_snapshot!("invalid_request", invalid);
    let query = assert_problem(state, 400, "invalid_query").await;
    assert_json_snapshot!("invalid_query", query);
    let cursor = assert_problem(cursor, 400, "invalid_cursor").await;
    assert_json_snapshot!("invalid_cursor", cursor);
    let unknown = assert_problem(unknown, 404, "comment_not_found").await;
    assert_json_snapshot!("comment_not_found", unknown);
}

#[tokio::test]
async fn already_decided_carries_the_comment() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let published = app.published(&author, DEMO_ARTICLE, "left as it is").await;

    let again = app
        .decide(
            &moderator,
            &id_of(&published),
            &json!({"action": "approve"}),
        )
        .await;

    let problem = assert_problem(again, 409, "already_decided").await;
    assert_json_snapshot!("already_decided", problem, {
        ".comment.id" => "[id]",
        ".comment.author.id" => "[id]",
        ".comment.created_at" => "[time]",
    });
}

#[tokio::test]
async fn already_reported() {
    let app = TestApp::spawn().await;
    let author = app.reader().await;
    let reader = app.reader().await;
    let id = id_of(&app.published(&author, DEMO_ARTICLE, "report me").await);
    let path = format!("/api/v1/comments/{id}/reports");
    let first = app
        .post_as(&reader, &path, &json!({"reason": "spam"}))
        .await;
    assert_eq!(first.status(), 202);

    let second = app
        .post_as(&reader, &path, &json!({"reason": "spam"}))
        .await;

    let problem = assert_problem(second, 409, "already_reported").await;
    assert_json_snapshot!("already_reported", problem);
}

#[tokio::test]
async fn errors_of_sanctions() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let suspended = app.reader().await;
    let banned = app.reader().await;
    let until = (Utc::now() + chrono::Duration::days(3)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let none = app.delete_as(&moderator, &sanctions_path(&suspended)).await;
    let unknown = app
        .post_as(
            &moderator,
            "/api/v1/moderation/users/999999/sanctions",
            &json!({"kind": "ban", "reason": "spam"}),
        )
        .await;
    let suspension = json!({"kind": "suspend", "until": until, "reason": "abuse"});
    let ban = json!({"kind": "ban", "reason": "spam"});
    for (user, body) in [(&suspended, suspension), (&banned, ban)] {
        let given = app.post_as(&moderator, &sanctions_path(user), &body).await;
        assert_eq!(given.status(), 201, "{body}");
    }

    let while_suspended = app
        .comment(&suspended, DEMO_ARTICLE, "while suspended")
        .await;
    let while_banned = app.comment(&banned, DEMO_ARTICLE, "after the ban").await;

    let none = assert_problem(none, 404, "sanction_not_found").await;
    assert_json_snapshot!("sanction_not_found", none);
    let unknown = assert_problem(unknown, 404, "user_not_found").await;
    assert_json_snapshot!("user_not_found", unknown);
    let problem = assert_problem(while_suspended, 403, "account_suspended").await;
    assert_json_snapshot!("account_suspended", problem, {".until" => "[time]"});
    let problem = assert_problem(while_banned, 403, "account_banned").await;
    assert_json_snapshot!("account_banned", problem);
}

#[tokio::test]
async fn an_articles_first_page_with_threads_and_replies() {
    let app = TestApp::spawn().await;
    let author = app.reader().await;
    let replier = app.reader().await;
    let first = app
        .published(&author, DEMO_ARTICLE, "the treaty changes little")
        .await;
    reply(&app, &replier, &first, "it changes the supply lines").await;
    reply(&app, &author, &first, "only on paper").await;
    app.published(&replier, DEMO_ARTICLE, "a later, separate view")
        .await;

    let page = app.list(LIST).await;

    assert_json_snapshot!("article_first_page", page, {
        ".comments[].id" => "[id]",
        ".comments[].author.id" => "[id]",
        ".comments[].created_at" => "[time]",
        ".comments[].replies[].id" => "[id]",
        ".comments[].replies[].parent_id" => some_id(),
        ".comments[].replies[].author.id" => "[id]",
        ".comments[].replies[].created_at" => "[time]",
    });
}

#[tokio::test]
async fn a_page_with_a_next_cursor() {
    let app = TestApp::spawn().await;
    let author = app.reader().await;
    for text in ["the first view", "the second view", "the third view"] {
        app.published(&author, DEMO_ARTICLE, text).await;
    }

    let page = app.list(&format!("{LIST}?limit=2")).await;

    assert_json_snapshot!("article_page_with_next_cursor", page, {
        ".comments[].id" => "[id]",
        ".comments[].author.id" => "[id]",
        ".comments[].created_at" => "[time]",
        ".next_cursor" => "[cursor]",
    });
}

#[tokio::test]
async fn the_moderation_queue() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let parent = app
        .published(&author, DEMO_ARTICLE, "the treaty changes little")
        .await;
    held(&app, &author, PHONE).await;
    let reply = app
        .post_as(
            &author,
            LIST,
            &json!({"body": "그 사람은 정말 멍청이다", "parent_id": parent["id"]}),
        )
        .await;
    assert_eq!(reply.status(), 202);

    let page = json_body(app.get_as(&moderator, QUEUE).await).await;

    assert_json_snapshot!("moderation_queue", page, {
        ".items[].comment.id" => "[id]",
        ".items[].comment.parent_id" => some_id(),
        ".items[].comment.author.id" => "[id]",
        ".items[].comment.created_at" => "[time]",
        ".items[].author.created_at" => "[time]",
        ".items[].parent.id" => "[id]",
        ".items[].parent.author.id" => "[id]",
        ".items[].parent.created_at" => "[time]",
        ".items[].author.id" => "[id]",
    });
}

#[tokio::test]
async fn the_moderation_log() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let id = id_of(&held(&app, &author, PHONE).await);
    let refused = app.comment(&author, DEMO_ARTICLE, BANNED).await;
    assert_eq!(refused.status(), 422);
    let decision =
        json!({"action": "reject", "reason": "personal_information", "note": "a phone number"});
    let rejected = app.decide(&moderator, &id, &decision).await;
    assert_eq!(rejected.status(), 200);

    let log = json_body(app.get_as(&moderator, LOG).await).await;

    assert_json_snapshot!("moderation_log", log, {
        ".entries[].id" => "[id]",
        ".entries[].at" => "[time]",
        ".entries[].moderator.id" => "[id]",
        ".entries[].target.id" => "[id]",
    });
}
