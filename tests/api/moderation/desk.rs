//! What the moderator desk calls beside the queues: counts, the rule filter,
//! editorials and authors on queue items, an account's file, comments, log
//! and note, undoing a decision, and who decided first.

use std::time::Duration as StdDuration;

use comment_desk::config::{SsoConfig, SsoKey};
use jsonwebtoken::{EncodingKey, Header};

use super::*;
use crate::helpers::Target;

const OTHER_ARTICLE: &str = "putin-gorbachev-path";
/// Held by the standards policy as `suspect_term`.
const SUSPECT: &str = "그 사람은 정말 멍청이다";
const STATES: [&str; 4] = ["pending", "reported", "rejected", "featured"];
const SSO_SECRET: &str = "the newsroom's secret, longer than 32 bytes";

/// A comment the policy holds for its phone number, different each time: an
/// author's repeated comment is refused.
fn phone(n: usize) -> String {
    format!("call me on 010-1234-{:04}", 1000 + n)
}

fn user_path(id: &str) -> String {
    format!("/api/v1/moderation/users/{id}")
}

fn note_path(id: &str) -> String {
    format!("/api/v1/moderation/users/{id}/note")
}

fn undo_path(id: &str) -> String {
    format!("/api/v1/moderation/comments/{id}/undo")
}

async fn counts(app: &TestApp, moderator: &TestUser, query: &str) -> Value {
    let response = app
        .get_as(moderator, &format!("/api/v1/moderation/counts{query}"))
        .await;
    assert_eq!(response.status(), 200, "counts{query}");
    json_body(response).await
}

async fn undo(app: &TestApp, moderator: &TestUser, id: &str) -> Response {
    app.post_as(moderator, &undo_path(id), &json!({})).await
}

/// An undo that must succeed; returns the comment it answers with.
async fn undone(app: &TestApp, moderator: &TestUser, id: &str) -> crate::helpers::Comment {
    let response = undo(app, moderator, id).await;
    assert_eq!(response.status(), 200, "undo on {id}");
    parse::<CommentAnswer>(response).await.comment
}

async fn account_file(app: &TestApp, moderator: &TestUser, id: &str) -> Value {
    let response = app.get_as(moderator, &user_path(id)).await;
    assert_eq!(response.status(), 200, "the file of {id}");
    json_body(response).await
}

/// A queue's length, read through every page.
async fn queue_length(app: &TestApp, moderator: &TestUser, state: &str, filters: &str) -> usize {
    let page = app
        .queue(moderator, &format!("?state={state}&limit=100{filters}"))
        .await;
    assert_eq!(page.next_cursor, None, "one page holds the {state} queue");
    page.items.len()
}

#[tokio::test]
async fn every_desk_endpoint_refuses_readers_and_anonymous_callers() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    let author = app.reader().await;
    let comment = app
        .published_comment(&author, DEMO_ARTICLE, "a fair point")
        .await;
    let endpoints = [
        (
            Method::GET,
            "/api/v1/moderation/counts".to_owned(),
            None,
            "the counts",
        ),
        (
            Method::GET,
            user_path(&author.id),
            None,
            "an account's file",
        ),
        (
            Method::GET,
            format!("{}/comments", user_path(&author.id)),
            None,
            "an account's comments",
        ),
        (
            Method::PUT,
            note_path(&author.id),
            Some(json!({"note": "watch"})),
            "a note",
        ),
        (Method::POST, undo_path(&comment.id), None, "an undo"),
        (
            Method::GET,
            format!("/api/v1/moderation/log?user_id={}", author.id),
            None,
            "the log about one account",
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
        problem(anonymous, 401, "unauthenticated").await;
        let as_reader = request(Some(&reader.token)).await.unwrap();
        assert_eq!(as_reader.status(), 403, "reader: {what}");
        problem(as_reader, 403, "forbidden").await;
    }
    let moderator = app.moderator().await;
    let file = account_file(&app, &moderator, &author.id).await;
    assert_eq!(file["note"], Value::Null, "the reader wrote no note");
}

#[tokio::test]
async fn counts_match_the_queues_and_follow_their_filters() {
    let app = TestApp::spawn_with(|s| s.reports_to_queue = 1).await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let reporter = app.reader().await;
    app.held_comment(&author, DEMO_ARTICLE, PHONE).await;
    app.held_comment(&author, OTHER_ARTICLE, &phone(1)).await;
    app.held_comment(&author, OTHER_ARTICLE, SUSPECT).await;
    let rejected = app
        .held_comment(&author, DEMO_ARTICLE, "이 사람도 정말 멍청이다")
        .await;
    let reject = json!({"action": "reject", "reason": "abuse"});
    app.decided(&moderator, &rejected.id, &reject).await;
    let reported = app
        .published_comment(&author, DEMO_ARTICLE, "a plain remark")
        .await;
    assert_eq!(
        report(&app, &reporter, &reported.id, "spam").await.status(),
        202
    );
    let picked = app
        .published_comment(&author, OTHER_ARTICLE, "a fine remark")
        .await;
    let pick = app
        .put_as(
            &moderator,
            &format!("/api/v1/moderation/comments/{}/featured", picked.id),
            &json!({"featured": true}),
        )
        .await;
    assert_eq!(pick.status(), 200);

    let filters = [
        ("", json!([2 + 1, 1, 1, 1]), "no filter"),
        (
            "&article_id=putin-north-korea-signal",
            json!([1, 1, 1, 0]),
            "one editorial",
        ),
        ("&rule=phone_number", json!([2, 0, 0, 0]), "one rule"),
        ("&rule=suspect_term", json!([1, 0, 1, 0]), "another rule"),
        (
            "&rule=suspect_term&article_id=putin-gorbachev-path",
            json!([1, 0, 0, 0]),
            "both",
        ),
    ];
    for (filter, expected, why) in filters {
        let answer = counts(&app, &moderator, &format!("?{filter}")).await;
        let mut lengths = Vec::new();
        for state in STATES {
            let length = queue_length(&app, &moderator, state, filter).await;
            assert_eq!(
                answer[state], length,
                "{why}: the {state} count is the queue's length"
            );
            lengths.push(length);
        }
        assert_eq!(json!(lengths), expected, "{why}");
    }
    for path in ["/api/v1/moderation/counts", "/api/v1/moderation/queue"] {
        let unknown = app
            .get_as(&moderator, &format!("{path}?rule=rudeness"))
            .await;
        let body = assert_problem(unknown, 400, "invalid_query").await;
        assert!(
            body["detail"].as_str().unwrap().contains("rule"),
            "{path}: {body}"
        );
    }
}

#[tokio::test]
async fn queue_items_name_their_editorial_and_the_authors_age_and_ways_in() {
    let config = SsoConfig {
        key: SsoKey::Secret(SSO_SECRET.into()),
        issuer: None,
        audience: None,
    };
    let app = TestApp::spawn_with(|s| s.login.sso = Some(config)).await;
    let moderator = app.moderator().await;
    let editorial = app
        .article(&moderator, "desk-test", json!({"title": "사설: 시험"}))
        .await;
    let reader = app.reader().await;
    let now = Utc::now().timestamp();
    let claims = json!({"sub": "subscriber-1", "name": "구독자", "iat": now, "exp": now + 300,
        "jti": uuid::Uuid::new_v4().to_string()});
    let token = jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(SSO_SECRET.as_bytes()).unwrap(),
    )
    .unwrap();
    let signed_in = app
        .post_json("/api/v1/auth/sso", &json!({"token": token}))
        .await;
    assert_eq!(signed_in.status(), 200);
    let signed_in = json_body(signed_in).await;
    let subscriber = TestUser {
        id: signed_in["user"]["id"].as_str().unwrap().to_owned(),
        email: String::new(),
        token: signed_in["token"].as_str().unwrap().to_owned(),
    };
    let by_reader = app.held_comment(&reader, &editorial, PHONE).await;
    let by_subscriber = app.held_comment(&subscriber, DEMO_ARTICLE, PHONE).await;

    let page = queue(&app, &moderator, "").await;

    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let cases = [
        (
            &items[0],
            &by_reader,
            editorial.as_str(),
            "사설: 시험",
            "/editorials/desk-test",
            &reader,
            json!(["password"]),
        ),
        (
            &items[1],
            &by_subscriber,
            DEMO_ARTICLE,
            "Putin must not send the wrong signal to North Korea",
            "/editorials/putin-north-korea-signal",
            &subscriber,
            json!(["sso"]),
        ),
    ];
    for (item, comment, article, title, url, author, providers) in cases {
        assert_eq!(item["comment"]["id"], comment.id.as_str());
        assert_eq!(
            item["article"],
            json!({"id": article, "title": title, "url": url})
        );
        assert_eq!(item["author"]["id"], author.id.as_str());
        assert_eq!(
            item["author"]["providers"], providers,
            "the ways in of {}",
            author.id
        );
        let age = Utc::now() - time(&item["author"]["created_at"]);
        assert!(
            age >= Duration::zero() && age < Duration::minutes(1),
            "made just now: {age}"
        );
    }
    let file = account_file(&app, &moderator, &subscriber.id).await;
    assert_eq!(file["user"]["providers"], json!(["sso"]));
}

#[tokio::test]
async fn an_account_file_holds_the_record_every_sanction_and_the_note() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    app.published_comment(&author, DEMO_ARTICLE, "a published remark")
        .await;
    app.published_comment(&author, OTHER_ARTICLE, "another one")
        .await;
    app.held_comment(&author, DEMO_ARTICLE, PHONE).await;
    let rejected = app.held_comment(&author, DEMO_ARTICLE, SUSPECT).await;
    let reject = json!({"action": "reject", "reason": "abuse"});
    app.decided(&moderator, &rejected.id, &reject).await;
    let suspension = json!({"kind": "suspend", "until": in_days(3), "reason": "flooding"});
    let suspended = app.sanctioned(&moderator, &author, &suspension).await;
    assert_eq!(
        app.delete_as(&moderator, &sanctions_path(&author))
            .await
            .status(),
        204
    );
    let ban = json!({"kind": "ban", "reason": "spam again"});
    let banned = app.sanctioned(&moderator, &author, &ban).await;

    let file = account_file(&app, &moderator, &author.id).await;

    assert_eq!(file["user"]["id"], author.id.as_str());
    assert_eq!(file["user"]["display_name"], "Test Reader");
    assert_eq!(file["user"]["role"], "reader");
    assert_eq!(file["user"]["providers"], json!(["password"]));
    assert!(Utc::now() - time(&file["user"]["created_at"]) < Duration::minutes(1));
    assert_eq!(
        file["record"],
        json!({"published_count": 2, "rejected_count": 1, "pending_count": 1})
    );
    let sanctions = file["sanctions"].as_array().unwrap();
    assert_eq!(sanctions.len(), 2, "{sanctions:?}");
    let (ban, suspension) = (&sanctions[0], &sanctions[1]);
    assert_eq!(ban["id"], banned.id.as_str(), "newest first");
    assert_eq!(ban["kind"], "ban");
    assert_eq!(ban["until"], Value::Null);
    assert_eq!(ban["reason"], "spam again");
    assert_eq!(ban["lifted_at"], Value::Null);
    assert_eq!(ban["active"], true);
    assert_eq!(suspension["id"], suspended.id.as_str());
    assert_eq!(suspension["kind"], "suspend");
    assert_eq!(time(&suspension["until"]), suspended.until.unwrap());
    assert_eq!(suspension["active"], false, "lifted");
    let lifted = time(&suspension["lifted_at"]);
    assert!(lifted >= time(&suspension["created_at"]) && lifted <= Utc::now());
    assert_eq!(file["note"], Value::Null);

    for id in ["999999", "not-a-number", "-1"] {
        let missing = app.get_as(&moderator, &user_path(id)).await;
        problem(missing, 404, "user_not_found").await;
    }
}

#[tokio::test]
async fn a_note_is_set_cleared_checked_and_logged() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let reader = app.reader().await;
    let path = note_path(&reader.id);

    let set = app
        .put_as(
            &moderator,
            &path,
            &json!({"note": "  반복 광고 계정, 지켜볼 것  "}),
        )
        .await;

    assert_eq!(set.status(), 200);
    let note = json_body(set).await["note"].clone();
    assert_eq!(
        note["text"], "반복 광고 계정, 지켜볼 것",
        "the text rule trims it"
    );
    assert_eq!(
        note["by"],
        json!({"id": moderator.id, "display_name": "Desk Editor"})
    );
    assert!(Utc::now() - time(&note["updated_at"]) < Duration::minutes(1));
    let file = account_file(&app, &moderator, &reader.id).await;
    assert_eq!(file["note"], note, "the file shows the note");
    let own = app
        .get_as(&reader, "/api/v1/auth/me")
        .await
        .text()
        .await
        .unwrap();
    assert!(!own.contains("지켜볼"), "the reader never sees it: {own}");

    let refused = [
        (json!({"note": "n".repeat(501)}), "over 500 characters"),
        (json!({"note": "bell \u{7} here"}), "a control character"),
        (json!({"note": 5}), "not a text"),
        (json!({}), "no note"),
    ];
    for (body, why) in refused {
        let response = app.put_as(&moderator, &path, &body).await;
        problem(response, 422, "invalid_request").await;
        let file = account_file(&app, &moderator, &reader.id).await;
        assert_eq!(file["note"]["text"], note["text"], "{why}: the note stays");
    }
    let longest = app
        .put_as(&moderator, &path, &json!({"note": "n".repeat(500)}))
        .await;
    assert_eq!(longest.status(), 200, "500 characters");

    let cleared = app.put_as(&moderator, &path, &json!({"note": ""})).await;

    assert_eq!(cleared.status(), 200);
    assert_eq!(json_body(cleared).await, json!({"note": null}));
    assert_eq!(
        account_file(&app, &moderator, &reader.id).await["note"],
        Value::Null
    );
    let again = app.put_as(&moderator, &path, &json!({"note": ""})).await;
    assert_eq!(again.status(), 200, "clearing no note");
    let entries = app.log(&moderator).await;
    let notes: Vec<Option<&str>> = entries
        .iter()
        .filter(|e| e.action == "note")
        .map(|e| e.note.as_deref())
        .collect();
    let longest = "n".repeat(500);
    assert_eq!(
        notes,
        [
            None,
            Some(longest.as_str()),
            Some("반복 광고 계정, 지켜볼 것")
        ]
    );
    assert!(
        entries
            .iter()
            .filter(|e| e.action == "note")
            .all(|e| e.target == Target::user(&reader))
    );
    let unknown = app
        .put_as(&moderator, &note_path("999999"), &json!({"note": "x"}))
        .await;
    problem(unknown, 404, "user_not_found").await;
}

#[tokio::test]
async fn an_authors_comments_page_across_editorials_newest_first_in_every_state() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let someone_else = app.reader().await;
    let mut posted = Vec::new();
    posted.push(
        app.published_comment(&author, DEMO_ARTICLE, "first remark")
            .await,
    );
    posted.push(app.held_comment(&author, OTHER_ARTICLE, PHONE).await);
    posted.push(
        app.published_comment(&author, OTHER_ARTICLE, "third remark")
            .await,
    );
    app.published_comment(&someone_else, DEMO_ARTICLE, "not theirs")
        .await;
    posted.push(app.held_comment(&author, DEMO_ARTICLE, SUSPECT).await);
    posted.push(
        app.published_comment(&author, DEMO_ARTICLE, "fifth remark")
            .await,
    );
    let reject = json!({"action": "reject", "reason": "abuse"});
    app.decided(&moderator, &posted[3].id, &reject).await;
    let path = format!("{}/comments", user_path(&author.id));

    let mut seen: Vec<Value> = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..5 {
        let query = match &cursor {
            Some(cursor) => format!("{path}?limit=2&cursor={cursor}"),
            None => format!("{path}?limit=2"),
        };
        let response = app.get_as(&moderator, &query).await;
        assert_eq!(response.status(), 200, "{query}");
        let page = json_body(response).await;
        seen.extend(page["items"].as_array().unwrap().iter().cloned());
        cursor = page["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }

    let ids: Vec<&str> = seen
        .iter()
        .map(|i| i["comment"]["id"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = posted.iter().rev().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, expected, "newest first, only theirs");
    let states: Vec<&str> = seen
        .iter()
        .map(|i| i["comment"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        ["published", "rejected", "published", "pending", "published"]
    );
    let articles: Vec<&str> = seen
        .iter()
        .map(|i| i["article"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        articles,
        [
            DEMO_ARTICLE,
            DEMO_ARTICLE,
            OTHER_ARTICLE,
            OTHER_ARTICLE,
            DEMO_ARTICLE
        ]
    );
    for item in &seen {
        let article = &item["article"];
        assert_eq!(
            article["url"],
            format!("/editorials/{}", article["id"].as_str().unwrap())
        );
        assert!(!article["title"].as_str().unwrap().is_empty());
        assert_eq!(item["comment"]["article_id"], article["id"]);
    }
    let missing = app
        .get_as(&moderator, &format!("{}/comments", user_path("999999")))
        .await;
    problem(missing, 404, "user_not_found").await;
}

#[tokio::test]
async fn the_log_filtered_by_user_holds_only_entries_about_that_account() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let other = app.reader().await;
    let held = app.held_comment(&author, DEMO_ARTICLE, PHONE).await;
    let theirs = app.held_comment(&other, DEMO_ARTICLE, PHONE).await;
    app.decided(&moderator, &held.id, &json!({"action": "approve"}))
        .await;
    app.decided(
        &moderator,
        &theirs.id,
        &json!({"action": "reject", "reason": "spam"}),
    )
    .await;
    let note = app
        .put_as(
            &moderator,
            &note_path(&author.id),
            &json!({"note": "watch"}),
        )
        .await;
    assert_eq!(note.status(), 200);
    let suspension = json!({"kind": "suspend", "until": in_days(1), "reason": "flooding"});
    app.sanctioned(&moderator, &other, &suspension).await;

    let response = app
        .get_as(
            &moderator,
            &format!("/api/v1/moderation/log?user_id={}", author.id),
        )
        .await;

    assert_eq!(response.status(), 200);
    let page: Page<crate::helpers::LogEntry> = parse(response).await;
    let lines: Vec<(&str, Target)> = page
        .items
        .iter()
        .map(|e| (e.action.as_str(), e.target.clone()))
        .collect();
    assert_eq!(
        lines,
        [
            ("note", Target::user(&author)),
            ("approve", Target::comment(&held.id)),
            ("hold", Target::comment(&held.id)),
        ]
    );
    let everything = app.log(&moderator).await;
    assert!(everything.len() > lines.len(), "the whole log holds more");
    let paged = app
        .get_as(
            &moderator,
            &format!("/api/v1/moderation/log?user_id={}&limit=2", author.id),
        )
        .await;
    let first: Page<crate::helpers::LogEntry> = parse(paged).await;
    let cursor = first.next_cursor.expect("a second page");
    let rest = app
        .get_as(
            &moderator,
            &format!(
                "/api/v1/moderation/log?user_id={}&limit=2&cursor={cursor}",
                author.id
            ),
        )
        .await;
    let rest: Page<crate::helpers::LogEntry> = parse(rest).await;
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0].action, "hold");
    let bad = app
        .get_as(&moderator, "/api/v1/moderation/log?user_id=nobody")
        .await;
    assert_problem(bad, 400, "invalid_query").await;
}

#[tokio::test]
async fn undoing_an_approval_puts_the_comment_back_in_the_pending_queue() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let held = app.held_comment(&author, DEMO_ARTICLE, PHONE).await;
    let approved = app
        .decided(&moderator, &held.id, &json!({"action": "approve"}))
        .await;
    assert_eq!(app.list(LIST).await["total"], 1);

    let back = undone(&app, &moderator, &held.id).await;

    assert_eq!(back.status, "pending");
    assert_eq!(back.body, PHONE);
    assert!(back.version > approved.version, "versions only grow");
    assert_eq!(
        queued_ids(&app.queue(&moderator, "").await),
        [held.id.as_str()]
    );
    assert_eq!(app.list(LIST).await["total"], 0, "out of the listing again");
    let article = app.list("/api/v1/articles/putin-north-korea-signal").await;
    assert_eq!(article["article"]["comment_count"], 0);
    assert_eq!(counts(&app, &moderator, "").await["pending"], 1);
    let entry = &app.log(&moderator).await[0];
    assert_eq!(entry.action, "undo");
    assert_eq!(
        entry.reason.as_deref(),
        Some("approve"),
        "names what was undone"
    );
    assert_eq!(entry.target, Target::comment(&held.id));
    assert_eq!(
        entry.moderator.as_ref().map(|m| m.id.as_str()),
        Some(moderator.id.as_str())
    );

    let twice = undo(&app, &moderator, &held.id).await;
    problem(twice, 409, "undo_unavailable").await;
    let decided_again = app
        .decided(&moderator, &held.id, &json!({"action": "approve"}))
        .await;
    assert_eq!(decided_again.status, "published", "it can be decided again");
}

#[tokio::test]
async fn undoing_a_rejection_of_a_reported_comment_opens_its_reports_again() {
    let app = TestApp::spawn_with(|s| s.reports_to_queue = 2).await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let reporters = [app.reader().await, app.reader().await];
    let comment = app
        .published_comment(&author, DEMO_ARTICLE, "a disputed remark")
        .await;
    for (reporter, reason) in reporters.iter().zip(["spam", "abuse"]) {
        assert_eq!(
            report(&app, reporter, &comment.id, reason).await.status(),
            202
        );
    }
    let reported = app.queue(&moderator, "?state=reported").await;
    assert_eq!(queued_ids(&reported), [comment.id.as_str()]);
    let reject = json!({"action": "reject", "reason": "abuse"});
    app.decided(&moderator, &comment.id, &reject).await;
    assert!(
        app.queue(&moderator, "?state=reported")
            .await
            .items
            .is_empty()
    );
    assert_eq!(app.list(LIST).await["total"], 0);

    let back = undone(&app, &moderator, &comment.id).await;

    assert_eq!(back.status, "published");
    let reported = app.queue(&moderator, "?state=reported").await;
    assert_eq!(
        queued_ids(&reported),
        [comment.id.as_str()],
        "in the reported queue again"
    );
    let reasons: Vec<&str> = reported.items[0]
        .reports
        .iter()
        .map(|r| r.reason.as_str())
        .collect();
    assert_eq!(reasons, ["spam", "abuse"], "its reports open again");
    assert!(
        app.queue(&moderator, "?state=rejected")
            .await
            .items
            .is_empty()
    );
    assert_eq!(app.list(LIST).await["total"], 1, "listed again");
    let numbers = counts(&app, &moderator, "").await;
    assert_eq!(
        numbers,
        json!({"pending": 0, "reported": 1, "rejected": 0, "featured": 0})
    );
    // A reporter still cannot report it twice: the reports are the same ones.
    let again = report(&app, &reporters[0], &comment.id, "spam").await;
    problem(again, 409, "already_reported").await;
}

#[tokio::test]
async fn undoing_a_deletion_brings_the_text_back() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let held = app.held_comment(&author, DEMO_ARTICLE, PHONE).await;
    let deleted = app
        .decided(&moderator, &held.id, &json!({"action": "delete"}))
        .await;
    assert_eq!(deleted.body, "");

    let back = undone(&app, &moderator, &held.id).await;

    assert_eq!(back.status, "pending");
    assert_eq!(back.body, PHONE);
    assert_eq!(back.length, PHONE.chars().count() as u64);
    assert_eq!(
        queued_ids(&app.queue(&moderator, "").await),
        [held.id.as_str()]
    );
}

#[tokio::test]
async fn an_undo_is_refused_when_late_not_ones_own_or_after_a_change() {
    let app = TestApp::spawn_with(|s| s.undo_window = StdDuration::from_secs(1)).await;
    let moderator = app.moderator().await;
    let colleague = app.staff_named(Role::Moderator, "Night Desk").await;
    let author = app.reader().await;
    let approve = json!({"action": "approve"});

    let late = app.held_comment(&author, DEMO_ARTICLE, &phone(1)).await;
    app.decided(&moderator, &late.id, &approve).await;
    tokio::time::sleep(StdDuration::from_millis(1200)).await;
    problem(
        undo(&app, &moderator, &late.id).await,
        409,
        "undo_unavailable",
    )
    .await;
    assert!(
        app.queue(&moderator, "").await.items.is_empty(),
        "still approved"
    );

    let others = app.held_comment(&author, DEMO_ARTICLE, &phone(2)).await;
    app.decided(&moderator, &others.id, &approve).await;
    problem(
        undo(&app, &colleague, &others.id).await,
        409,
        "undo_unavailable",
    )
    .await;
    assert_eq!(
        undone(&app, &moderator, &others.id).await.status,
        "pending",
        "the decider may"
    );

    let edited = app.held_comment(&author, DEMO_ARTICLE, &phone(3)).await;
    app.decided(&moderator, &edited.id, &approve).await;
    let edit = patch_as(&app, &author, &edited.id, "no number here any more").await;
    assert_eq!(edit.status(), 200);
    problem(
        undo(&app, &moderator, &edited.id).await,
        409,
        "undo_unavailable",
    )
    .await;

    let overturned = app.held_comment(&author, DEMO_ARTICLE, &phone(4)).await;
    let first = app.decided(&moderator, &overturned.id, &approve).await;
    let reject = json!({"action": "reject", "reason": "spam", "version": first.version});
    app.decided(&colleague, &overturned.id, &reject).await;
    problem(
        undo(&app, &moderator, &overturned.id).await,
        409,
        "undo_unavailable",
    )
    .await;

    let undecided = app.held_comment(&author, DEMO_ARTICLE, &phone(5)).await;
    problem(
        undo(&app, &moderator, &undecided.id).await,
        409,
        "undo_unavailable",
    )
    .await;
    for id in ["999999", "abc"] {
        problem(undo(&app, &moderator, id).await, 404, "comment_not_found").await;
    }
}

#[tokio::test]
async fn of_two_racing_undos_one_wins() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    for n in 0..5 {
        let held = app.held_comment(&author, DEMO_ARTICLE, &phone(n)).await;
        app.decided(&moderator, &held.id, &json!({"action": "approve"}))
            .await;

        let (a, b) = tokio::join!(
            undo(&app, &moderator, &held.id),
            undo(&app, &moderator, &held.id)
        );

        let mut statuses = [a.status().as_u16(), b.status().as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "one undo wins");
        let undos = app.log(&moderator).await;
        let undos = undos
            .iter()
            .filter(|e| e.action == "undo" && e.target == Target::comment(&held.id));
        assert_eq!(undos.count(), 1, "one undo line");
    }
}

#[tokio::test]
async fn an_undo_racing_another_moderators_decision_leaves_one_winner() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let colleague = app.staff_named(Role::Moderator, "Night Desk").await;
    let author = app.reader().await;
    for n in 0..5 {
        let held = app.held_comment(&author, DEMO_ARTICLE, &phone(n)).await;
        let approved = app
            .decided(&moderator, &held.id, &json!({"action": "approve"}))
            .await;
        let reject = json!({"action": "reject", "reason": "spam", "version": approved.version});

        let (undo, decision) = tokio::join!(
            undo(&app, &moderator, &held.id),
            app.decide(&colleague, &held.id, &reject)
        );

        let statuses = (undo.status().as_u16(), decision.status().as_u16());
        assert!(
            matches!(statuses, (200, 409) | (409, 200)),
            "one wins: {statuses:?}"
        );
        let now = app.get_as(&moderator, &comment_path(&held.id)).await;
        let status = json_body(now).await["comment"]["status"].clone();
        let expected = if statuses.0 == 200 {
            "pending"
        } else {
            "rejected"
        };
        assert_eq!(status, expected, "{statuses:?}");
    }
}

#[tokio::test]
async fn already_decided_names_who_decided_first_and_when() {
    let app = TestApp::spawn().await;
    let first = app.staff_named(Role::Moderator, "Day Desk").await;
    let second = app.staff_named(Role::Moderator, "Night Desk").await;
    let author = app.reader().await;
    let held = app.held_comment(&author, DEMO_ARTICLE, PHONE).await;
    let before = Utc::now();
    app.decided(&first, &held.id, &json!({"action": "approve"}))
        .await;

    let late = app
        .decide(
            &second,
            &held.id,
            &json!({"action": "reject", "reason": "spam", "version": held.version}),
        )
        .await;

    let body = assert_problem(late, 409, "already_decided").await;
    assert_eq!(
        body["decided_by"],
        json!({"id": first.id, "display_name": "Day Desk"})
    );
    let at = time(&body["decided_at"]);
    assert!(
        at >= before - Duration::seconds(1) && at <= Utc::now(),
        "{at}"
    );
    assert_eq!(body["comment"]["status"], "published");
    let entry = &app.log(&first).await[0];
    assert_eq!(entry.at, at, "the latest log entry's time");
}
