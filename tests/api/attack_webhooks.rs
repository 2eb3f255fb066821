//! The attacker's view of webhooks: hostile receivers, callers without the
//! admin role, odd ids, and a flood of posts while the endpoint is dead.

use std::time::{Duration, Instant};

use comment_desk::domain::accounts::Role;
use serde_json::json;

use crate::helpers::{DEMO_ARTICLE, assert_problem, json_body};
use crate::receiver::{Mode, Receiver};
use crate::webhooks::app_sending_to;

#[tokio::test]
async fn redirects_huge_bodies_hangs_and_trickles_are_failures_that_end() {
    let elsewhere = Receiver::start(Mode::Accept).await;
    let cases = [
        ("redirect", Mode::Redirect(elsewhere.url.clone()), Some(307)),
        ("huge body", Mode::Huge(50 * 1024 * 1024), Some(200)),
        ("hang", Mode::Hang, None),
        // A 2xx head is an answer: the trickling body is cut at the timeout.
        ("trickle", Mode::Trickle, Some(200)),
    ];
    for (what, mode, status) in cases {
        let receiver = Receiver::start(mode).await;
        let app = app_sending_to(&receiver).await;
        let (author, admin) = (app.reader().await, app.staff(Role::Admin).await);
        app.published(&author, DEMO_ARTICLE, "공격자의 수신기")
            .await;

        // The timeout is 2 s: every attempt ends within it.
        tokio::time::sleep(Duration::from_secs(4)).await;
        let log = json_body(
            app.get_as(&admin, "/api/v1/admin/webhooks/deliveries")
                .await,
        )
        .await;
        let row = &log["deliveries"][0];
        match status {
            Some(200) => assert_eq!(
                row["state"], "delivered",
                "{what}: a 2xx head counts; the body is read only in part: {row}"
            ),
            Some(code) => {
                assert_eq!(row["last_status"], code, "{what}: {row}");
                assert_eq!(row["state"], "pending", "{what}: not followed");
            }
            None => {
                assert!(row["attempts"].as_i64().unwrap() >= 1, "{what}: {row}");
                assert_eq!(row["state"], "pending", "{what}: {row}");
            }
        }
    }
    assert!(elsewhere.all().is_empty(), "a redirect is never followed");
}

#[tokio::test]
async fn readers_and_moderators_cannot_read_or_redeliver() {
    let receiver = Receiver::start(Mode::Accept).await;
    let app = app_sending_to(&receiver).await;
    let (reader, moderator) = (app.reader().await, app.moderator().await);
    for user in [&reader, &moderator] {
        let list = app.get_as(user, "/api/v1/admin/webhooks/deliveries").await;
        assert_problem(list, 403, "forbidden").await;
        let again = app
            .post_as(
                user,
                "/api/v1/admin/webhooks/deliveries/1/redeliver",
                &json!({}),
            )
            .await;
        assert_problem(again, 403, "forbidden").await;
    }
    let anonymous = app.get("/api/v1/admin/webhooks/deliveries").await;
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn odd_ids_on_redeliver_are_not_found() {
    let receiver = Receiver::start(Mode::Accept).await;
    let app = app_sending_to(&receiver).await;
    let admin = app.staff(Role::Admin).await;
    for id in [
        "0",
        "-1",
        "abc",
        "99999999",
        "1e3",
        "9223372036854775808",
        "%20",
        "1%00",
    ] {
        let path = format!("/api/v1/admin/webhooks/deliveries/{id}/redeliver");
        let answer = app.post_as(&admin, &path, &json!({})).await;
        assert_problem(answer, 404, "not_found").await;
    }
    let bad_cursor = app
        .get_as(&admin, "/api/v1/admin/webhooks/deliveries?cursor=xyz")
        .await;
    assert_problem(bad_cursor, 400, "invalid_cursor").await;
}

#[tokio::test]
async fn a_flood_of_posts_with_a_dead_endpoint_stays_fast_and_is_kept() {
    let receiver = Receiver::start(Mode::Hang).await;
    let app = app_sending_to(&receiver).await;
    let (author, admin) = (app.reader().await, app.staff(Role::Admin).await);
    let started = Instant::now();
    let posts = (0..200).map(|n| {
        let (app, author) = (&app, &author);
        async move {
            app.comment(author, DEMO_ARTICLE, &format!("홍수 의견 {n}번입니다"))
                .await
                .status()
        }
    });
    let statuses = futures_util::future::join_all(posts).await;
    let took = started.elapsed();

    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    assert!(took < Duration::from_secs(10), "200 posts took {took:?}");
    let log = json_body(
        app.get_as(
            &admin,
            "/api/v1/admin/webhooks/deliveries?state=pending&limit=100",
        )
        .await,
    )
    .await;
    assert_eq!(log["deliveries"].as_array().unwrap().len(), 100);
    assert!(log["next_cursor"].is_string(), "all 200 are kept");
}
