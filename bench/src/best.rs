//! The first page by 순공감순 (`order=best`) against the first page by
//! `order=newest`, on an editorial with a million comments and ten million
//! reactions, and the server's memory with them stored.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{ConnectOptions, Connection, SqliteConnection};

use crate::big::{MILLION, bulk_comments};
use crate::http::{Conn, request};
use crate::load::{Stats, drive};
use crate::scenarios::{POSTED_TO, Reader, Row, row};
use crate::server::Server;
use crate::target::Target;

pub const REACTIONS: i64 = 10_000_000;
/// Readers the reactions are spread over; the most liked comment has about
/// half of them.
const REACTORS: i64 = 100_000;
/// How steeply reactions fall from the most reacted comment to the least
/// (Zipf's exponent): the top comment has ~50,000, the last ones a few.
const SKEW: f64 = 0.7;

pub struct Best {
    pub rows: Vec<Row>,
    /// Resident and peak memory in MiB, after the listings.
    pub memory_mib: Option<(f64, f64)>,
}

/// Who reads in a row, and how.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Readers {
    /// Anonymous, never sending the ETag back: every answer is whole.
    Full,
    /// Anonymous, sending the ETag back as a browser does: 304s.
    Returning,
    /// Logged in, having reacted on the editorial: their page shows their
    /// reaction, so it is built for them on every request.
    Reacted,
}

impl Readers {
    fn words(self) -> &'static str {
        match self {
            Readers::Full => "full",
            Readers::Returning => "304",
            Readers::Reacted => "logged in, reacted",
        }
    }
}

/// The row names, so the report can find them.
pub fn row_name(order: &str, readers: Readers) -> String {
    format!("10M reactions: {order} page, {}", readers.words())
}

pub async fn run(binary: &Path, dir: &Path, time: Duration) -> anyhow::Result<Best> {
    let database = dir.join("best.db");
    let server = Server::start(binary, &database).await?;
    // The first account writes the million comments; the second reads.
    let tokens = Target::Desk.posters(&server.address, 2).await?;
    server.stop().await?;
    eprintln!("bench: writing {MILLION} comments into the database…");
    bulk_comments(&database, POSTED_TO, MILLION).await?;
    eprintln!("bench: writing {REACTIONS} reactions by {REACTORS} readers…");
    let first = bulk_reactions(&database, POSTED_TO).await?;
    // On disk before the server starts, so the kernel is not still writing
    // the file back while the first rows are measured.
    std::fs::File::open(&database)?.sync_all()?;

    let server = Server::start(binary, &database).await?;
    let address = server.address.clone();
    react_once(&address, &tokens[1], first).await?;
    let mut rows = Vec::new();
    for readers in [Readers::Full, Readers::Returning, Readers::Reacted] {
        let token = (readers == Readers::Reacted).then(|| tokens[1].clone());
        let [newest, best] = both_orders(&address, readers, token, time).await;
        rows.push(row(&row_name("newest", readers), Target::Desk, 64, newest));
        rows.push(row(&row_name("best", readers), Target::Desk, 64, best));
    }
    let memory_mib = server.memory_mib();
    server.stop().await?;
    Ok(Best { rows, memory_mib })
}

/// The first page by `order=newest` and by `order=best`, 64 connections at
/// a time, in turns of a second: the machine is shared, and taking turns
/// lays its other work on both orders alike, so their ratio is fair.
async fn both_orders(
    address: &str,
    readers: Readers,
    token: Option<String>,
    time: Duration,
) -> [Stats; 2] {
    let mut totals = [Stats::default(), Stats::default()];
    for _ in 0..time.as_secs().max(1) {
        for (total, query) in totals.iter_mut().zip(["?order=newest", "?order=best"]) {
            let workers = (0..64)
                .map(|_| {
                    Reader::new(Target::Desk, POSTED_TO, token.clone())
                        .asking(query, readers == Readers::Returning)
                })
                .collect();
            total.append(drive(address, workers, Duration::from_secs(1)).await);
        }
    }
    totals
}

/// The reader likes `comment` through the API, as a real reader would.
async fn react_once(address: &str, token: &str, comment: i64) -> anyhow::Result<()> {
    let mut conn = Conn::open(address).await?;
    let answer = conn
        .send(&request(
            "PUT",
            &format!("/api/v1/comments/{comment}/reaction"),
            &format!("Authorization: Bearer {token}\r\n"),
            Some(r#"{"kind":"like"}"#),
        ))
        .await?;
    if answer.status != 200 {
        bail!("reacting to comment {comment}: status {}", answer.status);
    }
    Ok(())
}

/// Writes `REACTIONS` reactions to the comments of `article` while the
/// server is stopped, as the writer would have left them: the reaction rows
/// (by `REACTORS` new accounts), and each comment's likes, dislikes and
/// 공감비율 key. They are dated three days back, older than the change log
/// keeps, so `reaction_changes` stays empty as after pruning. Like
/// `bulk_comments`, this knows the schema (`migrations/0010_reactions.sql`).
/// Returns the id of the first of the article's comments.
async fn bulk_reactions(database: &Path, article: &str) -> anyhow::Result<i64> {
    let mut conn = SqliteConnectOptions::new()
        .filename(database)
        .journal_mode(SqliteJournalMode::Delete)
        .pragma("synchronous", "OFF")
        .pragma("cache_size", "-262144")
        .connect()
        .await
        .context("opening the benchmark database")?;
    let (first, last): (i64, i64) =
        sqlx::query_as("SELECT min(id), max(id) FROM comments WHERE article_id = ?")
            .bind(article)
            .fetch_one(&mut conn)
            .await?;
    let comments = last - first + 1;
    let mut tx = conn.begin().await?;
    let indexes = drop_reaction_indexes(&mut tx).await?;
    let first_reactor = bulk_accounts(&mut tx, REACTORS).await?;
    plan(&mut tx, first, comments).await?;
    // CROSS JOIN keeps the plan the outer loop (SQLite does not reorder it),
    // so the rows come comment by comment, in the order of the primary key.
    sqlx::query(
        "INSERT INTO reactions (comment_id, account_id, article_id, kind, created_at)
         SELECT p.comment_id, ?1 + (p.comment_id * 7919 + s.k) % ?2, ?3,
                CASE WHEN s.k < p.likes THEN 'like' ELSE 'dislike' END,
                CAST(strftime('%s', 'now', '-3 days') AS INTEGER) * 1000
         FROM temp.plan p CROSS JOIN temp.seq s WHERE s.k < p.likes + p.dislikes",
    )
    .bind(first_reactor)
    .bind(REACTORS)
    .bind(article)
    .execute(&mut *tx)
    .await
    .context("writing the reactions")?;
    sqlx::query(
        "UPDATE comments SET likes = p.likes, dislikes = p.dislikes,
             ratio_rank = CASE WHEN p.likes + p.dislikes >= max(m.min, 1)
                 THEN p.likes * 1000000000 / (p.likes + p.dislikes) ELSE -1 END
         FROM temp.plan p,
              (SELECT coalesce((SELECT CAST(value AS INTEGER) FROM meta
                                WHERE key = 'ratio_minimum'), 5) AS min) m
         WHERE comments.id = p.comment_id",
    )
    .execute(&mut *tx)
    .await
    .context("counting the reactions on the comments")?;
    // The rows and the counts on the comments must tell the same story.
    let (rows, likes, counted, liked): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM reactions),
                (SELECT count(*) FROM reactions WHERE kind = 'like'),
                (SELECT sum(likes + dislikes) FROM comments),
                (SELECT sum(likes) FROM comments)",
    )
    .fetch_one(&mut *tx)
    .await?;
    if (rows, counted) != (REACTIONS, REACTIONS) || likes != liked {
        bail!(
            "wrote {rows} reactions ({likes} likes), counted {counted} ({liked}), meant {REACTIONS}"
        );
    }
    eprintln!("bench: indexing the reactions…");
    for sql in indexes {
        sqlx::query(&sql).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    conn.close().await?;
    Ok(first)
}

/// Drops the indexes the bulk writes would update row by row (every index of
/// `reactions`, the rank indexes of `comments`), and returns how to build
/// them again: building once, sorted, is many times faster.
async fn drop_reaction_indexes(tx: &mut SqliteConnection) -> anyhow::Result<Vec<String>> {
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_master
         WHERE type = 'index' AND sql IS NOT NULL
           AND (tbl_name = 'reactions'
                OR (tbl_name = 'comments' AND (sql LIKE '%score%' OR sql LIKE '%ratio_rank%')))",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (name, _) in &indexes {
        sqlx::query(&format!("DROP INDEX \"{name}\""))
            .execute(&mut *tx)
            .await?;
    }
    Ok(indexes.into_iter().map(|(_, sql)| sql).collect())
}

/// `count` accounts that only react (their password hash matches no
/// password); returns the first one's id, the rest follow it.
async fn bulk_accounts(tx: &mut SqliteConnection, count: i64) -> anyhow::Result<i64> {
    let before: i64 = sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM accounts")
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
         INSERT INTO accounts (id, email, display_name, password_hash, role, created_at)
         SELECT ?2 + i, 'reactor' || i || '@bench.example', '공감 독자 ' || i, '!', 'reader',
                CAST(strftime('%s', 'now', '-30 days') AS INTEGER) * 1000
         FROM n",
    )
    .bind(count)
    .bind(before)
    .execute(&mut *tx)
    .await
    .context("creating the reacting accounts")?;
    Ok(before + 1)
}

/// Fills `temp.plan` with each comment's likes and dislikes and `temp.seq`
/// with 0, 1, … up to the most reactions of a comment.
async fn plan(tx: &mut SqliteConnection, first: i64, comments: i64) -> anyhow::Result<()> {
    let counts = skewed_counts(comments as usize, REACTIONS);
    let most = counts.iter().copied().max().unwrap_or(0);
    if most > REACTORS {
        bail!("a comment would need {most} reactors, there are {REACTORS}");
    }
    // Each comment's rank in reactions is its place in a fixed shuffle, and
    // its share of 공감 varies from 10% to 89%, so the best page is not
    // simply the most reacted comments or the newest ones.
    let shuffle = |n: i64| (n * 7_368_787) % comments;
    let pairs: Vec<[i64; 2]> = (0..comments)
        .map(|n| {
            let total = counts[shuffle(n) as usize];
            let likes = total * (10 + (n * 37) % 80) / 100;
            [likes, total - likes]
        })
        .collect();
    sqlx::query(
        "CREATE TEMP TABLE plan (comment_id INTEGER PRIMARY KEY, likes INTEGER, dislikes INTEGER)",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO temp.plan
         SELECT ?1 + key, json_extract(value, '$[0]'), json_extract(value, '$[1]')
         FROM json_each(?2)",
    )
    .bind(first)
    .bind(serde_json::to_string(&pairs)?)
    .execute(&mut *tx)
    .await?;
    sqlx::query("CREATE TEMP TABLE seq (k INTEGER PRIMARY KEY)")
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k + 1 < ?1)
         INSERT INTO temp.seq SELECT k FROM n",
    )
    .bind(most)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Reactions per rank, most first, falling as rank^-SKEW and adding up to
/// exactly `total`.
fn skewed_counts(comments: usize, total: i64) -> Vec<i64> {
    let counts = |scale: f64| -> Vec<i64> {
        (1..=comments)
            .map(|rank| (scale / (rank as f64).powf(SKEW)) as i64)
            .collect()
    };
    // The largest scale whose counts stay within `total`, by bisection…
    let (mut low, mut high) = (0.0, total as f64);
    for _ in 0..60 {
        let mid = (low + high) / 2.0;
        if counts(mid).iter().sum::<i64>() <= total {
            low = mid;
        } else {
            high = mid;
        }
    }
    let mut counts = counts(low);
    // … and the few reactions left over to the first ranks, one each.
    let short = total - counts.iter().sum::<i64>();
    for count in counts.iter_mut().take(short as usize) {
        *count += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_fall_with_rank_and_fit_the_reactors() {
        let counts = skewed_counts(MILLION as usize, REACTIONS);
        assert_eq!(counts.iter().sum::<i64>(), REACTIONS);
        assert!(counts.windows(2).all(|w| w[0] >= w[1]));
        assert!(counts[0] <= REACTORS, "top comment: {}", counts[0]);
        assert!(counts[0] > 100 * counts[MILLION as usize - 1]);
    }
}
