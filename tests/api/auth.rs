//! Accounts and sessions: register, login, logout, me, cookies and cross-site checks.

use std::collections::HashSet;

use reqwest::header::{COOKIE, ORIGIN, SET_COOKIE};
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, assert_problem, json_body};

fn session_cookie(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("comment_desk_session="))
        .expect("a session cookie")
}

fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn register_creates_a_reader_and_logs_it_in() {
    let app = TestApp::spawn().await;

    let response = app
        .register("Kim@News.Example", "  김독자 ", PASSWORD)
        .await;

    assert_eq!(response.status(), 201);
    let cookie = session_cookie(&response);
    for part in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(part), "{cookie} lacks {part}");
    }
    assert!(!cookie.contains("Secure"), "COOKIE_SECURE=false: {cookie}");
    let body = json_body(response).await;
    assert_eq!(body["user"]["display_name"], "김독자", "name is cleaned");
    assert_eq!(body["user"]["role"], "reader");
    assert!(
        body["user"].get("email").is_none(),
        "email only in /auth/me"
    );
    assert!(
        body["token"].as_str().unwrap().len() >= 22,
        "at least 128 bits"
    );
    assert!(body["expires_at"].as_str().unwrap().ends_with('Z'));

    let me = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .bearer_auth(body["token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let me = json_body(me).await;
    assert_eq!(me["user"]["email"], "kim@news.example", "email normalized");
}

fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn secure_cookies_by_default_carry_the_host_prefix_and_are_read_back() {
    let app = TestApp::spawn_with(|s| s.cookie_secure = true).await;
    let response = app.register("kim@news.example", "Kim", PASSWORD).await;
    let cookies = set_cookies(&response);
    let token = json_body(response).await["token"]
        .as_str()
        .unwrap()
        .to_owned();

    assert_eq!(cookies.len(), 1, "{cookies:?}");
    let cookie = &cookies[0];
    assert!(
        cookie.starts_with(&format!("__Host-comment_desk_session={token}")),
        "{cookie}"
    );
    for part in ["Secure", "Path=/", "HttpOnly"] {
        assert!(cookie.contains(part), "{cookie} lacks {part}");
    }
    assert!(
        !cookie.contains("Domain"),
        "__Host- forbids Domain: {cookie}"
    );
    let me_with = |name: &str| {
        app.client
            .get(app.url("/api/v1/auth/me"))
            .header(COOKIE, format!("{name}={token}"))
            .send()
    };
    assert_eq!(
        me_with("__Host-comment_desk_session")
            .await
            .unwrap()
            .status(),
        200,
        "the name it sets is the name it reads"
    );
    assert_eq!(
        me_with("comment_desk_session").await.unwrap().status(),
        401,
        "a cookie without the prefix could have been set by a sibling host"
    );
    let logout = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let removal = set_cookies(&logout);
    assert!(
        removal[0].starts_with("__Host-comment_desk_session=") && removal[0].contains("Secure"),
        "the removal names the same cookie: {removal:?}"
    );
}

#[tokio::test]
async fn answers_that_carry_a_token_are_not_stored_by_caches() {
    let app = TestApp::spawn().await;
    let register = app.register("kim@news.example", "Kim", PASSWORD).await;
    let login = app.login("kim@news.example", PASSWORD).await;
    let token = json_body(app.login("kim@news.example", PASSWORD).await).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let password = app
        .client
        .post(app.url("/api/v1/auth/password"))
        .bearer_auth(&token)
        .json(&json!({"current_password": PASSWORD, "new_password": "a brand new passphrase"}))
        .send()
        .await
        .unwrap();

    for (what, response) in [
        ("register", register),
        ("login", login),
        ("password", password),
    ] {
        assert!(response.status().is_success(), "{what}");
        let cache_control = response.headers().get("cache-control");
        assert_eq!(
            cache_control.and_then(|v| v.to_str().ok()),
            Some("no-store"),
            "{what}"
        );
    }
}

#[tokio::test]
async fn two_session_cookies_in_one_request_are_refused() {
    for secure in [false, true] {
        let app = TestApp::spawn_with(|s| s.cookie_secure = secure).await;
        let name = if secure {
            "__Host-comment_desk_session"
        } else {
            "comment_desk_session"
        };
        let reader = app.reader().await;
        let cases = [
            (
                format!("{name}=forged; {name}={}", reader.token),
                "forged first",
            ),
            (
                format!("{name}={}; {name}=forged", reader.token),
                "forged last",
            ),
            (
                format!("{name}={0}; {name}={0}", reader.token),
                "the same twice",
            ),
        ];
        for (cookie, why) in cases {
            let me = app
                .client
                .get(app.url("/api/v1/auth/me"))
                .header(COOKIE, cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(me.status(), 400, "secure={secure}: {why}");
            assert_problem(me, 400, "duplicate_session_cookie").await;
        }
        let bearer_wins = app
            .client
            .get(app.url("/api/v1/auth/me"))
            .bearer_auth(&reader.token)
            .header(COOKIE, format!("{name}=a; {name}=b"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            bearer_wins.status(),
            200,
            "secure={secure}: a bearer token decides"
        );
    }
}

#[tokio::test]
async fn an_email_registers_once_whatever_its_case() {
    let app = TestApp::spawn().await;
    app.register("kim@news.example", "Kim", PASSWORD).await;

    let again = app
        .register(" KIM@news.EXAMPLE", "Other Kim", PASSWORD)
        .await;

    assert_problem(again, 409, "email_taken").await;
}

#[tokio::test]
async fn registration_refuses_bad_fields() {
    let app = TestApp::spawn().await;
    let long_name = "가".repeat(31);
    let long_password = "x".repeat(129);
    let cases = [
        ("not-an-email", "Kim", PASSWORD, "invalid_email"),
        ("", "Kim", PASSWORD, "invalid_email"),
        ("kim@news.example", "K", PASSWORD, "invalid_display_name"),
        (
            "kim@news.example",
            &long_name,
            PASSWORD,
            "invalid_display_name",
        ),
        (
            "kim@news.example",
            "Kim\u{202E}",
            PASSWORD,
            "invalid_display_name",
        ),
        (
            "kim@news.example",
            "Kim\nLee",
            PASSWORD,
            "invalid_display_name",
        ),
        (
            "kim@news.example",
            "\u{200B}\u{3164}",
            PASSWORD,
            "invalid_display_name",
        ),
        ("kim@news.example", "Kim", "short", "weak_password"),
        ("kim@news.example", "Kim", &long_password, "weak_password"),
        ("kim@news.example", "Kim", "password123", "weak_password"),
        (
            "kim@news.example",
            "Kim",
            "kim@news.example",
            "weak_password",
        ),
    ];
    for (email, name, password, code) in cases {
        let response = app.register(email, name, password).await;
        let body = assert_problem(response, 422, code).await;
        if code != "invalid_email" {
            assert!(body["violations"][0]["message"].is_string(), "{body}");
        }
    }
}

#[tokio::test]
async fn every_login_starts_a_new_session() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;

    let first = json_body(app.login(&reader.email, PASSWORD).await).await;
    let second = json_body(app.login(&reader.email.to_uppercase(), PASSWORD).await).await;

    let tokens: HashSet<&str> = [
        reader.token.as_str(),
        first["token"].as_str().unwrap(),
        second["token"].as_str().unwrap(),
    ]
    .into();
    assert_eq!(tokens.len(), 3, "three logins, three tokens");
    for token in [
        first["token"].as_str().unwrap(),
        second["token"].as_str().unwrap(),
    ] {
        let me = app
            .client
            .get(app.url("/api/v1/auth/me"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), 200, "each session is live");
    }
}

#[tokio::test]
async fn unknown_email_and_wrong_password_get_the_same_answer() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;

    let wrong_password = app.login(&reader.email, "not the password").await;
    let unknown_email = app.login("nobody@news.example", PASSWORD).await;
    let malformed_email = app.login("nobody", PASSWORD).await;

    let a = assert_problem(wrong_password, 401, "invalid_credentials").await;
    let b = assert_problem(unknown_email, 401, "invalid_credentials").await;
    let c = assert_problem(malformed_email, 401, "invalid_credentials").await;
    assert_eq!(a, b, "same body for both failures");
    assert_eq!(a, c, "same body for a malformed email");
}

#[tokio::test]
async fn me_needs_a_live_session() {
    let app = TestApp::spawn().await;
    let cases = [
        (None, "no credentials"),
        (Some("Bearer garbage"), "unknown token"),
        (Some("Bearer "), "empty token"),
        (Some("Basic a2ltOnB3"), "another scheme"),
    ];
    for (authorization, why) in cases {
        let mut request = app.client.get(app.url("/api/v1/auth/me"));
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{why}");
        assert_problem(response, 401, "unauthenticated").await;
    }
}

#[tokio::test]
async fn logout_revokes_the_session_on_the_server() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;

    let response = app
        .post_as(&reader, "/api/v1/auth/logout", &json!({}))
        .await;

    assert_eq!(response.status(), 204);
    assert!(
        session_cookie(&response).contains("Max-Age=0"),
        "cookie cleared"
    );
    let me = app.get_as(&reader, "/api/v1/auth/me").await;
    assert_problem(me, 401, "unauthenticated").await;
}

#[tokio::test]
async fn sessions_are_stored_only_as_hashes_and_passwords_as_argon2id() {
    let app = TestApp::spawn().await;
    let reader = app.reader().await;
    let store = app.store().await;

    let (_, hash) = store
        .account_by_email(&reader.email)
        .await
        .unwrap()
        .unwrap();
    let hash = hash.expect("a password account has a hash");
    let stored = store.session_token_hashes().await.unwrap();

    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    assert!(!hash.contains(PASSWORD));
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].len(), 32, "a SHA-256");
    assert_ne!(stored[0], reader.token.as_bytes());
}

#[tokio::test]
async fn sessions_expire_at_the_absolute_limit() {
    let app = TestApp::spawn_with(|s| s.session_max_age = std::time::Duration::from_secs(1)).await;
    let reader = app.reader().await;
    assert_eq!(app.get_as(&reader, "/api/v1/auth/me").await.status(), 200);

    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;

    assert_problem(
        app.get_as(&reader, "/api/v1/auth/me").await,
        401,
        "unauthenticated",
    )
    .await;
}

#[tokio::test]
async fn sessions_expire_when_idle() {
    let app =
        TestApp::spawn_with(|s| s.session_idle_timeout = std::time::Duration::from_secs(1)).await;
    let reader = app.reader().await;

    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;

    assert_problem(
        app.get_as(&reader, "/api/v1/auth/me").await,
        401,
        "unauthenticated",
    )
    .await;
}

#[tokio::test]
async fn cookie_requests_that_change_state_must_come_from_an_allowed_origin() {
    let app =
        TestApp::spawn_with(|s| s.allowed_origins = vec!["https://news.example".into()]).await;
    let response = app.register("kim@news.example", "Kim", PASSWORD).await;
    let cookie = cookie_pair(&session_cookie(&response));
    let own_origin = app.address.clone();
    let cases: [(Option<&str>, Option<&str>, u16, &str); 5] = [
        (None, None, 403, "no origin"),
        (Some("https://evil.example"), None, 403, "foreign origin"),
        (Some(&own_origin), None, 201, "same origin"),
        (Some("https://news.example"), None, 201, "allowed origin"),
        (None, Some("same-origin"), 201, "Sec-Fetch-Site same-origin"),
    ];
    for (origin, fetch_site, status, why) in cases {
        let mut request = app
            .client
            .post(app.url("/api/v1/articles/putin-north-korea-signal/comments"))
            .header(COOKIE, &cookie)
            .json(&json!({"body": format!("cookie post: {why}")}));
        if let Some(origin) = origin {
            request = request.header(ORIGIN, origin);
        }
        if let Some(site) = fetch_site {
            request = request.header("sec-fetch-site", site);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), status, "{why}");
        if status == 403 {
            assert_problem(response, 403, "cross_site_request").await;
        }
    }
    let read = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200, "reads need no origin");
}

fn client_from(address: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from(address))
        .build()
        .unwrap()
}

#[tokio::test]
async fn repeated_failures_wait_but_the_owner_elsewhere_does_not() {
    let app = TestApp::spawn_with(|s| {
        s.login_free_attempts = 2;
        s.rate_limits = true;
    })
    .await;
    let reader = app.reader().await;
    let stranger = client_from([127, 0, 0, 2]);
    let owner = client_from([127, 0, 0, 3]);
    let login = |client: &reqwest::Client, password: &str| {
        client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": reader.email, "password": password}))
            .send()
    };

    for attempt in 0..2 {
        let response = login(&stranger, "wrong guess").await.unwrap();
        assert_eq!(response.status(), 401, "free attempt {attempt}");
    }
    assert_eq!(
        login(&stranger, "wrong guess").await.unwrap().status(),
        401,
        "the third fails and starts a delay"
    );
    let blocked = login(&stranger, PASSWORD).await.unwrap();

    let retry_after: u64 = blocked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1, "Retry-After: {retry_after}");
    assert_problem(blocked, 429, "too_many_attempts").await;
    assert_eq!(
        login(&owner, PASSWORD).await.unwrap().status(),
        200,
        "not locked out"
    );
}

#[tokio::test]
async fn rate_limits_off_turns_login_throttling_off() {
    let app = TestApp::spawn_with(|s| {
        s.login_free_attempts = 1;
        s.rate_limits = false;
    })
    .await;
    let reader = app.reader().await;

    for _ in 0..4 {
        assert_eq!(app.login(&reader.email, "wrong guess").await.status(), 401);
    }
    assert_eq!(app.login(&reader.email, PASSWORD).await.status(), 200);
}

#[tokio::test]
async fn logging_out_everywhere_ends_every_session() {
    let app = TestApp::spawn().await;
    let phone = app.reader().await;
    let laptop = json_body(app.login(&phone.email, PASSWORD).await).await;
    let laptop_token = laptop["token"].as_str().unwrap();

    let response = app
        .post_as(&phone, "/api/v1/auth/logout-all", &json!({}))
        .await;

    assert_eq!(response.status(), 204);
    assert_problem(
        app.get_as(&phone, "/api/v1/auth/me").await,
        401,
        "unauthenticated",
    )
    .await;
    let laptop_me = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .bearer_auth(laptop_token)
        .send()
        .await
        .unwrap();
    assert_problem(laptop_me, 401, "unauthenticated").await;
    assert_eq!(
        app.login(&phone.email, PASSWORD).await.status(),
        200,
        "the password still works"
    );
}

#[tokio::test]
async fn a_password_change_ends_the_other_sessions() {
    let app = TestApp::spawn().await;
    let here = app.reader().await;
    let elsewhere = json_body(app.login(&here.email, PASSWORD).await).await;
    let elsewhere_token = elsewhere["token"].as_str().unwrap();
    let change =
        |current: &str, new: &str| json!({"current_password": current, "new_password": new});

    let wrong = app
        .post_as(
            &here,
            "/api/v1/auth/password",
            &change("not it", "a brand new passphrase"),
        )
        .await;
    let weak = app
        .post_as(&here, "/api/v1/auth/password", &change(PASSWORD, "short"))
        .await;
    let changed = app
        .post_as(
            &here,
            "/api/v1/auth/password",
            &change(PASSWORD, "a brand new passphrase"),
        )
        .await;

    assert_problem(wrong, 403, "wrong_password").await;
    assert_problem(weak, 422, "weak_password").await;
    assert_eq!(changed.status(), 204);
    assert_eq!(
        app.get_as(&here, "/api/v1/auth/me").await.status(),
        200,
        "this session stays"
    );
    let other = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .bearer_auth(elsewhere_token)
        .send()
        .await
        .unwrap();
    assert_problem(other, 401, "unauthenticated").await;
    assert_problem(
        app.login(&here.email, PASSWORD).await,
        401,
        "invalid_credentials",
    )
    .await;
    assert_eq!(
        app.login(&here.email, "a brand new passphrase")
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn a_burst_of_guesses_gets_no_more_tries_than_guesses_in_a_row() {
    const FREE: u32 = 5;
    let app = TestApp::spawn_with(|s| {
        s.rate_limits = true;
        s.login_free_attempts = FREE;
    })
    .await;
    let reader = app.reader().await;
    for attempt in 0..FREE {
        let response = app.login(&reader.email, "wrong guess").await;
        assert_eq!(response.status(), 401, "free attempt {attempt}");
    }
    let login = |password: &'static str| {
        let request = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": reader.email, "password": password}));
        tokio::spawn(async move { request.send().await.unwrap().status().as_u16() })
    };

    let mut burst: Vec<_> = (0..60).map(|_| login("wrong guess")).collect();
    // The right password comes with the burst, just behind its first guesses.
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    burst.push(login(PASSWORD));
    let mut statuses = Vec::new();
    for answer in burst {
        statuses.push(answer.await.unwrap());
    }

    let right = statuses.last().copied();
    let tried = statuses.iter().filter(|s| **s != 429).count();
    assert_eq!(right, Some(429), "the right password waits: {statuses:?}");
    assert!(
        tried <= 1,
        "one more try after the free ones, as in a row; got {tried}: {statuses:?}"
    );
}

#[tokio::test]
async fn a_session_in_use_stays_and_expires_only_when_idle() {
    let idle = std::time::Duration::from_secs(3);
    let app = TestApp::spawn_with(|s| s.session_idle_timeout = idle).await;
    let reader = app.reader().await;
    let other = app.reader().await;

    for second in 1..=5 {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        let me = app.get_as(&reader, "/api/v1/auth/me").await;
        assert_eq!(me.status(), 200, "used every second, at {second} s");
        if second == 2 {
            // Another reader's logout empties the session cache.
            let out = app.post_as(&other, "/api/v1/auth/logout", &json!({})).await;
            assert_eq!(out.status(), 204);
        }
    }
    tokio::time::sleep(idle + std::time::Duration::from_millis(300)).await;

    assert_problem(
        app.get_as(&reader, "/api/v1/auth/me").await,
        401,
        "unauthenticated",
    )
    .await;
}

#[tokio::test]
async fn display_names_pass_the_standards_policy() {
    let app = TestApp::spawn().await;
    let cases = [
        ("Fucker Kim", "banned_term", "a banned term"),
        ("ㅅ ㅂ 독자", "banned_term", "a disguised banned term"),
        (
            "멍청이 독자",
            "suspect_term",
            "a suspect term, which a comment would only hold",
        ),
        ("Kim 010-1234-5678", "phone_number", "a phone number"),
        ("kim@mail.example", "email_address", "an email address"),
        ("Visit https://spam.example", "link", "a link"),
    ];
    for (n, (name, rule, why)) in cases.into_iter().enumerate() {
        let response = app
            .register(&format!("name{n}@news.example"), name, PASSWORD)
            .await;
        assert_eq!(response.status(), 422, "{why}: {name:?}");
        let body = assert_problem(response, 422, "invalid_display_name").await;
        assert_eq!(body["violations"][0]["rule"], rule, "{why}: {body}");
        let message = body["violations"][0]["message"].as_str().unwrap();
        assert!(message.contains("name"), "{why}: {message}");
    }
    let fine = app
        .register("fine@news.example", "김독자 Kim", PASSWORD)
        .await;
    assert_eq!(fine.status(), 201);
}

#[tokio::test]
async fn names_that_look_like_a_staff_members_are_reserved() {
    let app = TestApp::spawn().await;
    app.staff_named(
        comment_desk::domain::accounts::Role::Moderator,
        "Night Desk",
    )
    .await;
    app.staff_named(comment_desk::domain::accounts::Role::Admin, "Mod")
        .await;
    let cases = [
        ("Night Desk", "the same name"),
        ("night desk", "another case"),
        ("N\u{0456}ght Desk", "a Cyrillic i"),
        ("Night\u{2063} Desk", "an invisible separator"),
        ("Nig\u{200D}ht Desk", "a zero-width joiner"),
        ("Mod\u{2063}", "an invisible separator at the end"),
        ("M\u{043E}d", "a Cyrillic o"),
        ("ＭＯＤ", "full-width letters"),
    ];
    for (n, (name, why)) in cases.into_iter().enumerate() {
        let response = app
            .register(&format!("fake{n}@news.example"), name, PASSWORD)
            .await;
        assert_eq!(response.status(), 422, "{why}: {name:?}");
        let body = assert_problem(response, 422, "invalid_display_name").await;
        assert_eq!(body["violations"][0]["rule"], "staff_name", "{why}: {body}");
    }
    for (n, name) in ["Night Desk Fan", "Modern", "밤 데스크"]
        .into_iter()
        .enumerate()
    {
        let response = app
            .register(&format!("real{n}@news.example"), name, PASSWORD)
            .await;
        assert_eq!(response.status(), 201, "{name:?} is its own name");
    }
}
