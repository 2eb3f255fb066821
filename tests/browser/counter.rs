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

/// The counter's `data-state` for what the server's dry run reports.
fn server_state(server: &Value) -> &'static str {
    match (server["length"].as_u64(), server["limit"].as_u64()) {
        (None, _) => "invalid",
        (Some(0), _) => "empty",
        (Some(length), Some(limit)) if length > limit => "over",
        _ => "ok",
    }
}

#[tokio::test]
async fn the_counter_agrees_with_the_server_where_the_rule_has_edges() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::spawn().await;
    browser.open_article(&app, "").await;
    let england = "🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}";
    let marks = |n: usize| "\u{301}".repeat(n);
    let inputs = [
        format!("{england}{england}"),
        "🏴\u{E0067}\u{E0062}".to_owned(),
        "🏴\u{E007F}".to_owned(),
        "🏴\u{E0001}\u{E0067}\u{E007F}".to_owned(),
        "🏴\u{E0067}\u{200B}\u{E0062}\u{E007F}".to_owned(),
        "\u{E0067}🏴".to_owned(),
        format!("e{}", marks(9)),
        format!("a{}\u{34F}", marks(9)),
        format!("x{}\u{200B}{}", marks(5), marks(5)),
        format!("क{}", "\u{903}".repeat(9)),
        "\u{2028}\u{2029}".to_owned(),
        "\u{3000}\u{2061} \u{AD}\u{E0020}\u{A0}".to_owned(),
        "\u{1D173}\u{1D174}\u{1D175}\u{1D176}\u{1D177}\u{1D178}\u{1D179}\u{1D17A}".to_owned(),
        format!("{}\u{E0041}", "가".repeat(250)),
        format!("{}\u{2028}가", "가".repeat(249)),
    ];

    let mut wrong = Vec::new();
    for input in &inputs {
        browser.set_compose(input).await;
        let counter = browser.counter().await;
        let response = app
            .post_json("/api/v1/comments/validate", &json!({ "body": input }))
            .await;
        let server = json_body(response).await;
        let want = (length_attr(&server["length"]), server_state(&server));
        if (counter.length.as_deref(), counter.state.as_deref()) != (Some(&*want.0), Some(want.1)) {
            wrong.push(format!(
                "{input:?}: counter {:?} {:?}, server {want:?}",
                counter.length, counter.state
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "the counter disagrees:\n{}",
        wrong.join("\n")
    );
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
