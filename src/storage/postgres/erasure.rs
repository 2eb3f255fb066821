//! A reader's record for their download, and the erasure of an account.

use anyhow::Context;
use async_trait::async_trait;
use sqlx::PgConnection;

use super::PgStore;
use super::comments::delete_in;
use super::log::append_log;
use super::moderation::other_active_admins;
use super::shared::{from_millis, load_comment, to_millis};
use crate::domain::accounts::Role;
use crate::domain::comments::Status;
use crate::domain::data_rights::{
    CommentsOnErasure, ERASED_NAME, Erased, Erasure, ExportAccount, ExportComment, ExportIdentity,
    ExportReaction, ExportReport, ExportSanction, ExportSession,
};
use crate::domain::ids::{AccountId, CommentId};
use crate::domain::moderation::{LogAction, LogLine, Target};
use crate::domain::webhooks::EventType;
use crate::storage::erasure::ErasureStore;
use crate::storage::memo::Kind;

#[async_trait]
impl ErasureStore for PgStore {
    async fn export_account(&self, id: AccountId) -> anyhow::Result<Option<ExportAccount>> {
        let row: Option<(Option<String>, String, String, i64, bool)> = sqlx::query_as(
            "SELECT email, display_name, role, created_at, password_hash IS NOT NULL
             FROM accounts WHERE id = $1 AND erased_at IS NULL",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .with_context(|| format!("cannot export account {id}"))?;
        let Some((email, display_name, role, created_at, has_password)) = row else {
            return Ok(None);
        };
        let ways: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT provider, subject_hint, linked_at FROM identities
             WHERE account_id = $1 ORDER BY linked_at",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .with_context(|| format!("cannot export the identities of account {id}"))?;
        Ok(Some(ExportAccount {
            id: id.to_string(),
            email,
            display_name,
            role,
            created_at: from_millis(created_at),
            has_password,
            sign_in_ways: ways
                .into_iter()
                .map(|(provider, subject_hint, linked_at)| ExportIdentity {
                    provider,
                    subject_hint,
                    linked_at: from_millis(linked_at),
                })
                .collect(),
        }))
    }

    async fn export_comments(
        &self,
        id: AccountId,
        after: i64,
        limit: usize,
    ) -> anyhow::Result<Vec<ExportComment>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            article_id: String,
            title: String,
            parent_id: Option<i64>,
            body: String,
            status: String,
            created_at: i64,
            edited_at: Option<i64>,
            deleted_at: Option<i64>,
            likes: i64,
            dislikes: i64,
        }
        // The author index (author_id, fingerprint) does not order by id;
        // comments_by_author_time narrows to the author, then by id.
        let rows = sqlx::query_as::<_, Row>(
            "SELECT c.id, c.article_id, a.title, c.parent_id, c.body, c.status, c.created_at,
                    c.edited_at, c.deleted_at, c.likes, c.dislikes
             FROM comments c JOIN articles a ON a.id = c.article_id
             WHERE c.author_id = $1 AND c.id > $2 ORDER BY c.id LIMIT $3",
        )
        .bind(id)
        .bind(after)
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await
        .with_context(|| format!("cannot export the comments of account {id}"))?;
        Ok(rows
            .into_iter()
            .map(|r| ExportComment {
                id: r.id.to_string(),
                article_id: r.article_id,
                article_title: r.title,
                parent_id: r.parent_id.map(|p| p.to_string()),
                body: r.body,
                status: r.status,
                created_at: from_millis(r.created_at),
                edited_at: r.edited_at.map(from_millis),
                deleted_at: r.deleted_at.map(from_millis),
                likes: r.likes,
                dislikes: r.dislikes,
            })
            .collect())
    }

    async fn export_reactions(
        &self,
        id: AccountId,
        after: i64,
        limit: usize,
    ) -> anyhow::Result<Vec<ExportReaction>> {
        let rows: Vec<(i64, String, String, i64)> = sqlx::query_as(
            "SELECT comment_id, article_id, kind, created_at FROM reactions
             WHERE account_id = $1 AND comment_id > $2 ORDER BY comment_id LIMIT $3",
        )
        .bind(id)
        .bind(after)
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await
        .with_context(|| format!("cannot export the reactions of account {id}"))?;
        Ok(rows
            .into_iter()
            .map(|(comment_id, article_id, kind, at)| ExportReaction {
                comment_id: comment_id.to_string(),
                article_id,
                kind,
                created_at: from_millis(at),
            })
            .collect())
    }

    async fn export_reports(
        &self,
        id: AccountId,
        after: i64,
        limit: usize,
    ) -> anyhow::Result<Vec<ExportReport>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            comment_id: i64,
            reason: String,
            note: Option<String>,
            created_at: i64,
            resolved_at: Option<i64>,
        }
        let rows = sqlx::query_as::<_, Row>(
            "SELECT id, comment_id, reason, note, created_at, resolved_at FROM reports
             WHERE reporter_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(id)
        .bind(after)
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await
        .with_context(|| format!("cannot export the reports of account {id}"))?;
        Ok(rows
            .into_iter()
            .map(|r| ExportReport {
                id: r.id.to_string(),
                comment_id: r.comment_id.to_string(),
                reason: r.reason,
                note: r.note,
                created_at: from_millis(r.created_at),
                resolved_at: r.resolved_at.map(from_millis),
            })
            .collect())
    }

    async fn export_sanctions(&self, id: AccountId) -> anyhow::Result<Vec<ExportSanction>> {
        let rows: Vec<(String, String, Option<i64>, i64, Option<i64>)> = sqlx::query_as(
            "SELECT kind, reason, until, created_at, lifted_at FROM sanctions
             WHERE account_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .with_context(|| format!("cannot export the sanctions on account {id}"))?;
        Ok(rows
            .into_iter()
            .map(
                |(kind, reason, until, created_at, lifted_at)| ExportSanction {
                    kind,
                    reason,
                    until: until.map(from_millis),
                    created_at: from_millis(created_at),
                    lifted_at: lifted_at.map(from_millis),
                },
            )
            .collect())
    }

    async fn export_sessions(
        &self,
        id: AccountId,
        limit: usize,
    ) -> anyhow::Result<Vec<ExportSession>> {
        let rows: Vec<(i64, i64, i64, Option<i64>, Option<String>)> = sqlx::query_as(
            "SELECT created_at, last_seen_at, expires_at, revoked_at, signed_in_with
             FROM sessions WHERE account_id = $1 ORDER BY created_at DESC LIMIT $2",
        )
        .bind(id)
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await
        .with_context(|| format!("cannot export the sessions of account {id}"))?;
        Ok(rows
            .into_iter()
            .map(|(created, seen, expires, revoked, way)| ExportSession {
                created_at: from_millis(created),
                last_seen_at: from_millis(seen),
                expires_at: from_millis(expires),
                revoked_at: revoked.map(from_millis),
                signed_in_with: way.unwrap_or_else(|| "password".to_owned()),
            })
            .collect())
    }

    async fn erase_account(&self, erasure: Erasure) -> anyhow::Result<Erased> {
        let id = erasure.account_id;
        let mut tries = 0;
        loop {
            tries += 1;
            match self.erase_once(&erasure).await {
                // Two admins erased at once each lock their own row, then
                // wait for the other's: PostgreSQL ends one, which tries again.
                Err(error) if tries < MAX_TRIES && is_deadlock(&error) => continue,
                result => return result.with_context(|| format!("cannot erase account {id}")),
            }
        }
    }
}

/// Attempts at an erasure that PostgreSQL ended to break a deadlock.
const MAX_TRIES: u32 = 3;

fn is_deadlock(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        matches!(cause.downcast_ref::<sqlx::Error>(),
            Some(sqlx::Error::Database(db)) if db.code().as_deref() == Some("40P01"))
    })
}

impl PgStore {
    async fn erase_once(&self, erasure: &Erasure) -> anyhow::Result<Erased> {
        let (id, now) = (erasure.account_id, erasure.now);
        let mut tx = self.begin_write().await?;
        let (erased, removed) = erase_in(&mut tx, erasure).await?;
        if !matches!(erased, Erased::Done { .. }) {
            return Ok(erased);
        }
        // After the person is forgotten, so the events name no one.
        self.outbox.forget_author(&mut tx, id).await?;
        for comment_id in removed {
            self.outbox
                .comment_event_by_id(&mut tx, EventType::CommentDeleted, comment_id, now)
                .await?;
        }
        // The account's sessions, name and sanctions are cached in every
        // process; none may outlive this.
        self.commit(tx, &[Kind::Sessions, Kind::Sanctions]).await?;
        Ok(erased)
    }
}

/// The erasure's steps, in the caller's transaction; with the comments removed.
async fn erase_in(
    tx: &mut PgConnection,
    erasure: &Erasure,
) -> anyhow::Result<(Erased, Vec<CommentId>)> {
    let Erasure {
        account_id: id,
        comments,
        now,
    } = *erasure;
    // The account's row first, so a second erasure, a role change or a
    // sign-in of this account in another process waits for this one.
    let found: Option<(String,)> =
        sqlx::query_as("SELECT role FROM accounts WHERE id = $1 AND erased_at IS NULL FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((role,)) = found else {
        return Ok((Erased::Gone, Vec::new()));
    };
    if Role::parse(&role) == Some(Role::Admin) && !other_admins_stay(tx, id, now).await? {
        return Ok((Erased::LastAdmin, Vec::new()));
    }
    let sessions_revoked = sqlx::query(
        "UPDATE sessions SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL",
    )
    .bind(to_millis(now))
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let (removed, comments_anonymized) = match comments {
        CommentsOnErasure::Remove => (remove_comments(tx, id, now).await?, 0),
        CommentsOnErasure::Anonymize => (Vec::new(), count_comments(tx, id).await?),
    };
    forget_person(tx, id, now).await?;
    append_log(
        tx,
        &LogLine {
            actor: Some(id),
            action: LogAction::AccountErased,
            target: Target::User(id),
            reason: None,
            note: None,
            at: now,
        },
    )
    .await?;
    let erased = Erased::Done {
        sessions_revoked,
        comments_removed: removed.len() as u64,
        comments_anonymized,
    };
    Ok((erased, removed))
}

/// Locks the other admins' rows (by id) before counting them, so none of
/// them can be demoted or erased in another process until this commits.
async fn other_admins_stay(
    tx: &mut PgConnection,
    id: AccountId,
    now: chrono::DateTime<chrono::Utc>,
) -> sqlx::Result<bool> {
    sqlx::query("SELECT id FROM accounts WHERE role = 'admin' AND id <> $1 ORDER BY id FOR UPDATE")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(other_active_admins(tx, id, now).await? > 0)
}

/// Deletes each comment as the API deletes one, replies before the comments
/// they answer (newest first) so every count is taken from the current row.
/// The copies of their text that reports and undoable decisions keep go too.
/// The ids of the comments deleted now.
async fn remove_comments(
    tx: &mut PgConnection,
    id: AccountId,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Vec<CommentId>> {
    // Locked (by id ascending, as every writer locks comments) so a decision
    // in another process cannot change one between its load and its deletion.
    let ids: Vec<CommentId> = sqlx::query_scalar(
        "SELECT id FROM comments WHERE author_id = $1 AND status <> 'deleted'
         ORDER BY id FOR UPDATE",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let mut removed = Vec::with_capacity(ids.len());
    for comment_id in ids.into_iter().rev() {
        let Some(before) = load_comment(&mut *tx, comment_id).await? else {
            continue;
        };
        if before.status != Status::Deleted {
            delete_in(tx, &before, now).await?;
            removed.push(comment_id);
        }
    }
    sqlx::query(
        "UPDATE reports SET body = ''
         WHERE comment_id IN (SELECT id FROM comments WHERE author_id = $1)",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "DELETE FROM decision_undo
         WHERE comment_id IN (SELECT id FROM comments WHERE author_id = $1)",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    Ok(removed)
}

async fn count_comments(tx: &mut PgConnection, id: AccountId) -> sqlx::Result<u64> {
    let count: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM comments WHERE author_id = $1 AND status <> 'deleted'",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    Ok(count as u64)
}

/// The row stays, holding nothing that names the person: no email (so it is
/// free for a new registration), the shared placeholder name, no password,
/// no ways in, no moderators' note, no sign-in under way.
async fn forget_person(
    tx: &mut PgConnection,
    id: AccountId,
    now: chrono::DateTime<chrono::Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE accounts SET email = NULL, display_name = $1, password_hash = NULL,
             role = 'reader', erased_at = $2
         WHERE id = $3",
    )
    .bind(ERASED_NAME)
    .bind(to_millis(now))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    for sql in [
        "DELETE FROM identities WHERE account_id = $1",
        "DELETE FROM account_notes WHERE account_id = $1",
        "DELETE FROM link_tickets WHERE account_id = $1",
        "DELETE FROM login_attempts WHERE link_account_id = $1",
    ] {
        sqlx::query(sql).bind(id).execute(&mut *tx).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::storage::postgres::outbox::tests::{ENDPOINT, comment_by, seed};
    use crate::storage::postgres::temp_store;
    use crate::storage::webhooks::WebhookStore;

    #[tokio::test]
    async fn an_erasure_exports_then_forgets_the_reader() {
        let Some(store) = temp_store().await else {
            return;
        };
        store.use_webhook_endpoints(vec![ENDPOINT.to_owned()]);
        let (admin, _) = seed(&store, "admin", "admin").await;
        let (reader, comment) = seed(&store, "reader", "reader").await;
        let reply = comment_by(&store, reader, "an-article").await;
        let now = to_millis(Utc::now());
        for sql in [
            "INSERT INTO sessions (token_hash, account_id, created_at, last_seen_at, expires_at)
             VALUES ('\\x01', $1, $2, $2, $2 + 1000)",
            "INSERT INTO identities (provider, subject, account_id, subject_hint, linked_at)
             VALUES ('google', 's', $1, 's***', $2)",
            "INSERT INTO reactions (comment_id, account_id, article_id, kind, created_at)
             SELECT id, $1, article_id, 'like', $2 FROM comments",
            "INSERT INTO reports (comment_id, reporter_id, reason, body, created_at)
             SELECT id, $1, 'spam', body, $2 FROM comments",
            "INSERT INTO sanctions (account_id, kind, until, reason, created_at, lifted_at)
             VALUES ($1, 'suspend', $2, 'spam', $2, $2)",
        ] {
            sqlx::query(sql)
                .bind(reader)
                .bind(now)
                .execute(&store.pool)
                .await
                .unwrap();
        }

        let account = store.export_account(reader).await.unwrap().unwrap();
        assert_eq!(account.display_name, "reader");
        assert_eq!(account.sign_in_ways.len(), 1);
        let comments = store.export_comments(reader, 0, 1).await.unwrap();
        assert_eq!(comments[0].id, comment.id.to_string());
        let rest = store
            .export_comments(reader, comment.id.get(), 10)
            .await
            .unwrap();
        assert_eq!(rest.len(), 1);
        assert_eq!(
            store.export_reactions(reader, 0, 10).await.unwrap().len(),
            3
        );
        assert_eq!(store.export_reports(reader, 0, 10).await.unwrap().len(), 3);
        assert_eq!(store.export_sanctions(reader).await.unwrap().len(), 1);
        assert_eq!(store.export_sessions(reader, 10).await.unwrap().len(), 1);

        let erasure = |account_id| Erasure {
            account_id,
            comments: CommentsOnErasure::Remove,
            now: Utc::now(),
        };
        let erased = store.erase_account(erasure(reader)).await.unwrap();
        let again = store.erase_account(erasure(reader)).await.unwrap();
        let last = store.erase_account(erasure(admin)).await.unwrap();

        assert_eq!(
            erased,
            Erased::Done {
                sessions_revoked: 1,
                comments_removed: 2,
                comments_anonymized: 0
            }
        );
        assert_eq!(again, Erased::Gone);
        assert_eq!(last, Erased::LastAdmin);
        assert!(store.export_account(reader).await.unwrap().is_none());
        let gone = load_comment(&store.pool, reply.id).await.unwrap().unwrap();
        assert_eq!((gone.status, gone.body.as_str()), (Status::Deleted, ""));
        let events: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM webhook_events WHERE type = 'comment.deleted'",
        )
        .fetch_one(&store.pool)
        .await
        .unwrap();
        assert_eq!(events, 2);
    }

    #[tokio::test]
    async fn anonymizing_keeps_the_comments() {
        let Some(store) = temp_store().await else {
            return;
        };
        let (reader, _) = seed(&store, "reader", "reader").await;
        let erased = store
            .erase_account(Erasure {
                account_id: reader,
                comments: CommentsOnErasure::Anonymize,
                now: Utc::now(),
            })
            .await
            .unwrap();
        assert_eq!(
            erased,
            Erased::Done {
                sessions_revoked: 0,
                comments_removed: 0,
                comments_anonymized: 1
            }
        );
    }

    #[tokio::test]
    async fn two_admins_erasing_each_other_at_once_leave_one() {
        let Some(store) = temp_store().await else {
            return;
        };
        let (a, _) = seed(&store, "a", "admin").await;
        let (b, _) = seed(&store, "b", "admin").await;
        let erasure = |account_id| Erasure {
            account_id,
            comments: CommentsOnErasure::Anonymize,
            now: Utc::now(),
        };
        let (first, second) = tokio::join!(
            store.erase_account(erasure(a)),
            store.erase_account(erasure(b))
        );
        let mut results = [first.unwrap(), second.unwrap()];
        results.sort_by_key(|r| matches!(r, Erased::LastAdmin));
        assert!(matches!(results[0], Erased::Done { .. }), "{results:?}");
        assert_eq!(results[1], Erased::LastAdmin);
    }
}
