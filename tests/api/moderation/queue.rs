//! The moderation queue: held comments with their reasons, author and parent; filters and paging.

use super::*;
use crate::helpers::Comment;

#[tokio::test]
async fn held_comments_wait_in_the_pending_queue_with_their_reasons_and_author() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    app.published(&author, DEMO_ARTICLE, "an earlier, published view")
        .await;
    // Korean before the number, so byte offsets and code-point offsets differ.
    let phone_text = "제 번호 010-1234-5678 로 연락 주세요";
    let phone = app.held_comment(&author, DEMO_ARTICLE, phone_text).await;
    let suspect = app
        .held_comment(&author, DEMO_ARTICLE, "그 사람은 정말 멍청이다")
        .await;

    let page = queue(&app, &moderator, "").await;
    let explicit = queue(&app, &moderator, "?state=pending").await;
    let typed = app.queue(&moderator, "").await;

    assert_eq!(page, explicit, "pending is the default state");
    assert_eq!(
        queued_ids(&typed),
        [phone.id, suspect.id],
        "oldest first; the published comment is not queued"
    );
    assert_eq!(typed.next_cursor, None);
    let item = &typed.items[0];
    assert_eq!(item.comment.status, "pending");
    assert_eq!(item.comment.body, phone_text);
    assert_eq!(item.comment.article_id, DEMO_ARTICLE);
    assert!(item.parent.is_none(), "not a reply");
    assert!(item.reports.is_empty());
    assert_eq!(item.rules(), ["phone_number"]);
    let reason = &item.reasons[0];
    assert!(!reason.message.is_empty(), "{reason:?}");
    let span: String = phone_text
        .chars()
        .skip(reason.start)
        .take(reason.end - reason.start)
        .collect();
    assert!(
        span.contains("1234-5678"),
        "start and end count code points: {span:?}"
    );
    assert_eq!(typed.items[1].rules(), ["suspect_term"]);
    let who = &item.author;
    assert_eq!(who.id, author.id);
    assert_eq!(who.display_name, "Test Reader");
    assert_eq!(who.published_count, 1);
    assert_eq!(who.rejected_count, 0);
    assert!(who.sanction.is_none());
}

#[tokio::test]
async fn a_held_reply_is_queued_with_its_parent() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let replier = app.reader().await;
    let parent = app
        .published_comment(&author, DEMO_ARTICLE, "the treaty changes little")
        .await;

    let reply = app
        .post_as(
            &replier,
            LIST,
            &json!({"body": PHONE, "parent_id": parent.id}),
        )
        .await;

    assert_eq!(reply.status(), 202);
    let reply = parse::<CommentAnswer>(reply).await.comment;
    let page = app.queue(&moderator, "").await;
    assert_eq!(queued_ids(&page), [reply.id]);
    let item = &page.items[0];
    assert_eq!(item.comment.parent_id.as_ref(), Some(&parent.id));
    let shown: &Comment = item.parent.as_ref().expect("the parent");
    assert_eq!(shown.id, parent.id);
    assert_eq!(shown.body, "the treaty changes little");
    assert_eq!(shown.status, "published");
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
        let text = format!("{PHONE} #{n}");
        let id = app.held_comment(&reader, DEMO_ARTICLE, &text).await.id;
        on_demo.push(id.clone());
        everything.push(id);
        if n < 2 {
            let text = format!("a measured view #{n}");
            let id = app.held_comment(&reader, "premod", &text).await.id;
            on_premod.push(id.clone());
            everything.push(id);
        }
    }

    let premod = app.queue(&moderator, "?article_id=premod").await;
    let all = app.queue(&moderator, "").await;
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut query = format!("?state=pending&article_id={DEMO_ARTICLE}&limit=2");
        if let Some(c) = &cursor {
            query.push_str(&format!("&cursor={c}"));
        }
        let page = app.queue(&moderator, &query).await;
        paged.extend(queued_ids(&page));
        pages += 1;
        assert!(pages <= 5, "paging ends");
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }

    assert_eq!(queued_ids(&premod), on_premod);
    for item in &premod.items {
        assert_eq!(item.rules(), ["premoderation"], "{item:?}");
    }
    assert_eq!(
        queued_ids(&all),
        everything,
        "both editorials, oldest first"
    );
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
