//! Moderation: review queues, decisions, reader reports, sanctions and the
//! append-only log of everything moderators and the policy did; `desk` adds
//! what the moderator desk needs beside them; `relay` carries live events
//! between processes that share a PostgreSQL database.

pub mod desk;
pub mod events;
pub mod relay;
pub mod service;

pub use desk::Desk;
pub use events::EventHub;
pub use relay::share_events;
pub use service::Moderation;
