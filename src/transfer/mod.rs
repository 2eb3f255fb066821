//! `comment-desk export` and `comment-desk import`: a newsroom's own backup
//! as JSON lines, and comments brought over from Disqus, WordPress and Isso.

mod disqus;
mod export;
mod import;
mod importer;
mod isso;
mod own;
mod rule;
mod wxr;
mod xml;

pub use export::export;
pub use import::import;
pub use importer::BadFile;
