//! Opening a store: the one place that names an engine.

use std::sync::Arc;

use super::inspect::Inspect;
use super::sqlite::SqliteStore;
use super::store::Store;
use crate::config::DatabaseTuning;

/// Opens (creating if missing) the database at `url` and applies pending
/// migrations: PostgreSQL for `postgres://` and `postgresql://`, else SQLite.
pub async fn open(url: &str, tuning: DatabaseTuning) -> anyhow::Result<Arc<dyn Store>> {
    if is_postgres(url) {
        anyhow::bail!(
            "the PostgreSQL engine is being assembled (pool {})",
            tuning.pool_size
        )
    } else {
        Ok(Arc::new(
            SqliteStore::open(url, tuning.sqlite_synchronous).await?,
        ))
    }
}

/// As [`open`], with the reads and writes tests need beside the services'.
pub async fn open_inspect(url: &str, tuning: DatabaseTuning) -> anyhow::Result<Arc<dyn Inspect>> {
    if is_postgres(url) {
        anyhow::bail!(
            "the PostgreSQL engine is being assembled (pool {})",
            tuning.pool_size
        )
    } else {
        Ok(Arc::new(
            SqliteStore::open(url, tuning.sqlite_synchronous).await?,
        ))
    }
}

/// The engine a `DATABASE_URL` names, as `/readyz` reports it.
pub fn engine_name(url: &str) -> &'static str {
    if is_postgres(url) {
        "postgres"
    } else {
        "sqlite"
    }
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}
