//! Author edits: checked again by the policy, and refused after the edit window.

use super::*;

#[tokio::test]
async fn an_author_edits_a_comment_and_the_edit_is_checked_again() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let other = app.reader().await;
    let comment = app
        .published(&author, DEMO_ARTICLE, "my first wording")
        .await;
    let id = id_of(&comment);
    assert_eq!(comment["edited_at"], Value::Null);

    let anonymous = app
        .client
        .patch(app.url(&comment_path(&id)))
        .json(&json!({"body": "not mine"}))
        .send()
        .await
        .unwrap();
    assert_problem(anonymous, 401, "unauthenticated").await;
    let theirs = patch_as(&app, &other, &id, "not mine either").await;
    assert_problem(theirs, 403, "forbidden").await;
    let same = patch_as(&app, &author, &id, "my first wording").await;
    assert_eq!(
        same.status(),
        200,
        "the same text is not a repeat of itself"
    );

    let edited = patch_as(&app, &author, &id, "my second wording").await;
    assert_eq!(edited.status(), 200);
    let edited = json_body(edited).await["comment"].clone();
    assert_eq!(edited["body"], "my second wording");
    assert_eq!(edited["status"], "published");
    time(&edited["edited_at"]);
    assert_eq!(
        app.list(LIST).await["comments"][0]["body"],
        "my second wording"
    );

    let banned = patch_as(&app, &author, &id, "씨발 이게 뭐냐").await;
    let problem = assert_problem(banned, 422, "policy_violation").await;
    assert_eq!(rules_of(&problem["violations"]), ["banned_term"]);
    let stored = app.list(&comment_path(&id)).await;
    assert_eq!(stored["comment"]["body"], "my second wording", "unchanged");

    let with_phone = patch_as(&app, &author, &id, "my second wording, 010-1234-5678").await;
    assert_eq!(with_phone.status(), 200);
    assert_eq!(json_body(with_phone).await["comment"]["status"], "pending");
    assert_eq!(
        app.list(LIST).await["total"],
        0,
        "held again, out of the listing"
    );
    let item = &queue(&app, &moderator, "").await["items"][0];
    assert_eq!(item["comment"]["id"], id.as_str());
    assert_eq!(rules_of(&item["reasons"]), ["phone_number"]);
}

#[tokio::test]
async fn an_edit_after_the_window_is_refused() {
    let app = TestApp::spawn_with(|s| s.edit_window = std::time::Duration::from_secs(1)).await;
    let author = app.reader().await;
    let id = id_of(&app.published(&author, DEMO_ARTICLE, "said in haste").await);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;

    let late = patch_as(&app, &author, &id, "said at leisure").await;

    assert_problem(late, 403, "edit_window_closed").await;
    assert_eq!(
        app.list(&comment_path(&id)).await["comment"]["body"],
        "said in haste"
    );
}
