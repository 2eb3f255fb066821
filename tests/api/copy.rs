//! `comment-desk copy --to postgres://…`: a newsroom's SQLite file moved to
//! PostgreSQL whole: the same listing, the readers' passwords and sessions,
//! and new ids after the copied ones. Runs on PostgreSQL only.

use serde_json::json;

use crate::cli::run;
use crate::helpers::{DEMO_ARTICLE, Engine, PASSWORD, TestApp, database_url, engine};

fn listing() -> String {
    format!("/api/v1/articles/{DEMO_ARTICLE}/comments")
}

#[tokio::test]
async fn a_sqlite_newsroom_copied_to_postgres_serves_the_same_and_keeps_its_readers() {
    if engine() == Engine::Sqlite {
        eprintln!("note: the copy to PostgreSQL runs in the PostgreSQL pass");
        return;
    }
    // Arrange: a newsroom on SQLite, with a reply, a reaction and a decision.
    let dir = tempfile::tempdir().unwrap();
    let target = database_url(dir.path()).await;
    let source = format!("sqlite://{}/newsroom.db", dir.path().display());
    let sqlite_url = source.clone();
    let old = TestApp::spawn_with(|settings| settings.database_url = sqlite_url).await;
    let reader = old.reader().await;
    let moderator = old.moderator().await;
    let first = old
        .published(&reader, DEMO_ARTICLE, "옮겨 갈 첫 댓글")
        .await;
    let first_id = first["id"].as_str().unwrap().to_owned();
    old.reply(&reader, DEMO_ARTICLE, &first_id, "옮겨 갈 답글")
        .await;
    let second = old.published(&reader, DEMO_ARTICLE, "거절될 댓글").await;
    let second_id = second["id"].as_str().unwrap();
    old.decided(
        &moderator,
        second_id,
        &json!({"action": "reject", "reason": "abuse"}),
    )
    .await;
    let path = format!("/api/v1/comments/{first_id}/reaction");
    let liked = old
        .put_as(&moderator, &path, &json!({"kind": "like"}))
        .await;
    assert_eq!(liked.status(), 200);
    let before = old.list(&listing()).await;

    // Act.
    let env = [("DATABASE_URL", source.as_str())];
    let copied = run(dir.path(), &["copy", "--to", &target], &env, "").await;
    let again = run(dir.path(), &["copy", "--to", &target], &env, "").await;

    // Assert: the copy reports its tables, and a second one is refused.
    let out = String::from_utf8_lossy(&copied.stdout);
    assert!(
        copied.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&copied.stderr)
    );
    assert!(out.contains("comments: 3 rows"), "{out}");
    assert!(
        !again.status.success(),
        "a copy into a used database is refused"
    );
    let refusal = String::from_utf8_lossy(&again.stderr);
    assert!(
        refusal.contains("already has accounts or comments"),
        "{refusal}"
    );

    // The PostgreSQL server lists the same, knows the session and the password.
    let new = TestApp::spawn_with(|settings| settings.database_url = target).await;
    assert_eq!(new.list(&listing()).await, before, "the same listing");
    assert_eq!(
        new.get_as(&reader, "/api/v1/auth/me").await.status(),
        200,
        "the session"
    );
    assert_eq!(
        new.login(&reader.email, PASSWORD).await.status(),
        200,
        "the password"
    );
    let log = new.log(&moderator).await;
    assert!(log.iter().any(|entry| entry.action == "reject"), "the log");
    let newer = new.published(&reader, DEMO_ARTICLE, "옮긴 뒤의 댓글").await;
    let newer_id: i64 = newer["id"].as_str().unwrap().parse().unwrap();
    let last_copied: i64 = second_id.parse().unwrap();
    assert!(newer_id > last_copied, "new ids follow the copied ones");
}
