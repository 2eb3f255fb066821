//! Live moderation events (`GET /api/v1/moderation/events`): real streams
//! from the real server, read chunk by chunk while the response stays open.

use std::time::Duration;

use reqwest::Response;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, assert_problem};

const EVENTS: &str = "/api/v1/moderation/events";

/// How long an event may take to reach an open stream.
const IN_TIME: Duration = Duration::from_secs(1);

/// One server-sent event as a desk receives it.
#[derive(Debug)]
pub struct Sse {
    pub id: String,
    pub event: String,
    pub data: Value,
}

/// An open event stream and what it sent so far that is not yet read.
pub struct EventStream {
    response: Response,
    buffer: String,
    /// The `retry:` line, once seen.
    retry: Option<String>,
}

impl EventStream {
    /// Opens a stream as `user` (bearer), after `last_id` if given.
    pub async fn open(app: &TestApp, user: &TestUser, last_id: Option<&str>) -> EventStream {
        let response = request(app, user, last_id).await;
        assert_eq!(response.status(), 200, "the stream opens");
        let content_type = response.headers()["content-type"].to_str().unwrap();
        assert_eq!(content_type, "text/event-stream");
        let mut stream = EventStream {
            response,
            buffer: String::new(),
            retry: None,
        };
        stream.read_retry().await;
        stream
    }

    /// The retry line comes first, before any event: the answer is not held back.
    async fn read_retry(&mut self) {
        let block = self.block(IN_TIME).await.expect("the retry line at once");
        assert_eq!(block, "retry: 2000", "first the retry line");
        self.retry = Some(block);
    }

    /// The next block (up to a blank line), or `None` if none came in `wait`.
    pub async fn block(&mut self, wait: Duration) -> Option<String> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block = self.buffer[..end].to_owned();
                self.buffer.drain(..end + 2);
                return Some(block);
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk()).await;
            match chunk {
                Err(_) => return None,
                Ok(chunk) => {
                    let chunk = chunk
                        .expect("the stream reads")
                        .expect("the stream is open");
                    self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
                }
            }
        }
    }

    /// The next event within `wait`, skipping comment lines (heartbeats).
    pub async fn event_within(&mut self, wait: Duration) -> Option<Sse> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let block = self.block(left).await?;
            if let Some(event) = parse_event(&block) {
                return Some(event);
            }
        }
    }

    async fn next(&mut self) -> Sse {
        self.event_within(IN_TIME)
            .await
            .expect("an event within a second")
    }
}

fn parse_event(block: &str) -> Option<Sse> {
    let (mut id, mut event, mut data) = (None, None, None);
    for line in block.lines() {
        if let Some(value) = line.strip_prefix("id: ") {
            id = Some(value.to_owned());
        } else if let Some(value) = line.strip_prefix("event: ") {
            event = Some(value.to_owned());
        } else if let Some(value) = line.strip_prefix("data: ") {
            data = Some(serde_json::from_str(value).expect("data is JSON"));
        }
    }
    Some(Sse {
        id: id?,
        event: event?,
        data: data?,
    })
}

pub async fn request(app: &TestApp, user: &TestUser, last_id: Option<&str>) -> Response {
    let mut request = app.client.get(app.url(EVENTS)).bearer_auth(&user.token);
    if let Some(id) = last_id {
        request = request.header("last-event-id", id);
    }
    request.send().await.unwrap()
}

/// An editorial whose every comment from a reader is held.
async fn premoderated(app: &TestApp, moderator: &TestUser) -> String {
    app.article(moderator, "premod-live", json!({"premoderation": true}))
        .await
}

fn id_number(event: &Sse) -> u64 {
    event.id.parse().expect("a decimal id")
}

#[tokio::test]
async fn a_held_comment_reaches_an_open_stream_within_a_second() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let article = premoderated(&app, &moderator).await;
    let mut stream = EventStream::open(&app, &moderator, None).await;
    assert!(stream.retry.is_some());

    let held = app
        .held_comment(&author, &article, "검토를 기다리는 댓글")
        .await;

    let event = stream.next().await;
    assert_eq!(event.event, "queued");
    assert_eq!(event.data["comment_id"], held.id);
    assert_eq!(event.data["user_id"], author.id, "the author");
    assert_eq!(event.data["state"], "pending");
    assert_eq!(event.data["article_id"], article);
    let at = event.data["at"].as_str().expect("at");
    chrono::DateTime::parse_from_rfc3339(at).expect("at is RFC 3339");
    let now = chrono::Utc::now().timestamp_micros() as u64;
    assert!(id_number(&event) <= now, "ids count from the start time");

    let published = app
        .comment(&author, crate::helpers::DEMO_ARTICLE, "평범한 댓글")
        .await;
    assert_eq!(published.status(), 201);
    let quiet = stream.event_within(Duration::from_millis(300)).await;
    assert!(
        quiet.is_none(),
        "a published comment is no event: {quiet:?}"
    );
}

#[tokio::test]
async fn a_link_held_by_the_policy_is_queued_and_an_edit_that_needs_no_review_leaves_the_queue() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let mut stream = EventStream::open(&app, &moderator, None).await;

    let held = app
        .held_comment(
            &author,
            crate::helpers::DEMO_ARTICLE,
            "자세한 내용은 https://example.com/story 참고",
        )
        .await;
    let queued = stream.next().await;
    assert_eq!(
        (queued.event.as_str(), &queued.data["comment_id"]),
        ("queued", &json!(held.id))
    );

    let edited = app.edit_as(&author, &held.id, "링크 없이 고친 댓글").await;
    assert_eq!(edited.status(), 200);
    let left = stream.next().await;
    assert_eq!(left.event, "decided", "it left the pending queue");
    assert_eq!(left.data["state"], "published");
    assert!(id_number(&left) > id_number(&queued), "ids increase");
}

#[tokio::test]
async fn decisions_reports_and_sanctions_reach_every_moderator_the_decider_too() {
    let app = TestApp::spawn_with(|s| s.reports_to_queue = 2).await;
    let decider = app.moderator().await;
    let other = app.moderator().await;
    let author = app.reader().await;
    let article = premoderated(&app, &decider).await;
    let mut mine = EventStream::open(&app, &decider, None).await;
    let mut theirs = EventStream::open(&app, &other, None).await;

    let held = app
        .held_comment(&author, &article, "결정을 기다리는 댓글")
        .await;
    for stream in [&mut mine, &mut theirs] {
        assert_eq!(stream.next().await.event, "queued");
    }

    app.decided(&decider, &held.id, &json!({"action": "approve"}))
        .await;
    for (stream, who) in [(&mut mine, "the decider"), (&mut theirs, "the other")] {
        let event = stream.next().await;
        assert_eq!(event.event, "decided", "{who}");
        assert_eq!(event.data["comment_id"], held.id, "{who}");
        assert_eq!(event.data["state"], "published", "{who}");
    }

    // Two ordinary reports put the comment in the reported queue.
    let cases = [
        ("published", "one report: not yet in the queue"),
        ("reported", "the second queues it"),
    ];
    for (state, case) in cases {
        let reporter = app.reader().await;
        let path = format!("/api/v1/comments/{}/reports", held.id);
        let filed = app
            .post_as(&reporter, &path, &json!({"reason": "spam"}))
            .await;
        assert_eq!(filed.status(), 202, "{case}");
        for stream in [&mut mine, &mut theirs] {
            let event = stream.next().await;
            assert_eq!(event.event, "reported", "{case}");
            assert_eq!(event.data["comment_id"], held.id, "{case}");
            assert_eq!(event.data["user_id"], author.id, "{case}: the author");
            assert_eq!(event.data["state"], state, "{case}");
        }
    }

    let until = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    app.sanctioned(
        &decider,
        &author,
        &json!({"kind": "suspend", "until": until, "reason": "광고"}),
    )
    .await;
    let lift = format!("/api/v1/moderation/users/{}/sanctions", author.id);
    assert_eq!(app.delete_as(&decider, &lift).await.status(), 204);
    app.sanctioned(
        &decider,
        &author,
        &json!({"kind": "ban", "reason": "반복 광고"}),
    )
    .await;
    for stream in [&mut mine, &mut theirs] {
        for state in ["suspended", "lifted", "banned"] {
            let event = stream.next().await;
            assert_eq!(event.event, "sanctioned", "{state}");
            assert_eq!(event.data["user_id"], author.id, "{state}");
            assert_eq!(event.data["state"], state);
            assert!(
                event.data.get("comment_id").is_none(),
                "no comment: {:?}",
                event.data
            );
        }
    }
}

#[tokio::test]
async fn deleting_a_queued_comment_tells_the_desks() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let article = premoderated(&app, &moderator).await;
    let mut stream = EventStream::open(&app, &moderator, None).await;

    let own = app.held_comment(&author, &article, "지울 댓글").await;
    let theirs = app
        .held_comment(&author, &article, "운영자가 지울 댓글")
        .await;
    for _ in 0..2 {
        assert_eq!(stream.next().await.event, "queued");
    }
    let by_author = app
        .delete_as(&author, &format!("/api/v1/comments/{}", own.id))
        .await;
    assert_eq!(by_author.status(), 204);
    let by_moderator = app
        .delete_as(&moderator, &format!("/api/v1/comments/{}", theirs.id))
        .await;
    assert_eq!(by_moderator.status(), 204);
    for (id, who) in [(&own.id, "the author"), (&theirs.id, "a moderator")] {
        let event = stream.next().await;
        assert_eq!(event.event, "decided", "{who}");
        assert_eq!(event.data["comment_id"], *id, "{who}");
        assert_eq!(event.data["state"], "deleted", "{who}");
    }

    let published = app
        .published_comment(&author, crate::helpers::DEMO_ARTICLE, "평범한 댓글")
        .await;
    let path = format!("/api/v1/comments/{}", published.id);
    assert_eq!(app.delete_as(&author, &path).await.status(), 204);
    let quiet = stream.event_within(Duration::from_millis(300)).await;
    assert!(quiet.is_none(), "it was in no queue: {quiet:?}");
}

#[tokio::test]
async fn a_reconnect_with_last_event_id_gets_only_the_later_events() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let article = premoderated(&app, &moderator).await;
    let mut first = EventStream::open(&app, &moderator, None).await;
    let mut held = Vec::new();
    for n in 0..3 {
        held.push(
            app.held_comment(&author, &article, &format!("댓글 {n}"))
                .await
                .id,
        );
    }
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(first.next().await.id);
    }
    drop(first);

    let mut again = EventStream::open(&app, &moderator, Some(&ids[0])).await;
    for (n, expected) in held.iter().enumerate().skip(1) {
        let event = again.next().await;
        assert_eq!(event.id, ids[n], "kept event {n}");
        assert_eq!(event.data["comment_id"], *expected);
    }
    let quiet = again.event_within(Duration::from_millis(300)).await;
    assert!(quiet.is_none(), "nothing twice: {quiet:?}");
    let live = app.held_comment(&author, &article, "새 댓글").await;
    let event = again.next().await;
    assert_eq!(event.data["comment_id"], live.id, "then live ones");
    assert!(id_number(&event) > ids[2].parse::<u64>().unwrap());
}

#[tokio::test]
async fn an_unparseable_last_event_id_counts_as_none() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let article = premoderated(&app, &moderator).await;
    app.held_comment(&author, &article, "먼저 온 댓글").await;

    for bad in ["abc", "-1", "18446744073709551616", ""] {
        let mut stream = EventStream::open(&app, &moderator, Some(bad)).await;
        let kept = stream.event_within(Duration::from_millis(200)).await;
        assert!(kept.is_none(), "{bad:?}: no replay: {kept:?}");
        let live = app
            .held_comment(&author, &article, &format!("{bad} 뒤의 댓글"))
            .await;
        assert_eq!(stream.next().await.data["comment_id"], live.id, "{bad:?}");
    }
}

#[tokio::test]
async fn only_staff_listen_by_bearer_or_cookie() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    let moderator = app.moderator().await;

    assert_problem(request(&app, &reader, None).await, 403, "forbidden").await;
    assert_problem(app.get(EVENTS).await, 401, "unauthenticated").await;

    let by_cookie = app
        .client
        .get(app.url(EVENTS))
        .header(
            "cookie",
            format!("comment_desk_session={}", moderator.token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(by_cookie.status(), 200, "the desk page's cookie");
    let mut stream = EventStream {
        response: by_cookie,
        buffer: String::new(),
        retry: None,
    };
    stream.read_retry().await;
}

#[tokio::test]
async fn streams_are_limited_and_a_closed_one_frees_its_slot() {
    let app = TestApp::spawn_with(|s| s.event_streams = 2).await;
    let moderator = app.moderator().await;
    let first = EventStream::open(&app, &moderator, None).await;
    let _second = EventStream::open(&app, &moderator, None).await;

    let refused = request(&app, &moderator, None).await;
    let retry_after = refused.headers().get("retry-after").cloned();
    assert_problem(refused, 503, "too_many_streams").await;
    assert!(retry_after.is_some(), "Retry-After is sent");

    drop(first);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    loop {
        let response = request(&app, &moderator, None).await;
        if response.status() == 200 {
            break;
        }
        assert_eq!(response.status(), 503);
        assert!(
            tokio::time::Instant::now() < deadline,
            "the closed stream's slot was not freed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The real binary stops promptly on SIGTERM with a desk's stream open:
/// the stream ends first, instead of holding the shutdown for its timeout.
#[tokio::test]
async fn sigterm_ends_open_streams_and_the_server_stops_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = crate::helpers::database_url(dir.path()).await;
    let created = tokio::process::Command::new(env!("CARGO_BIN_EXE_comment-desk"))
        .args(["user", "create", "--email", "night@news.example"])
        .args(["--display-name", "Night Desk", "--role", "moderator"])
        .arg("--password-stdin")
        .current_dir(dir.path())
        .env_clear()
        .env("DATABASE_URL", &database_url)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("user create starts");
    let mut created = created;
    let mut stdin = created.stdin.take().unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut stdin, crate::helpers::PASSWORD.as_bytes())
        .await
        .unwrap();
    drop(stdin);
    assert!(created.wait().await.unwrap().success(), "user create");
    let mut server =
        crate::helpers::start_binary(dir.path(), &[("DATABASE_URL", &database_url)]).await;
    let client = reqwest::Client::new();
    let login = client
        .post(format!("{}/api/v1/auth/login", server.address))
        .json(&json!({"email": "night@news.example", "password": crate::helpers::PASSWORD}))
        .send()
        .await
        .unwrap();
    let token = crate::helpers::json_body(login).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut stream = client
        .get(format!("{}{EVENTS}", server.address))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert!(stream.chunk().await.unwrap().is_some(), "the retry line");

    let pid = server.child.id().expect("running").to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status();
    assert!(killed.unwrap().success(), "SIGTERM sent");

    let ended = tokio::time::timeout(Duration::from_secs(2), stream.chunk()).await;
    assert!(
        matches!(ended, Ok(Ok(None))),
        "the stream ends cleanly: {ended:?}"
    );
    let stopped = tokio::time::timeout(Duration::from_secs(5), server.child.wait()).await;
    assert!(
        stopped.is_ok(),
        "the server stops well within its 10 s shutdown timeout"
    );
}

#[tokio::test]
async fn an_undo_puts_the_comment_back_in_every_desks_queue() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let other = app.moderator().await;
    let author = app.reader().await;
    let article = premoderated(&app, &moderator).await;
    let held = app.held_comment(&author, &article, "되돌릴 결정").await;
    let mut stream = EventStream::open(&app, &other, None).await;

    app.decided(&moderator, &held.id, &json!({"action": "approve"}))
        .await;
    assert_eq!(stream.next().await.event, "decided");
    let undo = app
        .post_as(
            &moderator,
            &format!("/api/v1/moderation/comments/{}/undo", held.id),
            &json!({}),
        )
        .await;
    assert_eq!(undo.status(), 200);

    let event = stream.next().await;
    assert_eq!(event.event, "queued", "{event:?}");
    assert_eq!(event.data["comment_id"], held.id);
    assert_eq!(event.data["state"], "pending");
}
