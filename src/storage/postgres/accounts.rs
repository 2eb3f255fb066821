//! Accounts, and the sessions that the same trait holds (in `sessions.rs`).

use anyhow::Context;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::shared::{AccountRow, is_unique_violation, to_millis};
use super::{PgStore, sessions};
use crate::domain::accounts::{TokenHash, User};
use crate::domain::ids::AccountId;
use crate::storage::accounts::{AccountInsert, AccountStore, LiveSession, SessionInsert};
use crate::storage::memo::Kind;

#[async_trait]
impl AccountStore for PgStore {
    /// Two registrations with one email at once: the unique index makes the
    /// second wait for the first and fail, which reads as "taken".
    async fn insert_account(&self, new: AccountInsert<'_>) -> anyhow::Result<Option<User>> {
        let inserted = sqlx::query_as::<_, AccountRow>(
            "INSERT INTO accounts (email, display_name, password_hash, role, created_at)
             VALUES ($1, $2, $3, $4, $5)
             RETURNING id, email, display_name, role",
        )
        .bind(new.email)
        .bind(new.display_name)
        .bind(new.password_hash)
        .bind(new.role.as_str())
        .bind(to_millis(new.now))
        .fetch_one(&self.pool)
        .await;
        match inserted {
            Ok(row) => Ok(Some(row.into_user())),
            Err(error) if is_unique_violation(&error) => Ok(None),
            Err(error) => Err(error).context("cannot store a new account"),
        }
    }

    async fn account(&self, id: AccountId) -> anyhow::Result<Option<User>> {
        let row = sqlx::query_as::<_, AccountRow>(
            "SELECT id, email, display_name, role FROM accounts WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .with_context(|| format!("cannot load account {id}"))?;
        Ok(row.map(AccountRow::into_user))
    }

    async fn account_by_email(
        &self,
        email: &str,
    ) -> anyhow::Result<Option<(User, Option<String>)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            account: AccountRow,
            password_hash: Option<String>,
        }
        let row = sqlx::query_as::<_, Row>(
            "SELECT id, email, display_name, role, password_hash FROM accounts WHERE email = $1",
        )
        .bind(email)
        .fetch_optional(&self.pool)
        .await
        .context("cannot load an account by its email")?;
        Ok(row.map(|r| (r.account.into_user(), r.password_hash)))
    }

    async fn password_hash(&self, account_id: AccountId) -> anyhow::Result<Option<String>> {
        let hash: Option<Option<String>> =
            sqlx::query_scalar("SELECT password_hash FROM accounts WHERE id = $1")
                .bind(account_id)
                .fetch_optional(&self.pool)
                .await
                .with_context(|| format!("cannot load the password of account {account_id}"))?;
        Ok(hash.flatten())
    }

    /// Every process's kept sessions carry the name, so all are told.
    async fn set_display_name(&self, account_id: AccountId, name: &str) -> anyhow::Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE accounts SET display_name = $1 WHERE id = $2")
            .bind(name)
            .bind(account_id)
            .execute(&mut *tx)
            .await
            .with_context(|| format!("cannot rename account {account_id}"))?;
        self.commit(tx, &[Kind::Sessions]).await
    }

    async fn set_password_hash(&self, account_id: AccountId, hash: &str) -> anyhow::Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(account_id)
            .execute(&mut *tx)
            .await
            .with_context(|| format!("cannot change the password of account {account_id}"))?;
        self.commit(tx, &[Kind::Sessions]).await
    }

    /// A few rows, by a partial index.
    async fn staff_names(&self) -> anyhow::Result<Vec<String>> {
        let names = sqlx::query_scalar("SELECT display_name FROM accounts WHERE role != 'reader'")
            .fetch_all(&self.pool)
            .await
            .context("cannot load the staff's names")?;
        Ok(names)
    }

    async fn insert_session(&self, new: SessionInsert) -> anyhow::Result<()> {
        sessions::insert(self, new).await
    }

    async fn live_session(
        &self,
        hash: TokenHash,
        now: DateTime<Utc>,
        idle_cutoff: DateTime<Utc>,
    ) -> anyhow::Result<Option<LiveSession>> {
        sessions::live(self, hash, now, idle_cutoff).await
    }

    fn note_session_use(
        &self,
        hash: TokenHash,
        now: DateTime<Utc>,
        idle_cutoff: DateTime<Utc>,
    ) -> bool {
        sessions::note_use(self, hash, now, idle_cutoff)
    }

    async fn touch_session(&self, hash: TokenHash, now: DateTime<Utc>) -> anyhow::Result<()> {
        sessions::touch(self, hash, now).await
    }

    async fn revoke_session(&self, hash: TokenHash, now: DateTime<Utc>) -> anyhow::Result<()> {
        sessions::revoke(self, hash, now).await
    }

    async fn revoke_sessions_of(
        &self,
        account_id: AccountId,
        keep: Option<TokenHash>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<u64> {
        sessions::revoke_all_of(self, account_id, keep, now).await
    }
}
