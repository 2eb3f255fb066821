//! Memory is bounded whatever a stranger asks for: the real binary serves
//! hundreds of distinct listing shapes (limit, order, cursor) of a large
//! editorial, and its resident memory stays under a fixed bound.

use reqwest::Client;
use serde_json::{Value, json};

use crate::helpers::{DEMO_ARTICLE, database_url, json_body, raw_pool, start_binary};

const THREADS: i64 = 100;
const REPLIES: i64 = 20;

/// Resident memory of a process, in MiB, from /proc.
fn resident_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap();
    kib / 1024
}

/// 100 threads of 20 replies of 250 characters, written with SQL beside the
/// running server (a listing reads them; nothing of the server caches them yet).
async fn seed(database_url: &str, author_id: i64) {
    let pool = raw_pool(database_url).await;
    let body = "가".repeat(250);
    let mut tx = pool.begin().await.unwrap();
    for thread in 0..THREADS {
        let parent: i64 = sqlx::query_scalar(
            "INSERT INTO comments (article_id, author_id, body, length, status, reply_count, created_at)
             VALUES ($1, $2, $3, 250, 'published', $4, $5) RETURNING id",
        )
        .bind(DEMO_ARTICLE)
        .bind(author_id)
        .bind(&body)
        .bind(REPLIES)
        .bind(1_700_000_000_000_i64 + thread)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        for reply in 0..REPLIES {
            sqlx::query(
                "INSERT INTO comments (article_id, parent_id, author_id, body, length, status, created_at)
                 VALUES ($1, $2, $3, $4, 250, 'published', $5)",
            )
            .bind(DEMO_ARTICLE)
            .bind(parent)
            .bind(author_id)
            .bind(&body)
            .bind(1_700_000_000_000_i64 + thread + reply)
            .execute(&mut *tx)
            .await
            .unwrap();
        }
    }
    sqlx::query("UPDATE articles SET comment_count = $1 WHERE id = $2")
        .bind(THREADS * (REPLIES + 1))
        .bind(DEMO_ARTICLE)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    pool.close().await;
}

#[tokio::test]
async fn many_listing_shapes_cost_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = database_url(dir.path()).await;
    let server = start_binary(
        dir.path(),
        &[("DATABASE_URL", &database_url), ("RATE_LIMITS", "off")],
    )
    .await;
    let pid = server.child.id().unwrap();
    let client = Client::new();
    let url = |path: &str| format!("{}/api/v1{path}", server.address);
    let registered = json_body(
        client
            .post(url("/auth/register"))
            .json(&json!({
                "email": "memory@news.example",
                "display_name": "독자",
                "password": "a long passphrase here",
            }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let author_id: i64 = registered["user"]["id"].as_str().unwrap().parse().unwrap();
    seed(&database_url, author_id).await;
    let listing = url(&format!("/articles/{DEMO_ARTICLE}/comments"));
    let before = resident_mib(pid);

    let mut cursors = Vec::new();
    for limit in 1..=100 {
        for order in ["newest", "oldest"] {
            let response = client
                .get(format!("{listing}?limit={limit}&order={order}"))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "limit={limit}&order={order}");
            let page: Value = response.json().await.unwrap();
            if let Some(cursor) = page["next_cursor"].as_str()
                && limit % 10 == 0
            {
                cursors.push((limit, order, cursor.to_owned()));
            }
        }
    }
    for (limit, order, cursor) in &cursors {
        let response = client
            .get(format!(
                "{listing}?limit={limit}&order={order}&cursor={cursor}"
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let after = resident_mib(pid);

    // The largest page is about 2 MiB; keeping every shape took over 300 MiB.
    assert!(
        after < 150,
        "resident memory grew from {before} MiB to {after} MiB over {} shapes",
        200 + cursors.len()
    );
}
