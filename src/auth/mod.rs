//! Accounts, passwords, sessions and login throttling.

pub mod password;
pub mod providers;
pub mod service;
pub mod session;
pub mod sign_in;
pub mod sso;
pub mod throttle;

pub use password::Hasher;
pub use service::Auth;
