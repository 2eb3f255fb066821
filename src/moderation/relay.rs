//! Live events between processes sharing one PostgreSQL database: a change
//! published here is sent through the store, which numbers it and carries it
//! to every process; each hub delivers what comes back, in the same order.

use std::sync::Arc;

use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;

use crate::domain::events::{Change, Event};
use crate::moderation::events::{EventHub, Relay};
use crate::storage::Store;

/// Changes waiting to be sent; past this a burst's extra events are dropped
/// (a desk's counts catch up on its next refresh) rather than held in memory.
const WAITING: usize = 4096;

/// Connects the hub to the store's events, when the store carries them.
pub fn share_events(hub: &Arc<EventHub>, store: Arc<dyn Store>) {
    let Some(mut incoming) = store.live_events() else {
        return;
    };
    let receiving = hub.clone();
    tokio::spawn(async move {
        loop {
            match incoming.recv().await {
                Ok(event) => {
                    if let Some(change) = Change::from_wire(&event.payload) {
                        receiving.deliver(Event {
                            id: event.id,
                            change,
                        });
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "live events lost: the hub fell behind");
                }
                Err(RecvError::Closed) => return,
            }
        }
    });
    let (queue, waiting) = mpsc::channel(WAITING);
    tokio::spawn(send_in_order(store, waiting));
    hub.relay_through(Arc::new(StoreRelay { queue }));
}

struct StoreRelay {
    queue: mpsc::Sender<Change>,
}

impl Relay for StoreRelay {
    fn send(&self, change: Change) {
        if self.queue.try_send(change).is_err() {
            tracing::warn!("a live event was dropped: too many waiting to be sent");
        }
    }
}

/// One sender, so this process's events keep the order they were published in.
async fn send_in_order(store: Arc<dyn Store>, mut waiting: mpsc::Receiver<Change>) {
    while let Some(change) = waiting.recv().await {
        if let Err(error) = store.send_live_event(&change.to_wire()).await {
            tracing::warn!(error = format!("{error:#}"), "cannot send a live event");
        }
    }
}
