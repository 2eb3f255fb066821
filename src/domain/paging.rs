//! A page of a listing: how many items, after which id. Ids grow with time,
//! so "after this id" is stable while new comments arrive.

pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub limit: usize,
    pub after: Option<i64>,
}
