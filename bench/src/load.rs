//! Drives keep-alive connections for a fixed time and records every latency.

use std::time::{Duration, Instant};

use crate::http::{Answer, Conn};

/// What one connection sends, and how it judges the answers.
pub trait Worker: Send + 'static {
    fn next(&mut self) -> Vec<u8>;
    /// True when the answer is a success; may keep state (an ETag, say).
    fn check(&mut self, answer: &Answer) -> bool;
}

#[derive(Debug, Default)]
pub struct Stats {
    pub requests: u64,
    pub errors: u64,
    pub not_modified: u64,
    pub seconds: f64,
    /// Microseconds, sorted once the run is over.
    pub latencies: Vec<u32>,
    pub first_error: Option<String>,
}

impl Stats {
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.seconds.max(1e-9)
    }

    /// The latency at `q` (0.5, 0.99 …) in milliseconds.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.latencies.is_empty() {
            return 0.0;
        }
        let rank = ((self.latencies.len() as f64 - 1.0) * q).round() as usize;
        f64::from(self.latencies[rank]) / 1000.0
    }

    /// Adds a later run of the same kind: its requests and its time.
    pub fn append(&mut self, other: Stats) {
        self.seconds += other.seconds;
        self.merge(other);
        self.latencies.sort_unstable();
    }

    fn merge(&mut self, other: Stats) {
        self.requests += other.requests;
        self.errors += other.errors;
        self.not_modified += other.not_modified;
        self.latencies.extend(other.latencies);
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

/// Runs each worker on its own connection to `address` for `duration`.
pub async fn drive<W: Worker>(address: &str, workers: Vec<W>, duration: Duration) -> Stats {
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for worker in workers {
        let address = address.to_owned();
        tasks.push(tokio::spawn(run_one(address, worker, deadline)));
    }
    let mut total = Stats::default();
    for task in tasks {
        match task.await {
            Ok(stats) => total.merge(stats),
            Err(error) => {
                total.errors += 1;
                total.first_error.get_or_insert(error.to_string());
            }
        }
    }
    total.seconds = started.elapsed().as_secs_f64();
    total.latencies.sort_unstable();
    total
}

async fn run_one<W: Worker>(address: String, mut worker: W, deadline: Instant) -> Stats {
    let mut stats = Stats::default();
    let mut conn = None;
    while Instant::now() < deadline {
        if conn.is_none() {
            match Conn::open(&address).await {
                Ok(opened) => conn = Some(opened),
                Err(error) => {
                    note_error(&mut stats, error.to_string());
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            }
        }
        let Some(open) = conn.as_mut() else { continue };
        let request = worker.next();
        let sent = Instant::now();
        let answer = open.send(&request).await;
        let micros = sent.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
        stats.requests += 1;
        stats.latencies.push(micros);
        match answer {
            Ok(answer) => {
                if answer.status == 304 {
                    stats.not_modified += 1;
                }
                if !worker.check(&answer) {
                    let body = String::from_utf8_lossy(&answer.body);
                    let shown: String = body.chars().take(200).collect();
                    note_error(&mut stats, format!("status {}: {shown}", answer.status));
                }
            }
            Err(error) => {
                note_error(&mut stats, error.to_string());
                conn = None;
            }
        }
    }
    stats
}

fn note_error(stats: &mut Stats, error: String) {
    stats.errors += 1;
    stats.first_error.get_or_insert(error);
}
