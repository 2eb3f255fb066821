//! The command line of `API.md`: `migrate`, `user create`, and start-up that
//! stops on bad configuration with one line naming the variable.
//!
//! Every run is the real binary in a temp dir, with a clean environment, so
//! no stray `.env` or variable of the developer's shell leaks in.

use std::path::Path;
use std::process::{Output, Stdio};
use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use crate::helpers::{Engine, PASSWORD, TestApp, database_url, engine, json_body, raw_pool};

const BIN: &str = env!("CARGO_BIN_EXE_comment-desk");

/// Runs the binary in `dir` with only PATH and `env` set, feeding `stdin`.
pub async fn run(dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command.spawn().expect("the binary starts");
    let mut input = child.stdin.take().expect("piped stdin");
    // A run that stops before reading (a usage error) closes the pipe early;
    // what it answers is checked by the caller, so a failed write is fine here.
    let _ = input.write_all(stdin.as_bytes()).await;
    // Closing stdin is the end of the password.
    drop(input);
    tokio::time::timeout(std::time::Duration::from_secs(30), child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("comment-desk {args:?} did not finish within 30 s"))
        .expect("wait for the binary")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Whether anything was written to the database of `dir`: on SQLite, whether
/// its file exists; on PostgreSQL, whether its (fresh) database has a table.
async fn touched(dir: &Path) -> bool {
    match engine() {
        Engine::Sqlite => dir.join("comment-desk.db").exists(),
        Engine::Postgres => {
            let pool = raw_pool(&database_url(dir).await).await;
            let tables: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM information_schema.tables
                 WHERE table_schema NOT IN ('pg_catalog', 'information_schema')",
            )
            .fetch_one(&pool)
            .await
            .unwrap();
            pool.close().await;
            tables > 0
        }
    }
}

pub async fn create_user(dir: &Path, email: &str, role: &str, password: &str) -> Output {
    let url = database_url(dir).await;
    let args = [
        "user",
        "create",
        "--email",
        email,
        "--display-name",
        "Desk Editor",
        "--role",
        role,
        "--password-stdin",
    ];
    run(
        dir,
        &args,
        &[("DATABASE_URL", &url)],
        &format!("{password}\n"),
    )
    .await
}

#[tokio::test]
async fn migrate_creates_the_database_and_its_folder() {
    if engine() == Engine::Postgres {
        eprintln!("skipped on PostgreSQL: a SQLite file and its folder");
        return;
    }
    // Arrange: a folder that does not exist yet.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nested/deeper/comment-desk.db");
    let url = format!("sqlite://{}", file.display());

    // Act
    let output = run(dir.path(), &["migrate"], &[("DATABASE_URL", &url)], "").await;

    // Assert
    assert!(
        output.status.success(),
        "migrate exits 0, got {:?}: {}",
        output.status,
        stderr(&output)
    );
    assert!(file.is_file(), "migrate creates {}", file.display());
    let options = SqliteConnectOptions::from_str(&url)
        .unwrap()
        .read_only(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(&pool)
        .await
        .expect("the migrations table exists");
    assert!(
        applied > 0,
        "migrate records applied migrations, got {applied}"
    );
    pool.close().await;
}

#[tokio::test]
async fn migrate_records_the_migrations_it_applies() {
    // Arrange: the test's fresh database.
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(dir.path()).await;

    // Act
    let output = run(dir.path(), &["migrate"], &[("DATABASE_URL", &url)], "").await;

    // Assert
    assert!(
        output.status.success(),
        "migrate exits 0, got {:?}: {}",
        output.status,
        stderr(&output)
    );
    let pool = raw_pool(&url).await;
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(&pool)
        .await
        .expect("the migrations table exists");
    assert!(
        applied > 0,
        "migrate records applied migrations, got {applied}"
    );
    pool.close().await;
}

#[tokio::test]
async fn user_create_makes_an_account_that_can_log_in_with_its_role() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let email = "editor@news.example";

    // Act
    let output = create_user(dir.path(), email, "moderator", PASSWORD).await;

    // Assert: the process succeeds, and the server on that file knows the account.
    assert!(
        output.status.success(),
        "user create exits 0, got {:?}: {}",
        output.status,
        stderr(&output)
    );
    let app = TestApp::spawn_in(dir, |_| {}).await;
    let response = app.login(email, PASSWORD).await;
    assert_eq!(response.status(), 200, "the created account logs in");
    let body = json_body(response).await;
    assert_eq!(body["user"]["role"], "moderator", "role as created: {body}");
    assert_eq!(
        body["user"]["display_name"], "Desk Editor",
        "name as created: {body}"
    );
}

#[tokio::test]
async fn user_create_refuses_a_taken_email_and_a_weak_password() {
    // Arrange: one account already there.
    let dir = tempfile::tempdir().unwrap();
    let first = create_user(dir.path(), "editor@news.example", "reader", PASSWORD).await;
    assert!(first.status.success(), "first create: {}", stderr(&first));
    let cases = [
        (
            "the same email again",
            "editor@news.example",
            PASSWORD,
            "email_taken",
        ),
        (
            "a short password",
            "other@news.example",
            "short",
            "weak_password",
        ),
    ];

    for (what, email, password, code) in cases {
        // Act
        let output = create_user(dir.path(), email, "reader", password).await;

        // Assert
        assert!(
            !output.status.success(),
            "{what}: must fail, got {:?}",
            output.status
        );
        let err = stderr(&output);
        assert!(
            err.contains(code),
            "{what}: stderr names {code}, got {err:?}"
        );
    }
}

#[tokio::test]
async fn user_create_without_password_stdin_is_a_usage_error() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(dir.path()).await;
    let args = [
        "user",
        "create",
        "--email",
        "editor@news.example",
        "--display-name",
        "Desk Editor",
    ];

    // Act
    let output = run(dir.path(), &args, &[("DATABASE_URL", &url)], PASSWORD).await;

    // Assert
    assert!(
        !output.status.success(),
        "must fail, got {:?}",
        output.status
    );
    let err = stderr(&output);
    assert!(
        err.contains("--password-stdin"),
        "usage names the flag: {err:?}"
    );
    assert!(
        !touched(dir.path()).await,
        "a usage error touches no database"
    );
}

#[tokio::test]
async fn bad_configuration_stops_start_up_with_one_line_naming_the_variable() {
    let cases = [
        ("COOKIE_SECURE", "maybe"),
        ("RATE_LIMITS", "sometimes"),
        ("SESSION_MAX_AGE", "forever"),
        ("SQLITE_SYNCHRONOUS", "OFF"),
        ("RUST_LOG", "=["),
    ];
    for (name, value) in cases {
        // Arrange
        let dir = tempfile::tempdir().unwrap();
        let url = database_url(dir.path()).await;

        // Act
        let output = run(
            dir.path(),
            &["migrate"],
            &[("DATABASE_URL", &url), (name, value)],
            "",
        )
        .await;

        // Assert
        let err = stderr(&output);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{name}={value}: exit code 2, stderr {err:?}"
        );
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "{name}={value}: one line, got {err:?}"
        );
        assert!(
            err.contains(name),
            "{name}={value}: the line names {name}: {err:?}"
        );
        assert!(
            !touched(dir.path()).await,
            "{name}={value}: nothing runs on bad configuration"
        );
    }
}
