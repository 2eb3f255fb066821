//! Editors' picks (편집자 추천): set and taken back by moderators, logged,
//! shown on the comment at once; and the burst signal a moderator sees when
//! fresh accounts pile reactions on a comment.

use serde_json::json;

use crate::helpers::{CommentAnswer, DEMO_ARTICLE, Page, TestApp, assert_problem, parse};

fn featured_path(id: &str) -> String {
    format!("/api/v1/moderation/comments/{id}/featured")
}

#[tokio::test]
async fn a_moderator_picks_a_comment_and_takes_the_pick_back_each_logged_once() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let id = app
        .published_comment(&author, DEMO_ARTICLE, "편집자가 고를 댓글")
        .await
        .id;
    let listing = format!("/api/v1/articles/{DEMO_ARTICLE}/comments");
    app.threads(&listing).await; // the kept first page, before the pick

    let picked = app
        .put_as(
            &moderator,
            &featured_path(&id),
            &json!({"featured": true, "note": "좋은 논점"}),
        )
        .await;
    let again = app
        .put_as(&moderator, &featured_path(&id), &json!({"featured": true}))
        .await;
    let shown = app.threads(&listing).await;
    let queue = app.queue(&moderator, "?state=featured").await;
    let unpicked = app
        .put_as(&moderator, &featured_path(&id), &json!({"featured": false}))
        .await;
    let after = app.queue(&moderator, "?state=featured").await;

    assert_eq!(picked.status(), 200);
    assert!(parse::<CommentAnswer>(picked).await.comment.featured);
    assert_eq!(again.status(), 200, "picking a pick again changes nothing");
    assert!(
        shown.items[0].comment.featured,
        "the kept page shows the pick at once"
    );
    assert_eq!(queue.ids(|i| &i.comment.id), vec![id.clone()]);
    assert!(!parse::<CommentAnswer>(unpicked).await.comment.featured);
    assert!(after.items.is_empty());
    let log = app.log(&moderator).await;
    let actions: Vec<&str> = log
        .iter()
        .filter(|e| e.target.id == id)
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(actions, ["unfeature", "feature"], "newest first, once each");
    let feature = log.iter().find(|e| e.action == "feature").unwrap();
    assert_eq!(feature.note.as_deref(), Some("좋은 논점"));
}

#[tokio::test]
async fn only_moderators_pick_and_only_published_comments() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let (author, reader) = (app.reader().await, app.reader().await);
    let id = app
        .published_comment(&author, DEMO_ARTICLE, "추천 후보")
        .await
        .id;
    let held = app
        .held_comment(&author, DEMO_ARTICLE, "연락처 010-4444-5555")
        .await
        .id;

    let by_reader = app
        .put_as(&reader, &featured_path(&id), &json!({"featured": true}))
        .await;
    let anonymous = app
        .client
        .put(app.url(&featured_path(&id)))
        .json(&json!({"featured": true}))
        .send()
        .await
        .unwrap();
    let pending = app
        .put_as(
            &moderator,
            &featured_path(&held),
            &json!({"featured": true}),
        )
        .await;
    let unknown = app
        .put_as(
            &moderator,
            &featured_path("987654"),
            &json!({"featured": true}),
        )
        .await;
    let odd = app
        .put_as(&moderator, &featured_path(&id), &json!({"featured": "yes"}))
        .await;

    assert_problem(by_reader, 403, "forbidden").await;
    assert_problem(anonymous, 401, "unauthenticated").await;
    assert_problem(pending, 409, "comment_closed").await;
    assert_problem(unknown, 404, "comment_not_found").await;
    assert!(odd.status().is_client_error());
    let comment = app.get(&format!("/api/v1/comments/{id}")).await;
    assert!(!parse::<CommentAnswer>(comment).await.comment.featured);
}

#[derive(serde::Deserialize)]
struct Reactor {
    user: crate::helpers::Author,
    kind: String,
}

#[tokio::test]
async fn fresh_accounts_piling_reactions_on_a_comment_show_in_the_queue() {
    let app = TestApp::spawn_with(|s| s.reports_to_queue = 1).await;
    let moderator = app.moderator().await;
    let (author, reporter) = (app.reader().await, app.reader().await);
    let id = app
        .published_comment(&author, DEMO_ARTICLE, "밀어주기 의심 댓글")
        .await
        .id;
    let mut crowd = Vec::new();
    for _ in 0..6 {
        let fresh = app.reader().await;
        let liked = app
            .put_as(
                &fresh,
                &format!("/api/v1/comments/{id}/reaction"),
                &json!({"kind": "like"}),
            )
            .await;
        assert_eq!(liked.status(), 200);
        crowd.push(fresh);
    }
    let report = app
        .post_as(
            &reporter,
            &format!("/api/v1/comments/{id}/reports"),
            &json!({"reason": "spam"}),
        )
        .await;
    assert!(report.status().is_success());

    let queue = app.queue(&moderator, "?state=reported").await;
    let reactors = app
        .get_as(
            &moderator,
            &format!("/api/v1/moderation/comments/{id}/reactions?limit=4"),
        )
        .await;
    let by_reader = app
        .get_as(
            &reporter,
            &format!("/api/v1/moderation/comments/{id}/reactions"),
        )
        .await;

    let item = &queue.items[0];
    assert_eq!(item.comment.id, id);
    assert_eq!((item.reactions.likes, item.reactions.dislikes), (6, 0));
    assert_eq!(
        item.reactions.from_new_accounts, 6,
        "every reactor is a day-old account"
    );
    assert_eq!(reactors.status(), 200);
    let page: Page<Reactor> = parse(reactors).await;
    let newest: Vec<String> = crowd.iter().rev().take(4).map(|u| u.id.clone()).collect();
    assert_eq!(page.ids(|r| &r.user.id), newest, "newest accounts first");
    assert!(page.items.iter().all(|r| r.kind == "like"));
    assert!(page.next_cursor.is_some(), "two more on the next page");
    assert_problem(by_reader, 403, "forbidden").await;
}
