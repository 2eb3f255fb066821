//! What every reader writes to: records stored in batches, then the threads
//! linked and the counters counted again; and the error for a bad file.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::domain::transfer::{ImportCounts, Record, Source};
use crate::storage::Store;

/// Records per transaction: small enough that a serving process waits little
/// for the write lock, large enough that a million comments commit quickly.
const BATCH: usize = 500;

/// A file that cannot be read as its format: where, and what is wrong.
/// What was imported before it stays (batches committed); a rerun resumes.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {position}: {problem}")]
pub struct BadFile {
    pub file: String,
    pub position: String,
    pub problem: String,
}

impl BadFile {
    pub fn new(file: &Path, position: impl Into<String>, problem: impl Into<String>) -> BadFile {
        BadFile {
            file: file.display().to_string(),
            position: position.into(),
            problem: problem.into(),
        }
    }
}

/// Collects records into batches and stores each in one transaction.
pub struct Importer {
    store: Arc<dyn Store>,
    source: Source,
    after_comment: i64,
    batch: Vec<Record>,
    counts: ImportCounts,
    bar: ProgressBar,
}

impl Importer {
    pub(super) async fn new(store: Arc<dyn Store>, source: Source) -> anyhow::Result<Importer> {
        let after_comment = store.last_comment_id().await?;
        Ok(Importer {
            store,
            source,
            after_comment,
            batch: Vec::with_capacity(BATCH),
            counts: ImportCounts::default(),
            bar: progress_bar(),
        })
    }

    pub async fn push(&mut self, record: Record) -> anyhow::Result<()> {
        self.batch.push(record);
        if self.batch.len() >= BATCH {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> anyhow::Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let counts = self.store.import_batch(self.source, &self.batch).await?;
        self.bar.inc(self.batch.len() as u64);
        self.batch.clear();
        self.counts.add(&counts);
        Ok(())
    }

    pub(super) async fn finish(mut self) -> anyhow::Result<ImportCounts> {
        self.flush().await?;
        self.counts.orphans = self
            .store
            .finish_import(self.source, self.after_comment)
            .await?;
        self.bar.finish_and_clear();
        Ok(self.counts)
    }
}

/// A spinner with a count on a terminal; nothing when stderr is a file or pipe.
fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {pos} records · 건 {elapsed}") {
        bar.set_style(style);
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}
