//! Threads stay coherent: closed threads take no replies, `total` counts
//! exactly the comments the listing shows, and a tombstone names nobody.

use serde_json::{Value, json};

use crate::helpers::{
    Comment, CommentAnswer, DEMO_ARTICLE, Page, TestApp, TestUser, Thread, parse, problem,
};

const LIST: &str = "/api/v1/articles/putin-north-korea-signal/comments";
/// Held by the standards policy: a phone number.
const PHONE: &str = "call me on 010-1234-5678";

async fn reply(app: &TestApp, user: &TestUser, parent: &str, body: &str) -> reqwest::Response {
    app.reply(user, DEMO_ARTICLE, parent, body).await
}

async fn replied(app: &TestApp, user: &TestUser, parent: &str, body: &str) -> Comment {
    let response = reply(app, user, parent, body).await;
    assert_eq!(response.status(), 201, "reply {body:?}");
    parse::<CommentAnswer>(response).await.comment
}

async fn decide(app: &TestApp, moderator: &TestUser, id: &str, decision: Value) {
    let response = app.decide(moderator, id, &decision).await;
    assert_eq!(response.status(), 200, "{decision} on {id}");
}

/// The listing as `viewer` sees it (anonymous when `None`): its `total`, and
/// the published comments it shows (a tombstone is no comment, and the
/// viewer's own pending ones are shown marked, not counted).
async fn total_and_shown(app: &TestApp, viewer: Option<&TestUser>) -> (u64, usize) {
    let path = format!("{LIST}?limit=100");
    let response = match viewer {
        Some(user) => app.get_as(user, &path).await,
        None => app.get(&path).await,
    };
    assert_eq!(response.status(), 200);
    let list: Page<Thread> = parse(response).await;
    assert_eq!(list.next_cursor, None, "one page holds them all");
    let mut shown = 0;
    for thread in &list.items {
        shown += usize::from(thread.comment.status == "published");
        shown += thread
            .replies
            .iter()
            .filter(|r| r.status == "published")
            .count();
    }
    (list.total.expect("a total"), shown)
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

    let post = |body| app.published_comment(&author, DEMO_ARTICLE, body);
    let rejected = post("to be rejected").await.id;
    replied(&app, &replier, &rejected, "reply one").await;
    replied(&app, &replier, &rejected, "reply two").await;
    let hidden = post("to be hidden").await.id;
    replied(&app, &replier, &hidden, "reply three").await;
    let kept = post("kept").await.id;
    let tombstone = post("to be deleted").await.id;
    replied(&app, &replier, &tombstone, "reply four").await;
    assert_total_is_shown(&app, &viewers, "all published").await;

    let reject = json!({"action": "reject", "reason": "abuse"});
    decide(&app, &moderator, &rejected, reject).await;
    assert_total_is_shown(&app, &viewers, "a thread rejected").await;

    let reported = app
        .post_as(
            &moderator,
            &format!("/api/v1/comments/{hidden}/reports"),
            &json!({"reason": "spam"}),
        )
        .await;
    assert_eq!(reported.status(), 202);
    assert_total_is_shown(&app, &viewers, "a thread hidden by reports").await;

    let deleted = app
        .delete_as(&author, &format!("/api/v1/comments/{tombstone}"))
        .await;
    assert_eq!(deleted.status(), 204);
    assert_total_is_shown(&app, &viewers, "a tombstone").await;

    let response = app.comment(&replier, DEMO_ARTICLE, PHONE).await;
    assert_eq!(response.status(), 202);
    assert_total_is_shown(&app, &viewers, "the replier's own pending comment").await;
    let pending = json!({"body": format!("a reply: {PHONE}"), "parent_id": kept});
    assert_eq!(app.post_as(&replier, LIST, &pending).await.status(), 202);
    assert_total_is_shown(&app, &viewers, "a pending reply").await;

    let overturn = json!({"action": "approve", "version": 2});
    decide(&app, &moderator, &rejected, overturn).await;
    decide(&app, &moderator, &hidden, json!({"action": "approve"})).await;
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
        .published_comment(&author, DEMO_ARTICLE, "said and unsaid")
        .await;
    replied(&app, &replier, &top.id, "an answer").await;
    let path = format!("/api/v1/comments/{}", top.id);
    assert_eq!(app.delete_as(&author, &path).await.status(), 204);

    let list = app.threads(LIST).await;
    let single = parse::<CommentAnswer>(app.get(&path).await).await.comment;

    for (shown, where_) in [(&list.items[0].comment, "listing"), (&single, "GET")] {
        assert_eq!(shown.status, "deleted", "{where_}");
        let named = (shown.author.id.as_str(), shown.author.display_name.as_str());
        assert_eq!(named, ("", ""), "{where_}");
    }
    assert_eq!(list.items[0].replies[0].author.id, replier.id);
}

#[tokio::test]
async fn a_closed_thread_takes_no_replies() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let replier = app.reader().await;
    let rejected = app
        .published_comment(&author, DEMO_ARTICLE, "soon rejected")
        .await;
    let under_rejected = replied(&app, &replier, &rejected.id, "an early reply").await;
    let deleted = app
        .published_comment(&author, DEMO_ARTICLE, "soon deleted")
        .await;
    let under_deleted = replied(&app, &replier, &deleted.id, "another reply").await;
    let reject = json!({"action": "reject", "reason": "abuse"});
    decide(&app, &moderator, &rejected.id, reject).await;
    let path = format!("/api/v1/comments/{}", deleted.id);
    assert_eq!(app.delete_as(&author, &path).await.status(), 204);

    let cases = [
        (&rejected, "the rejected comment"),
        (&under_rejected, "a reply under the rejected comment"),
        (&deleted, "the tombstone"),
        (&under_deleted, "a reply under the tombstone"),
    ];
    for (parent, why) in cases {
        let response = reply(&app, &replier, &parent.id, "still talking").await;
        assert_eq!(response.status(), 409, "{why}");
        problem(response, 409, "comment_closed").await;
    }
}
