//! `TestApp`: the real server on port 0 with a fresh database per test: a
//! SQLite file, or a PostgreSQL database when `TEST_POSTGRES_URL` is set.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};

use comment_desk::auth::{Auth, Hasher};
use comment_desk::config::Settings;
use comment_desk::domain::accounts::{DisplayName, Email, Password, Role};
use comment_desk::policy::LivePolicy;
use comment_desk::startup::Application;
use comment_desk::storage::{self, Inspect};
use reqwest::{Client, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tempfile::TempDir;

static TRACING: LazyLock<()> = LazyLock::new(|| {
    if std::env::var("TEST_LOG").is_ok() {
        comment_desk::telemetry::init(std::io::stdout).expect("RUST_LOG");
    }
});

pub const DEMO_ARTICLE: &str = "putin-north-korea-signal";
pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub address: String,
    pub client: Client,
    pub database_url: String,
    /// Kept so the database folder lives as long as the app.
    pub dir: TempDir,
    users: std::sync::atomic::AtomicUsize,
}

/// A logged-in account.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: String,
    pub email: String,
    pub token: String,
}

/// The storage engine the suite runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// PostgreSQL when `TEST_POSTGRES_URL` names a cluster
/// (`postgres://user@host:port`, as `scripts/pg-cluster` prints it), SQLite otherwise.
pub fn engine() -> Engine {
    match postgres_base() {
        Some(_) => Engine::Postgres,
        None => Engine::Sqlite,
    }
}

fn postgres_base() -> Option<String> {
    let base = std::env::var("TEST_POSTGRES_URL").ok()?;
    let base = base.trim().trim_end_matches('/');
    (!base.is_empty()).then(|| base.to_owned())
}

/// Where a test folder remembers its PostgreSQL database, so that a second
/// server started in the same folder (a restart) finds the same data.
const REMEMBERED_DATABASE: &str = "database-url";

/// The database of the test folder `dir`, for the server and for the binary's
/// `DATABASE_URL`. On SQLite the file `comment-desk.db` in it; on PostgreSQL
/// a fresh database made the first time a folder asks, the same one after.
pub async fn database_url(dir: &Path) -> String {
    let Some(base) = postgres_base() else {
        return format!("sqlite://{}/comment-desk.db", dir.display());
    };
    let remembered = dir.join(REMEMBERED_DATABASE);
    if let Ok(url) = std::fs::read_to_string(&remembered) {
        return url;
    }
    let url = create_database(&base).await;
    std::fs::write(&remembered, &url).expect("remember the test's database");
    url
}

static DATABASES: AtomicUsize = AtomicUsize::new(0);

/// `CREATE DATABASE cd_test_<pid>_<n>_<random>` on the cluster at `base`; its URL.
/// The cluster is thrown away after the run, and the databases with it.
async fn create_database(base: &str) -> String {
    use sqlx::Connection;
    let name = format!(
        "cd_test_{}_{}_{:08x}",
        std::process::id(),
        DATABASES.fetch_add(1, Ordering::SeqCst),
        rand::random::<u32>()
    );
    let admin_url = format!("{base}/postgres");
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("TEST_POSTGRES_URL: cannot connect to {admin_url}: {e}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
    let _ = admin.close().await;
    format!("{base}/{name}")
}

/// Plain connections to a test's database beside the server, for the tests
/// that read or write rows themselves. Their SQL must run on both engines:
/// `$1` placeholders (SQLite takes them too) and no engine's own functions.
pub async fn raw_pool(database_url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new()
        .max_connections(2)
        .connect(database_url)
        .await
        .unwrap_or_else(|e| panic!("connect to {database_url}: {e}"))
}

/// Settings for a test: a fresh database for `dir` (`database_url`), port 0,
/// plain-http cookies, rate limits off (tests post quickly from one account;
/// the tests of the limits turn them on), and reports counted from accounts of
/// any age (tests report with accounts made a moment ago; `reports.rs` tests the age).
pub async fn test_settings(dir: &TempDir) -> Settings {
    let mut settings = Settings::from_lookup(|_| None).expect("default settings");
    settings.database_url = database_url(dir.path()).await;
    settings.bind_addr = "127.0.0.1:0".into();
    settings.cookie_secure = false;
    settings.rate_limits = false;
    settings.reports_min_account_age = std::time::Duration::ZERO;
    settings
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        TestApp::spawn_in(dir, configure).await
    }

    /// Starts a server on the database of `dir`: the one a server or the
    /// binary used there before (for restarts), or a fresh one.
    pub async fn spawn_in(dir: TempDir, configure: impl FnOnce(&mut Settings)) -> TestApp {
        LazyLock::force(&TRACING);
        let mut settings = test_settings(&dir).await;
        configure(&mut settings);
        let database_url = settings.database_url.clone();
        let app = Application::build(settings).await.expect("server starts");
        let port = app.port();
        tokio::spawn(app.run_until_stopped());
        TestApp {
            address: format!("http://127.0.0.1:{port}"),
            client: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            database_url,
            dir,
            users: Default::default(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn get_as(&self, user: &TestUser, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(&user.token)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_as(&self, user: &TestUser, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(&user.token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn put_as(&self, user: &TestUser, path: &str, body: &Value) -> Response {
        self.client
            .put(self.url(path))
            .bearer_auth(&user.token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// An author's edit of a comment.
    pub async fn edit_as(&self, user: &TestUser, id: &str, body: &str) -> Response {
        self.client
            .patch(self.url(&format!("/api/v1/comments/{id}")))
            .bearer_auth(&user.token)
            .json(&json!({"body": body}))
            .send()
            .await
            .unwrap()
    }

    /// A moderator's decision on a comment.
    pub async fn decide(&self, moderator: &TestUser, id: &str, decision: &Value) -> Response {
        self.post_as(
            moderator,
            &format!("/api/v1/moderation/comments/{id}/decision"),
            decision,
        )
        .await
    }

    pub async fn delete_as(&self, user: &TestUser, path: &str) -> Response {
        self.client
            .delete(self.url(path))
            .bearer_auth(&user.token)
            .send()
            .await
            .unwrap()
    }

    pub async fn register(&self, email: &str, display_name: &str, password: &str) -> Response {
        self.post_json(
            "/api/v1/auth/register",
            &json!({"email": email, "display_name": display_name, "password": password}),
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.post_json(
            "/api/v1/auth/login",
            &json!({"email": email, "password": password}),
        )
        .await
    }

    fn next_email(&self, kind: &str) -> String {
        let n = self.users.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        format!("{kind}{n}@news.example")
    }

    /// A newly registered reader, logged in.
    pub async fn reader(&self) -> TestUser {
        let email = self.next_email("reader");
        let response = self.register(&email, "Test Reader", PASSWORD).await;
        assert_eq!(response.status(), 201, "register {email}");
        session_user(email, response).await
    }

    /// A moderator created the way `comment-desk user create` does, then logged in over HTTP.
    pub async fn moderator(&self) -> TestUser {
        self.staff(Role::Moderator).await
    }

    pub async fn staff(&self, role: Role) -> TestUser {
        self.staff_named(role, "Desk Editor").await
    }

    pub async fn staff_named(&self, role: Role, display_name: &str) -> TestUser {
        let email = self.next_email(role.as_str());
        let store = self.store().await;
        let settings = Settings::from_lookup(|_| None).unwrap();
        let policy = std::sync::Arc::new(LivePolicy::load(None).unwrap());
        let auth = Auth::new(store.clone(), Hasher::new(1).unwrap(), policy, &settings);
        let parsed = Email::parse(&email).unwrap();
        let name = DisplayName::parse(display_name).unwrap();
        let password = Password::choose(PASSWORD.into(), Some(parsed.as_str()), &name).unwrap();
        auth.create_account(parsed, name, password, role)
            .await
            .unwrap();
        store.close().await;
        let response = self.login(&email, PASSWORD).await;
        assert_eq!(response.status(), 200, "login {email}");
        session_user(email, response).await
    }

    /// Posts a comment on `article` and returns the response.
    pub async fn comment(&self, user: &TestUser, article: &str, body: &str) -> Response {
        self.post_as(
            user,
            &format!("/api/v1/articles/{article}/comments"),
            &json!({"body": body}),
        )
        .await
    }

    /// Posts a reply to `parent` on `article` and returns the response.
    pub async fn reply(
        &self,
        user: &TestUser,
        article: &str,
        parent: &str,
        body: &str,
    ) -> Response {
        self.post_as(
            user,
            &format!("/api/v1/articles/{article}/comments"),
            &json!({"body": body, "parent_id": parent}),
        )
        .await
    }

    /// Posts a comment that must be published and returns it.
    pub async fn published(&self, user: &TestUser, article: &str, body: &str) -> Value {
        let response = self.comment(user, article, body).await;
        assert_eq!(response.status(), 201, "post {body:?}");
        json_body(response).await["comment"].clone()
    }

    /// Creates an editorial as a moderator and returns its id.
    pub async fn article(&self, moderator: &TestUser, id: &str, extra: Value) -> String {
        let mut body =
            json!({"title": format!("Editorial {id}"), "url": format!("/editorials/{id}")});
        if let (Some(target), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            target.extend(extra.clone());
        }
        let response = self
            .put_as(moderator, &format!("/api/v1/articles/{id}"), &body)
            .await;
        assert!(response.status().is_success(), "PUT article {id}");
        id.to_owned()
    }

    pub async fn list(&self, path: &str) -> Value {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        json_body(response).await
    }

    /// Posts a comment that must be published and returns it, typed.
    pub async fn published_comment(&self, user: &TestUser, article: &str, body: &str) -> Comment {
        let response = self.comment(user, article, body).await;
        assert_eq!(response.status(), 201, "post {body:?}");
        parse::<CommentAnswer>(response).await.comment
    }

    /// Posts a comment that the policy must hold and returns it.
    pub async fn held_comment(&self, user: &TestUser, article: &str, body: &str) -> Comment {
        let response = self.comment(user, article, body).await;
        assert_eq!(response.status(), 202, "held {body:?}");
        let comment = parse::<CommentAnswer>(response).await.comment;
        assert_eq!(comment.status, "pending");
        comment
    }

    /// A page of the moderation queue; `query` starts with `?` or is empty.
    pub async fn queue(&self, moderator: &TestUser, query: &str) -> Page<QueueItem> {
        let response = self
            .get_as(moderator, &format!("/api/v1/moderation/queue{query}"))
            .await;
        assert_eq!(response.status(), 200, "queue{query}");
        parse(response).await
    }

    /// A page of an article's comments.
    pub async fn threads(&self, path: &str) -> Page<Thread> {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        parse(response).await
    }

    /// A decision that must succeed; returns the comment it answers with.
    pub async fn decided(&self, moderator: &TestUser, id: &str, decision: &Value) -> Comment {
        let response = self.decide(moderator, id, decision).await;
        assert_eq!(response.status(), 200, "{decision} on {id}");
        parse::<CommentAnswer>(response).await.comment
    }

    /// A sanction that must be given; returns it.
    pub async fn sanctioned(
        &self,
        moderator: &TestUser,
        user: &TestUser,
        body: &Value,
    ) -> Sanction {
        let path = format!("/api/v1/moderation/users/{}/sanctions", user.id);
        let response = self.post_as(moderator, &path, body).await;
        assert_eq!(response.status(), 201, "{body}");
        parse::<SanctionAnswer>(response).await.sanction
    }

    /// The whole moderation log, newest first, read page by page.
    pub async fn log(&self, moderator: &TestUser) -> Vec<LogEntry> {
        let mut entries = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..50 {
            let mut path = "/api/v1/moderation/log?limit=100".to_owned();
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let response = self.get_as(moderator, &path).await;
            assert_eq!(response.status(), 200, "GET {path}");
            let page: Page<LogEntry> = parse(response).await;
            entries.extend(page.items);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return entries,
            }
        }
        panic!("the log never reached its last page")
    }

    /// The store on the test's database, to check what was stored.
    pub async fn store(&self) -> Arc<dyn Inspect> {
        storage::open_inspect(&self.database_url, Default::default())
            .await
            .unwrap()
    }
}

async fn session_user(email: String, response: Response) -> TestUser {
    let body = json_body(response).await;
    TestUser {
        id: body["user"]["id"].as_str().unwrap().to_owned(),
        email,
        token: body["token"].as_str().unwrap().to_owned(),
    }
}

/// The top-level comment ids of a listing, in order.
pub fn listed_ids(list: &Value) -> Vec<String> {
    list["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

pub async fn json_body(response: Response) -> Value {
    let text = response.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Asserts a problem+json answer with this status and code; returns the body.
pub async fn assert_problem(response: Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status(), status, "status for {code}");
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert_eq!(
        content_type, "application/problem+json",
        "content type for {code}"
    );
    let body = json_body(response).await;
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status, "{body}");
    for field in ["type", "title", "detail"] {
        assert!(body[field].is_string(), "{field} missing in {body}");
    }
    body
}

// Typed views of the documented response bodies (../shared/spec/API.md).
// Every field is required, a nullable one too (`required_nullable`), so a
// missing field fails the test; fields the API adds later are ignored.
pub use views::*;

// The fields are there so that a missing one fails the test, read or not.
#[allow(dead_code)]
mod views {
    use chrono::{DateTime, Utc};
    use serde::Deserialize;

    use super::TestUser;

    /// Reads a JSON field that must be present but may be null.
    fn required_nullable<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
    where
        D: serde::Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Option::<T>::deserialize(deserializer)
    }

    #[derive(Debug, Clone, PartialEq, Deserialize)]
    pub struct Author {
        pub id: String,
        pub display_name: String,
        /// Null unless the newsroom opened histories (`AUTHOR_HISTORY=public`).
        #[serde(deserialize_with = "required_nullable")]
        pub history_url: Option<String>,
    }

    /// `comment`: what every endpoint that answers with a comment shows.
    #[derive(Debug, Clone, PartialEq, Deserialize)]
    pub struct Comment {
        pub id: String,
        pub article_id: String,
        #[serde(deserialize_with = "required_nullable")]
        pub parent_id: Option<String>,
        pub author: Author,
        pub body: String,
        pub length: u64,
        pub status: String,
        pub created_at: DateTime<Utc>,
        #[serde(deserialize_with = "required_nullable")]
        pub edited_at: Option<DateTime<Utc>>,
        pub version: i64,
        pub reply_count: u64,
        pub likes: i64,
        pub dislikes: i64,
        #[serde(deserialize_with = "required_nullable")]
        pub my_reaction: Option<String>,
        pub featured: bool,
    }

    /// A top-level comment of an article's listing, with its replies.
    #[derive(Debug, Clone, Deserialize)]
    pub struct Thread {
        #[serde(flatten)]
        pub comment: Comment,
        pub replies: Vec<Comment>,
    }

    /// One page of a list. The article listing names its items `comments`, the
    /// log `entries`, the queue `items`; only the article listing has a `total`.
    #[derive(Debug, Clone, Deserialize)]
    pub struct Page<T> {
        #[serde(alias = "comments", alias = "entries")]
        pub items: Vec<T>,
        #[serde(deserialize_with = "required_nullable")]
        pub next_cursor: Option<String>,
        #[serde(default)]
        pub total: Option<u64>,
    }

    impl<T> Page<T> {
        pub fn ids(&self, id: impl Fn(&T) -> &str) -> Vec<String> {
            self.items.iter().map(|item| id(item).to_owned()).collect()
        }
    }

    /// Why the policy held a comment; `start` and `end` count code points.
    #[derive(Debug, Clone, Deserialize)]
    pub struct Reason {
        pub rule: String,
        pub message: String,
        pub start: usize,
        pub end: usize,
    }

    #[derive(Debug, Clone, Deserialize)]
    pub struct Report {
        pub id: String,
        pub reason: String,
        #[serde(deserialize_with = "required_nullable")]
        pub note: Option<String>,
        pub reporter: Author,
        /// The text the report was filed against.
        pub body: String,
        pub created_at: DateTime<Utc>,
    }

    /// A sanction as the queue shows it beside the author.
    #[derive(Debug, Clone, Deserialize)]
    pub struct SanctionBrief {
        pub kind: String,
        #[serde(deserialize_with = "required_nullable")]
        pub until: Option<DateTime<Utc>>,
        pub reason: String,
    }

    /// The author of a queued comment, with their record.
    #[derive(Debug, Clone, Deserialize)]
    pub struct AuthorRecord {
        pub id: String,
        pub display_name: String,
        pub published_count: i64,
        pub rejected_count: i64,
        #[serde(deserialize_with = "required_nullable")]
        pub sanction: Option<SanctionBrief>,
    }

    #[derive(Debug, Clone, Deserialize)]
    pub struct QueueItem {
        pub comment: Comment,
        #[serde(deserialize_with = "required_nullable")]
        pub parent: Option<Comment>,
        pub reasons: Vec<Reason>,
        pub reports: Vec<Report>,
        pub author: AuthorRecord,
        pub reactions: ReactionSignal,
    }

    /// A queued comment's reactions, and how many came from accounts under a day old.
    #[derive(Debug, Clone, Deserialize)]
    pub struct ReactionSignal {
        pub likes: i64,
        pub dislikes: i64,
        pub from_new_accounts: i64,
    }

    impl QueueItem {
        pub fn rules(&self) -> Vec<&str> {
            self.reasons.iter().map(|r| r.rule.as_str()).collect()
        }
    }

    /// `sanction`, as given.
    #[derive(Debug, Clone, Deserialize)]
    pub struct Sanction {
        pub id: String,
        pub user_id: String,
        pub kind: String,
        #[serde(deserialize_with = "required_nullable")]
        pub until: Option<DateTime<Utc>>,
        pub reason: String,
        pub created_at: DateTime<Utc>,
    }

    #[derive(Debug, Clone, PartialEq, Deserialize)]
    pub struct Target {
        #[serde(rename = "type")]
        pub kind: String,
        pub id: String,
    }

    impl Target {
        pub fn comment(id: &str) -> Target {
            Target {
                kind: "comment".into(),
                id: id.into(),
            }
        }

        pub fn user(user: &TestUser) -> Target {
            Target {
                kind: "user".into(),
                id: user.id.clone(),
            }
        }
    }

    /// An entry of the moderation log; `moderator` is null for the policy's own actions.
    #[derive(Debug, Clone, Deserialize)]
    pub struct LogEntry {
        pub id: String,
        pub at: DateTime<Utc>,
        #[serde(deserialize_with = "required_nullable")]
        pub moderator: Option<Author>,
        pub action: String,
        pub target: Target,
        #[serde(deserialize_with = "required_nullable")]
        pub reason: Option<String>,
        #[serde(deserialize_with = "required_nullable")]
        pub note: Option<String>,
    }

    #[derive(Debug, Clone, Deserialize)]
    pub struct Violation {
        pub rule: String,
        pub message: String,
    }

    /// An RFC 9457 problem. The fields after `code` come with some codes only.
    #[derive(Debug, Clone, Deserialize)]
    pub struct Problem {
        #[serde(rename = "type")]
        pub kind: String,
        pub title: String,
        pub status: u16,
        pub detail: String,
        pub code: String,
        #[serde(default)]
        pub violations: Vec<Violation>,
        /// With `already_decided`: the comment as it is now.
        #[serde(default)]
        pub comment: Option<Comment>,
        /// With `comment_too_long`.
        #[serde(default)]
        pub length: Option<u64>,
        #[serde(default)]
        pub limit: Option<u64>,
        /// With `account_suspended`.
        #[serde(default)]
        pub until: Option<DateTime<Utc>>,
    }

    impl Problem {
        pub fn rules(&self) -> Vec<&str> {
            self.violations.iter().map(|v| v.rule.as_str()).collect()
        }
    }
}

/// Reads a response body as `T`, naming the field that did not fit.
pub async fn parse<T: DeserializeOwned>(response: Response) -> T {
    let text = response.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not the expected body ({e}): {text}"))
}

/// Asserts a problem+json answer with this status and code (as `assert_problem`), typed.
pub async fn problem(response: Response, status: u16, code: &str) -> Problem {
    let body = assert_problem(response, status, code).await;
    serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("not a problem ({e}): {body}"))
}

/// `{comment}`: the answer of posting, editing, reading and deciding.
#[derive(Debug, Deserialize)]
pub struct CommentAnswer {
    pub comment: Comment,
}

#[derive(Debug, Deserialize)]
struct SanctionAnswer {
    sanction: Sanction,
}

const BIN: &str = env!("CARGO_BIN_EXE_comment-desk");

/// The real binary (`comment-desk serve`) on a free port, its log collected.
pub struct RunningBinary {
    pub child: tokio::process::Child,
    pub address: String,
    pub log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl RunningBinary {
    /// Waits up to 10 s for a log line containing `text`.
    pub async fn wait_for_log(&self, text: &str) -> bool {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        while tokio::time::Instant::now() < deadline {
            if self.log.lock().unwrap().iter().any(|l| l.contains(text)) {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        false
    }
}

/// Starts the binary in `dir` with a clean environment plus `env`, and waits
/// for its "listening on" line.
pub async fn start_binary(dir: &std::path::Path, env: &[(&str, &str)]) -> RunningBinary {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let mut command = tokio::process::Command::new(BIN);
    command
        .arg("serve")
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("BIND_ADDR", "127.0.0.1:0")
        .env("COOKIE_SECURE", "false")
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .kill_on_drop(true);
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("the binary starts");
    let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let port = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.expect("read stdout") {
            let port = listening_port(&line);
            log.lock().unwrap().push(line);
            if let Some(port) = port {
                return port;
            }
        }
        panic!("the server's stdout closed before it listened")
    })
    .await
    .expect("the server listens within 30 s");
    let collected = log.clone();
    // Keep draining the log, or the server blocks once the pipe is full.
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            collected.lock().unwrap().push(line);
        }
    });
    RunningBinary {
        child,
        address: format!("http://127.0.0.1:{port}"),
        log,
    }
}

fn listening_port(line: &str) -> Option<u16> {
    let rest = line.split("listening on http://127.0.0.1:").nth(1)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[test]
fn a_typed_view_refuses_a_missing_field_and_ignores_an_extra_one() {
    let comment = json!({
        "id": "1", "article_id": "a", "parent_id": null,
        "author": {"id": "2", "display_name": "Test Reader", "history_url": null},
        "body": "hi", "length": 2, "status": "published",
        "created_at": "2026-01-01T00:00:00Z", "edited_at": null,
        "version": 1, "reply_count": 0, "likes": 0, "dislikes": 0,
        "my_reaction": null, "featured": false, "extra": true,
    });
    assert!(serde_json::from_value::<Comment>(comment.clone()).is_ok());
    for field in ["parent_id", "edited_at", "version", "my_reaction"] {
        let mut missing = comment.clone();
        missing.as_object_mut().unwrap().remove(field);
        let parsed = serde_json::from_value::<Comment>(missing);
        assert!(parsed.is_err(), "{field} missing was accepted");
    }
}
