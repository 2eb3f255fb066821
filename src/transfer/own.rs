//! Our own export read back: the header, then one entity a line. Ids are the
//! exporting database's, mapped to new ones; passwords were never exported,
//! so restored accounts sign in again by a reset or a linked provider.

use std::io::BufRead;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::export::{FORMAT, VERSION};
use super::importer::{BadFile, Importer};
use super::rule;
use crate::domain::comments::Status;
use crate::domain::transfer::{
    ImportedAuthor, ImportedComment, ImportedEditorial, ImportedLogLine, ImportedReaction,
    ImportedReport, ImportedSanction, Record,
};

pub async fn read(file: &Path, max_length: usize, importer: &mut Importer) -> anyhow::Result<()> {
    let opened =
        std::fs::File::open(file).map_err(|e| BadFile::new(file, "open", e.to_string()))?;
    let lines = std::io::BufReader::new(opened).lines();
    let mut number = 0;
    for line in lines {
        number += 1;
        let bad = |problem: &str| BadFile::new(file, format!("line {number}"), problem);
        let line = line.map_err(|_| bad("not UTF-8 text"))?;
        let value: Value = serde_json::from_str(&line).map_err(|e| bad(&e.to_string()))?;
        if number == 1 {
            check_header(&value).map_err(bad)?;
            continue;
        }
        if let Some(record) = record(&value, max_length).map_err(|problem| bad(&problem))? {
            importer.push(record).await?;
        }
    }
    if number == 0 {
        return Err(BadFile::new(file, "line 1", "empty file: no header").into());
    }
    Ok(())
}

fn check_header(value: &Value) -> Result<(), &'static str> {
    let ours = value["type"] == "header" && value["format"] == FORMAT;
    if !ours {
        return Err("the first line is not a comment-desk export header");
    }
    if value["version"].as_u64() != Some(VERSION) {
        return Err("an export format version this program does not read");
    }
    Ok(())
}

/// A field's text; ids are numbers or text in the export, text here.
fn text(value: &Value, key: &str) -> Option<String> {
    match &value[key] {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn need(value: &Value, key: &str) -> Result<String, String> {
    text(value, key).ok_or_else(|| format!("{} without {key}", value["type"]))
}

fn time(value: &Value, key: &str) -> Result<Option<DateTime<Utc>>, String> {
    match text(value, key) {
        None => Ok(None),
        Some(t) => super::disqus::time(&t)
            .map(Some)
            .ok_or_else(|| format!("a bad time in {key}: {t:?}")),
    }
}

fn need_time(value: &Value, key: &str) -> Result<DateTime<Utc>, String> {
    time(value, key)?.ok_or_else(|| format!("{} without {key}", value["type"]))
}

fn flag(value: &Value, key: &str) -> bool {
    value[key].as_i64().is_some_and(|n| n != 0) || value[key] == true
}

fn record(v: &Value, max_length: usize) -> Result<Option<Record>, String> {
    let record = match v["type"].as_str() {
        Some("editorial") => Record::Editorial(ImportedEditorial {
            external_id: need(v, "id")?,
            article_id: need(v, "id")?,
            title: need(v, "title")?,
            url: need(v, "url")?,
            created_at: need_time(v, "created_at")?,
        }),
        Some("account") => Record::Author(ImportedAuthor {
            external_id: need(v, "id")?,
            display_name: need(v, "display_name")?,
            email: text(v, "email"),
            role: need(v, "role")?,
            created_at: need_time(v, "created_at")?,
        }),
        Some("comment") => Record::Comment(comment(v, max_length)?),
        Some("reaction") => Record::Reaction(ImportedReaction {
            comment: need(v, "comment_id")?,
            account: need(v, "account_id")?,
            kind: need(v, "kind")?,
            created_at: need_time(v, "created_at")?,
        }),
        Some("report") => Record::Report(ImportedReport {
            external_id: need(v, "id")?,
            comment: need(v, "comment_id")?,
            reporter: need(v, "reporter_id")?,
            reason: need(v, "reason")?,
            note: text(v, "note"),
            body: need(v, "body")?,
            weight: v["weight"].as_i64().unwrap_or(2),
            created_at: need_time(v, "created_at")?,
            resolved_at: time(v, "resolved_at")?,
        }),
        Some("sanction") => Record::Sanction(ImportedSanction {
            external_id: need(v, "id")?,
            account: need(v, "account_id")?,
            kind: need(v, "kind")?,
            until: time(v, "until")?,
            reason: need(v, "reason")?,
            moderator: text(v, "moderator_id"),
            created_at: need_time(v, "created_at")?,
            lifted_at: time(v, "lifted_at")?,
            lifted_by: text(v, "lifted_by"),
        }),
        Some("log") => Record::Log(ImportedLogLine {
            external_id: need(v, "id")?,
            at: need_time(v, "at")?,
            actor: text(v, "actor_id"),
            action: need(v, "action")?,
            target_type: need(v, "target_type")?,
            target_id: need(v, "target_id")?,
            reason: text(v, "reason"),
            note: text(v, "note"),
        }),
        // Provider links are not restored: an imported account has no way to
        // sign in until its owner links one again.
        Some("identity") => return Ok(None),
        _ => return Err(format!("an unknown type {}", v["type"])),
    };
    Ok(Some(record))
}

fn comment(v: &Value, max_length: usize) -> Result<ImportedComment, String> {
    let status = match v["status"].as_str() {
        Some("published") => Status::Published,
        Some("pending") => Status::Pending,
        Some("rejected") => Status::Rejected,
        Some("deleted") => Status::Deleted,
        _ => return Err("a comment with an unknown status".to_owned()),
    };
    let body = need(v, "body")?;
    // A deleted comment's text is already gone; an empty one is not broken.
    let ruled = if status == Status::Deleted {
        rule::Ruled {
            length: crate::text::length(&body),
            body,
            held: None,
        }
    } else {
        rule::apply(&body, max_length)
    };
    Ok(ImportedComment {
        external_id: need(v, "id")?,
        editorial: need(v, "article_id")?,
        parent: text(v, "parent_id"),
        author: need(v, "author_id")?,
        status: rule::status(status, &ruled),
        held_reason: ruled.held,
        body: ruled.body,
        length: ruled.length,
        hidden: flag(v, "hidden"),
        featured: flag(v, "featured"),
        created_at: need_time(v, "created_at")?,
        edited_at: time(v, "edited_at")?,
        deleted_at: time(v, "deleted_at")?,
    })
}
