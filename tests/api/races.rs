//! Writes that race each other: decisions against decisions and edits, and
//! replies against the decision that closes their thread. Each race is run
//! many times; the assertions hold whichever write lands first.

use std::sync::Arc;

use reqwest::Response;
use serde_json::{Value, json};

use crate::helpers::{DEMO_ARTICLE, TestApp, TestUser, assert_problem, json_body};

/// Held by the standards policy: a phone number.
const PHONE: &str = "call me on 010-1234-5678";

fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("a string id").to_owned()
}

async fn held(app: &TestApp, user: &TestUser, body: &str) -> Value {
    let response = app.comment(user, DEMO_ARTICLE, body).await;
    assert_eq!(response.status(), 202, "held {body:?}");
    json_body(response).await["comment"].clone()
}

async fn decide(app: &TestApp, moderator: &TestUser, id: &str, decision: &Value) -> Response {
    app.decide(moderator, id, decision).await
}

async fn status_and_body(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, json_body(response).await)
}

/// The comment as a moderator reads it now.
async fn current(app: &TestApp, moderator: &TestUser, id: &str) -> Value {
    let response = app
        .get_as(moderator, &format!("/api/v1/comments/{id}"))
        .await;
    assert_eq!(response.status(), 200);
    json_body(response).await["comment"].clone()
}

/// Fifty approvals and rejections at once on one pending comment, with and
/// without the version they were made on: one wins, every other one is told
/// the comment is already decided and sees the winner's result.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_opposite_decisions_at_once_have_exactly_one_winner() {
    let app = Arc::new(TestApp::spawn().await);
    let moderators = [app.moderator().await, app.moderator().await];
    let author = app.reader().await;

    for named in [false, true] {
        let comment = held(&app, &author, &format!("{PHONE} named {named}")).await;
        let id = id_of(&comment);
        let mut tasks = Vec::new();
        for n in 0..50 {
            let (app, moderator, id) = (app.clone(), moderators[n % 2].clone(), id.clone());
            let mut decision = if n % 2 == 0 {
                json!({"action": "approve"})
            } else {
                json!({"action": "reject", "reason": "spam"})
            };
            if named {
                decision["version"] = comment["version"].clone();
            }
            tasks.push(tokio::spawn(async move {
                status_and_body(decide(&app, &moderator, &id, &decision).await).await
            }));
        }
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.unwrap());
        }

        let winners: Vec<&Value> = answers
            .iter()
            .filter(|(status, _)| *status == 200)
            .map(|(_, body)| &body["comment"])
            .collect();
        assert_eq!(winners.len(), 1, "version named: {named}");
        let settled = current(&app, &moderators[0], &id).await;
        assert_eq!(settled["status"], winners[0]["status"]);
        for (status, body) in answers.iter().filter(|(status, _)| *status != 200) {
            assert_eq!(*status, 409, "{body}");
            assert_eq!(body["code"], "already_decided");
            assert_eq!(body["comment"]["status"], settled["status"], "{body}");
        }
    }
}

/// A moderator who names the version they saw may overturn a decision; the
/// same decision without it, or on an older version, is a conflict.
#[tokio::test]
async fn overturning_a_decision_takes_the_version_it_was_made_on() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let comment = held(&app, &author, PHONE).await;
    let id = id_of(&comment);
    let reject = json!({"action": "reject", "reason": "spam"});
    let response = decide(&app, &moderator, &id, &reject).await;
    assert_eq!(response.status(), 200);
    let rejected = json_body(response).await["comment"].clone();
    assert!(rejected["version"].as_i64() > comment["version"].as_i64());

    let unnamed = decide(&app, &moderator, &id, &json!({"action": "approve"})).await;
    let problem = assert_problem(unnamed, 409, "already_decided").await;
    assert_eq!(problem["comment"]["version"], rejected["version"]);
    let stale = json!({"action": "approve", "version": comment["version"]});
    assert_problem(
        decide(&app, &moderator, &id, &stale).await,
        409,
        "already_decided",
    )
    .await;
    let named = json!({"action": "approve", "version": rejected["version"]});
    let response = decide(&app, &moderator, &id, &named).await;
    assert_eq!(response.status(), 200);
    assert_eq!(json_body(response).await["comment"]["status"], "published");
}

async fn patch(app: &TestApp, user: &TestUser, id: &str, body: &str) -> Response {
    app.edit_as(user, id, body).await
}

/// An author's edit racing a moderator's rejection or deletion, many times,
/// with the decision naming the version it saw and without: never do both
/// succeed, and a rejected or deleted comment never comes back published
/// with the new text.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_edit_and_a_decision_at_once_never_both_succeed() {
    let app = Arc::new(TestApp::spawn().await);
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let mut edits_won = 0;

    for trial in 0..40 {
        let comment = app
            .published(&author, DEMO_ARTICLE, &format!("first words {trial}"))
            .await;
        let id = id_of(&comment);
        let mut decision = match trial % 2 {
            0 => json!({"action": "reject", "reason": "abuse"}),
            _ => json!({"action": "delete"}),
        };
        if trial % 4 < 2 {
            decision["version"] = comment["version"].clone();
        }
        let new_text = format!("second words {trial}");
        let (edit, decided) = tokio::join!(
            patch(&app, &author, &id, &new_text),
            decide(&app, &moderator, &id, &decision)
        );
        let (edit, edit_body) = status_and_body(edit).await;
        let (decided, decided_body) = status_and_body(decided).await;
        let why = format!(
            "trial {trial} ({decision}): edit {edit} {edit_body}, decision {decided} {decided_body}"
        );

        assert!(edit != 200 || decided != 200, "both won: {why}");
        let now = current(&app, &moderator, &id).await;
        if edit == 200 {
            edits_won += 1;
            assert_eq!(decided, 409, "{why}");
            assert_eq!(decided_body["code"], "already_decided", "{why}");
            assert_eq!(now["status"], "published", "{why}");
            assert_eq!(now["body"], new_text.as_str(), "{why}");
        } else {
            assert_eq!(decided, 200, "one of them wins: {why}");
            let (status, code, state) = match trial % 2 {
                0 => (409, "already_decided", "rejected"),
                _ => (404, "comment_not_found", "deleted"),
            };
            assert_eq!(edit, status, "{why}");
            assert_eq!(edit_body["code"], code, "{why}");
            assert_eq!(now["status"], state, "{why}");
            assert_ne!(now["body"], new_text.as_str(), "{why}");
        }
    }
    // Which lands first is up to the scheduler; both orders are exercised.
    println!("edits won {edits_won} of 40");
}

/// A reply racing the decision that closes its thread, many times, replying
/// to the top-level comment or to a reply under it: a reply that is stored
/// was stored before the decision (the decision's answer counts it), and one
/// refused is `comment_closed`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reply_racing_the_decision_that_closes_its_thread() {
    let app = Arc::new(TestApp::spawn().await);
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let replier = app.reader().await;
    let list = format!("/api/v1/articles/{DEMO_ARTICLE}/comments");
    let mut replies_won = 0;

    for trial in 0..40 {
        let top = app
            .published(&author, DEMO_ARTICLE, &format!("a thread {trial}"))
            .await;
        let top_id = id_of(&top);
        let answered = if trial % 4 < 2 {
            top_id.clone()
        } else {
            let first = json!({"body": format!("first reply {trial}"), "parent_id": top_id});
            let response = app.post_as(&author, &list, &first).await;
            assert_eq!(response.status(), 201);
            id_of(&json_body(response).await["comment"])
        };
        let decision = match trial % 2 {
            0 => json!({"action": "reject", "reason": "abuse"}),
            _ => json!({"action": "delete"}),
        };
        let before = i64::from(answered != top_id);
        let body = json!({"body": format!("late reply {trial}"), "parent_id": answered});
        let (replied, decided) = tokio::join!(
            app.post_as(&replier, &list, &body),
            decide(&app, &moderator, &top_id, &decision)
        );
        let (replied, reply_body) = status_and_body(replied).await;
        let (decided, decided_body) = status_and_body(decided).await;
        let why = format!(
            "trial {trial} ({decision}): reply {replied} {reply_body}, decision {decided} {decided_body}"
        );

        assert_eq!(decided, 200, "{why}");
        let counted = decided_body["comment"]["reply_count"].as_i64().unwrap();
        if replied == 201 {
            replies_won += 1;
            assert_eq!(counted, before + 1, "stored before the decision: {why}");
        } else {
            assert_eq!(replied, 409, "{why}");
            assert_eq!(reply_body["code"], "comment_closed", "{why}");
            assert_eq!(counted, before, "{why}");
            let stored = app
                .store()
                .await
                .comments_with_body(&format!("late reply {trial}"))
                .await
                .unwrap();
            assert_eq!(stored, 0, "{why}");
        }
    }
    println!("replies won {replies_won} of 40");
}
