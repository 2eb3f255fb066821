//! The SQLite engine: every SQL statement for SQLite lives below this folder.
//!
//! Writes go through one connection (`write`), so writers queue in our process
//! instead of failing with "database is locked"; each write transaction starts
//! with `BEGIN IMMEDIATE`, so a writer in another process (the CLI) waits on the
//! busy timeout instead of failing mid-transaction. Reads use a pool of
//! read-only connections, which WAL lets run beside the writer.

mod accounts;
mod articles;
mod comment_writer;
mod comments;
mod counters;
mod desk;
mod erasure;
mod history;
mod identities;
mod inspect;
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
mod undo;

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};

use crate::config::Synchronous;
use crate::storage::memo::Memos;
use crate::storage::store::Store;
use comment_writer::CommentWriter;
use outbox::Outbox;

pub struct SqliteStore {
    read: SqlitePool,
    write: SqlitePool,
    /// New comments, committed in groups through `write`.
    comments: CommentWriter,
    /// Counts committed writes, so cached answers know when they are stale.
    version: Arc<AtomicU64>,
    memo: Arc<Memos>,
    /// Where webhook events go, and the signal that wakes their workers.
    outbox: Arc<Outbox>,
    /// Watches for commits by other processes (an import from the CLI).
    watcher: tokio::task::JoinHandle<()>,
}

/// Writers wait this long for the lock held by another process before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
const READ_CONNECTIONS: u32 = 8;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

impl SqliteStore {
    /// Opens (creating if missing) the database and applies pending migrations.
    pub async fn open(url: &str, synchronous: Synchronous) -> anyhow::Result<SqliteStore> {
        let options = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("DATABASE_URL {url:?} is not a SQLite URL"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            .synchronous(match synchronous {
                Synchronous::Full => SqliteSynchronous::Full,
                Synchronous::Normal => SqliteSynchronous::Normal,
            })
            .pragma("temp_store", "memory");
        create_parent_dir(&options)?;
        migrate(options.clone())
            .await
            .with_context(|| format!("cannot migrate the database at {url}"))?;
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await
            .with_context(|| format!("cannot open the database at {url}"))?;
        let read = SqlitePoolOptions::new()
            .max_connections(READ_CONNECTIONS)
            .connect_with(options.clone().read_only(true))
            .await
            .context("cannot open read connections")?;
        let version = Arc::new(AtomicU64::new(0));
        let outbox = Outbox::new();
        let comments = CommentWriter::start(write.clone(), version.clone(), outbox.clone());
        let watcher = watch_other_writers(options, version.clone()).await?;
        Ok(SqliteStore {
            read,
            write,
            comments,
            version,
            memo: Arc::new(Memos::new()),
            outbox,
            watcher,
        })
    }

    /// Commits and marks every cached answer stale, before the caller answers.
    async fn commit(&self, tx: Transaction<'static, Sqlite>) -> anyhow::Result<()> {
        tx.commit().await.context("cannot commit")?;
        self.version.fetch_add(1, Ordering::Release);
        self.outbox.wake();
        Ok(())
    }

    async fn begin_write(&self) -> anyhow::Result<Transaction<'static, Sqlite>> {
        let tx = self.write.begin_with("BEGIN IMMEDIATE").await;
        tx.context("cannot begin a write")
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> anyhow::Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.read)
            .await
            .context("cannot read the database")?;
        Ok(())
    }

    async fn close(&self) {
        self.watcher.abort();
        self.read.close().await;
        self.write.close().await;
    }

    fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    async fn meta(&self, key: &str) -> anyhow::Result<Option<String>> {
        let value = sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.read)
            .await
            .with_context(|| format!("cannot read meta {key}"))?;
        Ok(value)
    }

    async fn set_meta(&self, key: &str, value: &str) -> anyhow::Result<()> {
        sqlx::query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&self.write)
            .await
            .with_context(|| format!("cannot write meta {key}"))?;
        Ok(())
    }
}

/// How often the store looks for another process's commits.
const WATCH_EVERY: Duration = Duration::from_millis(250);

/// `version` counts only this process's writes; another process writing the
/// same file (`comment-desk import`) moves SQLite's `data_version` on our own
/// connection instead. Polling it on one connection is one cheap pragma, and a
/// move marks every kept page stale, so a server shows the other process's
/// writes within `WATCH_EVERY` plus a page build. Our own writes move it too
/// (they come from other connections): an extra bump, harmless.
async fn watch_other_writers(
    options: SqliteConnectOptions,
    version: Arc<AtomicU64>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect_with(&options.read_only(true))
        .await
        .context("cannot open the connection that watches for other writers")?;
    let mut seen: Option<i64> = None;
    Ok(tokio::spawn(async move {
        let mut tick = tokio::time::interval(WATCH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Ok(now) = sqlx::query_scalar::<_, i64>("PRAGMA data_version")
                .fetch_one(&mut conn)
                .await
            else {
                continue;
            };
            if seen.is_some_and(|before| before != now) {
                version.fetch_add(1, Ordering::Release);
            }
            seen = Some(now);
        }
    }))
}

fn create_parent_dir(options: &SqliteConnectOptions) -> anyhow::Result<()> {
    let path = options.get_filename();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the database folder {}", dir.display()))?;
    }
    Ok(())
}

/// Applies pending migrations on a connection of its own without foreign key
/// enforcement: SQLite rebuilds a table by copy, drop and rename, and with
/// enforcement on, dropping the old table would cascade into the tables that
/// refer to it (migration 0012). Each migration is one transaction; the keys
/// are checked afterwards, and a violation stops start-up.
async fn migrate(options: SqliteConnectOptions) -> anyhow::Result<()> {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect_with(&options.foreign_keys(false)).await?;
    MIGRATOR
        .run(&mut conn)
        .await
        .context("cannot apply migrations")?;
    let broken: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(&mut conn)
        .await
        .context("cannot check foreign keys")?;
    anyhow::ensure!(
        broken.is_empty(),
        "foreign keys broken after migrating: {broken:?}"
    );
    conn.close().await?;
    Ok(())
}

/// A store on a fresh file in a temporary folder, for the storage tests;
/// the folder lives as long as the returned guard.
#[cfg(test)]
pub(crate) async fn temp_store() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/test.db", dir.path().display());
    let store = SqliteStore::open(&url, Synchronous::Full).await.unwrap();
    (dir, store)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::moderation::ModerationStore;

    #[tokio::test]
    async fn opens_a_new_file_in_wal_with_full_sync_and_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/nested/folder/test.db", dir.path().display());

        let store = SqliteStore::open(&url, Synchronous::Full).await.unwrap();

        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&store.write)
            .await
            .unwrap();
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&store.write)
            .await
            .unwrap();
        let keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&store.read)
            .await
            .unwrap();
        let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
            .fetch_one(&store.write)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(sync, 2, "FULL");
        assert_eq!(keys, 1);
        assert_eq!(busy, 10_000);
        assert!(dir.path().join("nested/folder/test.db").exists());
    }

    #[tokio::test]
    async fn the_moderation_log_cannot_be_changed_or_emptied() {
        let (_dir, store) = temp_store().await;
        let line = crate::domain::moderation::LogLine {
            actor: None,
            action: crate::domain::moderation::LogAction::Hold,
            target: crate::domain::moderation::Target::Comment(crate::domain::ids::CommentId::new(
                1,
            )),
            reason: Some("link"),
            note: None,
            at: chrono::Utc::now(),
        };
        store.append_log(&line).await.unwrap();

        let update = sqlx::query("UPDATE moderation_log SET action = 'approve'")
            .execute(&store.write)
            .await;
        let delete = sqlx::query("DELETE FROM moderation_log")
            .execute(&store.write)
            .await;

        for (what, result) in [("update", update), ("delete", delete)] {
            let error = result.expect_err(what).to_string();
            assert!(error.contains("append-only"), "{what}: {error}");
        }
        let entries = store.log_page(None, 10).await.unwrap().items;
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].action, "hold");
    }

    #[tokio::test]
    async fn read_connections_cannot_write() {
        let (_dir, store) = temp_store().await;

        let write = sqlx::query("INSERT INTO meta (key, value) VALUES ('a', 'b')")
            .execute(&store.read)
            .await;

        assert!(write.is_err());
    }
}
