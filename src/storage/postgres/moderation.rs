//! Moderation in PostgreSQL. (Only what the erasure needs until the full
//! file arrives.)

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::shared::to_millis;
use crate::domain::ids::AccountId;

/// Admins other than `except` with no sanction in force: the desk must keep one.
pub(super) async fn other_active_admins(
    tx: &mut PgConnection,
    except: AccountId,
    now: DateTime<Utc>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM accounts a
         WHERE a.role = 'admin' AND a.id <> $1 AND NOT EXISTS (
             SELECT 1 FROM sanctions s WHERE s.account_id = a.id AND s.lifted_at IS NULL
               AND (s.until IS NULL OR s.until > $2))",
    )
    .bind(except)
    .bind(to_millis(now))
    .fetch_one(tx)
    .await
}
