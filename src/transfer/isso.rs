//! Isso's SQLite database: `threads` (uri, title) and `comments` (parent,
//! created as Unix seconds, `mode` 1 accepted, 2 waiting, 4 deleted). A
//! foreign file read as a source, like the XML exports, not our storage.

use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Row};

use super::importer::{BadFile, Importer};
use super::rule;
use crate::domain::comments::Status;
use crate::domain::transfer::{ImportedAuthor, ImportedEditorial, Record};

const PAGE: i64 = 1000;

pub async fn read(file: &Path, max_length: usize, importer: &mut Importer) -> anyhow::Result<()> {
    let mut conn = SqliteConnectOptions::new()
        .filename(file)
        .read_only(true)
        .connect()
        .await
        .map_err(|e| BadFile::new(file, "open", e.to_string()))?;
    let bad = |e: sqlx::Error| BadFile::new(file, "tables", format!("not an Isso database: {e}"));
    let threads =
        sqlx::query("SELECT id, uri, coalesce(title, uri) AS title FROM threads ORDER BY id")
            .fetch_all(&mut conn)
            .await
            .map_err(bad)?;
    for thread in threads {
        let id: i64 = thread.try_get("id")?;
        let uri: String = thread.try_get("uri")?;
        importer
            .push(Record::Editorial(ImportedEditorial {
                external_id: id.to_string(),
                article_id: format!("isso-{id}"),
                title: thread.try_get("title")?,
                url: uri,
                created_at: DateTime::UNIX_EPOCH,
            }))
            .await?;
    }
    let mut after = 0;
    loop {
        let rows = sqlx::query(
            "SELECT id, tid, parent, created, modified, mode, text, author, email FROM comments
             WHERE id > ? ORDER BY id LIMIT ?",
        )
        .bind(after)
        .bind(PAGE)
        .fetch_all(&mut conn)
        .await
        .map_err(bad)?;
        let Some(last) = rows.last() else { break };
        after = last.try_get("id")?;
        for row in rows {
            for record in records(&row, max_length).context("an Isso comment")? {
                importer.push(record).await?;
            }
        }
    }
    Ok(())
}

fn records(row: &sqlx::sqlite::SqliteRow, max_length: usize) -> anyhow::Result<Vec<Record>> {
    let id: i64 = row.try_get("id")?;
    let created_at = seconds(row.try_get("created")?);
    let name: Option<String> = row.try_get("author")?;
    let email: Option<String> = row.try_get("email")?;
    let name = name.unwrap_or_default();
    let email = email.unwrap_or_default().trim().to_lowercase();
    let author = ImportedAuthor {
        external_id: if email.is_empty() {
            format!("guest:{name}")
        } else {
            format!("email:{email}")
        },
        display_name: Some(rule::apply(&name, 50).body)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "Guest 손님".to_owned()),
        email: Some(email).filter(|e| e.contains('@')),
        role: "reader".to_owned(),
        created_at,
    };
    let mode: i64 = row.try_get("mode")?;
    let source_status = match mode {
        1 => Status::Published,
        4 => Status::Deleted,
        _ => Status::Pending,
    };
    let text: Option<String> = row.try_get("text")?;
    let parent: Option<i64> = row.try_get("parent")?;
    let modified: Option<f64> = row.try_get("modified")?;
    let tid: i64 = row.try_get("tid")?;
    let source = rule::Source {
        external_id: id.to_string(),
        editorial: tid.to_string(),
        parent: parent.map(|p| p.to_string()),
        author: author.external_id.clone(),
        status: source_status,
        created_at,
        edited_at: modified.map(seconds),
    };
    let comment = rule::comment(source, &text.unwrap_or_default(), max_length);
    Ok(vec![Record::Author(author), Record::Comment(comment)])
}

fn seconds(unix: f64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis((unix * 1000.0).round() as i64).unwrap_or_default()
}
