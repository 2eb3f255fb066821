//! Webhooks against a real HTTP receiver: signatures, every event type with
//! its data, order per comment, retries, redelivery and the delivery log.

use std::time::Duration;

use comment_desk::domain::accounts::Role;
use serde_json::{Value, json};

use crate::helpers::{DEMO_ARTICLE, TestApp, assert_problem, database_url, json_body, raw_pool};
use crate::receiver::{Mode, Receiver, signed_with};

const WAIT: Duration = Duration::from_secs(15);

/// A server sending to `receiver`, signed with a new and an old secret.
pub async fn app_sending_to(receiver: &Receiver) -> TestApp {
    let url = receiver.url.clone();
    TestApp::spawn_with(move |s| {
        s.webhooks.urls = vec![url];
        s.webhooks.secrets = vec!["whsec_new".into(), "whsec_old".into()];
        s.webhooks.retry_first = Duration::from_millis(200);
        s.webhooks.retry_max = Duration::from_secs(1);
        s.webhooks.timeout = Duration::from_secs(2);
    })
    .await
}

fn types(received: &[crate::receiver::Received]) -> Vec<String> {
    received
        .iter()
        .map(|r| r.json["type"].as_str().unwrap_or("?").to_owned())
        .collect()
}

async fn deliveries(app: &TestApp, admin: &crate::helpers::TestUser, query: &str) -> Value {
    let response = app
        .get_as(admin, &format!("/api/v1/admin/webhooks/deliveries{query}"))
        .await;
    assert_eq!(response.status(), 200, "{query}");
    json_body(response).await
}

#[tokio::test]
async fn every_event_type_arrives_signed_with_both_secrets_and_its_data() {
    let receiver = Receiver::start(Mode::Accept).await;
    let app = app_sending_to(&receiver).await;
    let (author, moderator, reporter) = (
        app.reader().await,
        app.moderator().await,
        app.reader().await,
    );

    let published = app.published(&author, DEMO_ARTICLE, "첫 의견입니다").await;
    let held = app
        .held_comment(&author, DEMO_ARTICLE, "연락처 010-1234-5678 남겨요")
        .await;
    app.decided(&moderator, &held.id, &json!({"action": "approve"}))
        .await;
    let reported = app
        .post_as(
            &reporter,
            &format!(
                "/api/v1/comments/{}/reports",
                published["id"].as_str().unwrap()
            ),
            &json!({"reason": "abuse"}),
        )
        .await;
    assert!(reported.status().is_success(), "{}", reported.status());
    let deleted = app
        .delete_as(
            &author,
            &format!("/api/v1/comments/{}", published["id"].as_str().unwrap()),
        )
        .await;
    assert!(deleted.status().is_success());
    app.sanctioned(
        &moderator,
        &reporter,
        &json!({"kind": "ban", "reason": "spam"}),
    )
    .await;
    app.article(&moderator, "new-editorial", json!({})).await;

    let received = receiver.wait_accepted(8, WAIT).await;
    let mut seen = types(&received);
    seen.sort();
    let mut expected = vec![
        "article.updated",
        "comment.decided",
        "comment.deleted",
        "comment.held",
        "comment.published",
        "comment.published",
        "comment.reported",
        "user.sanctioned",
    ];
    expected.sort();
    assert_eq!(seen, expected);
    for r in &received {
        assert!(
            signed_with(&r.signature, &r.body, "whsec_new"),
            "new secret: {}",
            r.signature
        );
        assert!(
            signed_with(&r.signature, &r.body, "whsec_old"),
            "old secret: {}",
            r.signature
        );
        assert!(!signed_with(&r.signature, &r.body, "whsec_other"));
        assert!(
            !signed_with(&r.signature, &format!("{} ", r.body), "whsec_new"),
            "body is covered"
        );
        assert!(
            r.json["id"].is_string() && r.json["at"].is_string(),
            "{}",
            r.body
        );
    }
    let of = |kind: &str| {
        received
            .iter()
            .find(|r| r.json["type"] == kind)
            .unwrap()
            .json["data"]
            .clone()
    };
    assert_eq!(of("comment.held")["comment"]["status"], "pending");
    assert_eq!(of("comment.held")["comment"]["id"], held.id.as_str());
    assert_eq!(of("comment.decided")["comment"]["status"], "published");
    assert_eq!(of("comment.reported")["comment"]["id"], published["id"]);
    assert_eq!(
        of("comment.reported")["comment"]["body"],
        "첫 의견입니다",
        "as it was then"
    );
    assert_eq!(of("comment.deleted")["comment"]["status"], "deleted");
    assert_eq!(of("user.sanctioned")["user_id"], reporter.id.as_str());
    assert_eq!(of("user.sanctioned")["sanction"]["kind"], "ban");
    assert_eq!(of("article.updated")["article"]["id"], "new-editorial");
    assert_eq!(
        of("comment.published")["comment"]["author"]["id"],
        author.id.as_str()
    );
}

#[tokio::test]
async fn one_comments_events_arrive_in_order_and_an_approval_sends_decided_then_published() {
    let receiver = Receiver::start(Mode::Accept).await;
    let app = app_sending_to(&receiver).await;
    let (author, moderator) = (app.reader().await, app.moderator().await);
    let held = app
        .held_comment(&author, DEMO_ARTICLE, "연락처 010-2222-3333 남겨요")
        .await;
    let approved = app
        .decided(&moderator, &held.id, &json!({"action": "approve"}))
        .await;
    // Naming the version decides again on a settled comment.
    let reject = json!({"action": "reject", "reason": "spam", "version": approved.version});
    app.decided(&moderator, &held.id, &reject).await;

    let received = receiver.wait_accepted(4, WAIT).await;

    let about: Vec<(String, String)> = received
        .iter()
        .filter(|r| r.json["data"]["comment"]["id"] == held.id.as_str())
        .map(|r| {
            (
                r.json["type"].as_str().unwrap().into(),
                r.json["data"]["comment"]["status"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expected = [
        ("comment.held", "pending"),
        ("comment.decided", "published"),
        ("comment.published", "published"),
        ("comment.decided", "rejected"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(about, expected);
    let ids: Vec<i64> = received
        .iter()
        .map(|r| r.json["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
}

#[tokio::test]
async fn a_ban_clearing_the_queue_and_an_erasure_report_each_comment_naming_no_one() {
    let receiver = Receiver::start(Mode::Accept).await;
    let app = app_sending_to(&receiver).await;
    let (banned, leaving, moderator) = (
        app.reader().await,
        app.reader().await,
        app.moderator().await,
    );
    let held: Vec<String> = futures_util::future::join_all(
        ["연락처 010-1111-2222 남겨요", "연락처 010-3333-4444 남겨요"]
            .map(|body| app.held_comment(&banned, DEMO_ARTICLE, body)),
    )
    .await
    .into_iter()
    .map(|c| c.id.to_string())
    .collect();
    let ban = json!({"kind": "ban", "reason": "spam", "reject_pending": true});
    app.sanctioned(&moderator, &banned, &ban).await;
    let mut leaving_ids = Vec::new();
    for body in ["떠날 사람의 첫 의견", "떠날 사람의 둘째 의견"] {
        let comment = app.published(&leaving, DEMO_ARTICLE, body).await;
        leaving_ids.push(comment["id"].as_str().unwrap().to_owned());
    }
    let erased = crate::data_rights::delete_me(
        &app,
        &leaving,
        json!({"password": crate::helpers::PASSWORD}),
    )
    .await;
    assert_eq!(erased.status(), 204);

    // 2 held, 2 decided, 1 sanction, 2 published, 2 deleted.
    let received = receiver.wait_accepted(9, WAIT).await;
    let about = |kind: &str| -> Vec<Value> {
        received
            .iter()
            .filter(|r| r.json["type"] == kind)
            .map(|r| r.json["data"]["comment"].clone())
            .collect()
    };
    let mut rejected: Vec<String> = about("comment.decided")
        .iter()
        .inspect(|c| assert_eq!(c["status"], "rejected", "{c}"))
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    rejected.sort();
    let mut expected = held.clone();
    expected.sort();
    assert_eq!(rejected, expected, "one decision per cleared comment");
    let deleted = about("comment.deleted");
    let mut deleted_ids: Vec<String> = deleted
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    deleted_ids.sort();
    leaving_ids.sort();
    assert_eq!(deleted_ids, leaving_ids);
    for comment in &deleted {
        let text = comment.to_string();
        assert_eq!(comment["status"], "deleted");
        assert!(!text.contains("Test Reader"), "{text}");
        assert!(!text.contains(&leaving.email), "{text}");
        assert!(!text.contains("떠날 사람의"), "{text}");
    }
    // The published events stored before the erasure were rewritten too.
    let pool = raw_pool(&app.database_url).await;
    let stored: Vec<String> = sqlx::query_scalar("SELECT CAST(data AS TEXT) FROM webhook_events")
        .fetch_all(&pool)
        .await
        .unwrap();
    let theirs: Vec<&String> = stored
        .iter()
        .filter(|data| {
            let data: Value = serde_json::from_str(data).unwrap();
            leaving_ids
                .iter()
                .any(|id| data["comment"]["id"] == id.as_str())
        })
        .collect();
    assert_eq!(theirs.len(), 4, "2 published, 2 deleted: {stored:?}");
    for data in theirs {
        assert!(!data.contains("떠날 사람의"), "{data}");
        assert!(!data.contains("Test Reader"), "{data}");
    }
}

#[tokio::test]
async fn retries_until_the_receiver_comes_back_with_the_same_id_and_redelivers_on_request() {
    let receiver = Receiver::start(Mode::Down).await;
    let app = app_sending_to(&receiver).await;
    let (author, admin) = (app.reader().await, app.staff(Role::Admin).await);
    app.published(&author, DEMO_ARTICLE, "아무도 못 받는 의견")
        .await;

    // A few failed attempts, logged with their error.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let failing = deliveries(&app, &admin, "?state=pending").await;
    let row = failing["deliveries"][0].clone();
    assert!(row["attempts"].as_i64().unwrap() >= 2, "{row}");
    assert!(row["last_error"].is_string(), "{row}");
    assert_eq!(row["state"], "pending");
    receiver.set(Mode::Fail(503));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let row = deliveries(&app, &admin, "").await["deliveries"][0].clone();
    assert_eq!(row["last_status"], 503, "{row}");

    receiver.set(Mode::Accept);
    let accepted = receiver.wait_accepted(1, WAIT).await;

    let all = receiver.all();
    assert!(all.len() >= 3, "{} attempts", all.len());
    assert!(
        all.iter().all(|r| r.body == accepted[0].body),
        "every attempt sends the same body"
    );
    let done = deliveries(&app, &admin, "?state=delivered").await["deliveries"][0].clone();
    assert_eq!(done["event_id"], accepted[0].json["id"]);
    assert!(
        done["delivered_at"].is_string() && done["next_attempt_at"].is_null(),
        "{done}"
    );
    assert_eq!(
        deliveries(&app, &admin, "?state=pending").await["deliveries"],
        json!([])
    );

    let path = format!(
        "/api/v1/admin/webhooks/deliveries/{}/redeliver",
        done["id"].as_str().unwrap()
    );
    let redelivered = app.post_as(&admin, &path, &json!({})).await;
    assert_eq!(redelivered.status(), 200);
    let again = receiver.wait_accepted(2, WAIT).await;
    assert_eq!(
        again[1].json["id"], again[0].json["id"],
        "the same event id"
    );
    assert_eq!(again[1].json["data"], again[0].json["data"]);
}

#[tokio::test]
async fn a_failing_comment_does_not_hold_back_another_comments_events() {
    let receiver = Receiver::start(Mode::Accept).await;
    let app = app_sending_to(&receiver).await;
    let (author, moderator, admin) = (
        app.reader().await,
        app.moderator().await,
        app.staff(Role::Admin).await,
    );
    receiver.set(Mode::Fail(500));
    let first = app.published(&author, DEMO_ARTICLE, "먼저 쓴 의견").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    receiver.set(Mode::Accept);
    // The first comment's event now waits for its retry (up to 1 s); the
    // second comment's go straight out.
    let second = app.published(&author, DEMO_ARTICLE, "나중에 쓴 의견").await;
    app.decided(
        &moderator,
        second["id"].as_str().unwrap(),
        &json!({"action": "reject", "reason": "abuse"}),
    )
    .await;

    let received = receiver.wait_accepted(3, WAIT).await;
    let of_first: Vec<usize> = received
        .iter()
        .enumerate()
        .filter(|(_, r)| r.json["data"]["comment"]["id"] == first["id"])
        .map(|(i, _)| i)
        .collect();
    assert_eq!(of_first.len(), 1);
    let log = deliveries(&app, &admin, "").await;
    assert_eq!(log["deliveries"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn without_urls_nothing_is_written() {
    let app = TestApp::spawn().await;
    let (author, admin) = (app.reader().await, app.staff(Role::Admin).await);
    app.published(&author, DEMO_ARTICLE, "조용한 의견").await;

    let log = deliveries(&app, &admin, "").await;

    assert_eq!(log["deliveries"], json!([]));
    let pool = raw_pool(&app.database_url).await;
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_events")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(events, 0);
}

#[tokio::test]
async fn the_delivery_log_pages_and_filters_by_endpoint() {
    let receiver = Receiver::start(Mode::Accept).await;
    let app = app_sending_to(&receiver).await;
    let (author, admin) = (app.reader().await, app.staff(Role::Admin).await);
    for n in 0..5 {
        app.published(&author, DEMO_ARTICLE, &format!("의견 {n}번"))
            .await;
    }
    receiver.wait_accepted(5, WAIT).await;

    let first = deliveries(&app, &admin, "?limit=3").await;
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let second = deliveries(&app, &admin, &format!("?limit=3&cursor={cursor}")).await;
    let other = deliveries(&app, &admin, "?endpoint=http://elsewhere.example/").await;

    assert_eq!(first["deliveries"].as_array().unwrap().len(), 3);
    assert_eq!(second["deliveries"].as_array().unwrap().len(), 2);
    assert!(second["next_cursor"].is_null());
    assert_eq!(other["deliveries"], json!([]));
    let mine = deliveries(&app, &admin, &format!("?endpoint={}", receiver.url)).await;
    assert_eq!(mine["deliveries"].as_array().unwrap().len(), 5);
    assert_eq!(first["deliveries"][0]["endpoint"], receiver.url.as_str());
    assert_eq!(first["deliveries"][0]["type"], "comment.published");
    assert_problem(
        deliveries_raw(&app, &admin, "?state=lost").await,
        400,
        "invalid_query",
    )
    .await;
}

async fn deliveries_raw(
    app: &TestApp,
    admin: &crate::helpers::TestUser,
    query: &str,
) -> reqwest::Response {
    app.get_as(admin, &format!("/api/v1/admin/webhooks/deliveries{query}"))
        .await
}

/// Registers a reader on a running binary; their token.
async fn register_on(client: &reqwest::Client, address: &str) -> String {
    let registered = client
        .post(format!("{address}/api/v1/auth/register"))
        .json(&json!({"email": "hook@news.example", "display_name": "독자", "password": crate::helpers::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 201);
    json_body(registered).await["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn after_sigkill_every_acknowledged_comments_event_arrives_and_none_is_invented() {
    use crate::helpers::start_binary;
    let receiver = Receiver::start(Mode::Down).await;
    let dir = tempfile::tempdir().unwrap();
    let database_url = database_url(dir.path()).await;
    let env = [
        ("DATABASE_URL", database_url.as_str()),
        ("RATE_LIMITS", "off"),
        ("WEBHOOK_URLS", receiver.url.as_str()),
        ("WEBHOOK_SECRET", "whsec_crash"),
        ("WEBHOOK_RETRY_FIRST", "1s"),
        ("WEBHOOK_RETRY_MAX", "2s"),
        // Leases of attempts cut by the kill run out 7 s later.
        ("WEBHOOK_TIMEOUT", "2s"),
    ];
    let mut server = start_binary(dir.path(), &env).await;
    let client = reqwest::Client::new();
    let token = register_on(&client, &server.address).await;
    let url = format!("{}/api/v1/articles/{DEMO_ARTICLE}/comments", server.address);
    let post = |n: usize| {
        let (client, url, token) = (client.clone(), url.clone(), token.clone());
        async move {
            let sent = client
                .post(&url)
                .bearer_auth(&token)
                .json(&json!({"body": format!("충돌 시험 의견 {n}번입니다")}))
                .send()
                .await
                .ok()?;
            let answer: Value = sent.json().await.ok()?;
            Some(answer["comment"]["id"].as_str()?.to_owned())
        }
    };
    let acknowledged: Vec<String> = futures_util::future::join_all((0..40).map(post))
        .await
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(acknowledged.len(), 40);
    // More posts in flight while the process dies: stored or not, never half.
    let in_flight: Vec<_> = (40..60).map(|n| tokio::spawn(post(n))).collect();
    tokio::time::sleep(Duration::from_millis(20)).await;
    server.child.start_kill().unwrap();
    server.child.wait().await.unwrap();
    for task in in_flight {
        let _ = task.await;
    }

    receiver.set(Mode::Accept);
    let restarted = start_binary(dir.path(), &env).await;
    let pool = raw_pool(&database_url).await;
    let stored: Vec<i64> = sqlx::query_scalar("SELECT CAST(id AS BIGINT) FROM comments")
        .fetch_all(&pool)
        .await
        .unwrap();
    let received = receiver
        .wait_accepted(stored.len(), Duration::from_secs(30))
        .await;

    let delivered: std::collections::HashSet<String> = received
        .iter()
        .map(|r| r.json["data"]["comment"]["id"].as_str().unwrap().to_owned())
        .collect();
    for id in &acknowledged {
        assert!(
            delivered.contains(id),
            "the event of acknowledged comment {id} arrived"
        );
    }
    let stored: std::collections::HashSet<String> =
        stored.iter().map(|id| id.to_string()).collect();
    assert!(
        delivered.is_subset(&stored),
        "no event about a comment that was not stored"
    );
    assert!(
        received
            .iter()
            .all(|r| signed_with(&r.signature, &r.body, "whsec_crash"))
    );
    drop(restarted);
}

#[tokio::test]
async fn a_dead_endpoint_is_tried_a_page_at_a_time_not_once_per_event() {
    // Arrange: retries 1 s, 2 s, so three seconds hold a few pauses.
    let receiver = Receiver::start(Mode::Down).await;
    let url = receiver.url.clone();
    let app = TestApp::spawn_with(move |s| {
        s.webhooks.urls = vec![url];
        s.webhooks.secrets = vec!["whsec_dead".into()];
        s.webhooks.retry_first = Duration::from_secs(1);
        s.webhooks.retry_max = Duration::from_secs(2);
    })
    .await;
    let reader = app.reader().await;

    // Act: 30 events while the endpoint is down, then three seconds.
    for n in 0..30 {
        app.published(
            &reader,
            DEMO_ARTICLE,
            &format!("죽은 수신처 시험 {n}번 의견"),
        )
        .await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;

    // Assert: one try per event and its retries would be 60 or more by now;
    // pages of 8 with a pause after each failed page are at most 4 pages.
    let tried = receiver.all().len();
    assert!((1..=40).contains(&tried), "{tried} attempts in 3 s");
    receiver.set(Mode::Accept);
    receiver.wait_accepted(30, WAIT).await;
}
