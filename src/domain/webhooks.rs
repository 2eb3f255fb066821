//! Webhook events: what a newsroom's systems are told, and how each
//! delivery stands. Storage writes the events inside the change's own
//! transaction (`storage/sqlite/outbox.rs`); the workers in `webhooks/` send them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The seven event types of API.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    CommentPublished,
    CommentHeld,
    CommentDecided,
    CommentReported,
    CommentDeleted,
    UserSanctioned,
    ArticleUpdated,
}

impl EventType {
    pub const ALL: [EventType; 7] = [
        EventType::CommentPublished,
        EventType::CommentHeld,
        EventType::CommentDecided,
        EventType::CommentReported,
        EventType::CommentDeleted,
        EventType::UserSanctioned,
        EventType::ArticleUpdated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::CommentPublished => "comment.published",
            EventType::CommentHeld => "comment.held",
            EventType::CommentDecided => "comment.decided",
            EventType::CommentReported => "comment.reported",
            EventType::CommentDeleted => "comment.deleted",
            EventType::UserSanctioned => "user.sanctioned",
            EventType::ArticleUpdated => "article.updated",
        }
    }
}

/// The body sent: `{id, type, at, data}`, built only from what was stored,
/// so every retry sends the same event.
pub fn body(event_id: i64, event_type: &str, at: DateTime<Utc>, data: &str) -> String {
    // `data` was written by the outbox as JSON; a row that does not parse is
    // sent as null rather than never.
    let data: serde_json::Value = serde_json::from_str(data).unwrap_or_default();
    serde_json::json!({
        "id": event_id.to_string(),
        "type": event_type,
        "at": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": data,
    })
    .to_string()
}

/// Which deliveries the log lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not yet answered with 2xx (never tried, or retrying).
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
}

/// One event's delivery to one endpoint, as the delivery log shows it.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: i64,
    pub event_id: i64,
    pub event_type: String,
    pub endpoint: String,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    /// When it is tried next; `None` once delivered.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl Delivery {
    pub fn state(&self) -> DeliveryState {
        match self.delivered_at {
            Some(_) => DeliveryState::Delivered,
            None => DeliveryState::Pending,
        }
    }
}

/// A delivery a worker has claimed, with what its body is built from.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub id: i64,
    pub event_id: i64,
    pub event_type: String,
    pub at: DateTime<Utc>,
    pub data: String,
    /// Attempts made before this one.
    pub attempts: i64,
}

impl DueDelivery {
    pub fn body(&self) -> String {
        body(self.event_id, &self.event_type, self.at, &self.data)
    }
}

/// How one attempt ended.
#[derive(Debug, Clone)]
pub enum Attempt {
    Delivered {
        status: u16,
    },
    Failed {
        /// The answer's status, if there was an answer.
        status: Option<u16>,
        error: String,
        retry_at: DateTime<Utc>,
    },
}
