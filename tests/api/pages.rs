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
