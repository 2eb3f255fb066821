//! Moderation over HTTP, one file per concern; the helpers they share are here.

mod decisions;
mod editorial_settings;
mod edits;
mod log;
mod queue;
mod reader_reports;
mod roles;
mod sanctions;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use comment_desk::auth::Role;
use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::helpers::{
    CommentAnswer, DEMO_ARTICLE, Page, TestApp, TestUser, assert_problem, json_body, listed_ids,
    parse, problem,
};

const LIST: &str = "/api/v1/articles/putin-north-korea-signal/comments";
/// Held by the standards policy: a phone number.
const PHONE: &str = "call me on 010-1234-5678";
const DECISIONS: [&str; 3] = ["approve", "reject", "delete"];

fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("a string id").to_owned()
}

fn rules_of(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("a list of rules")
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect()
}

/// The comment ids of a queue page.
fn queued(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| id_of(&item["comment"]))
        .collect()
}

fn comment_path(id: &str) -> String {
    format!("/api/v1/comments/{id}")
}

fn reports_path(id: &str) -> String {
    format!("/api/v1/comments/{id}/reports")
}

fn sanctions_path(user: &TestUser) -> String {
    format!("/api/v1/moderation/users/{}/sanctions", user.id)
}

fn role_path(user: &TestUser) -> String {
    format!("/api/v1/admin/users/{}/role", user.id)
}

fn in_days(days: i64) -> String {
    (Utc::now() + Duration::days(days)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn time(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().unwrap_or_else(|| panic!("a time: {value}")))
        .unwrap_or_else(|e| panic!("{value} is not RFC 3339: {e}"))
        .with_timezone(&Utc)
}

async fn queue(app: &TestApp, moderator: &TestUser, query: &str) -> Value {
    let response = app
        .get_as(moderator, &format!("/api/v1/moderation/queue{query}"))
        .await;
    assert_eq!(response.status(), 200, "queue{query}");
    json_body(response).await
}

async fn decide(app: &TestApp, moderator: &TestUser, id: &str, decision: Value) -> Response {
    app.decide(moderator, id, &decision).await
}

/// A decision that must succeed; returns the comment it answers with.
async fn decided(app: &TestApp, moderator: &TestUser, id: &str, decision: Value) -> Value {
    let response = decide(app, moderator, id, decision.clone()).await;
    let status = response.status();
    let body = json_body(response).await;
    assert_eq!(status, 200, "{decision} on {id}: {body}");
    body["comment"].clone()
}

async fn report(app: &TestApp, reader: &TestUser, id: &str, reason: &str) -> Response {
    app.post_as(reader, &reports_path(id), &json!({"reason": reason}))
        .await
}

async fn patch_as(app: &TestApp, user: &TestUser, id: &str, body: &str) -> Response {
    app.edit_as(user, id, body).await
}

/// The whole log, newest first, read page by page.
async fn log_entries(app: &TestApp, moderator: &TestUser) -> Vec<Value> {
    let mut entries = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..50 {
        let mut path = "/api/v1/moderation/log?limit=100".to_owned();
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let response = app.get_as(moderator, &path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        let page = json_body(response).await;
        entries.extend(page["entries"].as_array().expect("entries").iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return entries,
        }
    }
    panic!("the log never reached its last page")
}
