//! The Comment Desk server under test: the release binary on a free port,
//! over a fresh database in a temporary folder, with the defaults a newsroom
//! runs (full sync, auth, the whole policy) but rate limits off.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::process::{Child, Command};

use crate::http::{Conn, request};

/// Settings every server of this run gets on top of the bench's own
/// (`--server-env`), such as `METRICS_ADDR` to measure what metrics cost.
static EXTRA_ENV: std::sync::OnceLock<Vec<(String, String)>> = std::sync::OnceLock::new();

/// Sets the extra settings once, before the first server starts.
pub fn set_extra_env(env: Vec<(String, String)>) {
    let _ = EXTRA_ENV.set(env);
}

pub struct Server {
    child: Child,
    pub address: String,
}

impl Server {
    /// Starts `binary` on `database` (created and migrated if missing).
    pub async fn start(binary: &Path, database: &Path) -> anyhow::Result<Server> {
        let port = free_port()?;
        let address = format!("127.0.0.1:{port}");
        let child = Command::new(binary)
            .arg("serve")
            .env("DATABASE_URL", format!("sqlite://{}", database.display()))
            .env("BIND_ADDR", &address)
            .env("RATE_LIMITS", "off")
            .env("COOKIE_SECURE", "false")
            .env("RUST_LOG", "warn")
            .env("NO_COLOR", "1")
            .envs(EXTRA_ENV.get().into_iter().flatten().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let server = Server { child, address };
        server.wait_ready().await?;
        Ok(server)
    }

    async fn wait_ready(&self) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(mut conn) = Conn::open(&self.address).await
                && let Ok(answer) = conn.send(&request("GET", "/readyz", "", None)).await
                && answer.status == 200
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("the server did not get ready on {}", self.address)
    }

    /// Resident memory now and at its peak, in MiB, from /proc.
    pub fn memory_mib(&self) -> Option<(f64, f64)> {
        let pid = self.child.id()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let field = |name: &str| -> Option<f64> {
            let line = status.lines().find(|l| l.starts_with(name))?;
            let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kib / 1024.0)
        };
        Some((field("VmRSS:")?, field("VmHWM:")?))
    }

    /// Stops the server the way an operator does (SIGTERM) and waits.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(pid) = self.child.id() {
            Command::new("kill").arg(pid.to_string()).status().await?;
        }
        tokio::time::timeout(Duration::from_secs(20), self.child.wait())
            .await
            .context("the server did not stop within 20 s")??;
        Ok(())
    }
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}
