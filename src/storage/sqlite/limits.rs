//! The rate limits' counts on SQLite: in this process's memory, since one
//! server process uses a SQLite file (the CLI does not count requests).

use async_trait::async_trait;

use super::SqliteStore;
use crate::storage::limits::{Decide, LimitStore};

#[async_trait]
impl LimitStore for SqliteStore {
    async fn update_limits(
        &self,
        keys: &[String],
        expires_at: i64,
        decide: &mut Decide<'_>,
    ) -> anyhow::Result<()> {
        self.limits.update(keys, expires_at, decide);
        Ok(())
    }

    async fn forget_limits_with_prefix(&self, prefix: &str) -> anyhow::Result<()> {
        self.limits.forget_with_prefix(prefix);
        Ok(())
    }
}
