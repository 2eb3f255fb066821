//! The shared vectors of `comment-text.md`: the type, the dry run and posting agree on each.

use comment_desk::comments::CommentBody;
use serde::Deserialize;
use serde_json::json;

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
    assert!(v.cases.len() >= 29, "the shared file has 29 cases");
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
        assert_eq!(dry["ok"], case.verdict == "ok", "{}", case.name);
        assert_eq!(dry["normalized"], json!(case.normalized), "{}", case.name);
        assert_eq!(dry["length"], json!(case.length), "{}", case.name);

        let posted = app.comment(&reader, DEMO_ARTICLE, &case.input).await;
        let status = posted.status().as_u16();
        let body = json_body(posted).await;
        match case.verdict.as_str() {
            "ok" => {
                assert_eq!(status, 201, "{}", case.name);
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
