//! The whole flow with the keyboard alone: log in, write, post.

use fantoccini::key::Key;

use crate::driver::Browser;
use crate::helpers::{PASSWORD, TestApp};

/// Tabs at most this often to reach one field.
const MAX_TABS: usize = 40;

impl Browser {
    /// Presses Tab until the widget's `[data-cd=name]` has the focus; fails
    /// with every stop on the way when it never does.
    pub async fn tab_to(&self, name: &str) {
        let target = format!("shadow:{}", self.focus_name(name).await);
        let mut stops = Vec::new();
        for _ in 0..MAX_TABS {
            let now = self.focused().await;
            if now == target {
                return;
            }
            stops.push(now);
            self.press(Key::Tab).await;
        }
        panic!(
            "{MAX_TABS} Tabs never reached [data-cd={name}] ({target}); focus went: {}\nthe widget shows:\n{}",
            stops.join(" → "),
            self.snapshot().await
        );
    }

    /// How [`Browser::focused`] names `[data-cd=name]`.
    async fn focus_name(&self, name: &str) -> String {
        let value = self
            .js(
                "return describe(cd(arguments[0]));",
                vec![serde_json::json!(name)],
            )
            .await;
        value
            .as_str()
            .unwrap_or_else(|| panic!("no [data-cd={name}] in the widget"))
            .to_owned()
    }
}

#[tokio::test]
async fn a_reader_logs_in_and_posts_with_the_keyboard_alone() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    let text = "Keyboard only: 키보드만으로 쓴 댓글";
    browser.open_article(&app, "").await;
    // Start from the top of the document, as a reader who just arrived.
    browser
        .js(
            "if (document.activeElement) document.activeElement.blur(); window.scrollTo(0, 0);",
            vec![],
        )
        .await;

    browser.tab_to("email").await;
    browser.press_keys(&reader.email).await;
    browser.press(Key::Tab).await;
    let at = browser.focused().await;
    assert!(
        at.contains("[data-cd=password]"),
        "Tab from the email field goes to the password, not {at}"
    );
    browser.press_keys(PASSWORD).await;
    browser.press(Key::Enter).await;
    browser
        .wait_for(
            "[data-cd=me] after Enter in the password field",
            "return !!cd('me');",
        )
        .await;

    browser.tab_to("compose").await;
    browser.press_keys(text).await;
    browser.press(Key::Tab).await;
    let at = browser.focused().await;
    assert!(
        at.contains("[data-cd=submit]"),
        "Tab from the compose box goes to the submit button, not {at}; the widget shows:\n{}",
        browser.snapshot().await
    );
    browser.press(Key::Enter).await;

    let first = browser.wait_for_first_comment(text).await;
    assert_eq!(first.status, "published");
}
