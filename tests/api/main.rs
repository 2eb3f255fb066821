//! Integration tests: the real server, over HTTP, on a fresh SQLite file per test.

mod articles;
mod attack;
mod auth;
mod bad_input;
mod cli;
mod comments;
mod concurrency;
mod crash;
mod cross_origin;
mod errors;
mod head;
mod health;
mod helpers;
mod limits;
mod listing;
mod memory;
mod moderation;
mod pages;
mod policy;
mod races;
mod reports;
mod secrets;
mod snapshots;
mod staff;
mod text_rule;
mod threads;
