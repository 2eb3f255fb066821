//! Moderation over HTTP: the queues, decisions (and their races), reader reports,
//! sanctions, editorial settings, author edits, the log and roles.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use comment_desk::domain::accounts::Role;
use comment_desk::domain::moderation::NOTE_MAX;
use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::helpers::{DEMO_ARTICLE, TestApp, TestUser, assert_problem, json_body, listed_ids};

const LIST: &str = "/api/v1/articles/putin-north-korea-signal/comments";
/// Held by the standards policy: a phone number.
const PHONE: &str = "call me on 010-1234-5678";
const DECISIONS: [&str; 3] = ["approve", "reject", "delete"];

fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("a string id").to_owned()
}

fn rules_of(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("a list of rules")
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect()
}

/// The comment ids of a queue page.
fn queued(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| id_of(&item["comment"]))
        .collect()
}

fn comment_path(id: &str) -> String {
    format!("/api/v1/comments/{id}")
}

fn reports_path(id: &str) -> String {
    format!("/api/v1/comments/{id}/reports")
}

fn sanctions_path(user: &TestUser) -> String {
    format!("/api/v1/moderation/users/{}/sanctions", user.id)
}

fn role_path(user: &TestUser) -> String {
    format!("/api/v1/admin/users/{}/role", user.id)
}

fn in_days(days: i64) -> String {
    (Utc::now() + Duration::days(days)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn time(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().unwrap_or_else(|| panic!("a time: {value}")))
        .unwrap_or_else(|e| panic!("{value} is not RFC 3339: {e}"))
        .with_timezone(&Utc)
}

/// Posts a comment that the policy must hold, and returns it.
async fn held(app: &TestApp, user: &TestUser, article: &str, body: &str) -> Value {
    let response = app.comment(user, article, body).await;
    assert_eq!(response.status(), 202, "held {body:?}");
    let comment = json_body(response).await["comment"].clone();
    assert_eq!(comment["status"], "pending");
    comment
}

async fn queue(app: &TestApp, moderator: &TestUser, query: &str) -> Value {
    let response = app
        .get_as(moderator, &format!("/api/v1/moderation/queue{query}"))
        .await;
    assert_eq!(response.status(), 200, "queue{query}");
    json_body(response).await
}

async fn decide(app: &TestApp, moderator: &TestUser, id: &str, decision: Value) -> Response {
    app.decide(moderator, id, &decision).await
}

/// A decision that must succeed; returns the comment it answers with.
async fn decided(app: &TestApp, moderator: &TestUser, id: &str, decision: Value) -> Value {
    let response = decide(app, moderator, id, decision.clone()).await;
    let status = response.status();
    let body = json_body(response).await;
    assert_eq!(status, 200, "{decision} on {id}: {body}");
    body["comment"].clone()
}

async fn report(app: &TestApp, reader: &TestUser, id: &str, reason: &str) -> Response {
    app.post_as(reader, &reports_path(id), &json!({"reason": reason}))
        .await
}

async fn patch_as(app: &TestApp, user: &TestUser, id: &str, body: &str) -> Response {
    app.edit_as(user, id, body).await
}

async fn sanction(app: &TestApp, moderator: &TestUser, user: &TestUser, body: Value) -> Value {
    let response = app.post_as(moderator, &sanctions_path(user), &body).await;
    let status = response.status();
    let answer = json_body(response).await;
    assert_eq!(status, 201, "{body}: {answer}");
    answer["sanction"].clone()
}

/// The whole log, newest first, read page by page.
async fn log_entries(app: &TestApp, moderator: &TestUser) -> Vec<Value> {
    let mut entries = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..50 {
        let mut path = "/api/v1/moderation/log?limit=100".to_owned();
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let response = app.get_as(moderator, &path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        let page = json_body(response).await;
        entries.extend(page["entries"].as_array().expect("entries").iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return entries,
        }
    }
    panic!("the log never reached its last page")
}

fn decisions_on<'a>(entries: &'a [Value], comment_id: &str) -> Vec<&'a Value> {
    entries
        .iter()
        .filter(|e| e["target"] == json!({"type": "comment", "id": comment_id}))
        .filter(|e| DECISIONS.contains(&e["action"].as_str().unwrap_or_default()))
        .collect()
}

#[tokio::test]
async fn every_moderation_endpoint_refuses_readers_and_anonymous_callers() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    let author = app.reader().await;
    let comment = app.published(&author, DEMO_ARTICLE, "a fair point").await;
    let decision = format!("/api/v1/moderation/comments/{}/decision", id_of(&comment));
    let endpoints = [
        (
            Method::GET,
            "/api/v1/moderation/queue".to_owned(),
            None,
            "the queue",
        ),
        (
            Method::GET,
            "/api/v1/moderation/queue?state=reported".to_owned(),
            None,
            "the reported queue",
        ),
        (
            Method::POST,
            decision.clone(),
            Some(json!({"action": "delete"})),
            "a decision",
        ),
        (
            Method::POST,
            sanctions_path(&author),
            Some(json!({"kind": "ban", "reason": "spam"})),
            "a sanction",
        ),
        (
            Method::DELETE,
            sanctions_path(&author),
            None,
            "lifting a sanction",
        ),
        (
            Method::GET,
            "/api/v1/moderation/log".to_owned(),
            None,
            "the log",
        ),
        (
            Method::PUT,
            role_path(&author),
            Some(json!({"role": "admin"})),
            "a role change",
        ),
    ];

    for (method, path, body, what) in endpoints {
        let request = |token: Option<&str>| {
            let mut request = app.client.request(method.clone(), app.url(&path));
            if let Some(body) = &body {
                request = request.json(body);
            }
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            request.send()
        };
        let anonymous = request(None).await.unwrap();
        assert_eq!(anonymous.status(), 401, "anonymous: {what}");
        assert_problem(anonymous, 401, "unauthenticated").await;
        let as_reader = request(Some(&reader.token)).await.unwrap();
        assert_eq!(as_reader.status(), 403, "reader: {what}");
        assert_problem(as_reader, 403, "forbidden").await;
    }

    assert_eq!(app.list(LIST).await["total"], 1, "the comment is untouched");
    let again = app
        .comment(&author, DEMO_ARTICLE, "still allowed to post")
        .await;
    assert_eq!(again.status(), 201, "the author was not sanctioned");
    let me = json_body(app.get_as(&author, "/api/v1/auth/me").await).await;
    assert_eq!(me["user"]["role"], "reader", "the role was not changed");
}

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

#[tokio::test]
async fn approving_a_held_comment_publishes_it_at_once() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let reader = app.reader().await;
    let comment = held(&app, &reader, DEMO_ARTICLE, PHONE).await;
    let id = id_of(&comment);

    let approved = decided(&app, &moderator, &id, json!({"action": "approve"})).await;

    assert_eq!(approved["id"], id.as_str());
    assert_eq!(approved["status"], "published");
    assert_eq!(approved["body"], PHONE);
    let list = app.list(LIST).await;
    assert_eq!(list["total"], 1);
    assert_eq!(listed_ids(&list), [id.as_str()]);
    assert_eq!(
        app.get(&comment_path(&id)).await.status(),
        200,
        "anyone sees it"
    );
    let article = app.list("/api/v1/articles/putin-north-korea-signal").await;
    assert_eq!(article["article"]["comment_count"], 1);
    assert!(queued(&queue(&app, &moderator, "").await).is_empty());
    let entries = log_entries(&app, &moderator).await;
    let entry = &entries[0];
    assert_eq!(entry["action"], "approve");
    assert_eq!(entry["moderator"]["id"], moderator.id.as_str());
    assert_eq!(entry["moderator"]["display_name"], "Desk Editor");
    assert_eq!(entry["target"], json!({"type": "comment", "id": id}));
    assert!(entry["id"].is_string());
    time(&entry["at"]);
}

#[tokio::test]
async fn rejecting_needs_a_reason_from_the_list() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let reader = app.reader().await;
    let id = id_of(&held(&app, &reader, DEMO_ARTICLE, PHONE).await);
    let long_note = "n".repeat(501);
    let refused = [
        (json!({"action": "reject"}), "no reason"),
        (
            json!({"action": "reject", "reason": "rude"}),
            "a reason not on the list",
        ),
        (json!({"action": "reject", "reason": ""}), "an empty reason"),
        (
            json!({"action": "reject", "reason": "spam", "note": long_note}),
            "a note over 500 characters",
        ),
        (json!({"action": "hide"}), "an unknown action"),
        (json!({}), "no action"),
    ];
    for (decision, why) in refused {
        let response = decide(&app, &moderator, &id, decision).await;
        assert_eq!(response.status(), 422, "{why}");
        assert_problem(response, 422, "invalid_request").await;
    }
    assert_eq!(queued(&queue(&app, &moderator, "").await), [id.as_str()]);

    let rejected = decided(
        &app,
        &moderator,
        &id,
        json!({"action": "reject", "reason": "personal_information", "note": "a phone number"}),
    )
    .await;

    assert_eq!(rejected["status"], "rejected");
    assert!(queued(&queue(&app, &moderator, "").await).is_empty());
    let rejected_queue = queue(&app, &moderator, "?state=rejected").await;
    assert_eq!(queued(&rejected_queue), [id.as_str()]);
    assert_eq!(rejected_queue["items"][0]["comment"]["status"], "rejected");
    assert_eq!(rejected_queue["items"][0]["author"]["rejected_count"], 1);
    assert_eq!(app.list(LIST).await["total"], 0);
    let entry = &log_entries(&app, &moderator).await[0];
    assert_eq!(entry["action"], "reject");
    assert_eq!(entry["reason"], "personal_information");
    assert_eq!(entry["note"], "a phone number");
    assert_eq!(entry["target"], json!({"type": "comment", "id": id}));
}

/// Notes of `NOTE_MAX` characters: plain, and in decomposed Hangul (three
/// code points a syllable before the text rule composes them).
fn notes_at_the_limit() -> [(String, String, &'static str); 2] {
    let plain = |n: usize| "n".repeat(n);
    let decomposed = |n: usize| "\u{1112}\u{1161}\u{11AB}".repeat(n);
    [
        (plain(NOTE_MAX), plain(NOTE_MAX + 1), "plain letters"),
        (
            decomposed(NOTE_MAX),
            decomposed(NOTE_MAX + 1),
            "decomposed Hangul",
        ),
    ]
}

#[tokio::test]
async fn a_decision_note_may_hold_note_max_characters_and_no_more() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let reader = app.reader().await;
    for (longest, too_long, why) in notes_at_the_limit() {
        let id = id_of(&held(&app, &reader, DEMO_ARTICLE, PHONE).await);
        let decision = |note: &str| json!({"action": "reject", "reason": "spam", "note": note});

        let refused = decide(&app, &moderator, &id, decision(&too_long)).await;
        assert_problem(refused, 422, "invalid_request").await;
        let rejected = decided(&app, &moderator, &id, decision(&longest)).await;

        assert_eq!(rejected["status"], "rejected", "{why}");
        let entry = &log_entries(&app, &moderator).await[0];
        assert_eq!(
            entry["note"].as_str().unwrap().chars().count(),
            NOTE_MAX,
            "{why}"
        );
    }
}

#[tokio::test]
async fn report_notes_and_sanction_reasons_share_the_note_limit() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    for (longest, too_long, why) in notes_at_the_limit() {
        let reader = app.reader().await;
        let comment = app.published(&author, DEMO_ARTICLE, why).await;
        let path = reports_path(&id_of(&comment));
        let note = |note: &str| json!({"reason": "abuse", "note": note});

        let refused = app.post_as(&reader, &path, &note(&too_long)).await;
        assert_problem(refused, 422, "invalid_request").await;
        let filed = app.post_as(&reader, &path, &note(&longest)).await;
        assert_eq!(filed.status(), 202, "a report note of {why}");

        let sanction =
            |reason: &str| json!({"kind": "suspend", "until": in_days(1), "reason": reason});
        let refused = app
            .post_as(&moderator, &sanctions_path(&reader), &sanction(&too_long))
            .await;
        assert_problem(refused, 422, "invalid_request").await;
        let suspended = app
            .post_as(&moderator, &sanctions_path(&reader), &sanction(&longest))
            .await;
        assert_eq!(suspended.status(), 201, "a sanction reason of {why}");
    }
}

#[tokio::test]
async fn a_rejected_comment_leaves_the_listing_and_approval_brings_it_back() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let comment = app
        .published(&author, DEMO_ARTICLE, "a sharp but fair view")
        .await;
    let other = app.published(&author, DEMO_ARTICLE, "another view").await;
    let id = id_of(&comment);

    let rejected = decided(
        &app,
        &moderator,
        &id,
        json!({"action": "reject", "reason": "abuse"}),
    )
    .await;

    assert_eq!(rejected["status"], "rejected");
    let list = app.list(LIST).await;
    assert_eq!(list["total"], 1);
    assert_eq!(listed_ids(&list), [id_of(&other)]);
    assert_problem(app.get(&comment_path(&id)).await, 404, "comment_not_found").await;

    // Overturning a decision names the version it was made on (races.rs).
    let overturn = json!({"action": "approve", "version": rejected["version"]});
    let approved = decided(&app, &moderator, &id, overturn).await;

    assert_eq!(approved["status"], "published");
    let list = app.list(LIST).await;
    assert_eq!(list["total"], 2);
    assert!(listed_ids(&list).contains(&id), "back in the listing");
    assert!(queued(&queue(&app, &moderator, "?state=rejected").await).is_empty());
}

#[tokio::test]
async fn deleting_leaves_a_tombstone_only_under_replies() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let replier = app.reader().await;
    let top = app
        .published(&author, DEMO_ARTICLE, "the original text")
        .await;
    let reply = app
        .post_as(
            &replier,
            LIST,
            &json!({"body": "a reply", "parent_id": id_of(&top)}),
        )
        .await;
    assert_eq!(reply.status(), 201);
    let lone = app.published(&author, DEMO_ARTICLE, "a lone remark").await;

    let tombstone = decided(&app, &moderator, &id_of(&top), json!({"action": "delete"})).await;
    let gone = decided(&app, &moderator, &id_of(&lone), json!({"action": "delete"})).await;

    assert_eq!(tombstone["status"], "deleted");
    assert_eq!(tombstone["body"], "", "the text is gone");
    assert_eq!(gone["status"], "deleted");
    let list = app.list(LIST).await;
    assert_eq!(
        listed_ids(&list),
        [id_of(&top)],
        "only the comment with a reply stays"
    );
    let shown = &list["comments"][0];
    assert_eq!(shown["status"], "deleted");
    assert_eq!(shown["body"], "");
    assert_eq!(shown["replies"][0]["body"], "a reply");
    assert_eq!(list["total"], 1, "the reply still counts");
}

#[tokio::test]
async fn a_decision_that_changes_nothing_is_a_conflict_carrying_the_comment() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let published = app.published(&author, DEMO_ARTICLE, "left as it is").await;
    let rejected = held(&app, &author, DEMO_ARTICLE, PHONE).await;
    decided(
        &app,
        &moderator,
        &id_of(&rejected),
        json!({"action": "reject", "reason": "spam"}),
    )
    .await;
    let deleted = app.published(&author, DEMO_ARTICLE, "soon gone").await;
    decided(
        &app,
        &moderator,
        &id_of(&deleted),
        json!({"action": "delete"}),
    )
    .await;
    let cases = [
        (
            &published,
            json!({"action": "approve"}),
            "published",
            "approving a published comment without reports",
        ),
        (
            &rejected,
            json!({"action": "reject", "reason": "spam"}),
            "rejected",
            "rejecting a rejected comment",
        ),
        (
            &deleted,
            json!({"action": "delete"}),
            "deleted",
            "deleting a deleted comment",
        ),
    ];

    for (comment, decision, status, why) in cases {
        let response = decide(&app, &moderator, &id_of(comment), decision).await;
        assert_eq!(response.status(), 409, "{why}");
        let problem = assert_problem(response, 409, "already_decided").await;
        assert_eq!(problem["comment"]["id"], comment["id"], "{why}");
        assert_eq!(problem["comment"]["status"], status, "{why}");
    }

    let unknown = decide(&app, &moderator, "424242", json!({"action": "approve"})).await;
    assert_problem(unknown, 404, "comment_not_found").await;
    let entries = log_entries(&app, &moderator).await;
    assert_eq!(
        decisions_on(&entries, &id_of(&published)).len(),
        0,
        "conflicts are not logged"
    );
    assert_eq!(decisions_on(&entries, &id_of(&rejected)).len(), 1);
    assert_eq!(decisions_on(&entries, &id_of(&deleted)).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_decisions_have_one_winner_and_one_log_entry() {
    let app = TestApp::spawn().await;
    let first = app.moderator().await;
    let second = app.moderator().await;
    let reader = app.reader().await;
    let mut comments = Vec::new();
    for n in 0..10 {
        comments.push(id_of(
            &held(&app, &reader, DEMO_ARTICLE, &format!("{PHONE} #{n}")).await,
        ));
    }
    // The same action from both: whichever lands second finds nothing left to
    // change, whatever the timing (see the report on approve-against-reject).
    let pairs = [
        (
            json!({"action": "reject", "reason": "spam"}),
            json!({"action": "reject", "reason": "abuse"}),
        ),
        (json!({"action": "approve"}), json!({"action": "approve"})),
        (json!({"action": "delete"}), json!({"action": "delete"})),
    ];

    for (n, id) in comments.iter().enumerate() {
        let (a, b) = pairs[n % pairs.len()].clone();
        let (one, two) = tokio::join!(
            decide(&app, &first, id, a.clone()),
            decide(&app, &second, id, b)
        );
        let (winner, loser) = if one.status() == 200 {
            (one, two)
        } else {
            (two, one)
        };
        assert_eq!(winner.status(), 200, "race {n} ({a}): one decision wins");
        let won = json_body(winner).await["comment"]["status"].clone();
        assert_eq!(loser.status(), 409, "race {n} ({a}): the other loses");
        let problem = assert_problem(loser, 409, "already_decided").await;
        assert_eq!(
            problem["comment"]["status"], won,
            "race {n}: the loser sees the winner's result"
        );
    }

    let entries = log_entries(&app, &first).await;
    for (n, id) in comments.iter().enumerate() {
        assert_eq!(
            decisions_on(&entries, id).len(),
            1,
            "race {n}: one decision logged"
        );
    }
}

#[tokio::test]
async fn three_readers_reporting_queue_a_comment_with_their_reports() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let text = "the sanctions are theatre";
    let id = id_of(&app.published(&author, DEMO_ARTICLE, text).await);
    let reporters = [app.reader().await, app.reader().await, app.reader().await];
    let reasons = ["spam", "abuse", "off_topic"];

    for (n, (reporter, reason)) in reporters.iter().zip(reasons).enumerate() {
        let response = app
            .post_as(
                reporter,
                &reports_path(&id),
                &json!({"reason": reason, "note": format!("note {n}")}),
            )
            .await;
        assert_eq!(response.status(), 202, "report {n}");
        let reported = queued(&queue(&app, &moderator, "?state=reported").await);
        if n < 2 {
            assert!(
                reported.is_empty(),
                "{} report(s) stay below the threshold",
                n + 1
            );
        } else {
            assert_eq!(reported, [id.as_str()], "the third report queues it");
        }
    }
    let again = report(&app, &reporters[0], &id, "hate").await;
    assert_problem(again, 409, "already_reported").await;

    let page = queue(&app, &moderator, "?state=reported").await;
    let item = &page["items"][0];
    assert_eq!(item["comment"]["status"], "published");
    let mut filed: Vec<(String, String, String)> = item["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert!(r["id"].is_string(), "{r}");
            assert_eq!(r["body"], text, "the text reported");
            assert_eq!(r["reporter"]["display_name"], "Test Reader");
            time(&r["created_at"]);
            let field = |name: &str| r[name].as_str().unwrap_or_default().to_owned();
            (
                r["reporter"]["id"].as_str().unwrap().to_owned(),
                field("reason"),
                field("note"),
            )
        })
        .collect();
    filed.sort();
    let mut expected: Vec<(String, String, String)> = reporters
        .iter()
        .zip(reasons)
        .enumerate()
        .map(|(n, (r, reason))| (r.id.clone(), reason.to_owned(), format!("note {n}")))
        .collect();
    expected.sort();
    assert_eq!(
        filed, expected,
        "three reports; the repeated one is not counted"
    );
    assert_eq!(
        app.list(LIST).await["total"],
        1,
        "three reports do not hide it"
    );
    assert!(
        queued(&queue(&app, &moderator, "").await).is_empty(),
        "not pending"
    );
}

#[tokio::test]
async fn reporting_errors_follow_the_contract() {
    let app = TestApp::spawn().await;
    let author = app.reader().await;
    let reader = app.reader().await;
    let id = id_of(&app.published(&author, DEMO_ARTICLE, "report me").await);

    let anonymous = app
        .post_json(&reports_path(&id), &json!({"reason": "spam"}))
        .await;
    assert_problem(anonymous, 401, "unauthenticated").await;
    let cases = [
        (
            reports_path(&id),
            json!({"reason": "rude"}),
            422,
            "invalid_request",
            "a reason not on the list",
        ),
        (
            reports_path(&id),
            json!({"note": "no reason"}),
            422,
            "invalid_request",
            "no reason",
        ),
        (
            reports_path("424242"),
            json!({"reason": "spam"}),
            404,
            "comment_not_found",
            "an unknown comment",
        ),
    ];
    for (path, body, status, code, why) in cases {
        let response = app.post_as(&reader, &path, &body).await;
        assert_eq!(response.status(), status, "{why}");
        assert_problem(response, status, code).await;
    }

    let first = app
        .post_as(
            &reader,
            &reports_path(&id),
            &json!({"reason": "other", "note": "see the second line"}),
        )
        .await;
    let second = report(&app, &reader, &id, "spam").await;

    assert_eq!(first.status(), 202);
    assert_problem(second, 409, "already_reported").await;
}

#[tokio::test]
async fn five_reports_hide_a_comment_until_a_moderator_approves_it() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let id = id_of(
        &app.published(&author, DEMO_ARTICLE, "an unpopular view")
            .await,
    );
    for n in 0..4 {
        let reporter = app.reader().await;
        assert_eq!(
            report(&app, &reporter, &id, "abuse").await.status(),
            202,
            "report {n}"
        );
    }
    assert_eq!(
        app.list(LIST).await["total"],
        1,
        "four reports do not hide it"
    );
    assert_eq!(app.get(&comment_path(&id)).await.status(), 200);

    let fifth = app.reader().await;
    assert_eq!(report(&app, &fifth, &id, "abuse").await.status(), 202);

    let list = app.list(LIST).await;
    assert_eq!(list["total"], 0, "hidden at five");
    assert!(listed_ids(&list).is_empty());
    assert_problem(app.get(&comment_path(&id)).await, 404, "comment_not_found").await;
    let reported = queue(&app, &moderator, "?state=reported").await;
    assert_eq!(queued(&reported), [id.as_str()]);
    assert_eq!(reported["items"][0]["reports"].as_array().unwrap().len(), 5);

    let approved = decided(&app, &moderator, &id, json!({"action": "approve"})).await;

    assert_eq!(approved["status"], "published");
    assert_eq!(
        listed_ids(&app.list(LIST).await),
        [id.as_str()],
        "back at once"
    );
    assert_eq!(app.get(&comment_path(&id)).await.status(), 200);
    assert!(
        queued(&queue(&app, &moderator, "?state=reported").await).is_empty(),
        "the reports were resolved"
    );
    let again = decide(&app, &moderator, &id, json!({"action": "approve"})).await;
    let problem = assert_problem(again, 409, "already_decided").await;
    assert_eq!(problem["comment"]["status"], "published");
}

#[tokio::test]
async fn report_thresholds_are_configuration_and_a_rejection_keeps_the_comment_out() {
    let app = TestApp::spawn_with(|s| {
        s.reports_to_queue = 1;
        s.reports_to_hide = 2;
    })
    .await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let (first, second) = (app.reader().await, app.reader().await);
    let id = id_of(
        &app.published(&author, DEMO_ARTICLE, "a contested claim")
            .await,
    );

    assert_eq!(report(&app, &first, &id, "hate").await.status(), 202);
    assert_eq!(
        queued(&queue(&app, &moderator, "?state=reported").await),
        [id.as_str()]
    );
    assert_eq!(app.list(LIST).await["total"], 1, "queued, not hidden");
    assert_eq!(report(&app, &second, &id, "hate").await.status(), 202);
    assert_eq!(app.list(LIST).await["total"], 0, "hidden at two");

    let rejected = decided(
        &app,
        &moderator,
        &id,
        json!({"action": "reject", "reason": "hate"}),
    )
    .await;

    assert_eq!(rejected["status"], "rejected");
    assert_eq!(app.list(LIST).await["total"], 0, "kept out");
    assert_problem(app.get(&comment_path(&id)).await, 404, "comment_not_found").await;
    assert!(queued(&queue(&app, &moderator, "?state=reported").await).is_empty());
    assert_eq!(
        queued(&queue(&app, &moderator, "?state=rejected").await),
        [id.as_str()]
    );
}

#[tokio::test]
async fn a_report_keeps_the_text_it_was_filed_against() {
    let app = TestApp::spawn_with(|s| s.reports_to_queue = 1).await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let reader = app.reader().await;
    let id = id_of(
        &app.published(&author, DEMO_ARTICLE, "the first wording")
            .await,
    );
    assert_eq!(report(&app, &reader, &id, "off_topic").await.status(), 202);

    let edited = patch_as(&app, &author, &id, "a second wording").await;

    assert_eq!(edited.status(), 200);
    let item = &queue(&app, &moderator, "?state=reported").await["items"][0];
    assert_eq!(item["comment"]["body"], "a second wording");
    assert_eq!(item["reports"][0]["body"], "the first wording");
}

#[tokio::test]
async fn a_suspension_stops_posting_until_it_is_lifted() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let reader = app.reader().await;
    held(&app, &reader, DEMO_ARTICLE, PHONE).await;
    let until = in_days(3);

    let given = sanction(
        &app,
        &moderator,
        &reader,
        json!({"kind": "suspend", "until": until, "reason": "abuse"}),
    )
    .await;

    assert!(given["id"].is_string(), "{given}");
    assert_eq!(given["user_id"], reader.id.as_str());
    assert_eq!(given["kind"], "suspend");
    assert_eq!(given["reason"], "abuse");
    assert_eq!(time(&given["until"]), time(&json!(until)));
    time(&given["created_at"]);
    let refused = app.comment(&reader, DEMO_ARTICLE, "while suspended").await;
    assert_problem(refused, 403, "account_suspended").await;
    let shown = &queue(&app, &moderator, "").await["items"][0]["author"]["sanction"];
    assert_eq!(shown["kind"], "suspend", "the queue shows the sanction");
    assert_eq!(shown["reason"], "abuse");
    assert_eq!(time(&shown["until"]), time(&json!(until)));

    let lifted = app.delete_as(&moderator, &sanctions_path(&reader)).await;

    assert_eq!(lifted.status(), 204);
    assert_eq!(
        app.comment(&reader, DEMO_ARTICLE, "back again")
            .await
            .status(),
        201
    );
    let again = app.delete_as(&moderator, &sanctions_path(&reader)).await;
    assert_problem(again, 404, "sanction_not_found").await;
    assert_eq!(
        queue(&app, &moderator, "").await["items"][0]["author"]["sanction"],
        Value::Null
    );
}

#[tokio::test]
async fn a_ban_can_reject_the_accounts_pending_comments() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let banned = app.reader().await;
    let bystander = app.reader().await;
    let kept = app
        .published(&banned, DEMO_ARTICLE, "a published view")
        .await;
    let first = id_of(&held(&app, &banned, DEMO_ARTICLE, PHONE).await);
    let second = id_of(&held(&app, &banned, DEMO_ARTICLE, "그 사람은 정말 멍청이다").await);
    let theirs = id_of(
        &held(
            &app,
            &bystander,
            DEMO_ARTICLE,
            "mail me at kim.reader@news.example",
        )
        .await,
    );

    let given = sanction(
        &app,
        &moderator,
        &banned,
        json!({"kind": "ban", "reason": "spam", "reject_pending": true}),
    )
    .await;

    assert_eq!(given["kind"], "ban");
    assert_eq!(given["until"], Value::Null);
    let refused = app.comment(&banned, DEMO_ARTICLE, "after the ban").await;
    assert_problem(refused, 403, "account_banned").await;
    assert_eq!(
        queued(&queue(&app, &moderator, "").await),
        [theirs],
        "only others' comments wait"
    );
    let rejected = queue(&app, &moderator, "?state=rejected").await;
    assert_eq!(queued(&rejected), [first, second]);
    assert_eq!(rejected["items"][0]["author"]["sanction"]["kind"], "ban");
    assert_eq!(rejected["items"][0]["author"]["rejected_count"], 2);
    assert_eq!(
        listed_ids(&app.list(LIST).await),
        [id_of(&kept)],
        "published comments stay"
    );
    let ban = log_entries(&app, &moderator)
        .await
        .into_iter()
        .find(|e| e["action"] == "ban")
        .expect("the ban is logged");
    assert_eq!(ban["target"], json!({"type": "user", "id": banned.id}));
    assert_eq!(ban["reason"], "spam");
    assert_eq!(ban["moderator"]["id"], moderator.id.as_str());
}

#[tokio::test]
async fn bad_sanctions_are_refused() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let reader = app.reader().await;
    let path = sanctions_path(&reader);
    let unknown = "/api/v1/moderation/users/999999/sanctions".to_owned();
    let cases = [
        (
            &path,
            json!({"kind": "suspend", "reason": "abuse"}),
            422,
            "invalid_request",
            "a suspension without an end",
        ),
        (
            &path,
            json!({"kind": "suspend", "until": in_days(-1), "reason": "abuse"}),
            422,
            "invalid_request",
            "a suspension already over",
        ),
        (
            &path,
            json!({"kind": "suspend", "until": "next week", "reason": "abuse"}),
            422,
            "invalid_request",
            "an end that is not a time",
        ),
        (
            &path,
            json!({"kind": "mute", "reason": "abuse"}),
            422,
            "invalid_request",
            "an unknown kind",
        ),
        (
            &path,
            json!({"kind": "ban"}),
            422,
            "invalid_request",
            "no reason",
        ),
        (
            &unknown,
            json!({"kind": "ban", "reason": "spam"}),
            404,
            "user_not_found",
            "an unknown user",
        ),
    ];

    for (path, body, status, code, why) in cases {
        let response = app.post_as(&moderator, path, &body).await;
        assert_eq!(response.status(), status, "{why}");
        assert_problem(response, status, code).await;
    }

    assert_eq!(
        app.comment(&reader, DEMO_ARTICLE, "unharmed")
            .await
            .status(),
        201
    );
    assert_problem(
        app.delete_as(&moderator, &path).await,
        404,
        "sanction_not_found",
    )
    .await;
}

#[tokio::test]
async fn moderators_cannot_sanction_staff_but_admins_can() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let colleague = app.moderator().await;
    let admin = app.staff(Role::Admin).await;
    let body = json!({"kind": "suspend", "until": in_days(1), "reason": "other"});

    for (target, why) in [(&colleague, "a moderator"), (&admin, "an admin")] {
        let response = app
            .post_as(&moderator, &sanctions_path(target), &body)
            .await;
        assert_eq!(response.status(), 403, "a moderator sanctioning {why}");
        assert_problem(response, 403, "forbidden").await;
    }
    let given = sanction(&app, &admin, &colleague, body.clone()).await;
    assert_eq!(given["user_id"], colleague.id.as_str());
    assert_eq!(
        app.delete_as(&admin, &sanctions_path(&colleague))
            .await
            .status(),
        204
    );
}

#[tokio::test]
async fn editorial_settings_close_reopen_and_premoderate_and_are_logged() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let reader = app.reader().await;

    app.article(&moderator, DEMO_ARTICLE, json!({"comments_open": false}))
        .await;
    let closed = app.comment(&reader, DEMO_ARTICLE, "is anyone there").await;
    app.article(&moderator, DEMO_ARTICLE, json!({"comments_open": true}))
        .await;
    let reopened = app.comment(&reader, DEMO_ARTICLE, "open again").await;
    app.article(&moderator, DEMO_ARTICLE, json!({"premoderation": true}))
        .await;
    let premoderated = app.comment(&reader, DEMO_ARTICLE, "now it waits").await;

    assert_problem(closed, 409, "comments_closed").await;
    assert_eq!(reopened.status(), 201);
    assert_eq!(premoderated.status(), 202);
    assert_eq!(
        json_body(premoderated).await["comment"]["status"],
        "pending"
    );
    let item = &queue(&app, &moderator, "").await["items"][0];
    assert_eq!(rules_of(&item["reasons"]), ["premoderation"]);
    let updates: Vec<Value> = log_entries(&app, &moderator)
        .await
        .into_iter()
        .filter(|e| e["action"] == "article_updated")
        .collect();
    assert_eq!(updates.len(), 3, "one entry per change");
    for entry in &updates {
        assert_eq!(
            entry["target"],
            json!({"type": "article", "id": DEMO_ARTICLE})
        );
        assert_eq!(entry["moderator"]["id"], moderator.id.as_str());
    }
}

#[tokio::test]
async fn an_author_edits_a_comment_and_the_edit_is_checked_again() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let other = app.reader().await;
    let comment = app
        .published(&author, DEMO_ARTICLE, "my first wording")
        .await;
    let id = id_of(&comment);
    assert_eq!(comment["edited_at"], Value::Null);

    let anonymous = app
        .client
        .patch(app.url(&comment_path(&id)))
        .json(&json!({"body": "not mine"}))
        .send()
        .await
        .unwrap();
    assert_problem(anonymous, 401, "unauthenticated").await;
    let theirs = patch_as(&app, &other, &id, "not mine either").await;
    assert_problem(theirs, 403, "forbidden").await;
    let same = patch_as(&app, &author, &id, "my first wording").await;
    assert_eq!(
        same.status(),
        200,
        "the same text is not a repeat of itself"
    );

    let edited = patch_as(&app, &author, &id, "my second wording").await;
    assert_eq!(edited.status(), 200);
    let edited = json_body(edited).await["comment"].clone();
    assert_eq!(edited["body"], "my second wording");
    assert_eq!(edited["status"], "published");
    time(&edited["edited_at"]);
    assert_eq!(
        app.list(LIST).await["comments"][0]["body"],
        "my second wording"
    );

    let banned = patch_as(&app, &author, &id, "씨발 이게 뭐냐").await;
    let problem = assert_problem(banned, 422, "policy_violation").await;
    assert_eq!(rules_of(&problem["violations"]), ["banned_term"]);
    let stored = app.list(&comment_path(&id)).await;
    assert_eq!(stored["comment"]["body"], "my second wording", "unchanged");

    let with_phone = patch_as(&app, &author, &id, "my second wording, 010-1234-5678").await;
    assert_eq!(with_phone.status(), 200);
    assert_eq!(json_body(with_phone).await["comment"]["status"], "pending");
    assert_eq!(
        app.list(LIST).await["total"],
        0,
        "held again, out of the listing"
    );
    let item = &queue(&app, &moderator, "").await["items"][0];
    assert_eq!(item["comment"]["id"], id.as_str());
    assert_eq!(rules_of(&item["reasons"]), ["phone_number"]);
}

#[tokio::test]
async fn an_edit_after_the_window_is_refused() {
    let app = TestApp::spawn_with(|s| s.edit_window = std::time::Duration::from_secs(1)).await;
    let author = app.reader().await;
    let id = id_of(&app.published(&author, DEMO_ARTICLE, "said in haste").await);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;

    let late = patch_as(&app, &author, &id, "said at leisure").await;

    assert_problem(late, 403, "edit_window_closed").await;
    assert_eq!(
        app.list(&comment_path(&id)).await["comment"]["body"],
        "said in haste"
    );
}

#[tokio::test]
async fn the_log_records_decisions_sanctions_and_the_policys_own_actions() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let comment = id_of(&held(&app, &author, DEMO_ARTICLE, PHONE).await);
    let refused = app.comment(&author, DEMO_ARTICLE, "씨발 이게 뭐냐").await;
    assert_eq!(refused.status(), 422);
    decided(
        &app,
        &moderator,
        &comment,
        json!({"action": "reject", "reason": "personal_information", "note": "number posted"}),
    )
    .await;
    sanction(
        &app,
        &moderator,
        &author,
        json!({"kind": "suspend", "until": in_days(2), "reason": "abuse"}),
    )
    .await;
    assert_eq!(
        app.delete_as(&moderator, &sanctions_path(&author))
            .await
            .status(),
        204
    );
    sanction(
        &app,
        &moderator,
        &author,
        json!({"kind": "ban", "reason": "spam"}),
    )
    .await;

    let entries = log_entries(&app, &moderator).await;

    let ours: Vec<&Value> = entries
        .iter()
        .filter(|e| e["target"]["type"] != "article")
        .collect();
    let actions: Vec<&str> = ours.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        ["ban", "lift", "suspend", "reject", "refuse", "hold"],
        "newest first"
    );
    let user = json!({"type": "user", "id": author.id});
    let by_moderator = |e: &Value| e["moderator"]["id"] == moderator.id.as_str();
    let (ban, lift, suspend, reject, refuse, hold) =
        (ours[0], ours[1], ours[2], ours[3], ours[4], ours[5]);
    for entry in [ban, lift, suspend] {
        assert_eq!(entry["target"], user, "{entry}");
        assert!(by_moderator(entry), "{entry}");
    }
    assert_eq!(ban["reason"], "spam");
    assert_eq!(suspend["reason"], "abuse");
    assert!(by_moderator(reject));
    assert_eq!(reject["target"], json!({"type": "comment", "id": comment}));
    assert_eq!(reject["reason"], "personal_information");
    assert_eq!(reject["note"], "number posted");
    assert_eq!(refuse["moderator"], Value::Null, "automatic");
    assert_eq!(refuse["target"], user, "the author; the text is not kept");
    assert_eq!(refuse["reason"], "banned_term");
    assert!(!refuse.to_string().contains("씨발"), "{refuse}");
    assert_eq!(hold["moderator"], Value::Null, "automatic");
    assert_eq!(hold["target"], json!({"type": "comment", "id": comment}));
    assert_eq!(hold["reason"], "phone_number");
    let times: Vec<DateTime<Utc>> = ours.iter().map(|e| time(&e["at"])).collect();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );
}

#[tokio::test]
async fn the_log_pages_newest_first_without_overlap() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let reader = app.reader().await;
    let mut comments = Vec::new();
    for n in 0..7 {
        comments.push(id_of(
            &held(&app, &reader, DEMO_ARTICLE, &format!("{PHONE} #{n}")).await,
        ));
    }
    let everything = log_entries(&app, &moderator).await;

    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut path = "/api/v1/moderation/log?limit=3".to_owned();
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = json_body(app.get_as(&moderator, &path).await).await;
        let entries = page["entries"].as_array().unwrap();
        assert!(entries.len() <= 3, "{path}");
        paged.extend(entries.iter().map(id_of));
        pages += 1;
        assert!(pages <= 10, "paging ends");
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }

    let all: Vec<String> = everything.iter().map(id_of).collect();
    assert_eq!(paged, all, "every entry once, in the same order");
    assert_eq!(pages, all.len().div_ceil(3));
    let held_newest_first: Vec<String> = everything
        .iter()
        .filter(|e| e["action"] == "hold")
        .map(|e| e["target"]["id"].as_str().unwrap().to_owned())
        .collect();
    let mut expected = comments.clone();
    expected.reverse();
    assert_eq!(held_newest_first, expected);
    let bad = app
        .get_as(&moderator, "/api/v1/moderation/log?cursor=garbage")
        .await;
    assert_problem(bad, 400, "invalid_cursor").await;
}

#[tokio::test]
async fn only_an_admin_changes_roles_and_the_change_applies_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let moderator = app.moderator().await;
    let reader = app.reader().await;
    let path = role_path(&reader);
    let promote = json!({"role": "moderator"});
    let refused = [
        (&moderator, "a moderator"),
        (&reader, "the reader themself"),
    ];
    for (caller, why) in refused {
        let response = app.put_as(caller, &path, &promote).await;
        assert_eq!(response.status(), 403, "{why}");
        assert_problem(response, 403, "forbidden").await;
    }
    let bad = app.put_as(&admin, &path, &json!({"role": "owner"})).await;
    assert_problem(bad, 422, "invalid_request").await;
    let before = app.get_as(&reader, "/api/v1/moderation/queue").await;
    assert_problem(before, 403, "forbidden").await;

    let promoted = app.put_as(&admin, &path, &promote).await;

    assert_eq!(promoted.status(), 200);
    let user = json_body(promoted).await["user"].clone();
    assert_eq!(user["id"], reader.id.as_str());
    assert_eq!(user["role"], "moderator");
    let after = app.get_as(&reader, "/api/v1/moderation/queue").await;
    assert_eq!(after.status(), 200, "the same token, the new role");
    let entry = &log_entries(&app, &admin).await[0];
    assert_eq!(entry["action"], "role_changed");
    assert_eq!(entry["target"], json!({"type": "user", "id": reader.id}));
    assert_eq!(entry["reason"], "moderator");
    assert_eq!(entry["moderator"]["id"], admin.id.as_str());

    let demoted = app.put_as(&admin, &path, &json!({"role": "reader"})).await;
    assert_eq!(demoted.status(), 200);
    let again = app.get_as(&reader, "/api/v1/moderation/queue").await;
    assert_problem(again, 403, "forbidden").await;
}
