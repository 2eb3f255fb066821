//! Accounts, passwords, sessions, login throttling, and readers' data rights.

pub mod erasure;
pub mod export;
pub mod password;
pub mod providers;
pub mod service;
pub mod session;
pub mod sign_in;
pub mod sso;
pub mod throttle;

pub use erasure::DataRights;
pub use password::Hasher;
pub use service::Auth;
