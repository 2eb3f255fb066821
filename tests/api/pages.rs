//! The demonstration pages and the widget's script, over HTTP.

use crate::helpers::TestApp;

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .map_or("", |v| v.to_str().unwrap())
}

#[tokio::test]
async fn the_front_page_lists_the_demo_editorials() {
    let app = TestApp::spawn().await;

    let response = app.get("/").await;

    assert_eq!(response.status(), 200);
    assert!(header(&response, "content-type").starts_with("text/html"));
    let html = response.text().await.unwrap();
    assert!(html.contains("<html lang=\"ko\">"));
    for link in [
        "/editorials/putin-north-korea-signal",
        "/editorials/putin-gorbachev-path",
    ] {
        assert!(html.contains(link), "{link}");
    }
    assert!(
        html.contains("Putin must take Gorbachev’s path, not Stalin&#39;s"),
        "titles are escaped"
    );
}

#[tokio::test]
async fn an_article_page_embeds_the_widget_under_a_strict_policy() {
    let app = TestApp::spawn().await;

    let korean = app.get("/editorials/putin-north-korea-signal").await;
    let english = app
        .get("/editorials/putin-north-korea-signal?lang=en")
        .await;

    let csp = header(&korean, "content-security-policy").to_owned();
    for part in [
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'self'",
    ] {
        assert!(csp.contains(part), "{csp} lacks {part}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let html = korean.text().await.unwrap();
    assert!(
        html.contains("<div id=\"comments\" data-article-id=\"putin-north-korea-signal\"></div>")
    );
    assert!(html.contains("<script src=\"/embed.js\" async></script>"));
    assert!(html.contains("Russian President Vladimir Putin will likely visit North Korea soon."));
    assert!(english.text().await.unwrap().contains("<html lang=\"en\">"));
    assert_eq!(app.get("/editorials/no-such-editorial").await.status(), 404);
}

#[tokio::test]
async fn the_widget_is_served_as_a_small_script() {
    let app = TestApp::spawn().await;

    let response = app.get("/embed.js").await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "content-type"),
        "text/javascript; charset=utf-8"
    );
    let script = response.text().await.unwrap();
    assert!(script.len() < 40 * 1024, "{} bytes", script.len());
    assert!(
        !script.contains("innerHTML"),
        "user text reaches the DOM only as text"
    );
    assert!(script.contains("attachShadow"));
}

#[tokio::test]
async fn the_desk_is_a_shell_under_a_strict_policy_that_no_page_may_frame() {
    let app = TestApp::spawn().await;

    let korean = app.get("/desk?lang=ko").await;
    let english = app.get("/desk?lang=en").await;
    let script = app.get("/desk.js").await;
    let style = app.get("/desk.css").await;

    assert_eq!(korean.status(), 200);
    let csp = header(&korean, "content-security-policy").to_owned();
    for part in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(part), "{csp} lacks {part}");
    }
    assert!(!csp.contains("unsafe"), "{csp}");
    assert_eq!(header(&korean, "cache-control"), "no-store");
    let html = korean.text().await.unwrap();
    assert!(html.contains("<html lang=\"ko\">"), "{html}");
    assert!(html.contains("<script src=\"/desk.js\" defer></script>"));
    assert!(!html.contains("<script>"), "no inline script: {html}");
    assert!(english.text().await.unwrap().contains("<html lang=\"en\">"));
    assert!(header(&script, "content-type").starts_with("text/javascript"));
    assert!(header(&style, "content-type").starts_with("text/css"));
}

#[tokio::test]
async fn the_desk_lists_the_newest_editorials_for_staff_only() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let reader = app.reader().await;
    app.article(&moderator, "newest-one", serde_json::json!({}))
        .await;

    let listed = crate::helpers::json_body(
        app.get_as(&moderator, "/api/v1/moderation/articles?limit=2")
            .await,
    )
    .await;
    let ids: Vec<&str> = listed["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();

    assert_eq!(ids[0], "newest-one", "newest first: {listed}");
    assert_eq!(ids.len(), 2, "the limit holds: {listed}");
    assert!(listed["articles"][0]["premoderation"].is_boolean());
    let refused = app.get_as(&reader, "/api/v1/moderation/articles").await;
    crate::helpers::assert_problem(refused, 403, "forbidden").await;
    let anonymous = app.get("/api/v1/moderation/articles").await;
    crate::helpers::assert_problem(anonymous, 401, "unauthenticated").await;
    let bad = app
        .get_as(&moderator, "/api/v1/moderation/articles?limit=0")
        .await;
    crate::helpers::assert_problem(bad, 400, "invalid_query").await;
}
