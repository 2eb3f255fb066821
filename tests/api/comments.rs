//! Comments: posting, the text rule over HTTP, replies, paging, visibility, deletion
//! and the dry run.

use comment_desk::domain::ids::CommentId;
use serde_json::{Value, json};

use crate::helpers::{
    CommentAnswer, DEMO_ARTICLE, TestApp, assert_problem, json_body, listed_ids, parse, problem,
};

const LIST: &str = "/api/v1/articles/putin-north-korea-signal/comments";

#[tokio::test]
async fn a_reader_posts_and_everyone_sees_the_comment() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;

    let response = app
        .comment(
            &reader,
            DEMO_ARTICLE,
            "  푸틴은 북한에\r\n잘못된 신호를 보내서는 안 된다\u{200B} ",
        )
        .await;

    assert_eq!(response.status(), 201);
    let comment = parse::<CommentAnswer>(response).await.comment;
    assert_eq!(
        comment.body,
        "푸틴은 북한에\n잘못된 신호를 보내서는 안 된다"
    );
    assert_eq!(comment.length, 25);
    assert_eq!(comment.status, "published");
    assert_eq!(comment.article_id, DEMO_ARTICLE);
    assert_eq!(comment.parent_id, None);
    assert_eq!(comment.author.id, reader.id);
    assert_eq!(comment.edited_at, None);
    let list = app.threads(LIST).await;
    assert_eq!(list.total, Some(1));
    assert_eq!(list.next_cursor, None);
    assert_eq!(list.items[0].comment.body, comment.body);
    let article = app.list("/api/v1/articles/putin-north-korea-signal").await;
    assert_eq!(article["article"]["comment_count"], 1);
    let path = format!("/api/v1/comments/{}", comment.id);
    let fetched = parse::<CommentAnswer>(app.get(&path).await).await;
    assert_eq!(fetched.comment, comment);
}

#[tokio::test]
async fn posting_errors_follow_the_contract() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    let moderator = app.moderator().await;
    app.article(&moderator, "closed-one", json!({"comments_open": false}))
        .await;

    let anonymous = app.post_json(LIST, &json!({"body": "hello"})).await;
    assert_problem(anonymous, 401, "unauthenticated").await;
    let missing = app.comment(&reader, "no-such-article", "hello").await;
    assert_problem(missing, 404, "article_not_found").await;
    let closed = app.comment(&reader, "closed-one", "hello").await;
    assert_problem(closed, 409, "comments_closed").await;
    let empty = app.comment(&reader, DEMO_ARTICLE, " \u{200B}\n ").await;
    assert_problem(empty, 422, "comment_empty").await;
    let long = app.comment(&reader, DEMO_ARTICLE, &"가".repeat(251)).await;
    let long = problem(long, 422, "comment_too_long").await;
    assert_eq!((long.length, long.limit), (Some(251), Some(250)));
    let bidi = app.comment(&reader, DEMO_ARTICLE, "abc\u{202E}def").await;
    assert_problem(bidi, 422, "comment_invalid_characters").await;
    assert_eq!(app.list(LIST).await["total"], 0, "nothing was stored");
}

#[tokio::test]
async fn the_limit_is_configuration() {
    let app = TestApp::spawn_with(|s| s.comment_max_length = 10).await;
    let reader = app.reader().await;

    let response = app.comment(&reader, DEMO_ARTICLE, "eleven char").await;

    let refusal = problem(response, 422, "comment_too_long").await;
    assert_eq!(refusal.limit, Some(10));
    assert_eq!(app.list("/api/v1/policy").await["max_length"], 10);
}

#[tokio::test]
async fn premoderated_comments_wait_and_only_their_author_sees_them() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    app.article(&moderator, "premod", json!({"premoderation": true}))
        .await;
    let author = app.reader().await;
    let other = app.reader().await;

    let response = app.comment(&author, "premod", "held for the desk").await;

    assert_eq!(response.status(), 202);
    let comment = json_body(response).await["comment"].clone();
    assert_eq!(comment["status"], "pending");
    let path = "/api/v1/articles/premod/comments";
    let mine = json_body(app.get_as(&author, path).await).await;
    assert_eq!(listed_ids(&mine), [comment["id"].as_str().unwrap()]);
    assert_eq!(mine["comments"][0]["status"], "pending", "marked");
    assert_eq!(mine["total"], 0, "total counts published comments");
    let theirs = json_body(app.get_as(&other, path).await).await;
    assert!(listed_ids(&theirs).is_empty());
    assert!(listed_ids(&app.list(path).await).is_empty(), "anonymous");
    let single = format!("/api/v1/comments/{}", comment["id"].as_str().unwrap());
    assert_problem(app.get_as(&other, &single).await, 404, "comment_not_found").await;
    assert_eq!(app.get_as(&author, &single).await.status(), 200);
    assert_eq!(app.get_as(&moderator, &single).await.status(), 200);
    let staff = app.comment(&moderator, "premod", "staff note").await;
    assert_eq!(staff.status(), 201, "staff comments publish");
}

#[tokio::test]
async fn replies_have_one_level() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    let top = app.published(&reader, DEMO_ARTICLE, "top").await;
    let top_id = top["id"].as_str().unwrap();
    let reply_to = |parent: &str, body: &str| json!({"body": body, "parent_id": parent});

    let reply = app
        .post_as(&reader, LIST, &reply_to(top_id, "first reply"))
        .await;
    assert_eq!(reply.status(), 201);
    let reply = json_body(reply).await["comment"].clone();
    let nested = app
        .post_as(
            &reader,
            LIST,
            &reply_to(reply["id"].as_str().unwrap(), "reply to a reply"),
        )
        .await;
    let nested = json_body(nested).await["comment"].clone();

    assert_eq!(reply["parent_id"], top_id);
    assert_eq!(
        nested["parent_id"], top_id,
        "a reply to a reply joins the thread"
    );
    let list = app.list(LIST).await;
    assert_eq!(listed_ids(&list), [top_id], "replies are not top-level");
    assert_eq!(list["total"], 3);
    let thread = &list["comments"][0];
    assert_eq!(thread["reply_count"], 2);
    let replies: Vec<&str> = thread["replies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["body"].as_str().unwrap())
        .collect();
    assert_eq!(replies, ["first reply", "reply to a reply"], "oldest first");
    let other_article = app
        .published(&reader, "putin-gorbachev-path", "elsewhere")
        .await;
    let bad_parents = ["999999", "abc", "-1", other_article["id"].as_str().unwrap()];
    for parent in bad_parents {
        let response = app.post_as(&reader, LIST, &reply_to(parent, "x")).await;
        assert_problem(response, 422, "invalid_parent").await;
    }
}

#[tokio::test]
async fn replies_beyond_the_listing_are_paged() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    let top = app.published(&reader, DEMO_ARTICLE, "top").await;
    let top_id = top["id"].as_str().unwrap().to_owned();
    for n in 0..55 {
        let body = json!({"body": format!("reply {n}"), "parent_id": top_id});
        assert_eq!(app.post_as(&reader, LIST, &body).await.status(), 201);
    }

    let list = app.list(LIST).await;
    let first = app
        .list(&format!("/api/v1/comments/{top_id}/replies?limit=40"))
        .await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest = app
        .list(&format!(
            "/api/v1/comments/{top_id}/replies?limit=40&cursor={cursor}"
        ))
        .await;

    assert_eq!(list["comments"][0]["replies"].as_array().unwrap().len(), 50);
    assert_eq!(list["comments"][0]["reply_count"], 55);
    assert_eq!(listed_ids(&first).len(), 40);
    assert_eq!(listed_ids(&rest).len(), 15);
    assert_eq!(rest["next_cursor"], Value::Null);
    assert_eq!(rest["comments"][14]["body"], "reply 54");
}

#[tokio::test]
async fn listing_pages_by_cursor_in_both_orders() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    let mut posted = Vec::new();
    for n in 0..25 {
        let comment = app
            .published(&reader, DEMO_ARTICLE, &format!("comment {n}"))
            .await;
        posted.push(comment["id"].as_str().unwrap().to_owned());
    }

    for (order, expected) in [
        ("newest", posted.iter().rev().cloned().collect::<Vec<_>>()),
        ("oldest", posted.clone()),
    ] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let mut path = format!("{LIST}?limit=10&order={order}");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let page = app.list(&path).await;
            assert_eq!(page["total"], 25);
            seen.extend(listed_ids(&page));
            pages += 1;
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        assert_eq!(pages, 3, "{order}: 10 + 10 + 5");
        assert_eq!(seen, expected, "{order}: every comment once, in order");
    }
    let default = app.list(LIST).await;
    assert_eq!(listed_ids(&default).len(), 20, "default limit");
    assert_eq!(
        listed_ids(&default)[0],
        posted[24],
        "newest first by default"
    );
}

#[tokio::test]
async fn bad_paging_is_refused() {
    let app = TestApp::spawn().await;
    let cases = [
        ("?cursor=garbage", 400, "invalid_cursor"),
        ("?cursor=' OR 1=1 --", 400, "invalid_cursor"),
        ("?limit=0", 400, "invalid_query"),
        ("?limit=-5", 400, "invalid_query"),
        ("?limit=many", 400, "invalid_query"),
        ("?order=sideways", 400, "invalid_query"),
    ];
    for (query, status, code) in cases {
        assert_problem(app.get(&format!("{LIST}{query}")).await, status, code).await;
    }
    assert_eq!(
        app.get(&format!("{LIST}?limit=1000")).await.status(),
        200,
        "clamped to 100"
    );
}

#[tokio::test]
async fn authors_and_moderators_delete() {
    let app = TestApp::spawn().await;
    let author = app.reader().await;
    let other = app.reader().await;
    let moderator = app.moderator().await;
    let mine = app.published(&author, DEMO_ARTICLE, "mine").await;
    let theirs = app.published(&other, DEMO_ARTICLE, "theirs").await;
    let path = |c: &Value| format!("/api/v1/comments/{}", c["id"].as_str().unwrap());

    assert_problem(app.delete_as(&other, &path(&mine)).await, 403, "forbidden").await;
    assert_eq!(app.delete_as(&author, &path(&mine)).await.status(), 204);
    assert_eq!(
        app.delete_as(&moderator, &path(&theirs)).await.status(),
        204
    );

    let list = app.list(LIST).await;
    assert!(
        listed_ids(&list).is_empty(),
        "deleted comments without replies leave the listing"
    );
    assert_eq!(list["total"], 0);
    assert_problem(app.get(&path(&mine)).await, 404, "comment_not_found").await;
    let anonymous = app
        .client
        .delete(app.url(&path(&mine)))
        .send()
        .await
        .unwrap();
    assert_problem(anonymous, 401, "unauthenticated").await;
    assert_problem(
        app.delete_as(&author, "/api/v1/comments/424242").await,
        404,
        "comment_not_found",
    )
    .await;
}

#[tokio::test]
async fn a_deleted_comment_with_replies_stays_as_a_tombstone() {
    let app = TestApp::spawn().await;
    let author = app.reader().await;
    let replier = app.reader().await;
    let top = app
        .published(&author, DEMO_ARTICLE, "the original text")
        .await;
    let top_id = top["id"].as_str().unwrap();
    let reply = app
        .post_as(
            &replier,
            LIST,
            &json!({"body": "a reply", "parent_id": top_id}),
        )
        .await;
    let reply = json_body(reply).await["comment"].clone();

    assert_eq!(
        app.delete_as(&author, &format!("/api/v1/comments/{top_id}"))
            .await
            .status(),
        204
    );

    let list = app.list(LIST).await;
    assert_eq!(listed_ids(&list), [top_id]);
    let tombstone = &list["comments"][0];
    assert_eq!(tombstone["status"], "deleted");
    assert_eq!(tombstone["body"], "", "the text is gone");
    assert_eq!(tombstone["replies"][0]["body"], "a reply");
    assert_eq!(list["total"], 1, "the reply still counts");
    let stored = app
        .store()
        .await
        .comment(CommentId::parse(top_id).unwrap())
        .await
        .unwrap()
        .unwrap()
        .body;
    assert_eq!(stored, "", "removed from storage, not only hidden");

    let reply_path = format!("/api/v1/comments/{}", reply["id"].as_str().unwrap());
    assert_eq!(app.delete_as(&replier, &reply_path).await.status(), 204);
    assert_eq!(
        app.delete_as(&replier, &reply_path).await.status(),
        204,
        "deleting twice is fine"
    );
    let list = app.list(LIST).await;
    assert!(
        listed_ids(&list).is_empty(),
        "the tombstone goes with its last reply"
    );
    assert_eq!(list["total"], 0);
}

#[tokio::test]
async fn the_dry_run_stores_nothing_and_speaks_both_languages() {
    let app = TestApp::spawn().await;

    let ok = json_body(
        app.post_json("/api/v1/comments/validate", &json!({"body": " 좋은 사설 "}))
            .await,
    )
    .await;
    let long = app
        .client
        .post(app.url("/api/v1/comments/validate"))
        .header("accept-language", "ko-KR,ko;q=0.9")
        .json(&json!({"body": "a".repeat(300)}))
        .send()
        .await
        .unwrap();
    let long = json_body(long).await;

    assert_eq!(
        ok,
        json!({"ok": true, "action": "publish", "length": 5, "limit": 250, "normalized": "좋은 사설", "violations": []})
    );
    assert_eq!(long["ok"], false);
    assert_eq!(long["length"], 300);
    assert_eq!(long["violations"][0]["rule"], "comment_too_long");
    assert!(
        long["violations"][0]["message"]
            .as_str()
            .unwrap()
            .contains("300자"),
        "{long}"
    );
    assert_eq!(app.list(LIST).await["total"], 0);
}
