//! `bench`: starts Comment Desk on a fresh database, creates accounts and
//! comments, drives load over loopback for a bounded time per scenario, and
//! reports requests per second and p50/p99/p99.9 latency as a table and as
//! JSON, with the targets of the performance issue met or not. With `--isso`
//! it runs the listing and posting scenarios against an Isso server as well.
//!
//!     cargo run --release -p bench -- [--scenarios list,post,...] [--seconds 10]

mod best;
mod big;
mod http;
mod load;
mod report;
mod scenarios;
mod server;
mod target;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;

use scenarios::{HOT, Row};
use server::Server;
use target::{Target, seed};

const ALL: &str = "list,post,mix,login-burst,react,big,best";

#[derive(Parser)]
#[command(about = "Load benchmark for Comment Desk")]
struct Args {
    /// Comma-separated: list, post, mix, login-burst, react, big, best.
    #[arg(long, default_value = ALL)]
    scenarios: String,
    /// Seconds each scenario runs.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Connections reading in `list`.
    #[arg(long, default_value_t = 64)]
    readers: usize,
    /// Connections (one author each) in `post` and `react`; `mix` uses `--readers`.
    #[arg(long, default_value_t = 256)]
    posters: usize,
    /// The server binary.
    #[arg(long, default_value = "target/release/comment-desk")]
    binary: PathBuf,
    /// Also run `list` and `post` against the Isso server at this address.
    #[arg(long)]
    isso: Option<String>,
    /// Write the report as JSON here too.
    #[arg(long)]
    json: Option<PathBuf>,
    /// `NAME=VALUE` set on every server started (repeatable), e.g. `METRICS_ADDR=127.0.0.1:9100`.
    #[arg(long = "server-env", value_parser = name_and_value)]
    server_env: Vec<(String, String)>,
}

fn name_and_value(pair: &str) -> Result<(String, String), String> {
    let (name, value) = pair.split_once('=').ok_or("expected NAME=VALUE")?;
    Ok((name.to_owned(), value.to_owned()))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    server::set_extra_env(args.server_env.clone());
    let wanted: Vec<&str> = args.scenarios.split(',').map(str::trim).collect();
    if let Some(unknown) = wanted.iter().find(|s| !ALL.split(',').any(|a| a == **s)) {
        bail!("unknown scenario {unknown:?}; choose from {ALL}");
    }
    if !args.binary.exists() {
        bail!(
            "{} is missing: run `cargo build --release` first (scripts/bench does)",
            args.binary.display()
        );
    }
    let time = Duration::from_secs(args.seconds);
    let dir = tempfile::tempdir().context("temporary folder")?;
    let mut rows = Vec::new();
    let mut memory = None;

    let on_own_database = ["big", "best"];
    let desk_scenarios: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|s| !on_own_database.contains(s))
        .collect();
    if !desk_scenarios.is_empty() {
        rows.extend(run_desk(&args, &desk_scenarios, &dir.path().join("bench.db"), time).await?);
    }
    if let Some(address) = &args.isso {
        rows.extend(run_isso(&args, &wanted, address, time).await?);
    }
    if wanted.contains(&"big") {
        let big = big::run(&args.binary, dir.path(), time).await?;
        rows.extend(big.rows);
        memory = big.memory_mib;
    }
    let mut best_memory = None;
    if wanted.contains(&"best") {
        let best = best::run(&args.binary, dir.path(), time).await?;
        rows.extend(best.rows);
        best_memory = best.memory_mib;
    }

    println!(
        "\nComment Desk benchmark on {}; the load generator shares those cores.\n",
        report::machine()
    );
    report::print_rows(&rows);
    let checks = report::checks(&rows, memory, best_memory);
    report::print_checks(&checks);
    if let Some((now, peak)) = memory {
        println!(
            "\nserver memory with 1,000,000 comments: {now:.1} MiB resident, {peak:.1} MiB peak"
        );
    }
    println!();
    let ratios = report::print_ratios(&rows);
    if let Some(path) = &args.json {
        let json = report::to_json(&rows, &checks, memory, best_memory, ratios);
        if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder)?;
        }
        std::fs::write(path, serde_json::to_string_pretty(&json)?)?;
        println!("JSON written to {}", path.display());
    }
    Ok(())
}

async fn run_desk(
    args: &Args,
    wanted: &[&str],
    database: &std::path::Path,
    time: Duration,
) -> anyhow::Result<Vec<Row>> {
    let desk = Target::Desk;
    let server = Server::start(&args.binary, database).await?;
    let address = server.address.clone();
    eprintln!(
        "bench: Comment Desk on {address}; creating {} accounts…",
        args.posters
    );
    let tokens = desk
        .posters(&address, args.posters.max(args.readers))
        .await?;
    let seeded = seed(desk, &address, HOT, &tokens, 200).await?;
    let mut rows = Vec::new();
    for scenario in wanted {
        eprintln!("bench: {scenario}…");
        match *scenario {
            "list" => rows.push(scenarios::list(desk, &address, args.readers, time).await),
            "post" => {
                rows.push(scenarios::post(desk, &address, &tokens[..args.posters], time).await)
            }
            "mix" => rows.push(scenarios::mix(&address, &tokens[..args.readers], time).await),
            "login-burst" => {
                rows.extend(scenarios::login_burst(&address, tokens.len(), time).await)
            }
            "react" => {
                rows.push(scenarios::react(&address, &tokens[..args.posters], &seeded, time).await)
            }
            _ => {}
        }
    }
    server.stop().await?;
    Ok(rows)
}

async fn run_isso(
    args: &Args,
    wanted: &[&str],
    address: &str,
    time: Duration,
) -> anyhow::Result<Vec<Row>> {
    let isso = Target::Isso;
    eprintln!("bench: Isso on {address}; seeding…");
    let tokens = isso.posters(address, args.posters).await?;
    seed(isso, address, HOT, &tokens, 200).await?;
    let mut rows = Vec::new();
    for scenario in wanted {
        match *scenario {
            "list" => rows.push(scenarios::list(isso, address, args.readers, time).await),
            "post" => rows.push(scenarios::post(isso, address, &tokens, time).await),
            _ => {}
        }
    }
    Ok(rows)
}
