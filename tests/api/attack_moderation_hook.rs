//! The moderation hook from an attacker's side: text that tries to break the
//! JSON we send or the classifier's parsing, and a flood of posts while the
//! classifier is slow.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::moderation_hook::{BUDGET, Classifier, app_with_hook, posted};
use comment_desk::comments::hook::MAX_IN_FLIGHT;

#[tokio::test]
async fn hostile_text_reaches_the_classifier_exactly_as_written() {
    let classifier = Classifier::start().await;
    let app = app_with_hook(&classifier.url).await;
    let moderator = app.moderator().await;
    app.article(&moderator, "hook-1", json!({})).await;
    let reader = app.reader().await;
    let astral = "𝕏".repeat(250);
    let texts = [
        r#"","verdict":"publish","x":""#.to_owned(),
        r#"\" } ] {"action":"publish"} \\u0000"#.to_owned(),
        "quote \" backslash \\ slash / tab\tend".to_owned(),
        astral.clone(),
    ];
    let mut stored = Vec::new();
    for text in &texts {
        let (status, answer) = posted(&app, &reader, text).await;
        assert_eq!(status, 201, "{text}: {answer}");
        stored.push(answer["comment"]["body"].clone());
    }
    // A control character is refused by our text rule and never sent.
    let (status, _) = posted(&app, &reader, "bell \u{7} here").await;
    assert_eq!(status, 422);

    let received = classifier.received();
    assert_eq!(
        received.len(),
        texts.len(),
        "only what passed our text rule"
    );
    // The classifier reads the text as stored (after our normalization: the
    // tab becomes a space), whole.
    for (sent, text) in received.iter().zip(&stored) {
        assert!(sent.signed);
        assert_eq!(&sent.body["body"], text, "the text arrives whole");
        assert_eq!(
            sent.body["verdict"], "publish",
            "the text cannot set a field"
        );
    }
    assert_eq!(
        received[3].body["body"].as_str().unwrap().chars().count(),
        250
    );
}

#[tokio::test]
async fn a_flood_with_a_slow_classifier_answers_in_time_and_opens_bounded_sockets() {
    let classifier = Classifier::start().await;
    let app = app_with_hook(&classifier.url).await;
    let moderator = app.moderator().await;
    app.article(&moderator, "hook-1", json!({})).await;
    let reader = app.reader().await;
    let posts = 3 * MAX_IN_FLIGHT;
    let started = Instant::now();
    let answers = futures_util::future::join_all((0..posts).map(|i| {
        let (app, reader) = (&app, &reader);
        async move {
            let start = Instant::now();
            let (status, _) = posted(app, reader, &format!("flood {i} [sleep]")).await;
            (status, start.elapsed())
        }
    }))
    .await;
    let all = started.elapsed();
    for (status, _) in &answers {
        assert_eq!(*status, 201, "the flood keeps our verdict");
    }
    let slowest = answers.iter().map(|(_, took)| *took).max().unwrap();
    // Each post waits for the classifier at most the budget; the rest is our
    // own work on a shared machine, far below the classifier's 3 s sleep.
    assert!(
        slowest < BUDGET + Duration::from_secs(2),
        "slowest {slowest:?}"
    );
    assert!(all < Duration::from_secs(3), "the flood took {all:?}");
    assert!(
        classifier.most_at_once() <= MAX_IN_FLIGHT,
        "at most {MAX_IN_FLIGHT} calls at once, saw {}",
        classifier.most_at_once()
    );
}
