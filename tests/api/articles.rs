//! Editorials: the demo seeds, PUT and GET.

use serde_json::json;

use crate::helpers::{TestApp, assert_problem, json_body};

#[tokio::test]
async fn the_demo_editorials_are_registered_on_first_start() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            "putin-north-korea-signal",
            "Putin must not send the wrong signal to North Korea",
        ),
        (
            "putin-gorbachev-path",
            "Putin must take Gorbachev’s path, not Stalin's",
        ),
    ];
    for (id, title) in cases {
        let body = app.list(&format!("/api/v1/articles/{id}")).await;
        let article = &body["article"];
        assert_eq!(article["title"], title, "{id}");
        assert_eq!(article["url"], format!("/editorials/{id}"));
        assert_eq!(article["comments_open"], true);
        assert_eq!(article["premoderation"], false);
        assert_eq!(article["comment_count"], 0);
    }
}

#[tokio::test]
async fn seeding_happens_once_per_database() {
    let first = TestApp::spawn().await;
    let moderator = first.moderator().await;
    let renamed =
        json!({"title": "Renamed by the desk", "url": "/editorials/putin-gorbachev-path"});
    first
        .put_as(
            &moderator,
            "/api/v1/articles/putin-gorbachev-path",
            &renamed,
        )
        .await;

    // A second start on the same database file.
    let second = TestApp::spawn_in(first.dir, |_| {}).await;

    let body = second.list("/api/v1/articles/putin-gorbachev-path").await;
    assert_eq!(
        body["article"]["title"], "Renamed by the desk",
        "not seeded again"
    );
}

#[tokio::test]
async fn a_moderator_creates_then_updates_an_editorial() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let path = "/api/v1/articles/2024-06-editorial_1.a";

    let created = app
        .put_as(
            &moderator,
            path,
            &json!({
                "title": "A new editorial", "url": "https://news.example/2024/06/editorial",
                "published_at": "2024-06-13T09:00:00Z", "premoderation": true
            }),
        )
        .await;
    assert_eq!(created.status(), 201);
    let created = json_body(created).await["article"].clone();
    assert_eq!(created["published_at"], "2024-06-13T09:00:00Z");
    assert_eq!(created["premoderation"], true);
    assert_eq!(created["comments_open"], true, "open by default");

    let updated = app
        .put_as(
            &moderator,
            path,
            &json!({"title": "Renamed", "url": "/e/1", "comments_open": false}),
        )
        .await;
    assert_eq!(updated.status(), 200);
    let updated = json_body(updated).await["article"].clone();
    assert_eq!(updated["title"], "Renamed");
    assert_eq!(updated["comments_open"], false);
    assert_eq!(
        updated["premoderation"], true,
        "omitted fields keep their value"
    );
    assert_eq!(updated["published_at"], "2024-06-13T09:00:00Z");

    let read = app.list(path).await;
    assert_eq!(read["article"], updated);
}

#[tokio::test]
async fn only_moderators_write_editorials() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    let body = json!({"title": "T", "url": "/t"});

    let anonymous = app
        .client
        .put(app.url("/api/v1/articles/x"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let as_reader = app.put_as(&reader, "/api/v1/articles/x", &body).await;

    assert_problem(anonymous, 401, "unauthenticated").await;
    assert_problem(as_reader, 403, "forbidden").await;
    assert_problem(
        app.get("/api/v1/articles/x").await,
        404,
        "article_not_found",
    )
    .await;
}

#[tokio::test]
async fn bad_editorials_are_refused() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let long_id = "a".repeat(129);
    let cases = [
        ("ok-id", json!({"title": "", "url": "/x"}), "empty title"),
        ("ok-id", json!({"title": "   ", "url": "/x"}), "blank title"),
        (
            "ok-id",
            json!({"title": "T", "url": "javascript:alert(1)"}),
            "script url",
        ),
        (
            "ok-id",
            json!({"title": "T", "url": "//evil.example/x"}),
            "protocol-relative url",
        ),
        ("ok-id", json!({"title": "T"}), "missing url"),
        (
            "ok-id",
            json!({"title": "T", "url": "/x", "published_at": "yesterday"}),
            "bad time",
        ),
        (
            long_id.as_str(),
            json!({"title": "T", "url": "/x"}),
            "id too long",
        ),
        (
            "bad%20id",
            json!({"title": "T", "url": "/x"}),
            "space in id",
        ),
    ];
    for (id, body, why) in cases {
        let response = app
            .put_as(&moderator, &format!("/api/v1/articles/{id}"), &body)
            .await;
        assert_eq!(response.status(), 422, "{why}");
        assert_problem(response, 422, "invalid_request").await;
    }
}
