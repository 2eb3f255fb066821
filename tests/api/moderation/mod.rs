//! Moderation over HTTP, one file per concern; the helpers they share are here.

mod decisions;
mod desk;
mod editorial_settings;
mod edits;
mod featured;
mod log;
mod notes;
mod queue;
mod reader_reports;
mod roles;
mod sanctions;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use comment_desk::domain::accounts::Role;
use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::helpers::{
    CommentAnswer, DEMO_ARTICLE, Page, QueueItem, TestApp, TestUser, assert_problem, json_body,
    listed_ids, parse, problem,
};

const LIST: &str = "/api/v1/articles/putin-north-korea-signal/comments";
/// Held by the standards policy: a phone number.
const PHONE: &str = "call me on 010-1234-5678";
const DECISIONS: [&str; 3] = ["approve", "reject", "delete"];

/// The comment ids of a queue page.
fn queued_ids(page: &Page<QueueItem>) -> Vec<String> {
    page.ids(|item| &item.comment.id)
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

/// A queue page as raw JSON, to compare whole pages.
async fn queue(app: &TestApp, moderator: &TestUser, query: &str) -> Value {
    let response = app
        .get_as(moderator, &format!("/api/v1/moderation/queue{query}"))
        .await;
    assert_eq!(response.status(), 200, "queue{query}");
    json_body(response).await
}

async fn report(app: &TestApp, reader: &TestUser, id: &str, reason: &str) -> Response {
    app.post_as(reader, &reports_path(id), &json!({"reason": reason}))
        .await
}

async fn patch_as(app: &TestApp, user: &TestUser, id: &str, body: &str) -> Response {
    app.edit_as(user, id, body).await
}
