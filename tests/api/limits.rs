//! Limits on what a stranger may send: rate limits on registering, reporting
//! and dry runs, the client address behind trusted proxies, oversized heads,
//! slow clients and the connection cap.

use std::time::Duration;

use comment_desk::config::Settings;
use comment_desk::domain::ids::AccountId;
use comment_desk::domain::policy::FloodLimit;
use reqwest::Response;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{DEMO_ARTICLE, PASSWORD, TestApp, assert_problem};

fn per_hour(count: u32) -> FloodLimit {
    FloodLimit {
        count,
        per: Duration::from_secs(3600),
    }
}

async fn register_from(app: &TestApp, n: usize, forwarded_for: Option<&str>) -> Response {
    let mut request = app
        .client
        .post(app.url("/api/v1/auth/register"))
        .json(&json!({
            "email": format!("limit{n}@news.example"),
            "display_name": format!("독자{n}"),
            "password": PASSWORD,
        }));
    if let Some(address) = forwarded_for {
        request = request.header("x-forwarded-for", address);
    }
    request.send().await.unwrap()
}

/// Asserts a 429 with a `Retry-After` in seconds and a problem body.
async fn assert_rate_limited(response: Response, what: &str) {
    let retry_after: u64 = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{what}: Retry-After in seconds"));
    assert!(retry_after > 0, "{what}: Retry-After {retry_after}");
    assert_problem(response, 429, "rate_limited").await;
}

#[tokio::test]
async fn registering_is_limited_per_client_address() {
    let app = TestApp::spawn_with(|s| {
        s.rate_limits = true;
        s.register_limit = per_hour(2);
    })
    .await;
    for n in 0..2 {
        assert_eq!(
            register_from(&app, n, None).await.status(),
            201,
            "account {n}"
        );
    }

    let refused = register_from(&app, 2, None).await;

    assert_rate_limited(refused, "the third account from one address").await;
    // Without trusted proxies a forged X-Forwarded-For changes nothing.
    let forged = register_from(&app, 3, Some("203.0.113.9")).await;
    assert_rate_limited(forged, "a forged X-Forwarded-For").await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_address_counts() {
    let app = TestApp::spawn_with(|s| {
        s.rate_limits = true;
        s.register_limit = per_hour(1);
        s.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;

    let first = register_from(&app, 0, Some("203.0.113.7")).await;
    let other_client = register_from(&app, 1, Some("203.0.113.8")).await;
    let forged_left = register_from(&app, 2, Some("198.51.100.1, 203.0.113.7")).await;

    assert_eq!(first.status(), 201);
    assert_eq!(
        other_client.status(),
        201,
        "another client behind the proxy"
    );
    assert_rate_limited(forged_left, "the rightmost untrusted entry is the client").await;
}

#[tokio::test]
async fn an_ipv6_client_is_counted_by_its_64_bit_network() {
    let app = TestApp::spawn_with(|s| {
        s.rate_limits = true;
        s.register_limit = per_hour(1);
        s.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;

    let first = register_from(&app, 0, Some("2001:db8:1:2::1")).await;
    let same_network = register_from(&app, 1, Some("2001:db8:1:2:ffff:ffff:ffff:fffe")).await;
    let next_network = register_from(&app, 2, Some("2001:db8:1:3::1")).await;
    let v4 = register_from(&app, 3, Some("203.0.113.7")).await;
    let v4_mapped = register_from(&app, 4, Some("::ffff:203.0.113.7")).await;

    assert_eq!(first.status(), 201);
    assert_rate_limited(same_network, "another address in the same /64").await;
    assert_eq!(next_network.status(), 201, "the next /64 has its own count");
    assert_eq!(v4.status(), 201);
    assert_rate_limited(v4_mapped, "an IPv4 address written as IPv6").await;
}

#[tokio::test]
async fn one_address_registers_a_few_at_once_and_the_rest_in_time() {
    // A carrier's NAT can sign up a busy night's readers, spread over the
    // hour; one machine behind it cannot make them all in a minute.
    let app = TestApp::spawn_with(|s| {
        s.rate_limits = true;
        s.register_limit = per_hour(60);
    })
    .await;
    let burst = Settings::from_lookup(|_| None).unwrap().register_burst as usize;
    for n in 0..burst {
        let response = register_from(&app, n, None).await;
        assert_eq!(response.status(), 201, "account {n} of the burst");
    }

    let next = register_from(&app, burst, None).await;

    assert_rate_limited(next, "past the burst").await;
}

#[tokio::test]
async fn reports_are_limited_per_account() {
    let app = TestApp::spawn_with(|s| {
        s.rate_limits = true;
        s.report_limit = per_hour(1);
    })
    .await;
    let reporter = app.reader().await;
    let mut ids = Vec::new();
    // Two authors: one author's second comment would wait out the quota's interval.
    for text in ["첫 번째 의견입니다", "두 번째 의견입니다"] {
        let author = app.reader().await;
        let posted = app.published(&author, DEMO_ARTICLE, text).await;
        ids.push(posted["id"].as_str().unwrap().to_owned());
    }
    let spam = json!({"reason": "spam"});
    let path = |id: &str| format!("/api/v1/comments/{id}/reports");

    let first = app.post_as(&reporter, &path(&ids[0]), &spam).await;
    let second = app.post_as(&reporter, &path(&ids[1]), &spam).await;

    assert_eq!(first.status(), 202);
    assert_rate_limited(second, "the second report in the hour").await;
}

#[tokio::test]
async fn dry_runs_are_limited_per_client_address() {
    let app = TestApp::spawn_with(|s| {
        s.rate_limits = true;
        s.validate_limit = per_hour(2);
    })
    .await;
    let body = json!({"body": "안녕하세요"});
    for n in 0..2 {
        let answer = app.post_json("/api/v1/comments/validate", &body).await;
        assert_eq!(answer.status(), 200, "dry run {n}");
    }

    let third = app.post_json("/api/v1/comments/validate", &body).await;

    assert_rate_limited(third, "the third dry run").await;
}

#[tokio::test]
async fn oversized_targets_and_headers_are_refused_and_the_server_goes_on() {
    let app = TestApp::spawn().await;
    let long_path = format!("/api/v1/articles/{}", "a".repeat(10_000));
    let big_header = "x".repeat(20_000);

    let uri = app.get(&long_path).await;
    let headers = app
        .client
        .get(app.url("/healthz"))
        .header("x-filler", big_header)
        .send()
        .await
        .unwrap();

    assert_problem(uri, 414, "uri_too_long").await;
    assert_problem(headers, 431, "headers_too_large").await;
    assert_eq!(app.get("/healthz").await.status(), 200);
}

fn port_of(app: &TestApp) -> u16 {
    app.address.rsplit(':').next().unwrap().parse().unwrap()
}

/// Reads what the server sends until it closes or `wait` passes.
async fn read_answer(stream: &mut TcpStream, wait: Duration) -> String {
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(wait, stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_client_that_trickles_its_head_or_body_is_cut_off() {
    let app = TestApp::spawn_with(|s| s.client_timeout = Duration::from_secs(1)).await;
    let port = port_of(&app);

    let mut slow_head = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    slow_head
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut slow_body = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    slow_body
        .write_all(
            b"POST /api/v1/comments/validate HTTP/1.1\r\nHost: x\r\n\
              Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"body\":",
        )
        .await
        .unwrap();

    let head_answer = read_answer(&mut slow_head, Duration::from_secs(5)).await;
    let body_answer = read_answer(&mut slow_body, Duration::from_secs(5)).await;

    assert!(
        head_answer.is_empty() || head_answer.starts_with("HTTP/1.1 408"),
        "a slow head is closed or answered 408: {head_answer:?}"
    );
    assert!(
        body_answer.starts_with("HTTP/1.1 408") && body_answer.contains("request_timeout"),
        "a slow body is answered 408 request_timeout: {body_answer:?}"
    );
    assert_eq!(app.get("/healthz").await.status(), 200);
}

async fn healthz_over(stream: &mut TcpStream) -> bool {
    let request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    if stream.write_all(request).await.is_err() {
        return false;
    }
    let mut buffer = [0u8; 1024];
    matches!(stream.read(&mut buffer).await, Ok(n) if buffer[..n].starts_with(b"HTTP/1.1 200"))
}

#[tokio::test]
async fn connections_past_the_cap_wait_until_one_closes() {
    let app = TestApp::spawn_with(|s| s.max_connections = 1).await;
    let port = port_of(&app);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    // The cap is shared out per worker, at least one each.
    let mut held = Vec::new();
    for n in 0..workers {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        assert!(healthz_over(&mut stream).await, "connection {n} is served");
        held.push(stream);
    }

    let mut extra = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let waited = tokio::time::timeout(Duration::from_millis(700), healthz_over(&mut extra)).await;
    assert!(waited.is_err(), "a connection past the cap waits");
    drop(held);
    let served = tokio::time::timeout(Duration::from_secs(5), healthz_over(&mut extra)).await;

    assert_eq!(served, Ok(true), "it is served once another closes");
}

async fn edit(app: &TestApp, user: &crate::helpers::TestUser, id: &str, body: &str) -> Response {
    app.edit_as(user, id, body).await
}

/// Edits count against the policy's flooding limits like posts: each one
/// republishes text, so a burst of them is a burst of posts.
#[tokio::test]
async fn edits_count_against_the_flooding_limits() {
    let app = TestApp::spawn_with(|s| s.rate_limits = true).await;
    let author = app.reader().await;
    let comment = app.published(&author, DEMO_ARTICLE, "첫 문장").await;
    let id = comment["id"].as_str().unwrap();
    let mut statuses = Vec::new();
    for n in 0..20 {
        let response = edit(&app, &author, id, &format!("고친 문장 {n}")).await;
        if response.status() == 429 {
            assert_rate_limited(response, "an edit in a burst").await;
            statuses.push(429);
            break;
        }
        statuses.push(response.status().as_u16());
    }
    // The built-in limit is 5 a minute, and posting the comment was one.
    assert_eq!(statuses, [200, 200, 200, 200, 429], "{statuses:?}");
}

/// Refused and held edits of one comment leave one decision row per rule set
/// (with a count), not one row and one log line per attempt.
#[tokio::test]
async fn repeated_refused_and_held_edits_leave_a_bounded_trail() {
    let app = TestApp::spawn().await;
    let author = app.reader().await;
    let comment = app.published(&author, DEMO_ARTICLE, "평범한 의견").await;
    let id = comment["id"].as_str().unwrap();
    for n in 0..30 {
        let refused = edit(&app, &author, id, &format!("씨발 {n}")).await;
        assert_eq!(refused.status(), 422, "refused edit {n}");
        let held = edit(
            &app,
            &author,
            id,
            &format!("https://spam.example/{n} 보세요"),
        )
        .await;
        assert_eq!(held.status(), 200, "held edit {n}");
        let held = crate::helpers::json_body(held).await;
        assert_eq!(held["comment"]["status"], "pending", "held edit {n}");
    }
    let store = app.store().await;
    let decisions: Vec<(String, i64)> = store
        .policy_decisions(AccountId::parse(&author.id).unwrap())
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.action, d.attempts))
        .collect();
    assert_eq!(
        decisions,
        [("hold".to_owned(), 30), ("refuse".to_owned(), 30)],
        "one row per comment and rule set, with its count"
    );
    let log = store.log_page(None, 1000).await.unwrap().items;
    let log_lines = log
        .iter()
        .filter(|e| e.action == "hold" || e.action == "refuse")
        .count();
    assert!(log_lines <= 2, "{log_lines} log lines for 60 attempts");
}
