//! Sessions, known by the hash of their token.
//!
//! `last_seen_at` is written at most every so often (the caller decides how
//! often), but every use is noted in memory at once, so a session's idle
//! deadline moves with each use whatever the writes lag behind.
//!
//! Another process may write a later use than the one kept here. A kept
//! `last_seen_at` can only lag behind the stored one, so a kept session that
//! looks idle is read again before it is turned away; that is why the writes
//! of `last_seen_at` are not announced. Revocations are.

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::PgStore;
use super::shared::{AccountRow, from_millis, to_millis};
use crate::domain::accounts::TokenHash;
use crate::domain::ids::AccountId;
use crate::storage::accounts::{LiveSession, SessionInsert};
use crate::storage::memo::{Kind, KnownSession};

pub(super) async fn insert(store: &PgStore, new: SessionInsert) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, account_id, created_at, last_seen_at, expires_at,
                               signed_in_with)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&new.hash.0[..])
    .bind(new.account_id)
    .bind(to_millis(new.now))
    .bind(to_millis(new.now))
    .bind(to_millis(new.expires_at))
    .bind(new.signed_in_with.as_deref())
    .execute(&store.pool)
    .await
    .with_context(|| format!("cannot store a session of account {}", new.account_id))?;
    Ok(())
}

pub(super) async fn live(
    store: &PgStore,
    hash: TokenHash,
    now: DateTime<Utc>,
    idle_cutoff: DateTime<Utc>,
) -> anyhow::Result<Option<LiveSession>> {
    if let Some(kept) = store.memo.sessions.get(&hash.0) {
        if kept.expires_at <= now {
            return Ok(None);
        }
        if let Some(live) = alive(store, &hash, kept, idle_cutoff) {
            return Ok(Some(live));
        }
        // Idle by what is kept here: another process may have written a later use.
    }
    let Some(known) = known(store, hash, now).await? else {
        return Ok(None);
    };
    Ok(alive(store, &hash, known, idle_cutoff))
}

/// The session, if its last use (written, or noted here) is after `idle_cutoff`.
fn alive(
    store: &PgStore,
    hash: &TokenHash,
    known: KnownSession,
    idle_cutoff: DateTime<Utc>,
) -> Option<LiveSession> {
    let noted = store.memo.session_uses.latest(&hash.0);
    let last_use = noted.map_or(known.last_seen_at, |n| n.max(known.last_seen_at));
    (last_use > idle_cutoff).then_some(LiveSession {
        user: known.user,
        last_seen_at: known.last_seen_at,
        created_at: known.created_at,
        signed_in_with: known.signed_in_with,
    })
}

/// The session as stored, if not revoked and not past its absolute limit;
/// kept for the next request.
async fn known(
    store: &PgStore,
    hash: TokenHash,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<KnownSession>> {
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
         WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2
           AND a.erased_at IS NULL",
    )
    .bind(&hash.0[..])
    .bind(to_millis(now))
    .fetch_optional(&store.pool)
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
    store: &PgStore,
    hash: TokenHash,
    now: DateTime<Utc>,
    idle_cutoff: DateTime<Utc>,
) -> bool {
    store.memo.session_uses.note(hash.0, now, idle_cutoff)
}

/// Not announced: see the top of this file.
pub(super) async fn touch(
    store: &PgStore,
    hash: TokenHash,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE sessions SET last_seen_at = GREATEST(last_seen_at, $1) WHERE token_hash = $2",
    )
    .bind(to_millis(now))
    .bind(&hash.0[..])
    .execute(&store.pool)
    .await
    .context("cannot write a session's last use")?;
    store.memo.sessions.update(&hash.0, |known| {
        known.last_seen_at = known.last_seen_at.max(now)
    });
    store.memo.session_uses.written(&hash.0, now);
    Ok(())
}

pub(super) async fn revoke(
    store: &PgStore,
    hash: TokenHash,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let mut tx = store.begin_write().await?;
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL")
        .bind(to_millis(now))
        .bind(&hash.0[..])
        .execute(&mut *tx)
        .await
        .context("cannot revoke a session")?;
    store.commit(tx, &[Kind::Sessions]).await
}

pub(super) async fn revoke_all_of(
    store: &PgStore,
    account_id: AccountId,
    keep: Option<TokenHash>,
    now: DateTime<Utc>,
) -> anyhow::Result<u64> {
    let keep: Vec<u8> = keep.map(|k| k.0.to_vec()).unwrap_or_default();
    let mut tx = store.begin_write().await?;
    let revoked = sqlx::query(
        "UPDATE sessions SET revoked_at = $1
         WHERE account_id = $2 AND revoked_at IS NULL AND token_hash != $3",
    )
    .bind(to_millis(now))
    .bind(account_id)
    .bind(keep)
    .execute(&mut *tx)
    .await
    .with_context(|| format!("cannot revoke the sessions of account {account_id}"))?
    .rows_affected();
    store.commit(tx, &[Kind::Sessions]).await?;
    Ok(revoked)
}
