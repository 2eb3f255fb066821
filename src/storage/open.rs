//! Opening a store: the one place that names an engine.

use std::sync::Arc;

use super::inspect::Inspect;
use super::sqlite::SqliteStore;
use super::store::Store;
use crate::config::Synchronous;

/// Opens (creating if missing) the database at `url` and applies pending
/// migrations.
pub async fn open(url: &str, synchronous: Synchronous) -> anyhow::Result<Arc<dyn Store>> {
    Ok(Arc::new(SqliteStore::open(url, synchronous).await?))
}

/// As [`open`], with the reads and writes tests need beside the services'.
pub async fn open_inspect(url: &str, synchronous: Synchronous) -> anyhow::Result<Arc<dyn Inspect>> {
    Ok(Arc::new(SqliteStore::open(url, synchronous).await?))
}
