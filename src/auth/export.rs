//! A reader downloads their data (the right of access): everything kept
//! about their account, read in pages so no query is unbounded.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::auth::erasure::DataRights;
use crate::domain::accounts::User;
use crate::domain::data_rights::{
    DataRightsError, ExportAccount, ExportComment, ExportReaction, ExportReport, ExportSanction,
    ExportSession,
};

/// Rows read per query.
const PAGE: usize = 500;
/// Rows per list at most; a longer list is cut and `complete` says so.
const MAX_ROWS: usize = 100_000;
/// Sessions listed at most, newest first.
const MAX_SESSIONS: usize = 1000;

/// The download, as one JSON document.
#[derive(Debug, Serialize)]
pub struct ReaderExport {
    pub exported_at: DateTime<Utc>,
    pub account: ExportAccount,
    pub comments: Vec<ExportComment>,
    /// Edits replace a comment's text; earlier versions are not kept.
    pub edit_history_kept: bool,
    pub reactions: Vec<ExportReaction>,
    pub reports: Vec<ExportReport>,
    pub sanctions: Vec<ExportSanction>,
    pub sessions: Vec<ExportSession>,
    /// `false` when a list reached its cap and was cut.
    pub complete: bool,
}

impl DataRights {
    /// Everything about the caller's account; a few times an hour at most,
    /// as it reads every row they ever wrote.
    pub async fn export(&self, user: &User) -> Result<ReaderExport, DataRightsError> {
        self.exports
            .check(user.id)
            .await?
            .map_err(|retry_after| DataRightsError::TooManyExports { retry_after })?;
        let store = &self.store;
        let account = store
            .export_account(user.id)
            .await?
            .ok_or(DataRightsError::Gone)?;
        let comments = paged(
            |after| store.export_comments(user.id, after, PAGE),
            |c| &c.id,
        )
        .await?;
        let reactions = paged(
            |after| store.export_reactions(user.id, after, PAGE),
            |r| &r.comment_id,
        )
        .await?;
        let reports = paged(
            |after| store.export_reports(user.id, after, PAGE),
            |r| &r.id,
        )
        .await?;
        let complete = [comments.len(), reactions.len(), reports.len()]
            .iter()
            .all(|n| *n < MAX_ROWS);
        Ok(ReaderExport {
            exported_at: Utc::now(),
            account,
            comments,
            edit_history_kept: false,
            reactions,
            reports,
            sanctions: store.export_sanctions(user.id).await?,
            sessions: store.export_sessions(user.id, MAX_SESSIONS).await?,
            complete,
        })
    }
}

/// Reads a list page by page, each after the last row's id, up to `MAX_ROWS`.
async fn paged<T, F, Fut>(read: F, id: impl Fn(&T) -> &String) -> anyhow::Result<Vec<T>>
where
    F: Fn(i64) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Vec<T>>>,
{
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let page = read(after).await?;
        let full = page.len() == PAGE;
        if let Some(last) = page.last() {
            after = id(last).parse().unwrap_or(i64::MAX);
        }
        all.extend(page);
        if !full || all.len() >= MAX_ROWS {
            all.truncate(MAX_ROWS);
            return Ok(all);
        }
    }
}
