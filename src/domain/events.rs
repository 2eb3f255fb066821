//! Live moderation events: what just changed in the review queues, told to
//! the moderators' open desks (`GET /moderation/events`).

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::domain::comments::{Comment, Status};
use crate::domain::ids::{AccountId, CommentId};
use crate::domain::moderation::SanctionKind;
use crate::domain::refusal::{Details, Refusal};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// A comment entered the pending queue.
    Queued,
    /// A comment left a queue: a decision, or its author deleted it.
    Decided,
    /// A reader filed a report.
    Reported,
    /// A sanction was given or lifted.
    Sanctioned,
}

impl EventKind {
    const ALL: [EventKind; 4] = [
        EventKind::Queued,
        EventKind::Decided,
        EventKind::Reported,
        EventKind::Sanctioned,
    ];

    pub fn parse(name: &str) -> Option<EventKind> {
        EventKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Queued => "queued",
            EventKind::Decided => "decided",
            EventKind::Reported => "reported",
            EventKind::Sanctioned => "sanctioned",
        }
    }
}

/// The `state` an event names: a comment's status, the reported queue, or
/// what became of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventState {
    Comment(Status),
    /// The comment is in the reported queue.
    Reported,
    Suspended,
    Banned,
    Lifted,
}

impl EventState {
    pub fn parse(name: &str) -> Option<EventState> {
        match name {
            "reported" => Some(EventState::Reported),
            "suspended" => Some(EventState::Suspended),
            "banned" => Some(EventState::Banned),
            "lifted" => Some(EventState::Lifted),
            status => Status::parse(status).map(EventState::Comment),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EventState::Comment(status) => status.as_str(),
            EventState::Reported => "reported",
            EventState::Suspended => "suspended",
            EventState::Banned => "banned",
            EventState::Lifted => "lifted",
        }
    }
}

impl From<SanctionKind> for EventState {
    fn from(kind: SanctionKind) -> EventState {
        match kind {
            SanctionKind::Suspend => EventState::Suspended,
            SanctionKind::Ban => EventState::Banned,
        }
    }
}

/// What happened, as a service tells it; the hub gives it its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub kind: EventKind,
    pub comment_id: Option<CommentId>,
    /// The comment's author, or the sanctioned account.
    pub user_id: Option<AccountId>,
    pub state: EventState,
    pub article_id: Option<String>,
    pub at: DateTime<Utc>,
}

impl Change {
    /// A change of one comment, as it is now.
    pub fn comment(kind: EventKind, comment: &Comment, state: EventState) -> Change {
        Change {
            kind,
            comment_id: Some(comment.id),
            user_id: Some(comment.author_id),
            state,
            article_id: Some(comment.article_id.clone()),
            at: Utc::now(),
        }
    }

    /// A sanction given or lifted.
    pub fn account(user_id: AccountId, state: EventState) -> Change {
        Change {
            kind: EventKind::Sanctioned,
            comment_id: None,
            user_id: Some(user_id),
            state,
            article_id: None,
            at: Utc::now(),
        }
    }
}

/// A change as one process tells the others (PostgreSQL carries it).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct WireChange {
    kind: String,
    comment_id: Option<i64>,
    user_id: Option<i64>,
    state: String,
    article_id: Option<String>,
    at_ms: i64,
}

impl Change {
    pub fn to_wire(&self) -> String {
        let wire = WireChange {
            kind: self.kind.as_str().to_owned(),
            comment_id: self.comment_id.map(|id| id.get()),
            user_id: self.user_id.map(|id| id.get()),
            state: self.state.as_str().to_owned(),
            article_id: self.article_id.clone(),
            at_ms: self.at.timestamp_millis(),
        };
        serde_json::to_string(&wire).unwrap_or_default()
    }

    /// `None` for anything but what `to_wire` writes.
    pub fn from_wire(text: &str) -> Option<Change> {
        let wire: WireChange = serde_json::from_str(text).ok()?;
        Some(Change {
            kind: EventKind::parse(&wire.kind)?,
            comment_id: wire.comment_id.map(CommentId::new),
            user_id: wire.user_id.map(AccountId::new),
            state: EventState::parse(&wire.state)?,
            article_id: wire.article_id,
            at: DateTime::from_timestamp_millis(wire.at_ms)?,
        })
    }
}

/// A change with its place in the stream: ids only increase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: u64,
    pub change: Change,
}

/// A stream refused: every slot is taken (`EVENT_STREAMS`), or the account
/// already holds its share (`EVENT_STREAMS_PER_ACCOUNT`), so that one account
/// (or a stolen session) cannot lock the other moderators out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TooManyStreams {
    #[error("too many event streams")]
    Server,
    #[error("too many event streams for one account")]
    Account,
}

/// How long a refused desk waits before it tries again.
pub const STREAMS_RETRY_AFTER: Duration = Duration::from_secs(5);

impl Refusal for TooManyStreams {
    fn code(&self) -> &'static str {
        match self {
            TooManyStreams::Server => "too_many_streams",
            TooManyStreams::Account => "too_many_account_streams",
        }
    }

    fn details(&self) -> Details {
        Details::retry_after(STREAMS_RETRY_AFTER)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_survives_the_wire() {
        let states = [
            EventState::Comment(Status::Pending),
            EventState::Reported,
            EventState::Suspended,
            EventState::Banned,
            EventState::Lifted,
        ];
        for (kind, state) in EventKind::ALL.into_iter().zip(states.into_iter().cycle()) {
            let change = Change {
                kind,
                comment_id: Some(CommentId::new(7)),
                user_id: Some(AccountId::new(3)),
                state,
                article_id: Some("a".into()),
                at: DateTime::from_timestamp_millis(1_700_000_000_123).unwrap(),
            };
            assert_eq!(Change::from_wire(&change.to_wire()), Some(change));
        }
        assert_eq!(Change::from_wire("{\"kind\":\"nope\"}"), None);
    }
}
