//! WordPress's export (WXR): each `<item>` is a post (an editorial) holding
//! its `<wp:comment>`s.

use std::path::Path;

use chrono::{DateTime, NaiveDateTime, Utc};

use super::disqus::Fields;
use super::importer::{BadFile, Importer};
use super::rule;
use super::xml::{Node, Walker, html_to_text};
use crate::domain::comments::Status;
use crate::domain::transfer::{ImportedAuthor, ImportedEditorial, Record};

pub async fn read(file: &Path, max_length: usize, importer: &mut Importer) -> anyhow::Result<()> {
    let mut walker = Walker::open(file)?;
    let mut item: Option<Fields> = None;
    let mut comment: Option<Fields> = None;
    let mut post_sent = false;
    while let Some(node) = walker.next()? {
        match node {
            Node::Start { name, attributes } => {
                let depth = walker.depth();
                if depth == 3 && name == "item" {
                    item = Some(Fields::default());
                    post_sent = false;
                }
                if depth == 4 && name == "wp:comment" {
                    if let (Some(post), false) = (item.as_ref(), post_sent) {
                        importer.push(editorial(post, &walker)?).await?;
                        post_sent = true;
                    }
                    comment = Some(Fields::default());
                }
                if let Some(fields) = comment.as_mut().or(item.as_mut()) {
                    fields.start(&name, attributes);
                }
            }
            Node::Text(text) => {
                if let Some(fields) = comment.as_mut().or(item.as_mut()) {
                    fields.text(&text);
                }
            }
            Node::End => {
                let depth = walker.depth();
                if let Some(fields) = comment.as_mut() {
                    fields.end();
                    if depth == 3 {
                        let done = comment.take().unwrap_or_default();
                        let post = item.as_ref().map(|p| p.get("wp:post_id")).unwrap_or("");
                        for record in records(&done, post, &walker, max_length)? {
                            importer.push(record).await?;
                        }
                    }
                } else if let Some(fields) = item.as_mut() {
                    fields.end();
                    if depth == 2 {
                        item = None;
                    }
                }
            }
        }
    }
    Ok(())
}

fn editorial(post: &Fields, walker: &Walker) -> Result<Record, BadFile> {
    let id = post.get("wp:post_id").trim();
    if id.is_empty() {
        return Err(walker.bad("an item without wp:post_id"));
    }
    Ok(Record::Editorial(ImportedEditorial {
        external_id: id.to_owned(),
        article_id: format!("wordpress-{id}"),
        title: post.get("title").trim().to_owned(),
        url: post.get("link").trim().to_owned(),
        created_at: time(post.get("wp:post_date_gmt")).unwrap_or_default(),
    }))
}

fn records(
    c: &Fields,
    post: &str,
    walker: &Walker,
    max_length: usize,
) -> Result<Vec<Record>, BadFile> {
    let id = c.get("wp:comment_id").trim();
    if id.is_empty() {
        return Err(walker.bad("a wp:comment without wp:comment_id"));
    }
    let created_at = time(c.get("wp:comment_date_gmt"))
        .ok_or_else(|| walker.bad("a bad wp:comment_date_gmt"))?;
    let name = c.get("wp:comment_author").trim();
    let email = c.get("wp:comment_author_email").trim().to_lowercase();
    let author = ImportedAuthor {
        external_id: if email.is_empty() {
            format!("guest:{name}")
        } else {
            format!("email:{email}")
        },
        display_name: Some(rule::apply(name, 50).body)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "Guest 손님".to_owned()),
        email: Some(email).filter(|e| e.contains('@')),
        role: "reader".to_owned(),
        created_at,
    };
    let source_status = match c.get("wp:comment_approved").trim() {
        "1" => Status::Published,
        "spam" => Status::Rejected,
        "trash" => Status::Deleted,
        _ => Status::Pending,
    };
    let parent = c.get("wp:comment_parent").trim();
    let source = rule::Source {
        external_id: id.to_owned(),
        editorial: post.trim().to_owned(),
        parent: Some(parent.to_owned()).filter(|p| !p.is_empty() && p != "0"),
        author: author.external_id.clone(),
        status: source_status,
        created_at,
        edited_at: None,
    };
    let text = html_to_text(c.get("wp:comment_content"));
    let comment = rule::comment(source, &text, max_length);
    Ok(vec![Record::Author(author), Record::Comment(comment)])
}

/// WordPress writes GMT times as `2024-03-01 09:30:00`.
fn time(text: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(|t| t.and_utc())
}
