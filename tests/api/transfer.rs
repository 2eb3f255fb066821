//! `comment-desk export` and `import` (API.md, "Operations (extension)"): the
//! real binary on the test's real database, fixtures written here, listings read
//! back through the real server.

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::cli::run;
use crate::helpers::{TestApp, TestUser, Thread, database_url};

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

async fn import(dir: &Path, format: &str, file: &Path) -> Output {
    let url = database_url(dir).await;
    let args = ["import", "--format", format, file.to_str().unwrap()];
    run(dir, &args, &[("DATABASE_URL", &url)], "").await
}

async fn export(dir: &Path, out: &Path) -> Output {
    let url = database_url(dir).await;
    let args = ["export", "--out", out.to_str().unwrap()];
    run(dir, &args, &[("DATABASE_URL", &url)], "").await
}

/// One count of the summary, by the start of its line.
fn count(output: &Output, what: &str) -> u64 {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with(what))
        .unwrap_or_else(|| panic!("no {what:?} in the summary: {stdout}"));
    line.rsplit(": ").next().unwrap().trim().parse().unwrap()
}

fn post(
    id: &str,
    thread: &str,
    parent: Option<&str>,
    message: &str,
    flags: (&str, &str),
) -> String {
    let parent = parent
        .map(|p| format!("<parent dsq:id=\"{p}\"/>"))
        .unwrap_or_default();
    format!(
        "<post dsq:id=\"{id}\"><id/><message>{message}</message>\
         <createdAt>2021-05-0{}T10:00:0{}Z</createdAt><isDeleted>{}</isDeleted><isSpam>{}</isSpam>\
         <author><email>p{id}@readers.example</email><name>독자 {id}</name><isAnonymous>false</isAnonymous>\
         <username>reader{id}</username></author><thread dsq:id=\"{thread}\"/>{parent}</post>\n",
        id.len().min(9),
        id.chars().last().unwrap(),
        flags.0,
        flags.1
    )
}

const NOT: (&str, &str) = ("false", "false");

/// A small Disqus export: two threads, replies (one two levels down), a
/// deleted and a spam post, an orphan, a 300-character comment, Korean text,
/// HTML entities and CDATA.
fn disqus_fixture(posts: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <disqus xmlns=\"http://disqus.com\" xmlns:dsq=\"http://disqus.com/disqus-internals\">\n\
         <category dsq:id=\"1\"><forum>news</forum><title>General</title></category>\n\
         <thread dsq:id=\"100\"><id>budget-2021</id><forum>news</forum><link>https://news.example/budget</link>\
         <title>예산안 &amp; 국회</title><createdAt>2021-05-01T09:00:00Z</createdAt></thread>\n\
         <thread dsq:id=\"200\"><id>not a valid id!</id><link>https://news.example/other</link>\
         <title>Other</title><createdAt>2021-05-01T09:00:00Z</createdAt></thread>\n\
         {posts}</disqus>\n"
    )
}

fn disqus_posts() -> String {
    [
        post(
            "1",
            "100",
            None,
            "<![CDATA[<p>첫 댓글입니다 &amp; <b>bold</b></p>]]>",
            NOT,
        ),
        post("2", "100", Some("1"), "Fish &amp; chips &lt;3", NOT),
        post("3", "100", Some("2"), "a reply to a reply", NOT),
        post("4", "100", None, "deleted one", ("true", "false")),
        post("5", "100", None, "buy pills", ("false", "true")),
        post("6", "100", Some("999"), "orphan reply", NOT),
        post("7", "100", None, &"가".repeat(300), NOT),
        post("8", "200", None, "on the other thread", NOT),
    ]
    .concat()
}

async fn threads(app: &TestApp, article: &str, order: &str) -> Vec<Thread> {
    app.threads(&format!(
        "/api/v1/articles/{article}/comments?order={order}&limit=100"
    ))
    .await
    .items
}

#[tokio::test]
async fn a_disqus_export_comes_in_with_threads_times_status_and_held_text() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("disqus.xml");
    std::fs::write(&file, disqus_fixture(&disqus_posts())).unwrap();

    // Act
    let first = import(dir.path(), "disqus", &file).await;
    let second = import(dir.path(), "disqus", &file).await;

    // Assert: the summary, then a second run that adds nothing.
    assert!(first.status.success(), "import: {}", text(&first));
    assert_eq!(count(&first, "editorials imported"), 2, "{}", text(&first));
    assert_eq!(count(&first, "comments imported"), 8);
    assert_eq!(count(&first, "comments held"), 1, "the 300-character one");
    assert_eq!(count(&first, "orphan"), 1, "the reply to post 999");
    assert!(second.status.success(), "second import: {}", text(&second));
    assert_eq!(count(&second, "comments imported"), 0, "{}", text(&second));
    assert_eq!(count(&second, "comments already present"), 8);
    assert_eq!(count(&second, "accounts imported"), 0);

    let app = TestApp::spawn_in(dir, |_| {}).await;
    let listed = threads(&app, "budget-2021", "oldest").await;
    let bodies: Vec<&str> = listed.iter().map(|t| t.comment.body.as_str()).collect();
    assert_eq!(
        bodies,
        ["첫 댓글입니다 & bold", "orphan reply"],
        "published top-level comments in time order; deleted without replies, spam and held are not listed"
    );
    let first_thread = &listed[0];
    let replies: Vec<&str> = first_thread
        .replies
        .iter()
        .map(|c| c.body.as_str())
        .collect();
    assert_eq!(
        replies,
        ["Fish & chips <3", "a reply to a reply"],
        "both levels under the thread"
    );
    assert_eq!(
        first_thread.comment.created_at.to_rfc3339(),
        "2021-05-01T10:00:01+00:00",
        "time kept to the second"
    );
    assert_eq!(first_thread.comment.author.display_name, "독자 1");
    assert_eq!(first_thread.comment.reply_count, 2);
    let other = threads(&app, "disqus-200", "newest").await;
    assert_eq!(
        other.len(),
        1,
        "an invalid identifier becomes disqus-<dsq:id>"
    );

    let moderator = app.moderator().await;
    let held = app.queue(&moderator, "").await;
    let long = held
        .items
        .iter()
        .find(|item| item.comment.length == 300)
        .expect("the 300-character comment waits in the queue");
    assert_eq!(long.comment.status, "pending");
    let log = app.log(&moderator).await;
    let why = log
        .iter()
        .find(|e| e.target.id == long.comment.id && e.action == "hold")
        .expect("the hold is in the log");
    assert_eq!(
        why.reason.as_deref(),
        Some("comment_too_long"),
        "the moderator sees why: {why:?}"
    );
}

/// What a listing shows, without the ids and counters that change on import.
fn shape(threads: &[Thread]) -> Vec<String> {
    let one = |c: &crate::helpers::Comment| {
        format!(
            "{}|{}|{}|{}|{}|{}",
            c.body,
            c.author.display_name,
            c.status,
            c.created_at.timestamp(),
            c.likes,
            c.dislikes
        )
    };
    threads
        .iter()
        .map(|t| {
            let replies: Vec<String> = t.replies.iter().map(one).collect();
            format!("{} [{}]", one(&t.comment), replies.join("; "))
        })
        .collect()
}

/// The moderation log as the store reads it, without ids that change.
async fn log_shape(app: &TestApp) -> Vec<String> {
    let store = app.store().await;
    let page = store.log_page(None, 1000).await.unwrap();
    store.close().await;
    page.items
        .iter()
        .map(|e| {
            let who = e.actor.as_ref().map(|(_, name)| name.clone());
            format!(
                "{}|{}|{:?}|{:?}|{}",
                e.action,
                e.target_type,
                e.reason,
                who,
                e.at.timestamp()
            )
        })
        .collect()
}

async fn fill(app: &TestApp) -> (TestUser, String) {
    let moderator = app.moderator().await;
    let article = app.article(&moderator, "round-trip", json!({})).await;
    let (a, b) = (app.reader().await, app.reader().await);
    let first = app.published(&a, &article, "첫 번째 의견입니다").await;
    let second = app.published(&b, &article, "A second opinion").await;
    let id = first["id"].as_str().unwrap();
    let reply = app.reply(&b, &article, id, "답글 하나").await;
    assert_eq!(reply.status(), 201);
    for (who, on, kind) in [(&a, &second, "like"), (&b, &first, "dislike")] {
        let path = format!("/api/v1/comments/{}/reaction", on["id"].as_str().unwrap());
        let response = app.put_as(who, &path, &json!({"kind": kind})).await;
        assert!(response.status().is_success(), "reaction {kind}");
    }
    let third = app.published(&a, &article, "to be rejected").await;
    app.decided(
        &moderator,
        third["id"].as_str().unwrap(),
        &json!({"action": "reject", "reason": "spam"}),
    )
    .await;
    app.sanctioned(&moderator, &b, &json!({"kind": "suspend", "until": chrono::Utc::now() + chrono::Duration::days(1), "reason": "spam"}))
        .await;
    (moderator, article)
}

#[tokio::test]
async fn an_export_imported_into_a_fresh_database_lists_the_same() {
    // Arrange: a database filled through the API, exported while it serves.
    let app = TestApp::spawn().await;
    let (_moderator, article) = fill(&app).await;
    let out = app.dir.path().join("backup.jsonl");
    let exported = export(app.dir.path(), &out).await;
    assert!(exported.status.success(), "export: {}", text(&exported));
    let lines = std::fs::read_to_string(&out).unwrap();
    let header: serde_json::Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(header["type"], "header");
    assert_eq!(header["version"], 1);
    assert!(!lines.contains("argon2"), "no password hashes in an export");

    // Act
    let fresh = tempfile::tempdir().unwrap();
    let first = import(fresh.path(), "comment-desk", &out).await;
    let second = import(fresh.path(), "comment-desk", &out).await;

    // Assert
    assert!(first.status.success(), "import: {}", text(&first));
    assert_eq!(count(&second, "comments imported"), 0, "{}", text(&second));
    assert_eq!(count(&second, "log lines imported"), 0);
    let restored = TestApp::spawn_in(fresh, |_| {}).await;
    for order in ["newest", "oldest", "best"] {
        let before = shape(&threads(&app, &article, order).await);
        let after = shape(&threads(&restored, &article, order).await);
        assert_eq!(after, before, "order={order}");
        assert!(!before.is_empty());
    }
    let before = log_shape(&app).await;
    let after = log_shape(&restored).await;
    assert_eq!(after, before, "the moderation log");
}

#[tokio::test]
async fn a_server_on_the_same_file_shows_an_import_within_a_second() {
    // Arrange: the page is built and kept before the import.
    let app = TestApp::spawn().await;
    let file = app.dir.path().join("disqus.xml");
    std::fs::write(&file, disqus_fixture(&disqus_posts())).unwrap();
    let moderator = app.moderator().await;
    app.article(&moderator, "budget-2021", json!({})).await;
    assert!(threads(&app, "budget-2021", "newest").await.is_empty());

    // Act
    let output = import(app.dir.path(), "disqus", &file).await;
    let done = Instant::now();

    // Assert
    assert!(output.status.success(), "{}", text(&output));
    loop {
        if threads(&app, "budget-2021", "newest").await.len() == 2 {
            break;
        }
        assert!(
            done.elapsed() < Duration::from_secs(1),
            "the server still shows the old page"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// (what, file contents, a word the error names)
fn hostile_files() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\">\
        <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\
        <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>\n\
        <disqus><thread dsq:id=\"1\"><title>&lol3;</title></thread></disqus>";
    let deep = format!(
        "<disqus>{}{}</disqus>",
        "<a>".repeat(10_000),
        "</a>".repeat(10_000)
    );
    let mut bad_utf8 = disqus_fixture(&post("1", "100", None, "ok", NOT)).into_bytes();
    let at = bad_utf8.len() - 40;
    bad_utf8.splice(
        at..at,
        [b'<', b'x', b'>', 0xff, 0xfe, b'<', b'/', b'x', b'>'],
    );
    let truncated = disqus_fixture(&disqus_posts());
    let truncated = truncated[..truncated.len() - 200].to_owned();
    vec![
        ("an entity bomb", bomb.as_bytes().to_vec(), "entities"),
        ("deep nesting", deep.into_bytes(), "nested"),
        ("bad UTF-8", bad_utf8, "line"),
        ("a file cut short", truncated.into_bytes(), "line"),
    ]
}

#[tokio::test]
async fn hostile_files_stop_with_their_position_and_exit_code_2() {
    for (what, contents, word) in hostile_files() {
        // Arrange
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("hostile.xml");
        std::fs::write(&file, &contents).unwrap();

        // Act
        let started = Instant::now();
        let output = import(dir.path(), "disqus", &file).await;

        // Assert
        assert_eq!(output.status.code(), Some(2), "{what}: {}", text(&output));
        assert!(
            text(&output).contains(word),
            "{what} names {word:?}: {}",
            text(&output)
        );
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{what} took too long"
        );
    }
}

#[tokio::test]
async fn a_rerun_after_a_cut_file_resumes_without_doubling() {
    // Arrange: the first run stops part way.
    let dir = tempfile::tempdir().unwrap();
    let whole = disqus_fixture(&disqus_posts());
    let file = dir.path().join("disqus.xml");
    std::fs::write(&file, &whole[..whole.len() - 200]).unwrap();
    let cut = import(dir.path(), "disqus", &file).await;
    assert_eq!(cut.status.code(), Some(2), "{}", text(&cut));

    // Act
    std::fs::write(&file, &whole).unwrap();
    let rerun = import(dir.path(), "disqus", &file).await;

    // Assert: every comment once.
    assert!(rerun.status.success(), "{}", text(&rerun));
    let app = TestApp::spawn_in(dir, |_| {}).await;
    let listed = threads(&app, "budget-2021", "oldest").await;
    let total: usize = listed.iter().map(|t| 1 + t.replies.len()).sum();
    assert_eq!(
        total, 4,
        "two top-level comments and two replies, none twice"
    );
}

#[tokio::test]
async fn loops_huge_comments_and_colliding_ids_are_imported_safely() {
    // Arrange: posts 1 and 2 name each other as parent; post 3 is 2 MB;
    // a WordPress file reuses the ids 1 to 3.
    let dir = tempfile::tempdir().unwrap();
    let posts = [
        post("1", "100", Some("2"), "loop one", NOT),
        post("2", "100", Some("1"), "loop two", NOT),
        post("3", "100", None, &"x".repeat(2_000_000), NOT),
    ]
    .concat();
    let disqus = dir.path().join("disqus.xml");
    std::fs::write(&disqus, disqus_fixture(&posts)).unwrap();
    let wxr = dir.path().join("wordpress.xml");
    std::fs::write(&wxr, wxr_fixture()).unwrap();

    // Act
    let first = import(dir.path(), "disqus", &disqus).await;
    let second = import(dir.path(), "wordpress", &wxr).await;

    // Assert
    assert!(first.status.success(), "{}", text(&first));
    assert_eq!(
        count(&first, "orphan"),
        2,
        "a loop has no top: both top-level"
    );
    assert_eq!(
        count(&first, "comments held"),
        1,
        "the 2 MB comment is held"
    );
    assert!(second.status.success(), "{}", text(&second));
    assert_eq!(
        count(&second, "comments imported"),
        4,
        "the same ids from another format are new"
    );
    let app = TestApp::spawn_in(dir, |_| {}).await;
    let listed = threads(&app, "budget-2021", "oldest").await;
    assert_eq!(listed.len(), 2, "the looping pair, listed top-level");
}

/// A WordPress export: one post with an approved comment and its reply, a
/// spam and a trashed comment.
fn wxr_fixture() -> String {
    let comment = |id: &str, parent: &str, approved: &str, content: &str| {
        format!(
            "<wp:comment><wp:comment_id>{id}</wp:comment_id><wp:comment_author><![CDATA[필자 {id}]]></wp:comment_author>\
             <wp:comment_author_email>w{id}@readers.example</wp:comment_author_email>\
             <wp:comment_date_gmt>2022-01-02 03:04:0{id}</wp:comment_date_gmt>\
             <wp:comment_content><![CDATA[{content}]]></wp:comment_content>\
             <wp:comment_approved>{approved}</wp:comment_approved><wp:comment_parent>{parent}</wp:comment_parent></wp:comment>"
        )
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:wp=\"http://wordpress.org/export/1.2/\">\
         <channel><title>Blog</title><item><title>선거 &amp; 여론</title><link>https://blog.example/?p=1</link>\
         <wp:post_id>1</wp:post_id><wp:post_date_gmt>2022-01-01 00:00:00</wp:post_date_gmt>{}{}{}{}</item></channel></rss>",
        comment("1", "0", "1", "<p>좋은 글 &amp; 감사</p>"),
        comment("2", "1", "1", "맞습니다"),
        comment("3", "0", "spam", "cheap pills"),
        comment("4", "0", "trash", "removed"),
    )
}

#[tokio::test]
async fn a_wordpress_export_comes_in_with_its_replies_and_statuses() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("wordpress.xml");
    std::fs::write(&file, wxr_fixture()).unwrap();

    // Act
    let first = import(dir.path(), "wordpress", &file).await;
    let second = import(dir.path(), "wordpress", &file).await;

    // Assert
    assert!(first.status.success(), "{}", text(&first));
    assert_eq!(count(&first, "comments imported"), 4);
    assert_eq!(count(&second, "comments imported"), 0);
    let app = TestApp::spawn_in(dir, |_| {}).await;
    let listed = threads(&app, "wordpress-1", "newest").await;
    assert_eq!(listed.len(), 1, "spam and trash are not listed: {listed:?}");
    assert_eq!(listed[0].comment.body, "좋은 글 & 감사");
    assert_eq!(listed[0].replies[0].body, "맞습니다");
    assert_eq!(
        listed[0].comment.created_at.to_rfc3339(),
        "2022-01-02T03:04:01+00:00"
    );
}

/// The Isso that `scripts/test` and `scripts/bench-isso` install.
fn isso_gunicorn() -> Option<std::path::PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/isso-venv/bin/gunicorn");
    if path.is_file() {
        return Some(path);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "Isso is not installed in target/isso-venv (scripts/test installs it)"
    );
    eprintln!("skipped: Isso is not installed in target/isso-venv; run scripts/test");
    None
}

#[tokio::test]
async fn a_real_isso_database_comes_in_with_its_replies() {
    let Some(gunicorn) = isso_gunicorn() else {
        return;
    };
    // Arrange: Isso itself, posting through its HTTP API into its own file.
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let database = dir.path().join("isso.db");
    let config = dir.path().join("isso.cfg");
    std::fs::write(
        &config,
        format!(
            "[general]\ndbpath = {}\nhost = http://127.0.0.1:{port}/\n[moderation]\nenabled = false\n\
             [guard]\nenabled = false\n[server]\nlisten = http://127.0.0.1:{port}/\n",
            database.display()
        ),
    )
    .unwrap();
    let mut isso = tokio::process::Command::new(gunicorn)
        .args(["-w", "1", "-b", &format!("127.0.0.1:{port}"), "isso.run"])
        .env("ISSO_SETTINGS", &config)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while client
        .get(format!("{base}/?uri=%2Fready"))
        .send()
        .await
        .is_err()
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "Isso did not start"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let new = |body: serde_json::Value| {
        client
            .post(format!("{base}/new?uri=%2Fnews%2Felection"))
            .header("Origin", &base)
            .header("Referer", format!("{base}/news/election"))
            .json(&body)
            .send()
    };
    let first = new(json!({"text": "선거 결과에 대한 의견", "author": "김독자", "email": "kim@readers.example", "title": "Election"}))
        .await
        .unwrap();
    assert!(
        first.status().is_success(),
        "Isso posts: {}",
        first.status()
    );
    let first: serde_json::Value = first.json().await.unwrap();
    let reply = new(json!({"text": "동의합니다", "author": "Lee", "parent": first["id"]}))
        .await
        .unwrap();
    assert!(reply.status().is_success(), "Isso replies");
    isso.kill().await.unwrap();

    // Act
    let output = import(dir.path(), "isso", &database).await;
    let again = import(dir.path(), "isso", &database).await;

    // Assert
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(count(&output, "comments imported"), 2, "{}", text(&output));
    assert_eq!(count(&again, "comments imported"), 0);
    let app = TestApp::spawn_in(dir, |_| {}).await;
    let listed = threads(&app, "isso-1", "newest").await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].comment.body, "선거 결과에 대한 의견");
    assert_eq!(listed[0].comment.author.display_name, "김독자");
    assert_eq!(listed[0].replies[0].body, "동의합니다");
}
