//! Public author histories (`AUTHOR_HISTORY=public`): a reader's published
//! comments across editorials, counts, 공감 received and a sanction badge.

pub mod service;

pub use service::History;
