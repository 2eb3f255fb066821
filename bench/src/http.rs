//! A minimal HTTP/1.1 client over one keep-alive connection: it writes a
//! prepared request and reads the status, the ETag and a `Content-Length`
//! body. Enough for load generation, and cheap enough that on a shared
//! 2-core machine the load generator is not what is measured.

use anyhow::{Context, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub struct Answer {
    pub status: u16,
    pub etag: Option<String>,
    pub body: Vec<u8>,
}

pub struct Conn {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Conn {
    pub async fn open(address: &str) -> anyhow::Result<Conn> {
        let stream = TcpStream::connect(address)
            .await
            .with_context(|| format!("cannot connect to {address}"))?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            buffer: Vec::with_capacity(16 * 1024),
        })
    }

    pub async fn send(&mut self, request: &[u8]) -> anyhow::Result<Answer> {
        self.stream.write_all(request).await?;
        let head_end = loop {
            if let Some(end) = find(&self.buffer, b"\r\n\r\n") {
                break end + 4;
            }
            self.fill().await?;
        };
        let head = std::str::from_utf8(&self.buffer[..head_end]).context("response head")?;
        let status: u16 = head
            .get(9..12)
            .and_then(|code| code.parse().ok())
            .context("status line")?;
        let mut length = 0;
        let mut etag = None;
        for line in head.split("\r\n").skip(1) {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse().context("content-length")?;
            } else if name.eq_ignore_ascii_case("etag") {
                etag = Some(value.to_owned());
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                bail!("chunked answers are not supported by the load generator");
            }
        }
        while self.buffer.len() < head_end + length {
            self.fill().await?;
        }
        let body = self.buffer[head_end..head_end + length].to_vec();
        self.buffer.drain(..head_end + length);
        Ok(Answer { status, etag, body })
    }

    async fn fill(&mut self) -> anyhow::Result<()> {
        let mut chunk = [0u8; 16 * 1024];
        let read = self.stream.read(&mut chunk).await?;
        if read == 0 {
            bail!("the server closed the connection");
        }
        self.buffer.extend_from_slice(&chunk[..read]);
        Ok(())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A request's bytes. `extra` holds whole header lines, each ending in CRLF.
pub fn request(method: &str, path: &str, extra: &str, body: Option<&str>) -> Vec<u8> {
    let mut text = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}");
    if let Some(body) = body {
        text.push_str("Content-Type: application/json\r\n");
        text.push_str(&format!("Content-Length: {}\r\n", body.len()));
        text.push_str("\r\n");
        text.push_str(body);
    } else {
        text.push_str("\r\n");
    }
    text.into_bytes()
}
