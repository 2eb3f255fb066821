//! Export and import: pages of every entity for a backup, and batches of
//! another system's records mapped to ours.

use async_trait::async_trait;

use crate::domain::transfer::{ExportKind, ImportCounts, Record, Source};

/// One page of an export: JSON lines, and the key to continue after.
pub struct ExportPage {
    pub lines: Vec<String>,
    /// The last row's key (a JSON array); `None` when the page was empty.
    pub last: Option<String>,
}

#[async_trait]
pub trait TransferStore: Send + Sync {
    /// Up to `limit` rows of `kind` after the key `after` (`None`: from the
    /// start), each one JSON line with a `type`, in key order. Each page is
    /// one short read, so an export never holds a transaction open.
    async fn export_page(
        &self,
        kind: ExportKind,
        after: Option<&str>,
        limit: usize,
    ) -> anyhow::Result<ExportPage>;

    /// The highest comment id so far: comments an import adds get higher ones.
    async fn last_comment_id(&self) -> anyhow::Result<i64>;

    /// Stores one batch of records in one transaction, skipping every record
    /// this source gave before (by its external id).
    async fn import_batch(
        &self,
        source: Source,
        records: &[Record],
    ) -> anyhow::Result<ImportCounts>;

    /// After the batches: attaches the replies imported since `after_comment`
    /// to their thread's top comment (one level, as our threads are), and
    /// counts again what the listing counts. Returns the orphans: replies whose
    /// parent is missing or whose parents loop, left top-level.
    async fn finish_import(&self, source: Source, after_comment: i64) -> anyhow::Result<u64>;
}
