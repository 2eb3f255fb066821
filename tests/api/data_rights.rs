//! Readers' data rights: `GET /api/v1/auth/me/export` and `DELETE /api/v1/auth/me`.

use std::time::Duration;

use chrono::Utc;
use comment_desk::config::{SsoConfig, SsoKey};
use comment_desk::domain::data_rights::CommentsOnErasure;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Response;
use serde_json::{Value, json};

use crate::helpers::{DEMO_ARTICLE, PASSWORD, TestApp, TestUser, assert_problem, json_body};

pub const ME: &str = "/api/v1/auth/me";
pub const EXPORT: &str = "/api/v1/auth/me/export";
const PLACEHOLDER: &str = "탈퇴한 회원 (Former member)";
const SSO_SECRET: &str = "the newsroom's secret, longer than 32 bytes";

pub async fn delete_me(app: &TestApp, user: &TestUser, body: Value) -> Response {
    app.client
        .delete(app.url(ME))
        .bearer_auth(&user.token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn export(app: &TestApp, user: &TestUser) -> Value {
    let response = app.get_as(user, EXPORT).await;
    assert_eq!(response.status(), 200);
    let headers = response.headers();
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert_eq!(headers["cache-control"], "no-store");
    json_body(response).await
}

/// A second session of the same account, by logging in again.
async fn second_session(app: &TestApp, user: &TestUser) -> TestUser {
    let response = app.login(&user.email, PASSWORD).await;
    assert_eq!(response.status(), 200);
    let body = json_body(response).await;
    TestUser {
        token: body["token"].as_str().unwrap().to_owned(),
        ..user.clone()
    }
}

async fn comment_id(app: &TestApp, user: &TestUser, body: &str) -> String {
    app.published(user, DEMO_ARTICLE, body).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn reply_id(app: &TestApp, user: &TestUser, parent: &str, body: &str) -> String {
    let response = app.reply(user, DEMO_ARTICLE, parent, body).await;
    assert_eq!(response.status(), 201);
    json_body(response).await["comment"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn comment(app: &TestApp, id: &str) -> Value {
    let response = app.get(&format!("/api/v1/comments/{id}")).await;
    assert_eq!(response.status(), 200);
    json_body(response).await["comment"].clone()
}

async fn comment_count(app: &TestApp) -> i64 {
    let article = app.list(&format!("/api/v1/articles/{DEMO_ARTICLE}")).await;
    article["article"]["comment_count"].as_i64().unwrap()
}

async fn react(app: &TestApp, user: &TestUser, id: &str, kind: &str) {
    let path = format!("/api/v1/comments/{id}/reaction");
    let response = app.put_as(user, &path, &json!({ "kind": kind })).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn the_export_holds_everything_of_the_reader_and_nothing_of_another() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    let other = app.reader().await;
    let mine = comment_id(&app, &reader, "내가 쓴 댓글입니다 mine").await;
    let theirs = comment_id(&app, &other, "다른 독자의 댓글 theirs").await;
    let deleted = comment_id(&app, &reader, "지울 댓글 to be deleted").await;
    let path = format!("/api/v1/comments/{deleted}");
    assert_eq!(app.delete_as(&reader, &path).await.status(), 204);
    react(&app, &reader, &theirs, "like").await;
    react(&app, &other, &mine, "dislike").await;
    let path = format!("/api/v1/comments/{theirs}/reports");
    let filed = app
        .post_as(&reader, &path, &json!({"reason": "spam", "note": "광고"}))
        .await;
    assert!(filed.status().is_success(), "{}", filed.status());
    let _second = second_session(&app, &reader).await;

    let data = export(&app, &reader).await;
    assert_eq!(data["account"]["id"], reader.id);
    assert_eq!(data["account"]["email"], reader.email);
    assert_eq!(data["account"]["display_name"], "Test Reader");
    assert_eq!(data["account"]["role"], "reader");
    assert_eq!(data["account"]["has_password"], true);
    let comments = data["comments"].as_array().unwrap();
    let ids: Vec<&str> = comments.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [mine.as_str(), deleted.as_str()]);
    assert_eq!(comments[0]["article_id"], DEMO_ARTICLE);
    assert!(comments[0]["article_title"].as_str().unwrap().len() > 3);
    assert_eq!(comments[0]["dislikes"], 1);
    assert_eq!(comments[1]["status"], "deleted");
    assert_eq!(data["reactions"][0]["comment_id"], theirs);
    assert_eq!(data["reactions"].as_array().unwrap().len(), 1);
    assert_eq!(data["reports"][0]["comment_id"], theirs);
    assert_eq!(data["reports"][0]["note"], "광고");
    assert_eq!(data["sessions"].as_array().unwrap().len(), 2);
    assert_eq!(data["sessions"][0]["signed_in_with"], "password");
    assert_eq!(data["complete"], true);
    let text = data.to_string();
    assert!(!text.contains(&other.email), "another reader's email");
    assert!(!text.contains("theirs\""), "another reader's text");
    assert!(!text.contains(&reader.token), "a session token");
    assert!(!text.contains("$argon2"), "a password hash");
}

#[tokio::test]
async fn a_wrong_password_deletes_nothing() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    let id = comment_id(&app, &reader, "남아 있어야 할 댓글").await;
    let response = delete_me(&app, &reader, json!({"password": "not the password"})).await;
    assert_problem(response, 403, "wrong_password").await;
    let response = delete_me(&app, &reader, json!({})).await;
    assert_problem(response, 403, "wrong_password").await;
    assert_eq!(app.get_as(&reader, ME).await.status(), 200);
    assert_eq!(comment(&app, &id).await["status"], "published");
    assert_eq!(app.login(&reader.email, PASSWORD).await.status(), 200);
}

/// Sets up a reader with a comment replied to by another, a comment of their
/// own reacted to, and a reaction on another's; then deletes the reader.
struct Erased {
    app: TestApp,
    reader: TestUser,
    other: TestUser,
    parent: String,
    reply: String,
    liked_by_reader: String,
    count_before: i64,
}

async fn erased(comments: CommentsOnErasure) -> Erased {
    let app = TestApp::spawn_with(|s| s.deletion_comments = comments).await;
    let reader = app.reader().await;
    let other = app.reader().await;
    let parent = comment_id(&app, &reader, "지워질 사람의 댓글").await;
    let reply = reply_id(&app, &other, &parent, "그 댓글에 단 답글").await;
    let _lone = comment_id(&app, &reader, "답글 없는 댓글").await;
    let liked_by_reader = comment_id(&app, &other, "좋아요 받은 댓글").await;
    react(&app, &reader, &liked_by_reader, "like").await;
    react(&app, &other, &parent, "like").await;
    let count_before = comment_count(&app).await;
    let second = second_session(&app, &reader).await;
    let response = delete_me(&app, &reader, json!({"password": PASSWORD})).await;
    assert_eq!(response.status(), 204);
    for session in [&reader, &second] {
        assert_problem(app.get_as(session, ME).await, 401, "unauthenticated").await;
    }
    Erased {
        app,
        reader,
        other,
        parent,
        reply,
        liked_by_reader,
        count_before,
    }
}

/// What holds whichever way comments go: no way in, the email free again,
/// reactions counted, and the log and queue naming nobody.
async fn check_person_gone(e: &Erased) {
    let app = &e.app;
    assert_eq!(app.login(&e.reader.email, PASSWORD).await.status(), 401);
    let again = app.register(&e.reader.email, "새 독자", PASSWORD).await;
    assert_eq!(again.status(), 201, "the email is free again");
    let liked = comment(app, &e.liked_by_reader).await;
    assert_eq!(liked["likes"], 1, "the erased reader's like still counts");
    let admin = app.staff(comment_desk::domain::accounts::Role::Admin).await;
    let log = app.log(&admin).await;
    let erasure = log.iter().find(|l| l.action == "account_erased");
    let erasure = erasure.expect("the erasure is logged");
    assert_eq!(erasure.target.id, e.reader.id);
    let log_text = format!("{log:?}");
    assert!(!log_text.contains(&e.reader.email));
    assert!(!log_text.contains("Test Reader"), "{log_text}");
    let queue = app.get_as(&admin, "/api/v1/moderation/queue").await;
    let queue = queue.text().await.unwrap();
    assert!(!queue.contains(&e.reader.email), "{queue}");
    let user = app
        .get_as(&admin, &format!("/api/v1/moderation/users/{}", e.reader.id))
        .await;
    let user = user.text().await.unwrap();
    assert!(!user.contains(&e.reader.email), "{user}");
}

#[tokio::test]
async fn deleting_removes_the_comments_and_ends_every_session() {
    let e = erased(CommentsOnErasure::Remove).await;
    let app = &e.app;
    let parent = comment(app, &e.parent).await;
    assert_eq!(parent["status"], "deleted");
    assert_eq!(parent["body"], "");
    let reply = comment(app, &e.reply).await;
    assert_eq!(reply["status"], "published");
    assert_eq!(reply["parent_id"], e.parent);
    assert_eq!(comment_count(app).await, e.count_before - 2);
    let listing = app
        .list(&format!("/api/v1/articles/{DEMO_ARTICLE}/comments"))
        .await
        .to_string();
    assert!(!listing.contains("지워질 사람의 댓글"), "{listing}");
    assert!(!listing.contains("답글 없는 댓글"), "{listing}");
    assert!(listing.contains("그 댓글에 단 답글"), "{listing}");
    check_person_gone(&e).await;
    let _ = &e.other;
}

#[tokio::test]
async fn deleting_can_keep_the_comments_under_the_placeholder_name() {
    let e = erased(CommentsOnErasure::Anonymize).await;
    let app = &e.app;
    let parent = comment(app, &e.parent).await;
    assert_eq!(parent["status"], "published");
    assert_eq!(parent["body"], "지워질 사람의 댓글");
    assert_eq!(parent["author"]["display_name"], PLACEHOLDER);
    assert_eq!(parent["likes"], 1);
    assert_eq!(comment_count(app).await, e.count_before);
    check_person_gone(&e).await;
}

fn sso_token(sub: &str) -> String {
    let now = Utc::now().timestamp();
    let claims = json!({
        "sub": sub, "name": "구독자", "email": format!("{sub}@subscriber.example"),
        "iat": now, "exp": now + 300, "jti": uuid::Uuid::new_v4().to_string(),
    });
    let key = EncodingKey::from_secret(SSO_SECRET.as_bytes()).unwrap();
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key).unwrap()
}

pub async fn sso_app(window: Duration) -> TestApp {
    TestApp::spawn_with(|s| {
        s.login.sso = Some(SsoConfig {
            key: SsoKey::Secret(SSO_SECRET.into()),
            issuer: None,
            audience: None,
        });
        s.deletion_sign_in_window = window;
    })
    .await
}

/// Signs `sub` in by the newsroom's SSO: an account with no password.
pub async fn sso_user(app: &TestApp, sub: &str) -> TestUser {
    let response = app
        .post_json("/api/v1/auth/sso", &json!({ "token": sso_token(sub) }))
        .await;
    assert_eq!(response.status(), 200);
    let body = json_body(response).await;
    TestUser {
        id: body["user"]["id"].as_str().unwrap().to_owned(),
        email: format!("{sub}@subscriber.example"),
        token: body["token"].as_str().unwrap().to_owned(),
    }
}

#[tokio::test]
async fn an_account_without_a_password_needs_a_fresh_provider_sign_in() {
    let app = sso_app(Duration::from_secs(2)).await;
    let stale = sso_user(&app, "subscriber-1").await;
    let id = comment_id(&app, &stale, "구독자의 댓글").await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let response = delete_me(&app, &stale, json!({})).await;
    assert_problem(response, 403, "reauthentication_required").await;
    assert_eq!(comment(&app, &id).await["status"], "published");
    let fresh = sso_user(&app, "subscriber-1").await;
    assert_eq!(fresh.id, stale.id, "the same account");
    let response = delete_me(&app, &fresh, json!({"password": "anything"})).await;
    assert_eq!(response.status(), 204);
    let gone = app.get(&format!("/api/v1/comments/{id}")).await;
    assert_eq!(
        gone.status(),
        404,
        "a deleted comment without replies is gone"
    );
    for session in [&stale, &fresh] {
        assert_problem(app.get_as(session, ME).await, 401, "unauthenticated").await;
    }
    let again = sso_user(&app, "subscriber-1").await;
    assert_ne!(again.id, stale.id, "the provider identity was forgotten");
}
