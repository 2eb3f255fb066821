//! Sanctions: suspensions, bans, refused sanctions and sanctions on staff.

use super::*;

#[tokio::test]
async fn a_suspension_stops_posting_until_it_is_lifted() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let reader = app.reader().await;
    held(&app, &reader, DEMO_ARTICLE, PHONE).await;
    let until = in_days(3);

    let given = sanction(
        &app,
        &moderator,
        &reader,
        json!({"kind": "suspend", "until": until, "reason": "abuse"}),
    )
    .await;

    assert!(given["id"].is_string(), "{given}");
    assert_eq!(given["user_id"], reader.id.as_str());
    assert_eq!(given["kind"], "suspend");
    assert_eq!(given["reason"], "abuse");
    assert_eq!(time(&given["until"]), time(&json!(until)));
    time(&given["created_at"]);
    let refused = app.comment(&reader, DEMO_ARTICLE, "while suspended").await;
    assert_problem(refused, 403, "account_suspended").await;
    let shown = &queue(&app, &moderator, "").await["items"][0]["author"]["sanction"];
    assert_eq!(shown["kind"], "suspend", "the queue shows the sanction");
    assert_eq!(shown["reason"], "abuse");
    assert_eq!(time(&shown["until"]), time(&json!(until)));

    let lifted = app.delete_as(&moderator, &sanctions_path(&reader)).await;

    assert_eq!(lifted.status(), 204);
    assert_eq!(
        app.comment(&reader, DEMO_ARTICLE, "back again")
            .await
            .status(),
        201
    );
    let again = app.delete_as(&moderator, &sanctions_path(&reader)).await;
    assert_problem(again, 404, "sanction_not_found").await;
    assert_eq!(
        queue(&app, &moderator, "").await["items"][0]["author"]["sanction"],
        Value::Null
    );
}

#[tokio::test]
async fn a_ban_can_reject_the_accounts_pending_comments() {
    let app = TestApp::spawn().await;
    let moderator = app.moderator().await;
    let banned = app.reader().await;
    let bystander = app.reader().await;
    let kept = app
        .published(&banned, DEMO_ARTICLE, "a published view")
        .await;
    let first = id_of(&held(&app, &banned, DEMO_ARTICLE, PHONE).await);
    let second = id_of(&held(&app, &banned, DEMO_ARTICLE, "그 사람은 정말 멍청이다").await);
    let theirs = id_of(
        &held(
            &app,
            &bystander,
            DEMO_ARTICLE,
            "mail me at kim.reader@news.example",
        )
        .await,
    );

    let given = sanction(
        &app,
        &moderator,
        &banned,
        json!({"kind": "ban", "reason": "spam", "reject_pending": true}),
    )
    .await;

    assert_eq!(given["kind"], "ban");
    assert_eq!(given["until"], Value::Null);
    let refused = app.comment(&banned, DEMO_ARTICLE, "after the ban").await;
    assert_problem(refused, 403, "account_banned").await;
    assert_eq!(
        queued(&queue(&app, &moderator, "").await),
        [theirs],
        "only others' comments wait"
    );
    let rejected = queue(&app, &moderator, "?state=rejected").await;
    assert_eq!(queued(&rejected), [first, second]);
    assert_eq!(rejected["items"][0]["author"]["sanction"]["kind"], "ban");
    assert_eq!(rejected["items"][0]["author"]["rejected_count"], 2);
    assert_eq!(
        listed_ids(&app.list(LIST).await),
        [id_of(&kept)],
        "published comments stay"
    );
    let ban = log_entries(&app, &moderator)
        .await
        .into_iter()
        .find(|e| e["action"] == "ban")
        .expect("the ban is logged");
    assert_eq!(ban["target"], json!({"type": "user", "id": banned.id}));
    assert_eq!(ban["reason"], "spam");
    assert_eq!(ban["moderator"]["id"], moderator.id.as_str());
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
        assert_problem(response, status, code).await;
    }

    assert_eq!(
        app.comment(&reader, DEMO_ARTICLE, "unharmed")
            .await
            .status(),
        201
    );
    assert_problem(
        app.delete_as(&moderator, &path).await,
        404,
        "sanction_not_found",
    )
    .await;
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
        assert_problem(response, 403, "forbidden").await;
    }
    let given = sanction(&app, &admin, &colleague, body.clone()).await;
    assert_eq!(given["user_id"], colleague.id.as_str());
    assert_eq!(
        app.delete_as(&admin, &sanctions_path(&colleague))
            .await
            .status(),
        204
    );
}
