//! The storage interface: what the services read and write, in our own types.
//!
//! One trait per aggregate (`ArticleStore`, `AccountStore`, `CommentStore`,
//! `ModerationStore`, `PolicyStore`) and `Store`, which combines them. Each
//! method is one unit of work: a change and the counters and log lines that go
//! with it commit together inside the engine, so no transaction or connection
//! crosses this interface. An engine lives in its own folder (`sqlite/`) with
//! its own SQL; nothing above this folder sees it.

mod accounts;
mod articles;
mod comments;
mod inspect;
mod moderation;
mod policy;
pub mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;

pub use accounts::{AccountInsert, AccountStore, LiveSession, SessionInsert};
pub use articles::ArticleStore;
pub use comments::{
    CommentEdit, CommentInsert, CommentPage, CommentStore, Edited, Inserted, PageQuery,
    REPLIES_PER_THREAD, ReplyQuery,
};
pub use inspect::{Inspect, PolicyDecision};
pub use moderation::{
    Decided, DecisionWrite, LastAdmin, ModerationStore, QueueEntry, QueueQuery, ReportInsert,
    ReporterRecord, RoleChange, SanctionInsert,
};
pub use policy::{PolicyStore, Refusal};

use crate::config::Synchronous;

/// Everything the services use, behind one object: `Arc<dyn Store>`.
#[async_trait]
pub trait Store:
    ArticleStore + AccountStore + CommentStore + ModerationStore + PolicyStore
{
    /// Changes whenever a write that readers could see has committed. Read it
    /// before building a cached answer; the answer is current while it holds.
    fn version(&self) -> u64;

    /// Answers when a read reaches the database.
    async fn ping(&self) -> anyhow::Result<()>;

    async fn close(&self);

    async fn meta(&self, key: &str) -> anyhow::Result<Option<String>>;

    async fn set_meta(&self, key: &str, value: &str) -> anyhow::Result<()>;
}

/// Opens (creating if missing) the database at `url` and applies pending
/// migrations.
pub async fn open(url: &str, synchronous: Synchronous) -> anyhow::Result<Arc<dyn Store>> {
    Ok(Arc::new(sqlite::SqliteStore::open(url, synchronous).await?))
}

/// As [`open`], with the reads and writes tests need beside the services'.
pub async fn open_inspect(url: &str, synchronous: Synchronous) -> anyhow::Result<Arc<dyn Inspect>> {
    Ok(Arc::new(sqlite::SqliteStore::open(url, synchronous).await?))
}
