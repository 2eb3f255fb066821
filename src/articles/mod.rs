//! Editorials: the newsroom's articles that comments attach to.

pub mod seed;
pub mod service;

pub use service::Articles;
