//! Sessions, known by the hash of their token.

use chrono::{DateTime, Utc};

use super::accounts::AccountRow;
use super::memo::KnownSession;
use super::{Store, from_millis, to_millis};
use crate::auth::{TokenHash, User};

pub struct LiveSession {
    pub user: User,
    pub last_seen_at: DateTime<Utc>,
}

impl Store {
    pub async fn insert_session(
        &self,
        hash: TokenHash,
        account_id: i64,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, account_id, created_at, last_seen_at, expires_at)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&hash.0[..])
        .bind(account_id)
        .bind(to_millis(now))
        .bind(to_millis(now))
        .bind(to_millis(expires_at))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// The session's user, if it is not revoked, not past its absolute limit,
    /// and was used after `idle_cutoff`.
    pub async fn live_session(
        &self,
        hash: TokenHash,
        now: DateTime<Utc>,
        idle_cutoff: DateTime<Utc>,
    ) -> anyhow::Result<Option<LiveSession>> {
        if let Some(known) = self.memo.sessions.get(&hash.0) {
            let live = known.expires_at > now && known.last_seen_at > idle_cutoff;
            return Ok(live.then_some(LiveSession {
                user: known.user,
                last_seen_at: known.last_seen_at,
            }));
        }
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            account: AccountRow,
            last_seen_at: i64,
            expires_at: i64,
        }
        let version = self.memo.sessions.version();
        let row = sqlx::query_as::<_, Row>(
            "SELECT a.id, a.email, a.display_name, a.role, s.last_seen_at, s.expires_at
             FROM sessions s JOIN accounts a ON a.id = s.account_id
             WHERE s.token_hash = ? AND s.revoked_at IS NULL
               AND s.expires_at > ? AND s.last_seen_at > ?",
        )
        .bind(&hash.0[..])
        .bind(to_millis(now))
        .bind(to_millis(idle_cutoff))
        .fetch_optional(&self.read)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let known = KnownSession {
            user: row.account.into_user(),
            last_seen_at: from_millis(row.last_seen_at),
            expires_at: from_millis(row.expires_at),
        };
        self.memo.sessions.keep(hash.0, known.clone(), version);
        Ok(Some(LiveSession {
            user: known.user,
            last_seen_at: known.last_seen_at,
        }))
    }

    pub async fn touch_session(&self, hash: TokenHash, now: DateTime<Utc>) -> anyhow::Result<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?")
            .bind(to_millis(now))
            .bind(&hash.0[..])
            .execute(&self.write)
            .await?;
        self.memo
            .sessions
            .update(&hash.0, |known| known.last_seen_at = now);
        Ok(())
    }

    pub async fn revoke_session(&self, hash: TokenHash, now: DateTime<Utc>) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL",
        )
        .bind(to_millis(now))
        .bind(&hash.0[..])
        .execute(&self.write)
        .await?;
        self.memo.sessions.invalidate();
        Ok(())
    }

    /// Revokes every live session of the account but `keep`.
    pub async fn revoke_sessions_of(
        &self,
        account_id: i64,
        keep: Option<TokenHash>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<u64> {
        let keep: Vec<u8> = keep.map(|k| k.0.to_vec()).unwrap_or_default();
        let revoked = sqlx::query(
            "UPDATE sessions SET revoked_at = ?
             WHERE account_id = ? AND revoked_at IS NULL AND token_hash != ?",
        )
        .bind(to_millis(now))
        .bind(account_id)
        .bind(keep)
        .execute(&self.write)
        .await?
        .rows_affected();
        self.memo.sessions.invalidate();
        Ok(revoked)
    }
}
