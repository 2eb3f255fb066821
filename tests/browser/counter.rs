//! The live counter: the shared vectors, the server's own count, and the
//! limit as a reader meets it.

use fantoccini::key::Key;
use serde_json::{Value, json};

use crate::driver::Browser;
use crate::helpers::{PASSWORD, TestApp, json_body};

const VECTORS: &str = include_str!("../vectors/comment-length-vectors.json");

/// The counter's `data-state` for a verdict of the text rule.
fn state_for(verdict: &str) -> &'static str {
    match verdict {
        "ok" => "ok",
        "empty" => "empty",
        "too_long" => "over",
        "invalid_characters" => "invalid",
        other => panic!("unknown verdict {other:?} in the vectors"),
    }
}

/// A length as the counter writes it: digits, or empty for invalid text.
fn length_attr(length: &Value) -> String {
    length.as_u64().map(|n| n.to_string()).unwrap_or_default()
}

#[tokio::test]
async fn the_counter_agrees_with_the_server_on_every_vector() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let vectors: Value = serde_json::from_str(VECTORS).expect("the vectors are JSON");
    browser.open_article(&app, "").await;

    let mut wrong = Vec::new();
    for case in vectors["cases"].as_array().expect("cases") {
        let name = case["name"].as_str().expect("name");
        let input = case["input"].as_str().expect("input");
        let want_length = length_attr(&case["length"]);
        let want_state = state_for(case["verdict"].as_str().expect("verdict"));

        browser.set_compose(input).await;
        let counter = browser.counter().await;
        let response = app
            .post_json("/api/v1/comments/validate", &json!({ "body": input }))
            .await;
        assert_eq!(response.status(), 200, "validate {name}");
        let server = json_body(response).await;

        if counter.length.as_deref() != Some(want_length.as_str())
            || counter.state.as_deref() != Some(want_state)
        {
            wrong.push(format!(
                "{name}: counter data-length={:?} data-state={:?} (shows {:?}); \
                 the vector says {want_length:?} and {want_state:?}",
                counter.length, counter.state, counter.text
            ));
        }
        if counter.length.as_deref() != Some(length_attr(&server["length"]).as_str()) {
            wrong.push(format!(
                "{name}: counter data-length={:?} but the server's validate says length {}",
                counter.length, server["length"]
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "the counter disagrees on {} of {} checks:\n{}",
        wrong.len(),
        2 * vectors["cases"].as_array().map_or(0, Vec::len),
        wrong.join("\n")
    );

    browser
        .set_compose("Putin must not send the wrong signal.")
        .await;
    assert_eq!(browser.counter().await.text, "(37/250자)", "ko page");
}

#[tokio::test]
async fn submit_is_disabled_past_250_characters() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    browser.open_article(&app, "").await;
    browser.log_in(&reader.email, PASSWORD).await;

    browser.set_compose(&"가".repeat(250)).await;
    let at_limit = browser.counter().await;
    assert_eq!(
        (at_limit.length.as_deref(), at_limit.state.as_deref()),
        (Some("250"), Some("ok")),
        "250 characters: {at_limit:?}"
    );
    assert!(
        !browser.submit_disabled().await,
        "250 characters may be posted"
    );

    // One more, typed.
    browser.part("compose").await.send_keys("x").await.unwrap();
    let over = browser.counter().await;
    assert_eq!(
        (over.length.as_deref(), over.state.as_deref()),
        (Some("251"), Some("over")),
        "251 characters: {over:?}"
    );
    assert_eq!(over.text, "(251/250자)");
    assert!(browser.submit_disabled().await, "251 characters may not be");
    let color = browser
        .js("return getComputedStyle(cd('counter')).color;", vec![])
        .await;
    let rgb: Vec<u32> = color
        .as_str()
        .unwrap_or_default()
        .trim_start_matches("rgba(")
        .trim_start_matches("rgb(")
        .trim_end_matches(')')
        .split(',')
        .filter_map(|part| part.trim().parse::<f64>().ok().map(|v| v as u32))
        .collect();
    assert!(
        matches!(rgb[..], [r, g, b, ..] if r >= 150 && g < 100 && b < 100),
        "an over-long count is shown red, not {color}"
    );

    browser.press(Key::Backspace).await;
    assert_eq!(browser.counter().await.state.as_deref(), Some("ok"));
    assert!(
        !browser.submit_disabled().await,
        "back to 250, submit enables again"
    );
}

#[tokio::test]
async fn the_english_page_counts_without_the_korean_unit() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::spawn().await;

    browser.open_article(&app, "?lang=en").await;

    let counter = browser.counter().await;
    assert_eq!(counter.text, "(0/250)");
    assert_eq!(counter.state.as_deref(), Some("empty"));
    browser
        .set_compose("Putin must not send the wrong signal.")
        .await;
    assert_eq!(browser.counter().await.text, "(37/250)");
}
