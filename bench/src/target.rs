//! The two servers the benchmark can drive: Comment Desk and Isso. Each says
//! how to list a thread, post to it and create the accounts it needs.

use anyhow::{Context, bail};

use crate::http::{Conn, request};

pub const PASSWORD: &str = "bench horse battery staple";

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Desk,
    Isso,
}

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Target::Desk => "comment-desk",
            Target::Isso => "isso",
        }
    }

    /// The first page of `thread`; `query` (`?order=best`, say) is Comment Desk's only.
    pub fn list(self, thread: &str, query: &str, extra: &str) -> Vec<u8> {
        let path = match self {
            Target::Desk => format!("/api/v1/articles/{thread}/comments{query}"),
            Target::Isso => format!("/?uri=%2F{thread}"),
        };
        request("GET", &path, extra, None)
    }

    /// A new comment; Comment Desk needs the author's bearer token.
    pub fn post(self, thread: &str, token: &str, text: &str) -> Vec<u8> {
        let text = serde_json::Value::from(text);
        match self {
            Target::Desk => request(
                "POST",
                &format!("/api/v1/articles/{thread}/comments"),
                &format!("Authorization: Bearer {token}\r\n"),
                Some(&format!("{{\"body\":{text}}}")),
            ),
            Target::Isso => request(
                "POST",
                &format!("/new?uri=%2F{thread}"),
                "",
                Some(&format!(
                    "{{\"text\":{text},\"author\":\"bench\",\"title\":\"Bench\"}}"
                )),
            ),
        }
    }

    /// What each poster sends with its posts: a Comment Desk session per
    /// account; Isso takes anonymous comments.
    pub async fn posters(self, address: &str, count: usize) -> anyhow::Result<Vec<String>> {
        match self {
            Target::Isso => Ok(vec![String::new(); count]),
            Target::Desk => {
                let mut conn = Conn::open(address).await?;
                let mut tokens = Vec::with_capacity(count);
                for n in 0..count {
                    tokens.push(register(&mut conn, n).await?);
                }
                Ok(tokens)
            }
        }
    }
}

pub fn account_email(n: usize) -> String {
    format!("reader{n}@bench.example")
}

async fn register(conn: &mut Conn, n: usize) -> anyhow::Result<String> {
    let body = serde_json::json!({
        "email": account_email(n),
        "display_name": format!("독자 {n}"),
        "password": PASSWORD,
    });
    let answer = conn
        .send(&request(
            "POST",
            "/api/v1/auth/register",
            "",
            Some(&body.to_string()),
        ))
        .await?;
    if answer.status != 201 {
        bail!(
            "registering reader {n}: {} {}",
            answer.status,
            String::from_utf8_lossy(&answer.body)
        );
    }
    let value: serde_json::Value = serde_json::from_slice(&answer.body)?;
    value["token"]
        .as_str()
        .map(str::to_owned)
        .context("no token in the register answer")
}

/// Posts `count` comments to `thread`, one after another, spread over
/// posters: comment `n` is by poster `n % tokens.len()`. Returns their ids.
pub async fn seed(
    target: Target,
    address: &str,
    thread: &str,
    tokens: &[String],
    count: usize,
) -> anyhow::Result<Vec<String>> {
    let mut conn = Conn::open(address).await?;
    let mut ids = Vec::with_capacity(count);
    for n in 0..count {
        let token = &tokens[n % tokens.len()];
        let text = format!("Seed comment {n} on the hot editorial: a reader's view.");
        let answer = conn.send(&target.post(thread, token, &text)).await?;
        if answer.status != 201 {
            bail!("seeding comment {n}: status {}", answer.status);
        }
        let value: serde_json::Value = serde_json::from_slice(&answer.body)?;
        // Comment Desk answers `{comment: {id}}` with a string id, Isso `{id}` with a number.
        let id = match &value["comment"]["id"] {
            serde_json::Value::String(id) => id.clone(),
            _ => value["id"].to_string(),
        };
        ids.push(id);
    }
    Ok(ids)
}
