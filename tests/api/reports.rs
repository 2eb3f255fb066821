//! Reports cannot be turned against readers: no reporting oneself, no
//! reporting while sanctioned, and a crowd of fresh accounts (from one
//! address) cannot hide or queue a civil comment. Reports of readers whose
//! past reports moderators upheld weigh more, of those dismissed less; and a
//! report's note is stored with personal information masked.

use comment_desk::domain::ids::AccountId;
use std::time::Duration;

use reqwest::Response;
use serde_json::{Value, json};

use crate::helpers::{DEMO_ARTICLE, TestApp, TestUser, assert_problem, json_body};

const LIST: &str = "/api/v1/articles/putin-north-korea-signal/comments";

fn id_of(value: &Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}

async fn report(app: &TestApp, reader: &TestUser, id: &str, note: Option<&str>) -> Response {
    app.post_as(
        reader,
        &format!("/api/v1/comments/{id}/reports"),
        &json!({"reason": "abuse", "note": note}),
    )
    .await
}

async fn reported_queue(app: &TestApp, moderator: &TestUser) -> Vec<String> {
    let response = app
        .get_as(moderator, "/api/v1/moderation/queue?state=reported")
        .await;
    assert_eq!(response.status(), 200);
    let page = json_body(response).await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| id_of(&item["comment"]))
        .collect()
}

/// Makes the accounts look registered two hours ago.
async fn age(app: &TestApp, readers: &[TestUser]) {
    let store = app.store().await;
    for reader in readers {
        let id = AccountId::parse(&reader.id).unwrap();
        store
            .backdate_account(id, chrono::Duration::hours(2))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn an_author_cannot_report_their_own_comment() {
    let app = TestApp::spawn().await;
    let author = app.reader().await;
    let id = id_of(&app.published(&author, DEMO_ARTICLE, "제 의견입니다").await);
    assert_problem(report(&app, &author, &id, None).await, 403, "own_comment").await;
}

#[tokio::test]
async fn a_sanctioned_account_cannot_report() {
    let app = TestApp::spawn().await;
    let author = app.reader().await;
    let reader = app.reader().await;
    let moderator = app.moderator().await;
    let id = id_of(&app.published(&author, DEMO_ARTICLE, "평범한 의견").await);
    let until = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let sanctioned = app
        .post_as(
            &moderator,
            &format!("/api/v1/moderation/users/{}/sanctions", reader.id),
            &json!({"kind": "suspend", "until": until, "reason": "허위 신고"}),
        )
        .await;
    assert!(sanctioned.status().is_success(), "{}", sanctioned.status());
    assert_problem(
        report(&app, &reader, &id, None).await,
        403,
        "account_suspended",
    )
    .await;
}

/// Six accounts registered a moment ago from one address report a civil
/// comment: it stays listed and out of the reported queue.
#[tokio::test]
async fn six_fresh_accounts_cannot_hide_a_civil_comment() {
    let app = TestApp::spawn_with(|s| s.reports_min_account_age = Duration::from_secs(3600)).await;
    let author = app.reader().await;
    let moderator = app.moderator().await;
    let id = id_of(
        &app.published(&author, DEMO_ARTICLE, "정중한 반대 의견입니다")
            .await,
    );
    for n in 0..6 {
        let fresh = app.reader().await;
        assert_eq!(
            report(&app, &fresh, &id, None).await.status(),
            202,
            "report {n}"
        );
    }
    let list = app.list(LIST).await;
    assert_eq!(list["total"], 1, "still counted: {list}");
    assert_eq!(id_of(&list["comments"][0]), id, "still listed");
    assert!(
        reported_queue(&app, &moderator).await.is_empty(),
        "not queued"
    );

    // Accounts old enough do hide it, at the fifth report.
    let app = TestApp::spawn_with(|s| s.reports_min_account_age = Duration::from_secs(3600)).await;
    let author = app.reader().await;
    let id = id_of(
        &app.published(&author, DEMO_ARTICLE, "정중한 반대 의견입니다")
            .await,
    );
    let mut readers = Vec::new();
    for _ in 0..5 {
        readers.push(app.reader().await);
    }
    age(&app, &readers).await;
    for reader in &readers[..5] {
        assert_eq!(report(&app, reader, &id, None).await.status(), 202);
    }
    assert_eq!(
        app.list(LIST).await["total"],
        0,
        "hidden by five readers of standing"
    );
}

/// Builds a history for `reporters`: each reports `count` comments of a
/// throwaway author, and the moderator upholds (rejects) or dismisses
/// (approves) every one.
async fn history(app: &TestApp, moderator: &TestUser, reporters: &[TestUser], uphold: bool) {
    let author = app.reader().await;
    for n in 0..2 {
        let id = id_of(
            &app.published(&author, DEMO_ARTICLE, &format!("지난 댓글 {n} {uphold}"))
                .await,
        );
        for reporter in reporters {
            assert_eq!(report(app, reporter, &id, None).await.status(), 202);
        }
        let decision = if uphold {
            json!({"action": "reject", "reason": "abuse"})
        } else {
            json!({"action": "approve"})
        };
        let response = app.decide(moderator, &id, &decision).await;
        assert_eq!(response.status(), 200);
    }
}

#[tokio::test]
async fn upheld_reports_weigh_more_and_dismissed_ones_less() {
    // Five reports hide a comment; two reporters at a time build a history.
    let app = TestApp::spawn_with(|s| s.reports_to_hide = 5).await;
    let moderator = app.moderator().await;
    let mut trusted = Vec::new();
    let mut doubted = Vec::new();
    for _ in 0..4 {
        trusted.push(app.reader().await);
        doubted.push(app.reader().await);
    }
    history(&app, &moderator, &trusted, true).await;
    history(&app, &moderator, &doubted, false).await;
    let listed = |list: &Value| list["comments"].as_array().unwrap().len();
    let before = listed(&app.list(LIST).await);

    let author = app.reader().await;
    let first = id_of(&app.published(&author, DEMO_ARTICLE, "첫째 의견").await);
    let second = id_of(&app.published(&author, DEMO_ARTICLE, "둘째 의견").await);
    for reporter in &doubted {
        assert_eq!(report(&app, reporter, &first, None).await.status(), 202);
    }
    let list = app.list(LIST).await;
    assert_eq!(
        listed(&list),
        before + 2,
        "four dismissed reporters do not hide: {list}"
    );
    for reporter in &trusted {
        assert_eq!(report(&app, reporter, &second, None).await.status(), 202);
    }
    let list = app.list(LIST).await;
    let ids: Vec<String> = list["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert!(
        !ids.contains(&second),
        "four upheld reporters hide it: {list}"
    );
    assert!(ids.contains(&first));
}

#[tokio::test]
async fn personal_information_in_a_note_is_masked_before_it_is_stored() {
    let app = TestApp::spawn().await;
    let author = app.reader().await;
    let id = id_of(&app.published(&author, DEMO_ARTICLE, "신고될 댓글").await);
    let secrets = ["940404-1234567", "010-1234-5678", "victim@news.example"];
    let mut notes = Vec::new();
    for secret in secrets {
        let reporter = app.reader().await;
        let note = format!("이 사람이 제 정보 {secret} 를 올렸어요");
        assert_eq!(
            report(&app, &reporter, &id, Some(&note)).await.status(),
            202
        );
        notes.push(note);
    }
    let stored = app.store().await.report_notes().await.unwrap();
    assert_eq!(stored.len(), 3);
    for (secret, note) in secrets.iter().zip(&stored) {
        let note = note.as_deref().unwrap_or_default();
        assert!(!note.contains(secret), "{secret} stored: {note}");
        assert!(
            note.starts_with("이 사람이 제 정보 "),
            "the rest is kept: {note}"
        );
    }
    for file in ["comment-desk.db", "comment-desk.db-wal"] {
        let bytes = std::fs::read(app.dir.path().join(file)).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("940404-1234567"),
            "the resident number is in {file}"
        );
    }
}
