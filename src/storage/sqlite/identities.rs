//! Identities at providers, sign-ins under way, link tickets, used SSO token ids.

use anyhow::Context;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{SqliteConnection, SqliteExecutor};

use super::SqliteStore;
use super::shared::{AccountRow, from_millis, is_unique_violation, to_millis};
use crate::domain::accounts::User;
use crate::domain::identities::{Identity, ReturnMode};
use crate::domain::ids::AccountId;
use crate::storage::identities::{
    IdentityInsert, IdentityStore, Linked, LoginAttempt, NewProviderAccount, Unlinked,
};

#[async_trait]
impl IdentityStore for SqliteStore {
    async fn account_by_identity(
        &self,
        provider: &str,
        subject: &str,
    ) -> anyhow::Result<Option<User>> {
        identity_owner(&self.read, provider, subject).await
    }

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
        let email = match account.email {
            Some(email) if !email_taken(&mut tx, email).await? => Some(email),
            _ => None,
        };
        let row = sqlx::query_as::<_, AccountRow>(
            "INSERT INTO accounts (email, display_name, password_hash, role, created_at)
             VALUES (?, ?, NULL, ?, ?)
             RETURNING id, email, display_name, role",
        )
        .bind(email)
        .bind(account.display_name)
        .bind(account.role.as_str())
        .bind(to_millis(account.now))
        .fetch_one(&mut *tx)
        .await
        .context("cannot store an account made by a provider")?;
        let user = row.into_user();
        insert_identity(&mut tx, user.id, &identity).await?;
        tx.commit().await.context("cannot commit a new account")?;
        Ok(user)
    }

    async fn link_identity(
        &self,
        account_id: AccountId,
        identity: IdentityInsert<'_>,
    ) -> anyhow::Result<Linked> {
        let mut tx = self.begin_write().await?;
        if let Some(owner) = identity_owner(&mut *tx, identity.provider, identity.subject).await? {
            return Ok(if owner.id == account_id {
                Linked::AlreadyThis
            } else {
                Linked::InUse
            });
        }
        match insert_identity(&mut tx, account_id, &identity).await {
            Ok(()) => {}
            Err(error) if is_unique_violation(&error) => return Ok(Linked::ProviderTaken),
            Err(error) => return Err(error).context("cannot link an identity"),
        }
        tx.commit().await.context("cannot commit a link")?;
        Ok(Linked::Linked)
    }

    async fn identities_of(&self, account_id: AccountId) -> anyhow::Result<Vec<Identity>> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT provider, subject_hint, linked_at FROM identities
             WHERE account_id = ? ORDER BY linked_at, provider",
        )
        .bind(account_id)
        .fetch_all(&self.read)
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
            "SELECT (SELECT count(*) FROM identities WHERE account_id = ?1),
                    (SELECT count(*) FROM identities WHERE account_id = ?1 AND provider = ?2),
                    (SELECT count(*) FROM accounts WHERE id = ?1 AND password_hash IS NOT NULL)",
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
        sqlx::query("DELETE FROM identities WHERE account_id = ? AND provider = ?")
            .bind(account_id)
            .bind(provider)
            .execute(&mut *tx)
            .await
            .context("cannot unlink an identity")?;
        tx.commit().await.context("cannot commit an unlink")?;
        Ok(Unlinked::Removed)
    }

    async fn insert_login_attempt(&self, attempt: LoginAttempt) -> anyhow::Result<()> {
        // Attempts nobody finished are cleared as new ones arrive.
        sqlx::query("DELETE FROM login_attempts WHERE expires_at <= ?")
            .bind(to_millis(Utc::now()))
            .execute(&self.write)
            .await
            .context("cannot clear old sign-in attempts")?;
        sqlx::query(
            "INSERT INTO login_attempts (state_hash, browser_hash, provider, nonce, pkce_verifier,
                                         return_to, mode, link_account_id, expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        .execute(&self.write)
        .await
        .context("cannot store a sign-in attempt")?;
        Ok(())
    }

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
            "DELETE FROM login_attempts WHERE state_hash = ?
             RETURNING browser_hash, provider, nonce, pkce_verifier, return_to, mode,
                       link_account_id, expires_at",
        )
        .bind(&state_hash[..])
        .fetch_optional(&self.write)
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
        sqlx::query("DELETE FROM link_tickets WHERE expires_at <= ?")
            .bind(to_millis(Utc::now()))
            .execute(&self.write)
            .await
            .context("cannot clear old link tickets")?;
        sqlx::query(
            "INSERT INTO link_tickets (ticket_hash, account_id, expires_at) VALUES (?, ?, ?)",
        )
        .bind(&ticket_hash[..])
        .bind(account_id)
        .bind(to_millis(expires_at))
        .execute(&self.write)
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
            "DELETE FROM link_tickets WHERE ticket_hash = ? RETURNING account_id, expires_at",
        )
        .bind(&ticket_hash[..])
        .fetch_optional(&self.write)
        .await
        .context("cannot take a link ticket")?;
        Ok(row
            .filter(|(_, expires_at)| *expires_at > to_millis(now))
            .map(|(account_id, _)| account_id))
    }

    async fn use_sso_token_id(
        &self,
        jti: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        sqlx::query("DELETE FROM sso_token_ids WHERE expires_at <= ?")
            .bind(to_millis(now))
            .execute(&self.write)
            .await
            .context("cannot clear old sso token ids")?;
        let inserted = sqlx::query(
            "INSERT INTO sso_token_ids (jti, expires_at) VALUES (?, ?) ON CONFLICT (jti) DO NOTHING",
        )
        .bind(jti)
        .bind(to_millis(expires_at))
        .execute(&self.write)
        .await
        .context("cannot record an sso token id")?;
        Ok(inserted.rows_affected() == 1)
    }
}

/// The account that (provider, subject) signs in to, inside a transaction or not.
async fn identity_owner(
    conn: impl SqliteExecutor<'_>,
    provider: &str,
    subject: &str,
) -> anyhow::Result<Option<User>> {
    let row = sqlx::query_as::<_, AccountRow>(
        "SELECT a.id, a.email, a.display_name, a.role
         FROM identities i JOIN accounts a ON a.id = i.account_id
         WHERE i.provider = ? AND i.subject = ?",
    )
    .bind(provider)
    .bind(subject)
    .fetch_optional(conn)
    .await
    .context("cannot look up an identity")?;
    Ok(row.map(AccountRow::into_user))
}

async fn email_taken(conn: &mut SqliteConnection, email: &str) -> anyhow::Result<bool> {
    let taken: Option<i64> = sqlx::query_scalar("SELECT 1 FROM accounts WHERE email = ?")
        .bind(email)
        .fetch_optional(conn)
        .await
        .context("cannot look up an email")?;
    Ok(taken.is_some())
}

async fn insert_identity(
    conn: &mut SqliteConnection,
    account_id: AccountId,
    identity: &IdentityInsert<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO identities (provider, subject, account_id, subject_hint, linked_at)
         VALUES (?, ?, ?, ?, ?)",
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
