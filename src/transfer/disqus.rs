//! Disqus's XML export: `<thread>`s (the editorials) and `<post>`s (the
//! comments, each naming its thread and parent by `dsq:id`).

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::importer::{BadFile, Importer};
use super::rule;
use super::xml::{Node, Walker, html_to_text};
use crate::domain::articles::ArticleId;
use crate::domain::comments::Status;
use crate::domain::transfer::{ImportedAuthor, ImportedEditorial, Record};

/// An element's texts and attributes by path below it: `author/name`, `thread@dsq:id`.
#[derive(Default)]
pub struct Fields {
    pub name: String,
    values: HashMap<String, String>,
    path: Vec<String>,
}

impl Fields {
    pub fn get(&self, key: &str) -> &str {
        self.values.get(key).map(String::as_str).unwrap_or("")
    }

    pub fn start(&mut self, name: &str, attributes: Vec<(String, String)>) {
        if self.path.is_empty() {
            self.name = name.to_owned();
        }
        self.path.push(name.to_owned());
        for (key, value) in attributes {
            let at = format!("{}@{key}", self.path[1..].join("/"));
            self.values.insert(at, value);
        }
    }

    pub fn text(&mut self, text: &str) {
        let key = self.path[1..].join("/");
        self.values.entry(key).or_default().push_str(text);
    }

    pub fn end(&mut self) {
        self.path.pop();
    }
}

pub async fn read(file: &Path, max_length: usize, importer: &mut Importer) -> anyhow::Result<()> {
    let mut walker = Walker::open(file)?;
    let mut current: Option<Fields> = None;
    while let Some(node) = walker.next()? {
        match node {
            Node::Start { name, attributes } => {
                if walker.depth() == 2 && (name == "thread" || name == "post") {
                    current = Some(Fields::default());
                }
                if let Some(fields) = current.as_mut() {
                    fields.start(&name, attributes);
                }
            }
            Node::Text(text) => {
                if let Some(fields) = current.as_mut() {
                    fields.text(&text);
                }
            }
            Node::End => {
                let Some(fields) = current.as_mut() else {
                    continue;
                };
                fields.end();
                if walker.depth() == 1 {
                    let done = current.take().unwrap_or_default();
                    for record in records(&done, &walker, max_length)? {
                        importer.push(record).await?;
                    }
                }
            }
        }
    }
    Ok(())
}

fn records(fields: &Fields, walker: &Walker, max_length: usize) -> Result<Vec<Record>, BadFile> {
    let is_thread = fields.name == "thread";
    let id = fields.get("@dsq:id");
    if id.is_empty() {
        return Err(walker.bad("an element without dsq:id"));
    }
    let created_at = time(fields.get("createdAt")).ok_or_else(|| walker.bad("a bad createdAt"))?;
    if is_thread {
        return Ok(vec![Record::Editorial(editorial(fields, id, created_at))]);
    }
    let author = author(fields, created_at);
    let source_status = if fields.get("isDeleted") == "true" {
        Status::Deleted
    } else if fields.get("isSpam") == "true" {
        Status::Rejected
    } else {
        Status::Published
    };
    let parent = Some(fields.get("parent@dsq:id").to_owned()).filter(|p| !p.is_empty());
    let source = rule::Source {
        external_id: id.to_owned(),
        editorial: fields.get("thread@dsq:id").to_owned(),
        parent,
        author: author.external_id.clone(),
        status: source_status,
        created_at,
        edited_at: None,
    };
    let text = html_to_text(fields.get("message"));
    let comment = rule::comment(source, &text, max_length);
    Ok(vec![Record::Author(author), Record::Comment(comment)])
}

fn editorial(fields: &Fields, id: &str, created_at: DateTime<Utc>) -> ImportedEditorial {
    // The CMS's identifier when it is a valid article id, so the comments land
    // on the editorial the newsroom already has.
    let identifier = fields.get("id").trim();
    let article_id = match ArticleId::parse(identifier) {
        Ok(valid) => valid.as_str().to_owned(),
        Err(_) => format!("disqus-{id}"),
    };
    let title = fields.get("title").trim();
    ImportedEditorial {
        external_id: id.to_owned(),
        article_id,
        title: if title.is_empty() { identifier } else { title }.to_owned(),
        url: fields.get("link").trim().to_owned(),
        created_at,
    }
}

fn author(fields: &Fields, created_at: DateTime<Utc>) -> ImportedAuthor {
    let name = fields.get("author/name").trim();
    let username = fields.get("author/username").trim();
    let email = fields.get("author/email").trim().to_lowercase();
    // One Disqus user is one account; guests are told apart by email or name.
    let external_id = if !username.is_empty() {
        format!("user:{username}")
    } else if !email.is_empty() {
        format!("email:{email}")
    } else {
        format!("guest:{name}")
    };
    let display_name = rule::apply(name, 50).body;
    ImportedAuthor {
        external_id,
        display_name: if display_name.is_empty() {
            "Guest 손님".to_owned()
        } else {
            display_name
        },
        email: Some(email).filter(|e| e.contains('@')),
        role: "reader".to_owned(),
        created_at,
    }
}

pub fn time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}
