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
             JOIN comments c ON c.id = substr(d.subject, 9)::bigint
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
        // it, while other subjects' heads go on. Another process claiming at
        // the same time holds its rows locked until it commits: they are
        // skipped, not waited for, and a row it has leased and committed is
        // checked again under the lock (its lease is then not run out). A
        // head's lease never hides its subject's next row, which still has
        // the head before it undelivered.
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
                 ORDER BY d.id LIMIT $5
                 FOR UPDATE SKIP LOCKED)
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
             FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
             WHERE d.id = ANY($1)
             ORDER BY d.id",
        )
        .bind(&ids)
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
        let delivered = q.state.map(|s| s == DeliveryState::Delivered);
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS}
             WHERE ($1 IS NULL OR d.endpoint = $1)
               AND ($2 IS NULL OR (d.delivered_at IS NOT NULL) = $2)
               AND ($3 IS NULL OR d.id < $3)
             ORDER BY d.id DESC LIMIT $4"
        );
        let rows: Vec<DeliveryRow> = sqlx::query_as(&sql)
            .bind(q.endpoint)
            .bind(delivered)
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
        // Announced, so the workers of every process wake.
        self.commit(tx, &[]).await?;
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

#[cfg(test)]
pub(super) mod tests {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use chrono::Duration;

    use super::*;
    use crate::storage::postgres::temp_store;

    pub(crate) const ENDPOINT: &str = "http://hooks.test/a";

    /// An account, an article and one published comment of that account.
    pub(crate) async fn seed(store: &PgStore, name: &str, role: &str) -> (AccountId, Comment) {
        let now = to_millis(Utc::now());
        let account: AccountId = sqlx::query_scalar(
            "INSERT INTO accounts (email, display_name, password_hash, role, created_at)
             VALUES ($1, $2, 'hash', $3, $4) RETURNING id",
        )
        .bind(format!("{name}@example.com"))
        .bind(name)
        .bind(role)
        .bind(now)
        .fetch_one(&store.pool)
        .await
        .unwrap();
        let comment = comment_by(store, account, "an-article").await;
        (account, comment)
    }

    pub(crate) async fn comment_by(store: &PgStore, author: AccountId, article: &str) -> Comment {
        let now = to_millis(Utc::now());
        sqlx::query(
            "INSERT INTO articles (id, title, url, created_at, updated_at)
             VALUES ($1, 'Title', '/a', $2, $2) ON CONFLICT DO NOTHING",
        )
        .bind(article)
        .bind(now)
        .execute(&store.pool)
        .await
        .unwrap();
        let id: CommentId = sqlx::query_scalar(
            "INSERT INTO comments (article_id, author_id, body, length, status, created_at)
             VALUES ($1, $2, 'hello', 5, 'published', $3) RETURNING id",
        )
        .bind(article)
        .bind(author)
        .bind(now)
        .fetch_one(&store.pool)
        .await
        .unwrap();
        super::super::shared::load_comment(&store.pool, id)
            .await
            .unwrap()
            .unwrap()
    }

    async fn publish(store: &PgStore, comment: &Comment) {
        let mut tx = store.begin_write().await.unwrap();
        store
            .outbox
            .comment_event(&mut tx, EventType::CommentPublished, comment, Utc::now())
            .await
            .unwrap();
        store.commit(tx, &[]).await.unwrap();
    }

    fn claim<'a>(owner: &'a str, now: DateTime<Utc>) -> Claim<'a> {
        Claim {
            endpoint: ENDPOINT,
            owner,
            now,
            until: now + Duration::seconds(60),
            limit: 10,
        }
    }

    fn delivered() -> Attempt {
        Attempt::Delivered { status: 200 }
    }

    #[tokio::test]
    async fn a_claim_holds_its_deliveries_until_the_lease_runs_out() {
        let Some(store) = temp_store().await else {
            return;
        };
        store.use_webhook_endpoints(vec![ENDPOINT.to_owned()]);
        let (author, first) = seed(&store, "reader", "reader").await;
        let second = comment_by(&store, author, "an-article").await;
        publish(&store, &first).await;
        publish(&store, &second).await;
        let now = Utc::now();

        let claimed = store.claim_deliveries(claim("a", now)).await.unwrap();
        let again = store.claim_deliveries(claim("b", now)).await.unwrap();
        let later = now + Duration::seconds(61);
        let expired = store.claim_deliveries(claim("b", later)).await.unwrap();

        assert_eq!(claimed.len(), 2);
        assert!(claimed[0].id < claimed[1].id);
        assert_eq!(claimed[0].event_type, "comment.published");
        assert!(claimed[0].data.contains("hello"), "{}", claimed[0].data);
        assert!(again.is_empty(), "leased to a");
        assert_eq!(expired.len(), 2, "the lease ran out");
    }

    #[tokio::test]
    async fn attempts_are_recorded_only_by_the_owner() {
        let Some(store) = temp_store().await else {
            return;
        };
        store.use_webhook_endpoints(vec![ENDPOINT.to_owned()]);
        let (author, first) = seed(&store, "reader", "reader").await;
        let second = comment_by(&store, author, "an-article").await;
        publish(&store, &first).await;
        publish(&store, &second).await;
        let now = Utc::now();
        let claimed = store.claim_deliveries(claim("a", now)).await.unwrap();
        let failed = Attempt::Failed {
            status: Some(500),
            error: "boom".into(),
            retry_at: now + Duration::seconds(30),
        };

        store
            .finish_deliveries("not-a", &[(claimed[0].id, delivered())])
            .await
            .unwrap();
        store
            .finish_deliveries(
                "a",
                &[(claimed[0].id, delivered()), (claimed[1].id, failed)],
            )
            .await
            .unwrap();

        let page = store
            .delivery_page(&DeliveryQuery {
                endpoint: Some(ENDPOINT),
                state: None,
                before: None,
                limit: 1,
            })
            .await
            .unwrap();
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.next_after, Some(claimed[1].id), "newest first");
        let failed = &page.items[0];
        assert_eq!((failed.attempts, failed.last_status), (1, Some(500)));
        assert_eq!(failed.last_error.as_deref(), Some("boom"));
        let done = store
            .delivery_page(&DeliveryQuery {
                endpoint: None,
                state: Some(DeliveryState::Delivered),
                before: None,
                limit: 10,
            })
            .await
            .unwrap();
        assert_eq!(done.items.len(), 1);
        assert_eq!(done.items[0].id, claimed[0].id);
        assert_eq!(
            done.items[0].attempts, 1,
            "the other owner's attempt did nothing"
        );
        let early = store.claim_deliveries(claim("a", now)).await.unwrap();
        assert!(early.is_empty(), "retried only at retry_at");
        let retried = now + Duration::seconds(31);
        let due = store.claim_deliveries(claim("a", retried)).await.unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].attempts, 1);
    }

    #[tokio::test]
    async fn a_subjects_later_delivery_waits_for_the_earlier_one() {
        let Some(store) = temp_store().await else {
            return;
        };
        store.use_webhook_endpoints(vec![ENDPOINT.to_owned()]);
        let (author, comment) = seed(&store, "reader", "reader").await;
        let other = comment_by(&store, author, "an-article").await;
        publish(&store, &comment).await;
        publish(&store, &comment).await;
        publish(&store, &other).await;
        let now = Utc::now();

        let first = store.claim_deliveries(claim("a", now)).await.unwrap();
        let failed = Attempt::Failed {
            status: None,
            error: "refused".into(),
            retry_at: now,
        };
        store
            .finish_deliveries("a", &[(first[0].id, failed), (first[1].id, delivered())])
            .await
            .unwrap();
        let retry = store.claim_deliveries(claim("a", now)).await.unwrap();
        store
            .finish_deliveries("a", &[(retry[0].id, delivered())])
            .await
            .unwrap();
        let next = store.claim_deliveries(claim("a", now)).await.unwrap();

        assert_eq!(first.len(), 2, "the comment's head and the other comment's");
        assert_eq!(
            retry.len(),
            1,
            "the failed head again, not the one behind it"
        );
        assert_eq!(retry[0].id, first[0].id);
        assert_eq!(next.len(), 1);
        assert!(next[0].id > first[0].id);
        assert!(store.oldest_undelivered().await.unwrap().is_some());
        store
            .finish_deliveries("a", &[(next[0].id, delivered())])
            .await
            .unwrap();
        assert_eq!(store.oldest_undelivered().await.unwrap(), None);
    }

    #[tokio::test]
    async fn redelivery_and_pruning() {
        let Some(store) = temp_store().await else {
            return;
        };
        store.use_webhook_endpoints(vec![ENDPOINT.to_owned()]);
        let (_, comment) = seed(&store, "reader", "reader").await;
        publish(&store, &comment).await;
        let now = Utc::now();
        let claimed = store.claim_deliveries(claim("a", now)).await.unwrap();
        store
            .finish_deliveries("a", &[(claimed[0].id, delivered())])
            .await
            .unwrap();

        let again = store.redeliver(claimed[0].id, now).await.unwrap().unwrap();
        let missing = store.redeliver(claimed[0].id + 100, now).await.unwrap();
        let kept = store
            .prune_delivered(Utc::now() + Duration::days(1))
            .await
            .unwrap();
        let claimed = store.claim_deliveries(claim("a", now)).await.unwrap();
        store
            .finish_deliveries("a", &[(claimed[0].id, delivered())])
            .await
            .unwrap();
        let pruned = store
            .prune_delivered(Utc::now() + Duration::days(1))
            .await
            .unwrap();

        assert!(again.delivered_at.is_none());
        assert!(missing.is_none());
        assert_eq!(kept, 0, "undelivered again");
        assert_eq!(pruned, 1);
    }

    #[tokio::test]
    async fn forgetting_an_author_rewrites_their_stored_events() {
        let Some(store) = temp_store().await else {
            return;
        };
        store.use_webhook_endpoints(vec![ENDPOINT.to_owned()]);
        let (author, comment) = seed(&store, "Kim Reader", "reader").await;
        let (_, others) = seed(&store, "Other", "reader").await;
        publish(&store, &comment).await;
        publish(&store, &others).await;
        let mut tx = store.begin_write().await.unwrap();
        sqlx::query("UPDATE accounts SET display_name = 'Erased' WHERE id = $1")
            .bind(author)
            .execute(&mut *tx)
            .await
            .unwrap();

        let changed = store.outbox.forget_author(&mut tx, author).await.unwrap();
        store.commit(tx, &[]).await.unwrap();

        assert_eq!(changed, 1);
        let data: Vec<String> = sqlx::query_scalar("SELECT data FROM webhook_events ORDER BY id")
            .fetch_all(&store.pool)
            .await
            .unwrap();
        assert!(!data[0].contains("Kim Reader"), "{}", data[0]);
        assert!(data[0].contains("Erased"), "{}", data[0]);
        assert!(data[1].contains("Other"), "{}", data[1]);
    }

    #[tokio::test]
    async fn two_processes_claim_every_delivery_exactly_once_in_subject_order() {
        let Some(first) = temp_store().await else {
            return;
        };
        let base = std::env::var("TEST_POSTGRES_URL").unwrap();
        let name = first
            .pool
            .connect_options()
            .get_database()
            .unwrap()
            .to_owned();
        let second = PgStore::open(&format!("{base}/{name}"), 4).await.unwrap();
        for store in [&first, &second] {
            store.use_webhook_endpoints(vec![ENDPOINT.to_owned()]);
        }
        let (author, _) = seed(&first, "reader", "reader").await;
        let mut subjects = Vec::new();
        for _ in 0..20 {
            subjects.push(comment_by(&first, author, "an-article").await);
        }
        for _ in 0..5 {
            for comment in &subjects {
                publish(&first, comment).await;
            }
        }
        let total = 100;
        let claims: Arc<Mutex<Vec<i64>>> = Arc::default();
        let stores = Arc::new([first, second]);

        let mut workers = Vec::new();
        for worker in 0..8 {
            let (stores, claims) = (stores.clone(), claims.clone());
            workers.push(tokio::spawn(async move {
                let store = &stores[worker % 2];
                let owner = format!("worker-{worker}");
                let deadline = Utc::now() + Duration::seconds(30);
                while claims.lock().unwrap().len() < total && Utc::now() < deadline {
                    let mut due = claim(&owner, Utc::now());
                    due.limit = 3;
                    let claimed = store.claim_deliveries(due).await.unwrap();
                    claims.lock().unwrap().extend(claimed.iter().map(|d| d.id));
                    let done: Vec<(i64, Attempt)> =
                        claimed.iter().map(|d| (d.id, delivered())).collect();
                    store.finish_deliveries(&owner, &done).await.unwrap();
                    if claimed.is_empty() {
                        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    }
                }
            }));
        }
        for worker in workers {
            worker.await.unwrap();
        }

        let claims = claims.lock().unwrap().clone();
        let mut seen: HashMap<i64, usize> = HashMap::new();
        for id in &claims {
            *seen.entry(*id).or_default() += 1;
        }
        assert_eq!(claims.len(), total, "every delivery claimed once");
        assert!(seen.values().all(|n| *n == 1), "none twice");
        let subject_of: HashMap<i64, String> =
            sqlx::query_as("SELECT id, subject FROM webhook_deliveries")
                .fetch_all(&stores[0].pool)
                .await
                .unwrap()
                .into_iter()
                .collect();
        let mut last: HashMap<&str, i64> = HashMap::new();
        for id in &claims {
            let subject = subject_of[id].as_str();
            let before = last.insert(subject, *id).unwrap_or(0);
            assert!(before < *id, "{subject}: {id} claimed after {before}");
        }
    }
}
