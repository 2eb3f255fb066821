//! Who may call the moderation endpoints, and roles that only an admin changes.

use super::*;
use crate::helpers::Target;

#[tokio::test]
async fn every_moderation_endpoint_refuses_readers_and_anonymous_callers() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    let author = app.reader().await;
    let comment = app
        .published_comment(&author, DEMO_ARTICLE, "a fair point")
        .await;
    let decision = format!("/api/v1/moderation/comments/{}/decision", comment.id);
    let endpoints = [
        (
            Method::GET,
            "/api/v1/moderation/queue".to_owned(),
            None,
            "the queue",
        ),
        (
            Method::GET,
            "/api/v1/moderation/queue?state=reported".to_owned(),
            None,
            "the reported queue",
        ),
        (
            Method::POST,
            decision.clone(),
            Some(json!({"action": "delete"})),
            "a decision",
        ),
        (
            Method::POST,
            sanctions_path(&author),
            Some(json!({"kind": "ban", "reason": "spam"})),
            "a sanction",
        ),
        (
            Method::DELETE,
            sanctions_path(&author),
            None,
            "lifting a sanction",
        ),
        (
            Method::GET,
            "/api/v1/moderation/log".to_owned(),
            None,
            "the log",
        ),
        (
            Method::PUT,
            role_path(&author),
            Some(json!({"role": "admin"})),
            "a role change",
        ),
    ];

    for (method, path, body, what) in endpoints {
        let request = |token: Option<&str>| {
            let mut request = app.client.request(method.clone(), app.url(&path));
            if let Some(body) = &body {
                request = request.json(body);
            }
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            request.send()
        };
        let anonymous = request(None).await.unwrap();
        assert_eq!(anonymous.status(), 401, "anonymous: {what}");
        problem(anonymous, 401, "unauthenticated").await;
        let as_reader = request(Some(&reader.token)).await.unwrap();
        assert_eq!(as_reader.status(), 403, "reader: {what}");
        problem(as_reader, 403, "forbidden").await;
    }

    assert_eq!(app.list(LIST).await["total"], 1, "the comment is untouched");
    let again = app
        .comment(&author, DEMO_ARTICLE, "still allowed to post")
        .await;
    assert_eq!(again.status(), 201, "the author was not sanctioned");
    let me = json_body(app.get_as(&author, "/api/v1/auth/me").await).await;
    assert_eq!(me["user"]["role"], "reader", "the role was not changed");
}

#[tokio::test]
async fn only_an_admin_changes_roles_and_the_change_applies_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let moderator = app.moderator().await;
    let reader = app.reader().await;
    let path = role_path(&reader);
    let promote = json!({"role": "moderator"});
    let refused = [
        (&moderator, "a moderator"),
        (&reader, "the reader themself"),
    ];
    for (caller, why) in refused {
        let response = app.put_as(caller, &path, &promote).await;
        assert_eq!(response.status(), 403, "{why}");
        problem(response, 403, "forbidden").await;
    }
    let bad = app.put_as(&admin, &path, &json!({"role": "owner"})).await;
    problem(bad, 422, "invalid_request").await;
    let before = app.get_as(&reader, "/api/v1/moderation/queue").await;
    problem(before, 403, "forbidden").await;

    let promoted = app.put_as(&admin, &path, &promote).await;

    assert_eq!(promoted.status(), 200);
    let user = json_body(promoted).await["user"].clone();
    assert_eq!(user["id"], reader.id.as_str());
    assert_eq!(user["role"], "moderator");
    let after = app.get_as(&reader, "/api/v1/moderation/queue").await;
    assert_eq!(after.status(), 200, "the same token, the new role");
    let entry = &app.log(&admin).await[0];
    assert_eq!(entry.action, "role_changed");
    assert_eq!(entry.target, Target::user(&reader));
    assert_eq!(entry.reason.as_deref(), Some("moderator"));
    let by = entry.moderator.as_ref().map(|m| m.id.as_str());
    assert_eq!(by, Some(admin.id.as_str()));

    let demoted = app.put_as(&admin, &path, &json!({"role": "reader"})).await;
    assert_eq!(demoted.status(), 200);
    let again = app.get_as(&reader, "/api/v1/moderation/queue").await;
    problem(again, 403, "forbidden").await;
}
