//! Threads stay coherent: closed threads take no replies, `total` counts
//! exactly the comments the listing shows, and a tombstone names nobody.

use serde_json::{Value, json};

use crate::helpers::{DEMO_ARTICLE, TestApp, TestUser, json_body};

const LIST: &str = "/api/v1/articles/putin-north-korea-signal/comments";
/// Held by the standards policy: a phone number.
const PHONE: &str = "call me on 010-1234-5678";

fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("a string id").to_owned()
}

async fn reply(app: &TestApp, user: &TestUser, parent: &str, body: &str) -> reqwest::Response {
    app.post_as(user, LIST, &json!({"body": body, "parent_id": parent}))
        .await
}

async fn replied(app: &TestApp, user: &TestUser, parent: &str, body: &str) -> Value {
    let response = reply(app, user, parent, body).await;
    assert_eq!(response.status(), 201, "reply {body:?}");
    json_body(response).await["comment"].clone()
}

async fn decide(app: &TestApp, moderator: &TestUser, id: &str, decision: Value) {
    let response = app.decide(moderator, id, &decision).await;
    assert_eq!(response.status(), 200, "{decision} on {id}");
}

/// The listing as `viewer` sees it (anonymous when `None`): its `total`, and
/// the published comments it shows (a tombstone is no comment, and the
/// viewer's own pending ones are shown marked, not counted).
async fn total_and_shown(app: &TestApp, viewer: Option<&TestUser>) -> (i64, usize) {
    let path = format!("{LIST}?limit=100");
    let response = match viewer {
        Some(user) => app.get_as(user, &path).await,
        None => app.get(&path).await,
    };
    assert_eq!(response.status(), 200);
    let list = json_body(response).await;
    assert_eq!(list["next_cursor"], Value::Null, "one page holds them all");
    let mut shown = 0;
    for thread in list["comments"].as_array().unwrap() {
        shown += usize::from(thread["status"] == "published");
        let replies = thread["replies"].as_array().unwrap();
        shown += replies
            .iter()
            .filter(|r| r["status"] == "published")
            .count();
    }
    (list["total"].as_i64().unwrap(), shown)
}

async fn assert_total_is_shown(app: &TestApp, viewers: &[Option<&TestUser>], why: &str) {
    for viewer in viewers {
        let (total, shown) = total_and_shown(app, *viewer).await;
        let who = viewer.map_or("anonymous".to_owned(), |u| u.email.clone());
        assert_eq!(total as usize, shown, "{why}, seen by {who}");
    }
}

#[tokio::test]
async fn total_counts_exactly_what_the_listing_shows() {
    let app = TestApp::spawn_with(|s| s.reports_to_hide = 1).await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let replier = app.reader().await;
    let viewers = [None, Some(&author), Some(&replier)];

    let rejected = app.published(&author, DEMO_ARTICLE, "to be rejected").await;
    replied(&app, &replier, &id_of(&rejected), "reply one").await;
    replied(&app, &replier, &id_of(&rejected), "reply two").await;
    let hidden = app.published(&author, DEMO_ARTICLE, "to be hidden").await;
    replied(&app, &replier, &id_of(&hidden), "reply three").await;
    let kept = app.published(&author, DEMO_ARTICLE, "kept").await;
    let tombstone = app.published(&author, DEMO_ARTICLE, "to be deleted").await;
    replied(&app, &replier, &id_of(&tombstone), "reply four").await;
    assert_total_is_shown(&app, &viewers, "all published").await;

    let reject = json!({"action": "reject", "reason": "abuse"});
    decide(&app, &moderator, &id_of(&rejected), reject).await;
    assert_total_is_shown(&app, &viewers, "a thread rejected").await;

    let reported = app
        .post_as(
            &moderator,
            &format!("/api/v1/comments/{}/reports", id_of(&hidden)),
            &json!({"reason": "spam"}),
        )
        .await;
    assert_eq!(reported.status(), 202);
    assert_total_is_shown(&app, &viewers, "a thread hidden by reports").await;

    let deleted = app
        .delete_as(&author, &format!("/api/v1/comments/{}", id_of(&tombstone)))
        .await;
    assert_eq!(deleted.status(), 204);
    assert_total_is_shown(&app, &viewers, "a tombstone").await;

    let response = app.comment(&replier, DEMO_ARTICLE, PHONE).await;
    assert_eq!(response.status(), 202);
    assert_total_is_shown(&app, &viewers, "the replier's own pending comment").await;
    let pending = json!({"body": format!("a reply: {PHONE}"), "parent_id": id_of(&kept)});
    assert_eq!(app.post_as(&replier, LIST, &pending).await.status(), 202);
    assert_total_is_shown(&app, &viewers, "a pending reply").await;

    let overturn = json!({"action": "approve", "version": 2});
    decide(&app, &moderator, &id_of(&rejected), overturn).await;
    decide(
        &app,
        &moderator,
        &id_of(&hidden),
        json!({"action": "approve"}),
    )
    .await;
    assert_total_is_shown(&app, &viewers, "both threads back").await;
    let (total, _) = total_and_shown(&app, None).await;
    assert_eq!(
        total, 7,
        "three roots (one is a tombstone) and four replies"
    );
}

#[tokio::test]
async fn a_tombstone_does_not_name_its_author() {
    let app = TestApp::spawn().await;
    let author = app.reader().await;
    let replier = app.reader().await;
    let top = app
        .published(&author, DEMO_ARTICLE, "said and unsaid")
        .await;
    replied(&app, &replier, &id_of(&top), "an answer").await;
    let path = format!("/api/v1/comments/{}", id_of(&top));
    assert_eq!(app.delete_as(&author, &path).await.status(), 204);

    let list = app.list(LIST).await;
    let single = json_body(app.get(&path).await).await["comment"].clone();

    for (shown, where_) in [(&list["comments"][0], "listing"), (&single, "GET")] {
        assert_eq!(shown["status"], "deleted", "{where_}");
        assert_eq!(
            shown["author"],
            json!({"id": "", "display_name": ""}),
            "{where_}"
        );
    }
    assert_eq!(
        list["comments"][0]["replies"][0]["author"]["id"],
        replier.id.as_str()
    );
}

#[tokio::test]
async fn a_closed_thread_takes_no_replies() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let replier = app.reader().await;
    let rejected = app.published(&author, DEMO_ARTICLE, "soon rejected").await;
    let under_rejected = replied(&app, &replier, &id_of(&rejected), "an early reply").await;
    let deleted = app.published(&author, DEMO_ARTICLE, "soon deleted").await;
    let under_deleted = replied(&app, &replier, &id_of(&deleted), "another reply").await;
    let reject = json!({"action": "reject", "reason": "abuse"});
    decide(&app, &moderator, &id_of(&rejected), reject).await;
    let path = format!("/api/v1/comments/{}", id_of(&deleted));
    assert_eq!(app.delete_as(&author, &path).await.status(), 204);

    let cases = [
        (&rejected, "the rejected comment"),
        (&under_rejected, "a reply under the rejected comment"),
        (&deleted, "the tombstone"),
        (&under_deleted, "a reply under the tombstone"),
    ];
    for (parent, why) in cases {
        let response = reply(&app, &replier, &id_of(parent), "still talking").await;
        let status = response.status();
        let body = json_body(response).await;
        assert_eq!(status, 409, "{why}: {body}");
        assert_eq!(body["code"], "comment_closed", "{why}");
    }
}
