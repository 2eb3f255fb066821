//! The import driver: the reader for the file's format, into the store.

use std::path::Path;
use std::sync::Arc;

use super::importer::Importer;
use crate::domain::transfer::{ImportCounts, Source};
use crate::storage::Store;

/// Reads `file` as `source` into the store and returns what it did.
pub async fn import(
    store: Arc<dyn Store>,
    source: Source,
    file: &Path,
    max_length: usize,
) -> anyhow::Result<ImportCounts> {
    let mut importer = Importer::new(store, source).await?;
    let read = match source {
        Source::Disqus => super::disqus::read(file, max_length, &mut importer).await,
        Source::Wordpress => super::wxr::read(file, max_length, &mut importer).await,
        Source::Isso => super::isso::read(file, max_length, &mut importer).await,
        Source::CommentDesk => super::own::read(file, max_length, &mut importer).await,
    };
    // Whatever was stored before a bad spot is linked and counted, so the
    // database is consistent whether the file was whole or not.
    let counts = importer.finish().await?;
    read?;
    Ok(counts)
}
