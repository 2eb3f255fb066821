//! 공감/비공감: one reaction per reader per comment, the orderings they give
//! (순공감순 `best`, 공감비율순 `ratio`) with cursors that hold while the
//! counts move, the best comments, and what a hostile reader tries.

use std::collections::HashSet;
use std::sync::Arc;

use reqwest::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::helpers::{
    Comment, CommentAnswer, DEMO_ARTICLE, Page, TestApp, TestUser, Thread, assert_problem, parse,
};

#[derive(Debug, Deserialize, PartialEq)]
struct Tally {
    likes: i64,
    dislikes: i64,
    my_reaction: Option<String>,
}

fn reaction_path(id: &str) -> String {
    format!("/api/v1/comments/{id}/reaction")
}

async fn react(app: &TestApp, reader: &TestUser, id: &str, kind: &str) -> Response {
    app.put_as(reader, &reaction_path(id), &json!({"kind": kind}))
        .await
}

async fn reacted(app: &TestApp, reader: &TestUser, id: &str, kind: &str) -> Tally {
    let response = react(app, reader, id, kind).await;
    assert_eq!(response.status(), 200, "{kind} on {id}");
    parse(response).await
}

async fn readers(app: &TestApp, count: usize) -> Vec<TestUser> {
    let mut readers = Vec::with_capacity(count);
    for _ in 0..count {
        readers.push(app.reader().await);
    }
    readers
}

/// `likes` readers press 공감 and `dislikes` readers 비공감 on `id`.
async fn give(app: &TestApp, crowd: &[TestUser], id: &str, likes: usize, dislikes: usize) {
    assert!(likes + dislikes <= crowd.len(), "not enough readers");
    for reader in &crowd[..likes] {
        reacted(app, reader, id, "like").await;
    }
    for reader in &crowd[likes..likes + dislikes] {
        reacted(app, reader, id, "dislike").await;
    }
}

/// The reaction rows stored for a comment: (likes, dislikes).
async fn rows(app: &TestApp, id: &str) -> (i64, i64) {
    let id = comment_desk::domain::ids::CommentId::parse(id).unwrap();
    app.store().await.reaction_rows(id).await.unwrap()
}

fn listing(order: &str) -> String {
    format!("/api/v1/articles/{DEMO_ARTICLE}/comments?order={order}")
}

async fn page_as(app: &TestApp, reader: Option<&TestUser>, path: &str) -> Page<Thread> {
    let response = match reader {
        Some(reader) => app.get_as(reader, path).await,
        None => app.get(path).await,
    };
    assert_eq!(response.status(), 200, "GET {path}");
    parse(response).await
}

fn ids(page: &Page<Thread>) -> Vec<String> {
    page.ids(|t| &t.comment.id)
}

async fn comment_as(app: &TestApp, reader: Option<&TestUser>, id: &str) -> Comment {
    let path = format!("/api/v1/comments/{id}");
    let response = match reader {
        Some(reader) => app.get_as(reader, &path).await,
        None => app.get(&path).await,
    };
    assert_eq!(response.status(), 200, "GET {path}");
    parse::<CommentAnswer>(response).await.comment
}

#[tokio::test]
async fn a_reader_reacts_once_changes_their_mind_and_takes_it_back() {
    let app = TestApp::spawn().await;
    let (author, reader) = (app.reader().await, app.reader().await);
    let id = app
        .published_comment(&author, DEMO_ARTICLE, "공감 부탁")
        .await
        .id;

    let liked = reacted(&app, &reader, &id, "like").await;
    let again = reacted(&app, &reader, &id, "like").await;
    let flipped = reacted(&app, &reader, &id, "dislike").await;
    let taken_back: Tally = parse(app.delete_as(&reader, &reaction_path(&id)).await).await;
    let nothing_to_take: Response = app.delete_as(&reader, &reaction_path(&id)).await;

    let tally = |likes, dislikes, mine: Option<&str>| Tally {
        likes,
        dislikes,
        my_reaction: mine.map(str::to_owned),
    };
    assert_eq!(liked, tally(1, 0, Some("like")));
    assert_eq!(
        again,
        tally(1, 0, Some("like")),
        "the same reaction twice counts once"
    );
    assert_eq!(
        flipped,
        tally(0, 1, Some("dislike")),
        "a new reaction replaces the old"
    );
    assert_eq!(taken_back, tally(0, 0, None));
    assert_eq!(nothing_to_take.status(), 200, "DELETE without a reaction");
    assert_eq!(parse::<Tally>(nothing_to_take).await, tally(0, 0, None));
    assert_eq!(rows(&app, &id).await, (0, 0));
}

#[tokio::test]
async fn my_reaction_is_the_callers_own_and_null_for_anyone_else() {
    let app = TestApp::spawn().await;
    let (author, reader, other) = (app.reader().await, app.reader().await, app.reader().await);
    let id = app
        .published_comment(&author, DEMO_ARTICLE, "내 공감")
        .await
        .id;
    reacted(&app, &reader, &id, "dislike").await;

    let own = comment_as(&app, Some(&reader), &id).await;
    let anonymous = comment_as(&app, None, &id).await;
    let someone_else = comment_as(&app, Some(&other), &id).await;
    let listed_own = page_as(&app, Some(&reader), &listing("newest")).await;
    let listed_anonymous = page_as(&app, None, &listing("newest")).await;
    let listed_other = page_as(&app, Some(&other), &listing("best")).await;

    assert_eq!(own.my_reaction.as_deref(), Some("dislike"));
    assert_eq!((own.likes, own.dislikes), (0, 1));
    assert_eq!(anonymous.my_reaction, None);
    assert_eq!((anonymous.likes, anonymous.dislikes), (0, 1));
    assert_eq!(someone_else.my_reaction, None);
    assert_eq!(
        listed_own.items[0].comment.my_reaction.as_deref(),
        Some("dislike")
    );
    assert_eq!(listed_anonymous.items[0].comment.my_reaction, None);
    assert_eq!(listed_anonymous.items[0].comment.dislikes, 1);
    assert_eq!(listed_other.items[0].comment.my_reaction, None);
}

#[tokio::test]
async fn a_reply_carries_its_counts_and_the_readers_reaction() {
    let app = TestApp::spawn().await;
    let (author, reader) = (app.reader().await, app.reader().await);
    let parent = app
        .published_comment(&author, DEMO_ARTICLE, "부모 댓글")
        .await
        .id;
    let reply = app
        .reply(&author, DEMO_ARTICLE, &parent, "답글입니다")
        .await;
    assert_eq!(reply.status(), 201);
    let reply = parse::<CommentAnswer>(reply).await.comment.id;
    reacted(&app, &reader, &reply, "like").await;

    let page = page_as(&app, Some(&reader), &listing("newest")).await;

    let shown = &page.items[0].replies[0];
    assert_eq!(shown.id, reply);
    assert_eq!(shown.likes, 1);
    assert_eq!(shown.my_reaction.as_deref(), Some("like"));
}

#[tokio::test]
async fn who_cannot_react_and_to_what() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let (author, reader) = (app.reader().await, app.reader().await);
    let id = app
        .published_comment(&author, DEMO_ARTICLE, "반응해 보세요")
        .await
        .id;
    let held = app
        .held_comment(&author, DEMO_ARTICLE, "연락 주세요 010-1234-5678")
        .await
        .id;
    let removed = app
        .published_comment(&author, DEMO_ARTICLE, "곧 지워질 댓글")
        .await
        .id;
    app.decided(
        &moderator,
        &removed,
        &json!({"action": "delete", "reason": "abuse"}),
    )
    .await;

    let own = react(&app, &author, &id, "like").await;
    let anonymous = app
        .client
        .put(app.url(&reaction_path(&id)))
        .json(&json!({"kind": "like"}))
        .send()
        .await
        .unwrap();
    let unknown = react(&app, &reader, "999999", "like").await;
    let not_an_id = react(&app, &reader, "not-an-id", "like").await;
    let pending = react(&app, &reader, &held, "like").await;
    let deleted = react(&app, &reader, &removed, "like").await;
    let odd_kind = react(&app, &reader, &id, "love").await;
    let no_kind = app.put_as(&reader, &reaction_path(&id), &json!({})).await;

    assert_problem(own, 403, "own_comment").await;
    assert_problem(anonymous, 401, "unauthenticated").await;
    assert_problem(unknown, 404, "comment_not_found").await;
    assert_problem(not_an_id, 404, "comment_not_found").await;
    assert_problem(pending, 404, "comment_not_found").await;
    assert_problem(deleted, 404, "comment_not_found").await;
    assert!(odd_kind.status().is_client_error(), "kind love");
    assert!(no_kind.status().is_client_error(), "no kind");
    assert_eq!(odd_kind.status(), no_kind.status());
    assert_eq!(rows(&app, &id).await, (0, 0));
}

#[tokio::test]
async fn a_comment_hidden_by_reports_takes_no_reaction() {
    let app = TestApp::spawn_with(|s| s.reports_to_hide = 1).await;
    let (author, reporter, reader) = (app.reader().await, app.reader().await, app.reader().await);
    let id = app
        .published_comment(&author, DEMO_ARTICLE, "신고될 댓글")
        .await
        .id;
    let report = app
        .post_as(
            &reporter,
            &format!("/api/v1/comments/{id}/reports"),
            &json!({"reason": "abuse"}),
        )
        .await;
    assert!(report.status().is_success());

    let refused = react(&app, &reader, &id, "like").await;

    assert_problem(refused, 404, "comment_not_found").await;
    assert_eq!(rows(&app, &id).await, (0, 0));
}

#[tokio::test]
async fn what_is_shown_but_closed_answers_comment_closed() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let (author, reader) = (app.reader().await, app.reader().await);
    let parent = app
        .published_comment(&author, DEMO_ARTICLE, "답글 달린 댓글")
        .await
        .id;
    let reply = app.reply(&reader, DEMO_ARTICLE, &parent, "답글").await;
    assert_eq!(reply.status(), 201);
    app.decided(
        &moderator,
        &parent,
        &json!({"action": "delete", "reason": "abuse"}),
    )
    .await;
    let held = app
        .held_comment(&author, DEMO_ARTICLE, "연락 주세요 010-9876-5432")
        .await
        .id;

    // A deleted comment with replies stays as a tombstone; a moderator sees a held one.
    let tombstone = react(&app, &reader, &parent, "like").await;
    let pending = react(&app, &moderator, &held, "like").await;

    assert_problem(tombstone, 409, "comment_closed").await;
    assert_problem(pending, 409, "comment_closed").await;
}

#[tokio::test]
async fn a_suspended_reader_cannot_react_nor_take_a_reaction_back() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let (author, reader) = (app.reader().await, app.reader().await);
    let id = app
        .published_comment(&author, DEMO_ARTICLE, "제재 확인")
        .await
        .id;
    reacted(&app, &reader, &id, "like").await;
    let until = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    app.sanctioned(
        &moderator,
        &reader,
        &json!({"kind": "suspend", "until": until, "reason": "abuse"}),
    )
    .await;

    let again = react(&app, &reader, &id, "dislike").await;
    let back = app.delete_as(&reader, &reaction_path(&id)).await;

    assert_problem(again, 403, "account_suspended").await;
    assert_problem(back, 403, "account_suspended").await;
    assert_eq!(rows(&app, &id).await, (1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_readers_flipping_at_once_leave_counts_equal_to_the_rows() {
    let app = Arc::new(TestApp::spawn().await);
    let author = app.reader().await;
    let id = app
        .published_comment(&author, DEMO_ARTICLE, "뒤집기 경주")
        .await
        .id;
    let crowd = readers(&app, 200).await;

    // Each reader likes, flips to dislike, and every third takes it back, all at once.
    let mut tasks = Vec::new();
    for (n, reader) in crowd.into_iter().enumerate() {
        let (app, id) = (app.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            for kind in ["like", "dislike", "like", "dislike"] {
                let response = react(&app, &reader, &id, kind).await;
                assert_eq!(response.status(), 200, "{kind} by reader {n}");
            }
            if n % 3 == 0 {
                let response = app.delete_as(&reader, &reaction_path(&id)).await;
                assert_eq!(response.status(), 200, "take back by reader {n}");
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }

    let shown = comment_as(&app, None, &id).await;
    let rows = rows(&app, &id).await;
    assert_eq!((shown.likes, shown.dislikes), rows, "counts equal the rows");
    assert_eq!(
        rows,
        (0, 133),
        "every reader ended on 비공감 but the 67 who took it back"
    );
}

/// Posts `bodies` oldest first by one author; returns their ids.
async fn post_all(app: &TestApp, author: &TestUser, bodies: &[&str]) -> Vec<String> {
    let mut ids = Vec::new();
    for body in bodies {
        ids.push(app.published_comment(author, DEMO_ARTICLE, body).await.id);
    }
    ids
}

#[tokio::test]
async fn best_orders_by_likes_minus_dislikes_with_ties_newest_first() {
    let app = TestApp::spawn().await;
    let author = app.reader().await;
    let crowd = readers(&app, 6).await;
    let c = post_all(&app, &author, &["하나", "둘", "셋", "넷", "다섯"]).await;
    give(&app, &crowd, &c[0], 4, 1).await; // 3
    give(&app, &crowd, &c[1], 1, 0).await; // 1
    give(&app, &crowd, &c[2], 5, 1).await; // 4
    give(&app, &crowd, &c[3], 2, 1).await; // 1, newer than c[1]
    give(&app, &crowd, &c[4], 0, 2).await; // -2

    let best = page_as(&app, None, &listing("best")).await;
    let newest = page_as(&app, None, &listing("newest")).await;
    let oldest = page_as(&app, None, &listing("oldest")).await;

    let expect = |order: &[usize]| order.iter().map(|&i| c[i].clone()).collect::<Vec<_>>();
    assert_eq!(ids(&best), expect(&[2, 0, 3, 1, 4]));
    assert_eq!(ids(&newest), expect(&[4, 3, 2, 1, 0]));
    assert_eq!(ids(&oldest), expect(&[0, 1, 2, 3, 4]));
    assert_eq!(best.total, Some(5));
}

#[tokio::test]
async fn ratio_ranks_only_comments_with_enough_reactions_then_the_rest_newest_first() {
    let app = TestApp::spawn_with(|s| s.ratio_min_reactions = 3).await;
    let author = app.reader().await;
    let crowd = readers(&app, 5).await;
    let c = post_all(&app, &author, &["가", "나", "다", "라", "마"]).await;
    give(&app, &crowd, &c[0], 3, 1).await; // 75 %
    give(&app, &crowd, &c[1], 2, 0).await; // 100 % but only 2 reactions
    give(&app, &crowd, &c[2], 1, 2).await; // 33 %
    give(&app, &crowd, &c[3], 3, 0).await; // 100 %
    // c[4]: no reactions

    let ratio = page_as(&app, None, &listing("ratio")).await;

    let expect: Vec<_> = [3, 0, 2, 4, 1].iter().map(|&i| c[i].clone()).collect();
    assert_eq!(ids(&ratio), expect);
}

/// Reads every page of `order`, `limit` at a time, calling `between` after each page.
async fn read_all_pages<F, Fut>(
    app: &TestApp,
    order: &str,
    limit: usize,
    mut between: F,
) -> Vec<String>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for n in 0..100 {
        let mut path = format!("{}&limit={limit}", listing(order));
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = page_as(app, None, &path).await;
        seen.extend(ids(&page));
        between(n).await;
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return seen,
        }
    }
    panic!("the listing never ended")
}

#[tokio::test]
async fn a_paging_session_shows_each_comment_once_while_reactions_reorder_it() {
    let app = TestApp::spawn_with(|s| s.ratio_min_reactions = 1).await;
    let author = app.reader().await;
    let crowd = readers(&app, 6).await;
    let bodies: Vec<String> = (0..12).map(|n| format!("순위 댓글 {n}")).collect();
    let bodies: Vec<&str> = bodies.iter().map(String::as_str).collect();
    let c = post_all(&app, &author, &bodies).await;
    for (n, id) in c.iter().enumerate() {
        give(&app, &crowd, id, n % 4, n % 3).await;
    }

    for order in ["best", "ratio"] {
        // Between pages, the comments not yet shown climb to the top and the shown sink.
        let seen = read_all_pages(&app, order, 4, |page| {
            let (app, crowd, c) = (&app, &crowd, &c);
            async move {
                for (n, id) in c.iter().enumerate() {
                    let kind = if (n + page) % 2 == 0 {
                        "like"
                    } else {
                        "dislike"
                    };
                    for reader in crowd.iter() {
                        reacted(app, reader, id, kind).await;
                    }
                }
            }
        })
        .await;

        let unique: HashSet<_> = seen.iter().collect();
        assert_eq!(seen.len(), 12, "{order}: every comment once: {seen:?}");
        assert_eq!(unique.len(), 12, "{order}: none twice: {seen:?}");
    }
}

#[tokio::test]
async fn a_cursor_of_another_order_or_a_forged_one_is_refused() {
    let app = TestApp::spawn().await;
    let author = app.reader().await;
    post_all(&app, &author, &["일", "이", "삼"]).await;
    let best = page_as(&app, None, &format!("{}&limit=1", listing("best"))).await;
    let newest = page_as(&app, None, &format!("{}&limit=1", listing("newest"))).await;
    let best_cursor = best.next_cursor.expect("a second page by best");
    let newest_cursor = newest.next_cursor.expect("a second page by newest");

    let tries = [
        format!("{}&cursor={best_cursor}", listing("newest")),
        format!("{}&cursor={newest_cursor}", listing("best")),
        format!("{}&cursor=v2:1:2", listing("ratio")),
        format!("{}&cursor=v2:-1:99999999999999999999:1", listing("best")),
        format!("{}&cursor=v2:1:1:1:1", listing("best")),
        format!("{}&cursor=v9:1", listing("best")),
    ];
    for path in tries {
        assert_problem(app.get(&path).await, 400, "invalid_cursor").await;
    }
    let unknown = app.get(&listing("loudest")).await;
    assert!(unknown.status().is_client_error(), "order=loudest");
}

#[tokio::test]
async fn the_kept_first_page_of_each_order_shows_a_reaction_at_once() {
    let app = TestApp::spawn().await;
    let (author, reader) = (app.reader().await, app.reader().await);
    let c = post_all(&app, &author, &["먼저", "나중"]).await;
    for order in ["newest", "best", "ratio", "oldest"] {
        page_as(&app, None, &listing(order)).await; // kept now
    }

    reacted(&app, &reader, &c[0], "like").await;

    for order in ["newest", "best", "ratio", "oldest"] {
        let page = page_as(&app, None, &listing(order)).await;
        let first = page.items.iter().find(|t| t.comment.id == c[0]).unwrap();
        assert_eq!(first.comment.likes, 1, "{order} shows the new 공감");
    }
    let best = page_as(&app, None, &listing("best")).await;
    assert_eq!(
        ids(&best),
        vec![c[0].clone(), c[1].clone()],
        "best moved it up"
    );
    let own = page_as(&app, Some(&reader), &listing("best")).await;
    assert_eq!(own.items[0].comment.my_reaction.as_deref(), Some("like"));
}

#[derive(Deserialize)]
struct Best {
    comments: Vec<Comment>,
}

#[tokio::test]
async fn the_best_comments_are_the_top_few_above_the_threshold() {
    let app = TestApp::spawn_with(|s| {
        s.best_comments = 2;
        s.best_min_score = 2;
    })
    .await;
    let author = app.reader().await;
    let crowd = readers(&app, 5).await;
    let c = post_all(&app, &author, &["a 하나", "b 둘", "c 셋", "d 넷"]).await;
    give(&app, &crowd, &c[0], 3, 0).await; // 3
    give(&app, &crowd, &c[1], 1, 0).await; // 1: under the threshold
    give(&app, &crowd, &c[2], 5, 0).await; // 5
    give(&app, &crowd, &c[3], 4, 0).await; // 4

    let best: Best = parse(
        app.get(&format!("/api/v1/articles/{DEMO_ARTICLE}/best"))
            .await,
    )
    .await;
    let none_yet = app.get("/api/v1/articles/no-such-editorial/best").await;

    let shown: Vec<_> = best.comments.iter().map(|c| c.id.clone()).collect();
    assert_eq!(shown, vec![c[2].clone(), c[3].clone()]);
    assert_problem(none_yet, 404, "article_not_found").await;
}

#[tokio::test]
async fn a_flood_of_reactions_is_rate_limited_with_retry_after() {
    let app = TestApp::spawn_with(|s| {
        s.rate_limits = true;
        s.reaction_limit = comment_desk::domain::policy::FloodLimit {
            count: 3,
            per: std::time::Duration::from_secs(60),
        };
    })
    .await;
    let reader = app.reader().await;
    // One author each: one author's comments would wait out the quota's interval.
    let mut c = Vec::new();
    for n in 0..4 {
        let author = app.reader().await;
        c.push(
            app.published_comment(&author, DEMO_ARTICLE, &format!("홍수 {n}"))
                .await
                .id,
        );
    }
    for id in &c[..3] {
        reacted(&app, &reader, id, "like").await;
    }

    let refused = react(&app, &reader, &c[3], "like").await;
    let taking_back = app.delete_as(&reader, &reaction_path(&c[0])).await;

    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        retry_after > 0 && retry_after <= 60,
        "Retry-After {retry_after}"
    );
    assert_problem(refused, 429, "rate_limited").await;
    assert_eq!(
        taking_back.status(),
        200,
        "taking a reaction back is never limited"
    );
    assert_eq!(rows(&app, &c[3]).await, (0, 0));
}

#[tokio::test]
async fn a_comment_answer_without_reactions_says_zero_and_not_featured() {
    let app = TestApp::spawn().await;
    let author = app.reader().await;
    let posted: Value = app.published(&author, DEMO_ARTICLE, "새 댓글").await;

    assert_eq!(posted["likes"], 0);
    assert_eq!(posted["dislikes"], 0);
    assert_eq!(posted["featured"], false);
    assert!(posted["my_reaction"].is_null());
}
