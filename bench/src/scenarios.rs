//! The scenarios: what the connections send, and for how long.

use std::time::Duration;

use crate::http::Answer;
use crate::load::{Stats, Worker, drive};
use crate::target::{PASSWORD, Target, account_email};

/// The hot editorial, seeded with 200 comments; the other demo editorial
/// takes the posts, so the listed thread stays the same size.
pub const HOT: &str = "putin-north-korea-signal";
pub const POSTED_TO: &str = "putin-gorbachev-path";

/// One measured line of the report.
pub struct Row {
    pub scenario: String,
    pub target: Target,
    pub connections: usize,
    pub stats: Stats,
}

/// A reader re-reading the first page, sending back the ETag as a browser does.
pub struct Reader {
    pub target: Target,
    pub thread: &'static str,
    pub token: Option<String>,
    /// `?order=best`, say; empty for the default order.
    query: &'static str,
    /// False for a reader who never sends the ETag back, so every answer is whole.
    revalidates: bool,
    etag: Option<String>,
}

impl Reader {
    pub fn new(target: Target, thread: &'static str, token: Option<String>) -> Reader {
        Reader {
            target,
            thread,
            token,
            query: "",
            revalidates: true,
            etag: None,
        }
    }

    /// The same reader asking for `query`, sending the ETag back or not.
    pub fn asking(self, query: &'static str, revalidates: bool) -> Reader {
        Reader {
            query,
            revalidates,
            ..self
        }
    }
}

impl Worker for Reader {
    fn next(&mut self) -> Vec<u8> {
        let mut extra = String::new();
        if let Some(tag) = self.etag.as_ref().filter(|_| self.revalidates) {
            extra.push_str(&format!("If-None-Match: {tag}\r\n"));
        }
        if let Some(token) = &self.token {
            extra.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        self.target.list(self.thread, self.query, &extra)
    }

    fn check(&mut self, answer: &Answer) -> bool {
        if answer.status == 200 {
            self.etag = answer.etag.clone();
        }
        answer.status == 200 || (answer.status == 304 && self.revalidates)
    }
}

/// A reader reacting to comments by others in turn, flipping between 공감
/// and 비공감 on each, so every request changes a count and is a real write.
pub struct Reactor {
    token: String,
    comments: Vec<String>,
    /// What this reader last set on each comment.
    liked: Vec<Option<bool>>,
    turn: usize,
    expected: &'static str,
}

impl Reactor {
    pub fn new(token: String, comments: Vec<String>) -> Reactor {
        Reactor {
            token,
            liked: vec![None; comments.len()],
            comments,
            turn: 0,
            expected: "",
        }
    }
}

impl Worker for Reactor {
    fn next(&mut self) -> Vec<u8> {
        let n = self.turn % self.comments.len();
        self.turn += 1;
        let like = self.liked[n] != Some(true);
        self.liked[n] = Some(like);
        self.expected = if like { "like" } else { "dislike" };
        crate::http::request(
            "PUT",
            &format!("/api/v1/comments/{}/reaction", self.comments[n]),
            &format!("Authorization: Bearer {}\r\n", self.token),
            Some(&format!("{{\"kind\":\"{}\"}}", self.expected)),
        )
    }

    fn check(&mut self, answer: &Answer) -> bool {
        let mine = serde_json::from_slice::<serde_json::Value>(&answer.body)
            .ok()
            .and_then(|v| v["my_reaction"].as_str().map(str::to_owned));
        answer.status == 200 && mine.as_deref() == Some(self.expected)
    }
}

/// An author posting distinct comments, so the repeat rule refuses none.
pub struct Poster {
    target: Target,
    thread: &'static str,
    token: String,
    tag: String,
    sent: u64,
}

impl Poster {
    pub fn new(target: Target, thread: &'static str, token: String, tag: String) -> Poster {
        Poster {
            target,
            thread,
            token,
            tag,
            sent: 0,
        }
    }
}

impl Worker for Poster {
    fn next(&mut self) -> Vec<u8> {
        self.sent += 1;
        let text = format!(
            "{} 번째 의견 {}: 이번 방북은 동맹에 분명한 신호를 보냈다고 봅니다.",
            self.tag, self.sent
        );
        self.target.post(self.thread, &self.token, &text)
    }

    fn check(&mut self, answer: &Answer) -> bool {
        answer.status == 201
    }
}

/// 95 reads of the hot page to every 5 posts.
pub struct Mixed {
    reader: Reader,
    poster: Poster,
    turn: u32,
    posting: bool,
}

impl Worker for Mixed {
    fn next(&mut self) -> Vec<u8> {
        self.turn = (self.turn + 1) % 20;
        self.posting = self.turn == 0;
        if self.posting {
            self.poster.next()
        } else {
            self.reader.next()
        }
    }

    fn check(&mut self, answer: &Answer) -> bool {
        if self.posting {
            self.poster.check(answer)
        } else {
            self.reader.check(answer)
        }
    }
}

pub struct Login {
    body: String,
}

impl Worker for Login {
    fn next(&mut self) -> Vec<u8> {
        crate::http::request("POST", "/api/v1/auth/login", "", Some(&self.body))
    }

    fn check(&mut self, answer: &Answer) -> bool {
        answer.status == 200
    }
}

pub struct Health;

impl Worker for Health {
    fn next(&mut self) -> Vec<u8> {
        crate::http::request("GET", "/healthz", "", None)
    }

    fn check(&mut self, answer: &Answer) -> bool {
        answer.status == 200
    }
}

pub async fn list(target: Target, address: &str, connections: usize, time: Duration) -> Row {
    let readers = (0..connections)
        .map(|_| Reader::new(target, HOT, None))
        .collect();
    row(
        "list",
        target,
        connections,
        drive(address, readers, time).await,
    )
}

/// `tokens` holds one poster's session per connection.
pub async fn post(target: Target, address: &str, tokens: &[String], time: Duration) -> Row {
    let posters = tokens
        .iter()
        .enumerate()
        .map(|(n, token)| Poster::new(target, POSTED_TO, token.clone(), format!("post-{n}")))
        .collect();
    row(
        "post",
        target,
        tokens.len(),
        drive(address, posters, time).await,
    )
}

/// Comments each reactor flips in turn.
const REACTED_EACH: usize = 16;

/// `tokens` holds one reader's session per connection; `comments` the seeded
/// comments, comment `n` by reader `n % tokens.len()`, so reader `r` takes
/// the comments after its own and never reacts to its own.
pub async fn react(address: &str, tokens: &[String], comments: &[String], time: Duration) -> Row {
    let reactors = tokens
        .iter()
        .enumerate()
        .map(|(r, token)| {
            let theirs = (1..=REACTED_EACH)
                .map(|k| comments[(r + k) % comments.len()].clone())
                .collect();
            Reactor::new(token.clone(), theirs)
        })
        .collect();
    row(
        "react",
        Target::Desk,
        tokens.len(),
        drive(address, reactors, time).await,
    )
}

pub async fn mix(address: &str, tokens: &[String], time: Duration) -> Row {
    let target = Target::Desk;
    let workers = tokens
        .iter()
        .enumerate()
        .map(|(n, token)| Mixed {
            reader: Reader::new(target, HOT, None),
            // Readers and writers on the same hot editorial: every post
            // makes the page they read stale.
            poster: Poster::new(target, HOT, token.clone(), format!("mix-{n}")),
            turn: n as u32 % 20,
            posting: false,
        })
        .collect();
    row(
        "mix 95/5",
        target,
        tokens.len(),
        drive(address, workers, time).await,
    )
}

/// 64 connections logging in over and over, while others read `/healthz`
/// and the hot page; the rows are what the readers saw during the burst.
pub async fn login_burst(address: &str, accounts: usize, time: Duration) -> Vec<Row> {
    let logins: Vec<Login> = (0..64)
        .map(|n| Login {
            body: serde_json::json!({"email": account_email(n % accounts), "password": PASSWORD})
                .to_string(),
        })
        .collect();
    let health: Vec<Health> = (0..4).map(|_| Health).collect();
    let readers: Vec<Reader> = (0..4)
        .map(|_| Reader::new(Target::Desk, HOT, None))
        .collect();
    let (logins, health, readers) = tokio::join!(
        drive(address, logins, time),
        drive(address, health, time),
        drive(address, readers, time),
    );
    vec![
        row("login burst: logins", Target::Desk, 64, logins),
        row("login burst: /healthz", Target::Desk, 4, health),
        row("login burst: list", Target::Desk, 4, readers),
    ]
}

pub fn row(scenario: &str, target: Target, connections: usize, stats: Stats) -> Row {
    Row {
        scenario: scenario.to_owned(),
        target,
        connections,
        stats,
    }
}
