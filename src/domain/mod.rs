//! The bottom layer: the values every other layer talks in (articles,
//! accounts, comments, moderation, the policy's findings), the messages in
//! both languages and each feature's errors. Nothing here imports a layer
//! above it: no storage, no services, no HTTP.

pub mod accounts;
pub mod articles;
pub mod body;
pub mod comments;
pub mod data_rights;
pub mod desk;
pub mod events;
pub mod history;
pub mod identities;
pub mod ids;
pub mod message;
pub mod moderation;
pub mod paging;
pub mod policy;
pub mod post_error;
pub mod quota;
pub mod reactions;
pub mod refusal;
pub mod transfer;
pub mod views;
pub mod webhooks;
