//! The webhook delivery log and redelivery, for admins.

use actix_web::web;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::webhooks::{Delivery, DeliveryState};
use crate::http::error::{ApiError, ApiResult, ProblemDoc};
use crate::http::extract::Admin;
use crate::http::paging::{self, encode_cursor};
use crate::http::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/webhooks/deliveries").get(deliveries))
        .service(web::resource("/admin/webhooks/deliveries/{id}/redeliver").post(redeliver));
}

#[derive(Deserialize, IntoParams)]
pub struct DeliveryListQuery {
    /// Only deliveries to this endpoint (one of `WEBHOOK_URLS`, exactly).
    pub endpoint: Option<String>,
    /// `pending` (not yet answered with 2xx) or `delivered`.
    pub state: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// One event's delivery to one endpoint.
#[derive(Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: String,
    /// The `id` of the event's body: the same on every attempt.
    pub event_id: String,
    pub r#type: String,
    pub endpoint: String,
    pub state: DeliveryState,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    /// Null once delivered.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        DeliveryView {
            id: d.id.to_string(),
            event_id: d.event_id.to_string(),
            state: d.state(),
            r#type: d.event_type,
            endpoint: d.endpoint,
            attempts: d.attempts,
            last_status: d.last_status,
            last_error: d.last_error,
            next_attempt_at: d.next_attempt_at,
            delivered_at: d.delivered_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DeliveriesResponse {
    pub deliveries: Vec<DeliveryView>,
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryResponse {
    pub delivery: DeliveryView,
}

/// The delivery log, newest first.
#[utoipa::path(get, path = "/api/v1/admin/webhooks/deliveries", tag = "webhooks",
    params(DeliveryListQuery),
    responses((status = 200, body = DeliveriesResponse),
        (status = 400, description = "invalid_query, invalid_cursor", body = ProblemDoc),
        (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc)))]
pub async fn deliveries(
    state: web::Data<AppState>,
    _admin: Admin,
    query: web::Query<DeliveryListQuery>,
) -> ApiResult<web::Json<DeliveriesResponse>> {
    let paging = paging::parse_by_id(query.limit.as_deref(), query.cursor.as_deref())?;
    let wanted = match query.state.as_deref() {
        None | Some("") => None,
        Some("pending") => Some(DeliveryState::Pending),
        Some("delivered") => Some(DeliveryState::Delivered),
        Some(_) => return Err(ApiError::InvalidQuery("state")),
    };
    let endpoint = query.endpoint.as_deref().filter(|e| !e.is_empty());
    let page = state.webhooks.page(endpoint, wanted, paging).await?;
    Ok(web::Json(DeliveriesResponse {
        deliveries: page.items.into_iter().map(DeliveryView::from).collect(),
        next_cursor: page.next_after.map(|id| encode_cursor(id, None)),
    }))
}

/// Queues a fresh attempt at once, with the same event id, whatever the
/// delivery's state.
#[utoipa::path(post, path = "/api/v1/admin/webhooks/deliveries/{id}/redeliver", tag = "webhooks",
    params(("id" = String, Path,)),
    responses((status = 200, body = DeliveryResponse),
        (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc),
        (status = 404, description = "not_found", body = ProblemDoc)))]
pub async fn redeliver(
    state: web::Data<AppState>,
    _admin: Admin,
    path: web::Path<String>,
) -> ApiResult<web::Json<DeliveryResponse>> {
    let id = parse_id(&path).ok_or(ApiError::NotFound)?;
    let delivery = state
        .webhooks
        .redeliver(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(web::Json(DeliveryResponse {
        delivery: delivery.into(),
    }))
}

/// A positive decimal id as the log shows it; anything else names nothing.
fn parse_id(raw: &str) -> Option<i64> {
    if raw.is_empty() || raw.len() > 18 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    raw.parse().ok().filter(|id| *id > 0)
}
