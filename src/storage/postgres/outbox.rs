//! The webhook outbox in PostgreSQL: writing events inside other transactions,
//! and the workers' claims, attempts and pruning.

use std::sync::{Arc, RwLock};

use anyhow::Context;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use tokio::sync::watch;

use super::PgStore;
use super::shared::{from_millis, split_page, to_millis};
use crate::domain::articles::Article;
use crate::domain::comments::Comment;
use crate::domain::ids::{AccountId, CommentId};
use crate::domain::moderation::Sanction;
use crate::domain::views::{ArticleView, CommentView, SanctionView};
use crate::domain::webhooks::{Attempt, Delivery, DeliveryState, DueDelivery, EventType};
use crate::storage::comments::CommentPage;
use crate::storage::webhooks::{Claim, DeliveryQuery, WebhookStore};

/// The endpoints events are written for, and the signal that wakes workers.
pub(super) struct Outbox {
    endpoints: RwLock<Arc<Vec<String>>>,
    written: watch::Sender<u64>,
}

impl Outbox {
    pub(super) fn new() -> Arc<Outbox> {
        Arc::new(Outbox {
            endpoints: RwLock::new(Arc::new(Vec::new())),
            written: watch::Sender::new(0),
        })
    }

    pub(super) fn endpoints(&self) -> Arc<Vec<String>> {
        self.endpoints.read().map(|e| e.clone()).unwrap_or_default()
    }

    /// Wakes the workers; called after a commit that may have written events.
    pub(super) fn wake(&self) {
        if !self.endpoints().is_empty() {
            self.written.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    /// Writes one event about a comment, snapshotting it as a moderator sees it.
    pub(super) async fn comment_event(
        &self,
        tx: &mut PgConnection,
        kind: EventType,
        comment: &Comment,
        at: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        let endpoints = self.endpoints();
        if endpoints.is_empty() {
            return Ok(());
        }
        let data = serde_json::json!({ "comment": comment_view(comment) });
        let subject = format!("comment:{}", comment.id);
        write_event(tx, &endpoints, kind, &subject, at, &data).await
    }

    /// Loads the comment inside the transaction, then writes the event.
    pub(super) async fn comment_event_by_id(
        &self,
        tx: &mut PgConnection,
        kind: EventType,
        id: CommentId,
        at: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        if self.endpoints().is_empty() {
            return Ok(());
        }
        if let Some(comment) = super::shared::load_comment(&mut *tx, id).await? {
            self.comment_event(tx, kind, &comment, at)
                .await
                .with_context(|| format!("cannot write an event about comment {id}"))?;
        }
        Ok(())
    }

    /// Rewrites the stored events about an author's comments to each comment
    /// as it is now, so an erased reader's name and removed text do not wait
    /// in the outbox until the retention period; returns how many changed.
    pub(super) async fn forget_author(
        &self,
        tx: &mut PgConnection,
        author: AccountId,
    ) -> anyhow::Result<u64> {
        // One pass over the deliveries (no subject index covers delivered
        // rows), looking each subject's comment up by its key.
        let events: Vec<(i64, CommentId)> = sqlx::query_as(
            "SELECT DISTINCT d.event_id, c.id FROM webhook_deliveries d
             JOIN comments c ON c.id = CAST(substr(d.subject, 9) AS INTEGER)
             WHERE d.subject LIKE 'comment:%' AND c.author_id = $1
             ORDER BY c.id",
        )
        .bind(author)
        .fetch_all(&mut *tx)
        .await
        .context("cannot find the events about the author's comments")?;
        let mut view: Option<(CommentId, String)> = None;
        for (event_id, comment_id) in &events {
            if view.as_ref().is_none_or(|(id, _)| id != comment_id) {
                let Some(comment) = super::shared::load_comment(&mut *tx, *comment_id).await?
                else {
                    continue;
                };
                let data = serde_json::json!({ "comment": comment_view(&comment) });
                view = Some((*comment_id, data.to_string()));
            }
            let data = view.as_ref().map(|(_, data)| data.as_str());
            sqlx::query("UPDATE webhook_events SET data = $1 WHERE id = $2")
                .bind(data)
                .bind(event_id)
                .execute(&mut *tx)
                .await
                .context("cannot rewrite a stored event")?;
        }
        Ok(events.len() as u64)
    }

    pub(super) async fn sanction_event(
        &self,
        tx: &mut PgConnection,
        sanction: &Sanction,
    ) -> sqlx::Result<()> {
        let endpoints = self.endpoints();
        if endpoints.is_empty() {
            return Ok(());
        }
        let data = serde_json::json!({
            "user_id": sanction.account_id.to_string(),
            "sanction": SanctionView::from(sanction.clone()),
        });
        let subject = format!("user:{}", sanction.account_id);
        let at = sanction.created_at;
        write_event(
            tx,
            &endpoints,
            EventType::UserSanctioned,
            &subject,
            at,
            &data,
        )
        .await
    }

    pub(super) async fn article_event(
        &self,
        tx: &mut PgConnection,
        article: &Article,
        at: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        let endpoints = self.endpoints();
        if endpoints.is_empty() {
            return Ok(());
        }
        let data = serde_json::json!({ "article": ArticleView::from(article.clone()) });
        let subject = format!("article:{}", article.id);
        write_event(
            tx,
            &endpoints,
            EventType::ArticleUpdated,
            &subject,
            at,
            &data,
        )
        .await
    }
}

/// One attempt on a held delivery: delivered, or failed and due again later.
async fn record_attempt(
    tx: &mut PgConnection,
    id: i64,
    owner: &str,
    attempt: &Attempt,
    now: i64,
) -> sqlx::Result<()> {
    let query = match attempt {
        Attempt::Delivered { status } => sqlx::query(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = $1,
                 last_error = NULL, delivered_at = $2, lease_owner = NULL, lease_until = NULL
             WHERE id = $3 AND lease_owner = $4",
        )
        .bind(i64::from(*status))
        .bind(now),
        Attempt::Failed {
            status,
            error,
            retry_at,
        } => sqlx::query(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = $1,
                 last_error = $2, next_attempt_at = $3, lease_owner = NULL, lease_until = NULL
             WHERE id = $4 AND lease_owner = $5",
        )
        .bind(status.map(i64::from))
        .bind(error.clone())
        .bind(to_millis(*retry_at)),
    };
    query.bind(id).bind(owner).execute(&mut *tx).await?;
    Ok(())
}

/// The comment as the moderator API shows it: the shared view, no history link.
fn comment_view(comment: &Comment) -> CommentView {
    CommentView::from(comment.clone())
}

/// One event row and one delivery row per endpoint, due at once.
async fn write_event(
    tx: &mut PgConnection,
    endpoints: &[String],
    kind: EventType,
    subject: &str,
    at: DateTime<Utc>,
    data: &serde_json::Value,
) -> sqlx::Result<()> {
    let event_id: i64 = sqlx::query_scalar(
        "INSERT INTO webhook_events (type, at, data) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(kind.as_str())
    .bind(to_millis(at))
    .bind(data.to_string())
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO webhook_deliveries (event_id, endpoint, subject, next_attempt_at)
         SELECT $1, value, $2, $3 FROM json_array_elements_text($4::json)",
    )
    .bind(event_id)
    .bind(subject)
    .bind(to_millis(at))
    .bind(serde_json::to_string(endpoints).unwrap_or_else(|_| "[]".into()))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: i64,
    event_id: i64,
    event_type: String,
    endpoint: String,
    attempts: i64,
    last_status: Option<i64>,
    last_error: Option<String>,
    next_attempt_at: i64,
    delivered_at: Option<i64>,
}

impl From<DeliveryRow> for Delivery {
    fn from(r: DeliveryRow) -> Self {
        Delivery {
            id: r.id,
            event_id: r.event_id,
            event_type: r.event_type,
            endpoint: r.endpoint,
            attempts: r.attempts,
            last_status: r.last_status,
            last_error: r.last_error,
            next_attempt_at: r
                .delivered_at
                .is_none()
                .then(|| from_millis(r.next_attempt_at)),
            delivered_at: r.delivered_at.map(from_millis),
        }
    }
}

const DELIVERY_COLUMNS: &str = "d.id, d.event_id, e.type AS event_type, d.endpoint, d.attempts,
    d.last_status, d.last_error, d.next_attempt_at, d.delivered_at
    FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id";

#[derive(sqlx::FromRow)]
struct DueRow {
    id: i64,
    event_id: i64,
    event_type: String,
    at: i64,
    data: String,
    attempts: i64,
}

#[async_trait]
impl WebhookStore for PgStore {
    fn use_webhook_endpoints(&self, endpoints: Vec<String>) {
        if let Ok(mut current) = self.outbox.endpoints.write() {
            *current = Arc::new(endpoints);
        }
    }

    fn outbox_written(&self) -> watch::Receiver<u64> {
        self.outbox.written.subscribe()
    }

    async fn claim_deliveries(&self, claim: Claim<'_>) -> anyhow::Result<Vec<DueDelivery>> {
        let mut tx = self.begin_write().await?;
        let now = to_millis(claim.now);
        // A subject's head is its oldest undelivered row: later rows wait for
        // it, while other subjects' heads go on.
        let ids: Vec<i64> = sqlx::query_scalar(
            "UPDATE webhook_deliveries SET lease_owner = $1, lease_until = $2
             WHERE id IN (
                 SELECT d.id FROM webhook_deliveries d
                 WHERE d.endpoint = $3 AND d.delivered_at IS NULL AND d.next_attempt_at <= $4
                   AND (d.lease_until IS NULL OR d.lease_until <= $4)
                   AND NOT EXISTS (
                       SELECT 1 FROM webhook_deliveries o
                       WHERE o.endpoint = d.endpoint AND o.subject = d.subject
                         AND o.delivered_at IS NULL AND o.id < d.id)
                 ORDER BY d.id LIMIT $5)
             RETURNING id",
        )
        .bind(claim.owner)
        .bind(to_millis(claim.until))
        .bind(claim.endpoint)
        .bind(now)
        .bind(claim.limit as i64)
        .fetch_all(&mut *tx)
        .await
        .context("cannot claim webhook deliveries")?;
        let rows: Vec<DueRow> = sqlx::query_as(
            "SELECT d.id, d.event_id, e.type AS event_type, e.at, e.data, d.attempts
             FROM json_each($1) j JOIN webhook_deliveries d ON d.id = j.value
             JOIN webhook_events e ON e.id = d.event_id
             ORDER BY d.id",
        )
        .bind(serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into()))
        .fetch_all(&mut *tx)
        .await
        .context("cannot read claimed webhook deliveries")?;
        tx.commit().await.context("cannot commit a claim")?;
        let mut due: Vec<DueDelivery> = rows
            .into_iter()
            .map(|r| DueDelivery {
                id: r.id,
                event_id: r.event_id,
                event_type: r.event_type,
                at: from_millis(r.at),
                data: r.data,
                attempts: r.attempts,
            })
            .collect();
        due.sort_by_key(|d| d.id);
        Ok(due)
    }

    async fn finish_deliveries(
        &self,
        owner: &str,
        attempts: &[(i64, Attempt)],
    ) -> anyhow::Result<()> {
        let mut tx = self.begin_write().await?;
        let now = to_millis(Utc::now());
        for (id, attempt) in attempts {
            record_attempt(&mut tx, *id, owner, attempt, now)
                .await
                .with_context(|| format!("cannot record an attempt on delivery {id}"))?;
        }
        tx.commit().await.context("cannot commit attempts")?;
        Ok(())
    }

    async fn delivery_page(&self, q: &DeliveryQuery<'_>) -> anyhow::Result<CommentPage<Delivery>> {
        let state = q.state.map(|s| match s {
            DeliveryState::Pending => 0,
            DeliveryState::Delivered => 1,
        });
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS}
             WHERE ($1 IS NULL OR d.endpoint = $1)
               AND ($2 IS NULL OR (d.delivered_at IS NOT NULL) = $2)
               AND ($3 IS NULL OR d.id < $3)
             ORDER BY d.id DESC LIMIT $4"
        );
        let rows: Vec<DeliveryRow> = sqlx::query_as(&sql)
            .bind(q.endpoint)
            .bind(state)
            .bind(q.before)
            .bind(q.limit as i64 + 1)
            .fetch_all(&self.pool)
            .await
            .context("cannot read the webhook delivery log")?;
        let items: Vec<Delivery> = rows.into_iter().map(Delivery::from).collect();
        Ok(split_page(items, q.limit, |d| d.id))
    }

    async fn redeliver(&self, id: i64, now: DateTime<Utc>) -> anyhow::Result<Option<Delivery>> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE webhook_deliveries SET delivered_at = NULL, next_attempt_at = $1,
                 lease_owner = NULL, lease_until = NULL
             WHERE id = $2",
        )
        .bind(to_millis(now))
        .bind(id)
        .execute(&mut *tx)
        .await
        .with_context(|| format!("cannot redeliver delivery {id}"))?;
        let sql = format!("SELECT {DELIVERY_COLUMNS} WHERE d.id = $1");
        let row: Option<DeliveryRow> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .with_context(|| format!("cannot read delivery {id}"))?;
        tx.commit().await.context("cannot commit a redelivery")?;
        self.outbox.written.send_modify(|n| *n = n.wrapping_add(1));
        Ok(row.map(Delivery::from))
    }

    async fn prune_delivered(&self, before: DateTime<Utc>) -> anyhow::Result<u64> {
        let mut tx = self.begin_write().await?;
        let pruned = sqlx::query(
            "DELETE FROM webhook_events WHERE id IN (
                 SELECT event_id FROM webhook_deliveries
                 WHERE delivered_at IS NOT NULL AND delivered_at < $1
                   AND NOT EXISTS (SELECT 1 FROM webhook_deliveries o
                                   WHERE o.event_id = webhook_deliveries.event_id
                                     AND (o.delivered_at IS NULL OR o.delivered_at >= $1))
                 LIMIT 10000)",
        )
        .bind(to_millis(before))
        .execute(&mut *tx)
        .await
        .context("cannot prune delivered webhook events")?
        .rows_affected();
        tx.commit().await.context("cannot commit pruning")?;
        Ok(pruned)
    }

    async fn oldest_undelivered(&self) -> anyhow::Result<Option<DateTime<Utc>>> {
        // No undelivered row: no event matches, so fetch_optional, not fetch_one.
        let at: Option<i64> = sqlx::query_scalar(
            "SELECT at FROM webhook_events WHERE id =
                 (SELECT min(event_id) FROM webhook_deliveries WHERE delivered_at IS NULL)",
        )
        .fetch_optional(&self.pool)
        .await
        .context("cannot find the oldest undelivered webhook event")?;
        Ok(at.map(from_millis))
    }
}
