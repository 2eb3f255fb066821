//! The PostgreSQL engine: every SQL statement for PostgreSQL lives below this
//! folder.
//!
//! Several `comment-desk serve` processes may share one database. Each keeps
//! the same memos and kept pages as on SQLite, so each write announces what it
//! made stale with `NOTIFY` inside its own transaction: PostgreSQL delivers the
//! notice at commit, and only if the write committed. Every process (this one
//! too) listens, and on a notice bumps its version and empties the memos it
//! names. Notices sent while the listening connection was down are lost, so
//! after a reconnect everything is treated as stale.
//!
//! Transactions run at READ COMMITTED; the writes that must not race (the
//! repeat check, decisions on one comment) lock the rows they depend on first.

mod accounts;
mod articles;
mod comment_writer;
mod comments;
mod counters;
mod erasure;
mod history;
mod identities;
mod inspect;
mod limits;
mod live;
mod log;
mod moderation;
mod outbox;
mod policy;
mod quota;
mod ranked;
mod reactions;
mod sessions;
mod shared;
mod transfer;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions};
use sqlx::{PgConnection, Postgres, Transaction};
use tokio::sync::broadcast;

use crate::storage::live::LiveEvent;
use crate::storage::memo::{Kind, Memos};
use comment_writer::CommentWriter;
use outbox::Outbox;

pub struct PgStore {
    pool: PgPool,
    /// Counts the commits this process has heard of, its own and others'.
    version: Arc<AtomicU64>,
    memo: Arc<Memos>,
    /// Where webhook events go, and the signal that wakes their workers.
    outbox: Arc<Outbox>,
    /// Every process's live moderation events, as the listener hears them.
    live: broadcast::Sender<LiveEvent>,
    /// Hears every process's commits.
    listener: tokio::task::JoinHandle<()>,
    /// New comments and reactions, committed in groups.
    comments: CommentWriter,
}

/// The channel every write announces itself on.
const CHANNEL: &str = "comment_desk";

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl PgStore {
    /// Connects, applies pending migrations and starts listening for commits.
    pub async fn open(url: &str, pool_size: u32) -> anyhow::Result<PgStore> {
        let options: PgConnectOptions = url
            .parse()
            .with_context(|| format!("DATABASE_URL {url:?} is not a PostgreSQL URL"))?;
        let pool = PgPoolOptions::new()
            .max_connections(pool_size)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .context("cannot connect to PostgreSQL")?;
        MIGRATOR
            .run(&pool)
            .await
            .context("cannot apply migrations")?;
        let version = Arc::new(AtomicU64::new(0));
        let memo = Arc::new(Memos::new());
        let outbox = Outbox::new();
        let (live, _) = broadcast::channel(live::LIVE_BUFFER);
        let seen = Seen {
            version: version.clone(),
            memo: memo.clone(),
            outbox: outbox.clone(),
            live: live.clone(),
        };
        let listener = listen(&pool, seen).await?;
        let comments = CommentWriter::start(pool.clone(), version.clone(), outbox.clone());
        Ok(PgStore {
            pool,
            version,
            memo,
            outbox,
            live,
            listener,
            comments,
        })
    }

    pub(super) async fn begin_write(&self) -> anyhow::Result<Transaction<'static, Postgres>> {
        self.pool.begin().await.context("cannot begin a write")
    }

    /// Announces the write, commits it, and marks this process's cached
    /// answers stale before the caller answers (the notice comes later).
    pub(super) async fn commit(
        &self,
        mut tx: Transaction<'static, Postgres>,
        stale: &[Kind],
    ) -> anyhow::Result<()> {
        announce(&mut tx, stale).await?;
        tx.commit().await.context("cannot commit")?;
        self.saw(stale);
        Ok(())
    }

    /// What a commit, ours or another process's, makes stale here.
    pub(super) fn saw(&self, stale: &[Kind]) {
        for kind in stale {
            self.memo.invalidate(*kind);
        }
        self.version.fetch_add(1, Ordering::Release);
        self.outbox.wake();
    }

    pub(super) async fn close_engine(&self) {
        self.listener.abort();
        self.pool.close().await;
    }
}

/// Queues the notice of a write inside its transaction: every listening
/// process hears it when, and only if, the transaction commits.
pub(super) async fn announce(conn: &mut PgConnection, stale: &[Kind]) -> anyhow::Result<()> {
    let names: Vec<&str> = stale.iter().map(|kind| kind.name()).collect();
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(names.join(","))
        .execute(conn)
        .await
        .context("cannot announce a write")?;
    Ok(())
}

/// What the listener marks stale when it hears of a commit.
struct Seen {
    version: Arc<AtomicU64>,
    memo: Arc<Memos>,
    outbox: Arc<Outbox>,
    live: broadcast::Sender<LiveEvent>,
}

impl Seen {
    /// Another process's events are delivered by whichever worker claims them
    /// first, so ours wake too.
    fn commit(&self, stale: &[Kind]) {
        for kind in stale {
            self.memo.invalidate(*kind);
        }
        self.version.fetch_add(1, Ordering::Release);
        self.outbox.wake();
    }

    fn everything(&self) {
        self.commit(&Kind::ALL);
    }
}

/// How long the listener waits before connecting again after a failure.
const RECONNECT_AFTER: Duration = Duration::from_millis(500);

async fn listen(pool: &PgPool, seen: Seen) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let mut listener = PgListener::connect_with(pool)
        .await
        .context("cannot open the connection that listens for commits")?;
    listener
        .listen_all([CHANNEL, live::LIVE_CHANNEL])
        .await
        .context("cannot listen for commits")?;
    Ok(tokio::spawn(async move {
        loop {
            match listener.try_recv().await {
                Ok(Some(notice)) if notice.channel() == live::LIVE_CHANNEL => {
                    if let Some(event) = live::parse(notice.payload()) {
                        // No hub listening is no error.
                        let _ = seen.live.send(event);
                    }
                }
                Ok(Some(notice)) => {
                    let stale: Vec<Kind> = notice
                        .payload()
                        .split(',')
                        .filter_map(Kind::parse)
                        .collect();
                    seen.commit(&stale);
                }
                // The connection was lost and notices with it: forget all.
                Ok(None) => seen.everything(),
                Err(error) => {
                    tracing::warn!(error = %error, "lost the connection that listens for commits");
                    seen.everything();
                    tokio::time::sleep(RECONNECT_AFTER).await;
                }
            }
        }
    }))
}

/// A store on a fresh database of the server at `TEST_POSTGRES_URL`, for the
/// storage tests; `None` (the test passes without running) when it is unset,
/// as in the first, SQLite pass of `scripts/test`.
#[cfg(test)]
pub(crate) async fn temp_store() -> Option<PgStore> {
    let url = temp_database().await?;
    Some(PgStore::open(&url, 4).await.unwrap())
}

/// The URL of a fresh database, for tests that open several stores on one
/// database (several server processes); `None` as for `temp_store`.
#[cfg(test)]
pub(crate) async fn temp_database() -> Option<String> {
    // `scripts/test` runs the unit tests a second time with it set.
    let Ok(base) = std::env::var("TEST_POSTGRES_URL") else {
        eprintln!("note: TEST_POSTGRES_URL is unset; skipping a PostgreSQL storage test");
        return None;
    };
    let name = format!("cd_unit_{}_{}", std::process::id(), rand::random::<u32>());
    let admin = PgPool::connect(&format!("{base}/postgres")).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    Some(format!("{base}/{name}"))
}
