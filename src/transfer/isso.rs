//! Isso's SQLite database: not read yet (see the README's "Import and export").

use std::path::Path;

use super::import::{BadFile, Importer};

pub async fn read(file: &Path, _max_length: usize, _importer: &mut Importer) -> anyhow::Result<()> {
    Err(BadFile::new(file, "start", "importing Isso databases is not built yet").into())
}
