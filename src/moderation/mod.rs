//! Moderation: sanctions on accounts. (Queues, decisions and the log build on this.)

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SanctionKind {
    Suspend,
    Ban,
}

impl SanctionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SanctionKind::Suspend => "suspend",
            SanctionKind::Ban => "ban",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sanction {
    pub id: i64,
    pub account_id: i64,
    pub kind: SanctionKind,
    /// The end of a suspension; `None` for a ban.
    pub until: Option<DateTime<Utc>>,
    pub reason: String,
}
