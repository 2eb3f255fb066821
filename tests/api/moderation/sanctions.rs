//! Sanctions: suspensions, bans, refused sanctions and sanctions on staff.

use super::*;
use crate::helpers::Target;

#[tokio::test]
async fn a_suspension_stops_posting_until_it_is_lifted() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let reader = app.reader().await;
    app.held_comment(&reader, DEMO_ARTICLE, PHONE).await;
    let until = in_days(3);

    let body = json!({"kind": "suspend", "until": until, "reason": "abuse"});
    let given = app.sanctioned(&moderator, &reader, &body).await;

    assert!(!given.id.is_empty(), "{given:?}");
    assert_eq!(given.user_id, reader.id);
    assert_eq!(given.kind, "suspend");
    assert_eq!(given.reason, "abuse");
    assert_eq!(given.until, Some(time(&json!(until))));
    let refused = app.comment(&reader, DEMO_ARTICLE, "while suspended").await;
    let refusal = problem(refused, 403, "account_suspended").await;
    assert_eq!(refusal.until, Some(time(&json!(until))));
    let page = app.queue(&moderator, "").await;
    let shown = page.items[0].author.sanction.as_ref().expect("a sanction");
    assert_eq!(shown.kind, "suspend", "the queue shows the sanction");
    assert_eq!(shown.reason, "abuse");
    assert_eq!(shown.until, Some(time(&json!(until))));

    let lifted = app.delete_as(&moderator, &sanctions_path(&reader)).await;

    assert_eq!(lifted.status(), 204);
    assert_eq!(
        app.comment(&reader, DEMO_ARTICLE, "back again")
            .await
            .status(),
        201
    );
    let again = app.delete_as(&moderator, &sanctions_path(&reader)).await;
    problem(again, 404, "sanction_not_found").await;
    let page = app.queue(&moderator, "").await;
    assert!(page.items[0].author.sanction.is_none());
}

#[tokio::test]
async fn a_ban_can_reject_the_accounts_pending_comments() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let banned = app.reader().await;
    let bystander = app.reader().await;
    let kept = app
        .published_comment(&banned, DEMO_ARTICLE, "a published view")
        .await;
    let first = app.held_comment(&banned, DEMO_ARTICLE, PHONE).await.id;
    let second = app
        .held_comment(&banned, DEMO_ARTICLE, "그 사람은 정말 멍청이다")
        .await
        .id;
    let theirs = app
        .held_comment(
            &bystander,
            DEMO_ARTICLE,
            "mail me at kim.reader@news.example",
        )
        .await
        .id;

    let body = json!({"kind": "ban", "reason": "spam", "reject_pending": true});
    let given = app.sanctioned(&moderator, &banned, &body).await;

    assert_eq!(given.kind, "ban");
    assert_eq!(given.until, None);
    let refused = app.comment(&banned, DEMO_ARTICLE, "after the ban").await;
    problem(refused, 403, "account_banned").await;
    assert_eq!(
        app.queue(&moderator, "").await.ids(|i| &i.comment.id),
        [theirs],
        "only others' comments wait"
    );
    let rejected = app.queue(&moderator, "?state=rejected").await;
    assert_eq!(rejected.ids(|i| &i.comment.id), [first, second]);
    let record = &rejected.items[0].author;
    assert_eq!(
        record.sanction.as_ref().map(|s| s.kind.as_str()),
        Some("ban")
    );
    assert_eq!(record.rejected_count, 2);
    assert_eq!(
        app.threads(LIST).await.ids(|t| &t.comment.id),
        [kept.id],
        "published comments stay"
    );
    let ban = app
        .log(&moderator)
        .await
        .into_iter()
        .find(|e| e.action == "ban")
        .expect("the ban is logged");
    assert_eq!(ban.target, Target::user(&banned));
    assert_eq!(ban.reason.as_deref(), Some("spam"));
    assert_eq!(ban.moderator.map(|m| m.id), Some(moderator.id));
}

#[tokio::test]
async fn bad_sanctions_are_refused() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let reader = app.reader().await;
    let path = sanctions_path(&reader);
    let unknown = "/api/v1/moderation/users/999999/sanctions".to_owned();
    let cases = [
        (
            &path,
            json!({"kind": "suspend", "reason": "abuse"}),
            422,
            "invalid_request",
            "a suspension without an end",
        ),
        (
            &path,
            json!({"kind": "suspend", "until": in_days(-1), "reason": "abuse"}),
            422,
            "invalid_request",
            "a suspension already over",
        ),
        (
            &path,
            json!({"kind": "suspend", "until": "next week", "reason": "abuse"}),
            422,
            "invalid_request",
            "an end that is not a time",
        ),
        (
            &path,
            json!({"kind": "mute", "reason": "abuse"}),
            422,
            "invalid_request",
            "an unknown kind",
        ),
        (
            &path,
            json!({"kind": "ban"}),
            422,
            "invalid_request",
            "no reason",
        ),
        (
            &unknown,
            json!({"kind": "ban", "reason": "spam"}),
            404,
            "user_not_found",
            "an unknown user",
        ),
    ];

    for (path, body, status, code, why) in cases {
        let response = app.post_as(&moderator, path, &body).await;
        assert_eq!(response.status(), status, "{why}");
        problem(response, status, code).await;
    }

    assert_eq!(
        app.comment(&reader, DEMO_ARTICLE, "unharmed")
            .await
            .status(),
        201
    );
    let none = app.delete_as(&moderator, &path).await;
    problem(none, 404, "sanction_not_found").await;
}

#[tokio::test]
async fn moderators_cannot_sanction_staff_but_admins_can() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let colleague = app.moderator().await;
    let admin = app.staff(Role::Admin).await;
    let body = json!({"kind": "suspend", "until": in_days(1), "reason": "other"});

    for (target, why) in [(&colleague, "a moderator"), (&admin, "an admin")] {
        let response = app
            .post_as(&moderator, &sanctions_path(target), &body)
            .await;
        assert_eq!(response.status(), 403, "a moderator sanctioning {why}");
        problem(response, 403, "forbidden").await;
    }
    let given = app.sanctioned(&admin, &colleague, &body).await;
    assert_eq!(given.user_id, colleague.id);
    assert_eq!(
        app.delete_as(&admin, &sanctions_path(&colleague))
            .await
            .status(),
        204
    );
}
