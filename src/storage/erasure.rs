//! What the data-rights service reads and writes: a reader's whole record,
//! read in pages, and the erasure of an account as one unit of work.

use async_trait::async_trait;

use crate::domain::data_rights::{
    Erased, Erasure, ExportAccount, ExportComment, ExportReaction, ExportReport, ExportSanction,
    ExportSession,
};
use crate::domain::ids::AccountId;

#[async_trait]
pub trait ErasureStore: Send + Sync {
    /// The account with its ways in; `None` when unknown or erased.
    async fn export_account(&self, id: AccountId) -> anyhow::Result<Option<ExportAccount>>;

    /// The account's comments of every status, by id after `after`, `limit` at most.
    async fn export_comments(
        &self,
        id: AccountId,
        after: i64,
        limit: usize,
    ) -> anyhow::Result<Vec<ExportComment>>;

    /// The account's reactions, by comment id after `after`.
    async fn export_reactions(
        &self,
        id: AccountId,
        after: i64,
        limit: usize,
    ) -> anyhow::Result<Vec<ExportReaction>>;

    /// The reports the account filed, by id after `after`.
    async fn export_reports(
        &self,
        id: AccountId,
        after: i64,
        limit: usize,
    ) -> anyhow::Result<Vec<ExportReport>>;

    /// Sanctions on the account, oldest first.
    async fn export_sanctions(&self, id: AccountId) -> anyhow::Result<Vec<ExportSanction>>;

    /// The account's sessions, newest first, `limit` at most.
    async fn export_sessions(
        &self,
        id: AccountId,
        limit: usize,
    ) -> anyhow::Result<Vec<ExportSession>>;

    /// Erases the account in one transaction: revokes its sessions, deletes or
    /// anonymizes its comments, forgets its email, name, password, ways in and
    /// the moderators' note, and logs the erasure by id. The row stays as a
    /// tombstone. Anything else an erasure must write (webhook events) belongs
    /// in this same transaction.
    async fn erase_account(&self, erasure: Erasure) -> anyhow::Result<Erased>;
}
