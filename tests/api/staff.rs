//! Sanctions bind staff too, and the desk always keeps an admin in good
//! standing, also when admins act against each other at once.

use std::sync::Arc;

use chrono::{Duration, SecondsFormat, Utc};
use comment_desk::domain::accounts::Role;
use comment_desk::domain::ids::AccountId;
use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::helpers::{DEMO_ARTICLE, PASSWORD, TestApp, TestUser, json_body};

fn sanctions_path(user: &TestUser) -> String {
    format!("/api/v1/moderation/users/{}/sanctions", user.id)
}

fn role_path(user: &TestUser) -> String {
    format!("/api/v1/admin/users/{}/role", user.id)
}

fn in_days(days: i64) -> String {
    (Utc::now() + Duration::days(days)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

async fn send(app: &TestApp, user: &TestUser, method: Method, path: &str, body: Value) -> Response {
    let request = app
        .client
        .request(method.clone(), app.url(path))
        .bearer_auth(&user.token);
    let request = if method == Method::GET || method == Method::DELETE {
        request
    } else {
        request.json(&body)
    };
    request.send().await.unwrap()
}

async fn sanction(app: &TestApp, by: &TestUser, target: &TestUser, kind: &str) -> Response {
    let body = match kind {
        "ban" => json!({"kind": "ban", "reason": "other"}),
        _ => json!({"kind": "suspend", "until": in_days(1), "reason": "other"}),
    };
    app.post_as(by, &sanctions_path(target), &body).await
}

/// A banned or suspended moderator, and a sanctioned reader, may read and log
/// out, and secure their account; every other write and every staff power is
/// refused with the sanction's code.
#[tokio::test]
async fn a_sanctioned_account_may_only_read_log_out_and_secure_itself() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let reader = app.reader().await;
    let theirs = app
        .published(&reader, DEMO_ARTICLE, "a reader's view")
        .await;
    let theirs = theirs["id"].as_str().unwrap().to_owned();

    for (kind, code) in [("ban", "account_banned"), ("suspend", "account_suspended")] {
        for role in [Role::Moderator, Role::Admin, Role::Reader] {
            let sanctioned = match role {
                Role::Reader => app.reader().await,
                role => app.staff(role).await,
            };
            let own = app
                .published(&sanctioned, DEMO_ARTICLE, &format!("mine {kind} {role:?}"))
                .await;
            let own = own["id"].as_str().unwrap().to_owned();
            let colleague = app.moderator().await;
            assert_eq!(
                sanction(&app, &admin, &colleague, "ban").await.status(),
                201
            );
            assert_eq!(
                sanction(&app, &admin, &sanctioned, kind).await.status(),
                201
            );

            // The role a route needs: a caller without it is forbidden first.
            let (any, staff, admin_only) = (Role::Reader, Role::Moderator, Role::Admin);
            let refused = [
                (
                    any,
                    Method::POST,
                    format!("/api/v1/articles/{DEMO_ARTICLE}/comments"),
                    json!({"body": "still here"}),
                ),
                (
                    any,
                    Method::PATCH,
                    format!("/api/v1/comments/{own}"),
                    json!({"body": "changed"}),
                ),
                (
                    any,
                    Method::DELETE,
                    format!("/api/v1/comments/{own}"),
                    json!(null),
                ),
                (
                    any,
                    Method::POST,
                    format!("/api/v1/comments/{theirs}/reports"),
                    json!({"reason": "spam"}),
                ),
                (
                    staff,
                    Method::POST,
                    format!("/api/v1/moderation/comments/{theirs}/decision"),
                    json!({"action": "reject", "reason": "spam"}),
                ),
                (
                    staff,
                    Method::POST,
                    sanctions_path(&reader),
                    json!({"kind": "ban", "reason": "other"}),
                ),
                (
                    staff,
                    Method::DELETE,
                    sanctions_path(&colleague),
                    json!(null),
                ),
                (
                    admin_only,
                    Method::PUT,
                    role_path(&reader),
                    json!({"role": "moderator"}),
                ),
                (
                    staff,
                    Method::PUT,
                    format!("/api/v1/articles/{DEMO_ARTICLE}"),
                    json!({"title": "Renamed", "url": "/x"}),
                ),
                (
                    staff,
                    Method::GET,
                    "/api/v1/moderation/queue".to_owned(),
                    json!(null),
                ),
            ];
            for (needs, method, path, body) in refused {
                let response = send(&app, &sanctioned, method.clone(), &path, body).await;
                let status = response.status();
                let text = response.text().await.unwrap();
                let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                let why = format!("{kind} {role:?}: {method} {path}: {answer}");
                let rank = |r: Role| {
                    [Role::Reader, Role::Moderator, Role::Admin]
                        .iter()
                        .position(|x| *x == r)
                };
                let expected = if rank(role) < rank(needs) {
                    "forbidden"
                } else {
                    code
                };
                assert_eq!(status, 403, "{why}");
                assert_eq!(answer["code"], expected, "{why}");
            }

            let allowed = [
                (
                    Method::GET,
                    format!("/api/v1/articles/{DEMO_ARTICLE}/comments"),
                    json!(null),
                    200,
                ),
                (Method::GET, "/api/v1/auth/me".to_owned(), json!(null), 200),
                (
                    Method::POST,
                    "/api/v1/auth/password".to_owned(),
                    json!({"current_password": PASSWORD, "new_password": "a brand new passphrase"}),
                    204,
                ),
                (
                    Method::POST,
                    "/api/v1/auth/logout".to_owned(),
                    json!(null),
                    204,
                ),
            ];
            for (method, path, body, status) in allowed {
                let response = send(&app, &sanctioned, method.clone(), &path, body).await;
                assert_eq!(
                    response.status(),
                    status,
                    "{kind} {role:?}: {method} {path}"
                );
            }
            let unchanged = app.get(&format!("/api/v1/comments/{theirs}")).await;
            assert_eq!(
                unchanged.status(),
                200,
                "{kind} {role:?}: the reader's comment stands"
            );
            let still = app
                .store()
                .await
                .unlifted_sanctions(AccountId::parse(&colleague.id).unwrap())
                .await
                .unwrap();
            assert_eq!(
                still, 1,
                "{kind} {role:?}: the colleague's ban was not lifted"
            );
        }
    }
}

/// The only admin cannot step down; with a second one they can.
#[tokio::test]
async fn the_last_admin_cannot_be_demoted() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;

    let alone = app
        .put_as(&admin, &role_path(&admin), &json!({"role": "moderator"}))
        .await;
    let status = alone.status();
    let answer = json_body(alone).await;
    assert_eq!(status, 409, "{answer}");
    assert_eq!(answer["code"], "last_admin");

    let second = app.staff(Role::Admin).await;
    let response = app
        .put_as(&admin, &role_path(&admin), &json!({"role": "moderator"}))
        .await;
    assert_eq!(response.status(), 200);
    let response = app
        .put_as(&second, &role_path(&second), &json!({"role": "reader"}))
        .await;
    assert_eq!(response.status(), 409, "now the second is the last");
}

/// The admins in good standing: with a role of admin and no sanction in force.
async fn active_admins(app: &TestApp) -> i64 {
    app.store().await.active_admins(Utc::now()).await.unwrap()
}

/// Two admins demoting, or banning, each other at the same moment never leave
/// the desk without an admin in good standing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_admins_acting_against_each_other_at_once_leave_one() {
    let app = Arc::new(TestApp::spawn().await);
    for trial in 0..10 {
        let (one, two) = (app.staff(Role::Admin).await, app.staff(Role::Admin).await);
        // Only these two are admins in good standing.
        let keep = [&one, &two].map(|u| AccountId::parse(&u.id).unwrap());
        app.store().await.demote_admins_except(&keep).await.unwrap();
        let (a, b) = if trial % 2 == 0 {
            let demote = json!({"role": "reader"});
            let (to_one, to_two) = (role_path(&one), role_path(&two));
            tokio::join!(
                app.put_as(&one, &to_two, &demote),
                app.put_as(&two, &to_one, &demote)
            )
        } else {
            tokio::join!(
                sanction(&app, &one, &two, "ban"),
                sanction(&app, &two, &one, "ban")
            )
        };
        let statuses = [a.status().as_u16(), b.status().as_u16()];
        assert_eq!(active_admins(&app).await, 1, "trial {trial}: {statuses:?}");
        assert_eq!(
            statuses.iter().filter(|s| **s < 300).count(),
            1,
            "trial {trial}: one of them wins: {statuses:?}"
        );
    }
}
