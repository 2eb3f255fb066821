//! Sessions, known by the hash of their token.
//!
//! `last_seen_at` is written at most every so often (the caller decides how
//! often), but every use is noted in memory at once, so a session's idle
//! deadline moves with each use whatever the writes lag behind.

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::SqliteStore;
use super::shared::{AccountRow, from_millis, to_millis};
use crate::domain::accounts::TokenHash;
use crate::domain::ids::AccountId;
use crate::storage::accounts::{LiveSession, SessionInsert};
use crate::storage::memo::KnownSession;

pub(super) async fn insert(store: &SqliteStore, new: SessionInsert) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, account_id, created_at, last_seen_at, expires_at,
                               signed_in_with)
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(&new.hash.0[..])
    .bind(new.account_id)
    .bind(to_millis(new.now))
    .bind(to_millis(new.now))
    .bind(to_millis(new.expires_at))
    .bind(new.signed_in_with.as_deref())
    .execute(&store.write)
    .await
    .with_context(|| format!("cannot store a session of account {}", new.account_id))?;
    Ok(())
}

pub(super) async fn live(
    store: &SqliteStore,
    hash: TokenHash,
    now: DateTime<Utc>,
    idle_cutoff: DateTime<Utc>,
) -> anyhow::Result<Option<LiveSession>> {
    let Some(known) = known(store, hash, now).await? else {
        return Ok(None);
    };
    let noted = store.memo.session_uses.latest(&hash.0);
    let last_use = noted.map_or(known.last_seen_at, |n| n.max(known.last_seen_at));
    Ok((last_use > idle_cutoff).then_some(LiveSession {
        user: known.user,
        last_seen_at: known.last_seen_at,
        created_at: known.created_at,
        signed_in_with: known.signed_in_with,
    }))
}

/// The session as stored, if not revoked and not past its absolute limit.
async fn known(
    store: &SqliteStore,
    hash: TokenHash,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<KnownSession>> {
    if let Some(known) = store.memo.sessions.get(&hash.0) {
        return Ok((known.expires_at > now).then_some(known));
    }
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        account: AccountRow,
        last_seen_at: i64,
        expires_at: i64,
        created_at: i64,
        signed_in_with: Option<String>,
    }
    let version = store.memo.sessions.version();
    let row = sqlx::query_as::<_, Row>(
        "SELECT a.id, a.email, a.display_name, a.role, s.last_seen_at, s.expires_at,
                s.created_at, s.signed_in_with
         FROM sessions s JOIN accounts a ON a.id = s.account_id
         WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ?
           AND a.erased_at IS NULL",
    )
    .bind(&hash.0[..])
    .bind(to_millis(now))
    .fetch_optional(&store.read)
    .await
    .context("cannot load a session")?;
    let Some(row) = row else {
        return Ok(None);
    };
    let known = KnownSession {
        user: row.account.into_user(),
        last_seen_at: from_millis(row.last_seen_at),
        expires_at: from_millis(row.expires_at),
        created_at: from_millis(row.created_at),
        signed_in_with: row.signed_in_with,
    };
    store.memo.sessions.keep(hash.0, known.clone(), version);
    Ok(Some(known))
}

pub(super) fn note_use(
    store: &SqliteStore,
    hash: TokenHash,
    now: DateTime<Utc>,
    idle_cutoff: DateTime<Utc>,
) -> bool {
    store.memo.session_uses.note(hash.0, now, idle_cutoff)
}

pub(super) async fn touch(
    store: &SqliteStore,
    hash: TokenHash,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = max(last_seen_at, ?) WHERE token_hash = ?")
        .bind(to_millis(now))
        .bind(&hash.0[..])
        .execute(&store.write)
        .await
        .context("cannot write a session's last use")?;
    store.memo.sessions.update(&hash.0, |known| {
        known.last_seen_at = known.last_seen_at.max(now)
    });
    store.memo.session_uses.written(&hash.0, now);
    Ok(())
}

pub(super) async fn revoke(
    store: &SqliteStore,
    hash: TokenHash,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL")
        .bind(to_millis(now))
        .bind(&hash.0[..])
        .execute(&store.write)
        .await
        .context("cannot revoke a session")?;
    store.memo.sessions.invalidate();
    Ok(())
}

pub(super) async fn revoke_all_of(
    store: &SqliteStore,
    account_id: AccountId,
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
    .execute(&store.write)
    .await
    .with_context(|| format!("cannot revoke the sessions of account {account_id}"))?
    .rows_affected();
    store.memo.sessions.invalidate();
    Ok(revoked)
}
