//! What the standards policy decides about a text, as the other layers see it.

use std::time::Duration;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Publish,
    Hold,
    Refuse,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FloodLimit {
    pub count: u32,
    pub per: Duration,
}

/// One rule that fired on a comment, with the span it fired on in code points
/// (as the counter counts), `0..0` for rules about the whole comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub code: &'static str,
    pub action: Action,
    pub start: usize,
    pub end: usize,
    /// The text that matched; empty where repeating it would expose it.
    pub matched: String,
}
