//! Live moderation events through the database: numbered by one sequence and
//! sent with `NOTIFY`, so every process hears every event in the same order.

use anyhow::Context;
use async_trait::async_trait;
use tokio::sync::broadcast;

use super::PgStore;
use crate::storage::live::{LiveEvent, LiveStore};

/// The channel events travel on, apart from the commit notices.
pub(super) const LIVE_CHANNEL: &str = "comment_desk_live";
/// The advisory lock that keeps numbering and sending in one order.
const LIVE_LOCK: i64 = 0x6c69_7665;
/// PostgreSQL refuses notices of 8000 bytes or more.
const MAX_PAYLOAD: usize = 7900;

/// Events held for a slow hub; one further behind loses the oldest.
pub(super) const LIVE_BUFFER: usize = 1024;

#[async_trait]
impl LiveStore for PgStore {
    fn live_events(&self) -> Option<broadcast::Receiver<LiveEvent>> {
        Some(self.live.subscribe())
    }

    /// Numbers and sends under one lock held to the commit: notices are
    /// delivered in commit order, so ids arrive in increasing order everywhere.
    async fn send_live_event(&self, payload: &str) -> anyhow::Result<()> {
        anyhow::ensure!(
            payload.len() < MAX_PAYLOAD,
            "a live event too large to send"
        );
        let mut tx = self
            .pool
            .begin()
            .await
            .context("cannot begin sending an event")?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(LIVE_LOCK)
            .execute(&mut *tx)
            .await
            .context("cannot take the events' lock")?;
        sqlx::query("SELECT pg_notify($1, nextval('live_event_ids')::text || ' ' || $2)")
            .bind(LIVE_CHANNEL)
            .bind(payload)
            .execute(&mut *tx)
            .await
            .context("cannot send a live event")?;
        tx.commit().await.context("cannot send a live event")?;
        Ok(())
    }
}

/// A notice on the events' channel: `<id> <payload>`.
pub(super) fn parse(notice: &str) -> Option<LiveEvent> {
    let (id, payload) = notice.split_once(' ')?;
    Some(LiveEvent {
        id: id.parse().ok()?,
        payload: payload.to_owned(),
    })
}
