//! What the auth service reads and writes: accounts and their sessions.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::accounts::{Role, TokenHash, User};
use crate::domain::ids::AccountId;

#[async_trait]
pub trait AccountStore: Send + Sync {
    /// `None` when the email is taken.
    async fn insert_account(&self, new: AccountInsert<'_>) -> anyhow::Result<Option<User>>;

    async fn account(&self, id: AccountId) -> anyhow::Result<Option<User>>;

    /// The account and its password hash (if it has a password), for login.
    async fn account_by_email(&self, email: &str)
    -> anyhow::Result<Option<(User, Option<String>)>>;

    /// The password hash of the account; `None` when it has no password.
    async fn password_hash(&self, account_id: AccountId) -> anyhow::Result<Option<String>>;

    async fn set_display_name(&self, account_id: AccountId, name: &str) -> anyhow::Result<()>;

    async fn set_password_hash(&self, account_id: AccountId, hash: &str) -> anyhow::Result<()>;

    /// The display names of moderators and admins.
    async fn staff_names(&self) -> anyhow::Result<Vec<String>>;

    async fn insert_session(&self, new: SessionInsert) -> anyhow::Result<()>;

    /// The session's user, if it is not revoked, not past its absolute limit,
    /// and was last used (written or only noted) after `idle_cutoff`.
    async fn live_session(
        &self,
        hash: TokenHash,
        now: DateTime<Utc>,
        idle_cutoff: DateTime<Utc>,
    ) -> anyhow::Result<Option<LiveSession>>;

    /// Notes a use of the session in memory, which moves its idle deadline at
    /// once; `false` when the use could not be kept and must be written now.
    fn note_session_use(
        &self,
        hash: TokenHash,
        now: DateTime<Utc>,
        idle_cutoff: DateTime<Utc>,
    ) -> bool;

    /// Writes the session's last use.
    async fn touch_session(&self, hash: TokenHash, now: DateTime<Utc>) -> anyhow::Result<()>;

    async fn revoke_session(&self, hash: TokenHash, now: DateTime<Utc>) -> anyhow::Result<()>;

    /// Revokes every live session of the account but `keep`.
    async fn revoke_sessions_of(
        &self,
        account_id: AccountId,
        keep: Option<TokenHash>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<u64>;
}

pub struct AccountInsert<'a> {
    pub email: Option<&'a str>,
    pub display_name: &'a str,
    /// `None` for an account whose only ways in are providers or SSO.
    pub password_hash: Option<&'a str>,
    pub role: Role,
    pub now: DateTime<Utc>,
}

pub struct SessionInsert {
    pub hash: TokenHash,
    pub account_id: AccountId,
    pub now: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The provider that signed the session in; `None` for a password.
    pub signed_in_with: Option<String>,
}

pub struct LiveSession {
    pub user: User,
    /// The last use written to the database (later ones may be in memory only).
    pub last_seen_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    /// The provider that signed the session in; `None` for a password.
    pub signed_in_with: Option<String>,
}
