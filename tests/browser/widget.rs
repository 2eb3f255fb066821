//! The comment widget on the demo article page, as a reader's browser sees it.
//!
//! Everything the widget draws lives in the open shadow root of `div#comments`
//! and is found by its `data-cd` name. Scripts run through WebDriver's Execute
//! Script, which the page's Content-Security-Policy does not govern.

use std::time::Duration;

use fantoccini::Locator;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use serde_json::{Value, json};

use crate::driver::Browser;
use crate::helpers::{DEMO_ARTICLE, TestApp};

/// How long any one thing the widget should do may take.
const PATIENCE: Duration = Duration::from_secs(10);

/// Put before every script: `host`, its shadow `root`, `cd(name)` for a part of
/// the widget, and `describe(node)` to name a node in a failure message.
const PRELUDE: &str = r#"
const host = document.querySelector('#comments');
const root = host ? host.shadowRoot : null;
const cd = (name) => root ? root.querySelector('[data-cd="' + name + '"]') : null;
const describe = (n) => !n ? null : n.tagName.toLowerCase()
  + (n.getAttribute('data-cd') ? '[data-cd=' + n.getAttribute('data-cd') + ']' : '')
  + (n.id ? '#' + n.id : '') + (n.getAttribute('href') ? '[href=' + n.getAttribute('href') + ']' : '');
"#;

/// What the widget shows, for failure messages.
const SNAPSHOT: &str = r#"
if (!host) return { host: 'no #comments on the page', url: location.href };
if (!root) return { host: 'no open shadow root on #comments', ready: host.getAttribute('data-ready') };
const text = (n) => n ? n.textContent : null;
const counter = cd('counter');
const submit = cd('submit');
const notice = cd('notice');
return {
  url: location.href,
  lang: document.documentElement.lang,
  ready: host.getAttribute('data-ready'),
  count: text(cd('count')),
  me: text(cd('me')),
  login_form: !!cd('login-form'),
  counter: counter && { text: counter.textContent, length: counter.getAttribute('data-length'),
    state: counter.getAttribute('data-state') },
  submit_disabled: submit ? submit.disabled : null,
  error: text(cd('error')),
  notice: notice && { text: notice.textContent, kind: notice.getAttribute('data-kind') },
  closed: !!cd('closed'),
  focus: document.activeElement === host ? describe(root.activeElement) : describe(document.activeElement),
  comments: [...root.querySelectorAll('[data-cd=list] > [data-cd=comment]')].map((li) => ({
    id: li.getAttribute('data-id'), status: li.getAttribute('data-status'),
    author: text(li.querySelector('[data-cd=author]')), body: text(li.querySelector('[data-cd=body]')) })),
};
"#;

/// The counter as drawn: its text and its two attributes.
#[derive(Debug, PartialEq, Eq)]
pub struct Counter {
    pub text: String,
    pub length: Option<String>,
    pub state: Option<String>,
}

/// One top-level `li[data-cd=comment]` of the list.
#[derive(Debug)]
pub struct Listed {
    pub id: String,
    pub status: String,
    pub author: String,
    pub body: String,
}

fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::String(s) => !s.is_empty(),
        Value::Number(n) => n.as_f64() != Some(0.0),
        _ => true,
    }
}

impl Browser {
    /// Opens the demo editorial (`query` such as `"?lang=en"` or `""`) and waits
    /// until the widget says it has loaded its first page.
    pub async fn open_article(&self, app: &TestApp, query: &str) {
        let url = format!("{}/editorials/{DEMO_ARTICLE}{query}", app.address);
        self.client
            .goto(&url)
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        self.wait_for(
            "the widget to set data-ready=\"true\" on div#comments",
            "return host && host.getAttribute('data-ready') === 'true';",
        )
        .await;
    }

    /// Runs `body` (after [`PRELUDE`]) in the page and returns what it returns.
    pub async fn js(&self, body: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(&format!("{PRELUDE}\n{body}"), args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{body}"))
    }

    /// What the widget shows now, pretty-printed.
    pub async fn snapshot(&self) -> String {
        match self
            .client
            .execute(&format!("{PRELUDE}\n{SNAPSHOT}"), vec![])
            .await
        {
            Ok(value) => serde_json::to_string_pretty(&value).unwrap_or_default(),
            Err(e) => format!("(no snapshot: {e})"),
        }
    }

    /// Polls `condition` (a script body that returns) until it returns something
    /// truthy, and returns that; fails with what the widget shows after 10 s.
    pub async fn wait_for(&self, what: &str, condition: &str) -> Value {
        self.wait_for_with(what, condition, vec![]).await
    }

    pub async fn wait_for_with(&self, what: &str, condition: &str, args: Vec<Value>) -> Value {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let value = self.js(condition, args.clone()).await;
            if truthy(&value) {
                return value;
            }
            if tokio::time::Instant::now() > deadline {
                panic!(
                    "waited {PATIENCE:?} for {what}; the widget shows:\n{}",
                    self.snapshot().await
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The WebDriver element for `[data-cd=name]` inside the shadow root, to
    /// click or type into like a user.
    pub async fn part(&self, name: &str) -> Element {
        let found = async {
            let host = self.client.find(Locator::Css("#comments")).await?;
            let root = host.shadow_root().await?;
            root.find(Locator::Css(&format!("[data-cd=\"{name}\"]")))
                .await
        }
        .await;
        match found {
            Ok(element) => element,
            Err(e) => panic!(
                "no [data-cd={name}] in the widget ({e}); it shows:\n{}",
                self.snapshot().await
            ),
        }
    }

    /// `textContent` of `[data-cd=name]`, `None` when there is no such part.
    pub async fn text_of(&self, name: &str) -> Option<String> {
        let value = self
            .js(
                "const n = cd(arguments[0]); return n ? n.textContent : null;",
                vec![json!(name)],
            )
            .await;
        value.as_str().map(str::to_owned)
    }

    /// An attribute of `[data-cd=name]`.
    pub async fn attr_of(&self, name: &str, attribute: &str) -> Option<String> {
        let value = self
            .js(
                "const n = cd(arguments[0]); return n ? n.getAttribute(arguments[1]) : null;",
                vec![json!(name), json!(attribute)],
            )
            .await;
        value.as_str().map(str::to_owned)
    }

    /// Sets the compose box's value and fires `input`, as pasting would: for
    /// texts with control characters, which keys cannot type.
    pub async fn set_compose(&self, text: &str) {
        let done = self
            .js(
                "const box = cd('compose'); if (!box) return false; box.value = arguments[0]; \
                 box.dispatchEvent(new Event('input', { bubbles: true })); return true;",
                vec![json!(text)],
            )
            .await;
        assert_eq!(
            done,
            json!(true),
            "no textarea[data-cd=compose]; the widget shows:\n{}",
            self.snapshot().await
        );
    }

    pub async fn counter(&self) -> Counter {
        let value = self
            .js(
                "const c = cd('counter'); return c && { text: c.textContent, \
                 length: c.getAttribute('data-length'), state: c.getAttribute('data-state') };",
                vec![],
            )
            .await;
        assert!(
            value.is_object(),
            "no [data-cd=counter]; the widget shows:\n{}",
            self.snapshot().await
        );
        let field = |name: &str| value[name].as_str().map(str::to_owned);
        Counter {
            text: field("text").unwrap_or_default(),
            length: field("length"),
            state: field("state"),
        }
    }

    /// Whether `button[data-cd=submit]` is disabled.
    pub async fn submit_disabled(&self) -> bool {
        let value = self
            .js(
                "const b = cd('submit'); return b ? b.disabled : null;",
                vec![],
            )
            .await;
        value
            .as_bool()
            .unwrap_or_else(|| panic!("no [data-cd=submit]; value {value}"))
    }

    /// The top-level comments of the list, in the order shown.
    pub async fn listed(&self) -> Vec<Listed> {
        let value = self
            .js(
                "const list = cd('list'); if (!list) return null; \
                 const text = (n) => n ? n.textContent : null; \
                 return [...list.querySelectorAll(':scope > [data-cd=comment]')].map((li) => ({ \
                   id: li.getAttribute('data-id'), status: li.getAttribute('data-status'), \
                   author: text(li.querySelector('[data-cd=author]')), \
                   body: text(li.querySelector('[data-cd=body]')) }));",
                vec![],
            )
            .await;
        let items = value.as_array().unwrap_or_else(|| {
            panic!("no ol[data-cd=list] in the widget");
        });
        items
            .iter()
            .map(|item| {
                let field = |name: &str| item[name].as_str().unwrap_or_default().to_owned();
                Listed {
                    id: field("id"),
                    status: field("status"),
                    author: field("author"),
                    body: field("body"),
                }
            })
            .collect()
    }

    /// Waits until the first listed comment's body is `body`, and returns it.
    pub async fn wait_for_first_comment(&self, body: &str) -> Listed {
        self.wait_for_with(
            &format!("the list to show {body:?} first"),
            "const first = cd('list') && cd('list').querySelector(':scope > [data-cd=comment]'); \
             const b = first && first.querySelector('[data-cd=body]'); \
             return !!b && b.textContent === arguments[0];",
            vec![json!(body)],
        )
        .await;
        self.listed().await.remove(0)
    }

    /// Keys pressed on whatever has the focus, one key down and up per
    /// character (`Key` values such as Tab are characters too).
    pub async fn press_keys(&self, text: &str) {
        let mut keys = KeyActions::new("keyboard".into());
        for c in text.chars() {
            keys = keys
                .then(KeyAction::Down { value: c })
                .then(KeyAction::Up { value: c });
        }
        self.client
            .perform_actions(keys)
            .await
            .unwrap_or_else(|e| panic!("pressing {text:?}: {e}"));
    }

    pub async fn press(&self, key: Key) {
        self.press_keys(&char::from(key).to_string()).await;
    }

    /// The focused element, looking through the widget's shadow root.
    pub async fn focused(&self) -> String {
        let value = self
            .js(
                "const a = document.activeElement; \
                 return a === host ? 'shadow:' + describe(root.activeElement) : describe(a);",
                vec![],
            )
            .await;
        value.as_str().unwrap_or("nothing").to_owned()
    }

    /// Logs in with the widget's form, typing like a user.
    pub async fn log_in(&self, email: &str, password: &str) {
        self.part("email").await.send_keys(email).await.unwrap();
        self.part("password")
            .await
            .send_keys(password)
            .await
            .unwrap();
        self.part("login-submit").await.click().await.unwrap();
        self.wait_for("[data-cd=me] after logging in", "return !!cd('me');")
            .await;
    }

    /// Types `text` into the compose box, waits for submit to enable, and clicks it.
    pub async fn post_through_ui(&self, text: &str) {
        self.part("compose").await.send_keys(text).await.unwrap();
        self.wait_for(
            "the submit button to enable after typing",
            "const b = cd('submit'); return !!b && !b.disabled;",
        )
        .await;
        self.part("submit").await.click().await.unwrap();
    }
}
