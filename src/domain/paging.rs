//! A page of a listing: how many items, after which id. Ids grow with time,
//! so "after this id" is stable while new comments arrive.

pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub limit: usize,
    /// The id of the last item of the previous page.
    pub after: Option<i64>,
    /// For orders by reactions: where the previous page stopped.
    pub cut: Option<Cut>,
}

/// A ranked listing is read as of one reaction change (`seq`): the ranks
/// then, not now, so a comment whose rank changes while a reader pages is
/// still shown once. `key` is the rank of the last comment shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cut {
    pub seq: i64,
    pub key: i64,
}
