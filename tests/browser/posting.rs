//! Posting through the widget: published, held for review, refused.

use reqwest::header::ACCEPT_LANGUAGE;
use serde_json::json;

use crate::driver::Browser;
use crate::helpers::{DEMO_ARTICLE, PASSWORD, TestApp, json_body};

#[tokio::test]
async fn a_reader_registers_posts_and_sees_the_comment() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let text = "푸틴의 방북은 잘못된 신호다. Browser test.";
    browser.open_article(&app, "").await;
    let before: u64 = browser
        .text_of("count")
        .await
        .and_then(|count| count.trim().parse().ok())
        .expect("[data-cd=count] holds a number");

    browser.part("mode-toggle").await.click().await.unwrap();
    browser
        .wait_for(
            "input[data-cd=display-name] in register mode",
            "return !!cd('display-name');",
        )
        .await;
    browser
        .part("email")
        .await
        .send_keys("browser.reader@news.example")
        .await
        .unwrap();
    browser
        .part("display-name")
        .await
        .send_keys("브라우저 독자")
        .await
        .unwrap();
    browser
        .part("password")
        .await
        .send_keys(PASSWORD)
        .await
        .unwrap();
    browser.part("login-submit").await.click().await.unwrap();
    browser
        .wait_for(
            "[data-cd=me] to show the new display name",
            "return !!cd('me') && cd('me').textContent.includes('브라우저 독자');",
        )
        .await;
    browser.post_through_ui(text).await;

    let first = browser.wait_for_first_comment(text).await;
    assert_eq!(first.status, "published");
    assert_eq!(first.author, "브라우저 독자");
    let expected = (before + 1).to_string();
    browser
        .wait_for_with(
            "[data-cd=count] to go up by one",
            "return cd('count').textContent.trim() === arguments[0];",
            vec![json!(expected)],
        )
        .await;
    assert_eq!(
        browser.attr_of("notice", "data-kind").await.as_deref(),
        Some("posted")
    );
    let listed = app
        .list(&format!("/api/v1/articles/{DEMO_ARTICLE}/comments"))
        .await;
    assert_eq!(listed["comments"][0]["body"], text, "{listed}");
    assert_eq!(listed["comments"][0]["id"], first.id.as_str(), "{listed}");
    assert_eq!(
        listed["comments"][0]["author"]["display_name"],
        "브라우저 독자"
    );
}

#[tokio::test]
async fn a_held_comment_shows_the_notice() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    let text = "연락주세요 010-1234-5678";
    browser.open_article(&app, "").await;
    browser.log_in(&reader.email, PASSWORD).await;

    browser.post_through_ui(text).await;

    browser
        .wait_for(
            "[data-cd=notice][data-kind=held]",
            "return !!root.querySelector('[data-cd=notice][data-kind=held]');",
        )
        .await;
    assert!(
        !browser
            .text_of("notice")
            .await
            .unwrap_or_default()
            .trim()
            .is_empty(),
        "the held notice has words"
    );
    let first = browser.wait_for_first_comment(text).await;
    assert_eq!(first.status, "pending", "{first:?}");
    assert_eq!(
        browser.text_of("count").await.as_deref().map(str::trim),
        Some("0"),
        "a held comment is not counted as published; the widget shows:\n{}",
        browser.snapshot().await
    );
}

#[tokio::test]
async fn a_refused_comment_shows_the_policys_message_inline() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    let text = "씨발";
    browser.open_article(&app, "").await;
    browser.log_in(&reader.email, PASSWORD).await;

    browser.post_through_ui(text).await;

    let shown = browser
        .wait_for(
            "[data-cd=error] to show why the comment was refused",
            "const e = cd('error'); return e && e.textContent.trim();",
        )
        .await;
    let verdict = json_body(
        app.client
            .post(app.url("/api/v1/comments/validate"))
            .header(ACCEPT_LANGUAGE, "ko")
            .json(&json!({ "body": text }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let message = verdict["violations"][0]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("the server refuses {text:?}: {verdict}"));
    assert!(
        message.chars().any(|c| ('가'..='힣').contains(&c)),
        "the server's message is Korean: {message}"
    );
    let shown = shown.as_str().unwrap_or_default();
    assert!(
        shown.contains(message),
        "[data-cd=error] shows {shown:?}, not the server's {message:?}"
    );
    assert_eq!(
        browser.attr_of("error", "role").await.as_deref(),
        Some("alert")
    );
    assert!(
        browser.listed().await.is_empty(),
        "nothing was posted; the widget shows:\n{}",
        browser.snapshot().await
    );
}
