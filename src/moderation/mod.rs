//! Moderation: review queues, decisions, reader reports, sanctions and the
//! append-only log of everything moderators and the policy did.

pub mod events;
pub mod service;

pub use events::EventHub;
pub use service::Moderation;
