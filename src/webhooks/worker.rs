//! One endpoint's worker: claim a page of due deliveries, send them, record
//! each attempt, repeat; wait for a commit or the poll when nothing is due.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use futures_util::StreamExt;
use tokio::sync::watch;

use super::{POLL, backoff::retry_delay};
use crate::config::WebhookSettings;
use crate::domain::webhooks::{Attempt, DueDelivery};
use crate::signing::{SIGNATURE_HEADER, signature};
use crate::storage::{Claim, Store};
use crate::telemetry::metrics;

/// Deliveries claimed and sent at once (each of a different subject): the
/// worker's memory does not grow with the outbox, and a crash leaves few
/// leases to run out.
const PAGE: usize = 8;
/// The most of an answer's body read, for the delivery log.
const ANSWER_LIMIT: usize = 4096;
/// The error kept in the log, at most.
const ERROR_LIMIT: usize = 300;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time to record the attempts after the last answer.
const LEASE_MARGIN: Duration = Duration::from_secs(5);

/// The HTTP client every worker shares: no redirects, bounded waits.
pub(super) fn client(settings: &WebhookSettings) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT.min(settings.timeout))
        .timeout(settings.timeout)
        .user_agent(concat!("comment-desk/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("cannot build the webhook client")
}

pub(super) struct Worker {
    pub store: Arc<dyn Store>,
    pub client: reqwest::Client,
    pub endpoint: String,
    pub owner: String,
    pub settings: WebhookSettings,
}

impl Worker {
    pub(super) async fn run(self, mut stopped: watch::Receiver<bool>) {
        let mut written = self.store.outbox_written();
        loop {
            let sent = match self.deliver_page().await {
                Ok(sent) => sent,
                Err(error) => {
                    tracing::warn!(endpoint = %self.endpoint, error = format!("{error:#}"), "webhook worker");
                    0
                }
            };
            if sent > 0 {
                continue;
            }
            tokio::select! {
                _ = written.changed() => {}
                _ = tokio::time::sleep(POLL) => {}
                _ = stopped.changed() => return,
            }
        }
    }

    /// Claims one page and sends it; how many were claimed.
    async fn deliver_page(&self) -> anyhow::Result<usize> {
        let now = Utc::now();
        // The page's attempts run together, each within the timeout: the
        // lease outlasts them, so no one else takes a delivery being sent.
        let lease = self.settings.timeout + LEASE_MARGIN;
        let claim = Claim {
            endpoint: &self.endpoint,
            owner: &self.owner,
            now,
            until: now + chrono::Duration::from_std(lease).unwrap_or_default(),
            limit: PAGE,
        };
        let due = self.store.claim_deliveries(claim).await?;
        let count = due.len();
        futures_util::stream::iter(due)
            .for_each_concurrent(PAGE, |delivery| async move {
                let attempt = self.attempt(&delivery).await;
                let delivered = matches!(attempt, Attempt::Delivered { .. });
                metrics::webhook_attempt(delivered, delivery.attempts + 1);
                if let Err(error) = self
                    .store
                    .finish_delivery(delivery.id, &self.owner, attempt)
                    .await
                {
                    // The lease runs out and the delivery is sent again.
                    tracing::warn!(
                        error = format!("{error:#}"),
                        "cannot record a webhook attempt"
                    );
                }
            })
            .await;
        Ok(count)
    }

    /// Sends one delivery and says how it went.
    async fn attempt(&self, delivery: &DueDelivery) -> Attempt {
        let body = delivery.body();
        let signed = signature(
            &self.settings.secrets,
            Utc::now().timestamp(),
            body.as_bytes(),
        );
        let sent = self
            .client
            .post(&self.endpoint)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, signed)
            .body(body)
            .send()
            .await;
        let (status, error) = match sent {
            Ok(answer) => {
                let status = answer.status();
                let text = read_some(answer).await;
                if status.is_success() {
                    return Attempt::Delivered {
                        status: status.as_u16(),
                    };
                }
                let error = format!("answered {status}: {text}");
                (Some(status.as_u16()), error)
            }
            Err(error) => (None, describe(&error)),
        };
        let failed = delivery.attempts + 1;
        let delay = retry_delay(failed, self.settings.retry_first, self.settings.retry_max);
        Attempt::Failed {
            status,
            error: cut(&error, ERROR_LIMIT),
            retry_at: Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default(),
        }
    }
}

/// The start of an answer's body, reading no more than `ANSWER_LIMIT` bytes.
async fn read_some(mut answer: reqwest::Response) -> String {
    let mut kept = Vec::new();
    while kept.len() < ANSWER_LIMIT {
        match answer.chunk().await {
            Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
            _ => break,
        }
    }
    kept.truncate(ANSWER_LIMIT);
    String::from_utf8_lossy(&kept).into_owned()
}

fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out".into()
    } else if error.is_connect() {
        "cannot connect".into()
    } else {
        format!("{error}")
    }
}

fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}
