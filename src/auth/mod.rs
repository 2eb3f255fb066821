//! Accounts, passwords, sessions and the logged-in-user extractors.

pub mod account;
pub mod extract;
pub mod password;
pub mod routes;
pub mod service;
pub mod session;
pub mod throttle;

pub use account::{DisplayName, Email, Password, Role, User};
pub use extract::{ActiveUser, Admin, CurrentUser, MaybeUser, Moderator};
pub use password::Hasher;
pub use service::Auth;
pub use session::TokenHash;
