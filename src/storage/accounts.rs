//! Accounts.

use chrono::{DateTime, Utc};

use super::{Store, is_unique_violation, to_millis};
use crate::domain::accounts::{Role, User};

pub struct AccountInsert<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub now: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
pub(super) struct AccountRow {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: String,
}

impl AccountRow {
    pub fn into_user(self) -> User {
        User {
            id: self.id,
            email: self.email,
            display_name: self.display_name,
            // The CHECK constraint keeps role to the three names.
            role: Role::parse(&self.role).unwrap_or(Role::Reader),
        }
    }
}

impl Store {
    /// `None` when the email is taken.
    pub async fn insert_account(&self, new: AccountInsert<'_>) -> anyhow::Result<Option<User>> {
        let inserted = sqlx::query_as::<_, AccountRow>(
            "INSERT INTO accounts (email, display_name, password_hash, role, created_at)
             VALUES (?, ?, ?, ?, ?)
             RETURNING id, email, display_name, role",
        )
        .bind(new.email)
        .bind(new.display_name)
        .bind(new.password_hash)
        .bind(new.role.as_str())
        .bind(to_millis(new.now))
        .fetch_one(&self.write)
        .await;
        match inserted {
            Ok(row) => Ok(Some(row.into_user())),
            Err(error) if is_unique_violation(&error) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    pub async fn account(&self, id: i64) -> anyhow::Result<Option<User>> {
        let row = sqlx::query_as::<_, AccountRow>(
            "SELECT id, email, display_name, role FROM accounts WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.read)
        .await?;
        Ok(row.map(AccountRow::into_user))
    }

    pub async fn set_password_hash(&self, account_id: i64, hash: &str) -> anyhow::Result<()> {
        sqlx::query("UPDATE accounts SET password_hash = ? WHERE id = ?")
            .bind(hash)
            .bind(account_id)
            .execute(&self.write)
            .await?;
        self.memo.sessions.invalidate();
        Ok(())
    }

    /// The display names of moderators and admins (a few rows, by a partial index).
    pub async fn staff_names(&self) -> anyhow::Result<Vec<String>> {
        let names = sqlx::query_scalar("SELECT display_name FROM accounts WHERE role != 'reader'")
            .fetch_all(&self.read)
            .await?;
        Ok(names)
    }

    /// The account and its password hash, for login.
    pub async fn account_by_email(&self, email: &str) -> anyhow::Result<Option<(User, String)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            account: AccountRow,
            password_hash: String,
        }
        let row = sqlx::query_as::<_, Row>(
            "SELECT id, email, display_name, role, password_hash FROM accounts WHERE email = ?",
        )
        .bind(email)
        .fetch_optional(&self.read)
        .await?;
        Ok(row.map(|r| (r.account.into_user(), r.password_hash)))
    }
}
