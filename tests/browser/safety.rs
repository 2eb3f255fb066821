//! What readers write reaches the page as text only.

use crate::driver::Browser;
use crate::helpers::{DEMO_ARTICLE, TestApp};

#[tokio::test]
async fn html_and_script_payloads_show_as_text_and_run_nothing() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    let payload = r#"<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>"#;
    let posted = app.published(&reader, DEMO_ARTICLE, payload).await;
    let id = posted["id"].as_str().expect("an id");

    browser.open_article(&app, "").await;

    let first = browser.wait_for_first_comment(payload).await;
    assert_eq!(first.id, id);
    assert_eq!(first.body, payload, "[data-cd=body] textContent");
    // An image that fails to load would fire onerror by now.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let inside = browser
        .js(
            "const li = root.querySelector('[data-cd=comment][data-id=\"' + arguments[0] + '\"]'); \
             return { elements: li.querySelectorAll('img, script').length, \
                      anywhere: root.querySelectorAll('img, script').length + \
                        document.querySelectorAll('body img').length, \
                      pwned: typeof window.__pwned };",
            vec![serde_json::json!(id)],
        )
        .await;
    assert_eq!(inside["elements"], 0, "img or script inside the comment");
    assert_eq!(inside["anywhere"], 0, "img or script in the widget or page");
    assert_eq!(inside["pwned"], "undefined", "the payload ran");
}
