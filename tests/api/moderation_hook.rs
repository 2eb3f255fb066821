//! The moderation hook against a real classifier: an HTTP server on
//! 127.0.0.1 inside the test that checks our signature with `hmac` and
//! answers by what the comment says.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::helpers::{CommentAnswer, TestApp, parse, problem};
use comment_desk::config::HookSettings;

pub const SECRET: &str = "hook-secret";
pub const BUDGET: Duration = Duration::from_millis(300);
/// What a post may take beyond the budget on a shared, busy machine.
pub const MARGIN: Duration = Duration::from_millis(700);

/// A request the classifier received, and whether its signature held.
#[derive(Debug, Clone)]
pub struct Received {
    pub body: Value,
    pub signed: bool,
}

/// The classifier: answers by markers in the comment's body.
pub struct Classifier {
    pub url: String,
    pub received: Arc<Mutex<Vec<Received>>>,
    /// Requests being answered now, and the most there ever were at once.
    pub load: Arc<Mutex<(usize, usize)>>,
}

impl Classifier {
    pub async fn start() -> Classifier {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/classify", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        let load = Arc::new(Mutex::new((0, 0)));
        let counted = load.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, log.clone(), counted.clone()));
            }
        });
        Classifier {
            url,
            received,
            load,
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The most requests that were ever in flight at once.
    pub fn most_at_once(&self) -> usize {
        self.load.lock().unwrap().1
    }
}

/// One connection: requests one after another (our client keeps it open).
async fn serve(
    mut stream: TcpStream,
    log: Arc<Mutex<Vec<Received>>>,
    load: Arc<Mutex<(usize, usize)>>,
) {
    let mut buffer = Vec::new();
    loop {
        let Some((head, body)) = read_request(&mut stream, &mut buffer).await else {
            return;
        };
        let signed = header(&head, "comment-desk-signature").is_some_and(|v| verify(&v, &body));
        let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        log.lock().unwrap().push(Received {
            body: parsed.clone(),
            signed,
        });
        let text = parsed["body"].as_str().unwrap_or_default().to_owned();
        {
            let mut load = load.lock().unwrap();
            load.0 += 1;
            load.1 = load.1.max(load.0);
        }
        // A slow answer ends early when the caller hangs up, so that the
        // load counts the calls the server still has open.
        let answer = tokio::select! {
            answer = answer_for(&text, signed) => Some(answer),
            _ = stream.read_u8() => None,
        };
        load.lock().unwrap().0 -= 1;
        let Some(answer) = answer else { return };
        if stream.write_all(&answer).await.is_err() {
            return;
        }
    }
}

async fn answer_for(text: &str, signed: bool) -> Vec<u8> {
    let ok = |json: &str| response("200 OK", json.as_bytes());
    if !signed {
        return response("401 Unauthorized", b"{}");
    }
    if text.contains("[sleep]") {
        tokio::time::sleep(Duration::from_secs(3)).await;
        return ok(r#"{"action":"refuse","reasons":["late"]}"#);
    }
    if text.contains("[500]") {
        return response("500 Internal Server Error", b"{}");
    }
    if text.contains("[garbage]") {
        return ok("{\"action\": hold");
    }
    if text.contains("[huge]") {
        let huge = format!(
            r#"{{"action":"refuse","reasons":["{}"]}}"#,
            "x".repeat(1 << 20)
        );
        return ok(&huge);
    }
    if text.contains("[redirect]") {
        return b"HTTP/1.1 307 Temporary Redirect\r\nLocation: /refuse\r\nContent-Length: 0\r\n\r\n"
            .to_vec();
    }
    if text.contains("[refuse]") {
        return ok(r#"{"action":"refuse","reasons":["threat"]}"#);
    }
    if text.contains("[hold]") {
        return ok(r#"{"action":"hold","reasons":["toxicity","insult"]}"#);
    }
    ok(r#"{"action":"publish","reasons":[]}"#)
}

fn response(status: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// Reads one request (head and `Content-Length` body) from the connection.
async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<(String, Vec<u8>)> {
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
            let length: usize = header(&head, "content-length")?.parse().ok()?;
            while buffer.len() < end + 4 + length {
                let n = stream.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buffer.extend_from_slice(&chunk[..n]);
            }
            let body = buffer[end + 4..end + 4 + length].to_vec();
            buffer.drain(..end + 4 + length);
            return Some((head, body));
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
}

fn header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| value.trim().to_owned())
    })
}

/// `t=<unix>,v1=<hex>`: HMAC-SHA256 of "<t>.<body>", a fresh timestamp.
fn verify(value: &str, body: &[u8]) -> bool {
    let mut t = None;
    let mut macs = Vec::new();
    for part in value.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => macs.push(v.to_owned()),
            _ => return false,
        }
    }
    let Some(t) = t else { return false };
    if (chrono::Utc::now().timestamp() - t).abs() > 300 {
        return false;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    let expected = hex::encode(mac.finalize().into_bytes());
    macs.contains(&expected)
}

/// A server that asks the classifier at `url`.
pub async fn app_with_hook(url: &str) -> TestApp {
    let url = url.parse().unwrap();
    TestApp::spawn_with(|s| {
        s.moderation_hook = Some(HookSettings {
            url,
            secrets: vec![SECRET.to_owned()],
            timeout: BUDGET,
        })
    })
    .await
}

pub async fn posted(app: &TestApp, user: &crate::helpers::TestUser, body: &str) -> (u16, Value) {
    let response = app.comment(user, "hook-1", body).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn publish_hold_and_refuse_are_applied_and_the_request_is_signed() {
    let classifier = Classifier::start().await;
    let app = app_with_hook(&classifier.url).await;
    let moderator = app.moderator().await;
    app.article(&moderator, "hook-1", json!({})).await;
    let reader = app.reader().await;

    let (status, published) = posted(&app, &reader, "A fine remark").await;
    assert_eq!(status, 201, "{published}");
    let (status, held) = posted(&app, &reader, "Rude [hold] words").await;
    assert_eq!(status, 202, "{held}");
    assert_eq!(held["comment"]["status"], "pending");
    let response = app
        .comment(&reader, "hook-1", "Menacing [refuse] words")
        .await;
    let refused = problem(response, 422, "policy_violation").await;
    assert_eq!(refused.rules(), ["moderation_hook"]);
    assert!(refused.violations[0].message.contains("threat"));

    let received = classifier.received();
    assert_eq!(received.len(), 3);
    assert!(received.iter().all(|r| r.signed), "every request is signed");
    let first = &received[0].body;
    assert_eq!(first["verdict"], "publish");
    assert_eq!(first["body"], "A fine remark");
    assert_eq!(first["article_id"], "hook-1");
    assert_eq!(first["author_id"], reader.id);
    assert_eq!(first["parent_id"], Value::Null);
    assert_eq!(first["edit"], false);

    let queue = app.queue(&moderator, "?state=pending").await;
    let item = &queue.items[0];
    assert_eq!(item.comment.id, held["comment"]["id"].as_str().unwrap());
    assert_eq!(item.rules(), ["moderation_hook"]);
    assert!(
        item.reasons[0].message.contains("toxicity, insult"),
        "the classifier's labels are shown: {:?}",
        item.reasons[0]
    );
}

#[tokio::test]
async fn edits_and_replies_are_sent_too() {
    let classifier = Classifier::start().await;
    let app = app_with_hook(&classifier.url).await;
    let moderator = app.moderator().await;
    app.article(&moderator, "hook-1", json!({})).await;
    let reader = app.reader().await;
    let comment = app.published_comment(&reader, "hook-1", "First text").await;
    let reply = app.reply(&reader, "hook-1", &comment.id, "A reply").await;
    assert_eq!(reply.status(), 201);

    let edited = app.edit_as(&reader, &comment.id, "Now [hold] this").await;
    assert_eq!(edited.status(), 200);
    let edited: CommentAnswer = parse(edited).await;
    assert_eq!(
        edited.comment.status, "pending",
        "the classifier held the edit"
    );

    let received = classifier.received();
    assert_eq!(received.len(), 3);
    assert_eq!(received[1].body["parent_id"], comment.id.as_str());
    assert_eq!(received[2].body["edit"], true);
    assert_eq!(received[2].body["body"], "Now [hold] this");
}

#[tokio::test]
async fn the_stricter_verdict_wins_and_our_refusals_are_not_sent() {
    let classifier = Classifier::start().await;
    let app = app_with_hook(&classifier.url).await;
    let moderator = app.moderator().await;
    app.article(&moderator, "hook-1", json!({})).await;
    app.article(&moderator, "hook-pre", json!({"premoderation": true}))
        .await;
    let reader = app.reader().await;

    // Our policy holds (premoderation), the classifier publishes: held.
    let response = app.comment(&reader, "hook-pre", "Fine words").await;
    assert_eq!(
        response.status(),
        202,
        "the classifier cannot publish a hold"
    );
    // Our policy holds (a link), the classifier refuses: refused.
    let response = app
        .comment(&reader, "hook-1", "See https://spam.example [refuse]")
        .await;
    let refused = problem(response, 422, "policy_violation").await;
    assert_eq!(refused.rules(), ["moderation_hook"]);

    let sent_before = classifier.received().len();
    assert_eq!(sent_before, 2);
    let pre = &classifier.received()[0].body;
    assert_eq!(pre["verdict"], "hold");
    assert_eq!(pre["reasons"], json!(["premoderation"]));
    // Our own refusal (a resident registration number) is final: not sent.
    let response = app
        .comment(&reader, "hook-1", "My number 900101-1234567")
        .await;
    problem(response, 422, "policy_violation").await;
    assert_eq!(classifier.received().len(), sent_before, "not sent");
}

/// Posts `body` and checks it answered within the budget, with our verdict.
async fn falls_back(app: &TestApp, user: &crate::helpers::TestUser, body: &str) {
    let start = Instant::now();
    let (status, answer) = posted(app, user, body).await;
    let took = start.elapsed();
    assert_eq!(
        status, 201,
        "{body}: our verdict (publish) stands: {answer}"
    );
    assert!(took < BUDGET + MARGIN, "{body}: answered in {took:?}");
}

#[tokio::test]
async fn late_failed_odd_and_redirected_answers_fall_back_to_our_verdict() {
    let classifier = Classifier::start().await;
    let app = app_with_hook(&classifier.url).await;
    let moderator = app.moderator().await;
    app.article(&moderator, "hook-1", json!({})).await;
    let reader = app.reader().await;
    for body in [
        "slow [sleep]",
        "error [500]",
        "odd [garbage]",
        "big [huge]",
        "away [redirect]",
    ] {
        falls_back(&app, &reader, body).await;
    }
    let received = classifier.received();
    assert_eq!(
        received.len(),
        5,
        "each was asked, the redirect not followed"
    );
}

#[tokio::test]
async fn a_classifier_that_is_down_changes_nothing() {
    // A port that was just free: nothing listens there.
    let free = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/classify", free.local_addr().unwrap());
    drop(free);
    let app = app_with_hook(&url).await;
    let moderator = app.moderator().await;
    app.article(&moderator, "hook-1", json!({})).await;
    let reader = app.reader().await;
    falls_back(&app, &reader, "Nobody is listening").await;
}
