//! Live moderation events between processes: on PostgreSQL several servers
//! share one database, and a desk connected to one must hear of a decision
//! taken on another. SQLite serves from one process, so it carries none.

use async_trait::async_trait;
use tokio::sync::broadcast;

/// An event as the database numbered it; ids only increase, in the order
/// every process receives them.
#[derive(Debug, Clone)]
pub struct LiveEvent {
    pub id: u64,
    pub payload: String,
}

#[async_trait]
pub trait LiveStore: Send + Sync {
    /// Every process's events, this one's too; `None` when the engine does
    /// not carry events between processes.
    fn live_events(&self) -> Option<broadcast::Receiver<LiveEvent>>;

    /// Numbers the event and sends it to every process.
    async fn send_live_event(&self, payload: &str) -> anyhow::Result<()>;
}
