//! The newsroom's own backup: a header line, then every entity as one JSON
//! line each, read in pages by key so memory stays bounded at any size.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use chrono::{SecondsFormat, Utc};

use crate::domain::transfer::ExportKind;
use crate::storage::Store;

/// The format's name and version, in the header line `own::read` checks.
pub const FORMAT: &str = "comment-desk-export";
pub const VERSION: u64 = 1;
const PAGE: usize = 1000;

/// Writes the export to `out` (through a temporary file beside it, renamed at
/// the end, so a failed export never leaves a file that looks whole).
/// Returns the number of entity lines.
pub async fn export(store: Arc<dyn Store>, out: &Path) -> anyhow::Result<u64> {
    let partial = out.with_extension("partial");
    let file = std::fs::File::create(&partial)
        .with_context(|| format!("cannot create {}", partial.display()))?;
    let mut writer = std::io::BufWriter::new(file);
    let header = serde_json::json!({
        "type": "header",
        "format": FORMAT,
        "version": VERSION,
        "exported_at": Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
    });
    writeln!(writer, "{header}")?;
    let mut lines = 0;
    for kind in ExportKind::ALL {
        let mut after: Option<String> = None;
        loop {
            let page = store.export_page(kind, after.as_deref(), PAGE).await?;
            for line in &page.lines {
                writeln!(writer, "{line}")?;
            }
            lines += page.lines.len() as u64;
            match page.last {
                Some(last) if page.lines.len() == PAGE => after = Some(last),
                _ => break,
            }
        }
    }
    writer.flush()?;
    writer.get_ref().sync_all()?;
    drop(writer);
    std::fs::rename(&partial, out)
        .with_context(|| format!("cannot rename the export to {}", out.display()))?;
    Ok(lines)
}
