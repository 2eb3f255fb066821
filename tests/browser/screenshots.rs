//! Screenshots of the demo article page with its comment section, at a
//! desktop and a phone width, into `tests/artifacts/` for people to look at.

use std::path::PathBuf;

use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use serde_json::json;

use crate::driver::{Browser, DESKTOP, PHONE};
use crate::helpers::{DEMO_ARTICLE, TestApp};

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/artifacts");
    std::fs::create_dir_all(&dir).expect("tests/artifacts");
    dir
}

/// Width and height from a PNG's header, after checking it is one.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(
        png.len() > 24 && png.starts_with(PNG_SIGNATURE),
        "not a PNG ({} bytes)",
        png.len()
    );
    let word = |at: usize| u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]);
    (word(16), word(20))
}

/// A few comments, a reply and a held one, so the list has something to show.
async fn seed(app: &TestApp) {
    let reader = app.reader().await;
    let first = app
        .published(
            &reader,
            DEMO_ARTICLE,
            "북한과의 군사 협력은 한반도의 안보를 위협합니다. 정부는 분명한 메시지를 보내야 합니다.",
        )
        .await;
    app.published(
        &reader,
        DEMO_ARTICLE,
        "Putin must not send the wrong signal to Pyongyang.",
    )
    .await;
    let reply = app
        .post_as(
            &reader,
            &format!("/api/v1/articles/{DEMO_ARTICLE}/comments"),
            &json!({ "body": "동의합니다. 외교적 대응이 필요합니다.", "parent_id": first["id"] }),
        )
        .await;
    assert_eq!(reply.status(), 201, "the reply is published");
}

async fn screenshot_at(size: (u32, u32), name: &str) {
    let Some(browser) = Browser::launch_sized(size).await else {
        return;
    };
    let app = TestApp::spawn().await;
    seed(&app).await;
    browser.open_article(&app, "").await;
    browser
        .wait_for(
            "the seeded comments to be listed",
            "return cd('list') && cd('list').querySelectorAll('[data-cd=comment]').length >= 3;",
        )
        .await;

    let layout = browser
        .js(
            "return { inner: window.innerWidth, scroll: document.documentElement.scrollWidth, \
                      widget: host.getBoundingClientRect().width };",
            vec![],
        )
        .await;
    assert_eq!(layout["inner"], size.0, "the viewport is {} wide", size.0);
    assert!(
        layout["scroll"].as_f64() <= layout["inner"].as_f64(),
        "the page scrolls sideways at {name} width: {layout}"
    );

    // The comment section, as a reader scrolled down to it sees it.
    browser
        .js("host.scrollIntoView({ block: 'start' });", vec![])
        .await;
    let viewport = browser.client.screenshot().await.expect("a screenshot");
    assert_eq!(png_size(&viewport), size, "the {name} screenshot's size");
    let path = artifacts().join(format!("editorial-{name}.png"));
    std::fs::write(&path, &viewport).expect("write the screenshot");

    // The whole page, past the viewport.
    let height = browser
        .js("return document.documentElement.scrollHeight;", vec![])
        .await;
    let shot = browser
        .cdp(
            "Page.captureScreenshot",
            json!({
                "format": "png",
                "captureBeyondViewport": true,
                "clip": { "x": 0, "y": 0, "width": size.0, "height": height, "scale": 1 },
            }),
        )
        .await;
    let full = BASE64_STANDARD
        .decode(shot["data"].as_str().expect("PNG data"))
        .expect("base64");
    let (width, _) = png_size(&full);
    assert_eq!(width, size.0, "the full {name} screenshot's width");
    let path = artifacts().join(format!("editorial-{name}-full.png"));
    std::fs::write(&path, &full).expect("write the screenshot");
    assert!(std::fs::metadata(&path).expect("written").len() > 0);
}

#[tokio::test]
async fn screenshots_of_the_article_at_desktop_width() {
    screenshot_at(DESKTOP, "desktop").await;
}

#[tokio::test]
async fn screenshots_of_the_article_at_phone_width() {
    screenshot_at(PHONE, "phone").await;
}
