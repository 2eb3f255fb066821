//! The first page of a listing is kept ready for anonymous readers; these
//! tests prime it before every kind of write and check that the next read
//! shows the write, and that entity tags answer 304 only while nothing changed.

use serde_json::{Value, json};

use crate::helpers::{DEMO_ARTICLE, TestApp, TestUser, json_body, listed_ids};

const LIST: &str = "/api/v1/articles/putin-north-korea-signal/comments";

async fn anonymous_ids(app: &TestApp) -> Vec<String> {
    listed_ids(&app.list(LIST).await)
}

async fn decide(app: &TestApp, moderator: &TestUser, id: &str, action: &str) {
    let path = format!("/api/v1/moderation/comments/{id}/decision");
    let body = json!({"action": action, "reason": "abuse"});
    let response = app.post_as(moderator, &path, &body).await;
    assert_eq!(response.status(), 200, "{action} {id}");
}

fn id_of(answer: &Value) -> String {
    answer["comment"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_first_page_shows_every_kind_of_write_at_once() {
    let app = TestApp::spawn_with(|s| s.reports_to_hide = 1).await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let reporter = app.reader().await;
    assert!(anonymous_ids(&app).await.is_empty());

    let mut shown = Vec::new();
    for n in 0..5 {
        let posted = app
            .published(&author, DEMO_ARTICLE, &format!("의견 {n}번"))
            .await;
        shown.insert(0, posted["id"].as_str().unwrap().to_owned());
        assert_eq!(anonymous_ids(&app).await, shown, "after post {n}");
    }
    let total = app.list(LIST).await["total"].clone();
    assert_eq!(total, 5, "the total moves with the page");

    let held = json_body(
        app.comment(&author, DEMO_ARTICLE, "call me on 010-1234-5678")
            .await,
    )
    .await;
    assert_eq!(
        anonymous_ids(&app).await,
        shown,
        "a held comment is not shown"
    );
    decide(&app, &moderator, &id_of(&held), "approve").await;
    shown.insert(0, id_of(&held));
    assert_eq!(anonymous_ids(&app).await, shown, "after an approval");

    let deleted = shown.remove(0);
    let gone = app
        .delete_as(&author, &format!("/api/v1/comments/{deleted}"))
        .await;
    assert_eq!(gone.status(), 204);
    assert_eq!(anonymous_ids(&app).await, shown, "after the author deletes");

    let reported = shown.remove(0);
    let path = format!("/api/v1/comments/{reported}/reports");
    let filed = app
        .post_as(&reporter, &path, &json!({"reason": "spam"}))
        .await;
    assert_eq!(filed.status(), 202);
    assert_eq!(anonymous_ids(&app).await, shown, "after a report hides it");

    let rejected = shown.remove(0);
    decide(&app, &moderator, &rejected, "reject").await;
    assert_eq!(anonymous_ids(&app).await, shown, "after a rejection");
    assert_eq!(app.list(LIST).await["total"], shown.len());
}

async fn get_with_tag(
    app: &TestApp,
    user: Option<&TestUser>,
    tag: Option<&str>,
) -> reqwest::Response {
    let mut request = app.client.get(app.url(LIST));
    if let Some(user) = user {
        request = request.bearer_auth(&user.token);
    }
    if let Some(tag) = tag {
        request = request.header("if-none-match", tag);
    }
    request.send().await.unwrap()
}

fn etag(response: &reqwest::Response) -> String {
    response.headers()["etag"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn entity_tags_answer_304_until_the_page_changes() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    app.published(&reader, DEMO_ARTICLE, "첫 의견").await;

    for viewer in [None, Some(&reader)] {
        let first = get_with_tag(&app, viewer, None).await;
        assert_eq!(first.status(), 200);
        assert_eq!(first.headers()["cache-control"], "no-cache");
        let tag = etag(&first);

        let again = get_with_tag(&app, viewer, Some(&tag)).await;
        assert_eq!(again.status(), 304, "viewer {viewer:?}: nothing changed");
        assert_eq!(etag(&again), tag);
        assert!(again.bytes().await.unwrap().is_empty());
        let other = get_with_tag(&app, viewer, Some("\"something-else\"")).await;
        assert_eq!(other.status(), 200, "another tag gets the page");

        app.published(
            &reader,
            DEMO_ARTICLE,
            &format!("새 의견 {}", viewer.is_some()),
        )
        .await;
        let changed = get_with_tag(&app, viewer, Some(&tag)).await;
        assert_eq!(changed.status(), 200, "viewer {viewer:?}: a new comment");
        assert_ne!(etag(&changed), tag);
    }
}

async fn ids_seen_by(app: &TestApp, viewer: &TestUser) -> Vec<String> {
    let response = get_with_tag(app, Some(viewer), None).await;
    assert_eq!(response.status(), 200);
    listed_ids(&json_body(response).await)
}

#[tokio::test]
async fn a_logged_in_reader_gets_the_kept_page_only_without_comments_of_their_own_aside() {
    let app = TestApp::spawn_with(|s| s.reports_to_hide = 1).await;
    let author = app.reader().await;
    let other = app.reader().await;
    let published = app.published(&author, DEMO_ARTICLE, "공개된 의견").await;
    let public = vec![published["id"].as_str().unwrap().to_owned()];
    assert_eq!(anonymous_ids(&app).await, public, "primes the kept page");
    assert_eq!(ids_seen_by(&app, &other).await, public);

    let held = json_body(
        app.comment(&author, DEMO_ARTICLE, "연락 010-1234-5678")
            .await,
    )
    .await;
    assert_eq!(held["comment"]["status"], "pending");
    assert_eq!(
        anonymous_ids(&app).await,
        public,
        "kept page rebuilt, still public"
    );
    let mut own = vec![id_of(&held)];
    own.extend(public.clone());
    assert_eq!(
        ids_seen_by(&app, &author).await,
        own,
        "the author sees the held one"
    );
    assert_eq!(ids_seen_by(&app, &other).await, public, "nobody else does");

    let path = format!("/api/v1/comments/{}/reports", public[0]);
    let filed = app.post_as(&other, &path, &json!({"reason": "spam"})).await;
    assert_eq!(filed.status(), 202);
    assert!(anonymous_ids(&app).await.is_empty(), "hidden by the report");
    assert!(ids_seen_by(&app, &other).await.is_empty());
    assert_eq!(
        ids_seen_by(&app, &author).await,
        own,
        "hidden from all but its author"
    );
}
