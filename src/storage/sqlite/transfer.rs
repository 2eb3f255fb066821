//! Export pages (keyset by each table's key, one short read each) and import
//! batches (one transaction each, mapped through the `imports` table).

use anyhow::Context;
use async_trait::async_trait;
use sqlx::SqliteConnection;

use super::SqliteStore;
use super::shared::to_millis;
use crate::domain::transfer::{
    ExportKind, ImportCounts, ImportedAuthor, ImportedComment, ImportedEditorial, ImportedLogLine,
    ImportedReaction, ImportedReport, ImportedSanction, Record, Source,
};
use crate::storage::transfer::{ExportPage, TransferStore};

/// A time column as ISO 8601 UTC with milliseconds, exact (integer arithmetic).
fn iso(column: &str) -> String {
    format!(
        "strftime('%Y-%m-%dT%H:%M:%S', {column} / 1000, 'unixepoch') || printf('.%03dZ', {column} % 1000)"
    )
}

/// The key and JSON line of each entity; `?1` is the last key of the page before.
fn export_sql(kind: ExportKind) -> String {
    match kind {
        ExportKind::Editorial => format!(
            "SELECT json_array(id) AS key, json_object('type', 'editorial', 'id', id,
                 'title', title, 'url', url, 'published_at', {}, 'comments_open', comments_open,
                 'premoderation', premoderation, 'created_at', {}, 'updated_at', {}) AS line
             FROM articles WHERE id > ?1 ->> '$[0]' ORDER BY id LIMIT ?2",
            iso("published_at"),
            iso("created_at"),
            iso("updated_at")
        ),
        // Never the password hash: only whether there is one.
        ExportKind::Account => format!(
            "SELECT json_array(id) AS key, json_object('type', 'account', 'id', id,
                 'email', email, 'display_name', display_name, 'role', role,
                 'has_password', password_hash IS NOT NULL, 'created_at', {}) AS line
             FROM accounts WHERE id > ?1 ->> '$[0]' ORDER BY id LIMIT ?2",
            iso("created_at")
        ),
        ExportKind::Identity => format!(
            "SELECT json_array(provider, subject) AS key, json_object('type', 'identity',
                 'provider', provider, 'subject', subject, 'account_id', account_id,
                 'linked_at', {}) AS line
             FROM identities WHERE (provider, subject) > (?1 ->> '$[0]', ?1 ->> '$[1]')
             ORDER BY provider, subject LIMIT ?2",
            iso("linked_at")
        ),
        ExportKind::Comment => format!(
            "SELECT json_array(id) AS key, json_object('type', 'comment', 'id', id,
                 'article_id', article_id, 'parent_id', parent_id, 'author_id', author_id,
                 'body', body, 'status', status, 'hidden', hidden, 'featured', featured,
                 'created_at', {}, 'edited_at', {}, 'deleted_at', {},
                 'reasons', (SELECT json_group_array(code) FROM comment_reasons
                             WHERE comment_id = comments.id)) AS line
             FROM comments WHERE id > ?1 ->> '$[0]' ORDER BY id LIMIT ?2",
            iso("created_at"),
            iso("edited_at"),
            iso("deleted_at")
        ),
        ExportKind::Reaction => format!(
            "SELECT json_array(comment_id, account_id) AS key, json_object('type', 'reaction',
                 'comment_id', comment_id, 'account_id', account_id, 'kind', kind,
                 'created_at', {}) AS line
             FROM reactions WHERE (comment_id, account_id) > (?1 ->> '$[0]', ?1 ->> '$[1]')
             ORDER BY comment_id, account_id LIMIT ?2",
            iso("created_at")
        ),
        ExportKind::Report => format!(
            "SELECT json_array(id) AS key, json_object('type', 'report', 'id', id,
                 'comment_id', comment_id, 'reporter_id', reporter_id, 'reason', reason,
                 'note', note, 'body', body, 'weight', weight, 'created_at', {},
                 'resolved_at', {}) AS line
             FROM reports WHERE id > ?1 ->> '$[0]' ORDER BY id LIMIT ?2",
            iso("created_at"),
            iso("resolved_at")
        ),
        ExportKind::Sanction => format!(
            "SELECT json_array(id) AS key, json_object('type', 'sanction', 'id', id,
                 'account_id', account_id, 'kind', kind, 'until', {}, 'reason', reason,
                 'moderator_id', moderator_id, 'created_at', {}, 'lifted_at', {},
                 'lifted_by', lifted_by) AS line
             FROM sanctions WHERE id > ?1 ->> '$[0]' ORDER BY id LIMIT ?2",
            iso("until"),
            iso("created_at"),
            iso("lifted_at")
        ),
        ExportKind::Log => format!(
            "SELECT json_array(id) AS key, json_object('type', 'log', 'id', id, 'at', {},
                 'actor_id', actor_id, 'action', action, 'target_type', target_type,
                 'target_id', target_id, 'reason', reason, 'note', note) AS line
             FROM moderation_log WHERE id > ?1 ->> '$[0]' ORDER BY id LIMIT ?2",
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
impl TransferStore for SqliteStore {
    async fn export_page(
        &self,
        kind: ExportKind,
        after: Option<&str>,
        limit: usize,
    ) -> anyhow::Result<ExportPage> {
        let rows: Vec<(String, String)> = sqlx::query_as(&export_sql(kind))
            .bind(after.unwrap_or(first_key(kind)))
            .bind(limit as i64)
            .fetch_all(&self.read)
            .await
            .with_context(|| format!("cannot read a page of {kind:?} to export"))?;
        let last = rows.last().map(|(key, _)| key.clone());
        let lines = rows.into_iter().map(|(_, line)| line).collect();
        Ok(ExportPage { lines, last })
    }

    async fn last_comment_id(&self) -> anyhow::Result<i64> {
        let id: i64 = sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM comments")
            .fetch_one(&self.read)
            .await?;
        Ok(id)
    }

    async fn import_batch(
        &self,
        source: Source,
        records: &[Record],
    ) -> anyhow::Result<ImportCounts> {
        let mut tx = self.begin_write().await?;
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
        self.commit(tx).await?;
        Ok(counts)
    }

    async fn finish_import(&self, source: Source, after_comment: i64) -> anyhow::Result<u64> {
        let mut tx = self.begin_write().await?;
        let orphans = link_replies(&mut tx, source.as_str(), after_comment).await?;
        recount(&mut tx, after_comment).await?;
        self.commit(tx).await?;
        Ok(orphans)
    }
}

struct Batch<'a> {
    tx: &'a mut SqliteConnection,
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
            "SELECT local_id FROM imports WHERE source = ? AND kind = ? AND external_id = ?",
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
             VALUES (?, ?, ?, ?, ?)",
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
            "INSERT INTO articles (id, title, url, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)
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
        let mut email = a.email.as_deref();
        if let Some(address) = email {
            let taken: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM accounts WHERE email = ?)")
                    .bind(address)
                    .fetch_one(&mut *self.tx)
                    .await?;
            if taken {
                email = None;
                self.counts.emails_not_merged += 1;
            }
        }
        // No password and no provider: it cannot sign in until linked.
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO accounts (email, display_name, password_hash, role, created_at)
             VALUES (?, ?, NULL, ?, ?) RETURNING id",
        )
        .bind(email)
        .bind(&a.display_name)
        .bind(&a.role)
        .bind(to_millis(a.created_at))
        .fetch_one(&mut *self.tx)
        .await?;
        self.counts.accounts_imported += 1;
        self.remember("account", &a.external_id, &id.to_string(), None)
            .await?;
        Ok(())
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
             VALUES (?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
                "INSERT INTO comment_reasons (comment_id, code, start, end) VALUES (?, ?, 0, ?)",
            )
            .bind(id)
            .bind(code)
            .bind(c.length as i64)
            .execute(&mut *self.tx)
            .await?;
            // The log says why in words a moderator reads beside the queue.
            sqlx::query(
                "INSERT INTO moderation_log (at, actor_id, action, target_type, target_id, reason, note)
                 VALUES (?, NULL, 'hold', 'comment', ?, ?, ?)",
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
             SELECT id, ?2, article_id, ?3, ?4 FROM comments WHERE id = ?1
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
            "UPDATE comments SET {column} = {column} + 1 WHERE id = ?"
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
                 lifted_at, lifted_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
                 resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
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
            sqlx::query("UPDATE comments SET open_reports = open_reports + 1 WHERE id = ?")
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
             VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
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

/// Attaches each reply imported after `after_comment` to the top comment of
/// its thread, and returns how many found none.
async fn link_replies(
    tx: &mut SqliteConnection,
    source: &str,
    after_comment: i64,
) -> anyhow::Result<u64> {
    let linked = sqlx::query(
        "WITH RECURSIVE up(start, node, depth) AS (
             SELECT CAST(local_id AS INTEGER), parent_external, 1 FROM imports
             WHERE source = ?1 AND kind = 'comment' AND parent_external IS NOT NULL
               AND CAST(local_id AS INTEGER) > ?2
             UNION ALL
             SELECT up.start, p.parent_external, up.depth + 1
             FROM up JOIN imports p
               ON p.source = ?1 AND p.kind = 'comment' AND p.external_id = up.node
             WHERE p.parent_external IS NOT NULL AND up.depth < ?3
         ),
         root(start, top) AS (
             SELECT up.start, CAST(r.local_id AS INTEGER) FROM up JOIN imports r
               ON r.source = ?1 AND r.kind = 'comment' AND r.external_id = up.node
             WHERE r.parent_external IS NULL
         )
         UPDATE comments SET parent_id = root.top
         FROM root JOIN comments t ON t.id = root.top
         WHERE comments.id = root.start AND root.top <> root.start
           AND t.article_id = comments.article_id",
    )
    .bind(source)
    .bind(after_comment)
    .bind(MAX_DEPTH)
    .execute(&mut *tx)
    .await
    .context("cannot attach imported replies to their threads")?
    .rows_affected();
    let replies: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM imports WHERE source = ? AND kind = 'comment'
           AND parent_external IS NOT NULL AND CAST(local_id AS INTEGER) > ?",
    )
    .bind(source)
    .bind(after_comment)
    .fetch_one(&mut *tx)
    .await?;
    Ok((replies as u64).saturating_sub(linked))
}

/// Counts again, from the rows, what the listing counts on the threads and
/// editorials the import touched, and ranks their comments by 공감비율.
async fn recount(tx: &mut SqliteConnection, after_comment: i64) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE comments SET reply_count = (
             SELECT count(*) FROM comments r
             WHERE r.parent_id = comments.id AND r.status = 'published' AND r.hidden = 0)
         WHERE id IN (SELECT parent_id FROM comments WHERE id > ?1 AND parent_id IS NOT NULL)",
    )
    .bind(after_comment)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE articles SET comment_count = (
             SELECT count(*) FROM comments c LEFT JOIN comments r ON r.id = c.parent_id
             WHERE c.article_id = articles.id AND c.status = 'published' AND c.hidden = 0
               AND (c.parent_id IS NULL
                    OR (r.status = 'published' AND r.hidden = 0) OR r.status = 'deleted'))
         WHERE id IN (SELECT DISTINCT article_id FROM comments WHERE id > ?1)",
    )
    .bind(after_comment)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE comments SET ratio_rank = CASE
             WHEN likes + dislikes >= max(coalesce(
                 (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'ratio_minimum'), 5), 1)
             THEN likes * 1000000000 / (likes + dislikes)
             ELSE -1 END
         WHERE id > ?1 AND likes + dislikes > 0",
    )
    .bind(after_comment)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
