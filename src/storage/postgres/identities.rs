//! Identities at providers, sign-ins under way, link tickets, used SSO token ids.

use anyhow::Context;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use super::PgStore;
use super::shared::{AccountRow, from_millis, is_unique_violation, to_millis};
use crate::domain::accounts::User;
use crate::domain::identities::{Identity, ReturnMode};
use crate::domain::ids::AccountId;
use crate::storage::identities::{
    IdentityInsert, IdentityStore, Linked, LoginAttempt, NewProviderAccount, Unlinked,
};

#[async_trait]
impl IdentityStore for PgStore {
    async fn account_by_identity(
        &self,
        provider: &str,
        subject: &str,
    ) -> anyhow::Result<Option<User>> {
        identity_owner(&self.pool, provider, subject).await
    }

    /// Two first sign-ins with one identity at once: the primary key of
    /// `identities` makes the second wait for the first and fail, and the
    /// second then answers with the account the first made.
    async fn insert_account_with_identity(
        &self,
        account: NewProviderAccount<'_>,
        identity: IdentityInsert<'_>,
    ) -> anyhow::Result<User> {
        let mut tx = self.begin_write().await?;
        if let Some(user) = identity_owner(&mut *tx, identity.provider, identity.subject).await? {
            return Ok(user);
        }
        // An email another account holds is left off: it never merges accounts.
        let row = match insert_provider_account(&mut tx, &account, account.email).await? {
            Some(row) => row,
            None => insert_provider_account(&mut tx, &account, None)
                .await?
                .context("cannot store an account made by a provider")?,
        };
        let user = row.into_user();
        match insert_identity(&mut tx, user.id, &identity).await {
            Ok(()) => {}
            Err(error) if is_unique_violation(&error) => {
                drop(tx);
                let owner = identity_owner(&self.pool, identity.provider, identity.subject).await?;
                return owner.context("an identity taken at once is gone again");
            }
            Err(error) => return Err(error).context("cannot link an identity"),
        }
        self.commit(tx, &[]).await?;
        Ok(user)
    }

    async fn link_identity(
        &self,
        account_id: AccountId,
        identity: IdentityInsert<'_>,
    ) -> anyhow::Result<Linked> {
        let mut tx = self.begin_write().await?;
        // Links and unlinks of one account wait for each other.
        lock_account(&mut tx, account_id).await?;
        if let Some(owner) = identity_owner(&mut *tx, identity.provider, identity.subject).await? {
            return Ok(linked_to(owner.id, account_id));
        }
        match insert_identity(&mut tx, account_id, &identity).await {
            Ok(()) => {}
            Err(error) if is_unique_violation(&error) => {
                // Either the account has this provider, or the identity was
                // linked elsewhere while we looked: the committed owner says which.
                drop(tx);
                let owner = identity_owner(&self.pool, identity.provider, identity.subject).await?;
                return Ok(owner.map_or(Linked::ProviderTaken, |o| linked_to(o.id, account_id)));
            }
            Err(error) => return Err(error).context("cannot link an identity"),
        }
        self.commit(tx, &[]).await?;
        Ok(Linked::Linked)
    }

    async fn identities_of(&self, account_id: AccountId) -> anyhow::Result<Vec<Identity>> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT provider, subject_hint, linked_at FROM identities
             WHERE account_id = $1 ORDER BY linked_at, provider",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await
        .with_context(|| format!("cannot list the identities of account {account_id}"))?;
        Ok(rows
            .into_iter()
            .map(|(provider, subject_hint, linked_at)| Identity {
                provider,
                subject_hint,
                linked_at: from_millis(linked_at),
            })
            .collect())
    }

    async fn unlink_identity(
        &self,
        account_id: AccountId,
        provider: &str,
    ) -> anyhow::Result<Unlinked> {
        let mut tx = self.begin_write().await?;
        let (identities, linked, password): (i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM identities WHERE account_id = $1),
                    (SELECT count(*) FROM identities WHERE account_id = $1 AND provider = $2),
                    (SELECT count(*) FROM accounts WHERE id = $1 AND password_hash IS NOT NULL)",
        )
        .bind(account_id)
        .bind(provider)
        .fetch_one(&mut *tx)
        .await
        .context("cannot count an account's ways in")?;
        if linked == 0 {
            return Ok(Unlinked::NotLinked);
        }
        if identities + password <= 1 {
            return Ok(Unlinked::LastWayIn);
        }
        sqlx::query("DELETE FROM identities WHERE account_id = $1 AND provider = $2")
            .bind(account_id)
            .bind(provider)
            .execute(&mut *tx)
            .await
            .context("cannot unlink an identity")?;
        self.commit(tx, &[]).await?;
        Ok(Unlinked::Removed)
    }

    async fn insert_login_attempt(&self, attempt: LoginAttempt) -> anyhow::Result<()> {
        // Attempts nobody finished are cleared as new ones arrive.
        sqlx::query("DELETE FROM login_attempts WHERE expires_at <= $1")
            .bind(to_millis(Utc::now()))
            .execute(&self.pool)
            .await
            .context("cannot clear old sign-in attempts")?;
        sqlx::query(
            "INSERT INTO login_attempts (state_hash, browser_hash, provider, nonce, pkce_verifier,
                                         return_to, mode, link_account_id, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&attempt.state_hash[..])
        .bind(&attempt.browser_hash[..])
        .bind(&attempt.provider)
        .bind(&attempt.nonce)
        .bind(&attempt.pkce_verifier)
        .bind(&attempt.return_to)
        .bind(attempt.mode.as_str())
        .bind(attempt.link_account_id)
        .bind(to_millis(attempt.expires_at))
        .execute(&self.pool)
        .await
        .context("cannot store a sign-in attempt")?;
        Ok(())
    }

    /// `DELETE … RETURNING` hands the row to one taker only: a racing
    /// second delete finds it gone.
    async fn take_login_attempt(
        &self,
        state_hash: [u8; 32],
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<LoginAttempt>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            browser_hash: Vec<u8>,
            provider: String,
            nonce: String,
            pkce_verifier: String,
            return_to: String,
            mode: String,
            link_account_id: Option<AccountId>,
            expires_at: i64,
        }
        let row = sqlx::query_as::<_, Row>(
            "DELETE FROM login_attempts WHERE state_hash = $1
             RETURNING browser_hash, provider, nonce, pkce_verifier, return_to, mode,
                       link_account_id, expires_at",
        )
        .bind(&state_hash[..])
        .fetch_optional(&self.pool)
        .await
        .context("cannot take a sign-in attempt")?;
        let Some(row) = row.filter(|row| row.expires_at > to_millis(now)) else {
            return Ok(None);
        };
        Ok(Some(LoginAttempt {
            state_hash,
            browser_hash: row.browser_hash.try_into().unwrap_or([0; 32]),
            provider: row.provider,
            nonce: row.nonce,
            pkce_verifier: row.pkce_verifier,
            return_to: row.return_to,
            // The CHECK constraint keeps mode to the two names.
            mode: ReturnMode::parse(&row.mode).unwrap_or(ReturnMode::Redirect),
            link_account_id: row.link_account_id,
            expires_at: from_millis(row.expires_at),
        }))
    }

    async fn insert_link_ticket(
        &self,
        ticket_hash: [u8; 32],
        account_id: AccountId,
        expires_at: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM link_tickets WHERE expires_at <= $1")
            .bind(to_millis(Utc::now()))
            .execute(&self.pool)
            .await
            .context("cannot clear old link tickets")?;
        sqlx::query(
            "INSERT INTO link_tickets (ticket_hash, account_id, expires_at) VALUES ($1, $2, $3)",
        )
        .bind(&ticket_hash[..])
        .bind(account_id)
        .bind(to_millis(expires_at))
        .execute(&self.pool)
        .await
        .context("cannot store a link ticket")?;
        Ok(())
    }

    async fn take_link_ticket(
        &self,
        ticket_hash: [u8; 32],
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<AccountId>> {
        let row: Option<(AccountId, i64)> = sqlx::query_as(
            "DELETE FROM link_tickets WHERE ticket_hash = $1 RETURNING account_id, expires_at",
        )
        .bind(&ticket_hash[..])
        .fetch_optional(&self.pool)
        .await
        .context("cannot take a link ticket")?;
        Ok(row
            .filter(|(_, expires_at)| *expires_at > to_millis(now))
            .map(|(account_id, _)| account_id))
    }

    /// The primary key decides between racing uses: one inserts, the
    /// others wait for it and do nothing.
    async fn use_sso_token_id(
        &self,
        jti: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        sqlx::query("DELETE FROM sso_token_ids WHERE expires_at <= $1")
            .bind(to_millis(now))
            .execute(&self.pool)
            .await
            .context("cannot clear old sso token ids")?;
        let inserted = sqlx::query(
            "INSERT INTO sso_token_ids (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING",
        )
        .bind(jti)
        .bind(to_millis(expires_at))
        .execute(&self.pool)
        .await
        .context("cannot record an sso token id")?;
        Ok(inserted.rows_affected() == 1)
    }
}

/// The account that (provider, subject) signs in to, inside a transaction or not.
async fn identity_owner(
    conn: impl PgExecutor<'_>,
    provider: &str,
    subject: &str,
) -> anyhow::Result<Option<User>> {
    let row = sqlx::query_as::<_, AccountRow>(
        "SELECT a.id, a.email, a.display_name, a.role
         FROM identities i JOIN accounts a ON a.id = i.account_id
         WHERE i.provider = $1 AND i.subject = $2",
    )
    .bind(provider)
    .bind(subject)
    .fetch_optional(conn)
    .await
    .context("cannot look up an identity")?;
    Ok(row.map(AccountRow::into_user))
}

/// A new account without a password; `None` when `email` is taken, by a
/// committed account or one committing at once (the insert waits for it).
async fn insert_provider_account(
    tx: &mut PgConnection,
    account: &NewProviderAccount<'_>,
    email: Option<&str>,
) -> anyhow::Result<Option<AccountRow>> {
    let row = sqlx::query_as::<_, AccountRow>(
        "INSERT INTO accounts (email, display_name, password_hash, role, created_at)
         VALUES ($1, $2, NULL, $3, $4)
         ON CONFLICT (email) DO NOTHING
         RETURNING id, email, display_name, role",
    )
    .bind(email)
    .bind(account.display_name)
    .bind(account.role.as_str())
    .bind(to_millis(account.now))
    .fetch_optional(tx)
    .await
    .context("cannot store an account made by a provider")?;
    Ok(row)
}

/// Locks the account's row against other links and unlinks, but not
/// against rows that refer to it (comments, sessions).
async fn lock_account(tx: &mut PgConnection, account_id: AccountId) -> anyhow::Result<()> {
    sqlx::query("SELECT 1 FROM accounts WHERE id = $1 FOR NO KEY UPDATE")
        .bind(account_id)
        .execute(tx)
        .await
        .with_context(|| format!("cannot lock account {account_id}"))?;
    Ok(())
}

fn linked_to(owner: AccountId, account_id: AccountId) -> Linked {
    if owner == account_id {
        Linked::AlreadyThis
    } else {
        Linked::InUse
    }
}

async fn insert_identity(
    conn: &mut PgConnection,
    account_id: AccountId,
    identity: &IdentityInsert<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO identities (provider, subject, account_id, subject_hint, linked_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(identity.provider)
    .bind(identity.subject)
    .bind(account_id)
    .bind(identity.subject_hint)
    .bind(to_millis(identity.now))
    .execute(conn)
    .await?;
    Ok(())
}
