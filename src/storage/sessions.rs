//! Sessions, known by the hash of their token.
//!
//! `last_seen_at` is written at most every so often (the caller decides how
//! often), but every use is noted in memory at once, so a session's idle
//! deadline moves with each use whatever the writes lag behind.

use chrono::{DateTime, Utc};

use super::accounts::AccountRow;
use super::memo::KnownSession;
use super::{Store, from_millis, to_millis};
use crate::domain::accounts::{TokenHash, User};

pub struct LiveSession {
    pub user: User,
    /// The last use written to the database (later ones may be in memory only).
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
    /// and was last used (written or only noted) after `idle_cutoff`.
    pub async fn live_session(
        &self,
        hash: TokenHash,
        now: DateTime<Utc>,
        idle_cutoff: DateTime<Utc>,
    ) -> anyhow::Result<Option<LiveSession>> {
        let Some(known) = self.known_session(hash, now).await? else {
            return Ok(None);
        };
        let noted = self.memo.session_uses.latest(&hash.0);
        let last_use = noted.map_or(known.last_seen_at, |n| n.max(known.last_seen_at));
        Ok((last_use > idle_cutoff).then_some(LiveSession {
            user: known.user,
            last_seen_at: known.last_seen_at,
        }))
    }

    /// The session as stored, if not revoked and not past its absolute limit.
    async fn known_session(
        &self,
        hash: TokenHash,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<KnownSession>> {
        if let Some(known) = self.memo.sessions.get(&hash.0) {
            return Ok((known.expires_at > now).then_some(known));
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
             WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ?",
        )
        .bind(&hash.0[..])
        .bind(to_millis(now))
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
        Ok(Some(known))
    }

    /// Notes a use of the session in memory, which moves its idle deadline at
    /// once; `false` when the use could not be kept and must be written now.
    pub fn note_session_use(
        &self,
        hash: TokenHash,
        now: DateTime<Utc>,
        idle_cutoff: DateTime<Utc>,
    ) -> bool {
        self.memo.session_uses.note(hash.0, now, idle_cutoff)
    }

    /// Writes the session's last use.
    pub async fn touch_session(&self, hash: TokenHash, now: DateTime<Utc>) -> anyhow::Result<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = max(last_seen_at, ?) WHERE token_hash = ?")
            .bind(to_millis(now))
            .bind(&hash.0[..])
            .execute(&self.write)
            .await?;
        self.memo.sessions.update(&hash.0, |known| {
            known.last_seen_at = known.last_seen_at.max(now)
        });
        self.memo.session_uses.written(&hash.0, now);
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
