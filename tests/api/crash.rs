//! Every comment the server acknowledged survives a crash: the real binary is
//! killed with SIGKILL while posts are in flight, started again on the same
//! database, and each acknowledged comment is read back with its exact body.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use reqwest::Client;
use serde_json::{Value, json};
use sqlx::sqlite::SqliteConnectOptions;
use tokio::sync::mpsc;

use crate::helpers::{
    DEMO_ARTICLE, Engine, PASSWORD, RunningBinary, database_url, engine, json_body, start_binary,
};

const POSTERS: usize = 8;
const KILL_AFTER: usize = 60;

/// The real binary on a free port; a load of posts from one account, so the
/// rate limits are off (they are not what is tested here).
async fn serve(dir: &Path, database_url: &str) -> RunningBinary {
    start_binary(
        dir,
        &[("DATABASE_URL", database_url), ("RATE_LIMITS", "off")],
    )
    .await
}

/// Posts distinct comments until `stop` is set or the server goes away,
/// reporting each one the server acknowledged with 201.
async fn post_until_stopped(
    client: Client,
    url: String,
    token: String,
    task: usize,
    stop: Arc<AtomicBool>,
    acknowledged: mpsc::UnboundedSender<(String, String)>,
) {
    let mut n = 0;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        let body = format!("Crash check, poster {task}, comment {n}: the ledger must hold.");
        let sent = client
            .post(&url)
            .bearer_auth(&token)
            .json(&json!({"body": body}))
            .send()
            .await;
        let Ok(response) = sent else { break };
        let status = response.status();
        let Ok(answer) = response.json::<Value>().await else {
            break;
        };
        assert_eq!(status, 201, "post {body:?} before the crash: {answer}");
        let comment = &answer["comment"];
        let id = comment["id"].as_str().expect("comment id").to_owned();
        let stored = comment["body"].as_str().expect("comment body").to_owned();
        if acknowledged.send((id, stored)).is_err() {
            break;
        }
    }
}

#[tokio::test]
async fn every_acknowledged_comment_survives_sigkill() {
    // Arrange: the real binary on a fresh database, one registered reader.
    let dir = tempfile::tempdir().unwrap();
    let database_url = database_url(dir.path()).await;
    let mut server = serve(dir.path(), &database_url).await;
    let client = Client::new();
    let registered = client
        .post(format!("{}/api/v1/auth/register", server.address))
        .json(&json!({"email": "crash@news.example", "display_name": "Crash Reader", "password": PASSWORD}))
        .send()
        .await
        .expect("register");
    assert_eq!(registered.status(), 201, "register the reader");
    let token = json_body(registered).await["token"]
        .as_str()
        .expect("token")
        .to_owned();

    // Act: post from many tasks; kill the process once enough were acknowledged.
    let url = format!("{}/api/v1/articles/{DEMO_ARTICLE}/comments", server.address);
    let stop = Arc::new(AtomicBool::new(false));
    let (sender, mut receiver) = mpsc::unbounded_channel();
    let posters: Vec<_> = (0..POSTERS)
        .map(|task| {
            tokio::spawn(post_until_stopped(
                client.clone(),
                url.clone(),
                token.clone(),
                task,
                stop.clone(),
                sender.clone(),
            ))
        })
        .collect();
    drop(sender);
    let mut acknowledged = Vec::new();
    while acknowledged.len() < KILL_AFTER {
        let ack = tokio::time::timeout(Duration::from_secs(20), receiver.recv())
            .await
            .expect("acknowledgements keep coming")
            .expect("the posters are still running");
        acknowledged.push(ack);
    }
    server.child.start_kill().expect("SIGKILL the server");
    stop.store(true, Ordering::SeqCst);
    let killed = server
        .child
        .wait()
        .await
        .expect("wait for the killed server");
    for poster in posters {
        poster.await.expect("a poster panicked");
    }
    // Answers that arrived while the kill was under way were acknowledged too.
    while let Some(ack) = receiver.recv().await {
        acknowledged.push(ack);
    }
    assert_eq!(
        killed.signal(),
        Some(9),
        "the server died of SIGKILL: {killed:?}"
    );

    // Assert: a new process on the same database has every acknowledged comment.
    let restarted = serve(dir.path(), &database_url).await;
    for (id, body) in &acknowledged {
        let response = client
            .get(format!("{}/api/v1/comments/{id}", restarted.address))
            .send()
            .await
            .expect("GET comment");
        assert_eq!(
            response.status(),
            200,
            "acknowledged comment {id} survives the crash"
        );
        let comment = json_body(response).await;
        assert_eq!(
            comment["comment"]["body"],
            body.as_str(),
            "comment {id} keeps its exact body"
        );
    }
    let listing = client
        .get(format!(
            "{}/api/v1/articles/{DEMO_ARTICLE}/comments",
            restarted.address
        ))
        .send()
        .await
        .expect("GET listing");
    assert_eq!(listing.status(), 200, "listing after restart");
    let total = json_body(listing).await["total"].as_u64().expect("total");
    assert!(
        total >= acknowledged.len() as u64,
        "listing total {total} counts all {} acknowledged comments",
        acknowledged.len()
    );
    // SQLite's own part: the file is in WAL mode. (On PostgreSQL the cluster
    // keeps running; what is tested there is that nothing is acknowledged
    // before it was committed.)
    if engine() == Engine::Sqlite {
        let options = SqliteConnectOptions::from_str(&database_url)
            .unwrap()
            .read_only(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        assert_eq!(mode, "wal", "the database file is in WAL mode");
    }
}

/// Registers a reader on the running binary and returns their token.
async fn register(client: &Client, address: &str, n: usize) -> String {
    let registered = client
        .post(format!("{address}/api/v1/auth/register"))
        .json(&json!({"email": format!("crash{n}@news.example"), "display_name": format!("독자 {n}"), "password": PASSWORD}))
        .send()
        .await
        .expect("register");
    assert_eq!(registered.status(), 201, "register reader {n}");
    json_body(registered).await["token"]
        .as_str()
        .expect("token")
        .to_owned()
}

#[tokio::test]
async fn every_acknowledged_reaction_survives_sigkill() {
    // Arrange: one author's comments, and readers to press 공감 on them.
    let dir = tempfile::tempdir().unwrap();
    let database_url = database_url(dir.path()).await;
    let mut server = serve(dir.path(), &database_url).await;
    let client = Client::new();
    let author = register(&client, &server.address, 0).await;
    let mut comments = Vec::new();
    for n in 0..10 {
        let posted = client
            .post(format!(
                "{}/api/v1/articles/{DEMO_ARTICLE}/comments",
                server.address
            ))
            .bearer_auth(&author)
            .json(&json!({"body": format!("공감 받을 댓글 {n}")}))
            .send()
            .await
            .expect("post");
        assert_eq!(posted.status(), 201);
        comments.push(
            json_body(posted).await["comment"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let mut readers = Vec::new();
    for n in 1..=POSTERS {
        readers.push(register(&client, &server.address, n).await);
    }

    // Act: every reader likes every comment, all at once; kill mid-burst.
    let (sender, mut receiver) = mpsc::unbounded_channel();
    let tasks: Vec<_> = readers
        .iter()
        .enumerate()
        .map(|(reader, token)| {
            let (client, token, comments, sender) = (
                client.clone(),
                token.clone(),
                comments.clone(),
                sender.clone(),
            );
            let address = server.address.clone();
            tokio::spawn(async move {
                for id in comments {
                    let sent = client
                        .put(format!("{address}/api/v1/comments/{id}/reaction"))
                        .bearer_auth(&token)
                        .json(&json!({"kind": "like"}))
                        .send()
                        .await;
                    let Ok(response) = sent else { break };
                    if response.status() != 200 || response.bytes().await.is_err() {
                        break;
                    }
                    let _ = sender.send((reader, id));
                }
            })
        })
        .collect();
    drop(sender);
    let mut acknowledged = Vec::new();
    while acknowledged.len() < comments.len() * POSTERS / 2 {
        let ack = tokio::time::timeout(Duration::from_secs(20), receiver.recv())
            .await
            .expect("acknowledgements keep coming")
            .expect("the readers are still reacting");
        acknowledged.push(ack);
    }
    server.child.start_kill().expect("SIGKILL the server");
    server
        .child
        .wait()
        .await
        .expect("wait for the killed server");
    for task in tasks {
        task.await.expect("a reader panicked");
    }
    while let Some(ack) = receiver.recv().await {
        acknowledged.push(ack);
    }

    // Assert: each acknowledged 공감 is there, and each count equals its rows.
    let restarted = serve(dir.path(), &database_url).await;
    for (reader, id) in &acknowledged {
        let response = client
            .get(format!("{}/api/v1/comments/{id}", restarted.address))
            .bearer_auth(&readers[*reader])
            .send()
            .await
            .expect("GET comment");
        let comment = json_body(response).await;
        assert_eq!(
            comment["comment"]["my_reaction"], "like",
            "reader {reader}'s acknowledged 공감 on {id} survives"
        );
    }
    let store = comment_desk::storage::open_inspect(&database_url, Default::default())
        .await
        .unwrap();
    for id in &comments {
        let comment = json_body(
            client
                .get(format!("{}/api/v1/comments/{id}", restarted.address))
                .send()
                .await
                .expect("GET comment"),
        )
        .await;
        let rows = store
            .reaction_rows(comment_desk::domain::ids::CommentId::parse(id).unwrap())
            .await
            .unwrap();
        let shown = (
            comment["comment"]["likes"].as_i64().unwrap(),
            comment["comment"]["dislikes"].as_i64().unwrap(),
        );
        assert_eq!(
            shown, rows,
            "comment {id}: counts equal rows after the crash"
        );
    }
}

#[tokio::test]
async fn one_of_two_servers_killed_mid_burst_loses_no_acknowledged_comment() {
    if engine() == Engine::Sqlite {
        eprintln!("note: one process serves a SQLite file; two servers run on PostgreSQL");
        return;
    }
    // Arrange: two real servers on one database, one reader.
    let dir = tempfile::tempdir().unwrap();
    let database_url = database_url(dir.path()).await;
    let mut doomed = serve(dir.path(), &database_url).await;
    let survivor = serve(dir.path(), &database_url).await;
    let client = Client::new();
    let token = register(&client, &doomed.address, 1).await;

    // Act: post to both at once; SIGKILL one once enough were acknowledged.
    let stop = Arc::new(AtomicBool::new(false));
    let (sender, mut receiver) = mpsc::unbounded_channel();
    let posters: Vec<_> = (0..POSTERS)
        .map(|task| {
            let server = if task % 2 == 0 { &doomed } else { &survivor };
            let url = format!("{}/api/v1/articles/{DEMO_ARTICLE}/comments", server.address);
            tokio::spawn(post_until_stopped(
                client.clone(),
                url,
                token.clone(),
                task,
                stop.clone(),
                sender.clone(),
            ))
        })
        .collect();
    drop(sender);
    let mut acknowledged = Vec::new();
    while acknowledged.len() < KILL_AFTER {
        let ack = tokio::time::timeout(Duration::from_secs(20), receiver.recv())
            .await
            .expect("acknowledgements keep coming")
            .expect("the posters are still running");
        acknowledged.push(ack);
    }
    doomed.child.start_kill().expect("SIGKILL one server");
    let killed = doomed
        .child
        .wait()
        .await
        .expect("wait for the killed server");
    // The survivor goes on taking posts after its peer died.
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::SeqCst);
    for poster in posters {
        poster.await.expect("a poster panicked");
    }
    while let Some(ack) = receiver.recv().await {
        acknowledged.push(ack);
    }
    assert_eq!(killed.signal(), Some(9), "killed by SIGKILL: {killed:?}");

    // Assert: the survivor has every comment either server acknowledged.
    for (id, body) in &acknowledged {
        let url = format!("{}/api/v1/comments/{id}", survivor.address);
        let response = client.get(url).send().await.expect("GET comment");
        assert_eq!(response.status(), 200, "acknowledged comment {id} is kept");
        let comment = json_body(response).await;
        assert_eq!(comment["comment"]["body"], body.as_str(), "comment {id}");
    }
    let url = format!(
        "{}/api/v1/articles/{DEMO_ARTICLE}/comments",
        survivor.address
    );
    let total = json_body(client.get(url).send().await.unwrap()).await["total"]
        .as_u64()
        .expect("total");
    assert!(
        total >= acknowledged.len() as u64,
        "{total} counts every acknowledged comment"
    );
}
