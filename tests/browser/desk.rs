//! The moderator desk at `/desk`, worked the way a moderator works it: signed
//! in on the page, by keyboard, with a second moderator deciding at the same
//! time in another browser.
//!
//! The desk's parts carry `data-desk` names; the queue's cards are
//! `li[data-desk=item][data-id]`, the selected one has `aria-selected=true`.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use serde_json::{Value, json};

use crate::driver::{Browser, PHONE};
use crate::helpers::{PASSWORD, TestApp, TestUser};

const PATIENCE: Duration = Duration::from_secs(10);

/// Put before every desk script: `dk(name)` for a part, `items()` for the
/// ids of the cards in order, `selected()` for the selected card's id.
const DESK_PRELUDE: &str = r#"
const desk = document.getElementById('desk');
const dk = (name) => document.querySelector('[data-desk="' + name + '"]');
const items = () => [...document.querySelectorAll('[data-desk=item]')].map((li) => li.getAttribute('data-id'));
const selected = () => { const li = document.querySelector('[data-desk=item][aria-selected=true]'); return li ? li.getAttribute('data-id') : null; };
const focusedId = () => document.activeElement ? document.activeElement.getAttribute('data-id') : null;
"#;

/// What the desk shows, for failure messages.
const DESK_SNAPSHOT: &str = r#"
const toast = dk('toast');
return { url: location.href, view: desk && desk.getAttribute('data-view'), ready: desk && desk.getAttribute('data-ready'),
  items: items(), selected: selected(), focus: document.activeElement && (document.activeElement.getAttribute('data-desk') || document.activeElement.tagName) + ':' + focusedId(),
  toast: toast && !toast.hidden ? toast.textContent : null, live: dk('live') && dk('live').getAttribute('data-state'),
  error: dk('error') && dk('error').textContent, dialog: !!document.querySelector('dialog[open]') };
"#;

impl Browser {
    pub async fn desk(&self, body: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(&format!("{DESK_PRELUDE}\n{body}"), args)
            .await
            .unwrap_or_else(|e| panic!("desk script failed: {e}\n{body}"))
    }

    pub async fn desk_snapshot(&self) -> String {
        let value = self.desk(DESK_SNAPSHOT, vec![]).await;
        serde_json::to_string_pretty(&value).unwrap_or_default()
    }

    /// Polls `condition` until it returns something truthy; fails with what
    /// the desk shows after 10 s.
    pub async fn desk_wait(&self, what: &str, condition: &str) -> Value {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let value = self.desk(condition, vec![]).await;
            if !matches!(value, Value::Null | Value::Bool(false)) {
                return value;
            }
            if Instant::now() > deadline {
                panic!(
                    "waited {PATIENCE:?} for {what}; the desk shows:\n{}",
                    self.desk_snapshot().await
                );
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Opens `/desk` and signs in with the page's form, typing like a person
    /// (Enter submits).
    pub async fn open_desk_as(&self, app: &TestApp, user: &TestUser, lang: &str) {
        let url = format!("{}/desk?lang={lang}", app.address);
        self.client.goto(&url).await.expect("open the desk");
        self.desk_wait(
            "the sign-in form",
            "return dk('email') && document.activeElement === dk('email');",
        )
        .await;
        self.press_keys(&user.email).await;
        self.press_keys("\u{E004}").await; // Tab
        self.press_keys(PASSWORD).await;
        self.press_keys("\u{E007}").await; // Enter
        self.desk_wait(
            "the desk after signing in",
            "return desk.getAttribute('data-view') !== 'sign-in' && desk.getAttribute('data-ready') === 'true';",
        )
        .await;
    }

    /// Waits until the queue's cards are `ids`, in order.
    pub async fn desk_items_are(&self, what: &str, ids: &[String]) {
        let expected = serde_json::to_string(ids).unwrap();
        self.desk_wait(
            what,
            &format!("return JSON.stringify(items()) === {expected:?};"),
        )
        .await;
    }
}

/// A script that is true once the tab of `queue` shows `n`.
fn count_is(queue: &str, n: usize) -> String {
    format!(
        "const c = document.querySelector('[data-desk=count][data-queue={queue}]'); return c && c.textContent === '{n}';"
    )
}

/// An editorial where every comment waits for a moderator.
async fn premoderated(app: &TestApp, moderator: &TestUser) -> String {
    app.article(
        moderator,
        "desk-premoderated",
        json!({"premoderation": true}),
    )
    .await
}

async fn held(app: &TestApp, reader: &TestUser, article: &str, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let body = format!("검토를 기다리는 댓글 {i}번: 사설에 대한 의견입니다.");
        ids.push(app.held_comment(reader, article, &body).await.id);
    }
    ids
}

/// Waits until the comment has `expected` status: the desk takes an item off
/// the queue before the server answers.
async fn assert_status(app: &TestApp, moderator: &TestUser, id: &str, expected: &str) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let status = status_of(app, moderator, id).await;
        if status == expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "comment {id} is {status}, not {expected}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn status_of(app: &TestApp, moderator: &TestUser, id: &str) -> String {
    let response = app
        .get_as(moderator, &format!("/api/v1/comments/{id}"))
        .await;
    let body: Value = response.json().await.unwrap();
    body["comment"]["status"].as_str().unwrap_or("").to_owned()
}

/// A moderator signed in at the desk, its pending queue showing `n` comments
/// held on a premoderated editorial, oldest first.
struct HeldQueue {
    browser: Browser,
    app: TestApp,
    moderator: TestUser,
    ids: Vec<String>,
}

impl HeldQueue {
    /// `None` when the browser tests are skipped.
    async fn open(n: usize, lang: &str) -> Option<HeldQueue> {
        let browser = Browser::launch().await?;
        let app = TestApp::spawn().await;
        let moderator = app.moderator().await;
        let reader = app.reader().await;
        let article = premoderated(&app, &moderator).await;
        let ids = held(&app, &reader, &article, n).await;
        browser.open_desk_as(&app, &moderator, lang).await;
        browser
            .desk_items_are("the held comments, oldest first", &ids)
            .await;
        Some(HeldQueue {
            browser,
            app,
            moderator,
            ids,
        })
    }
}

#[tokio::test]
async fn a_moderator_clears_a_queue_of_twenty_by_keyboard_alone() {
    let Some(HeldQueue {
        browser,
        app,
        moderator,
        ids,
    }) = HeldQueue::open(20, "ko").await
    else {
        return;
    };
    browser
        .desk_wait("the pending count", &count_is("pending", 20))
        .await;
    let first = browser
        .desk("return [selected(), focusedId()];", vec![])
        .await;
    assert_eq!(
        first,
        json!([ids[0], ids[0]]),
        "the first item is selected and focused"
    );
    browser.press_keys("jjk").await;
    browser
        .desk_wait(
            "j j k to land on the second item",
            &format!(
                "return selected() === {:?} && focusedId() === {:?};",
                ids[1], ids[1]
            ),
        )
        .await;
    browser.press_keys("kk").await;
    browser
        .desk_wait(
            "k to stop at the first item",
            &format!("return selected() === {:?};", ids[0]),
        )
        .await;

    for (n, id) in ids.iter().enumerate() {
        // The fourth is rejected as abuse (r, then 2), the others approved.
        browser.press_keys(if n == 3 { "r2" } else { "a" }).await;
        let rest = &ids[n + 1..];
        browser
            .desk_items_are(&format!("item {id} to leave the queue"), rest)
            .await;
        if let Some(next) = rest.first() {
            browser
                .desk_wait(
                    "the next item to take the focus",
                    &format!("return selected() === {next:?} && focusedId() === {next:?};"),
                )
                .await;
        }
    }
    browser
        .desk_wait("the empty queue's note", "return !dk('empty').hidden;")
        .await;
    browser
        .desk_wait("the pending count to follow", &count_is("pending", 0))
        .await;
    browser
        .desk_wait("the rejected count", &count_is("rejected", 1))
        .await;

    for (n, id) in ids.iter().enumerate() {
        let expected = if n == 3 { "rejected" } else { "published" };
        assert_status(&app, &moderator, id, expected).await;
    }
    let log = app.log(&moderator).await;
    let rejection = log
        .iter()
        .find(|e| e.action == "reject")
        .expect("a reject line in the log");
    assert_eq!(rejection.target.id, ids[3]);
    assert_eq!(rejection.reason.as_deref(), Some("abuse"));
    assert_eq!(log.iter().filter(|e| e.action == "approve").count(), 19);
}

#[tokio::test]
async fn the_reject_keys_wait_for_a_reason_and_escape_cancels() {
    let Some(HeldQueue {
        browser,
        app,
        moderator,
        ids,
    }) = HeldQueue::open(2, "en").await
    else {
        return;
    };

    browser.press_keys("r").await;
    browser
        .desk_wait(
            "the reasons to show",
            "return document.querySelector('[data-desk=item].rejecting [data-desk=reject-reasons]');",
        )
        .await;
    // A letter is not a reason, and Escape takes the reject back.
    browser.press_keys("a\u{E00C}").await;
    browser
        .desk_wait(
            "Escape to close the reasons",
            "return !document.querySelector('.rejecting') && focusedId() !== null;",
        )
        .await;
    assert_eq!(status_of(&app, &moderator, &ids[0]).await, "pending");
    browser.press_keys("r6").await;
    browser
        .desk_items_are("the rejected item to leave", &ids[1..])
        .await;
    assert_status(&app, &moderator, &ids[0], "rejected").await;
}

#[tokio::test]
async fn undo_puts_the_last_decision_back() {
    let Some(HeldQueue {
        browser,
        app,
        moderator,
        ids,
    }) = HeldQueue::open(3, "ko").await
    else {
        return;
    };

    browser.press_keys("ja").await;
    browser
        .desk_items_are(
            "the approved item to leave",
            &[ids[0].clone(), ids[2].clone()],
        )
        .await;
    assert_status(&app, &moderator, &ids[1], "published").await;
    browser.press_keys("u").await;
    browser
        .desk_items_are("the undone item to come back", &ids)
        .await;
    browser
        .desk_wait(
            "the undone item to be selected again",
            &format!("return selected() === {:?};", ids[1]),
        )
        .await;
    assert_eq!(status_of(&app, &moderator, &ids[1]).await, "pending");
}

#[tokio::test]
async fn a_moderator_opens_the_author_and_suspends_then_bans_clearing_their_queue() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let reader = app.reader().await;
    let troll = app.reader().await;
    let article = premoderated(&app, &moderator).await;
    let first = held(&app, &reader, &article, 1).await;
    let trolled = held(&app, &troll, &article, 3).await;
    let all: Vec<String> = first.iter().chain(&trolled).cloned().collect();
    browser.open_desk_as(&app, &moderator, "ko").await;
    browser.desk_items_are("the queue", &all).await;

    // o opens the first author's drawer; suspend from there for 7 days.
    browser.press_keys("o").await;
    browser
        .desk_wait(
            "the drawer with the author's comments",
            "return !dk('drawer').hidden && dk('drawer-comments') && dk('drawer-comments').children.length === 1 && dk('drawer-suspend');",
        )
        .await;
    browser
        .client
        .find(Locator::Css("[data-desk=drawer-suspend]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .desk_wait(
            "the suspend dialog",
            "return document.querySelector('dialog[open] [data-desk=sanction-form][data-kind=suspend]');",
        )
        .await;
    browser
        .desk(
            "dk('sanction-days').value = '7'; dk('sanction-days').dispatchEvent(new Event('change'));",
            vec![],
        )
        .await;
    browser.press_keys("\u{E004}\u{E007}").await; // Tab to the reason, Enter
    browser
        .desk_wait(
            "the drawer to list the suspension in force",
            "return !document.querySelector('dialog[open]') && document.querySelector('[data-desk=drawer-sanctions] [data-active=true][data-kind=suspend]');",
        )
        .await;
    let refused = app.comment(&reader, &article, "정지된 계정의 댓글").await;
    assert_eq!(refused.status(), 403, "the suspension binds");
    browser.press_keys("\u{E00C}").await; // Escape closes the drawer
    browser
        .desk_wait(
            "the drawer to close and the focus to return",
            &format!(
                "return dk('drawer').hidden && focusedId() === {:?};",
                all[0]
            ),
        )
        .await;

    // j to the troll's comment, b bans with "reject all pending" ticked.
    browser.press_keys("jb").await;
    browser
        .desk_wait(
            "the ban dialog with reject-pending ticked",
            "return document.querySelector('dialog[open] [data-desk=sanction-form][data-kind=ban]') && dk('reject-pending').checked;",
        )
        .await;
    browser.press_keys("\u{E007}").await;
    browser
        .desk_items_are("the troll's comments to leave with the ban", &first)
        .await;
    for id in &trolled {
        assert_status(&app, &moderator, id, "rejected").await;
    }
}

#[tokio::test]
async fn two_moderators_see_each_others_decisions_live_and_the_loser_is_told() {
    let (Some(left), Some(right)) = (Browser::launch().await, Browser::launch().await) else {
        return;
    };
    let app = TestApp::spawn().await;
    let alice = app
        .staff_named(
            comment_desk::domain::accounts::Role::Moderator,
            "Alice Editor",
        )
        .await;
    let bob = app
        .staff_named(
            comment_desk::domain::accounts::Role::Moderator,
            "Bob Editor",
        )
        .await;
    let reader = app.reader().await;
    let article = premoderated(&app, &alice).await;
    let ids = held(&app, &reader, &article, 4).await;
    left.open_desk_as(&app, &alice, "en").await;
    right.open_desk_as(&app, &bob, "en").await;
    for browser in [&left, &right] {
        browser.desk_items_are("both queues", &ids).await;
        browser
            .desk_wait(
                "the live stream",
                "return dk('live').getAttribute('data-state') === 'open';",
            )
            .await;
    }

    // Alice approves the first; it leaves Bob's queue without a reload.
    left.press_keys("a").await;
    right
        .desk_items_are("Alice's decision to reach Bob", &ids[1..])
        .await;
    // Bob rejects the next; it leaves Alice's.
    right.press_keys("r1").await;
    left.desk_items_are("Bob's decision to reach Alice", &ids[2..])
        .await;

    // A comment held now shows up in both queues.
    let posted = Instant::now();
    let late = app
        .held_comment(
            &reader,
            &article,
            "방금 들어온 댓글: 실시간으로 보여야 합니다.",
        )
        .await
        .id;
    let with_late: Vec<String> = ids[2..].iter().cloned().chain([late.clone()]).collect();
    left.desk_items_are("the new comment to appear live", &with_late)
        .await;
    let seen_after = posted.elapsed();
    right
        .desk_items_are("the new comment in the other desk", &with_late)
        .await;
    assert!(
        seen_after < Duration::from_secs(2),
        "a held comment reached the open queue after {seen_after:?}"
    );

    // Bob loses his stream (blocked), Alice decides the item Bob has
    // selected, Bob presses a: he is told who got there first.
    right.cdp("Network.enable", json!({})).await;
    right
        .cdp(
            "Network.setBlockedURLs",
            json!({"urls": ["*/moderation/events*"]}),
        )
        .await;
    right.client.refresh().await.unwrap();
    right
        .desk_wait(
            "Bob's desk again",
            "return desk.getAttribute('data-view') === 'desk' && items().length === 3;",
        )
        .await;
    left.press_keys("a").await;
    left.desk_items_are("Alice's approval", &with_late[1..])
        .await;
    right.press_keys("a").await;
    let notice = right
        .desk_wait(
            "Bob's conflict notice",
            "const t = dk('toast'); return !t.hidden && t.getAttribute('data-kind') === 'conflict' && t.textContent;",
        )
        .await;
    assert!(
        notice.as_str().unwrap().contains("Alice Editor"),
        "the notice names the moderator who decided first: {notice}"
    );
    right
        .desk_items_are("the decided item to leave Bob's queue", &with_late[1..])
        .await;
}

#[tokio::test]
async fn the_queue_filters_by_the_rule_that_fired() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let reader = app.reader().await;
    let article = crate::helpers::DEMO_ARTICLE;
    let link = app
        .held_comment(
            &reader,
            article,
            "자료는 https://news.example/a 에 있습니다",
        )
        .await
        .id;
    let phone = app
        .held_comment(&reader, article, "연락처는 010-1234-5678 입니다")
        .await
        .id;
    browser.open_desk_as(&app, &moderator, "ko").await;
    browser
        .desk_items_are("both held comments", &[link.clone(), phone.clone()])
        .await;
    let marked = browser
        .desk(
            "return [...document.querySelectorAll('[data-desk=item] mark')].map((m) => [m.getAttribute('data-rule'), m.textContent]);",
            vec![],
        )
        .await;
    assert_eq!(
        marked,
        json!([
            ["link", "https://news.example/a"],
            ["phone_number", "010-1234-5678"]
        ]),
        "the matched spans are marked"
    );

    browser
        .desk(
            "dk('filter-rule').value = 'phone_number'; dk('filter-rule').dispatchEvent(new Event('change'));",
            vec![],
        )
        .await;
    browser
        .desk_items_are(
            "only the phone number's comment",
            std::slice::from_ref(&phone),
        )
        .await;
    browser
        .desk_wait("the count under the filter", &count_is("pending", 1))
        .await;
}

#[tokio::test]
async fn a_reader_gets_the_staff_only_page() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    browser.open_desk_as(&app, &reader, "ko").await;

    let view = browser
        .desk_wait(
            "the staff-only page",
            "return desk.getAttribute('data-view') === 'staff-only' && dk('staff-only').textContent;",
        )
        .await;
    assert!(view.as_str().unwrap().contains("운영자 전용"), "{view}");
    let queue = browser
        .desk("return !!dk('list') || !!dk('queues');", vec![])
        .await;
    assert_eq!(queue, json!(false), "no queue is drawn for a reader");
}

#[tokio::test]
async fn editorial_settings_change_from_the_desk_and_are_logged() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let article = app.article(&moderator, "desk-settings", json!({})).await;
    browser.open_desk_as(&app, &moderator, "en").await;

    browser
        .desk_wait(
            "the editorial filter",
            &format!(
                "return [...dk('filter-article').options].some((o) => o.value === {article:?});"
            ),
        )
        .await;
    browser
        .desk(
            &format!(
                "dk('filter-article').value = {article:?}; dk('filter-article').dispatchEvent(new Event('change'));"
            ),
            vec![],
        )
        .await;
    browser
        .desk_wait(
            "the settings",
            "return !dk('settings').hidden && dk('setting-premoderation');",
        )
        .await;
    browser
        .client
        .find(Locator::Css("[data-desk=setting-premoderation]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .desk_wait(
            "the saved notice",
            "const t = dk('toast'); return !t.hidden && t.getAttribute('data-kind') === 'info';",
        )
        .await;

    let got: Value = app
        .get(&format!("/api/v1/articles/{article}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["article"]["premoderation"], true, "{got}");
    let log = app.log(&moderator).await;
    assert!(
        log.iter()
            .any(|e| e.target.id == article && e.target.kind == "article"),
        "the change is in the log"
    );
}

/// Text a hostile reader could post: markup, right-to-left script with
/// digits (the text rule refuses bidi controls themselves), a word longer
/// than any card is wide.
const HOSTILE: [&str; 3] = [
    "<img src=x onerror=\"window.pwned=1\"><b>굵게?</b> 마크업은 글자일 뿐",
    "עברית 123 ואחריה عربي (456) ثم 한국어 끝",
    "Pneumonoultramicroscopicsilicovolcanoconiosis연속된긴단어Pneumonoultramicroscopicsilicovolcanoconiosis연속된긴단어Pneumonoultramicroscopicsilicovolcanoconiosis",
];

async fn hostile_at(size: (u32, u32), name: &str) {
    let Some(browser) = Browser::launch_sized(size).await else {
        return;
    };
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let reader = app.reader().await;
    let article = premoderated(&app, &moderator).await;
    let mut ids = Vec::new();
    for body in HOSTILE {
        let response = app.comment(&reader, &article, body).await;
        let status = response.status();
        let answer: Value = response.json().await.unwrap();
        assert_eq!(status, 202, "{body:?} is held: {answer}");
        ids.push(answer["comment"]["id"].as_str().unwrap().to_owned());
    }
    browser.open_desk_as(&app, &moderator, "ko").await;
    browser.desk_items_are("the hostile comments", &ids).await;

    let checks = browser
        .desk(
            "const bodies = [...document.querySelectorAll('[data-desk=item] [data-desk=body]')].map((b) => b.textContent);
             const cards = [...document.querySelectorAll('[data-desk=item]')];
             return { bodies, images: document.querySelectorAll('#desk img, #desk b').length, pwned: !!window.pwned,
               inner: window.innerWidth, scroll: document.documentElement.scrollWidth,
               overflowing: cards.filter((c) => c.scrollWidth > c.clientWidth + 1).map((c) => c.getAttribute('data-id')) };",
            vec![],
        )
        .await;
    assert_eq!(checks["images"], 0, "markup stays text: {checks}");
    assert_eq!(checks["pwned"], false, "{checks}");
    assert_eq!(
        checks["bodies"][0], HOSTILE[0],
        "the text is shown as written"
    );
    assert_eq!(
        checks["overflowing"],
        json!([]),
        "no card overflows: {checks}"
    );
    assert!(
        checks["scroll"].as_f64() <= checks["inner"].as_f64(),
        "the desk scrolls sideways at {name} width: {checks}"
    );
    let shot = browser.client.screenshot().await.expect("a screenshot");
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("desk-{name}.png")), shot).expect("write the screenshot");
}

#[tokio::test]
async fn hostile_text_renders_as_text_on_a_desktop() {
    hostile_at((1280, 800), "desktop").await;
}

#[tokio::test]
async fn hostile_text_renders_as_text_on_a_phone() {
    hostile_at(PHONE, "phone").await;
}
