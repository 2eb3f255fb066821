//! What the widget shows about standing: the quota line before writing and
//! the quota's refusal after, the 편집자 추천 badge a moderator gives, and an
//! author's public history opened from their name.

use serde_json::json;

use crate::driver::Browser;
use crate::helpers::{DEMO_ARTICLE, PASSWORD, TestApp, json_body};

#[tokio::test]
async fn the_reader_sees_the_comments_left_today_and_the_quotas_refusal() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    // Limits on, with the built-in quotas: 20 a day, 3 on one editorial, 15 s apart.
    let app = TestApp::spawn_with(|s| s.rate_limits = true).await;
    let reader = app.reader().await;
    app.published(&reader, DEMO_ARTICLE, "오늘 첫 댓글").await;
    browser.open_article(&app, "").await;
    browser.log_in(&reader.email, PASSWORD).await;

    let line = browser
        .wait_for(
            "the quota line",
            "const q = cd('quota'); return q && !q.hidden && q.textContent;",
        )
        .await;
    browser.post_through_ui("곧바로 두 번째 댓글").await;
    let refusal = browser
        .wait_for(
            "the quota's refusal",
            "const e = cd('error'); return e && e.textContent.includes('초 간격') && e.textContent;",
        )
        .await;

    let line = line.as_str().unwrap();
    assert!(line.contains("오늘 남은 댓글 19개"), "{line}");
    assert!(line.contains("이 기사에 남은 댓글 2개"), "{line}");
    assert!(
        line.contains("다시 쓸 수 있습니다"),
        "{line}: the interval is running"
    );
    assert!(refusal.as_str().unwrap().contains("15초"), "{refusal}");
    let total = app
        .list(&format!("/api/v1/articles/{DEMO_ARTICLE}/comments"))
        .await["total"]
        .clone();
    assert_eq!(total, 1, "the refused comment was not stored");
}

#[tokio::test]
async fn an_editors_pick_carries_its_badge_and_others_do_not() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let picked = app
        .published(&author, DEMO_ARTICLE, "편집자가 고른 댓글")
        .await;
    let plain = app.published(&author, DEMO_ARTICLE, "평범한 댓글").await;
    let id = picked["id"].as_str().unwrap();
    let response = app
        .put_as(
            &moderator,
            &format!("/api/v1/moderation/comments/{id}/featured"),
            &json!({"featured": true}),
        )
        .await;
    assert_eq!(response.status(), 200);

    browser.open_article(&app, "").await;

    let badges = browser
        .js(
            "return [...root.querySelectorAll('[data-cd=list] [data-cd=comment]')].map((li) => \
               [li.getAttribute('data-id'), (li.querySelector('[data-cd=featured-badge]') || {}).textContent || null]);",
            vec![],
        )
        .await;
    assert_eq!(
        badges,
        json!([[plain["id"], null], [picked["id"], "편집자 추천"]]),
        "newest first; only the pick has the badge"
    );
}

#[tokio::test]
async fn an_authors_name_opens_their_history_with_hostile_text_as_text() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let app = TestApp::spawn_with(|s| s.author_history_public = true).await;
    let (author, reader) = (app.reader().await, app.reader().await);
    app.published(
        &author,
        "putin-gorbachev-path",
        "<img src=x onerror=alert(1)> 다른 기사",
    )
    .await;
    let here = app.published(&author, DEMO_ARTICLE, "이 기사의 댓글").await;
    let id = here["id"].as_str().unwrap();
    let liked = app
        .put_as(
            &reader,
            &format!("/api/v1/comments/{id}/reaction"),
            &json!({"kind": "like"}),
        )
        .await;
    assert_eq!(json_body(liked).await["likes"], 1);
    browser.open_article(&app, "").await;

    browser.part("history-link").await.click().await.unwrap();
    let shown = browser
        .wait_for(
            "the history dialog with both comments",
            "const d = cd('history'); const items = d ? d.querySelectorAll('[data-cd=history-item]') : []; \
             return d && d.open && items.length === 2 && { \
               title: d.querySelector('h3').textContent, \
               status: cd('history-status').textContent, \
               bodies: [...items].map((li) => li.querySelector('.body').textContent), \
               images: d.querySelectorAll('img').length };",
        )
        .await;

    assert_eq!(shown["title"], "Test Reader님의 댓글 이력");
    let status = shown["status"].as_str().unwrap();
    assert!(status.contains("2"), "published count in {status}");
    assert!(status.contains("100%"), "30-day ratio in {status}");
    assert_eq!(
        shown["bodies"],
        json!(["이 기사의 댓글", "<img src=x onerror=alert(1)> 다른 기사"]),
        "newest first, markup shown as text"
    );
    assert_eq!(shown["images"], 0, "no element made from the text");
}
