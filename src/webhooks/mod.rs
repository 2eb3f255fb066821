//! Webhooks: one delivery worker per endpoint, reading the outbox that the
//! storage methods write in the transaction of each change.
//!
//! At least once, in order per subject (a comment, an account, an editorial):
//! a delivery is marked done only after a 2xx, so a crash between sending and
//! marking sends it again. Workers wake when a commit wrote events and also
//! poll, so events written by another process, or before a restart, go out.

mod backoff;
mod log;
mod worker;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::WebhookSettings;
use crate::storage::Store;
use crate::telemetry::metrics;
pub use backoff::retry_delay;
pub use log::DeliveryLog;
use worker::Worker;

/// How often the workers look for due events without being woken.
const POLL: Duration = Duration::from_secs(1);
/// How often the lag is measured and old deliveries pruned.
const UPKEEP_EVERY: Duration = Duration::from_secs(2);
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// The running workers; dropped or stopped on shutdown.
pub struct Webhooks {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Webhooks {
    /// Tells the store which endpoints to write events for and starts one
    /// worker per endpoint; `None` when no endpoint is configured.
    pub fn start(
        store: Arc<dyn Store>,
        settings: &WebhookSettings,
    ) -> anyhow::Result<Option<Webhooks>> {
        store.use_webhook_endpoints(settings.urls.clone());
        if settings.urls.is_empty() {
            return Ok(None);
        }
        let (stop, stopped) = watch::channel(false);
        let client = worker::client(settings)?;
        let owner = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
        let mut tasks: Vec<JoinHandle<()>> = settings
            .urls
            .iter()
            .map(|endpoint| {
                let worker = Worker {
                    store: store.clone(),
                    client: client.clone(),
                    endpoint: endpoint.clone(),
                    owner: owner.clone(),
                    settings: settings.clone(),
                };
                tokio::spawn(worker.run(stopped.clone()))
            })
            .collect();
        tasks.push(tokio::spawn(upkeep(store, settings.retention, stopped)));
        Ok(Some(Webhooks { stop, tasks }))
    }

    /// Stops the workers: an attempt under way is dropped and its lease runs
    /// out, so the delivery is sent again by the next process.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            task.abort();
            let _ = task.await;
        }
    }
}

/// Measures the lag and prunes delivered events past the retention period.
async fn upkeep(store: Arc<dyn Store>, retention: Duration, mut stopped: watch::Receiver<bool>) {
    let mut pruned_at: Option<tokio::time::Instant> = None;
    loop {
        match store.oldest_undelivered().await {
            Ok(oldest) => {
                let lag = oldest.map_or(Duration::ZERO, |at| {
                    (Utc::now() - at).to_std().unwrap_or_default()
                });
                metrics::webhook_lag(lag);
            }
            Err(error) => tracing::warn!(error = format!("{error:#}"), "cannot measure lag"),
        }
        if pruned_at.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
            pruned_at = Some(tokio::time::Instant::now());
            let before = Utc::now() - chrono::Duration::from_std(retention).unwrap_or_default();
            if let Err(error) = store.prune_delivered(before).await {
                tracing::warn!(error = format!("{error:#}"), "cannot prune webhook events");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(UPKEEP_EVERY) => {}
            _ = stopped.changed() => return,
        }
    }
}
