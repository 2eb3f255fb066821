//! The first page of an editorial with a million comments, against one with
//! a hundred, and the server's memory with the million stored.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use crate::load::drive;
use crate::scenarios::{HOT, POSTED_TO, Reader, Row, row};
use crate::server::Server;
use crate::target::{Target, seed};

pub const MILLION: i64 = 1_000_000;

pub struct Big {
    pub rows: Vec<Row>,
    /// Resident and peak memory in MiB, after the listings.
    pub memory_mib: Option<(f64, f64)>,
}

pub async fn run(binary: &Path, dir: &Path, time: Duration) -> anyhow::Result<Big> {
    let database = dir.join("big.db");
    let server = Server::start(binary, &database).await?;
    let tokens = Target::Desk.posters(&server.address, 1).await?;
    seed(Target::Desk, &server.address, HOT, &tokens, 100).await?;
    server.stop().await?;
    eprintln!("bench: writing {MILLION} comments into the database…");
    bulk_comments(&database, POSTED_TO, MILLION).await?;

    let server = Server::start(binary, &database).await?;
    let address = server.address.clone();
    let mut rows = Vec::new();
    for (thread, size) in [(HOT, "100"), (POSTED_TO, "1,000,000")] {
        for token in [None, Some(tokens[0].clone())] {
            let who = if token.is_some() {
                "logged in"
            } else {
                "anonymous"
            };
            let readers = (0..64)
                .map(|_| Reader::new(Target::Desk, thread, token.clone()))
                .collect();
            let stats = drive(&address, readers, time).await;
            let name = format!("first page of {size} comments, {who}");
            rows.push(row(&name, Target::Desk, 64, stats));
        }
    }
    let memory_mib = server.memory_mib();
    server.stop().await?;
    Ok(Big { rows, memory_mib })
}

/// Writes `count` published comments by the first account into `article`
/// with one statement, and counts them on the article, while the server is
/// stopped. With `best::bulk_reactions`, the places the benchmark knows the
/// schema (`migrations/`): keep them in step when comments, their counters
/// or reactions change.
pub async fn bulk_comments(database: &Path, article: &str, count: i64) -> anyhow::Result<()> {
    let mut conn = SqliteConnectOptions::new()
        .filename(database)
        .pragma("synchronous", "OFF")
        .connect()
        .await
        .context("opening the benchmark database")?;
    let mut tx = conn.begin().await?;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
         INSERT INTO comments (article_id, parent_id, author_id, body, length, status, fingerprint, created_at)
         SELECT ?2, NULL, (SELECT min(id) FROM accounts), 'Bulk comment number ' || i,
                length('Bulk comment number ' || i), 'published', randomblob(16),
                CAST(strftime('%s', 'now') AS INTEGER) * 1000 - ?1 + i
         FROM n",
    )
    .bind(count)
    .bind(article)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE articles SET comment_count = comment_count + ? WHERE id = ?")
        .bind(count)
        .bind(article)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    conn.close().await?;
    Ok(())
}
