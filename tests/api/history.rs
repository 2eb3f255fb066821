//! Public author histories (`AUTHOR_HISTORY=public`): a reader's published
//! comments across editorials with counts, 공감 received, the 30-day ratio,
//! a badge while sanctioned, and a link from each of their comments.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;

use crate::helpers::{Comment, DEMO_ARTICLE, TestApp, TestUser, assert_problem, parse};

const OTHER_ARTICLE: &str = "putin-gorbachev-path";

#[derive(Debug, Deserialize)]
struct HistoryUser {
    id: String,
    display_name: String,
    joined_at: DateTime<Utc>,
    sanctioned: bool,
}

#[derive(Debug, Deserialize)]
struct HistoryComment {
    #[serde(flatten)]
    comment: Comment,
    article_title: String,
    article_url: String,
}

#[derive(Debug, Deserialize)]
struct History {
    user: HistoryUser,
    published_count: i64,
    likes_received: i64,
    dislikes_received: i64,
    ratio_30d: Option<f64>,
    comments: Vec<HistoryComment>,
    next_cursor: Option<String>,
}

async fn public_app() -> TestApp {
    TestApp::spawn_with(|s| s.author_history_public = true).await
}

async fn history(app: &TestApp, user: &TestUser, query: &str) -> History {
    let response = app
        .get(&format!("/api/v1/users/{}/history{query}", user.id))
        .await;
    assert_eq!(response.status(), 200, "history of {}", user.id);
    parse(response).await
}

async fn like(app: &TestApp, reader: &TestUser, id: &str, kind: &str) {
    let response = app
        .put_as(
            reader,
            &format!("/api/v1/comments/{id}/reaction"),
            &json!({"kind": kind}),
        )
        .await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_history_shows_published_comments_across_editorials_with_what_they_received() {
    let app = public_app().await;
    let moderator = app.moderator().await;
    let (author, a, b) = (app.reader().await, app.reader().await, app.reader().await);
    let first = app
        .published_comment(&author, DEMO_ARTICLE, "첫 기사에 쓴 댓글")
        .await
        .id;
    let second = app
        .published_comment(&author, OTHER_ARTICLE, "둘째 기사에 쓴 댓글")
        .await
        .id;
    let rejected = app
        .published_comment(&author, DEMO_ARTICLE, "거부될 댓글")
        .await
        .id;
    app.held_comment(&author, DEMO_ARTICLE, "보류된 010-1111-2222")
        .await;
    app.decided(
        &moderator,
        &rejected,
        &json!({"action": "reject", "reason": "abuse"}),
    )
    .await;
    like(&app, &a, &first, "like").await;
    like(&app, &b, &first, "like").await;
    like(&app, &a, &second, "dislike").await;

    let shown = history(&app, &author, "").await;

    assert_eq!(shown.user.id, author.id);
    assert_eq!(shown.user.display_name, "Test Reader");
    assert!((Utc::now() - shown.user.joined_at).num_seconds() < 60);
    assert!(!shown.user.sanctioned);
    assert_eq!(
        shown.published_count, 2,
        "neither rejected nor held comments"
    );
    assert_eq!((shown.likes_received, shown.dislikes_received), (2, 1));
    let ratio = shown.ratio_30d.expect("reactions this month");
    assert!((ratio - 2.0 / 3.0).abs() < 1e-9, "ratio {ratio}");
    let ids: Vec<&str> = shown
        .comments
        .iter()
        .map(|h| h.comment.id.as_str())
        .collect();
    assert_eq!(ids, [second.as_str(), first.as_str()], "newest first");
    assert_eq!(
        shown.comments[0].article_url,
        format!("/editorials/{OTHER_ARTICLE}")
    );
    assert!(!shown.comments[0].article_title.is_empty());
    assert!(shown.next_cursor.is_none());
}

#[tokio::test]
async fn every_comment_links_its_authors_history_when_histories_are_public() {
    let public = public_app().await;
    let private = TestApp::spawn().await;
    let (author, other) = (public.reader().await, private.reader().await);
    let on_public = public
        .published_comment(&author, DEMO_ARTICLE, "공개 이력")
        .await;
    let on_private = private
        .published_comment(&other, DEMO_ARTICLE, "비공개 이력")
        .await;
    let listed = public
        .threads(&format!("/api/v1/articles/{DEMO_ARTICLE}/comments"))
        .await;

    let refused = private
        .get(&format!("/api/v1/users/{}/history", other.id))
        .await;

    let link = format!("/api/v1/users/{}/history", author.id);
    assert_eq!(on_public.author.history_url.as_deref(), Some(link.as_str()));
    assert_eq!(
        listed.items[0].comment.author.history_url.as_deref(),
        Some(link.as_str())
    );
    assert_eq!(on_private.author.history_url, None);
    assert_problem(refused, 404, "history_not_public").await;
    let followed = public.get(&link).await;
    assert_eq!(followed.status(), 200, "the link leads to the history");
}

#[tokio::test]
async fn a_sanctioned_reader_carries_the_badge_until_it_is_lifted() {
    let app = public_app().await;
    let moderator = app.moderator().await;
    let reader = app.reader().await;
    app.published_comment(&reader, DEMO_ARTICLE, "제재 전 댓글")
        .await;
    let until = (Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    app.sanctioned(
        &moderator,
        &reader,
        &json!({"kind": "suspend", "until": until, "reason": "abuse"}),
    )
    .await;

    let during = history(&app, &reader, "").await;
    let lifted = app
        .delete_as(
            &moderator,
            &format!("/api/v1/moderation/users/{}/sanctions", reader.id),
        )
        .await;
    assert!(lifted.status().is_success(), "lift: {}", lifted.status());
    let after = history(&app, &reader, "").await;

    assert!(during.user.sanctioned);
    assert!(!after.user.sanctioned);
}

#[tokio::test]
async fn a_long_history_pages_by_cursor_and_odd_ids_are_refused() {
    let app = public_app().await;
    let reader = app.reader().await;
    for n in 0..5 {
        let article = if n % 2 == 0 {
            DEMO_ARTICLE
        } else {
            OTHER_ARTICLE
        };
        app.published_comment(&reader, article, &format!("이력 댓글 {n}"))
            .await;
    }

    let first = history(&app, &reader, "?limit=2").await;
    let cursor = first.next_cursor.clone().expect("more");
    let second = history(&app, &reader, &format!("?limit=2&cursor={cursor}")).await;
    let third = history(
        &app,
        &reader,
        &format!("?limit=2&cursor={}", second.next_cursor.clone().unwrap()),
    )
    .await;
    let unknown = app.get("/api/v1/users/999999/history").await;
    let not_an_id = app.get("/api/v1/users/abc/history").await;
    let forged = app
        .get(&format!(
            "/api/v1/users/{}/history?cursor=v2:1:2:3",
            reader.id
        ))
        .await;

    let mut seen: Vec<String> = Vec::new();
    for page in [&first, &second, &third] {
        seen.extend(page.comments.iter().map(|h| h.comment.id.clone()));
    }
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!(seen.len(), 5);
    assert_eq!(unique.len(), 5);
    assert!(third.next_cursor.is_none());
    assert_eq!(first.published_count, 5);
    assert_eq!(first.ratio_30d, None, "no reactions, no ratio");
    assert_problem(unknown, 404, "user_not_found").await;
    assert_problem(not_an_id, 404, "user_not_found").await;
    assert_problem(forged, 400, "invalid_cursor").await;
}
