//! What sign-in with other accounts reads and writes: identities, sign-ins
//! under way, link tickets and used SSO token ids.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::accounts::{Role, User};
use crate::domain::identities::{Identity, ReturnMode};
use crate::domain::ids::AccountId;

#[async_trait]
pub trait IdentityStore: Send + Sync {
    /// The account that (provider, subject) signs in to.
    async fn account_by_identity(
        &self,
        provider: &str,
        subject: &str,
    ) -> anyhow::Result<Option<User>>;

    /// A new account whose first way in is the identity, in one transaction.
    /// When another request made it first, the account it made.
    async fn insert_account_with_identity(
        &self,
        account: NewProviderAccount<'_>,
        identity: IdentityInsert<'_>,
    ) -> anyhow::Result<User>;

    async fn link_identity(
        &self,
        account_id: AccountId,
        identity: IdentityInsert<'_>,
    ) -> anyhow::Result<Linked>;

    async fn identities_of(&self, account_id: AccountId) -> anyhow::Result<Vec<Identity>>;

    /// Removes the account's identity at `provider` unless it is its only
    /// way in (a password counts as one), checked in the same transaction.
    async fn unlink_identity(
        &self,
        account_id: AccountId,
        provider: &str,
    ) -> anyhow::Result<Unlinked>;

    async fn insert_login_attempt(&self, attempt: LoginAttempt) -> anyhow::Result<()>;

    /// Takes the attempt out (it can be used once), if it has not expired.
    async fn take_login_attempt(
        &self,
        state_hash: [u8; 32],
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<LoginAttempt>>;

    async fn insert_link_ticket(
        &self,
        ticket_hash: [u8; 32],
        account_id: AccountId,
        expires_at: DateTime<Utc>,
    ) -> anyhow::Result<()>;

    /// Takes the ticket out, if it has not expired: the account it links to.
    async fn take_link_ticket(
        &self,
        ticket_hash: [u8; 32],
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<AccountId>>;

    /// Records an SSO token id; `false` when it was used before.
    async fn use_sso_token_id(
        &self,
        jti: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool>;
}

pub struct NewProviderAccount<'a> {
    pub email: Option<&'a str>,
    pub display_name: &'a str,
    pub role: Role,
    pub now: DateTime<Utc>,
}

pub struct IdentityInsert<'a> {
    pub provider: &'a str,
    pub subject: &'a str,
    pub subject_hint: &'a str,
    pub now: DateTime<Utc>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Linked {
    Linked,
    /// The identity signs in to another account.
    InUse,
    /// The account has an identity at this provider already.
    ProviderTaken,
    /// It was linked to this account already.
    AlreadyThis,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Unlinked {
    Removed,
    LastWayIn,
    NotLinked,
}

/// A sign-in under way, between the start and the provider's callback.
#[derive(Debug, Clone)]
pub struct LoginAttempt {
    pub state_hash: [u8; 32],
    /// The SHA-256 of the cookie that binds the attempt to one browser.
    pub browser_hash: [u8; 32],
    pub provider: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub return_to: String,
    pub mode: ReturnMode,
    /// Set when a signed-in reader links this provider to their account.
    pub link_account_id: Option<AccountId>,
    pub expires_at: DateTime<Utc>,
}
