//! How a domain error is told to a client: a stable `code` (the names in
//! API.md's error table) and the details its answer shows. The words and the
//! status of each code are HTTP's business (`http/error.rs`, one table).

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::domain::comments::{Comment, LastAction};
use crate::domain::message::{Text, Violation};

/// What an error names beside its code.
#[derive(Debug, Default, Clone)]
pub struct Details {
    pub violations: Vec<Violation>,
    /// How long to wait; the words say it in whole seconds.
    pub retry_after: Option<Duration>,
    /// The end of a suspension.
    pub until: Option<DateTime<Utc>>,
    /// A comment's length and the limit it broke.
    pub length: Option<(usize, usize)>,
    /// The comment as it is now, for `already_decided`.
    pub comment: Option<Box<Comment>>,
    /// For a decision's `already_decided`: who acted on the comment last and
    /// when (`decided_by`, `decided_at`), `Some(None)` when nobody did.
    pub decided: Option<Option<LastAction>>,
    /// Fills `{subject}` in the words: a parameter's name, a parser's complaint.
    pub subject: Option<String>,
    /// Words of the error's own, in place of the table's.
    pub title: Option<Text>,
    pub detail: Option<Text>,
}

impl Details {
    pub fn violation(violation: &Violation) -> Details {
        Details {
            detail: Some(violation.message.clone()),
            violations: vec![violation.clone()],
            ..Details::default()
        }
    }

    pub fn violations(violations: &[Violation]) -> Details {
        Details {
            violations: violations.to_vec(),
            ..Details::default()
        }
    }

    pub fn retry_after(wait: Duration) -> Details {
        Details {
            retry_after: Some(wait),
            ..Details::default()
        }
    }
}

/// The code every failure of ours is told as; its cause goes to the log only.
pub const INTERNAL: &str = "internal_error";

/// An error a client is told about.
pub trait Refusal: std::error::Error + Send + Sync + 'static {
    /// The stable snake_case code; `INTERNAL` for a failure of ours.
    fn code(&self) -> &'static str;

    fn details(&self) -> Details {
        Details::default()
    }
}
