//! The one object the services hold.

use async_trait::async_trait;

use super::accounts::AccountStore;
use super::articles::ArticleStore;
use super::comments::CommentStore;
use super::desk::DeskStore;
use super::erasure::ErasureStore;
use super::identities::IdentityStore;
use super::limits::LimitStore;
use super::live::LiveStore;
use super::moderation::ModerationStore;
use super::policy::PolicyStore;
use super::transfer::TransferStore;
use super::webhooks::WebhookStore;

/// Everything the services use, behind one object: `Arc<dyn Store>`.
#[async_trait]
pub trait Store:
    ArticleStore
    + AccountStore
    + IdentityStore
    + CommentStore
    + ModerationStore
    + DeskStore
    + ErasureStore
    + PolicyStore
    + WebhookStore
    + TransferStore
    + LiveStore
    + LimitStore
{
    /// Changes whenever a write that readers could see has committed. Read it
    /// before building a cached answer; the answer is current while it holds.
    fn version(&self) -> u64;

    /// The engine's name, as `/readyz` reports it: `sqlite` or `postgres`.
    fn engine(&self) -> &'static str;

    /// Answers when a read reaches the database.
    async fn ping(&self) -> anyhow::Result<()>;

    async fn close(&self);

    async fn meta(&self, key: &str) -> anyhow::Result<Option<String>>;

    async fn set_meta(&self, key: &str, value: &str) -> anyhow::Result<()>;
}
