//! The moderation queue: held comments with their reasons, author and parent; filters and paging.

use super::*;

#[tokio::test]
async fn held_comments_wait_in_the_pending_queue_with_their_reasons_and_author() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    app.published(&author, DEMO_ARTICLE, "an earlier, published view")
        .await;
    // Korean before the number, so byte offsets and code-point offsets differ.
    let phone_text = "제 번호 010-1234-5678 로 연락 주세요";
    let phone = held(&app, &author, DEMO_ARTICLE, phone_text).await;
    let suspect = held(&app, &author, DEMO_ARTICLE, "그 사람은 정말 멍청이다").await;

    let page = queue(&app, &moderator, "").await;
    let explicit = queue(&app, &moderator, "?state=pending").await;

    assert_eq!(page, explicit, "pending is the default state");
    assert_eq!(
        queued(&page),
        [id_of(&phone), id_of(&suspect)],
        "oldest first; the published comment is not queued"
    );
    assert_eq!(page["next_cursor"], Value::Null);
    let item = &page["items"][0];
    assert_eq!(item["comment"]["status"], "pending");
    assert_eq!(item["comment"]["body"], phone_text);
    assert_eq!(item["comment"]["article_id"], DEMO_ARTICLE);
    assert_eq!(item["parent"], Value::Null, "not a reply");
    assert_eq!(item["reports"], json!([]));
    assert_eq!(rules_of(&item["reasons"]), ["phone_number"]);
    let reason = &item["reasons"][0];
    assert!(reason["message"].is_string(), "{reason}");
    let (start, end) = (
        reason["start"].as_u64().unwrap() as usize,
        reason["end"].as_u64().unwrap() as usize,
    );
    let span: String = phone_text.chars().skip(start).take(end - start).collect();
    assert!(
        span.contains("1234-5678"),
        "start and end count code points: {span:?}"
    );
    assert_eq!(rules_of(&page["items"][1]["reasons"]), ["suspect_term"]);
    let who = &item["author"];
    assert_eq!(who["id"], author.id.as_str());
    assert_eq!(who["display_name"], "Test Reader");
    assert_eq!(who["published_count"], 1);
    assert_eq!(who["rejected_count"], 0);
    assert_eq!(who["sanction"], Value::Null);
}

#[tokio::test]
async fn a_held_reply_is_queued_with_its_parent() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let replier = app.reader().await;
    let parent = app
        .published(&author, DEMO_ARTICLE, "the treaty changes little")
        .await;

    let reply = app
        .post_as(
            &replier,
            LIST,
            &json!({"body": PHONE, "parent_id": id_of(&parent)}),
        )
        .await;

    assert_eq!(reply.status(), 202);
    let reply = json_body(reply).await["comment"].clone();
    let page = queue(&app, &moderator, "").await;
    assert_eq!(queued(&page), [id_of(&reply)]);
    let item = &page["items"][0];
    assert_eq!(item["comment"]["parent_id"], parent["id"]);
    assert_eq!(item["parent"]["id"], parent["id"]);
    assert_eq!(item["parent"]["body"], "the treaty changes little");
    assert_eq!(item["parent"]["status"], "published");
}

#[tokio::test]
async fn the_queue_filters_by_editorial_and_pages_oldest_first() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let reader = app.reader().await;
    app.article(&moderator, "premod", json!({"premoderation": true}))
        .await;
    let (mut on_demo, mut on_premod, mut everything) = (Vec::new(), Vec::new(), Vec::new());
    for n in 0..5 {
        let id = id_of(&held(&app, &reader, DEMO_ARTICLE, &format!("{PHONE} #{n}")).await);
        on_demo.push(id.clone());
        everything.push(id);
        if n < 2 {
            let id = id_of(&held(&app, &reader, "premod", &format!("a measured view #{n}")).await);
            on_premod.push(id.clone());
            everything.push(id);
        }
    }

    let premod = queue(&app, &moderator, "?article_id=premod").await;
    let all = queue(&app, &moderator, "").await;
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut query = format!("?state=pending&article_id={DEMO_ARTICLE}&limit=2");
        if let Some(c) = &cursor {
            query.push_str(&format!("&cursor={c}"));
        }
        let page = queue(&app, &moderator, &query).await;
        paged.extend(queued(&page));
        pages += 1;
        assert!(pages <= 5, "paging ends");
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }

    assert_eq!(queued(&premod), on_premod);
    for item in premod["items"].as_array().unwrap() {
        assert_eq!(rules_of(&item["reasons"]), ["premoderation"], "{item}");
    }
    assert_eq!(queued(&all), everything, "both editorials, oldest first");
    assert_eq!(pages, 3, "2 + 2 + 1");
    assert_eq!(paged, on_demo, "every held comment once, oldest first");
    let bad = [
        ("?state=open", 400, "invalid_query", "an unknown state"),
        ("?limit=0", 400, "invalid_query", "a zero limit"),
        ("?cursor=garbage", 400, "invalid_cursor", "a forged cursor"),
    ];
    for (query, status, code, why) in bad {
        let response = app
            .get_as(&moderator, &format!("/api/v1/moderation/queue{query}"))
            .await;
        assert_eq!(response.status(), status, "{why}");
        assert_problem(response, status, code).await;
    }
}
