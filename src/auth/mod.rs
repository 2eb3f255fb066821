//! Accounts, passwords, sessions and login throttling.

pub mod password;
pub mod service;
pub mod session;
pub mod throttle;

pub use password::Hasher;
pub use service::Auth;
