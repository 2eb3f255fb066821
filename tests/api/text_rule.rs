//! The shared vectors of `comment-text.md`: the type, the dry run and posting agree on each.

use comment_desk::domain::body::CommentBody;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::helpers::{DEMO_ARTICLE, TestApp, json_body};

const VECTORS: &str = include_str!("../vectors/comment-length-vectors.json");

#[derive(Deserialize)]
struct Vectors {
    limit: usize,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    input: String,
    normalized: Option<String>,
    length: Option<usize>,
    verdict: String,
}

fn vectors() -> Vectors {
    serde_json::from_str(VECTORS).expect("vectors parse")
}

/// What the dry run says of the text rule alone: its rules are the `comment_`
/// ones; the standards policy may still hold or refuse what the rule accepts.
fn text_rule_verdict(dry: &Value) -> &str {
    dry["violations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v["rule"].as_str()?.strip_prefix("comment_"))
        .next()
        .unwrap_or("ok")
}

#[test]
fn the_copy_matches_the_shared_spec_when_it_is_there() {
    let shared = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/spec/comment-length-vectors.json"
    );
    // A clone outside the workspace has no ../shared; CI and developers do.
    if let Ok(text) = std::fs::read_to_string(shared) {
        assert_eq!(
            text, VECTORS,
            "tests/vectors is out of date with shared/spec"
        );
    }
}

#[test]
fn comment_body_reproduces_every_vector() {
    let v = vectors();
    assert!(v.cases.len() >= 47, "the shared file has 47 cases");
    for case in &v.cases {
        match CommentBody::parse(&case.input, v.limit) {
            Ok(body) => {
                assert_eq!(case.verdict, "ok", "{}", case.name);
                assert_eq!(
                    Some(body.as_str()),
                    case.normalized.as_deref(),
                    "{}",
                    case.name
                );
                assert_eq!(Some(body.length()), case.length, "{}", case.name);
            }
            Err(error) => assert_eq!(error.verdict(), case.verdict, "{}", case.name),
        }
        let measured = CommentBody::measure(&case.input, v.limit);
        assert_eq!(measured.normalized, case.normalized, "{}", case.name);
        assert_eq!(measured.length, case.length, "{}", case.name);
    }
}

#[tokio::test]
async fn the_dry_run_and_posting_reproduce_every_vector() {
    let app = TestApp::spawn().await;
    let v = vectors();
    for case in &v.cases {
        // Several cases clean to the same text; one author each, so none is a repeat.
        let reader = app.reader().await;
        let dry = app
            .post_json("/api/v1/comments/validate", &json!({"body": case.input}))
            .await;
        let dry = json_body(dry).await;
        assert_eq!(text_rule_verdict(&dry), case.verdict, "{}", case.name);
        assert_eq!(dry["normalized"], json!(case.normalized), "{}", case.name);
        assert_eq!(dry["length"], json!(case.length), "{}", case.name);

        let posted = app.comment(&reader, DEMO_ARTICLE, &case.input).await;
        let status = posted.status().as_u16();
        let body = json_body(posted).await;
        match case.verdict.as_str() {
            // Cleaned, "soft hyphen removed" is a resident registration number.
            "ok" if status == 422 => {
                assert_eq!(body["code"], "policy_violation", "{}: {body}", case.name);
            }
            "ok" => {
                assert!(matches!(status, 201 | 202), "{}: {status}", case.name);
                assert_eq!(
                    body["comment"]["body"],
                    json!(case.normalized),
                    "{}",
                    case.name
                );
                assert_eq!(
                    body["comment"]["length"],
                    json!(case.length),
                    "{}",
                    case.name
                );
            }
            verdict => {
                assert_eq!(status, 422, "{}", case.name);
                assert_eq!(body["code"], format!("comment_{verdict}"), "{}", case.name);
            }
        }
    }
}

#[tokio::test]
async fn invisible_characters_no_longer_hide_text_from_the_policy() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    let tags: String = "call 010-1234-5678"
        .chars()
        .map(|c| char::from_u32(0xE0000 + u32::from(c)).unwrap())
        .collect();
    let cases = [
        (
            "a soft hyphen in a resident number",
            "900101\u{AD}1234567",
            "resident_registration_number",
        ),
        (
            "an invisible separator in a link",
            "see evil.c\u{2063}om",
            "link",
        ),
    ];
    for (name, raw, rule) in cases {
        let dry = app
            .post_json("/api/v1/comments/validate", &json!({"body": raw}))
            .await;
        let dry = json_body(dry).await;
        let rules: Vec<&str> = dry["violations"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v["rule"].as_str())
            .collect();
        assert_eq!(rules, [rule], "{name}: {dry}");
    }
    // What is stored is what a moderator reads: no hidden phone number.
    let posted = app
        .published(&reader, DEMO_ARTICLE, &format!("Nice piece.{tags}"))
        .await;
    assert_eq!(posted["body"], "Nice piece.");
}
