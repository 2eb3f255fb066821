//! The delivery log an admin reads, and redelivery.

use std::sync::Arc;

use chrono::Utc;

use crate::domain::paging::Paging;
use crate::domain::webhooks::{Delivery, DeliveryState};
use crate::storage::{CommentPage, DeliveryQuery, Store};

#[derive(Clone)]
pub struct DeliveryLog {
    store: Arc<dyn Store>,
}

impl DeliveryLog {
    pub fn new(store: Arc<dyn Store>) -> DeliveryLog {
        DeliveryLog { store }
    }

    /// Newest first; `paging.after` is the last id of the previous page.
    pub async fn page(
        &self,
        endpoint: Option<&str>,
        state: Option<DeliveryState>,
        paging: Paging,
    ) -> anyhow::Result<CommentPage<Delivery>> {
        let query = DeliveryQuery {
            endpoint,
            state,
            before: paging.after,
            limit: paging.limit,
        };
        self.store.delivery_page(&query).await
    }

    /// Queues a fresh attempt now, with the same event id; `None`: no such delivery.
    pub async fn redeliver(&self, id: i64) -> anyhow::Result<Option<Delivery>> {
        self.store.redeliver(id, Utc::now()).await
    }
}
