//! An attacker's pass over the moderator desk's API: cross-site writes with
//! the session cookie, readers and strangers on every desk route, odd
//! `Last-Event-ID`s, one account holding every stream, streams that outlive
//! their session, undo replays, odd notes and odd ids.

use std::time::Duration;

use comment_desk::domain::accounts::Role;
use reqwest::header::{COOKIE, ORIGIN, SET_COOKIE};
use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::events::{EventStream, request as stream_request};
use crate::helpers::{DEMO_ARTICLE, PASSWORD, TestApp, TestUser, assert_problem, json_body};

const EVENTS: &str = "/api/v1/moderation/events";

fn note_path(user_id: &str) -> String {
    format!("/api/v1/moderation/users/{user_id}/note")
}

fn sanctions_path(user_id: &str) -> String {
    format!("/api/v1/moderation/users/{user_id}/sanctions")
}

fn undo_path(id: &str) -> String {
    format!("/api/v1/moderation/comments/{id}/undo")
}

fn decision_path(id: &str) -> String {
    format!("/api/v1/moderation/comments/{id}/decision")
}

/// The `name=value` pair of the session cookie a login set.
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

/// What a stream sends within `wait`, and whether the server ended it.
async fn drain(response: &mut Response, wait: Duration) -> (String, bool) {
    let deadline = tokio::time::Instant::now() + wait;
    let mut text = String::new();
    loop {
        match tokio::time::timeout_at(deadline, response.chunk()).await {
            Err(_) => return (text, false),
            Ok(Ok(Some(chunk))) => text.push_str(&String::from_utf8_lossy(&chunk)),
            Ok(Ok(None) | Err(_)) => return (text, true),
        }
    }
}

fn event_count(text: &str) -> usize {
    text.lines().filter(|l| l.starts_with("id: ")).count()
}

/// Sanctions and lifts a reader `n` times: 2n events.
async fn make_events(app: &TestApp, moderator: &TestUser, n: usize) {
    let reader = app.reader().await;
    for _ in 0..n {
        let ban = json!({"kind": "ban", "reason": "spam"});
        app.sanctioned(moderator, &reader, &ban).await;
        let lifted = app.delete_as(moderator, &sanctions_path(&reader.id)).await;
        assert_eq!(lifted.status(), 204);
    }
}

// Cross-site writes

#[tokio::test]
async fn desk_writes_with_the_cookie_from_a_foreign_origin_are_refused() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let cookie = session_cookie(&app.login(&moderator.email, PASSWORD).await);
    let author = app.reader().await;
    let held = app
        .held_comment(&author, DEMO_ARTICLE, "연락처 010-1234-5678 남겨요")
        .await;
    let decided = app
        .published_comment(&author, DEMO_ARTICLE, "a fair point")
        .await;
    app.decided(
        &moderator,
        &decided.id,
        &json!({"action": "reject", "reason": "spam"}),
    )
    .await;
    let article_before =
        json_body(app.get(&format!("/api/v1/articles/{DEMO_ARTICLE}")).await).await;

    let writes = [
        (
            Method::POST,
            undo_path(&decided.id),
            Some(json!({})),
            "an undo",
        ),
        (
            Method::PUT,
            note_path(&author.id),
            Some(json!({"note": "planted"})),
            "a note",
        ),
        (
            Method::POST,
            sanctions_path(&author.id),
            Some(json!({"kind": "ban", "reason": "spam"})),
            "a ban",
        ),
        (Method::DELETE, sanctions_path(&author.id), None, "a lift"),
        (
            Method::POST,
            decision_path(&held.id),
            Some(json!({"action": "approve"})),
            "a decision",
        ),
        (
            Method::PUT,
            format!("/api/v1/articles/{DEMO_ARTICLE}"),
            Some(json!({"title": "Hijacked", "url": "/x", "comments_open": false})),
            "editorial settings",
        ),
    ];
    for (method, path, body, what) in &writes {
        for origin in [
            Some("https://evil.example"),
            Some("null"),
            Some("http://127.0.0.1.evil.example"),
            None,
        ] {
            let mut request = app
                .client
                .request(method.clone(), app.url(path))
                .header(COOKIE, &cookie)
                .header("sec-fetch-site", "cross-site");
            if let Some(origin) = origin {
                request = request.header(ORIGIN, origin);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 403, "{what} from {origin:?}");
            assert_problem(response, 403, "cross_site_request").await;
        }
    }

    let file = json_body(
        app.get_as(
            &moderator,
            &format!("/api/v1/moderation/users/{}", author.id),
        )
        .await,
    )
    .await;
    assert_eq!(file["note"], Value::Null, "no note: {file}");
    assert_eq!(file["sanctions"], json!([]), "no sanction: {file}");
    let pending = app.queue(&moderator, "?state=pending").await;
    assert_eq!(
        pending.ids(|i| &i.comment.id),
        std::slice::from_ref(&held.id),
        "still held"
    );
    let rejected = app.queue(&moderator, "?state=rejected").await;
    assert_eq!(
        rejected.ids(|i| &i.comment.id),
        std::slice::from_ref(&decided.id),
        "not undone"
    );
    let article_after = json_body(app.get(&format!("/api/v1/articles/{DEMO_ARTICLE}")).await).await;
    assert_eq!(article_after, article_before, "the editorial is unchanged");

    let same_origin = app
        .client
        .put(app.url(&note_path(&author.id)))
        .header(COOKIE, &cookie)
        .header(ORIGIN, &app.address)
        .json(&json!({"note": "from the desk"}))
        .send()
        .await
        .unwrap();
    assert_eq!(same_origin.status(), 200, "the desk's own origin may write");
}

// Who may call

#[tokio::test]
async fn readers_strangers_and_sanctioned_staff_get_nothing_from_the_desk() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    let author = app.reader().await;
    let suspended = app.moderator().await;
    let admin = app.staff(Role::Admin).await;
    let until = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    app.sanctioned(
        &admin,
        &suspended,
        &json!({"kind": "suspend", "until": until, "reason": "abuse"}),
    )
    .await;
    let comment = app
        .published_comment(&author, DEMO_ARTICLE, "a fair point")
        .await;
    let user = format!("/api/v1/moderation/users/{}", author.id);
    let routes = [
        (Method::GET, EVENTS.to_owned(), None),
        (Method::GET, "/api/v1/moderation/counts".to_owned(), None),
        (Method::GET, "/api/v1/moderation/queue".to_owned(), None),
        (Method::GET, "/api/v1/moderation/articles".to_owned(), None),
        (Method::GET, "/api/v1/moderation/log".to_owned(), None),
        (Method::GET, user.clone(), None),
        (Method::GET, format!("{user}/comments"), None),
        (
            Method::PUT,
            note_path(&author.id),
            Some(json!({"note": "x"})),
        ),
        (Method::POST, undo_path(&comment.id), Some(json!({}))),
        (
            Method::POST,
            decision_path(&comment.id),
            Some(json!({"action": "delete"})),
        ),
        (
            Method::POST,
            sanctions_path(&author.id),
            Some(json!({"kind": "ban", "reason": "spam"})),
        ),
        (Method::DELETE, sanctions_path(&author.id), None),
        (
            Method::PUT,
            format!("/api/v1/articles/{DEMO_ARTICLE}"),
            Some(json!({"title": "t", "url": "/t", "comments_open": false})),
        ),
    ];
    for (method, path, body) in &routes {
        let callers = [
            (None, 401, "unauthenticated"),
            (Some(&reader), 403, "forbidden"),
            (Some(&suspended), 403, "account_suspended"),
        ];
        for (caller, status, code) in callers {
            let mut request = app.client.request(method.clone(), app.url(path));
            if let Some(caller) = caller {
                request = request.bearer_auth(&caller.token);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), status, "{method} {path} as {code}");
            assert_problem(response, status, code).await;
        }
    }
    let seen = json_body(app.get(&format!("/api/v1/comments/{}", comment.id)).await).await;
    assert_eq!(
        seen["comment"]["status"], "published",
        "nothing was decided"
    );
}

// Last-Event-ID

#[tokio::test]
async fn odd_last_event_ids_never_fail_and_never_replay_more_than_the_window() {
    let app = TestApp::spawn_with(|s| s.event_window = 5).await;
    let moderator = app.moderator().await;
    make_events(&app, &moderator, 5).await;

    let huge = format!("1{}", "0".repeat(999));
    let odd: [(&[u8], &str); 12] = [
        (b"0", "zero: the whole window"),
        (b"1", "older than the window"),
        (b"18446744073709551615", "u64::MAX"),
        (b"18446744073709551616", "over u64"),
        (b"-1", "negative"),
        (b"-18446744073709551616", "very negative"),
        (huge.as_bytes(), "a thousand digits"),
        ("٣".as_bytes(), "an Arabic-Indic digit"),
        ("１２".as_bytes(), "full-width digits"),
        (b"1e3", "an exponent"),
        (b"0x10", "hex"),
        (b"\xff\xfe", "not UTF-8"),
    ];
    for (value, why) in odd {
        let mut response = app
            .client
            .get(app.url(EVENTS))
            .bearer_auth(&moderator.token)
            .header(
                "last-event-id",
                reqwest::header::HeaderValue::from_bytes(value).unwrap(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{why}");
        let (text, ended) = drain(&mut response, Duration::from_millis(300)).await;
        assert!(!ended, "{why}: the stream stays open");
        let replayed = event_count(&text);
        assert!(replayed <= 5, "{why}: {replayed} events, over the window");
        if why.starts_with("zero") || why.starts_with("older") {
            assert_eq!(replayed, 5, "{why}: what the window keeps");
        } else {
            assert_eq!(replayed, 0, "{why}: counts as none");
        }
    }
}

// Stream slots

#[tokio::test]
async fn one_account_cannot_take_every_stream_slot() {
    let app = TestApp::spawn_with(|s| {
        s.event_streams = 4;
        s.event_streams_per_account = 2;
    })
    .await;
    let greedy = app.moderator().await;
    let other = app.moderator().await;
    let mut held = Vec::new();
    for _ in 0..2 {
        held.push(EventStream::open(&app, &greedy, None).await);
    }
    for n in 0..3 {
        let refused = stream_request(&app, &greedy, None).await;
        assert!(refused.headers().contains_key("retry-after"), "try {n}");
        assert_problem(refused, 429, "too_many_account_streams").await;
    }
    let _first = EventStream::open(&app, &other, None).await;
    let _second = EventStream::open(&app, &other, None).await;

    held.pop();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    loop {
        let response = stream_request(&app, &greedy, None).await;
        if response.status() == 200 {
            break;
        }
        assert_eq!(response.status(), 429);
        assert!(
            tokio::time::Instant::now() < deadline,
            "the closed stream's account slot was not freed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// Streams that outlive their session

async fn open_stream(app: &TestApp, moderator: &TestUser) -> Response {
    let response = stream_request(app, moderator, None).await;
    assert_eq!(response.status(), 200);
    response
}

/// Lets the stream's last check of its session age past its recheck time.
async fn let_the_check_age() {
    tokio::time::sleep(Duration::from_millis(1_200)).await;
}

#[tokio::test]
async fn a_stream_ends_once_its_session_is_logged_out() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let other = app.moderator().await;
    let mut stream = open_stream(&app, &moderator).await;
    let mut witness = open_stream(&app, &other).await;

    let logout = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(&moderator.token)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 204);
    let_the_check_age().await;
    make_events(&app, &other, 1).await;

    let (text, ended) = drain(&mut stream, Duration::from_secs(2)).await;
    assert!(ended, "the logged-out stream ends: {text:?}");
    assert_eq!(event_count(&text), 0, "and delivers nothing more: {text:?}");
    let (text, ended) = drain(&mut witness, Duration::from_millis(500)).await;
    assert!(!ended, "another moderator's stream stays open");
    assert_eq!(event_count(&text), 2, "and gets the events: {text:?}");
}

/// With no event at all, the heartbeat (15 s) asks again and ends it.
#[tokio::test]
async fn a_quiet_stream_ends_at_the_heartbeat_after_a_logout() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let mut stream = open_stream(&app, &moderator).await;
    let logout = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(&moderator.token)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 204);

    let (text, ended) = drain(&mut stream, Duration::from_secs(18)).await;
    assert!(ended, "the quiet stream ends: {text:?}");
    assert!(
        !text.contains("heartbeat"),
        "no heartbeat for a logged-out session: {text:?}"
    );
}

#[tokio::test]
async fn a_stream_ends_once_its_moderator_is_suspended_or_demoted() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let suspended = app.moderator().await;
    let demoted = app.moderator().await;
    let mut suspended_stream = open_stream(&app, &suspended).await;
    let mut demoted_stream = open_stream(&app, &demoted).await;
    let_the_check_age().await;

    let role = app
        .put_as(
            &admin,
            &format!("/api/v1/admin/users/{}/role", demoted.id),
            &json!({"role": "reader"}),
        )
        .await;
    assert_eq!(role.status(), 200);
    let until = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    app.sanctioned(
        &admin,
        &suspended,
        &json!({"kind": "suspend", "until": until, "reason": "abuse"}),
    )
    .await;
    make_events(&app, &admin, 1).await;

    for (stream, who) in [
        (&mut suspended_stream, "suspended"),
        (&mut demoted_stream, "demoted"),
    ] {
        let (text, ended) = drain(stream, Duration::from_secs(2)).await;
        assert!(ended, "{who}: the stream ends: {text:?}");
        assert!(
            event_count(&text) <= 1,
            "{who}: at most the event of the change itself: {text:?}"
        );
    }
}

// Undo

#[tokio::test]
async fn undo_replays_and_a_crowd_of_undos_leave_one_undo() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let other = app.moderator().await;
    let author = app.reader().await;
    let comment = app
        .held_comment(&author, DEMO_ARTICLE, "연락처 010-2222-3333 남겨요")
        .await;

    let never = app
        .post_as(&moderator, &undo_path(&comment.id), &json!({}))
        .await;
    assert_problem(never, 409, "undo_unavailable").await;

    app.decided(&moderator, &comment.id, &json!({"action": "approve"}))
        .await;
    let by_other = app
        .post_as(&other, &undo_path(&comment.id), &json!({}))
        .await;
    assert_problem(by_other, 409, "undo_unavailable").await;

    let (path, empty) = (undo_path(&comment.id), json!({}));
    let crowd = (0..8).map(|_| app.post_as(&moderator, &path, &empty));
    let answers = futures_util::future::join_all(crowd).await;
    let won = answers.iter().filter(|r| r.status() == 200).count();
    assert_eq!(won, 1, "one undo of one decision");
    for answer in answers.into_iter().filter(|r| r.status() != 200) {
        assert_problem(answer, 409, "undo_unavailable").await;
    }
    let replay = app
        .post_as(&moderator, &undo_path(&comment.id), &json!({}))
        .await;
    assert_problem(replay, 409, "undo_unavailable").await;

    let pending = app.queue(&moderator, "?state=pending").await;
    assert_eq!(
        pending.ids(|i| &i.comment.id),
        std::slice::from_ref(&comment.id)
    );
    let undos = app
        .log(&moderator)
        .await
        .into_iter()
        .filter(|e| e.action == "undo")
        .count();
    assert_eq!(undos, 1, "one undo line in the log");
}

// Notes

#[tokio::test]
async fn odd_and_oversized_notes_get_a_clear_4xx() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let path = note_path(&author.id);
    let megabyte = "가".repeat(350_000);
    let cases = [
        (json!({"note": "bell \u{7}"}), "a control character"),
        (json!({"note": "nul \u{0}"}), "a NUL"),
        (json!({"note": "\u{202e}desrever"}), "a bidi override"),
        (json!({"note": "\u{2066}isolate"}), "a bidi isolate"),
        (json!({"note": megabyte}), "a megabyte"),
        (json!({"note": ["a"]}), "a list"),
        (json!({"note": null}), "null"),
        (json!("watch"), "not an object"),
    ];
    for (body, why) in cases {
        let response = app.put_as(&moderator, &path, &body).await;
        let status = response.status().as_u16();
        let problem = json_body(response).await;
        assert!((400..500).contains(&status), "{why}: {status} {problem}");
        assert!(problem["code"].is_string(), "{why}: {problem}");
    }
    let not_json = app
        .client
        .put(app.url(&path))
        .bearer_auth(&moderator.token)
        .header("content-type", "application/json")
        .body("{\"note\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400, "broken JSON");
    let file = json_body(
        app.get_as(
            &moderator,
            &format!("/api/v1/moderation/users/{}", author.id),
        )
        .await,
    )
    .await;
    assert_eq!(file["note"], Value::Null, "nothing was kept: {file}");
}

#[tokio::test]
async fn a_flood_of_notes_is_rate_limited_per_moderator_and_keeps_the_last_allowed() {
    let app = TestApp::spawn_with(|s| s.rate_limits = true).await;
    let flooder = app.moderator().await;
    let other = app.moderator().await;
    let author = app.reader().await;
    let path = note_path(&author.id);
    let mut refused = None;
    for n in 0..40 {
        let note = json!({"note": format!("note {n}")});
        let response = app.put_as(&flooder, &path, &note).await;
        if response.status() != 200 {
            let retry_after = response.headers().get("retry-after").cloned();
            assert_problem(response, 429, "rate_limited").await;
            assert!(retry_after.is_some(), "Retry-After is sent");
            refused = Some(n);
            break;
        }
    }
    let refused = refused.expect("a flood of notes is refused");
    assert!(
        refused >= 10,
        "a person's pace passes: refused at {refused}"
    );
    let file = json_body(
        app.get_as(&flooder, &format!("/api/v1/moderation/users/{}", author.id))
            .await,
    )
    .await;
    assert_eq!(file["note"]["text"], format!("note {}", refused - 1));
    let notes = app
        .log(&flooder)
        .await
        .into_iter()
        .filter(|e| e.action == "note")
        .count();
    assert_eq!(notes, refused, "one log line per note kept");

    let calm = app
        .put_as(&other, &path, &json!({"note": "another moderator"}))
        .await;
    assert_eq!(calm.status(), 200, "the limit is per moderator");
}

// Odd ids

#[tokio::test]
async fn odd_user_and_comment_ids_are_404_or_400_never_500() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let odd = [
        "-1",
        "0",
        "99999999999",
        "9223372036854775807",
        "9223372036854775808",
        "99999999999999999999999999",
        "abc",
        "1e3",
        "%EB%AA%A8",
        "%00",
        "%E2%80%AE1",
        " 1",
    ];
    for id in odd {
        let routes = [
            (Method::GET, format!("/api/v1/moderation/users/{id}"), None),
            (
                Method::GET,
                format!("/api/v1/moderation/users/{id}/comments"),
                None,
            ),
            (Method::PUT, note_path(id), Some(json!({"note": "x"}))),
            (
                Method::POST,
                sanctions_path(id),
                Some(json!({"kind": "ban", "reason": "spam"})),
            ),
            (Method::DELETE, sanctions_path(id), None),
            (Method::POST, undo_path(id), Some(json!({}))),
            (
                Method::POST,
                decision_path(id),
                Some(json!({"action": "approve"})),
            ),
        ];
        for (method, path, body) in routes {
            let mut request = app
                .client
                .request(method.clone(), app.url(&path))
                .bearer_auth(&moderator.token);
            if let Some(body) = body {
                request = request.json(&body);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let problem = json_body(response).await;
            assert!(
                status == 404 || status == 400,
                "{method} {path}: {status} {problem}"
            );
            assert!(problem["code"].is_string(), "{method} {path}: {problem}");
        }
        // A filter on an account that is not there finds nothing.
        let path = format!("/api/v1/moderation/log?user_id={id}");
        let response = app.get_as(&moderator, &path).await;
        let status = response.status().as_u16();
        let body = json_body(response).await;
        match status {
            200 => assert_eq!(body["entries"], json!([]), "{path}: {body}"),
            400 => assert!(body["code"].is_string(), "{path}: {body}"),
            _ => panic!("{path}: {status} {body}"),
        }
    }
}

// Editorial settings

#[tokio::test]
async fn an_editorial_path_cannot_leave_the_site_or_hide_controls() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let path = format!("/api/v1/articles/{DEMO_ARTICLE}");
    let before = json_body(app.get(&path).await).await;
    let cases = [
        ("/\\evil.example/x", "a backslash reads as a second slash"),
        ("/\\/evil.example", "backslash then slash"),
        (
            "https://news.example/a\\b",
            "a backslash in an absolute url",
        ),
        ("/x\u{0}y", "a NUL"),
        ("/x\u{7f}", "DEL"),
        ("/x\u{85}y", "a next-line control"),
    ];
    for (url, why) in cases {
        let body = json!({"title": "Editorial", "url": url});
        let response = app.put_as(&moderator, &path, &body).await;
        assert_eq!(response.status(), 422, "{why}");
        assert_problem(response, 422, "invalid_request").await;
    }
    let after = json_body(app.get(&path).await).await;
    assert_eq!(after, before, "the editorial is unchanged");
    let fine = app
        .put_as(
            &moderator,
            &path,
            &json!({"title": "Editorial", "url": "/editorials/a-b?c=d#e"}),
        )
        .await;
    assert_eq!(fine.status(), 200, "an ordinary path");
}

/// `HEAD` over a raw connection that asks the server to close after its
/// answer: whether it did within `wait`.
async fn head_closes(app: &TestApp, token: &str, wait: Duration) -> (String, bool) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let port: u16 = app.address.rsplit(':').next().unwrap().parse().unwrap();
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let request = format!(
        "HEAD {EVENTS} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let closed = tokio::time::timeout(wait, stream.read_to_end(&mut answer))
        .await
        .is_ok();
    (String::from_utf8_lossy(&answer).into_owned(), closed)
}

#[tokio::test]
async fn a_head_of_the_stream_answers_and_closes_without_taking_a_slot() {
    let app = TestApp::spawn_with(|s| s.event_streams = 1).await;
    let moderator = app.moderator().await;
    let reader = app.reader().await;

    let (answer, closed) = head_closes(&app, &moderator.token, Duration::from_secs(2)).await;
    assert!(closed, "the HEAD answer ends: {answer:?}");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
    assert!(answer.contains("text/event-stream"), "{answer:?}");
    let (answer, closed) = head_closes(&app, &reader.token, Duration::from_secs(2)).await;
    assert!(
        closed && answer.starts_with("HTTP/1.1 403"),
        "a reader: {answer:?}"
    );

    // While a HEAD is answered the one slot stays free for a real desk.
    let held = tokio::spawn({
        let (app_address, token) = (app.address.clone(), moderator.token.clone());
        async move {
            let client = reqwest::Client::new();
            let head = client
                .head(format!("{app_address}{EVENTS}"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_secs(2)).await;
            drop(head);
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let response = stream_request(&app, &moderator, None).await;
    assert_eq!(response.status(), 200, "the slot is free");
    held.abort();
}

// Odd queries, versions and times

#[tokio::test]
async fn odd_filters_versions_and_times_never_fail() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let held = app
        .held_comment(&author, DEMO_ARTICLE, "연락처 010-4321-8765 남겨요")
        .await;
    let long = "a".repeat(5_000);
    let user = format!("/api/v1/moderation/users/{}", author.id);
    let reads = [
        "/api/v1/moderation/counts?rule=%00".to_owned(),
        "/api/v1/moderation/counts?rule=phone_number&rule=spam".to_owned(),
        "/api/v1/moderation/counts?article_id=%3Cscript%3E".to_owned(),
        format!("/api/v1/moderation/counts?article_id={long}"),
        "/api/v1/moderation/queue?rule=%E2%80%AE".to_owned(),
        "/api/v1/moderation/queue?state=pending&rule=phone_number&article_id=..%2F..".to_owned(),
        format!("{user}/comments?limit=-1"),
        format!("{user}/comments?limit=99999999999999999999"),
        format!("{user}/comments?cursor=%FF%FE"),
        format!("{user}/comments?cursor={long}"),
        format!("/api/v1/moderation/log?user_id={}&cursor=x", author.id),
    ];
    for path in &reads {
        let response = app.get_as(&moderator, path).await;
        let status = response.status().as_u16();
        let body = json_body(response).await;
        assert!(status == 200 || status == 400, "{path}: {status} {body}");
        if status == 400 {
            assert!(body["code"].is_string(), "{path}: {body}");
        }
    }

    let decisions = [
        json!({"action": "approve", "version": -1}),
        json!({"action": "approve", "version": i64::MAX}),
        json!({"action": "approve", "version": 1e300}),
        json!({"action": "approve", "version": "1"}),
        json!({"action": "reject", "reason": "no-such-reason"}),
        json!({"action": "reject"}),
        json!({"action": "APPROVE"}),
    ];
    for decision in decisions {
        let response = app.decide(&moderator, &held.id, &decision).await;
        let status = response.status().as_u16();
        let body = json_body(response).await;
        assert!((400..500).contains(&status), "{decision}: {status} {body}");
        assert!(body["code"].is_string(), "{decision}: {body}");
    }
    let pending = app.queue(&moderator, "?state=pending").await;
    assert_eq!(pending.items.len(), 1, "the comment is still held");

    let sanctions = format!("{user}/sanctions");
    let times = [
        ("+275760-09-13T00:00:00Z", "beyond any date"),
        ("10000-01-01T00:00:00Z", "a five-digit year"),
        ("1969-12-31T23:59:59Z", "before the epoch"),
        ("2026-02-30T00:00:00Z", "no such day"),
        ("not a time", "not a time"),
    ];
    for (until, why) in times {
        let body = json!({"kind": "suspend", "until": until, "reason": "abuse"});
        let response = app.post_as(&moderator, &sanctions, &body).await;
        let status = response.status().as_u16();
        let problem = json_body(response).await;
        assert!((400..500).contains(&status), "{why}: {status} {problem}");
    }
    let far = json!({"kind": "suspend", "until": "9999-12-31T23:59:59Z", "reason": "abuse"});
    let given = app.post_as(&moderator, &sanctions, &far).await;
    assert_eq!(
        given.status(),
        201,
        "the last second of year 9999 is a time"
    );
    let file = app.get_as(&moderator, &user).await;
    assert_eq!(file.status(), 200);
    let queue = app.get_as(&moderator, "/api/v1/moderation/queue").await;
    assert_eq!(queue.status(), 200, "the queue shows the far suspension");
}

#[tokio::test]
async fn the_moderators_note_never_reaches_the_account_or_the_public() {
    let app = TestApp::spawn_with(|s| s.author_history_public = true).await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let comment = app
        .published_comment(&author, DEMO_ARTICLE, "a fair point")
        .await;
    let secret = "내부 메모 SECRET-NOTE-7731";
    let set = app
        .put_as(&moderator, &note_path(&author.id), &json!({"note": secret}))
        .await;
    assert_eq!(set.status(), 200);
    let views = [
        (Some(&author), "/api/v1/auth/me".to_owned()),
        (
            Some(&author),
            format!("/api/v1/users/{}/history", author.id),
        ),
        (None, format!("/api/v1/users/{}/history", author.id)),
        (None, format!("/api/v1/comments/{}", comment.id)),
        (None, format!("/api/v1/articles/{DEMO_ARTICLE}/comments")),
    ];
    for (caller, path) in views {
        let response = match caller {
            Some(user) => app.get_as(user, &path).await,
            None => app.get(&path).await,
        };
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {text}");
        assert!(
            !text.contains("SECRET-NOTE"),
            "{path} shows the note: {text}"
        );
    }
    let log = app.get_as(&author, "/api/v1/moderation/log").await;
    assert_problem(log, 403, "forbidden").await;
}
