//! Editorial settings: closing, reopening and premoderating comments, each logged.

use super::*;
use crate::helpers::LogEntry;

#[tokio::test]
async fn editorial_settings_close_reopen_and_premoderate_and_are_logged() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let reader = app.reader().await;

    app.article(&moderator, DEMO_ARTICLE, json!({"comments_open": false}))
        .await;
    let closed = app.comment(&reader, DEMO_ARTICLE, "is anyone there").await;
    app.article(&moderator, DEMO_ARTICLE, json!({"comments_open": true}))
        .await;
    let reopened = app.comment(&reader, DEMO_ARTICLE, "open again").await;
    app.article(&moderator, DEMO_ARTICLE, json!({"premoderation": true}))
        .await;
    let premoderated = app.comment(&reader, DEMO_ARTICLE, "now it waits").await;

    problem(closed, 409, "comments_closed").await;
    assert_eq!(reopened.status(), 201);
    assert_eq!(premoderated.status(), 202);
    assert_eq!(
        json_body(premoderated).await["comment"]["status"],
        "pending"
    );
    let page = app.queue(&moderator, "").await;
    assert_eq!(page.items[0].rules(), ["premoderation"]);
    let updates: Vec<LogEntry> = app
        .log(&moderator)
        .await
        .into_iter()
        .filter(|e| e.action == "article_updated")
        .collect();
    assert_eq!(updates.len(), 3, "one entry per change");
    for entry in &updates {
        assert_eq!(entry.target.kind, "article");
        assert_eq!(entry.target.id, DEMO_ARTICLE);
        let by = entry.moderator.as_ref().map(|m| m.id.as_str());
        assert_eq!(by, Some(moderator.id.as_str()));
    }
}
