//! An attacker's view of readers' data rights: cross-site deletes, replayed
//! tokens, racing deletes and posts, export floods, staff deleting themselves.

use futures_util::future::join_all;
use serde_json::json;

use crate::data_rights::{EXPORT, ME, delete_me};
use crate::helpers::{DEMO_ARTICLE, PASSWORD, TestApp, assert_problem, json_body};
use comment_desk::domain::accounts::Role;

#[tokio::test]
async fn a_cross_site_delete_with_the_cookie_is_refused() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    let response = app
        .client
        .delete(app.url(ME))
        .header("cookie", format!("comment_desk_session={}", reader.token))
        .header("origin", "https://evil.example")
        .json(&json!({"password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_problem(response, 403, "cross_site_request").await;
    assert_eq!(app.get_as(&reader, ME).await.status(), 200);
}

#[tokio::test]
async fn a_deleted_accounts_token_opens_nothing() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    assert_eq!(
        delete_me(&app, &reader, json!({"password": PASSWORD}))
            .await
            .status(),
        204
    );
    assert_problem(app.get_as(&reader, ME).await, 401, "unauthenticated").await;
    assert_problem(app.get_as(&reader, EXPORT).await, 401, "unauthenticated").await;
    let post = app
        .comment(&reader, DEMO_ARTICLE, "죽은 토큰으로 쓴 글")
        .await;
    assert_problem(post, 401, "unauthenticated").await;
    let again = delete_me(&app, &reader, json!({"password": PASSWORD})).await;
    assert_problem(again, 401, "unauthenticated").await;
}

#[tokio::test]
async fn two_deletes_at_once_erase_once_and_never_fail() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    let tries = (0..4).map(|_| delete_me(&app, &reader, json!({"password": PASSWORD})));
    let statuses: Vec<u16> = join_all(tries)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 204).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| [204, 401].contains(s)),
        "{statuses:?}"
    );
    let admin = app.staff(Role::Admin).await;
    let erasures = app
        .log(&admin)
        .await
        .into_iter()
        .filter(|l| l.action == "account_erased")
        .count();
    assert_eq!(erasures, 1);
}

#[tokio::test]
async fn posts_in_flight_during_a_delete_leave_no_comment_behind() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    let bodies: Vec<String> = (0..20).map(|n| format!("경주하는 댓글 {n}")).collect();
    let posts = bodies.iter().map(|b| app.comment(&reader, DEMO_ARTICLE, b));
    let delete = delete_me(&app, &reader, json!({"password": PASSWORD}));
    let (posts, deleted) = tokio::join!(join_all(posts), delete);
    assert_eq!(deleted.status(), 204);
    for post in posts {
        let status = post.status().as_u16();
        assert!([201, 401].contains(&status), "{status}");
    }
    let listing = app
        .list(&format!("/api/v1/articles/{DEMO_ARTICLE}/comments"))
        .await
        .to_string();
    assert!(!listing.contains("경주하는 댓글"), "{listing}");
}

#[tokio::test]
async fn exports_are_limited_per_account() {
    let app = TestApp::spawn_with(|s| s.rate_limits = true).await;
    let reader = app.reader().await;
    let other = app.reader().await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(app.get_as(&reader, EXPORT).await.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 429, 429, 429]);
    let refused = app.get_as(&reader, EXPORT).await;
    assert!(refused.headers().contains_key("retry-after"));
    assert_problem(refused, 429, "rate_limited").await;
    assert_eq!(
        app.get_as(&other, EXPORT).await.status(),
        200,
        "another reader's own limit"
    );
}

#[tokio::test]
async fn another_readers_data_never_reaches_an_export() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    let other = app.reader().await;
    app.published(&other, DEMO_ARTICLE, "비밀스러운 남의 글 secret-of-other")
        .await;
    // Ids and odd queries in the path or query change nothing: the export is the caller's.
    for path in [
        format!("{EXPORT}?account_id={}", other.id),
        format!("{EXPORT}?id={}", other.id),
    ] {
        let text = app.get_as(&reader, &path).await.text().await.unwrap();
        assert!(!text.contains("secret-of-other"), "{path}");
        assert!(!text.contains(&other.email), "{path}");
    }
    let export = json_body(app.get_as(&reader, EXPORT).await).await;
    assert_eq!(export["account"]["id"], reader.id);
}

#[tokio::test]
async fn the_last_admin_cannot_delete_itself_but_a_moderator_can() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let response = delete_me(&app, &admin, json!({"password": PASSWORD})).await;
    assert_problem(response, 409, "last_admin").await;
    assert_eq!(app.get_as(&admin, ME).await.status(), 200);
    let moderator = app.moderator().await;
    let response = delete_me(&app, &moderator, json!({"password": PASSWORD})).await;
    assert_eq!(response.status(), 204);
    let second = app.staff_named(Role::Admin, "Second Admin").await;
    let response = delete_me(&app, &admin, json!({"password": PASSWORD})).await;
    assert_eq!(response.status(), 204, "another admin remains");
    assert_eq!(app.get_as(&second, ME).await.status(), 200);
}
