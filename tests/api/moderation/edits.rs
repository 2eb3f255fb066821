//! Author edits: checked again by the policy, and refused after the edit window.

use super::*;

#[tokio::test]
async fn an_author_edits_a_comment_and_the_edit_is_checked_again() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let author = app.reader().await;
    let other = app.reader().await;
    let comment = app
        .published_comment(&author, DEMO_ARTICLE, "my first wording")
        .await;
    let id = comment.id;
    assert_eq!(comment.edited_at, None);

    let anonymous = app
        .client
        .patch(app.url(&comment_path(&id)))
        .json(&json!({"body": "not mine"}))
        .send()
        .await
        .unwrap();
    problem(anonymous, 401, "unauthenticated").await;
    let theirs = patch_as(&app, &other, &id, "not mine either").await;
    problem(theirs, 403, "forbidden").await;
    let same = patch_as(&app, &author, &id, "my first wording").await;
    assert_eq!(
        same.status(),
        200,
        "the same text is not a repeat of itself"
    );

    let edited = patch_as(&app, &author, &id, "my second wording").await;
    assert_eq!(edited.status(), 200);
    let edited = parse::<CommentAnswer>(edited).await.comment;
    assert_eq!(edited.body, "my second wording");
    assert_eq!(edited.status, "published");
    assert!(edited.edited_at.is_some(), "{edited:?}");
    assert_eq!(
        app.list(LIST).await["comments"][0]["body"],
        "my second wording"
    );

    let banned = patch_as(&app, &author, &id, "씨발 이게 뭐냐").await;
    let refusal = problem(banned, 422, "policy_violation").await;
    assert_eq!(refusal.rules(), ["banned_term"]);
    let stored = app.list(&comment_path(&id)).await;
    assert_eq!(stored["comment"]["body"], "my second wording", "unchanged");

    let with_phone = patch_as(&app, &author, &id, "my second wording, 010-1234-5678").await;
    assert_eq!(with_phone.status(), 200);
    let held = parse::<CommentAnswer>(with_phone).await.comment;
    assert_eq!(held.status, "pending");
    assert_eq!(
        app.list(LIST).await["total"],
        0,
        "held again, out of the listing"
    );
    let page = app.queue(&moderator, "").await;
    let item = &page.items[0];
    assert_eq!(item.comment.id, id);
    assert_eq!(item.rules(), ["phone_number"]);
}

#[tokio::test]
async fn an_edit_after_the_window_is_refused() {
    let app = TestApp::spawn_with(|s| s.edit_window = std::time::Duration::from_secs(1)).await;
    let author = app.reader().await;
    let id = app
        .published_comment(&author, DEMO_ARTICLE, "said in haste")
        .await
        .id;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;

    let late = patch_as(&app, &author, &id, "said at leisure").await;

    problem(late, 403, "edit_window_closed").await;
    assert_eq!(
        app.list(&comment_path(&id)).await["comment"]["body"],
        "said in haste"
    );
}
