//! One endpoint's worker: claim a page of due deliveries, send them, record
//! each attempt, repeat; wait for a commit or the poll when nothing is due.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
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

/// What one page came to.
#[derive(Default)]
struct Page {
    claimed: usize,
    delivered: usize,
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
        // Pages in a row on which every attempt failed: the endpoint is down
        // or refusing, so the worker waits as a single delivery would, and a
        // dead endpoint costs one page per wait, not one attempt per event.
        let mut failed_pages = 0;
        loop {
            let page = match self.deliver_page().await {
                Ok(page) => page,
                Err(error) => {
                    tracing::warn!(endpoint = %self.endpoint, error = format!("{error:#}"), "webhook worker");
                    Page::default()
                }
            };
            failed_pages = if page.claimed > 0 && page.delivered == 0 {
                failed_pages + 1
            } else {
                0
            };
            let wait = if failed_pages > 0 {
                retry_delay(
                    failed_pages,
                    self.settings.retry_first,
                    self.settings.retry_max,
                )
            } else if page.claimed > 0 {
                continue;
            } else {
                POLL
            };
            tokio::select! {
                _ = written.changed(), if failed_pages == 0 => {}
                _ = tokio::time::sleep(wait) => {}
                _ = stopped.changed() => return,
            }
        }
    }

    /// Claims one page, sends it and records the attempts in one commit.
    async fn deliver_page(&self) -> anyhow::Result<Page> {
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
        // A page is at most PAGE deliveries: all are sent at once.
        let attempts: Vec<(i64, Attempt)> =
            futures_util::future::join_all(due.iter().map(|d| self.counted_attempt(d))).await;
        let page = Page {
            claimed: due.len(),
            delivered: attempts
                .iter()
                .filter(|(_, a)| matches!(a, Attempt::Delivered { .. }))
                .count(),
        };
        if !attempts.is_empty() {
            // If this fails, the leases run out and the page is sent again.
            self.store
                .finish_deliveries(&self.owner, &attempts)
                .await
                .context("cannot record webhook attempts")?;
        }
        Ok(page)
    }

    async fn counted_attempt(&self, delivery: &DueDelivery) -> (i64, Attempt) {
        let attempt = self.attempt(delivery).await;
        let delivered = matches!(attempt, Attempt::Delivered { .. });
        metrics::webhook_attempt(delivered, delivery.attempts + 1);
        (delivery.id, attempt)
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
