//! Editorial settings: closing, reopening and premoderating comments, each logged.

use super::*;

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

    assert_problem(closed, 409, "comments_closed").await;
    assert_eq!(reopened.status(), 201);
    assert_eq!(premoderated.status(), 202);
    assert_eq!(
        json_body(premoderated).await["comment"]["status"],
        "pending"
    );
    let item = &queue(&app, &moderator, "").await["items"][0];
    assert_eq!(rules_of(&item["reasons"]), ["premoderation"]);
    let updates: Vec<Value> = log_entries(&app, &moderator)
        .await
        .into_iter()
        .filter(|e| e["action"] == "article_updated")
        .collect();
    assert_eq!(updates.len(), 3, "one entry per change");
    for entry in &updates {
        assert_eq!(
            entry["target"],
            json!({"type": "article", "id": DEMO_ARTICLE})
        );
        assert_eq!(entry["moderator"]["id"], moderator.id.as_str());
    }
}
