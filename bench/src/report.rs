//! The report: a table of every row, the targets met or not, and the same as JSON.

use serde_json::{Value, json};

use crate::best::{self, Readers};
use crate::scenarios::Row;
use crate::target::Target;

pub struct Check {
    pub goal: String,
    pub measured: String,
    pub met: bool,
}

pub fn print_rows(rows: &[Row]) {
    println!(
        "{:<42} {:<13} {:>5} {:>10} {:>8} {:>8} {:>8} {:>7} {:>6}",
        "scenario", "server", "conns", "req/s", "p50 ms", "p99 ms", "p99.9", "errors", "304s"
    );
    for r in rows {
        let s = &r.stats;
        println!(
            "{:<42} {:<13} {:>5} {:>10.0} {:>8.2} {:>8.2} {:>8.2} {:>7} {:>6}",
            r.scenario,
            r.target.name(),
            r.connections,
            s.per_second(),
            s.quantile_ms(0.5),
            s.quantile_ms(0.99),
            s.quantile_ms(0.999),
            s.errors,
            s.not_modified
        );
        if let Some(error) = &s.first_error {
            println!("    first error: {error}");
        }
    }
}

pub fn print_checks(checks: &[Check]) {
    println!();
    println!("{:<58} {:<28} result", "target", "measured");
    for c in checks {
        let result = if c.met { "met" } else { "NOT MET" };
        println!("{:<58} {:<28} {result}", c.goal, c.measured);
    }
}

pub fn find<'a>(rows: &'a [Row], scenario: &str, target: Target) -> Option<&'a Row> {
    rows.iter()
        .find(|r| r.scenario == scenario && r.target == target)
}

/// The targets of the performance and hardening issues, from the rows there are.
pub fn checks(
    rows: &[Row],
    memory_mib: Option<(f64, f64)>,
    best_memory_mib: Option<(f64, f64)>,
) -> Vec<Check> {
    let desk = Target::Desk;
    let mut checks = Vec::new();
    if let Some(r) = find(rows, "list", desk) {
        let (rps, p99) = (r.stats.per_second(), r.stats.quantile_ms(0.99));
        checks.push(Check {
            goal: "list: >= 50,000 req/s, p99 < 5 ms at 64 connections".into(),
            measured: format!("{rps:.0}/s, p99 {p99:.2} ms"),
            met: rps >= 50_000.0 && p99 < 5.0 && r.stats.errors == 0,
        });
    }
    if let Some(r) = find(rows, "post", desk) {
        let rps = r.stats.per_second();
        checks.push(Check {
            goal: "post (synchronous=FULL): >= 10,000 comments/s".into(),
            measured: format!("{rps:.0}/s"),
            met: rps >= 10_000.0 && r.stats.errors == 0,
        });
    }
    if let Some(r) = find(rows, "mix 95/5", desk) {
        let rps = r.stats.per_second();
        checks.push(Check {
            goal: "mix 95/5: >= 40,000 req/s".into(),
            measured: format!("{rps:.0}/s"),
            met: rps >= 40_000.0 && r.stats.errors == 0,
        });
    }
    if let Some(r) = find(rows, "react", desk) {
        let rps = r.stats.per_second();
        checks.push(Check {
            goal: "react (synchronous=FULL): >= 10,000 reactions/s".into(),
            measured: format!("{rps:.0}/s"),
            met: rps >= 10_000.0 && r.stats.errors == 0,
        });
    }
    if let Some(r) = find(rows, "login burst: /healthz", desk) {
        let p99 = r.stats.quantile_ms(0.99);
        checks.push(Check {
            goal: "/healthz p99 < 50 ms during 64 concurrent logins".into(),
            measured: format!("p99 {p99:.2} ms"),
            met: p99 < 50.0 && r.stats.errors == 0,
        });
    }
    for who in ["anonymous", "logged in"] {
        let small = find(rows, &format!("first page of 100 comments, {who}"), desk);
        let big = find(
            rows,
            &format!("first page of 1,000,000 comments, {who}"),
            desk,
        );
        if let (Some(small), Some(big)) = (small, big) {
            // Two runs on a shared machine differ by noise; 80% allows for it.
            let ratio = big.stats.per_second() / small.stats.per_second().max(1.0);
            checks.push(Check {
                goal: format!("1,000,000-comment first page as fast as 100 ({who})"),
                measured: format!("{:.0}% of the rate", ratio * 100.0),
                met: ratio >= 0.8 && big.stats.errors == 0,
            });
        }
    }
    for readers in [Readers::Full, Readers::Returning, Readers::Reacted] {
        let newest = find(rows, &best::row_name("newest", readers), desk);
        let best = find(rows, &best::row_name("best", readers), desk);
        if let (Some(newest), Some(best)) = (newest, best) {
            let ratio = best.stats.per_second() / newest.stats.per_second().max(1.0);
            let answers = match readers {
                Readers::Full => "full answers",
                Readers::Returning => "304s",
                Readers::Reacted => "logged in",
            };
            checks.push(Check {
                goal: format!("10M reactions: best page >= 80% of newest, {answers}"),
                measured: format!("{:.0}% of the rate", ratio * 100.0),
                met: ratio >= 0.8 && best.stats.errors == 0 && newest.stats.errors == 0,
            });
        }
    }
    let memory = [
        (memory_mib, "1,000,000 comments"),
        (best_memory_mib, "1,000,000 comments, 10M reactions"),
    ];
    for (measured, stored) in memory {
        if let Some((_, peak)) = measured {
            checks.push(Check {
                goal: format!("resident memory < 100 MB with {stored}"),
                measured: format!("peak {peak:.1} MiB"),
                met: peak < 100.0 * 1_000_000.0 / 1_048_576.0,
            });
        }
    }
    checks
}

/// Comment Desk over Isso, for each scenario both ran.
pub fn print_ratios(rows: &[Row]) -> Vec<Value> {
    let mut ratios = Vec::new();
    for scenario in ["list", "post"] {
        let (Some(desk), Some(isso)) = (
            find(rows, scenario, Target::Desk),
            find(rows, scenario, Target::Isso),
        ) else {
            continue;
        };
        let ratio = desk.stats.per_second() / isso.stats.per_second().max(1e-9);
        println!(
            "{scenario}: Comment Desk {:.0}/s, Isso {:.0}/s: {ratio:.1} times",
            desk.stats.per_second(),
            isso.stats.per_second()
        );
        ratios.push(
            json!({"scenario": scenario, "comment_desk": desk.stats.per_second(),
            "isso": isso.stats.per_second(), "ratio": ratio}),
        );
    }
    ratios
}

pub fn to_json(
    rows: &[Row],
    checks: &[Check],
    memory: Option<(f64, f64)>,
    best_memory: Option<(f64, f64)>,
    ratios: Vec<Value>,
) -> Value {
    let rows: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "scenario": r.scenario, "server": r.target.name(), "connections": r.connections,
                "requests": r.stats.requests, "seconds": r.stats.seconds,
                "requests_per_second": r.stats.per_second(),
                "p50_ms": r.stats.quantile_ms(0.5), "p99_ms": r.stats.quantile_ms(0.99),
                "p99_9_ms": r.stats.quantile_ms(0.999), "errors": r.stats.errors,
                "not_modified": r.stats.not_modified, "first_error": r.stats.first_error,
            })
        })
        .collect();
    let checks: Vec<Value> = checks
        .iter()
        .map(|c| json!({"target": c.goal, "measured": c.measured, "met": c.met}))
        .collect();
    json!({
        "machine": machine(),
        "rows": rows,
        "targets": checks,
        "memory_mib": memory.map(|(now, peak)| json!({"resident": now, "peak": peak})),
        "memory_mib_with_reactions":
            best_memory.map(|(now, peak)| json!({"resident": now, "peak": peak})),
        "isso_ratios": ratios,
    })
}

/// The CPU model and core count, so a table says what it ran on.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("unknown CPU", str::trim)
        .to_owned();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} cores, {model}")
}
