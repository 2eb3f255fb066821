//! Comment Desk: comment moderation for news sites.
//!
//! A request reads top to bottom: route (`*/routes.rs`) → service (the rules)
//! → storage (`storage/`, all SQL).

pub mod articles;
pub mod auth;
pub mod cli;
pub mod comments;
pub mod config;
pub mod domain;
pub mod history;
pub mod http;
pub mod moderation;
pub mod policy;

pub mod rate_limit;
pub mod reactions;
pub mod signing;
pub mod startup;
pub mod storage;
pub mod telemetry;
pub mod text;
pub mod transfer;
pub mod webhooks;
