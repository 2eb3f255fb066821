//! A real HTTP receiver for the webhook tests: a small server on 127.0.0.1
//! that records every request and answers as it is told (accept, fail, hang,
//! drop the connection, redirect, a huge body, or a slow trickle).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone)]
pub enum Mode {
    Accept,
    Fail(u16),
    /// Reads the request and never answers.
    Hang,
    /// Closes the connection without answering: the endpoint is down.
    Down,
    Redirect(String),
    /// 200 with a body of this many bytes.
    Huge(usize),
    /// 200, one byte of body every 200 ms, for ever.
    Trickle,
}

#[derive(Debug, Clone)]
pub struct Received {
    pub signature: String,
    pub body: String,
    pub json: Value,
    /// Answered with 2xx, so the sender counts it delivered.
    pub accepted: bool,
}

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    mode: Arc<Mutex<Mode>>,
    seen: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub async fn start(mode: Mode) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let receiver = Receiver {
            url,
            mode: Arc::new(Mutex::new(mode)),
            seen: Arc::default(),
        };
        let serving = receiver.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serving.clone().answer(stream));
            }
        });
        receiver
    }

    pub fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    /// Every request so far, accepted or not.
    pub fn all(&self) -> Vec<Received> {
        self.seen.lock().unwrap().clone()
    }

    /// The requests answered with 2xx.
    pub fn accepted(&self) -> Vec<Received> {
        self.all().into_iter().filter(|r| r.accepted).collect()
    }

    /// Waits until `count` requests were accepted, or panics after `within`.
    pub async fn wait_accepted(&self, count: usize, within: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let accepted = self.accepted();
            if accepted.len() >= count {
                return accepted;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{} of {count} webhooks accepted: {:?}",
                accepted.len(),
                accepted
                    .iter()
                    .map(|r| r.json["type"].clone())
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn answer(self, mut stream: TcpStream) {
        let Some((head, body)) = read_request(&mut stream).await else {
            return;
        };
        let mode = self.mode.lock().unwrap().clone();
        let signature = head
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("comment-desk-signature")
                    .then(|| value.trim().to_owned())
            })
            .unwrap_or_default();
        let accepted = matches!(mode, Mode::Accept | Mode::Huge(_));
        self.seen.lock().unwrap().push(Received {
            signature,
            json: serde_json::from_str(&body).unwrap_or(Value::Null),
            body,
            accepted,
        });
        let reply = match mode {
            Mode::Accept => {
                "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok".into()
            }
            Mode::Fail(status) => format!(
                "HTTP/1.1 {status} Nope\r\ncontent-length: 4\r\nconnection: close\r\n\r\nnope"
            ),
            Mode::Redirect(to) => format!(
                "HTTP/1.1 307 Temporary Redirect\r\nlocation: {to}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            ),
            Mode::Huge(size) => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {size}\r\nconnection: close\r\n\r\n"
                );
                let _ = stream.write_all(head.as_bytes()).await;
                let chunk = vec![b'x'; 64 * 1024];
                let mut left = size;
                while left > 0 {
                    let n = left.min(chunk.len());
                    if stream.write_all(&chunk[..n]).await.is_err() {
                        return;
                    }
                    left -= n;
                }
                return;
            }
            Mode::Trickle => {
                let _ = stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n")
                    .await;
                while stream.write_all(b"x").await.is_ok() {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                return;
            }
            Mode::Hang => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return;
            }
            Mode::Down => return,
        };
        let _ = stream.write_all(reply.as_bytes()).await;
        let _ = stream.shutdown().await;
    }
}

/// The head and the body (by content-length) of one request.
async fn read_request(stream: &mut TcpStream) -> Option<(String, String)> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buffer[head_end..head_end + length]).into_owned();
    Some((head, body))
}

/// Whether `header` carries a `v1=` that is HMAC-SHA256 of `"<t>.<body>"`
/// under `secret`: what a newsroom's receiver checks.
pub fn signed_with(header: &str, body: &str, secret: &str) -> bool {
    let Some(t) = header.split(',').find_map(|p| p.strip_prefix("t=")) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    let expected = hex::encode(mac.finalize().into_bytes());
    header
        .split(',')
        .filter_map(|p| p.strip_prefix("v1="))
        .any(|v| v == expected)
}
