//! The policy's quotas: comments a day, on one editorial a day, an interval
//! between comments, reactions a day and a new account's wait; each refused
//! with 429 `quota_exceeded` saying when, shown to the reader beforehand,
//! counted exactly under a race, and lifted for staff and with limits off.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use comment_desk::domain::accounts::Role;
use reqwest::Response;
use serde::Deserialize;
use serde_json::json;
use tempfile::TempDir;

use crate::helpers::{DEMO_ARTICLE, TestApp, TestUser, assert_problem, parse};

const OTHER_ARTICLE: &str = "putin-gorbachev-path";

/// A policy whose quotas are `quotas` (TOML lines), flooding out of the way.
fn quota_policy(quotas: &str) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.toml");
    let text = format!(
        "[flooding]\nlimits = [\"1000/1m\"]\n\n[quotas]\n{quotas}\nday_starts = \"+09:00\"\n"
    );
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

const NO_QUOTAS: &str = "comments_per_day = 0\ncomments_per_article = 0\nmin_interval = \"0s\"\nreactions_per_day = 0\nnew_account_wait = \"0s\"";

/// `NO_QUOTAS` with the named lines replaced.
fn quotas(lines: &[&str]) -> String {
    NO_QUOTAS
        .lines()
        .map(|line| {
            let name = line.split(' ').next().unwrap();
            lines
                .iter()
                .find(|l| l.starts_with(&format!("{name} ")))
                .copied()
                .unwrap_or(line)
                .to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A server with limits on and these quotas; the policy file lives as long as the app.
async fn app_with(lines: &[&str]) -> (TestApp, TempDir) {
    let (dir, path) = quota_policy(&quotas(lines));
    let app = TestApp::spawn_with(|s| {
        s.rate_limits = true;
        s.policy_file = Some(path);
    })
    .await;
    (app, dir)
}

async fn post_in(app: &TestApp, user: &TestUser, article: &str, n: usize) -> Response {
    app.comment(user, article, &format!("할당량 확인 댓글 {n}번입니다"))
        .await
}

fn retry_after(response: &Response) -> u64 {
    response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// Seconds from now to the next midnight in Korea.
fn seconds_to_korean_midnight() -> i64 {
    let kst = chrono::FixedOffset::east_opt(9 * 3600).unwrap();
    let now = Utc::now().with_timezone(&kst);
    let midnight = (now.date_naive() + chrono::Days::new(1))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_local_timezone(kst)
        .unwrap();
    (midnight - now).num_seconds()
}

async fn korean_detail(app: &TestApp, user: &TestUser, article: &str, n: usize) -> String {
    let response = app
        .client
        .post(app.url(&format!("/api/v1/articles/{article}/comments")))
        .bearer_auth(&user.token)
        .header("accept-language", "ko")
        .json(&json!({"body": format!("한국어 거절 확인 {n}")}))
        .send()
        .await
        .unwrap();
    let body = assert_problem(response, 429, "quota_exceeded").await;
    body["detail"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_days_comments_run_out_and_the_answer_says_when_they_return() {
    let (app, _policy) = app_with(&["comments_per_day = 3"]).await;
    let reader = app.reader().await;
    for n in 0..3 {
        let article = if n == 0 { DEMO_ARTICLE } else { OTHER_ARTICLE };
        assert_eq!(
            post_in(&app, &reader, article, n).await.status(),
            201,
            "comment {n}"
        );
    }

    let refused = post_in(&app, &reader, DEMO_ARTICLE, 3).await;
    let wait = retry_after(&refused);
    let body = assert_problem(refused, 429, "quota_exceeded").await;
    let korean = korean_detail(&app, &reader, DEMO_ARTICLE, 4).await;

    let expected = seconds_to_korean_midnight();
    assert!(
        (wait as i64 - expected).abs() <= 5,
        "Retry-After {wait} s, midnight in Korea is {expected} s away"
    );
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains("3 comments a day"), "{detail}");
    assert!(detail.contains("00:00 (UTC+09:00)"), "{detail}");
    assert!(korean.contains("하루 3개"), "{korean}");
    assert!(korean.contains("00:00 (UTC+09:00)부터"), "{korean}");
}

#[tokio::test]
async fn one_editorial_takes_only_so_many_of_a_readers_comments_a_day() {
    let (app, _policy) = app_with(&["comments_per_article = 2"]).await;
    let reader = app.reader().await;
    for n in 0..2 {
        assert_eq!(post_in(&app, &reader, DEMO_ARTICLE, n).await.status(), 201);
    }

    let here = post_in(&app, &reader, DEMO_ARTICLE, 2).await;
    let elsewhere = post_in(&app, &reader, OTHER_ARTICLE, 3).await;

    let body = assert_problem(here, 429, "quota_exceeded").await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("2 comments a day on one editorial")
    );
    assert_eq!(
        elsewhere.status(),
        201,
        "another editorial still takes comments"
    );
}

#[tokio::test]
async fn a_comment_too_soon_after_the_last_waits_out_the_interval() {
    let (app, _policy) = app_with(&["min_interval = \"30s\""]).await;
    let reader = app.reader().await;
    assert_eq!(post_in(&app, &reader, DEMO_ARTICLE, 0).await.status(), 201);

    let refused = post_in(&app, &reader, OTHER_ARTICLE, 1).await;
    let wait = retry_after(&refused);
    let body = assert_problem(refused, 429, "quota_exceeded").await;

    assert!((1..=30).contains(&wait), "Retry-After {wait}");
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!("Try again in {wait} seconds")),
        "{detail}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_comments_sent_at_once_stop_exactly_at_the_limit() {
    let (app, _policy) = app_with(&["comments_per_day = 5"]).await;
    let app = Arc::new(app);
    let reader = app.reader().await;

    let tasks: Vec<_> = (0..50)
        .map(|n| {
            let (app, reader) = (app.clone(), reader.clone());
            tokio::spawn(async move { post_in(&app, &reader, DEMO_ARTICLE, n).await.status() })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap().as_u16());
    }

    let stored = statuses.iter().filter(|s| **s == 201).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((stored, refused), (5, 45), "{statuses:?}");
    let list = app
        .list(&format!("/api/v1/articles/{DEMO_ARTICLE}/comments"))
        .await;
    assert_eq!(list["total"], 5);
}

#[tokio::test]
async fn held_and_deleted_comments_count_toward_the_day() {
    let (app, _policy) = app_with(&["comments_per_day = 2"]).await;
    let reader = app.reader().await;
    let held = app
        .held_comment(&reader, DEMO_ARTICLE, "연락처 010-2222-3333 남깁니다")
        .await;
    let posted = app
        .published_comment(&reader, DEMO_ARTICLE, "지울 댓글")
        .await;
    let deleted = app
        .delete_as(&reader, &format!("/api/v1/comments/{}", posted.id))
        .await;
    assert!(deleted.status().is_success(), "delete own comment");

    let refused = post_in(&app, &reader, DEMO_ARTICLE, 9).await;

    assert_eq!(held.status, "pending");
    assert_problem(refused, 429, "quota_exceeded").await;
}

#[tokio::test]
async fn staff_and_limits_off_are_held_to_no_quota() {
    let (app, _policy) = app_with(&["comments_per_day = 1", "min_interval = \"1h\""]).await;
    let moderator = app.moderator().await;
    for n in 0..3 {
        assert_eq!(
            post_in(&app, &moderator, DEMO_ARTICLE, n).await.status(),
            201
        );
    }
    let (_dir, path) = quota_policy(&quotas(&["comments_per_day = 1", "min_interval = \"1h\""]));
    let off = TestApp::spawn_with(|s| s.policy_file = Some(path)).await; // test settings: limits off
    let reader = off.reader().await;

    for n in 0..3 {
        assert_eq!(
            post_in(&off, &reader, DEMO_ARTICLE, n).await.status(),
            201,
            "limits off"
        );
    }
}

async fn press(app: &TestApp, reader: &TestUser, id: &str, kind: &str) -> Response {
    app.put_as(
        reader,
        &format!("/api/v1/comments/{id}/reaction"),
        &json!({"kind": kind}),
    )
    .await
}

#[tokio::test]
async fn the_days_reactions_run_out_but_taking_one_back_never_does() {
    let (app, _policy) = app_with(&["reactions_per_day = 3"]).await;
    let (author, reader) = (app.reader().await, app.reader().await);
    let mut ids = Vec::new();
    for n in 0..3 {
        let comment = app
            .published_comment(
                &author,
                if n == 0 { DEMO_ARTICLE } else { OTHER_ARTICLE },
                &format!("공감 할당량 {n}"),
            )
            .await;
        ids.push(comment.id);
    }
    assert_eq!(press(&app, &reader, &ids[0], "like").await.status(), 200);
    assert_eq!(press(&app, &reader, &ids[1], "like").await.status(), 200);
    assert_eq!(
        press(&app, &reader, &ids[0], "dislike").await.status(),
        200,
        "a switch is a press too"
    );

    let refused = press(&app, &reader, &ids[2], "like").await;
    let back = app
        .delete_as(&reader, &format!("/api/v1/comments/{}/reaction", ids[0]))
        .await;

    let wait = retry_after(&refused) as i64;
    let body = assert_problem(refused, 429, "quota_exceeded").await;
    assert!(
        (wait - seconds_to_korean_midnight()).abs() <= 5,
        "Retry-After {wait}"
    );
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("react 3 times a day")
    );
    assert_eq!(back.status(), 200);
}

#[tokio::test]
async fn a_new_account_waits_before_its_first_comment() {
    let (app, _policy) = app_with(&["new_account_wait = \"2h\""]).await;
    let reader = app.reader().await;

    let refused = post_in(&app, &reader, DEMO_ARTICLE, 0).await;
    let wait = retry_after(&refused);
    let body = assert_problem(refused, 429, "quota_exceeded").await;
    let standing = quota(&app, &reader, DEMO_ARTICLE).await;

    assert!((7100..=7200).contains(&wait), "Retry-After {wait}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("2 hours after it was made")
    );
    let next = standing.next_comment_at.expect("when the wait ends");
    let ahead = (next - Utc::now()).num_seconds();
    assert!(
        (7100..=7200).contains(&ahead),
        "next_comment_at {ahead} s ahead"
    );
}

#[derive(Debug, Deserialize, PartialEq)]
struct Counted {
    used: i64,
    limit: i64,
    remaining: i64,
}

#[derive(Debug, Deserialize)]
struct Quota {
    comments_today: Option<Counted>,
    on_article: Option<Counted>,
    reactions_today: Option<Counted>,
    next_comment_at: Option<DateTime<Utc>>,
    resets_at: DateTime<Utc>,
}

async fn quota(app: &TestApp, user: &TestUser, article: &str) -> Quota {
    let response = app
        .get_as(user, &format!("/api/v1/auth/me/quota?article_id={article}"))
        .await;
    assert_eq!(response.status(), 200, "GET quota");
    parse(response).await
}

#[tokio::test]
async fn the_reader_sees_what_is_left_before_writing() {
    let (app, _policy) = app_with(&[
        "comments_per_day = 20",
        "comments_per_article = 3",
        "reactions_per_day = 50",
        "min_interval = \"1m\"",
    ])
    .await;
    let (author, reader) = (app.reader().await, app.reader().await);
    let theirs = app
        .published_comment(&author, OTHER_ARTICLE, "남의 댓글")
        .await;
    assert_eq!(post_in(&app, &reader, DEMO_ARTICLE, 0).await.status(), 201);
    let liked = app
        .put_as(
            &reader,
            &format!("/api/v1/comments/{}/reaction", theirs.id),
            &json!({"kind": "like"}),
        )
        .await;
    assert_eq!(liked.status(), 200);

    let here = quota(&app, &reader, DEMO_ARTICLE).await;
    let there = quota(&app, &reader, OTHER_ARTICLE).await;

    let counted = |used, limit| {
        Some(Counted {
            used,
            limit,
            remaining: limit - used,
        })
    };
    assert_eq!(here.comments_today, counted(1, 20), "오늘 남은 댓글 19개");
    assert_eq!(here.on_article, counted(1, 3));
    assert_eq!(there.on_article, counted(0, 3));
    assert_eq!(here.reactions_today, counted(1, 50));
    let next = here.next_comment_at.expect("the interval is running");
    assert!((next - Utc::now()).num_seconds() <= 60);
    let to_reset = (here.resets_at - Utc::now()).num_seconds();
    assert!(
        (to_reset - seconds_to_korean_midnight()).abs() <= 5,
        "resets_at"
    );
}

#[tokio::test]
async fn the_quota_answer_refuses_strangers_and_odd_requests() {
    let (app, _policy) = app_with(&["comments_per_day = 20"]).await;
    let reader = app.reader().await;
    let admin = app.staff(Role::Admin).await;

    let anonymous = app
        .get(&format!("/api/v1/auth/me/quota?article_id={DEMO_ARTICLE}"))
        .await;
    let missing = app.get_as(&reader, "/api/v1/auth/me/quota").await;
    let unknown = app
        .get_as(
            &reader,
            "/api/v1/auth/me/quota?article_id=no-such-editorial",
        )
        .await;
    let odd = app
        .get_as(&reader, "/api/v1/auth/me/quota?article_id=%00%2F..")
        .await;
    let staff = quota(&app, &admin, DEMO_ARTICLE).await;

    assert_problem(anonymous, 401, "unauthenticated").await;
    assert_problem(missing, 400, "invalid_query").await;
    assert_problem(unknown, 404, "article_not_found").await;
    assert!(odd.status().is_client_error(), "odd id: {}", odd.status());
    assert_eq!(staff.comments_today, None, "staff have no quota");
    assert_eq!(staff.on_article, None);
    assert_eq!(staff.reactions_today, None);
}

#[tokio::test]
async fn the_policy_tells_readers_the_quotas() {
    let (app, _policy) = app_with(&["comments_per_day = 7", "min_interval = \"1m\""]).await;
    let built_in = TestApp::spawn().await;

    let quotas = app.list("/api/v1/policy").await["quotas"].clone();
    let default = built_in.list("/api/v1/policy").await["quotas"].clone();

    assert_eq!(
        quotas,
        json!({"comments_per_day": 7, "comments_per_article": 0, "min_interval_seconds": 60,
               "reactions_per_day": 0, "new_account_wait_seconds": 0, "day_starts": "+09:00"})
    );
    assert_eq!(
        default["comments_per_day"], 20,
        "Naver's numbers: {default}"
    );
    assert_eq!(default["comments_per_article"], 3);
    assert_eq!(default["reactions_per_day"], 50);
}
