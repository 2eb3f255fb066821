//! Prometheus metrics on `METRICS_ADDR`, scraped over HTTP and parsed.
//!
//! The `metrics` recorder is global to a process, and this test binary runs
//! many servers at once: counts taken in-process would mix every test's
//! requests. So these tests run the real binary, one process per server,
//! and every count they read is that server's alone.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::time::Duration;

use reqwest::Client;
use serde_json::{Value, json};

use crate::cli::{create_user, run};
use crate::helpers::{DEMO_ARTICLE, PASSWORD, RunningBinary, database_url, start_binary};
use crate::receiver::{Mode, Receiver};

/// One scrape: each series (name and labels) with its value.
#[derive(Debug)]
struct Scrape {
    text: String,
    series: BTreeMap<(String, BTreeMap<String, String>), f64>,
}

impl Scrape {
    /// Reads lines `name{label="value",…} number`; comments and blank lines
    /// are skipped. No label value of ours holds a comma or a quote.
    fn parse(text: String) -> Scrape {
        let mut series = BTreeMap::new();
        for line in text
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let (key, value) = line.rsplit_once(' ').expect("a value after the series");
            let value: f64 = value.parse().unwrap_or_else(|_| panic!("a number: {line}"));
            let (name, labels) = match key.split_once('{') {
                Some((name, rest)) => (name, labels_of(rest.trim_end_matches('}'))),
                None => (key, BTreeMap::new()),
            };
            series.insert((name.to_owned(), labels), value);
        }
        Scrape { text, series }
    }

    /// A series' value; one not shown yet counts as 0.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let labels = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let key = (name.to_owned(), labels);
        self.series.get(&key).copied().unwrap_or(0.0)
    }

    /// Every value any label of any series holds.
    fn label_values(&self) -> HashSet<&str> {
        self.series
            .keys()
            .flat_map(|(_, labels)| labels.values().map(String::as_str))
            .collect()
    }
}

fn labels_of(inside: &str) -> BTreeMap<String, String> {
    inside
        .split(',')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').expect("label=value");
            (key.to_owned(), value.trim_matches('"').to_owned())
        })
        .collect()
}

/// The binary with `METRICS_ADDR` on a free loopback port, and that port's URL.
async fn serve_with_metrics(dir: &Path) -> (RunningBinary, String) {
    serve_with_metrics_and(dir, &[]).await
}

/// As `serve_with_metrics`, with more settings.
async fn serve_with_metrics_and(dir: &Path, more: &[(&str, &str)]) -> (RunningBinary, String) {
    let url = database_url(dir).await;
    let mut env = vec![
        ("DATABASE_URL", url.as_str()),
        ("METRICS_ADDR", "127.0.0.1:0"),
    ];
    env.extend_from_slice(more);
    let server = start_binary(dir, &env).await;
    let metrics = server
        .log
        .lock()
        .unwrap()
        .iter()
        .find_map(|line| {
            let rest = line.split("metrics on ").nth(1)?;
            Some(rest.split_whitespace().next()?.to_owned())
        })
        .expect("the server logs where its metrics are");
    (server, metrics)
}

async fn scrape(client: &Client, url: &str) -> Scrape {
    let response = client.get(url).send().await.expect("scrape");
    assert_eq!(response.status(), 200, "GET {url}");
    let kind = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        kind.starts_with("text/plain"),
        "Prometheus text, got {kind}"
    );
    Scrape::parse(response.text().await.unwrap())
}

/// Scrapes until `ready` holds (gauges are counted every few seconds), at most 10 s.
async fn scrape_until(client: &Client, url: &str, ready: impl Fn(&Scrape) -> bool) -> Scrape {
    let mut now = scrape(client, url).await;
    for _ in 0..100 {
        if ready(&now) {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        now = scrape(client, url).await;
    }
    let ours: Vec<&str> = now.text.lines().filter(|l| !l.starts_with('#')).collect();
    panic!(
        "the metrics never showed what was awaited; last scrape:\n{}",
        ours.join("\n")
    )
}

/// Logs in by password and returns the session token; panics on another status.
async fn login(client: &Client, base: &str, email: &str, password: &str, status: u16) -> String {
    let response = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), status, "login {email}");
    let body: Value = response.json().await.unwrap_or_default();
    body["token"].as_str().unwrap_or_default().to_owned()
}

async fn post(client: &Client, base: &str, token: &str, body: &str) -> u16 {
    client
        .post(format!("{base}/api/v1/articles/{DEMO_ARTICLE}/comments"))
        .bearer_auth(token)
        .json(&json!({"body": body}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// A series' labels, as a case names them.
type Labels<'a> = &'a [(&'a str, &'a str)];

const REQUESTS: &str = "comment_desk_http_requests_total";
const WEBHOOK_DELIVERIES: &str = "comment_desk_webhook_deliveries_total";
const COMMENTS_ROUTE: &str = "/api/v1/articles/{article_id}/comments";

#[tokio::test]
async fn the_counters_move_by_what_the_server_did_and_labels_are_templates() {
    // Arrange: a moderator made by the command line, then the server.
    let dir = tempfile::tempdir().unwrap();
    let made = create_user(dir.path(), "desk@news.example", "moderator", PASSWORD).await;
    assert!(made.status.success(), "user create: {made:?}");
    let (server, metrics) = serve_with_metrics(dir.path()).await;
    let base = server.address.clone();
    let client = Client::new();
    let before = scrape(&client, &metrics).await;

    // Act: one comment of each verdict, a login that works and one that
    // fails, a queue page, the listing twice, two strangers' paths.
    let token = login(&client, &base, "desk@news.example", PASSWORD, 200).await;
    login(
        &client,
        &base,
        "desk@news.example",
        "wrong horse battery",
        401,
    )
    .await;
    let published = post(&client, &base, &token, "조용한 토론을 바랍니다.").await;
    let held = post(&client, &base, &token, "연락 주세요 010-2222-3333").await;
    let refused = post(&client, &base, &token, "what the fuck is this").await;
    assert_eq!(
        (published, held, refused),
        (201, 202, 422),
        "one of each verdict"
    );
    let queue = client
        .get(format!("{base}/api/v1/moderation/queue"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(queue.status(), 200, "the queue page");
    for _ in 0..2 {
        let listing = format!("{base}/api/v1/articles/{DEMO_ARTICLE}/comments");
        assert_eq!(client.get(listing).send().await.unwrap().status(), 200);
    }
    for path in ["/api/v1/comments/12345", "/no/such/path/xyz"] {
        let answer = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(answer.status(), 404, "GET {path}");
    }
    let after = scrape_until(&client, &metrics, |s| {
        s.value("comment_desk_queue_depth", &[("queue", "pending")]) == 1.0
    })
    .await;

    // Assert: each counter moved by exactly what was done.
    let moved = |name: &str, labels: &[(&str, &str)]| {
        after.value(name, labels) - before.value(name, labels)
    };
    let cases: [(&str, Labels, f64); 17] = [
        (
            REQUESTS,
            &[("route", COMMENTS_ROUTE), ("status", "201")],
            1.0,
        ),
        (
            REQUESTS,
            &[("route", COMMENTS_ROUTE), ("status", "202")],
            1.0,
        ),
        (
            REQUESTS,
            &[("route", COMMENTS_ROUTE), ("status", "422")],
            1.0,
        ),
        (
            REQUESTS,
            &[("route", COMMENTS_ROUTE), ("status", "200")],
            2.0,
        ),
        (
            REQUESTS,
            &[("route", "/api/v1/auth/login"), ("status", "200")],
            1.0,
        ),
        (
            REQUESTS,
            &[("route", "/api/v1/auth/login"), ("status", "401")],
            1.0,
        ),
        (
            REQUESTS,
            &[("route", "/api/v1/moderation/queue"), ("status", "200")],
            1.0,
        ),
        (
            REQUESTS,
            &[("route", "/api/v1/comments/{id}"), ("status", "404")],
            1.0,
        ),
        (REQUESTS, &[("route", "unmatched"), ("status", "404")], 1.0),
        (
            "comment_desk_comments_total",
            &[("verdict", "published")],
            1.0,
        ),
        ("comment_desk_comments_total", &[("verdict", "held")], 1.0),
        (
            "comment_desk_comments_total",
            &[("verdict", "refused")],
            1.0,
        ),
        (
            "comment_desk_rule_hits_total",
            &[("rule", "phone_number"), ("action", "hold")],
            1.0,
        ),
        (
            "comment_desk_rule_hits_total",
            &[("rule", "banned_term"), ("action", "refuse")],
            1.0,
        ),
        (
            "comment_desk_logins_total",
            &[("provider", "local"), ("result", "ok")],
            1.0,
        ),
        (
            "comment_desk_logins_total",
            &[("provider", "local"), ("result", "failed")],
            1.0,
        ),
        // Two posts stored (the refused one never reaches the writer).
        ("comment_desk_commit_batch_size_sum", &[], 2.0),
    ];
    for (name, labels, expected) in cases {
        assert_eq!(
            moved(name, labels),
            expected,
            "{name} {labels:?}\n{}",
            after.text
        );
    }
    assert_eq!(
        moved("comment_desk_page_cache_total", &[("outcome", "build")])
            + moved("comment_desk_page_cache_total", &[("outcome", "hit")]),
        2.0,
        "each anonymous listing is one build or one hit"
    );
    assert!(moved("comment_desk_page_cache_total", &[("outcome", "hit")]) >= 1.0);
    assert!(moved("comment_desk_commit_duration_seconds_count", &[]) >= 1.0);
    assert_eq!(
        after.value("comment_desk_queue_depth", &[("queue", "reported")]),
        0.0
    );
    let requests_timed = after.value(
        "comment_desk_http_request_duration_seconds_count",
        &[("route", COMMENTS_ROUTE), ("status", "201")],
    );
    assert_eq!(
        requests_timed, 1.0,
        "the post's latency is in the histogram"
    );
    for raw in ["12345", "xyz", "no/such"] {
        assert!(
            !after.label_values().iter().any(|v| v.contains(raw)),
            "no label holds the raw path part {raw:?}"
        );
    }
}

#[tokio::test]
async fn open_event_streams_are_counted_while_they_last() {
    let dir = tempfile::tempdir().unwrap();
    let made = create_user(dir.path(), "desk@news.example", "moderator", PASSWORD).await;
    assert!(made.status.success(), "user create: {made:?}");
    let (server, metrics) = serve_with_metrics(dir.path()).await;
    let client = Client::new();
    let token = login(&client, &server.address, "desk@news.example", PASSWORD, 200).await;
    const OPEN: &str = "comment_desk_event_streams_open";

    let stream = client
        .get(format!("{}/api/v1/moderation/events", server.address))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200, "the stream opens");
    scrape_until(&client, &metrics, |s| s.value(OPEN, &[]) == 1.0).await;

    drop(stream);
    scrape_until(&client, &metrics, |s| s.value(OPEN, &[]) == 0.0).await;
}

#[tokio::test]
async fn the_public_listener_has_no_metrics_and_without_metrics_addr_nothing_listens() {
    let dir = tempfile::tempdir().unwrap();
    let (with, metrics) = serve_with_metrics(dir.path()).await;
    let client = Client::new();
    let public = client.get(format!("{}/metrics", with.address)).send().await;
    assert_eq!(
        public.unwrap().status(),
        404,
        "/metrics on the public listener"
    );
    let other = client
        .get(metrics.replace("/metrics", "/other"))
        .send()
        .await;
    assert_eq!(
        other.unwrap().status(),
        404,
        "the metrics listener serves /metrics only"
    );
    assert_eq!(
        listening_sockets(&with),
        2,
        "the public listener and METRICS_ADDR"
    );

    let plain_dir = tempfile::tempdir().unwrap();
    let url = database_url(plain_dir.path()).await;
    let plain = start_binary(plain_dir.path(), &[("DATABASE_URL", &url)]).await;
    assert_eq!(listening_sockets(&plain), 1, "the public listener only");
}

#[tokio::test]
async fn a_metrics_addr_in_use_stops_start_up_naming_it() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(dir.path()).await;
    let env = [
        ("DATABASE_URL", url.as_str()),
        ("BIND_ADDR", "127.0.0.1:0"),
        ("METRICS_ADDR", addr.as_str()),
    ];
    let output = run(dir.path(), &["serve"], &env, "").await;
    assert!(!output.status.success(), "start-up must fail");
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains(&format!("METRICS_ADDR {addr}")),
        "stderr: {err}"
    );
}

/// TCP sockets the server's process listens on, read from `/proc`.
fn listening_sockets(server: &RunningBinary) -> usize {
    let pid = server.child.id().expect("the server runs");
    let inodes: HashSet<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter_map(|link| {
            let link = link.to_string_lossy().into_owned();
            let inode = link.strip_prefix("socket:[")?.strip_suffix(']')?;
            Some(inode.to_owned())
        })
        .collect();
    let mut listening = 0;
    for table in ["tcp", "tcp6"] {
        let text = std::fs::read_to_string(format!("/proc/{pid}/net/{table}")).unwrap();
        // Columns: sl, local, remote, state (0A = LISTEN), …, inode (the 10th).
        listening += text
            .lines()
            .skip(1)
            .map(|line| line.split_whitespace().collect::<Vec<_>>())
            .filter(|cols| cols.get(3) == Some(&"0A"))
            .filter(|cols| cols.get(9).is_some_and(|inode| inodes.contains(*inode)))
            .count();
    }
    listening
}

#[tokio::test]
async fn webhook_deliveries_lag_and_hook_fallbacks_are_counted() {
    let receiver = Receiver::start(Mode::Down).await;
    // A port nothing listens on: each classifier call is refused.
    let nobody = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let classifier = format!("http://{}/classify", nobody.local_addr().unwrap());
    drop(nobody);
    let dir = tempfile::tempdir().unwrap();
    let made = create_user(dir.path(), "ops@news.example", "reader", PASSWORD).await;
    assert!(made.status.success(), "user create: {made:?}");
    let more = [
        ("WEBHOOK_URLS", receiver.url.as_str()),
        ("WEBHOOK_SECRET", "whsec_metrics"),
        ("WEBHOOK_RETRY_FIRST", "1s"),
        ("WEBHOOK_RETRY_MAX", "2s"),
        ("MODERATION_HOOK_URL", classifier.as_str()),
        ("MODERATION_HOOK_SECRET", "hook"),
        ("RATE_LIMITS", "off"),
    ];
    let (server, metrics) = serve_with_metrics_and(dir.path(), &more).await;
    let (client, base) = (Client::new(), server.address.clone());
    let token = login(&client, &base, "ops@news.example", PASSWORD, 200).await;

    for n in 0..3 {
        let status = post(
            &client,
            &base,
            &token,
            &format!("지표 시험 {n}번 의견입니다"),
        )
        .await;
        assert_eq!(status, 201, "the fallback keeps our verdict");
    }
    let down = scrape_until(&client, &metrics, |s| {
        s.value(WEBHOOK_DELIVERIES, &[("outcome", "failed")]) >= 3.0
            && s.value("comment_desk_webhook_lag_seconds", &[]) > 0.0
    })
    .await;
    let fallbacks = "comment_desk_moderation_hook_fallbacks_total";
    assert_eq!(down.value(fallbacks, &[("reason", "connect")]), 3.0);
    assert_eq!(
        down.value(WEBHOOK_DELIVERIES, &[("outcome", "delivered")]),
        0.0
    );

    receiver.set(Mode::Accept);
    let up = scrape_until(&client, &metrics, |s| {
        s.value(WEBHOOK_DELIVERIES, &[("outcome", "delivered")]) == 3.0
            && s.value("comment_desk_webhook_lag_seconds", &[]) == 0.0
    })
    .await;
    assert_eq!(up.value("comment_desk_webhook_attempts_count", &[]), 3.0);
    assert!(
        up.value("comment_desk_webhook_attempts_sum", &[]) > 3.0,
        "each delivered event took more than one attempt"
    );
    assert_eq!(receiver.accepted().len(), 3);
}
