//! Two servers on one PostgreSQL database behave as one: what is done
//! through one holds on the other within a second. Each `TestApp` is a whole
//! server with its own store, caches, limits and listener; only the database
//! is shared. SQLite serves from one process, so these run on PostgreSQL.

use std::time::Duration;

use serde_json::json;

use crate::events::EventStream;
use crate::helpers::{DEMO_ARTICLE, Engine, TestApp, assert_problem, engine, listed_ids};

/// What a change on one server may take to hold on the other.
const WITHIN: Duration = Duration::from_secs(1);

/// Two servers on one fresh database, or `None` on SQLite.
async fn two_servers(
    configure: impl Fn(&mut comment_desk::config::Settings),
) -> Option<(TestApp, TestApp)> {
    if engine() == Engine::Sqlite {
        eprintln!("note: one process serves a SQLite file; the two-server tests run on PostgreSQL");
        return None;
    }
    let a = TestApp::spawn_with(&configure).await;
    let url = a.database_url.clone();
    let b = TestApp::spawn_with(|settings| {
        configure(settings);
        settings.database_url = url;
    })
    .await;
    Some((a, b))
}

/// Polls `check` until it holds or `WITHIN` has passed; true if it held.
async fn holds_within<F, Fut>(mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + WITHIN;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn listing() -> String {
    format!("/api/v1/articles/{DEMO_ARTICLE}/comments")
}

#[tokio::test]
async fn a_comment_posted_on_one_server_is_listed_and_removed_on_the_other() {
    let Some((a, b)) = two_servers(|_| {}).await else {
        return;
    };
    let reader = a.reader().await;
    let moderator = a.moderator().await;
    // B keeps its first page before the post: the kept page must not outlive it.
    assert!(listed_ids(&b.list(&listing()).await).is_empty());

    let posted = a
        .published(&reader, DEMO_ARTICLE, "한 서버에 쓴 댓글")
        .await;
    let id = posted["id"].as_str().unwrap().to_owned();

    let listed = holds_within(|| async { listed_ids(&b.list(&listing()).await).contains(&id) });
    assert!(listed.await, "B lists the comment posted on A");
    a.decided(
        &moderator,
        &id,
        &json!({"action": "reject", "reason": "abuse"}),
    )
    .await;
    let removed = holds_within(|| async { !listed_ids(&b.list(&listing()).await).contains(&id) });
    assert!(removed.await, "B stops listing the comment rejected on A");
}

#[tokio::test]
async fn a_logout_on_one_server_ends_the_session_on_the_other() {
    let Some((a, b)) = two_servers(|_| {}).await else {
        return;
    };
    let reader = a.reader().await;
    // B has seen the session, so it is in B's memory.
    assert_eq!(b.get_as(&reader, "/api/v1/auth/me").await.status(), 200);

    let logout = a
        .client
        .post(a.url("/api/v1/auth/logout"))
        .bearer_auth(&reader.token)
        .send()
        .await
        .unwrap();
    assert!(logout.status().is_success());

    let ended =
        holds_within(|| async { b.get_as(&reader, "/api/v1/auth/me").await.status() == 401 });
    assert!(ended.await, "B refuses the session logged out on A");
}

#[tokio::test]
async fn a_ban_on_one_server_binds_on_the_other_within_a_second() {
    let Some((a, b)) = two_servers(|_| {}).await else {
        return;
    };
    let reader = a.reader().await;
    let moderator = a.moderator().await;
    // B has checked the reader's sanctions already (none) and kept the answer.
    assert_eq!(
        b.comment(&reader, DEMO_ARTICLE, "밴 전에 쓴 댓글")
            .await
            .status(),
        201
    );

    a.sanctioned(
        &moderator,
        &reader,
        &json!({"kind": "ban", "reason": "spam"}),
    )
    .await;

    let mut n = 0;
    let banned = holds_within(|| {
        n += 1;
        let body = format!("밴 뒤에 쓴 댓글 {n}");
        let (b, reader) = (&b, &reader);
        async move { b.comment(reader, DEMO_ARTICLE, &body).await.status() == 403 }
    });
    assert!(banned.await, "B refuses the reader banned on A");
    let response = b.comment(&reader, DEMO_ARTICLE, "또 쓴 댓글").await;
    assert_problem(response, 403, "banned").await;
}

#[tokio::test]
async fn an_editorial_closed_on_one_server_is_closed_on_the_other() {
    let Some((a, b)) = two_servers(|_| {}).await else {
        return;
    };
    let moderator = a.moderator().await;
    let reader = a.reader().await;
    let article = a.article(&moderator, "closing-on-a", json!({})).await;
    assert_eq!(
        b.comment(&reader, &article, "열려 있을 때").await.status(),
        201
    );

    a.article(&moderator, &article, json!({"comments_open": false}))
        .await;

    let mut n = 0;
    let closed = holds_within(|| {
        n += 1;
        let body = format!("닫힌 뒤 {n}");
        let (b, reader, article) = (&b, &reader, &article);
        async move { b.comment(reader, article, &body).await.status() != 201 }
    });
    assert!(closed.await, "B refuses posts to the editorial closed on A");
}

#[tokio::test]
async fn a_rate_limit_counts_across_both_servers() {
    let Some((a, b)) = two_servers(|settings| {
        settings.rate_limits = true;
        settings.reaction_limit = comment_desk::domain::policy::FloodLimit {
            count: 4,
            per: Duration::from_secs(600),
        };
    })
    .await
    else {
        return;
    };
    let author = a.reader().await;
    let reader = a.reader().await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let posted = a
            .published(&author, DEMO_ARTICLE, &format!("공감할 댓글 {n}"))
            .await;
        ids.push(posted["id"].as_str().unwrap().to_owned());
    }

    let mut statuses = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        let server = if n % 2 == 0 { &a } else { &b };
        let path = format!("/api/v1/comments/{id}/reaction");
        let response = server
            .put_as(&reader, &path, &json!({"kind": "like"}))
            .await;
        statuses.push(response.status().as_u16());
    }

    assert_eq!(
        statuses[..4],
        [200; 4],
        "four reactions fit the limit: {statuses:?}"
    );
    assert_eq!(
        statuses[4], 429,
        "the fifth is over it, wherever it is sent: {statuses:?}"
    );
}

#[tokio::test]
async fn a_decision_on_one_server_reaches_a_desk_connected_to_the_other() {
    let Some((a, b)) = two_servers(|_| {}).await else {
        return;
    };
    let moderator = a.moderator().await;
    let author = a.reader().await;
    let article = a
        .article(&moderator, "premod-two", json!({"premoderation": true}))
        .await;
    let mut on_b = EventStream::open(&b, &moderator, None).await;
    let mut on_a = EventStream::open(&a, &moderator, None).await;

    let held = a
        .held_comment(&author, &article, "검토를 기다리는 댓글")
        .await;
    a.decided(&moderator, &held.id, &json!({"action": "approve"}))
        .await;

    let mut seen = Vec::new();
    for stream in [&mut on_a, &mut on_b] {
        let mut events = Vec::new();
        for _ in 0..2 {
            let event = stream.event_within(WITHIN).await.expect("an event");
            assert_eq!(event.data["comment_id"], held.id);
            events.push((event.event, event.id.parse::<u64>().expect("a decimal id")));
        }
        seen.push(events);
    }

    let kinds: Vec<&str> = seen[1].iter().map(|(kind, _)| kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["queued", "decided"],
        "B's desk hears both, in order"
    );
    assert!(seen[1][0].1 < seen[1][1].1, "ids increase");
    assert_eq!(
        seen[0], seen[1],
        "both desks see the same events under the same ids"
    );
}
