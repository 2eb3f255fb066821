//! Moderation: review queues, decisions, reader reports, sanctions and the
//! append-only log of everything moderators and the policy did; `desk` adds
//! what the moderator desk needs beside them.

pub mod desk;
pub mod events;
pub mod service;

pub use desk::Desk;
pub use events::EventHub;
pub use service::Moderation;
