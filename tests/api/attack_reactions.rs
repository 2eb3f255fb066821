//! An attacker's pass over reactions, ranked cursors, quotas, editors' picks
//! and author histories: forged cursors, racing presses, quota evasion,
//! odd bodies and queries, and what a history must never show.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use comment_desk::domain::accounts::Role;
use reqwest::Response;
use reqwest::header::{CONTENT_TYPE, COOKIE, ORIGIN, SET_COOKIE};
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::helpers::{
    Comment, CommentAnswer, DEMO_ARTICLE, PASSWORD, Page, TestApp, TestUser, Thread,
    assert_problem, json_body, parse, raw_pool,
};

const OTHER_ARTICLE: &str = "putin-gorbachev-path";

fn reaction_path(id: &str) -> String {
    format!("/api/v1/comments/{id}/reaction")
}

async fn react(app: &TestApp, reader: &TestUser, id: &str, kind: &str) -> Response {
    app.put_as(reader, &reaction_path(id), &json!({"kind": kind}))
        .await
}

async fn readers(app: &TestApp, count: usize) -> Vec<TestUser> {
    let mut readers = Vec::with_capacity(count);
    for _ in 0..count {
        readers.push(app.reader().await);
    }
    readers
}

/// The reaction rows stored for a comment: (likes, dislikes).
async fn rows(app: &TestApp, id: &str) -> (i64, i64) {
    let id = comment_desk::domain::ids::CommentId::parse(id).unwrap();
    app.store().await.reaction_rows(id).await.unwrap()
}

async fn comment_as(app: &TestApp, reader: &TestUser, id: &str) -> Comment {
    let response = app.get_as(reader, &format!("/api/v1/comments/{id}")).await;
    assert_eq!(response.status(), 200, "GET comment {id}");
    parse::<CommentAnswer>(response).await.comment
}

fn listing(order: &str) -> String {
    format!("/api/v1/articles/{DEMO_ARTICLE}/comments?order={order}")
}

fn cursor(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(text)
}

/// `reader` presses 공감 on every one of `ids` at once; the statuses, in order.
async fn like_all_at_once(app: &Arc<TestApp>, reader: &TestUser, ids: &[String]) -> Vec<u16> {
    let presses = ids.iter().map(|id| {
        let (app, reader, id) = (app.clone(), reader.clone(), id.clone());
        tokio::spawn(async move { react(&app, &reader, &id, "like").await.status().as_u16() })
    });
    futures_util::future::join_all(presses)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect()
}

async fn post_many(app: &TestApp, author: &TestUser, count: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for n in 0..count {
        let body = format!("공격 시험 댓글 {n}번");
        ids.push(app.published_comment(author, DEMO_ARTICLE, &body).await.id);
    }
    ids
}

// Cursors

#[tokio::test]
async fn forged_ranked_cursors_are_refused_as_invalid_cursor() {
    let app = TestApp::spawn().await;
    let author = app.reader().await;
    post_many(&app, &author, 3).await;
    let over = "9223372036854775808";
    let forged = [
        cursor(&format!("v2:{over}:1:1")),
        cursor(&format!("v2:1:{over}:1")),
        cursor(&format!("v2:1:1:{over}")),
        cursor("v2:1:-9223372036854775809:1"),
        cursor("v2:-1:1:1"),
        cursor("v2:1:1:0"),
        cursor("v2:1:1:-5"),
        cursor("v2:١:٢:٣"),
        cursor("v2:１:２:３"),
        cursor("v2: 1:2:3"),
        cursor("v2:1:2:3 "),
        cursor("v2:1:2:3\0"),
        cursor("v2:1.5:2:3"),
        cursor("v2:1e3:2:3"),
        cursor("v2:0x10:2:3"),
        cursor("v2:::"),
        cursor("v2:1:2:"),
        cursor("v1:5"),
        cursor(&format!("v2:1:1:{}", "9".repeat(60))),
        "%00%01%02".to_owned(),
        "%E2%80%AE%F0%9F%92%A9".to_owned(),
        "djI6MToxOjE=".to_owned(),
        "djI6MToxOjE%3D".to_owned(),
        "..%2F..%2Fetc%2Fpasswd".to_owned(),
    ];
    for order in ["best", "ratio"] {
        for forged in &forged {
            let path = format!("{}&cursor={forged}", listing(order));
            let response = app.get(&path).await;
            assert_problem(response, 400, "invalid_cursor").await;
        }
    }
    let by_id = cursor("v2:1:1:1");
    for path in [
        format!("{}&cursor={by_id}", listing("newest")),
        format!("{}&cursor={by_id}", listing("oldest")),
        format!("/api/v1/users/{}/history?cursor={by_id}", author.id),
    ] {
        let response = app.get(&path).await;
        assert!(response.status().is_client_error(), "{path}");
    }
}

async fn page(app: &TestApp, path: &str) -> Page<Thread> {
    let response = app.get(path).await;
    assert_eq!(response.status(), 200, "GET {path}");
    parse(response).await
}

async fn walk(app: &TestApp, order: &str, first: Option<String>) -> Vec<String> {
    let mut seen = Vec::new();
    let mut next = first;
    for _ in 0..50 {
        let mut path = format!("{}&limit=2", listing(order));
        if let Some(c) = &next {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = page(app, &path).await;
        seen.extend(page.ids(|t| &t.comment.id));
        match page.next_cursor {
            Some(c) => next = Some(c),
            None => return seen,
        }
    }
    panic!("the {order} listing never ended")
}

#[tokio::test]
async fn well_formed_but_forged_cuts_never_fail_nor_repeat() {
    let app = TestApp::spawn_with(|s| s.ratio_min_reactions = 1).await;
    let author = app.reader().await;
    let crowd = readers(&app, 3).await;
    let ids = post_many(&app, &author, 7).await;
    for (n, id) in ids.iter().enumerate() {
        for reader in crowd.iter().take(n % 4) {
            assert_eq!(react(&app, reader, id, "like").await.status(), 200);
        }
    }
    let top = ids.iter().map(|id| id[..].parse::<i64>().unwrap()).max();
    let top = top.unwrap();
    // seq in the future, seq 0 (before any change), keys beyond any rank.
    let forged = [
        format!("v2:{}:{}:{}", i64::MAX, i64::MAX, i64::MAX),
        format!("v2:0:{}:{}", i64::MAX, top + 1),
        format!("v2:999999999:{}:{}", i64::MIN, 1),
        format!("v2:0:-1:{}", i64::MAX),
    ];
    for order in ["best", "ratio"] {
        for text in &forged {
            let seen = walk(&app, order, Some(cursor(text))).await;
            let unique: HashSet<_> = seen.iter().collect();
            assert_eq!(unique.len(), seen.len(), "{order} {text}: {seen:?}");
            assert!(seen.iter().all(|id| ids.contains(id)), "{order} {text}");
        }
        let whole = walk(&app, order, Some(cursor(&forged[0]))).await;
        assert_eq!(whole.len(), ids.len(), "{order}: from the top, all of them");
    }
}

#[tokio::test]
async fn repeated_and_absurd_listing_parameters_are_a_clear_400() {
    let app = TestApp::spawn().await;
    let author = app.reader().await;
    post_many(&app, &author, 2).await;
    let base = format!("/api/v1/articles/{DEMO_ARTICLE}/comments");
    let tries = [
        format!("{base}?order=best&order=newest"),
        format!("{base}?limit=1&limit=2"),
        format!("{base}?limit=999999999999999999999"),
        format!("{base}?limit=-1"),
        format!("{base}?limit=%EF%BC%91"),
        format!("{base}?order=BEST"),
        format!("{base}?order=best%00"),
    ];
    for path in tries {
        let response = app.get(&path).await;
        let status = response.status().as_u16();
        let body = json_body(response).await;
        assert!((400..500).contains(&status), "{path}: {status} {body}");
        assert!(body["code"].is_string(), "{path}: {body}");
    }
}

// Reaction races

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_reader_pressing_everything_at_once_leaves_one_row_and_true_counts() {
    let app = Arc::new(TestApp::spawn().await);
    let author = app.reader().await;
    let reader = app.reader().await;
    let id = post_many(&app, &author, 1).await.remove(0);

    let presses = (0..90).map(|n| {
        let (app, reader, id) = (app.clone(), reader.clone(), id.clone());
        tokio::spawn(async move {
            match n % 3 {
                0 => react(&app, &reader, &id, "like").await.status(),
                1 => react(&app, &reader, &id, "dislike").await.status(),
                _ => app.delete_as(&reader, &reaction_path(&id)).await.status(),
            }
        })
    });
    for status in futures_util::future::join_all(presses).await {
        assert_eq!(status.unwrap(), 200);
    }

    let (likes, dislikes) = rows(&app, &id).await;
    assert!(likes + dislikes <= 1, "one row at most: {likes} {dislikes}");
    let seen = comment_as(&app, &reader, &id).await;
    assert_eq!((seen.likes, seen.dislikes), (likes, dislikes));
    let expected = match (likes, dislikes) {
        (1, 0) => Some("like"),
        (0, 1) => Some("dislike"),
        _ => None,
    };
    assert_eq!(seen.my_reaction.as_deref(), expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reactions_racing_a_removal_leave_counts_equal_to_rows_and_nothing_after() {
    let app = Arc::new(TestApp::spawn().await);
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let crowd = readers(&app, 30).await;
    for action in ["delete", "reject"] {
        let id = app
            .published_comment(&author, DEMO_ARTICLE, &format!("곧 {action} 될 댓글"))
            .await
            .id;
        let presses = crowd.iter().map(|reader| {
            let (app, reader, id) = (app.clone(), reader.clone(), id.clone());
            tokio::spawn(async move { react(&app, &reader, &id, "like").await.status() })
        });
        let presses = futures_util::future::join_all(presses);
        let body = json!({"action": action, "reason": "abuse"});
        let decision = app.decide(&moderator, &id, &body);
        let (statuses, decided) = tokio::join!(presses, decision);
        assert_eq!(decided.status(), 200, "{action}");
        let taken = statuses
            .into_iter()
            .map(|s| s.unwrap().as_u16())
            .inspect(|s| assert!([200, 404, 409].contains(s), "{action}: {s}"))
            .filter(|s| *s == 200)
            .count() as i64;
        let (likes, dislikes) = rows(&app, &id).await;
        assert_eq!(
            (likes, dislikes),
            (taken, 0),
            "{action}: every 200 is a row"
        );
        let late = react(&app, &crowd[0], &id, "dislike").await;
        assert!(late.status().is_client_error(), "{action}: closed after");
        assert_eq!(rows(&app, &id).await, (taken, 0), "{action}");
        let seen = json_body(
            app.get_as(&moderator, &format!("/api/v1/comments/{id}"))
                .await,
        )
        .await;
        if seen["comment"].is_object() {
            assert_eq!(seen["comment"]["likes"], taken, "{action}: {seen}");
        }
        if action == "reject" {
            // Overturned, it comes back with the reactions it had, no more.
            let version = seen["comment"]["version"].clone();
            let approve = json!({"action": "approve", "version": version});
            let back = app.decide(&moderator, &id, &approve).await;
            assert_eq!(back.status(), 200, "overturned");
            let listed = json_body(app.get(&listing("best")).await).await;
            let shown = listed["comments"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["id"] == id.as_str())
                .cloned()
                .expect("listed again");
            assert_eq!(
                (shown["likes"].clone(), shown["dislikes"].clone()),
                (json!(taken), json!(0))
            );
            assert_eq!(rows(&app, &id).await, (taken, 0));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reader_suspended_while_pressing_is_refused_once_the_sanction_is_in() {
    let app = Arc::new(TestApp::spawn().await);
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let reader = app.reader().await;
    let ids = post_many(&app, &author, 20).await;
    let presses = ids.iter().map(|id| {
        let (app, reader, id) = (app.clone(), reader.clone(), id.clone());
        tokio::spawn(async move { (id.clone(), react(&app, &reader, &id, "like").await.status()) })
    });
    let until = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let body = json!({"kind": "suspend", "until": until, "reason": "abuse"});
    let sanction = app.sanctioned(&moderator, &reader, &body);
    let (outcomes, _) = tokio::join!(futures_util::future::join_all(presses), sanction);

    for outcome in outcomes {
        let (id, status) = outcome.unwrap();
        assert!([200, 403].contains(&status.as_u16()), "{id}: {status}");
        let counted = rows(&app, &id).await;
        assert_eq!(counted, (i64::from(status == 200), 0), "{id}: {status}");
    }
    let after = react(&app, &reader, &ids[0], "dislike").await;
    assert_problem(after, 403, "account_suspended").await;
}

// Quotas

/// A policy with limits on and these quota lines; flooding out of the way.
fn quota_policy(lines: &str) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.toml");
    let text = format!(
        "[flooding]\nlimits = [\"1000/1m\"]\n\n[quotas]\nmin_interval = \"0s\"\n\
         new_account_wait = \"0s\"\nday_starts = \"+09:00\"\n{lines}\n"
    );
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

async fn app_with_quotas(lines: &str) -> (TestApp, TempDir) {
    let (dir, path) = quota_policy(lines);
    let app = TestApp::spawn_with(|s| {
        s.rate_limits = true;
        s.reaction_limit = comment_desk::domain::policy::FloodLimit {
            count: 1000,
            per: std::time::Duration::from_secs(60),
        };
        s.policy_file = Some(path);
    })
    .await;
    (app, dir)
}

/// The editorial of every comment stored for the reader, whatever its status.
async fn stored_by(app: &TestApp, reader: &TestUser) -> Vec<String> {
    let pool = raw_pool(&app.database_url).await;
    let stored = sqlx::query_scalar("SELECT article_id FROM comments WHERE author_id = $1")
        .bind(reader.id.parse::<i64>().unwrap())
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    stored
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn posts_split_across_two_editorials_at_once_stop_at_both_quotas() {
    let (app, _policy) =
        app_with_quotas("comments_per_day = 5\ncomments_per_article = 3\nreactions_per_day = 0")
            .await;
    let app = Arc::new(app);
    let reader = app.reader().await;
    let root = app
        .published_comment(&reader, DEMO_ARTICLE, "첫 댓글")
        .await
        .id;

    let posts = (0..40).map(|n| {
        let (app, reader, root) = (app.clone(), reader.clone(), root.clone());
        tokio::spawn(async move {
            let article = if n % 2 == 0 {
                DEMO_ARTICLE
            } else {
                OTHER_ARTICLE
            };
            let mut body = json!({"body": format!("쪼개 쓰기 {n}번 댓글")});
            if n % 4 == 0 {
                body["parent_id"] = json!(root);
            }
            let path = format!("/api/v1/articles/{article}/comments");
            app.post_as(&reader, &path, &body).await.status().as_u16()
        })
    });
    let statuses: Vec<u16> = futures_util::future::join_all(posts)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();

    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        4,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| [201, 429].contains(s)),
        "{statuses:?}"
    );
    let stored = stored_by(&app, &reader).await;
    assert_eq!(stored.len(), 5, "the day's five, the first included");
    for article in [DEMO_ARTICLE, OTHER_ARTICLE] {
        let on = stored.iter().filter(|a| *a == article).count();
        assert!(on <= 3, "{article}: {on}");
    }
    let quota = json_body(
        app.get_as(
            &reader,
            &format!("/api/v1/auth/me/quota?article_id={DEMO_ARTICLE}"),
        )
        .await,
    )
    .await;
    assert_eq!(quota["comments_today"]["remaining"], 0, "{quota}");
}

#[tokio::test]
async fn edits_neither_count_nor_get_past_a_used_up_quota() {
    let (app, _policy) =
        app_with_quotas("comments_per_day = 2\ncomments_per_article = 0\nreactions_per_day = 0")
            .await;
    let reader = app.reader().await;
    let first = app
        .published_comment(&reader, DEMO_ARTICLE, "하나")
        .await
        .id;
    app.published_comment(&reader, DEMO_ARTICLE, "둘").await;

    let edited = app.edit_as(&reader, &first, "하나를 고쳤습니다").await;
    let third = app.comment(&reader, OTHER_ARTICLE, "셋").await;

    assert_eq!(edited.status(), 200, "an edit is not a new comment");
    assert_problem(third, 429, "quota_exceeded").await;
    assert_eq!(stored_by(&app, &reader).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reactions_pressed_at_once_stop_exactly_at_the_days_limit() {
    let (app, _policy) =
        app_with_quotas("comments_per_day = 0\ncomments_per_article = 0\nreactions_per_day = 7")
            .await;
    let app = Arc::new(app);
    let author = app.reader().await;
    let reader = app.reader().await;
    let ids = post_many(&app, &author, 30).await;

    let statuses = like_all_at_once(&app, &reader, &ids).await;

    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        7,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| [200, 429].contains(s)),
        "{statuses:?}"
    );
    let mut counted = 0;
    for id in &ids {
        counted += rows(&app, id).await.0;
    }
    assert_eq!(counted, 7, "rows stored");
}

#[tokio::test]
async fn a_moderator_demoted_to_reader_is_held_to_the_days_quota_at_once() {
    let (app, _policy) =
        app_with_quotas("comments_per_day = 3\ncomments_per_article = 0\nreactions_per_day = 0")
            .await;
    let admin = app.staff(Role::Admin).await;
    let moderator = app.moderator().await;
    for n in 0..5 {
        let posted = app
            .comment(&moderator, DEMO_ARTICLE, &format!("데스크 {n}"))
            .await;
        assert_eq!(posted.status(), 201, "staff have no quota");
    }

    let demoted = app
        .put_as(
            &admin,
            &format!("/api/v1/admin/users/{}/role", moderator.id),
            &json!({"role": "reader"}),
        )
        .await;
    assert_eq!(demoted.status(), 200);
    let after = app.comment(&moderator, DEMO_ARTICLE, "이제 독자").await;
    let quota = json_body(
        app.get_as(
            &moderator,
            &format!("/api/v1/auth/me/quota?article_id={DEMO_ARTICLE}"),
        )
        .await,
    )
    .await;

    assert_problem(after, 429, "quota_exceeded").await;
    assert_eq!(quota["comments_today"]["remaining"], 0, "{quota}");
}

#[tokio::test]
async fn odd_article_ids_on_the_quota_answer_are_a_4xx() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    let huge = "a".repeat(5000);
    let tries = [
        "?article_id=".to_owned(),
        format!("?article_id={huge}"),
        "?article_id=abc%00def".to_owned(),
        "?article_id=..%2F..%2Fadmin".to_owned(),
        "?article_id=a/b".to_owned(),
        format!("?article_id={DEMO_ARTICLE}&article_id={OTHER_ARTICLE}"),
        "?article_id=%FF%FE".to_owned(),
        "?article_id=no-such-article".to_owned(),
    ];
    for query in tries {
        let response = app
            .get_as(&reader, &format!("/api/v1/auth/me/quota{query}"))
            .await;
        let status = response.status().as_u16();
        let body = json_body(response).await;
        assert!((400..500).contains(&status), "{query}: {status} {body}");
        assert!(body["code"].is_string(), "{query}: {body}");
    }
}

// Bodies

async fn send_raw(
    app: &TestApp,
    user: &TestUser,
    method: reqwest::Method,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (u16, Value) {
    let mut request = app
        .client
        .request(method, app.url(path))
        .bearer_auth(&user.token)
        .body(body);
    if let Some(content_type) = content_type {
        request = request.header(CONTENT_TYPE, content_type);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn wrong_bodies_for_reactions_and_picks_are_a_4xx_with_a_code() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let (author, reader) = (app.reader().await, app.reader().await);
    let id = post_many(&app, &author, 1).await.remove(0);
    let json = Some("application/json");
    let huge = format!(r#"{{"kind": "like", "pad": "{}"}}"#, "x".repeat(100_000));
    let reaction_bodies: Vec<(Option<&str>, Vec<u8>)> = vec![
        (json, br#"{"kind": ["like"]}"#.to_vec()),
        (json, br#"{"kind": null}"#.to_vec()),
        (json, br#"{"kind": 1}"#.to_vec()),
        (json, br#"{"kind": "LIKE"}"#.to_vec()),
        (json, br#"{"kind": "like\u0000"}"#.to_vec()),
        (json, b"".to_vec()),
        (json, b"like".to_vec()),
        (json, huge.into_bytes()),
        (Some("text/plain"), br#"{"kind": "like"}"#.to_vec()),
        (
            Some("application/x-www-form-urlencoded"),
            b"kind=like".to_vec(),
        ),
        (None, br#"{"kind": "like"}"#.to_vec()),
    ];
    for (content_type, body) in reaction_bodies {
        let shown = String::from_utf8_lossy(&body[..body.len().min(40)]).into_owned();
        let (status, problem) = send_raw(
            &app,
            &reader,
            reqwest::Method::PUT,
            &reaction_path(&id),
            content_type,
            body,
        )
        .await;
        assert!(
            (400..500).contains(&status),
            "{content_type:?} {shown}: {status}"
        );
        assert!(problem["code"].is_string(), "{shown}: {problem}");
    }
    assert_eq!(rows(&app, &id).await, (0, 0), "no reaction from a bad body");

    let featured = format!("/api/v1/moderation/comments/{id}/featured");
    let long_note = format!(r#"{{"featured": true, "note": "{}"}}"#, "가".repeat(5000));
    let pick_bodies: [&[u8]; 7] = [
        br#"{"featured": 1}"#,
        br#"{"featured": "true"}"#,
        br#"{"featured": null}"#,
        br#"{}"#,
        br#"{"featured": true, "note": 5}"#,
        b"true",
        long_note.as_bytes(),
    ];
    for body in pick_bodies {
        let shown = String::from_utf8_lossy(&body[..body.len().min(40)]).into_owned();
        let (status, problem) = send_raw(
            &app,
            &moderator,
            reqwest::Method::PUT,
            &featured,
            json,
            body.to_vec(),
        )
        .await;
        assert!((400..500).contains(&status), "{shown}: {status}");
        assert!(problem["code"].is_string(), "{shown}: {problem}");
    }
    assert!(!comment_as(&app, &reader, &id).await.featured);
}

#[tokio::test]
async fn a_reader_cannot_pick_nor_list_reactors_and_odd_ids_are_not_found() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let (author, reader) = (app.reader().await, app.reader().await);
    let id = post_many(&app, &author, 1).await.remove(0);
    let pick = json!({"featured": true});

    let by_reader = app
        .put_as(
            &reader,
            &format!("/api/v1/moderation/comments/{id}/featured"),
            &pick,
        )
        .await;
    let list_by_reader = app
        .get_as(
            &reader,
            &format!("/api/v1/moderation/comments/{id}/reactions"),
        )
        .await;
    assert_problem(by_reader, 403, "forbidden").await;
    assert_problem(list_by_reader, 403, "forbidden").await;
    for odd in ["0", "-1", "1e3", "99999999999999999999", "%00"] {
        let picked = app
            .put_as(
                &moderator,
                &format!("/api/v1/moderation/comments/{odd}/featured"),
                &pick,
            )
            .await;
        let listed = app
            .get_as(
                &moderator,
                &format!("/api/v1/moderation/comments/{odd}/reactions"),
            )
            .await;
        let reacted = react(&app, &reader, odd, "like").await;
        assert_problem(picked, 404, "comment_not_found").await;
        assert_problem(listed, 404, "comment_not_found").await;
        assert_problem(reacted, 404, "comment_not_found").await;
    }
}

// Deleted comments, picks and the best comments

#[tokio::test]
async fn a_deleted_comment_is_neither_a_best_comment_nor_an_editors_pick() {
    let app = TestApp::spawn_with(|s| s.best_min_score = 1).await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let crowd = readers(&app, 3).await;
    let id = post_many(&app, &author, 1).await.remove(0);
    let reply = app
        .reply(
            &crowd[0],
            DEMO_ARTICLE,
            &id,
            "답글이 있으면 흔적이 남습니다",
        )
        .await;
    assert_eq!(reply.status(), 201);
    for reader in &crowd {
        assert_eq!(react(&app, reader, &id, "like").await.status(), 200);
    }
    let picked = app
        .put_as(
            &moderator,
            &format!("/api/v1/moderation/comments/{id}/featured"),
            &json!({"featured": true}),
        )
        .await;
    assert_eq!(picked.status(), 200);
    let best = format!("/api/v1/articles/{DEMO_ARTICLE}/best");
    let best_ids = |list: &Value| crate::helpers::listed_ids(list);
    assert_eq!(best_ids(&app.list(&best).await), [id.as_str()]);

    let deleted = app
        .delete_as(&author, &format!("/api/v1/comments/{id}"))
        .await;
    assert!(deleted.status().is_success());

    let best_now = best_ids(&app.list(&best).await);
    let listed = page(&app, &listing("newest")).await;
    let tombstone = &listed.items[0].comment;
    assert_eq!(tombstone.id, id);
    assert_eq!(tombstone.status, "deleted");
    assert!(!tombstone.featured, "a tombstone carries no 편집자 추천");
    assert!(best_now.is_empty(), "a tombstone is not a best comment");
}

// Histories

async fn history_status(app: &TestApp, id: &str) -> (u16, Value) {
    let response = app.get(&format!("/api/v1/users/{id}/history")).await;
    let status = response.status().as_u16();
    (status, json_body(response).await)
}

const ODD_USER_IDS: [&str; 7] = [
    "0",
    "-1",
    "1e3",
    "99999999999999999999",
    "%00",
    "abc",
    "1%2F2",
];

#[tokio::test]
async fn a_private_newsroom_answers_the_same_for_every_id() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    app.published_comment(&reader, DEMO_ARTICLE, "비공개 이력")
        .await;

    let mut ids = vec![reader.id.clone(), "424242".to_owned()];
    ids.extend(ODD_USER_IDS.iter().map(|s| s.to_string()));
    let mut bodies = HashSet::new();
    for id in &ids {
        let response = app.get(&format!("/api/v1/users/{id}/history")).await;
        let body = assert_problem(response, 404, "history_not_public").await;
        bodies.insert(body.to_string());
    }
    assert_eq!(bodies.len(), 1, "one answer for all: {bodies:?}");
}

#[tokio::test]
async fn a_public_history_shows_only_what_everyone_may_read() {
    let app = TestApp::spawn_with(|s| {
        s.author_history_public = true;
        s.reports_to_hide = 1;
    })
    .await;
    let moderator = app.moderator().await;
    let (author, other, reporter) = (app.reader().await, app.reader().await, app.reader().await);
    let shown = app
        .published_comment(&author, DEMO_ARTICLE, "보여야 할 댓글")
        .await
        .id;
    app.held_comment(&author, DEMO_ARTICLE, "연락 주세요 010-2222-3333")
        .await;
    let rejected = app
        .published_comment(&author, DEMO_ARTICLE, "거절될 댓글")
        .await
        .id;
    app.decided(
        &moderator,
        &rejected,
        &json!({"action": "reject", "reason": "abuse"}),
    )
    .await;
    let deleted = app
        .published_comment(&author, DEMO_ARTICLE, "지울 댓글")
        .await
        .id;
    app.delete_as(&author, &format!("/api/v1/comments/{deleted}"))
        .await;
    let hidden = app
        .published_comment(&author, OTHER_ARTICLE, "숨겨질 댓글")
        .await
        .id;
    let report = app
        .post_as(
            &reporter,
            &format!("/api/v1/comments/{hidden}/reports"),
            &json!({"reason": "abuse"}),
        )
        .await;
    assert!(report.status().is_success());
    // A reply into someone else's thread that a moderator then rejects.
    let root = app
        .published_comment(&other, DEMO_ARTICLE, "곧 거절될 글")
        .await
        .id;
    let reply = app
        .reply(&author, DEMO_ARTICLE, &root, "거절된 글에 단 답글")
        .await;
    assert_eq!(reply.status(), 201);
    let reply = parse::<CommentAnswer>(reply).await.comment.id;
    app.decided(
        &moderator,
        &root,
        &json!({"action": "reject", "reason": "abuse"}),
    )
    .await;
    let reply_direct = app.get(&format!("/api/v1/comments/{reply}")).await.status();

    let (status, body) = history_status(&app, &author.id).await;

    assert_eq!(status, 200, "{body}");
    let text = body.to_string();
    assert!(!text.contains(&author.email), "no email: {text}");
    assert!(!text.contains("010-2222-3333"), "no held text");
    for gone in ["거절될 댓글", "지울 댓글", "숨겨질 댓글"] {
        assert!(!text.contains(gone), "{gone} is not shown: {text}");
    }
    let listed: Vec<&str> = body["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    if reply_direct == 200 {
        assert_eq!(listed, [reply.as_str(), shown.as_str()]);
    } else {
        assert_eq!(
            listed,
            [shown.as_str()],
            "what nobody can open is not shown"
        );
    }
    assert_eq!(body["published_count"], listed.len(), "{body}");
}

#[tokio::test]
async fn a_banned_readers_history_wears_the_badge_and_odd_ids_are_not_found() {
    let app = TestApp::spawn_with(|s| s.author_history_public = true).await;
    let moderator = app.moderator().await;
    let reader = app.reader().await;
    app.published_comment(&reader, DEMO_ARTICLE, "차단 전에 쓴 댓글")
        .await;
    app.sanctioned(
        &moderator,
        &reader,
        &json!({"kind": "ban", "reason": "abuse"}),
    )
    .await;

    let (status, body) = history_status(&app, &reader.id).await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["sanctioned"], true, "{body}");
    assert!(!body.to_string().contains(&reader.email));
    for id in ODD_USER_IDS.iter().copied().chain(["424242"]) {
        let response = app.get(&format!("/api/v1/users/{id}/history")).await;
        assert_problem(response, 404, "user_not_found").await;
    }
    let ranked = cursor("v2:1:1:1");
    for query in [
        "limit=999999999999999999999".to_owned(),
        "limit=0".to_owned(),
        "limit=1&limit=2".to_owned(),
        format!("cursor={ranked}"),
        "cursor=%00".to_owned(),
    ] {
        let response = app
            .get(&format!("/api/v1/users/{}/history?{query}", reader.id))
            .await;
        let status = response.status().as_u16();
        let body = json_body(response).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert!(body["code"].is_string(), "{query}: {body}");
    }
}

// Cross-site

fn session_cookie(response: &Response) -> String {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("comment_desk_session="))
        .expect("a session cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_reaction_with_the_cookie_from_a_foreign_origin_is_refused() {
    let app =
        TestApp::spawn_with(|s| s.allowed_origins = vec!["https://news.example".into()]).await;
    let author = app.reader().await;
    let id = post_many(&app, &author, 1).await.remove(0);
    let registered = app.register("kim@news.example", "Kim", PASSWORD).await;
    let cookie = session_cookie(&registered);
    let path = app.url(&reaction_path(&id));

    for origin in [
        "https://evil.example",
        "null",
        "https://news.example.evil.example",
    ] {
        let put = app
            .client
            .put(&path)
            .header(COOKIE, &cookie)
            .header(ORIGIN, origin)
            .json(&json!({"kind": "like"}))
            .send()
            .await
            .unwrap();
        let delete = app
            .client
            .delete(&path)
            .header(COOKIE, &cookie)
            .header(ORIGIN, origin)
            .send()
            .await
            .unwrap();
        assert_problem(put, 403, "cross_site_request").await;
        assert_problem(delete, 403, "cross_site_request").await;
    }
    let allowed = app
        .client
        .put(&path)
        .header(COOKIE, &cookie)
        .header(ORIGIN, "https://news.example")
        .json(&json!({"kind": "like"}))
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), 200, "the allowed origin may react");
    assert_eq!(rows(&app, &id).await, (1, 0));

    let moderator = app.moderator().await;
    let logged_in = app.login(&moderator.email, PASSWORD).await;
    let desk_cookie = session_cookie(&logged_in);
    let pick = app
        .client
        .put(app.url(&format!("/api/v1/moderation/comments/{id}/featured")))
        .header(COOKIE, &desk_cookie)
        .header(ORIGIN, "https://evil.example")
        .json(&json!({"featured": true}))
        .send()
        .await
        .unwrap();
    assert_problem(pick, 403, "cross_site_request").await;
    let seen = json_body(app.get(&format!("/api/v1/comments/{id}")).await).await;
    assert_eq!(seen["comment"]["featured"], false, "{seen}");
}

#[tokio::test]
async fn an_authors_own_held_comment_is_not_a_best_comment_on_their_page() {
    let app = TestApp::spawn_with(|s| s.best_min_score = 1).await;
    let author = app.reader().await;
    let crowd = readers(&app, 2).await;
    let id = post_many(&app, &author, 1).await.remove(0);
    for reader in &crowd {
        assert_eq!(react(&app, reader, &id, "like").await.status(), 200);
    }
    let held = app.edit_as(&author, &id, "연락 주세요 010-4444-5555").await;
    let held = json_body(held).await;
    assert_eq!(
        held["comment"]["status"], "pending",
        "the edit is held: {held}"
    );

    let best = format!("/api/v1/articles/{DEMO_ARTICLE}/best");
    let response = app.get_as(&author, &best).await;
    assert_eq!(response.status(), 200);
    let own_view = json_body(response).await;

    assert_eq!(
        crate::helpers::listed_ids(&own_view),
        Vec::<String>::new(),
        "{own_view}"
    );
}

#[tokio::test]
async fn extra_fields_cannot_set_counts_owners_or_states() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let (author, reader) = (app.reader().await, app.reader().await);
    let id = post_many(&app, &author, 1).await.remove(0);
    let sneaky = json!({
        "kind": "like", "likes": 1000, "dislikes": -5, "account_id": author.id,
        "my_reaction": "dislike", "comment_id": "999"
    });

    let reacted = app.put_as(&reader, &reaction_path(&id), &sneaky).await;
    let picked = app
        .put_as(
            &moderator,
            &format!("/api/v1/moderation/comments/{id}/featured"),
            &json!({"featured": true, "status": "rejected", "likes": 77, "body": "바뀐 글"}),
        )
        .await;

    assert_eq!(reacted.status(), 200);
    let tally = json_body(reacted).await;
    assert_eq!(
        (tally["likes"].clone(), tally["dislikes"].clone()),
        (json!(1), json!(0))
    );
    assert_eq!(tally["my_reaction"], "like");
    assert_eq!(rows(&app, &id).await, (1, 0));
    assert_eq!(picked.status(), 200);
    let seen = comment_as(&app, &reader, &id).await;
    assert_eq!(seen.status, "published");
    assert_eq!(seen.body, "공격 시험 댓글 0번");
    assert_eq!((seen.likes, seen.featured), (1, true));
    assert_eq!(seen.my_reaction.as_deref(), Some("like"));
}

#[tokio::test]
async fn a_cursor_cut_before_the_pruned_changes_restarts_as_of_now() {
    let app = TestApp::spawn_with(|s| s.ratio_min_reactions = 1).await;
    let author = app.reader().await;
    let crowd = readers(&app, 2).await;
    let ids = post_many(&app, &author, 6).await;
    for (n, id) in ids.iter().enumerate() {
        for reader in crowd.iter().take(n % 3) {
            assert_eq!(react(&app, reader, id, "like").await.status(), 200);
        }
    }
    let first = page(&app, &format!("{}&limit=2", listing("best"))).await;
    let next = first.next_cursor.clone().expect("a second page");
    // As the writer records a prune that went past every change so far.
    mark_pruned_up_to(&app, 1_000_000).await;

    let rest = walk(&app, "best", Some(next)).await;

    let shown: Vec<String> = first.ids(|t| &t.comment.id);
    let unique: HashSet<_> = rest.iter().collect();
    assert_eq!(unique.len(), rest.len(), "{rest:?}");
    let all: HashSet<_> = shown.iter().chain(&rest).collect();
    assert_eq!(
        all.len(),
        ids.len(),
        "nothing lost: {shown:?} then {rest:?}"
    );
}

async fn mark_pruned_up_to(app: &TestApp, seq: i64) {
    let pool = raw_pool(&app.database_url).await;
    sqlx::query(
        "INSERT INTO meta (key, value) VALUES ('reaction_changes_pruned', $1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(seq.to_string())
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
}

#[tokio::test]
async fn a_reply_sent_under_another_editorial_cannot_dodge_its_quota() {
    let (app, _policy) =
        app_with_quotas("comments_per_day = 0\ncomments_per_article = 1\nreactions_per_day = 0")
            .await;
    let (author, reader) = (app.reader().await, app.reader().await);
    let root = post_many(&app, &author, 1).await.remove(0);
    app.published_comment(&reader, DEMO_ARTICLE, "이 기사에 하나")
        .await;

    let dodge = app
        .reply(&reader, OTHER_ARTICLE, &root, "다른 기사 경로로 보낸 답글")
        .await;
    let direct = app
        .reply(&reader, DEMO_ARTICLE, &root, "이 기사 경로로 보낸 답글")
        .await;

    let status = dodge.status().as_u16();
    let body = json_body(dodge).await;
    assert!((400..500).contains(&status), "{status}: {body}");
    assert_problem(direct, 429, "quota_exceeded").await;
    assert_eq!(stored_by(&app, &reader).await, [DEMO_ARTICLE]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn presses_at_once_get_exactly_the_reaction_rate_limit() {
    let (dir, path) =
        quota_policy("comments_per_day = 0\ncomments_per_article = 0\nreactions_per_day = 0");
    let app = TestApp::spawn_with(|s| {
        s.rate_limits = true;
        s.reaction_limit = comment_desk::domain::policy::FloodLimit {
            count: 5,
            per: std::time::Duration::from_secs(60),
        };
        s.policy_file = Some(path);
    })
    .await;
    let _policy = dir;
    let app = Arc::new(app);
    let (author, reader) = (app.reader().await, app.reader().await);
    let ids = post_many(&app, &author, 20).await;

    let statuses = like_all_at_once(&app, &reader, &ids).await;

    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        5,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| [200, 429].contains(s)),
        "{statuses:?}"
    );
    let back = app.delete_as(&reader, &reaction_path(&ids[0])).await;
    assert!(back.status() == 200, "taking back is never limited");
}

/// Status, content type and body length of `method path`, with a token or none.
async fn answer(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    user: Option<&TestUser>,
) -> (u16, String, usize) {
    let mut request = app.client.request(method, app.url(path));
    if let Some(user) = user {
        request = request.bearer_auth(&user.token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, response.bytes().await.unwrap().len())
}

#[tokio::test]
async fn head_answers_the_new_readings_as_get_does_without_a_body() {
    let app = TestApp::spawn_with(|s| s.author_history_public = true).await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let id = post_many(&app, &author, 1).await.remove(0);
    let paths = [
        format!("/api/v1/articles/{DEMO_ARTICLE}/best"),
        listing("best"),
        listing("ratio"),
        format!("{}&cursor={}", listing("best"), cursor("v9")),
        format!("/api/v1/users/{}/history", author.id),
        "/api/v1/users/0/history".to_owned(),
        format!("/api/v1/auth/me/quota?article_id={DEMO_ARTICLE}"),
        "/api/v1/auth/me/quota".to_owned(),
        format!("/api/v1/moderation/comments/{id}/reactions"),
        "/api/v1/moderation/comments/0/reactions".to_owned(),
    ];
    for user in [None, Some(&author), Some(&moderator)] {
        for path in &paths {
            let got = answer(&app, reqwest::Method::GET, path, user).await;
            let head = answer(&app, reqwest::Method::HEAD, path, user).await;
            assert!(got.0 < 500, "GET {path}: {got:?}");
            assert_eq!((head.0, &head.1), (got.0, &got.1), "HEAD {path}");
            assert_eq!(head.2, 0, "HEAD {path} has no body");
        }
    }
}
