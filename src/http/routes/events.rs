//! `GET /moderation/events`: the live moderation events as server-sent
//! events, for the moderator desk.

use std::convert::Infallible;
use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt, stream};
use serde::Serialize;
use tokio::time::Instant;
use utoipa::ToSchema;

use crate::domain::accounts::TokenHash;
use crate::domain::events::Event;
use crate::http::error::{ApiResult, ProblemDoc};
use crate::http::extract::Moderator;
use crate::http::middleware::was_head;
use crate::http::state::AppState;
use crate::moderation::events::Subscription;

/// A comment line this often, so that a connection whose desk is gone fails
/// its write and frees its slot, and proxies do not time it out.
const HEARTBEAT: Duration = Duration::from_secs(15);

/// An open stream asks again whether its session still stands at each
/// heartbeat, and before an event when it last asked longer ago than this: a
/// logout, a sanction or a lost role ends the stream within about this long
/// of the next event, or at the next heartbeat.
const RECHECK: Duration = Duration::from_secs(1);

/// Sent first: how long the browser waits before it reconnects.
const RETRY: &[u8] = b"retry: 2000\n\n";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/moderation/events").get(events));
}

/// The `data` of an event; fields that do not apply are left out.
#[derive(Serialize, ToSchema)]
pub struct EventData {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment_id: Option<String>,
    /// The comment's author, or the sanctioned account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// `pending`, `reported`, `published`, `rejected`, `deleted`, `suspended`,
    /// `banned` or `lifted`.
    pub state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article_id: Option<String>,
    pub at: DateTime<Utc>,
}

impl From<&Event> for EventData {
    fn from(event: &Event) -> EventData {
        let change = &event.change;
        EventData {
            comment_id: change.comment_id.map(|id| id.to_string()),
            user_id: change.user_id.map(|id| id.to_string()),
            state: change.state.as_str().to_owned(),
            article_id: change.article_id.clone(),
            at: change.at,
        }
    }
}

/// One event as the stream writes it.
fn frame(event: &Event) -> Bytes {
    let data = serde_json::to_string(&EventData::from(event)).unwrap_or_else(|_| "{}".into());
    let kind = event.change.kind.as_str();
    Bytes::from(format!("id: {}\nevent: {kind}\ndata: {data}\n\n", event.id))
}

/// The desk's `Last-Event-ID`; one that is not a number counts as none.
fn last_event_id(req: &HttpRequest) -> Option<u64> {
    let value = req.headers().get("last-event-id")?.to_str().ok()?;
    value.trim().parse().ok()
}

/// The session a stream was opened with, asked again while it runs.
struct Listener {
    state: web::Data<AppState>,
    session: TokenHash,
    checked: Instant,
}

impl Listener {
    /// Whether the session is still live, its account still staff and in
    /// good standing; a failed lookup ends the stream too (the desk reconnects).
    async fn still_allowed(&mut self) -> bool {
        self.checked = Instant::now();
        let Ok(Some(user)) = self.state.auth.session_user(self.session).await else {
            return false;
        };
        user.role.can_moderate() && self.state.moderation.check_standing(&user).await.is_ok()
    }

    async fn allowed_now(&mut self) -> bool {
        self.checked.elapsed() < RECHECK || self.still_allowed().await
    }
}

/// The retry line, then events as they come, with a heartbeat between; it
/// ends when the session no longer may listen.
fn event_stream(
    subscription: Subscription,
    listener: Listener,
) -> impl Stream<Item = Result<Bytes, Infallible>> {
    let start = Instant::now() + HEARTBEAT;
    let beats = tokio::time::interval_at(start, HEARTBEAT);
    let events = stream::unfold(
        (subscription, beats, listener),
        |(mut sub, mut beats, mut listener)| async move {
            let frame = tokio::select! {
                event = sub.next() => {
                    let event = event?;
                    listener.allowed_now().await.then(|| frame(&event))?
                }
                _ = beats.tick() => {
                    listener.still_allowed().await.then(|| Bytes::from_static(b": heartbeat\n\n"))?
                }
            };
            Some((Ok(frame), (sub, beats, listener)))
        },
    );
    stream::once(async { Ok(Bytes::from_static(RETRY)) }).chain(events)
}

fn stream_headers() -> HttpResponseBuilder {
    let mut response = HttpResponse::Ok();
    response
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        // Reverse proxies pass each event on at once instead of buffering.
        .insert_header(("x-accel-buffering", "no"));
    response
}

/// Live moderation events (server-sent events): `queued`, `decided`,
/// `reported` and `sanctioned`, each with an increasing `id` and a JSON
/// `data` line (`EventData`). With `Last-Event-ID`, the events kept after it
/// (the last `EVENT_WINDOW`) come first. Every moderator gets every event,
/// their own too. At most `EVENT_STREAMS` streams are open at once, at most
/// `EVENT_STREAMS_PER_ACCOUNT` of them one account's. A stream ends soon
/// after its session is logged out or its account sanctioned or demoted.
#[utoipa::path(get, path = "/api/v1/moderation/events", tag = "moderation",
    params(("Last-Event-ID" = Option<String>, Header, description = "the id of the last event received")),
    responses((status = 200, description = "the event stream; each event's data is an EventData", body = String, content_type = "text/event-stream"),
        (status = 401, body = ProblemDoc),
        (status = 403, description = "forbidden, account_suspended, account_banned", body = ProblemDoc),
        (status = 429, description = "too_many_account_streams (`EVENT_STREAMS_PER_ACCOUNT`), with Retry-After", body = ProblemDoc),
        (status = 503, description = "too_many_streams, with Retry-After", body = ProblemDoc)))]
pub async fn events(
    state: web::Data<AppState>,
    moderator: Moderator,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    let caller = moderator.0;
    if was_head(&req) {
        // The stream's headers and no stream: a HEAD would otherwise hold a
        // slot and its connection with a body that is never sent.
        return Ok(stream_headers().finish());
    }
    let subscription = state
        .events
        .subscribe(caller.user.id, last_event_id(&req))?;
    tracing::debug!(
        user_id = caller.user.id.get(),
        after = subscription.last_id(),
        "event stream opened"
    );
    Ok(stream_headers().streaming(event_stream(
        subscription,
        Listener {
            state: state.clone(),
            session: caller.session,
            checked: Instant::now(),
        },
    )))
}
