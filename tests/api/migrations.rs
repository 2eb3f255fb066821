//! Upgrades keep data. Migration 0012 rebuilds `accounts` (copy, drop, rename):
//! a database made at 0011, with an account, its session and its comment, must
//! come through the server's start-up with all three working. SQLite only:
//! the database is a SQLite file, written as the 0011 server wrote it.

use std::path::Path;
use std::str::FromStr;

use chrono::{Duration, Utc};
use comment_desk::auth::Hasher;
use comment_desk::auth::session::NewSession;
use comment_desk::domain::accounts::{DisplayName, Password};
use sqlx::migrate::Migrator;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};

use crate::helpers::{Engine, PASSWORD, TestApp, assert_problem, engine, json_body, test_settings};

const ARTICLE: &str = "before-the-upgrade";
const EMAIL: &str = "old.reader@news.example";
const BODY: &str = "업그레이드 전에 쓴 댓글입니다";

/// What the 0011 database holds, for the checks after the upgrade.
struct Before {
    account_id: i64,
    session_token: String,
}

/// Applies migrations 1 to 11 only, as a server of that time did.
async fn migrate_to_0011(conn: &mut SqliteConnection) {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut migrator = Migrator::new(folder).await.expect("the migrations folder");
    let up_to_0011: Vec<_> = migrator
        .iter()
        .filter(|m| m.version <= 11)
        .cloned()
        .collect();
    assert_eq!(up_to_0011.len(), 11, "migrations 1 to 11");
    migrator.migrations = up_to_0011.into();
    migrator.run(&mut *conn).await.expect("migrations 1 to 11");
}

/// Writes an editorial, an account with a password, a session and a
/// published comment the way the 0011 server stored them.
async fn write_old_data(conn: &mut SqliteConnection) -> Before {
    let now = Utc::now().timestamp_millis();
    let name = DisplayName::parse("옛 독자").unwrap();
    let password = Password::choose(PASSWORD.into(), Some(EMAIL), &name).unwrap();
    let hash = Hasher::new(1).unwrap().hash(&password).await.unwrap();
    sqlx::query(
        "INSERT INTO articles (id, title, url, published_at, comment_count, created_at, updated_at)
         VALUES (?1, '업그레이드 전 사설', 'https://news.example/before', ?2, 1, ?2, ?2)",
    )
    .bind(ARTICLE)
    .bind(now)
    .execute(&mut *conn)
    .await
    .unwrap();
    let account_id: i64 = sqlx::query_scalar(
        "INSERT INTO accounts (email, display_name, password_hash, role, created_at)
         VALUES (?, ?, ?, 'reader', ?) RETURNING id",
    )
    .bind(EMAIL)
    .bind(name.as_str())
    .bind(hash)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    let session = NewSession::generate(Utc::now() + Duration::days(30));
    sqlx::query(
        "INSERT INTO sessions (token_hash, account_id, created_at, last_seen_at, expires_at)
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(&session.hash.0[..])
    .bind(account_id)
    .bind(now)
    .bind(now)
    .bind(session.expires_at.timestamp_millis())
    .execute(&mut *conn)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO comments (article_id, author_id, body, length, status, created_at)
         VALUES (?, ?, ?, ?, 'published', ?)",
    )
    .bind(ARTICLE)
    .bind(account_id)
    .bind(BODY)
    .bind(BODY.chars().count() as i64)
    .bind(now)
    .execute(&mut *conn)
    .await
    .unwrap();
    Before {
        account_id,
        session_token: session.token,
    }
}

#[tokio::test]
async fn a_database_at_0011_keeps_its_accounts_sessions_and_comments_through_0012() {
    if engine() == Engine::Postgres {
        eprintln!("skipped on PostgreSQL: upgrades a SQLite file made by the 0011 server");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = test_settings(&dir).await.database_url;
    let options = SqliteConnectOptions::from_str(&url)
        .unwrap()
        .create_if_missing(true);
    let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
    migrate_to_0011(&mut conn).await;
    let before = write_old_data(&mut conn).await;
    conn.close().await.unwrap();

    let app = TestApp::spawn_in(dir, |_| {}).await;

    let me = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .bearer_auth(&before.session_token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200, "the old session is still valid");
    let me = json_body(me).await;
    assert_eq!(me["user"]["id"], before.account_id.to_string(), "{me}");
    assert_eq!(me["user"]["email"], EMAIL, "{me}");

    let login = app.login(EMAIL, PASSWORD).await;
    assert_eq!(login.status(), 200, "the old password still works");

    let list = app
        .list(&format!("/api/v1/articles/{ARTICLE}/comments"))
        .await;
    let comments = list["comments"].as_array().unwrap();
    assert_eq!(comments.len(), 1, "{list}");
    assert_eq!(comments[0]["body"], BODY, "{list}");
    assert_eq!(comments[0]["author"]["display_name"], "옛 독자", "{list}");

    let twin = app.register(EMAIL, "Twin", PASSWORD).await;
    assert_problem(twin, 409, "email_taken").await;
    let mut conn = SqliteConnection::connect(&app.database_url).await.unwrap();
    let duplicate = sqlx::query(
        "INSERT INTO accounts (email, display_name, role, created_at) VALUES (?, 'Twin', 'reader', 0)",
    )
    .bind(EMAIL)
    .execute(&mut conn)
    .await;
    assert!(duplicate.is_err(), "accounts.email is still unique");
    let version: i64 = sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(version >= 12, "0012 was applied, got {version}");
}
