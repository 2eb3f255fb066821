//! Export pages (keyset by each table's key, one short read each) and import
//! batches (one transaction each, mapped through the `imports` table).

use anyhow::Context;
use async_trait::async_trait;
use sqlx::PgConnection;

use super::PgStore;
use super::shared::to_millis;
use crate::domain::transfer::{
    ExportKind, ImportCounts, ImportedAuthor, ImportedComment, ImportedEditorial, ImportedLogLine,
    ImportedReaction, ImportedReport, ImportedSanction, Record, Source,
};
use crate::storage::memo::Kind;
use crate::storage::transfer::{ExportPage, TransferStore};

/// A time column as ISO 8601 UTC with milliseconds, exact (integer arithmetic).
fn iso(column: &str) -> String {
    format!(
        "to_char(to_timestamp({column} / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS')
             || '.' || lpad(({column} % 1000)::text, 3, '0') || 'Z'"
    )
}

/// The key and JSON line of each entity; `$1` is the last key of the page
/// before (a JSON array). Flags are written 0 or 1, as SQLite writes them.
/// Text keys compare in the database's collation, the one their index is in.
fn export_sql(kind: ExportKind) -> String {
    match kind {
        ExportKind::Editorial => format!(
            "SELECT json_build_array(id)::text AS key, json_build_object('type', 'editorial',
                 'id', id, 'title', title, 'url', url, 'published_at', {},
                 'comments_open', comments_open::int, 'premoderation', premoderation::int,
                 'created_at', {}, 'updated_at', {})::text AS line
             FROM articles WHERE id > ($1::json ->> 0) ORDER BY id LIMIT $2",
            iso("published_at"),
            iso("created_at"),
            iso("updated_at")
        ),
        // Never the password hash: only whether there is one.
        ExportKind::Account => format!(
            "SELECT json_build_array(id)::text AS key, json_build_object('type', 'account',
                 'id', id, 'email', email, 'display_name', display_name, 'role', role,
                 'has_password', (password_hash IS NOT NULL)::int, 'created_at', {})::text AS line
             FROM accounts WHERE id > ($1::json ->> 0)::bigint ORDER BY id LIMIT $2",
            iso("created_at")
        ),
        ExportKind::Identity => format!(
            "SELECT json_build_array(provider, subject)::text AS key,
                 json_build_object('type', 'identity', 'provider', provider, 'subject', subject,
                 'account_id', account_id, 'linked_at', {})::text AS line
             FROM identities WHERE (provider, subject) > ($1::json ->> 0, $1::json ->> 1)
             ORDER BY provider, subject LIMIT $2",
            iso("linked_at")
        ),
        ExportKind::Comment => format!(
            "SELECT json_build_array(id)::text AS key, json_build_object('type', 'comment',
                 'id', id, 'article_id', article_id, 'parent_id', parent_id,
                 'author_id', author_id, 'body', body, 'status', status,
                 'hidden', hidden::int, 'featured', featured::int,
                 'created_at', {}, 'edited_at', {}, 'deleted_at', {},
                 'reasons', (SELECT coalesce(json_agg(code ORDER BY id), '[]'::json)
                             FROM comment_reasons WHERE comment_id = comments.id))::text AS line
             FROM comments WHERE id > ($1::json ->> 0)::bigint ORDER BY id LIMIT $2",
            iso("created_at"),
            iso("edited_at"),
            iso("deleted_at")
        ),
        ExportKind::Reaction => format!(
            "SELECT json_build_array(comment_id, account_id)::text AS key,
                 json_build_object('type', 'reaction', 'comment_id', comment_id,
                 'account_id', account_id, 'kind', kind, 'created_at', {})::text AS line
             FROM reactions
             WHERE (comment_id, account_id) > (($1::json ->> 0)::bigint, ($1::json ->> 1)::bigint)
             ORDER BY comment_id, account_id LIMIT $2",
            iso("created_at")
        ),
        ExportKind::Report => format!(
            "SELECT json_build_array(id)::text AS key, json_build_object('type', 'report',
                 'id', id, 'comment_id', comment_id, 'reporter_id', reporter_id,
                 'reason', reason, 'note', note, 'body', body, 'weight', weight,
                 'created_at', {}, 'resolved_at', {})::text AS line
             FROM reports WHERE id > ($1::json ->> 0)::bigint ORDER BY id LIMIT $2",
            iso("created_at"),
            iso("resolved_at")
        ),
        ExportKind::Sanction => format!(
            "SELECT json_build_array(id)::text AS key, json_build_object('type', 'sanction',
                 'id', id, 'account_id', account_id, 'kind', kind, 'until', {},
                 'reason', reason, 'moderator_id', moderator_id, 'created_at', {},
                 'lifted_at', {}, 'lifted_by', lifted_by)::text AS line
             FROM sanctions WHERE id > ($1::json ->> 0)::bigint ORDER BY id LIMIT $2",
            iso("until"),
            iso("created_at"),
            iso("lifted_at")
        ),
        ExportKind::Log => format!(
            "SELECT json_build_array(id)::text AS key, json_build_object('type', 'log', 'id', id,
                 'at', {}, 'actor_id', actor_id, 'action', action, 'target_type', target_type,
                 'target_id', target_id, 'reason', reason, 'note', note)::text AS line
             FROM moderation_log WHERE id > ($1::json ->> 0)::bigint ORDER BY id LIMIT $2",
            iso("at")
        ),
    }
}

/// The key before every row: ids are positive, text keys are non-empty.
fn first_key(kind: ExportKind) -> &'static str {
    match kind {
        ExportKind::Editorial => "[\"\"]",
        ExportKind::Identity => "[\"\", \"\"]",
        ExportKind::Reaction => "[0, 0]",
        _ => "[0]",
    }
}

#[async_trait]
impl TransferStore for PgStore {
    async fn export_page(
        &self,
        kind: ExportKind,
        after: Option<&str>,
        limit: usize,
    ) -> anyhow::Result<ExportPage> {
        let rows: Vec<(String, String)> = sqlx::query_as(&export_sql(kind))
            .bind(after.unwrap_or(first_key(kind)))
            .bind(limit as i64)
            .fetch_all(&self.pool)
            .await
            .with_context(|| format!("cannot read a page of {kind:?} to export"))?;
        let last = rows.last().map(|(key, _)| key.clone());
        let lines = rows.into_iter().map(|(_, line)| line).collect();
        Ok(ExportPage { lines, last })
    }

    async fn last_comment_id(&self) -> anyhow::Result<i64> {
        let id: i64 = sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM comments")
            .fetch_one(&self.pool)
            .await?;
        Ok(id)
    }

    async fn import_batch(
        &self,
        source: Source,
        records: &[Record],
    ) -> anyhow::Result<ImportCounts> {
        let mut tx = self.begin_write().await?;
        lock_source(&mut tx, source).await?;
        let mut counts = ImportCounts::default();
        let mut batch = Batch {
            tx: &mut tx,
            source: source.as_str(),
            counts: &mut counts,
        };
        for record in records {
            batch
                .record(record)
                .await
                .context("cannot store an imported record")?;
        }
        // An imported sanction may be in force on an account some process
        // has already looked up.
        let stale: &[Kind] = if counts.sanctions_imported > 0 {
            &[Kind::Sanctions]
        } else {
            &[]
        };
        self.commit(tx, stale).await?;
        Ok(counts)
    }

    async fn finish_import(&self, source: Source, after_comment: i64) -> anyhow::Result<u64> {
        let mut tx = self.begin_write().await?;
        lock_source(&mut tx, source).await?;
        let orphans = link_replies(&mut tx, source.as_str(), after_comment).await?;
        recount(&mut tx, after_comment).await?;
        self.commit(tx, &[]).await?;
        Ok(orphans)
    }
}

/// The advisory lock class of imports; the source's name is the other key.
const IMPORT_LOCK: i32 = 0x696d_706f; // "impo"

/// One import of a source at a time, across processes: each batch checks
/// `imports` and then writes to it, which two batches of the same source
/// must not do at once. The lock goes with the transaction.
async fn lock_source(tx: &mut PgConnection, source: Source) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
        .bind(IMPORT_LOCK)
        .bind(source.as_str())
        .execute(tx)
        .await?;
    Ok(())
}

struct Batch<'a> {
    tx: &'a mut PgConnection,
    source: &'a str,
    counts: &'a mut ImportCounts,
}

impl Batch<'_> {
    async fn record(&mut self, record: &Record) -> anyhow::Result<()> {
        match record {
            Record::Editorial(e) => self.editorial(e).await,
            Record::Author(a) => self.author(a).await,
            Record::Comment(c) => self.comment(c).await,
            Record::Reaction(r) => self.reaction(r).await,
            Record::Sanction(s) => self.sanction(s).await,
            Record::Report(r) => self.report(r).await,
            Record::Log(l) => self.log(l).await,
        }
    }

    /// Our id for a record this source gave before.
    async fn local(&mut self, kind: &str, external_id: &str) -> sqlx::Result<Option<String>> {
        sqlx::query_scalar(
            "SELECT local_id FROM imports WHERE source = $1 AND kind = $2 AND external_id = $3",
        )
        .bind(self.source)
        .bind(kind)
        .bind(external_id)
        .fetch_optional(&mut *self.tx)
        .await
    }

    async fn local_id(&mut self, kind: &str, external_id: &str) -> sqlx::Result<Option<i64>> {
        let local = self.local(kind, external_id).await?;
        Ok(local.and_then(|id| id.parse().ok()))
    }

    async fn remember(
        &mut self,
        kind: &str,
        external_id: &str,
        local_id: &str,
        parent: Option<&str>,
    ) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO imports (source, kind, external_id, local_id, parent_external)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(self.source)
        .bind(kind)
        .bind(external_id)
        .bind(local_id)
        .bind(parent)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn editorial(&mut self, e: &ImportedEditorial) -> anyhow::Result<()> {
        if self.local("editorial", &e.external_id).await?.is_some() {
            self.counts.editorials_present += 1;
            return Ok(());
        }
        // An editorial the newsroom already has (same id) takes the comments.
        let inserted = sqlx::query(
            "INSERT INTO articles (id, title, url, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&e.article_id)
        .bind(&e.title)
        .bind(&e.url)
        .bind(to_millis(e.created_at))
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        if inserted == 1 {
            self.counts.editorials_imported += 1;
        } else {
            self.counts.editorials_present += 1;
        }
        self.remember("editorial", &e.external_id, &e.article_id, None)
            .await?;
        Ok(())
    }

    async fn author(&mut self, a: &ImportedAuthor) -> anyhow::Result<()> {
        if self.local("account", &a.external_id).await?.is_some() {
            self.counts.accounts_present += 1;
            return Ok(());
        }
        // An email already here (perhaps registered a moment ago in a
        // serving process) stays with its account: the import's goes.
        let mut id = self.insert_account(a, a.email.as_deref()).await?;
        if id.is_none() {
            self.counts.emails_not_merged += 1;
            id = self.insert_account(a, None).await?;
        }
        let Some(id) = id else {
            anyhow::bail!("an account without email was not stored");
        };
        self.counts.accounts_imported += 1;
        self.remember("account", &a.external_id, &id.to_string(), None)
            .await?;
        Ok(())
    }

    /// No password and no provider: it cannot sign in until linked. `None`
    /// when the email is taken.
    async fn insert_account(
        &mut self,
        a: &ImportedAuthor,
        email: Option<&str>,
    ) -> sqlx::Result<Option<i64>> {
        sqlx::query_scalar(
            "INSERT INTO accounts (email, display_name, password_hash, role, created_at)
             VALUES ($1, $2, NULL, $3, $4) ON CONFLICT (email) DO NOTHING RETURNING id",
        )
        .bind(email)
        .bind(&a.display_name)
        .bind(&a.role)
        .bind(to_millis(a.created_at))
        .fetch_optional(&mut *self.tx)
        .await
    }

    async fn comment(&mut self, c: &ImportedComment) -> anyhow::Result<()> {
        if self.local("comment", &c.external_id).await?.is_some() {
            self.counts.comments_present += 1;
            return Ok(());
        }
        let article = self.local("editorial", &c.editorial).await?;
        let author = self.local_id("account", &c.author).await?;
        let (Some(article), Some(author)) = (article, author) else {
            self.counts.skipped += 1;
            return Ok(());
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO comments (article_id, parent_id, author_id, body, length, status, hidden,
                 featured, created_at, edited_at, deleted_at)
             VALUES ($1, NULL, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(&article)
        .bind(author)
        .bind(&c.body)
        .bind(c.length as i64)
        .bind(c.status.as_str())
        .bind(c.hidden)
        .bind(c.featured)
        .bind(to_millis(c.created_at))
        .bind(c.edited_at.map(to_millis))
        .bind(c.deleted_at.map(to_millis))
        .fetch_one(&mut *self.tx)
        .await?;
        if let Some(code) = c.held_reason {
            sqlx::query(
                "INSERT INTO comment_reasons (comment_id, code, start, \"end\") VALUES ($1, $2, 0, $3)",
            )
            .bind(id)
            .bind(code)
            .bind(c.length as i64)
            .execute(&mut *self.tx)
            .await?;
            // The log says why in words a moderator reads beside the queue.
            sqlx::query(
                "INSERT INTO moderation_log (at, actor_id, action, target_type, target_id, reason, note)
                 VALUES ($1, NULL, 'hold', 'comment', $2, $3, $4)",
            )
            .bind(to_millis(chrono::Utc::now()))
            .bind(id.to_string())
            .bind(code)
            .bind(format!("imported from {}", self.source))
            .execute(&mut *self.tx)
            .await?;
            self.counts.comments_held += 1;
        }
        self.counts.comments_imported += 1;
        self.remember(
            "comment",
            &c.external_id,
            &id.to_string(),
            c.parent.as_deref(),
        )
        .await?;
        Ok(())
    }

    async fn reaction(&mut self, r: &ImportedReaction) -> anyhow::Result<()> {
        let comment = self.local_id("comment", &r.comment).await?;
        let account = self.local_id("account", &r.account).await?;
        let (Some(comment), Some(account)) = (comment, account) else {
            self.counts.skipped += 1;
            return Ok(());
        };
        let added = sqlx::query(
            "INSERT INTO reactions (comment_id, account_id, article_id, kind, created_at)
             SELECT id, $2, article_id, $3, $4 FROM comments WHERE id = $1
             ON CONFLICT DO NOTHING",
        )
        .bind(comment)
        .bind(account)
        .bind(&r.kind)
        .bind(to_millis(r.created_at))
        .execute(&mut *self.tx)
        .await?
        .rows_affected();
        if added == 0 {
            return Ok(());
        }
        let column = if r.kind == "like" {
            "likes"
        } else {
            "dislikes"
        };
        sqlx::query(&format!(
            "UPDATE comments SET {column} = {column} + 1 WHERE id = $1"
        ))
        .bind(comment)
        .execute(&mut *self.tx)
        .await?;
        self.counts.reactions_imported += 1;
        Ok(())
    }

    async fn optional_account(&mut self, external: Option<&str>) -> sqlx::Result<Option<i64>> {
        match external {
            Some(id) => self.local_id("account", id).await,
            None => Ok(None),
        }
    }

    async fn sanction(&mut self, s: &ImportedSanction) -> anyhow::Result<()> {
        if self.local("sanction", &s.external_id).await?.is_some() {
            return Ok(());
        }
        let Some(account) = self.local_id("account", &s.account).await? else {
            self.counts.skipped += 1;
            return Ok(());
        };
        let moderator = self.optional_account(s.moderator.as_deref()).await?;
        let lifted_by = self.optional_account(s.lifted_by.as_deref()).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sanctions (account_id, kind, until, reason, moderator_id, created_at,
                 lifted_at, lifted_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(account)
        .bind(&s.kind)
        .bind(s.until.map(to_millis))
        .bind(&s.reason)
        .bind(moderator)
        .bind(to_millis(s.created_at))
        .bind(s.lifted_at.map(to_millis))
        .bind(lifted_by)
        .fetch_one(&mut *self.tx)
        .await?;
        self.counts.sanctions_imported += 1;
        self.remember("sanction", &s.external_id, &id.to_string(), None)
            .await?;
        Ok(())
    }

    async fn report(&mut self, r: &ImportedReport) -> anyhow::Result<()> {
        if self.local("report", &r.external_id).await?.is_some() {
            return Ok(());
        }
        let comment = self.local_id("comment", &r.comment).await?;
        let reporter = self.local_id("account", &r.reporter).await?;
        let (Some(comment), Some(reporter)) = (comment, reporter) else {
            self.counts.skipped += 1;
            return Ok(());
        };
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO reports (comment_id, reporter_id, reason, note, body, weight, created_at,
                 resolved_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(comment)
        .bind(reporter)
        .bind(&r.reason)
        .bind(&r.note)
        .bind(&r.body)
        .bind(r.weight)
        .bind(to_millis(r.created_at))
        .bind(r.resolved_at.map(to_millis))
        .fetch_optional(&mut *self.tx)
        .await?;
        let Some(id) = id else { return Ok(()) };
        if r.resolved_at.is_none() {
            sqlx::query("UPDATE comments SET open_reports = open_reports + 1 WHERE id = $1")
                .bind(comment)
                .execute(&mut *self.tx)
                .await?;
        }
        self.counts.reports_imported += 1;
        self.remember("report", &r.external_id, &id.to_string(), None)
            .await?;
        Ok(())
    }

    async fn log(&mut self, l: &ImportedLogLine) -> anyhow::Result<()> {
        if self.local("log", &l.external_id).await?.is_some() {
            return Ok(());
        }
        let actor = self.optional_account(l.actor.as_deref()).await?;
        let kind = match l.target_type.as_str() {
            "comment" => "comment",
            "user" => "account",
            _ => "editorial",
        };
        // A target the import does not have keeps the source's id.
        let target = self
            .local(kind, &l.target_id)
            .await?
            .unwrap_or_else(|| l.target_id.clone());
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO moderation_log (at, actor_id, action, target_type, target_id, reason, note)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(to_millis(l.at))
        .bind(actor)
        .bind(&l.action)
        .bind(&l.target_type)
        .bind(&target)
        .bind(&l.reason)
        .bind(&l.note)
        .fetch_one(&mut *self.tx)
        .await?;
        self.counts.log_lines_imported += 1;
        self.remember("log", &l.external_id, &id.to_string(), None)
            .await?;
        Ok(())
    }
}

/// How far up a chain of parents an import looks for the thread's top
/// comment; a deeper chain (or a loop) leaves the reply top-level.
const MAX_DEPTH: i64 = 64;

/// The source's imported replies by our id. Materialized, so the cast runs
/// only on comment rows: other kinds' local ids are not numbers.
const REPLIES: &str = "replies AS MATERIALIZED (
    SELECT local_id::bigint AS start, parent_external FROM imports
    WHERE source = $1 AND kind = 'comment' AND parent_external IS NOT NULL)";

/// Attaches each reply imported after `after_comment` to the top comment of
/// its thread, and returns how many found none.
async fn link_replies(
    tx: &mut PgConnection,
    source: &str,
    after_comment: i64,
) -> anyhow::Result<u64> {
    let sql = format!(
        "WITH RECURSIVE {REPLIES}, up(start, node, depth) AS (
             SELECT start, parent_external, 1 FROM replies WHERE start > $2
             UNION ALL
             SELECT up.start, p.parent_external, up.depth + 1
             FROM up JOIN imports p
               ON p.source = $1 AND p.kind = 'comment' AND p.external_id = up.node
             WHERE p.parent_external IS NOT NULL AND up.depth < $3
         ),
         root(start, top) AS (
             SELECT up.start, r.local_id::bigint FROM up JOIN imports r
               ON r.source = $1 AND r.kind = 'comment' AND r.external_id = up.node
             WHERE r.parent_external IS NULL
         )
         UPDATE comments SET parent_id = root.top
         FROM root JOIN comments t ON t.id = root.top
         WHERE comments.id = root.start AND root.top <> root.start
           AND t.article_id = comments.article_id"
    );
    let linked = sqlx::query(&sql)
        .bind(source)
        .bind(after_comment)
        .bind(MAX_DEPTH)
        .execute(&mut *tx)
        .await
        .context("cannot attach imported replies to their threads")?
        .rows_affected();
    let sql = format!("WITH {REPLIES} SELECT count(*) FROM replies WHERE start > $2");
    let replies: i64 = sqlx::query_scalar(&sql)
        .bind(source)
        .bind(after_comment)
        .fetch_one(&mut *tx)
        .await?;
    Ok((replies as u64).saturating_sub(linked))
}

/// Counts again, from the rows, what the listing counts on the threads and
/// editorials the import touched, and ranks their comments by 공감비율.
async fn recount(tx: &mut PgConnection, after_comment: i64) -> anyhow::Result<()> {
    // A post committing while a count is taken would be missed by it and
    // then overwritten: lock the rows counted on first (parents, then
    // articles, as a post takes them), so each count sees every commit.
    for sql in [
        "SELECT id FROM comments WHERE id IN
             (SELECT parent_id FROM comments WHERE id > $1 AND parent_id IS NOT NULL)
         ORDER BY id FOR UPDATE",
        "SELECT id FROM articles WHERE id IN (SELECT article_id FROM comments WHERE id > $1)
         ORDER BY id FOR UPDATE",
    ] {
        sqlx::query(sql)
            .bind(after_comment)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query(
        "UPDATE comments SET reply_count = (
             SELECT count(*) FROM comments r
             WHERE r.parent_id = comments.id AND r.status = 'published' AND NOT r.hidden)
         WHERE id IN (SELECT parent_id FROM comments WHERE id > $1 AND parent_id IS NOT NULL)",
    )
    .bind(after_comment)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE articles SET comment_count = (
             SELECT count(*) FROM comments c LEFT JOIN comments r ON r.id = c.parent_id
             WHERE c.article_id = articles.id AND c.status = 'published' AND NOT c.hidden
               AND (c.parent_id IS NULL
                    OR (r.status = 'published' AND NOT r.hidden) OR r.status = 'deleted'))
         WHERE id IN (SELECT article_id FROM comments WHERE id > $1)",
    )
    .bind(after_comment)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE comments SET ratio_rank = CASE
             WHEN likes + dislikes >= GREATEST(coalesce(
                 (SELECT value::bigint FROM meta WHERE key = 'ratio_minimum'), 5), 1)
             THEN likes * 1000000000 / (likes + dislikes)
             ELSE -1 END
         WHERE id > $1 AND likes + dislikes > 0",
    )
    .bind(after_comment)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::domain::comments::Status;
    use crate::storage::postgres::outbox::tests::seed;
    use crate::storage::postgres::temp_store;

    fn records() -> Vec<Record> {
        let at = Utc::now();
        let comment = |id: &str, parent: Option<&str>| {
            Record::Comment(ImportedComment {
                external_id: id.into(),
                editorial: "e1".into(),
                parent: parent.map(Into::into),
                author: "u1".into(),
                body: format!("body {id}"),
                length: 6,
                status: if id == "c3" {
                    Status::Pending
                } else {
                    Status::Published
                },
                hidden: false,
                featured: false,
                held_reason: (id == "c3").then_some("length"),
                created_at: at,
                edited_at: None,
                deleted_at: None,
            })
        };
        vec![
            Record::Editorial(ImportedEditorial {
                external_id: "e1".into(),
                article_id: "imported".into(),
                title: "T".into(),
                url: "/t".into(),
                created_at: at,
            }),
            Record::Author(ImportedAuthor {
                external_id: "u1".into(),
                display_name: "Imported".into(),
                email: Some("taken@example.com".into()),
                role: "reader".into(),
                created_at: at,
            }),
            comment("c1", None),
            comment("c2", Some("c1")),
            comment("c3", Some("c2")),
            comment("c4", Some("missing")),
            Record::Reaction(ImportedReaction {
                comment: "c1".into(),
                account: "u1".into(),
                kind: "like".into(),
                created_at: at,
            }),
            Record::Sanction(ImportedSanction {
                external_id: "s1".into(),
                account: "u1".into(),
                kind: "suspend".into(),
                until: Some(at),
                reason: "spam".into(),
                moderator: None,
                created_at: at,
                lifted_at: None,
                lifted_by: None,
            }),
            Record::Report(ImportedReport {
                external_id: "r1".into(),
                comment: "c1".into(),
                reporter: "u1".into(),
                reason: "spam".into(),
                note: None,
                body: "body c1".into(),
                weight: 2,
                created_at: at,
                resolved_at: None,
            }),
            Record::Log(ImportedLogLine {
                external_id: "l1".into(),
                at,
                actor: Some("u1".into()),
                action: "approve".into(),
                target_type: "comment".into(),
                target_id: "c1".into(),
                reason: None,
                note: None,
            }),
        ]
    }

    #[tokio::test]
    async fn an_import_twice_stores_once_and_exports_in_pages() {
        let Some(store) = temp_store().await else {
            return;
        };
        seed(&store, "taken", "reader").await;
        let after = store.last_comment_id().await.unwrap();

        let first = store
            .import_batch(Source::Disqus, &records())
            .await
            .unwrap();
        let second = store
            .import_batch(Source::Disqus, &records())
            .await
            .unwrap();
        let orphans = store.finish_import(Source::Disqus, after).await.unwrap();

        assert_eq!(first.comments_imported, 4);
        assert_eq!(first.comments_held, 1);
        assert_eq!(first.emails_not_merged, 1);
        assert_eq!(
            (
                first.reactions_imported,
                first.sanctions_imported,
                first.reports_imported
            ),
            (1, 1, 1)
        );
        assert_eq!(first.log_lines_imported, 1);
        assert_eq!(second.comments_present, 4);
        assert_eq!(second.accounts_present, 1);
        assert_eq!(second.comments_imported + second.reactions_imported, 0);
        assert_eq!(orphans, 1, "the reply to a missing comment");
        assert_eq!(store.last_comment_id().await.unwrap(), after + 4);
        let parents: Vec<Option<i64>> =
            sqlx::query_scalar("SELECT parent_id FROM comments WHERE id > $1 ORDER BY id")
                .bind(after)
                .fetch_all(&store.pool)
                .await
                .unwrap();
        let top = Some(after + 1);
        assert_eq!(parents, vec![None, top, top, None], "one level deep");
        let counts: (i64, i64) = sqlx::query_as(
            "SELECT a.comment_count, c.reply_count FROM articles a
             JOIN comments c ON c.id = $1 WHERE a.id = 'imported'",
        )
        .bind(after + 1)
        .fetch_one(&store.pool)
        .await
        .unwrap();
        assert_eq!(counts, (3, 1), "the held reply is not counted");

        for kind in ExportKind::ALL {
            let mut lines = Vec::new();
            let mut last: Option<String> = None;
            loop {
                let page = store.export_page(kind, last.as_deref(), 1).await.unwrap();
                lines.extend(page.lines);
                match page.last {
                    Some(key) => last = Some(key),
                    None => break,
                }
            }
            for line in &lines {
                let value: serde_json::Value = serde_json::from_str(line).unwrap();
                assert!(value["type"].is_string(), "{line}");
            }
            let expected = match kind {
                ExportKind::Editorial => 2,
                ExportKind::Account => 2,
                ExportKind::Identity => 0,
                ExportKind::Comment => 5,
                ExportKind::Reaction | ExportKind::Report | ExportKind::Sanction => 1,
                ExportKind::Log => 2,
            };
            assert_eq!(lines.len(), expected, "{kind:?}: {lines:?}");
        }
        let page = store
            .export_page(ExportKind::Comment, None, 10)
            .await
            .unwrap();
        let held: serde_json::Value = serde_json::from_str(&page.lines[3]).unwrap();
        assert_eq!(held["reasons"], serde_json::json!(["length"]));
        assert_eq!(held["hidden"], 0);
        let created = held["created_at"].as_str().unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(created).is_ok() && created.ends_with('Z'),
            "{created}"
        );
    }
}
