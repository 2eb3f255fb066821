//! 공감/비공감 in the widget, the ordering tabs and the best comments, against
//! the real server: what the buttons show is what the API says.

use std::time::Duration;

use fantoccini::Locator;
use fantoccini::elements::Element;
use fantoccini::key::Key;
use reqwest::header::ACCEPT_LANGUAGE;
use serde_json::{Value, json};

use crate::driver::Browser;
use crate::helpers::{DEMO_ARTICLE, PASSWORD, TestApp, TestUser, json_body};

/// How long the widget may take to show a server's answer.
const PATIENCE: Duration = Duration::from_secs(10);

/// The reaction bar of comment `id` in the list (not its copy among the best).
fn bar_selector(id: &str) -> String {
    format!("[data-cd=list] [data-cd=comment][data-id=\"{id}\"] > [data-cd=reactions]")
}

impl Browser {
    /// The 공감 or 비공감 button (`kind` is `like` or `dislike`) of comment `id`, to click.
    async fn reaction_button(&self, id: &str, kind: &str) -> Element {
        let selector = format!("{} > [data-cd={kind}]", bar_selector(id));
        let found = async {
            let host = self.client.find(Locator::Css("#comments")).await?;
            host.shadow_root()
                .await?
                .find(Locator::Css(&selector))
                .await
        }
        .await;
        found.unwrap_or_else(|e| panic!("no {selector} in the widget: {e}"))
    }

    /// Clicks comment `id`'s 공감 or 비공감 button as a reader would.
    async fn press_reaction(&self, id: &str, kind: &str) {
        self.reaction_button(id, kind).await.click().await.unwrap();
    }

    /// Waits for the note under comment `id`'s buttons of this `kind`
    /// (`login`, `error`) and returns its text.
    async fn reaction_note(&self, id: &str, kind: &str, what: &str) -> Value {
        self.wait_for_with(
            what,
            "const n = root.querySelector(arguments[0] + ' > [data-cd=reaction-note]'); \
             return n && n.getAttribute('data-kind') === arguments[1] && n.textContent;",
            vec![json!(bar_selector(id)), json!(kind)],
        )
        .await
    }

    /// `{like: [text, aria-pressed, disabled], dislike: […]}` of comment `id`'s buttons.
    async fn buttons(&self, id: &str) -> Value {
        self.js(
            "const bar = root.querySelector(arguments[0]); if (!bar) return null; \
             const b = (kind) => { const n = bar.querySelector('[data-cd=' + kind + ']'); \
               return [n.textContent, n.getAttribute('aria-pressed'), n.disabled]; }; \
             return { like: b('like'), dislike: b('dislike') };",
            vec![json!(bar_selector(id))],
        )
        .await
    }

    /// Waits until comment `id`'s buttons show `expected`; fails with what they show.
    async fn wait_for_buttons(&self, id: &str, expected: Value) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let shown = self.buttons(id).await;
            if shown == expected || tokio::time::Instant::now() > deadline {
                assert_eq!(shown, expected, "the buttons of comment {id}");
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the list shows exactly `expected` (ids, top level, in order).
    async fn wait_for_order(&self, what: &str, expected: &[String]) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let shown: Vec<String> = self.listed().await.into_iter().map(|c| c.id).collect();
            if shown == expected || tokio::time::Instant::now() > deadline {
                assert_eq!(
                    shown,
                    expected,
                    "{what}; the widget shows:\n{}",
                    self.snapshot().await
                );
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The ids in the best comments section, `None` while it is hidden.
    async fn best_shown(&self) -> Value {
        self.js(
            "const best = cd('best'); if (!best || best.hidden) return null; \
             return [...best.querySelectorAll('[data-cd=comment]')].map((li) => ({ id: li.getAttribute('data-id'), \
               badge: (li.querySelector('[data-cd=best-badge]') || {}).textContent || null }));",
            vec![],
        )
        .await
    }
}

fn buttons(like: &str, liked: bool, dislike: &str, disliked: bool) -> Value {
    json!({ "like": [like, liked.to_string(), false], "dislike": [dislike, disliked.to_string(), false] })
}

/// The comment as the API shows it to `viewer`.
async fn api_comment(app: &TestApp, viewer: &TestUser, id: &str) -> Value {
    let response = app.get_as(viewer, &format!("/api/v1/comments/{id}")).await;
    assert_eq!(response.status(), 200, "GET comment {id}");
    json_body(response).await["comment"].clone()
}

/// `(likes, dislikes, my_reaction)` of comment `id` for `viewer`, from the API.
async fn api_tally(app: &TestApp, viewer: &TestUser, id: &str) -> (i64, i64, Value) {
    let c = api_comment(app, viewer, id).await;
    (
        c["likes"].as_i64().expect("likes"),
        c["dislikes"].as_i64().expect("dislikes"),
        c["my_reaction"].clone(),
    )
}

async fn react(app: &TestApp, reader: &TestUser, id: &str, kind: &str) {
    let path = format!("/api/v1/comments/{id}/reaction");
    let response = app.put_as(reader, &path, &json!({ "kind": kind })).await;
    assert_eq!(response.status(), 200, "{kind} on {id}");
}

async fn readers(app: &TestApp, count: usize) -> Vec<TestUser> {
    let mut crowd = Vec::with_capacity(count);
    for _ in 0..count {
        crowd.push(app.reader().await);
    }
    crowd
}

/// `likes` readers of `crowd` press 공감 on `id`, the next `dislikes` 비공감.
async fn give(app: &TestApp, crowd: &[TestUser], id: &str, likes: usize, dislikes: usize) {
    for (n, reader) in crowd[..likes + dislikes].iter().enumerate() {
        react(app, reader, id, if n < likes { "like" } else { "dislike" }).await;
    }
}

fn id_of(comment: &Value) -> String {
    comment["id"].as_str().expect("a comment id").to_owned()
}

#[tokio::test]
async fn a_reader_likes_switches_and_takes_back_and_the_counts_are_the_servers() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let (author, reader, other) = (app.reader().await, app.reader().await, app.reader().await);
    let id = id_of(
        &app.published(&author, DEMO_ARTICLE, "공감을 기다리는 댓글")
            .await,
    );
    // Someone else's 비공감, which the widget can only know from the server.
    react(&app, &other, &id, "dislike").await;
    browser.open_article(&app, "").await;
    browser.log_in(&reader.email, PASSWORD).await;
    browser
        .wait_for_buttons(&id, buttons("공감 0", false, "비공감 1", false))
        .await;

    browser.press_reaction(&id, "like").await;
    browser
        .wait_for_buttons(&id, buttons("공감 1", true, "비공감 1", false))
        .await;
    assert_eq!(api_tally(&app, &reader, &id).await, (1, 1, json!("like")));

    browser.open_article(&app, "").await;
    browser
        .wait_for_buttons(&id, buttons("공감 1", true, "비공감 1", false))
        .await;

    browser.press_reaction(&id, "dislike").await;
    browser
        .wait_for_buttons(&id, buttons("공감 0", false, "비공감 2", true))
        .await;
    assert_eq!(
        api_tally(&app, &reader, &id).await,
        (0, 2, json!("dislike"))
    );

    browser.press_reaction(&id, "dislike").await;
    browser
        .wait_for_buttons(&id, buttons("공감 0", false, "비공감 1", false))
        .await;
    assert_eq!(api_tally(&app, &reader, &id).await, (0, 1, Value::Null));
}

#[tokio::test]
async fn a_reply_has_its_own_buttons() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let (author, reader) = (app.reader().await, app.reader().await);
    let parent = id_of(&app.published(&author, DEMO_ARTICLE, "원 댓글").await);
    let reply = app
        .post_as(
            &author,
            &format!("/api/v1/articles/{DEMO_ARTICLE}/comments"),
            &json!({ "body": "답글", "parent_id": parent }),
        )
        .await;
    assert_eq!(reply.status(), 201);
    let reply = id_of(&json_body(reply).await["comment"]);
    browser.open_article(&app, "").await;
    browser.log_in(&reader.email, PASSWORD).await;

    browser.press_reaction(&reply, "like").await;

    browser
        .wait_for_buttons(&reply, buttons("공감 1", true, "비공감 0", false))
        .await;
    browser
        .wait_for_buttons(&parent, buttons("공감 0", false, "비공감 0", false))
        .await;
    assert_eq!(
        api_tally(&app, &reader, &reply).await,
        (1, 0, json!("like"))
    );
    assert_eq!(api_tally(&app, &reader, &parent).await, (0, 0, Value::Null));
}

#[tokio::test]
async fn a_logged_out_reader_is_asked_to_log_in() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let author = app.reader().await;
    let id = id_of(
        &app.published(&author, DEMO_ARTICLE, "Waiting for a like")
            .await,
    );
    browser.open_article(&app, "?lang=en").await;
    browser
        .wait_for_buttons(&id, buttons("Like 0", false, "Dislike 0", false))
        .await;

    browser.press_reaction(&id, "like").await;

    let note = browser
        .reaction_note(&id, "login", "the comment's note to ask for a login")
        .await;
    assert_eq!(note, json!("Log in to like or dislike comments."));
    let focus = browser.focused().await;
    assert!(
        focus.contains("[data-cd=email]"),
        "the login form's email has the focus, not {focus}"
    );
    browser
        .wait_for_buttons(&id, buttons("Like 0", false, "Dislike 0", false))
        .await;
    assert_eq!(api_tally(&app, &author, &id).await.0, 0, "no like was sent");
}

#[tokio::test]
async fn a_readers_own_comment_has_no_live_buttons() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let (author, other) = (app.reader().await, app.reader().await);
    let own = id_of(&app.published(&author, DEMO_ARTICLE, "내가 쓴 댓글").await);
    let theirs = id_of(&app.published(&other, DEMO_ARTICLE, "남이 쓴 댓글").await);
    react(&app, &other, &own, "like").await;
    browser.open_article(&app, "").await;

    browser.log_in(&author.email, PASSWORD).await;

    let disabled =
        json!({ "like": ["공감 1", "false", true], "dislike": ["비공감 0", "false", true] });
    browser.wait_for_buttons(&own, disabled).await;
    browser
        .wait_for_buttons(&theirs, buttons("공감 0", false, "비공감 0", false))
        .await;
}

#[tokio::test]
async fn a_refused_reaction_shows_the_servers_words_by_the_comment() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let (author, reader, other) = (app.reader().await, app.reader().await, app.reader().await);
    let id = id_of(&app.published(&author, DEMO_ARTICLE, "곧 지워질 댓글").await);
    browser.open_article(&app, "").await;
    browser.log_in(&reader.email, PASSWORD).await;
    browser
        .js(
            "window.__alerts = 0; window.alert = () => { window.__alerts += 1; };",
            vec![],
        )
        .await;
    let deleted = app
        .delete_as(&author, &format!("/api/v1/comments/{id}"))
        .await;
    assert_eq!(deleted.status(), 204, "the author deletes the comment");

    browser.press_reaction(&id, "like").await;

    let shown = browser
        .reaction_note(&id, "error", "the comment's note to show why")
        .await;
    let refused = app
        .client
        .put(app.url(&format!("/api/v1/comments/{id}/reaction")))
        .bearer_auth(&other.token)
        .header(ACCEPT_LANGUAGE, "ko")
        .json(&json!({ "kind": "like" }))
        .send()
        .await
        .unwrap();
    assert!(refused.status().is_client_error(), "{}", refused.status());
    let detail = json_body(refused).await["detail"].clone();
    assert!(detail.as_str().is_some_and(|d| !d.is_empty()), "{detail}");
    assert_eq!(shown, detail, "the note shows the server's detail");
    assert_eq!(
        browser.js("return window.__alerts;", vec![]).await,
        json!(0)
    );
}

#[tokio::test]
async fn each_tab_orders_the_list_as_the_api_does() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    // Two reactions are enough to be ranked by ratio, so six readers do.
    let app = TestApp::spawn_with(|s| s.ratio_min_reactions = 2).await;
    let author = app.reader().await;
    let crowd = readers(&app, 6).await;
    let mut ids = Vec::new();
    for body in [
        "A 가장 오래된 댓글",
        "B 두 번째",
        "C 세 번째",
        "D 가장 새 댓글",
    ] {
        ids.push(id_of(&app.published(&author, DEMO_ARTICLE, body).await));
    }
    let (a, b, c, d) = (&ids[0], &ids[1], &ids[2], &ids[3]);
    give(&app, &crowd, a, 1, 1).await; // 순공감 0, ratio .5
    give(&app, &crowd, b, 5, 1).await; // 순공감 4, ratio .83
    give(&app, &crowd, c, 2, 0).await; // 순공감 2, ratio 1
    // D has none: 순공감 0 (newer than A, so first of the tie), not ranked by ratio.
    let expected = [
        ("newest", [d, c, b, a]),
        ("best", [b, c, d, a]),
        ("ratio", [c, b, a, d]),
        ("oldest", [a, b, c, d]),
    ];
    browser.open_article(&app, "").await;

    for (order, ids) in expected {
        let ids: Vec<String> = ids.into_iter().cloned().collect();
        let api = app
            .list(&format!(
                "/api/v1/articles/{DEMO_ARTICLE}/comments?order={order}"
            ))
            .await;
        let api_ids: Vec<String> = api["comments"]
            .as_array()
            .unwrap()
            .iter()
            .map(id_of)
            .collect();
        assert_eq!(api_ids, ids, "the API's {order} order");

        browser
            .part(&format!("order-{order}"))
            .await
            .click()
            .await
            .unwrap();

        browser
            .wait_for_order(&format!("the list by {order}"), &ids)
            .await;
        let selected = browser
            .js(
                "return [...cd('orders').querySelectorAll('[role=tab]')] \
                   .filter((t) => t.getAttribute('aria-selected') === 'true').map((t) => t.getAttribute('data-cd'));",
                vec![],
            )
            .await;
        assert_eq!(selected, json!([format!("order-{order}")]));
    }
}

#[tokio::test]
async fn more_continues_in_the_chosen_order() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let author = app.reader().await;
    let mut ids = Vec::new();
    for n in 0..23 {
        ids.push(id_of(
            &app.published(&author, DEMO_ARTICLE, &format!("댓글 {n}"))
                .await,
        ));
    }
    browser.open_article(&app, "").await;

    browser.part("order-oldest").await.click().await.unwrap();
    browser
        .wait_for_order("the first page, oldest first", &ids[..20])
        .await;
    browser.part("more").await.click().await.unwrap();

    browser
        .wait_for_order("both pages, oldest first", &ids)
        .await;
    assert_eq!(browser.attr_of("more", "hidden").await.as_deref(), Some(""));
    assert_eq!(browser.text_of("error").await.as_deref(), Some(""));
}

#[tokio::test]
async fn the_best_comments_come_first_with_the_badge_in_the_default_view() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::spawn_with(|s| {
        s.best_comments = 2;
        s.best_min_score = 2;
    })
    .await;
    let author = app.reader().await;
    let crowd = readers(&app, 3).await;
    let mut ids = Vec::new();
    for body in ["둘째로 좋은 댓글", "가장 좋은 댓글", "조금 좋은 댓글"] {
        ids.push(id_of(&app.published(&author, DEMO_ARTICLE, body).await));
    }
    give(&app, &crowd, &ids[0], 2, 0).await;
    give(&app, &crowd, &ids[1], 3, 0).await;
    give(&app, &crowd, &ids[2], 1, 0).await; // below the threshold
    let api = app
        .list(&format!("/api/v1/articles/{DEMO_ARTICLE}/best"))
        .await;
    let api_best: Vec<String> = api["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(api_best, [ids[1].clone(), ids[0].clone()], "the API's best");

    browser.open_article(&app, "").await;

    let expected_best = json!([
        { "id": ids[1], "badge": "베스트" },
        { "id": ids[0], "badge": "베스트" },
    ]);
    assert_eq!(browser.best_shown().await, expected_best);
    let newest: Vec<String> = ids.iter().rev().cloned().collect();
    browser
        .wait_for_order("every comment still in the list", &newest)
        .await;
    assert_eq!(
        browser
            .js("return cd('best').querySelector('h3').textContent;", vec![])
            .await,
        json!("베스트 댓글")
    );

    browser.part("order-best").await.click().await.unwrap();
    browser
        .wait_for_order(
            "the list by 순공감순",
            &[ids[1].clone(), ids[0].clone(), ids[2].clone()],
        )
        .await;
    assert_eq!(
        browser.best_shown().await,
        Value::Null,
        "best only heads 최신순"
    );

    browser.part("order-newest").await.click().await.unwrap();
    browser
        .wait_for_order("the list by 최신순 again", &newest)
        .await;
    assert_eq!(browser.best_shown().await, expected_best);
}

#[tokio::test]
async fn the_keyboard_reaches_and_presses_a_reaction_and_moves_through_the_tabs() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let (author, reader) = (app.reader().await, app.reader().await);
    let id = id_of(
        &app.published(&author, DEMO_ARTICLE, "키보드로 공감할 댓글")
            .await,
    );
    browser.open_article(&app, "").await;
    browser.log_in(&reader.email, PASSWORD).await;
    browser
        .js(
            "if (document.activeElement) document.activeElement.blur(); window.scrollTo(0, 0);",
            vec![],
        )
        .await;

    browser.tab_to("order-newest").await;
    for (key, order) in [
        (Key::Right, "best"),
        (Key::End, "oldest"),
        (Key::Left, "ratio"),
        (Key::Home, "newest"),
    ] {
        browser.press(key).await;
        let at = browser.focused().await;
        assert!(
            at.contains(&format!("[data-cd=order-{order}]")),
            "after {order:?}'s key the focus is on {at}"
        );
        assert_eq!(
            browser
                .attr_of(&format!("order-{order}"), "aria-selected")
                .await
                .as_deref(),
            Some("true")
        );
        assert_eq!(
            browser
                .attr_of(&format!("order-{order}"), "tabindex")
                .await
                .as_deref(),
            Some("0")
        );
    }

    // From the tabs, Tab goes into the list: to the comment's 공감.
    browser.tab_to("like").await;
    browser.press_keys(" ").await;
    browser
        .wait_for_buttons(&id, buttons("공감 1", true, "비공감 0", false))
        .await;
    assert_eq!(api_tally(&app, &reader, &id).await, (1, 0, json!("like")));
    browser.press(Key::Enter).await;
    browser
        .wait_for_buttons(&id, buttons("공감 0", false, "비공감 0", false))
        .await;
    assert_eq!(api_tally(&app, &reader, &id).await, (0, 0, Value::Null));
}
