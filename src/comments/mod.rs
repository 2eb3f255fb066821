//! Comments: posting, listing, reading, editing and deleting, with the text
//! rule and the standards policy applied.

pub mod hook;
pub mod page_cache;
pub mod quota;
pub mod service;

pub use service::Comments;
