//! The webhook outbox: events are written by the other stores' methods, in
//! the transaction of the change they report; this trait is what the
//! delivery workers and the admin API use.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio::sync::watch;

use super::comments::CommentPage;
use crate::domain::webhooks::{Attempt, Delivery, DeliveryState, DueDelivery};

/// A page of the delivery log, newest first.
pub struct DeliveryQuery<'a> {
    pub endpoint: Option<&'a str>,
    pub state: Option<DeliveryState>,
    /// Rows with a smaller id than this (the cursor).
    pub before: Option<i64>,
    pub limit: usize,
}

/// Who holds a claim, and until when: a lease that runs out lets another
/// worker (or process) take the delivery again.
pub struct Claim<'a> {
    pub endpoint: &'a str,
    pub owner: &'a str,
    pub now: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub limit: usize,
}

#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// The endpoints events are written for from now on; none writes nothing.
    fn use_webhook_endpoints(&self, endpoints: Vec<String>);

    /// Changes after each commit that wrote events, so workers wake at once.
    fn outbox_written(&self) -> watch::Receiver<u64>;

    /// Claims up to `limit` due deliveries of one endpoint, each the oldest
    /// undelivered one of its subject, so one comment's events go in order.
    async fn claim_deliveries(&self, claim: Claim<'_>) -> anyhow::Result<Vec<DueDelivery>>;

    /// Records a page's attempts, each on a delivery (by id) this owner
    /// holds, and lets them go: one commit for the page.
    async fn finish_deliveries(
        &self,
        owner: &str,
        attempts: &[(i64, Attempt)],
    ) -> anyhow::Result<()>;

    async fn delivery_page(&self, q: &DeliveryQuery<'_>) -> anyhow::Result<CommentPage<Delivery>>;

    /// Queues a fresh attempt now; `None` when there is no such delivery.
    async fn redeliver(&self, id: i64, now: DateTime<Utc>) -> anyhow::Result<Option<Delivery>>;

    /// Deletes events whose every delivery was done before `before`.
    async fn prune_delivered(&self, before: DateTime<Utc>) -> anyhow::Result<u64>;

    /// When the oldest undelivered event happened, if any is waiting.
    async fn oldest_undelivered(&self) -> anyhow::Result<Option<DateTime<Utc>>>;
}
