//! The routes, one file per feature; each handler parses the request, calls
//! its service and shapes the answer.

pub mod articles;
pub mod auth;
pub mod comments;
pub mod data_rights;
pub mod desk;
pub mod desk_page;
pub mod events;
pub mod health;
pub mod history;
pub mod metrics;
pub mod moderation;
pub mod pages;
pub mod policy;
pub mod quota;
pub mod reactions;
pub mod sign_in;
pub mod webhooks;
