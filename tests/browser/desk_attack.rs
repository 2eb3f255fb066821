//! An attacker's pass over the desk page: markup in every place a stranger
//! (or a careless moderator) writes text that the desk shows, a foreign page
//! that frames the desk, and a session logged out in another tab.

use actix_web::{App, HttpResponse, HttpServer, web};
use fantoccini::Locator;
use serde_json::{Value, json};

use comment_desk::domain::accounts::Role;

use crate::driver::Browser;
use crate::helpers::{PASSWORD, TestApp, TestUser, json_body};

/// Display names go through the text rule and the 30-character limit, but
/// markup is text to that rule.
const AUTHOR_NAME: &str = "<img src=x onerror=pwned=1>";
const REPORTER_NAME: &str = "<svg onload=pwned=2>";
const PARENT_NAME: &str = "<b onclick=pwned=3>굵게</b>";
const TITLE: &str = "<script>pwned=4</script><img src=x onerror=pwned=5> 사설";
const PARENT_BODY: &str =
    "<iframe srcdoc=\"<script>parent.pwned=6</script>\"></iframe> 부모 댓글입니다";
/// Held by the suspect-term rule, whose message quotes what matched.
const REPLY_BODY: &str = "stupid<img src=x onerror=pwned=7> 답글입니다";
const REPORT_NOTE: &str = "<img src=x onerror=pwned=8> 신고 사유";
const NOTE: &str = "<img src=x onerror=pwned=9> 메모";
const SANCTION_REASON: &str = "<a href=javascript:pwned=10>정지 사유</a>";
/// A careless or compromised staff account's name.
const STAFF_NAME: &str = "<img src=x onerror=pwned=11>";

/// What a page shows once markup has turned into elements or run.
const INJECTED: &str = "return { pwned: window.pwned || 0,
  elements: [...document.body.querySelectorAll('img, svg, script, iframe, b, [onerror], [onload], [onclick], a[href^=javascript]')]
    .map((e) => e.outerHTML) };";

async fn named(app: &TestApp, display_name: &str, n: usize) -> TestUser {
    let email = format!("stranger{n}@news.example");
    let registered = app.register(&email, display_name, PASSWORD).await;
    let status = registered.status();
    let body = json_body(registered).await;
    assert_eq!(status, 201, "{display_name:?} is a name: {body}");
    TestUser {
        id: body["user"]["id"].as_str().unwrap().to_owned(),
        email,
        token: body["token"].as_str().unwrap().to_owned(),
    }
}

impl Browser {
    async fn assert_nothing_injected(&self, where_: &str) {
        let found = self.desk(INJECTED, vec![]).await;
        assert_eq!(found["pwned"], 0, "{where_}: script ran: {found}");
        assert_eq!(
            found["elements"],
            json!([]),
            "{where_}: markup became elements"
        );
    }

    async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn strangers_markup_stays_text_everywhere_the_desk_shows_it() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::spawn_with(|s| s.reports_to_queue = 1).await;
    let moderator = app.moderator().await;
    let careless = app.staff_named(Role::Moderator, STAFF_NAME).await;
    let author = named(&app, AUTHOR_NAME, 1).await;
    let reporter = named(&app, REPORTER_NAME, 2).await;
    let parent_author = named(&app, PARENT_NAME, 3).await;
    let article = app
        .article(&moderator, "hostile-title", json!({"title": TITLE}))
        .await;
    let parent = app.published(&parent_author, &article, PARENT_BODY).await;
    let parent_id = parent["id"].as_str().unwrap().to_owned();
    let reply = app.reply(&author, &article, &parent_id, REPLY_BODY).await;
    let status = reply.status();
    let reply = json_body(reply).await;
    assert_eq!(status, 202, "the suspect reply is held: {reply}");
    let reply_id = reply["comment"]["id"].as_str().unwrap().to_owned();
    let report = app
        .post_as(
            &reporter,
            &format!("/api/v1/comments/{parent_id}/reports"),
            &json!({"reason": "abuse", "note": REPORT_NOTE}),
        )
        .await;
    assert_eq!(report.status(), 202);
    let note = app
        .put_as(
            &careless,
            &format!("/api/v1/moderation/users/{}/note", author.id),
            &json!({"note": NOTE}),
        )
        .await;
    assert_eq!(note.status(), 200);
    let until = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    app.sanctioned(
        &careless,
        &author,
        &json!({"kind": "suspend", "until": until, "reason": SANCTION_REASON}),
    )
    .await;
    let queued: Value = app
        .client
        .get(app.url("/api/v1/moderation/queue?state=pending"))
        .bearer_auth(&moderator.token)
        .header("accept-language", "ko")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let message = queued["items"][0]["reasons"]
        .as_array()
        .and_then(|reasons| reasons.iter().find(|r| r["rule"] == "suspect_term"))
        .and_then(|r| r["message"].as_str())
        .expect("the suspect-term reason")
        .to_owned();

    // The pending card: editorial, parent, body, reason, author.
    browser.open_desk_as(&app, &moderator, "ko").await;
    browser
        .desk_items_are("the held reply", std::slice::from_ref(&reply_id))
        .await;
    let card = browser
        .desk(
            "const li = document.querySelector('[data-desk=item]');
             const text = (css) => li.querySelector(css) && li.querySelector(css).textContent;
             return { editorial: text('[data-desk=editorial]'), parent: text('[data-desk=parent] .text'),
               parentName: text('[data-desk=parent] bdi'), body: text('[data-desk=body]'),
               reason: text('[data-desk=reasons] [data-rule=suspect_term]'),
               author: text('[data-desk=author-record] bdi'),
               href: li.querySelector('[data-desk=editorial]').href };",
            vec![],
        )
        .await;
    assert_eq!(card["editorial"], TITLE, "{card}");
    assert_eq!(card["parent"], PARENT_BODY, "{card}");
    assert_eq!(card["parentName"], PARENT_NAME, "{card}");
    assert_eq!(card["body"], REPLY_BODY, "{card}");
    assert!(
        card["reason"].as_str().unwrap().ends_with(&message),
        "the rule's message as the API gave it: {card} / {message}"
    );
    assert_eq!(card["author"], AUTHOR_NAME, "{card}");
    assert_eq!(
        card["href"],
        format!("{}/editorials/hostile-title", app.address),
        "{card}"
    );
    browser.assert_nothing_injected("the pending card").await;

    // The drawer: name, comments with their editorial, sanction reason, note.
    browser.press_keys("o").await;
    let drawer = browser
        .desk_wait(
            "the drawer",
            "const d = dk('drawer'); const s = dk('drawer-sanctions'); const c = dk('drawer-comments');
             return !d.hidden && s && c && c.children.length === 1 && dk('note') &&
               { who: d.querySelector('.who bdi').textContent, sanction: s.textContent, comment: c.textContent, note: dk('note').value };",
        )
        .await;
    assert_eq!(drawer["who"], AUTHOR_NAME, "{drawer}");
    assert!(
        drawer["sanction"]
            .as_str()
            .unwrap()
            .contains(SANCTION_REASON),
        "{drawer}"
    );
    let comment = drawer["comment"].as_str().unwrap();
    assert!(
        comment.contains(TITLE) && comment.contains(REPLY_BODY),
        "{drawer}"
    );
    assert_eq!(drawer["note"], NOTE, "{drawer}");
    browser.assert_nothing_injected("the drawer").await;
    browser.press_keys("\u{E00C}").await; // Escape

    // The reported card: the report's note and its reporter.
    browser
        .click("[data-desk=queue][data-queue=reported]")
        .await;
    browser
        .desk_items_are("the reported parent", std::slice::from_ref(&parent_id))
        .await;
    let reports = browser
        .desk_wait(
            "the report notes",
            "const r = document.querySelector('[data-desk=item] [data-desk=reports] .notes li');
             return r && { name: r.querySelector('bdi').textContent, text: r.textContent };",
        )
        .await;
    assert_eq!(reports["name"], REPORTER_NAME, "{reports}");
    assert!(
        reports["text"].as_str().unwrap().ends_with(REPORT_NOTE),
        "{reports}"
    );
    browser.assert_nothing_injected("the reported card").await;

    // The editorial filter lists the title as text.
    let option = browser
        .desk(
            &format!(
                "const o = [...dk('filter-article').options].find((o) => o.value === {article:?}); return o && o.textContent;"
            ),
            vec![],
        )
        .await;
    assert_eq!(option, TITLE);

    // The log names them all as text.
    browser.click("[data-desk=queue][data-queue=log]").await;
    let log = browser
        .desk_wait(
            "the log",
            "const lines = [...document.querySelectorAll('[data-desk=log-entry]')];
             return lines.length >= 2 && lines.map((l) => l.textContent).join('\\n');",
        )
        .await;
    assert!(
        log.as_str().unwrap().contains(STAFF_NAME),
        "the careless moderator's name in the log: {log}"
    );
    browser.assert_nothing_injected("the log").await;
}

#[tokio::test]
async fn the_conflict_notice_names_the_first_moderator_as_text() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let careless = app.staff_named(Role::Moderator, STAFF_NAME).await;
    let author = app.reader().await;
    let held = app
        .held_comment(
            &author,
            crate::helpers::DEMO_ARTICLE,
            "연락처 010-5555-1212 남겨요",
        )
        .await;
    // No live stream: the decided item stays on this desk until it acts.
    browser.cdp("Network.enable", json!({})).await;
    browser
        .cdp(
            "Network.setBlockedURLs",
            json!({"urls": ["*/moderation/events*"]}),
        )
        .await;
    browser.open_desk_as(&app, &moderator, "en").await;
    browser
        .desk_items_are("the held comment", std::slice::from_ref(&held.id))
        .await;
    app.decided(&careless, &held.id, &json!({"action": "approve"}))
        .await;

    browser.press_keys("a").await;
    let notice = browser
        .desk_wait(
            "the conflict notice",
            "const t = dk('toast'); return !t.hidden && t.getAttribute('data-kind') === 'conflict' && t.textContent;",
        )
        .await;
    assert!(
        notice.as_str().unwrap().contains(STAFF_NAME),
        "the notice names them as written: {notice}"
    );
    browser.assert_nothing_injected("the conflict notice").await;
}

/// A page on another origin (another port) that frames the desk.
fn foreign_page(app: &TestApp) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = listener.local_addr().unwrap().port();
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Win a prize</title></head>\
         <body><h1>Click the button</h1><iframe id=\"trap\" src=\"{}/desk?lang=en\" width=\"800\" height=\"600\"></iframe></body></html>",
        app.address
    );
    let server = HttpServer::new(move || {
        let html = html.clone();
        App::new().default_service(web::to(move || {
            let html = html.clone();
            async move {
                HttpResponse::Ok()
                    .content_type("text/html; charset=utf-8")
                    .body(html)
            }
        }))
    })
    .workers(1)
    .listen(listener)
    .expect("serve the foreign page")
    .run();
    tokio::spawn(server);
    format!("http://127.0.0.1:{port}/prize")
}

#[tokio::test]
async fn a_foreign_page_cannot_frame_the_desk() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    // Signed in first, so a framed desk would be a working one.
    browser.open_desk_as(&app, &moderator, "en").await;

    let page = foreign_page(&app);
    browser
        .client
        .goto(&page)
        .await
        .expect("open the foreign page");
    browser
        .client
        .wait()
        .for_element(Locator::Css("#trap"))
        .await
        .expect("the frame");
    // Give the frame time to load, or to be refused.
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    browser.client.enter_frame(0).await.expect("into the frame");
    let framed: Value = browser
        .client
        .execute(
            "return { desk: !!document.getElementById('desk'), script: !!document.querySelector('script[src$=\"desk.js\"]'), url: location.href };",
            vec![],
        )
        .await
        .expect("read the frame");
    assert_eq!(
        framed["desk"], false,
        "the desk rendered in a frame: {framed}"
    );
    assert_eq!(framed["script"], false, "{framed}");
}

#[tokio::test]
async fn a_desk_whose_session_was_logged_out_elsewhere_signs_out() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let other = app.moderator().await;
    let reader = app.reader().await;
    browser.open_desk_as(&app, &moderator, "en").await;
    browser
        .desk_wait(
            "the live stream",
            "return dk('live') && dk('live').getAttribute('data-state') === 'open';",
        )
        .await;

    // Another tab of the same browser logs the session out; this desk's
    // script is not told.
    let status = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch('/api/v1/auth/logout', { method: 'POST', credentials: 'same-origin' }).then((r) => done(r.status));",
            vec![],
        )
        .await
        .expect("log out");
    assert_eq!(status, 204);
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    let until = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    app.sanctioned(
        &other,
        &reader,
        &json!({"kind": "suspend", "until": until, "reason": "abuse"}),
    )
    .await;

    browser
        .desk_wait(
            "the sign-in form once the stream ended",
            "return desk.getAttribute('data-view') === 'sign-in';",
        )
        .await;
}
