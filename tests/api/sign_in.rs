//! Sign-in through a provider (issue 14), end to end: the real server, the
//! real OpenID provider of `provider.rs`, and a browser made of an HTTP
//! client with its own cookie jar. Every step is a real request.

use std::collections::HashMap;
use std::sync::Arc;

use comment_desk::config::{Protocol, ProviderConfig, Settings};
use comment_desk::domain::policy::FloodLimit;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{ACCEPT, LOCATION};
use reqwest::{Client, Response, Url};
use serde_json::{Value, json};

use crate::helpers::{DEMO_ARTICLE, PASSWORD, TestApp, assert_problem, json_body};
use crate::provider::{self, ProviderClient, ProviderLogin, Tamper, TestProvider};

/// The OpenID provider the tests sign in with most.
const CAMPUS: &str = "campus";
/// A second OpenID provider, the same process under another client.
const OTHER: &str = "other";
/// The Naver-shaped OAuth 2.0 provider.
const NAVER: &str = "naver";
const SECRET: &str = "a client secret of the sign-in tests";

/// The app and the provider it trusts, started for one test.
struct Setup {
    app: TestApp,
    provider: TestProvider,
}

/// The provider on a reserved port, the app configured with it, then the
/// provider started with the app's redirect URIs; `None` when the provider
/// cannot run here (skipped with a note, except under CI).
async fn setup(configure: impl FnOnce(&mut Settings)) -> Option<Setup> {
    if !provider::installed() {
        return None;
    }
    let port = provider::free_port();
    let issuer = format!("http://127.0.0.1:{port}");
    let app = TestApp::spawn_with(|settings| {
        settings.login.providers = vec![
            oidc(CAMPUS, "Campus", &issuer),
            oidc(OTHER, "Other", &issuer),
            naver(&issuer),
        ];
        configure(settings);
    })
    .await;
    let clients: Vec<ProviderClient> = [CAMPUS, OTHER, NAVER]
        .iter()
        .map(|id| {
            let redirect_uri = app.url(&format!("/auth/{id}/callback"));
            let mut client = ProviderClient::new(id, SECRET, &redirect_uri);
            if *id == NAVER {
                client.token_endpoint_auth_method = Some("client_secret_post".into());
            }
            client
        })
        .collect();
    let provider = TestProvider::start_on(port, &clients).await?;
    Some(Setup { app, provider })
}

fn oidc(id: &str, name: &str, issuer: &str) -> ProviderConfig {
    ProviderConfig {
        id: id.into(),
        name: name.into(),
        client_id: id.into(),
        client_secret: SECRET.into(),
        protocol: Protocol::Oidc {
            issuer: issuer.into(),
        },
    }
}

/// The known `naver` id, read from the environment as a newsroom sets it,
/// with its endpoints moved to the test provider.
fn naver(issuer: &str) -> ProviderConfig {
    let vars: HashMap<&str, String> = HashMap::from([
        ("LOGIN_PROVIDERS", NAVER.to_owned()),
        ("LOGIN_NAVER_CLIENT_ID", NAVER.to_owned()),
        ("LOGIN_NAVER_CLIENT_SECRET", SECRET.to_owned()),
        ("LOGIN_NAVER_AUTHORIZE_URL", format!("{issuer}/auth")),
        ("LOGIN_NAVER_TOKEN_URL", format!("{issuer}/token")),
        (
            "LOGIN_NAVER_USERINFO_URL",
            format!("{issuer}/naver/v1/nid/me"),
        ),
    ]);
    let settings = Settings::from_lookup(|name| vars.get(name).cloned()).expect("naver settings");
    let mut naver = settings.login.providers.into_iter().next().expect("naver");
    // Naver asks for no scope; the test provider grants nothing without one.
    if let Protocol::OAuth2(endpoints) = &mut naver.protocol {
        endpoints.scopes = vec!["profile".into()];
    }
    naver
}

/// One browser profile: its own cookies for the app, no redirects followed.
/// The provider's pages get a client of their own: the harness keeps the
/// provider's cookies per sign-in, as a fresh profile there, so each sign-in
/// logs in as the login it names (cookies do not tell ports apart).
struct Browser {
    client: Client,
    jar: Arc<Jar>,
    at_provider: Client,
}

impl Browser {
    fn new() -> Browser {
        let jar = Arc::new(Jar::default());
        let client = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_provider(jar.clone())
            .build()
            .expect("a client");
        let at_provider = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client");
        Browser {
            client,
            jar,
            at_provider,
        }
    }

    async fn get(&self, url: &str) -> Response {
        self.client.get(url).send().await.expect("GET")
    }

    /// `GET /auth/{provider}/start?return_to=…`, as the sign-in button does.
    async fn start(&self, setup: &Setup, provider: &str, return_to: &str) -> Response {
        let mut url = Url::parse(&setup.app.url(&format!("/auth/{provider}/start"))).unwrap();
        url.query_pairs_mut().append_pair("return_to", return_to);
        self.get(url.as_str()).await
    }

    /// Starts, and returns the provider's authorization URL.
    async fn authorize_url(&self, setup: &Setup, provider: &str) -> String {
        let response = self.start(setup, provider, &return_to(setup)).await;
        assert_eq!(response.status(), 302, "start at {provider}");
        location(&response)
    }

    /// Signs in at the provider as `login` and returns the callback URL.
    async fn at_provider(&self, setup: &Setup, provider: &str, login: &str) -> Url {
        let authorize_url = self.authorize_url(setup, provider).await;
        setup
            .provider
            .sign_in(&self.at_provider, &authorize_url, login, None)
            .await
    }

    /// The whole sign-in; asserts it lands on `return_to` and returns `/auth/me`'s user.
    async fn sign_in(&self, setup: &Setup, provider: &str, login: &ProviderLogin<'_>) -> Value {
        let authorize_url = self.authorize_url(setup, provider).await;
        let callback = setup
            .provider
            .sign_in_as(&self.at_provider, &authorize_url, login)
            .await;
        let response = self.get(callback.as_str()).await;
        assert_eq!(
            response.status(),
            302,
            "callback of {}: {callback}",
            login.login
        );
        assert_eq!(location(&response), return_to(setup));
        self.me(setup).await
    }

    /// `GET /api/v1/auth/me` with the session cookie; asserts 200.
    async fn me(&self, setup: &Setup) -> Value {
        let response = self.get(&setup.app.url("/api/v1/auth/me")).await;
        assert_eq!(response.status(), 200, "the session cookie signs in");
        json_body(response).await["user"].clone()
    }

    /// The browser-binding cookie the start set, as `name=value`.
    fn login_cookie(&self, setup: &Setup) -> Option<String> {
        self.cookie(setup, "comment_desk_login")
    }

    fn cookie(&self, setup: &Setup, name: &str) -> Option<String> {
        let url = Url::parse(&setup.app.address).unwrap();
        let cookies = self.jar.cookies(&url)?;
        let cookies = cookies.to_str().ok()?.to_owned();
        let prefix = format!("{name}=");
        cookies
            .split("; ")
            .find(|cookie| cookie.starts_with(&prefix))
            .map(str::to_owned)
    }

    /// Another browser that carries this cookie (`name=value`).
    fn with_cookie(setup: &Setup, cookie: &str) -> Browser {
        let browser = Browser::new();
        let url = Url::parse(&setup.app.address).unwrap();
        browser.jar.add_cookie_str(cookie, &url);
        browser
    }

    fn has_session(&self, setup: &Setup) -> bool {
        self.cookie(setup, "comment_desk_session").is_some()
    }

    /// A JSON request from the app's own page: cookie plus `Origin`.
    async fn send_json(
        &self,
        setup: &Setup,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Response {
        let mut request = self
            .client
            .request(method, setup.app.url(path))
            .header("origin", &setup.app.address);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request")
    }
}

fn return_to(setup: &Setup) -> String {
    setup.app.url(&format!("/editorials/{DEMO_ARTICLE}"))
}

fn location(response: &Response) -> String {
    response
        .headers()
        .get(LOCATION)
        .and_then(|value| value.to_str().ok())
        .expect("a Location")
        .to_owned()
}

fn query(url: &str, name: &str) -> Option<String> {
    Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

fn login(login: &str) -> ProviderLogin<'_> {
    ProviderLogin {
        login,
        name: None,
        email_verified: false,
    }
}

/// Asserts the browser page of a failed sign-in: 400, HTML, the code on it.
async fn assert_failed_page(response: Response, code: &str) {
    assert_eq!(response.status(), 400, "status for {code}");
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let html = response.text().await.unwrap();
    assert!(html.contains(&format!(r#"data-code="{code}""#)), "{html}");
}

// ---- 1. OpenID Connect ----

#[tokio::test]
async fn start_sends_the_browser_to_the_provider_with_pkce_state_and_nonce() {
    let Some(setup) = setup(|_| {}).await else {
        return;
    };
    let browser = Browser::new();
    let response = browser.start(&setup, CAMPUS, &return_to(&setup)).await;
    assert_eq!(response.status(), 302);
    let authorize_url = location(&response);
    assert!(
        authorize_url.starts_with(&format!("{}/auth?", setup.provider.issuer())),
        "{authorize_url}"
    );
    assert_eq!(
        query(&authorize_url, "code_challenge_method").as_deref(),
        Some("S256")
    );
    for name in ["state", "nonce", "code_challenge"] {
        let value = query(&authorize_url, name).unwrap_or_default();
        assert!(value.len() >= 32, "{name} is {value:?}");
    }
    let cookies = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().to_owned())
        .collect::<Vec<_>>();
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("comment_desk_login=") && c.contains("HttpOnly")),
        "{cookies:?}"
    );
}

#[tokio::test]
async fn an_openid_sign_in_makes_an_account_with_the_providers_name() {
    let Some(setup) = setup(|_| {}).await else {
        return;
    };
    let browser = Browser::new();
    let person = ProviderLogin {
        name: Some("김캠퍼스"),
        ..login("kim")
    };
    let user = browser.sign_in(&setup, CAMPUS, &person).await;
    assert_eq!(user["display_name"], "김캠퍼스");
    assert_eq!(user["role"], "reader");
    assert!(browser.has_session(&setup));
}

#[tokio::test]
async fn the_same_login_finds_the_same_account_again() {
    let Some(setup) = setup(|_| {}).await else {
        return;
    };
    let first = Browser::new().sign_in(&setup, CAMPUS, &login("lee")).await;
    let again = Browser::new().sign_in(&setup, CAMPUS, &login("lee")).await;
    let someone_else = Browser::new().sign_in(&setup, CAMPUS, &login("park")).await;
    assert_eq!(first["id"], again["id"]);
    assert_ne!(first["id"], someone_else["id"]);
}

#[tokio::test]
async fn the_email_is_kept_only_when_the_provider_verified_it() {
    let Some(setup) = setup(|_| {}).await else {
        return;
    };
    let unverified = Browser::new().sign_in(&setup, CAMPUS, &login("choi")).await;
    assert_eq!(unverified["email"], Value::Null, "{unverified}");
    let person = ProviderLogin {
        email_verified: true,
        ..login("jung")
    };
    let verified = Browser::new().sign_in(&setup, CAMPUS, &person).await;
    assert_eq!(verified["email"], "jung@example.test", "{verified}");
}

#[tokio::test]
async fn a_provider_session_can_post_a_comment() {
    let Some(setup) = setup(|_| {}).await else {
        return;
    };
    let browser = Browser::new();
    let user = browser.sign_in(&setup, CAMPUS, &login("han")).await;
    let path = format!("/api/v1/articles/{DEMO_ARTICLE}/comments");
    let body = json!({"body": "외부 계정으로 쓴 댓글입니다"});
    let response = browser
        .send_json(&setup, reqwest::Method::POST, &path, Some(body))
        .await;
    assert_eq!(response.status(), 201);
    let comment = json_body(response).await["comment"].clone();
    assert_eq!(comment["author"]["id"], user["id"]);
    assert_eq!(comment["author"]["display_name"], "Han");
}

// ---- 2. OAuth 2.0, Naver's shape ----

#[tokio::test]
async fn a_naver_shaped_sign_in_shows_the_nickname() {
    let Some(setup) = setup(|_| {}).await else {
        return;
    };
    let browser = Browser::new();
    let authorize_url = browser.authorize_url(&setup, NAVER).await;
    assert_eq!(
        query(&authorize_url, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert_eq!(
        query(&authorize_url, "nonce"),
        None,
        "OAuth 2.0 has no nonce"
    );
    let person = ProviderLogin {
        name: Some("네이버독자"),
        ..login("naver-reader")
    };
    let user = browser.sign_in(&setup, NAVER, &person).await;
    assert_eq!(user["display_name"], "네이버독자");
    let identities = browser.get(&setup.app.url("/api/v1/auth/identities")).await;
    let identities = json_body(identities).await;
    assert_eq!(identities["identities"][0]["provider"], NAVER);
}

// ---- 3. Failures: each a 400 login_failed and no session ----

/// Asserts a failed callback: the HTML page by default, problem+json when
/// the client asks for JSON, and no session in the browser either way.
async fn assert_login_failed(setup: &Setup, browser: &Browser, callback: &Url) {
    let json = browser
        .client
        .get(callback.as_str())
        .header(ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    assert_problem(json, 400, "login_failed").await;
    assert!(
        !browser.has_session(setup),
        "a failed sign-in left a session"
    );
}

#[tokio::test]
async fn a_replayed_callback_fails_even_with_the_login_cookie() {
    let Some(setup) = setup(|_| {}).await else {
        return;
    };
    let browser = Browser::new();
    let callback = browser.at_provider(&setup, CAMPUS, "kang").await;
    let cookie = browser.login_cookie(&setup).expect("the login cookie");
    assert_eq!(browser.get(callback.as_str()).await.status(), 302);
    let replay = Browser::with_cookie(&setup, &cookie);
    let response = replay.get(callback.as_str()).await;
    assert_failed_page(response, "login_failed").await;
    assert!(!replay.has_session(&setup));
    assert_login_failed(&setup, &Browser::with_cookie(&setup, &cookie), &callback).await;
}

#[tokio::test]
async fn a_forged_state_fails() {
    let Some(setup) = setup(|_| {}).await else {
        return;
    };
    let browser = Browser::new();
    let mut callback = browser.at_provider(&setup, CAMPUS, "yoon").await;
    let code = query(callback.as_str(), "code").expect("a code");
    callback
        .query_pairs_mut()
        .clear()
        .append_pair("code", &code)
        .append_pair("state", "a-state-we-never-gave-out");
    assert_login_failed(&setup, &browser, &callback).await;
    assert_failed_page(browser.get(callback.as_str()).await, "login_failed").await;
}

#[tokio::test]
async fn a_callback_in_another_browser_fails() {
    let Some(setup) = setup(|_| {}).await else {
        return;
    };
    let callback = Browser::new().at_provider(&setup, CAMPUS, "jang").await;
    let other = Browser::new();
    assert_login_failed(&setup, &other, &callback).await;
}

#[tokio::test]
async fn a_callback_with_a_wrong_login_cookie_fails() {
    let Some(setup) = setup(|_| {}).await else {
        return;
    };
    let callback = Browser::new().at_provider(&setup, CAMPUS, "lim").await;
    let other = Browser::with_cookie(&setup, "comment_desk_login=not-the-secret");
    assert_login_failed(&setup, &other, &callback).await;
}

#[tokio::test]
async fn the_state_of_one_provider_fails_at_another() {
    let Some(setup) = setup(|_| {}).await else {
        return;
    };
    let browser = Browser::new();
    let callback = browser.at_provider(&setup, CAMPUS, "shin").await;
    let mut elsewhere = callback.clone();
    elsewhere.set_path(&format!("/auth/{OTHER}/callback"));
    assert_login_failed(&setup, &browser, &elsewhere).await;
}

#[tokio::test]
async fn tampered_id_tokens_fail() {
    let Some(setup) = setup(|_| {}).await else {
        return;
    };
    let cases = [
        Tamper::WrongNonce,
        Tamper::Expired,
        Tamper::WrongAudience,
        Tamper::WrongIssuer,
        Tamper::AlgNone,
        Tamper::ForeignKey,
        Tamper::Hs256,
    ];
    for tamper in cases {
        setup.provider.tamper(tamper).await;
        let browser = Browser::new();
        let callback = browser.at_provider(&setup, CAMPUS, "seo").await;
        let response = browser
            .client
            .get(callback.as_str())
            .header(ACCEPT, "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{tamper:?} was accepted");
        assert_problem(response, 400, "login_failed").await;
        assert!(!browser.has_session(&setup), "{tamper:?} left a session");
    }
    // The same sign-in with honest tokens works: the failures were the tampering.
    setup.provider.tamper(Tamper::Off).await;
    Browser::new().sign_in(&setup, CAMPUS, &login("seo")).await;
}

#[tokio::test]
async fn a_denied_consent_fails() {
    let Some(setup) = setup(|_| {}).await else {
        return;
    };
    let browser = Browser::new();
    let authorize_url = browser.authorize_url(&setup, CAMPUS).await;
    let callback = setup
        .provider
        .deny(&browser.at_provider, &authorize_url, "oh")
        .await;
    assert_eq!(
        query(callback.as_str(), "error").as_deref(),
        Some("access_denied")
    );
    let response = browser.get(callback.as_str()).await;
    assert_failed_page(response, "login_failed").await;
    assert!(!browser.has_session(&setup));
}

#[tokio::test]
async fn return_to_must_be_this_site_or_an_allowed_origin() {
    let allowed = "https://www.news.example";
    let Some(setup) = setup(|s| s.allowed_origins = vec![allowed.into()]).await else {
        return;
    };
    let browser = Browser::new();
    let cases = [
        "https://evil.example/editorials/x",
        "https://www.news.example.evil.example/",
        "//evil.example/",
        "/editorials/relative",
        "javascript:alert(1)",
    ];
    for foreign in cases {
        let response = browser.start(&setup, CAMPUS, foreign).await;
        assert_failed_page(response, "invalid_return_to").await;
    }
    let response = browser
        .start(&setup, CAMPUS, &format!("{allowed}/2024/06/editorial"))
        .await;
    assert_eq!(response.status(), 302, "an ALLOWED_ORIGINS page");
    let authorize_url = location(&response);
    let callback = setup
        .provider
        .sign_in(&browser.at_provider, &authorize_url, "baek", None)
        .await;
    let response = browser.get(callback.as_str()).await;
    assert_eq!(response.status(), 302);
    assert_eq!(location(&response), format!("{allowed}/2024/06/editorial"));
}

#[tokio::test]
async fn an_invalid_return_to_answers_json_to_a_json_client() {
    let Some(setup) = setup(|_| {}).await else {
        return;
    };
    let url = setup
        .app
        .url("/auth/campus/start?return_to=https%3A%2F%2Fevil.example%2F");
    let response = Browser::new()
        .client
        .get(url)
        .header(ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    assert_problem(response, 400, "invalid_return_to").await;
}

#[tokio::test]
async fn an_unknown_provider_is_404() {
    let Some(setup) = setup(|_| {}).await else {
        return;
    };
    let browser = Browser::new();
    let response = browser.start(&setup, "myspace", &return_to(&setup)).await;
    assert_eq!(response.status(), 404);
    let callback = setup.app.url("/auth/myspace/callback?code=c&state=s");
    let response = browser
        .client
        .get(callback)
        .header(ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    assert_problem(response, 404, "unknown_provider").await;
}

// ---- 4. Key rotation ----

#[tokio::test]
async fn a_rotated_provider_key_is_fetched_again() {
    let Some(mut setup) = setup(|_| {}).await else {
        return;
    };
    let before = Browser::new().sign_in(&setup, CAMPUS, &login("moon")).await;
    setup.provider.restart_with_new_key().await;
    let after = Browser::new().sign_in(&setup, CAMPUS, &login("moon")).await;
    assert_eq!(before["id"], after["id"]);
}

// ---- 5. Names ----

#[tokio::test]
async fn a_refused_name_becomes_a_generated_one_that_the_reader_can_change() {
    let Some(setup) = setup(|_| {}).await else {
        return;
    };
    let browser = Browser::new();
    let person = ProviderLogin {
        name: Some("씨발놈"),
        ..login("rude")
    };
    let user = browser.sign_in(&setup, CAMPUS, &person).await;
    let name = user["display_name"].as_str().unwrap().to_owned();
    let digits = name
        .strip_prefix("독자")
        .unwrap_or_else(|| panic!("{name}"));
    assert!(
        digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit()),
        "{name}"
    );
    let rename = |name: &str| {
        browser.send_json(
            &setup,
            reqwest::Method::PATCH,
            "/api/v1/auth/me",
            Some(json!({"display_name": name})),
        )
    };
    assert_problem(rename("씨발놈").await, 422, "invalid_display_name").await;
    let response = rename("새이름").await;
    assert_eq!(response.status(), 200);
    assert_eq!(json_body(response).await["user"]["display_name"], "새이름");
    assert_eq!(browser.me(&setup).await["display_name"], "새이름");
}

// ---- 6. Identities ----

async fn identities(setup: &Setup, browser: &Browser) -> Vec<Value> {
    let response = browser.get(&setup.app.url("/api/v1/auth/identities")).await;
    assert_eq!(response.status(), 200);
    json_body(response).await["identities"]
        .as_array()
        .expect("identities")
        .clone()
}

/// `POST /auth/identities/{provider}/link`, then the start URL it gives.
async fn link(setup: &Setup, browser: &Browser, provider: &str, login: &str) -> Response {
    let path = format!("/api/v1/auth/identities/{provider}/link");
    let response = browser
        .send_json(setup, reqwest::Method::POST, &path, None)
        .await;
    assert_eq!(response.status(), 200, "link {provider}");
    let start_url = json_body(response).await["start_url"]
        .as_str()
        .expect("start_url")
        .to_owned();
    let mut url = Url::parse(&start_url).expect("an absolute start_url");
    url.query_pairs_mut()
        .append_pair("return_to", &return_to(setup));
    let response = browser.get(url.as_str()).await;
    assert_eq!(response.status(), 302, "start of the link");
    let callback = setup
        .provider
        .sign_in(&browser.at_provider, &location(&response), login, None)
        .await;
    browser
        .client
        .get(callback.as_str())
        .header(ACCEPT, "application/json")
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn identities_list_a_masked_subject() {
    let Some(setup) = setup(|_| {}).await else {
        return;
    };
    let browser = Browser::new();
    browser
        .sign_in(&setup, CAMPUS, &login("subject-1234567"))
        .await;
    let list = identities(&setup, &browser).await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["provider"], CAMPUS);
    let hint = list[0]["subject_hint"].as_str().unwrap();
    assert!(!hint.contains("subject-1234567"), "{hint}");
    assert!(hint.contains("***"), "{hint}");
    let linked_at = list[0]["linked_at"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(linked_at).is_ok(),
        "{linked_at}"
    );
}

#[tokio::test]
async fn the_only_way_in_cannot_be_unlinked() {
    let Some(setup) = setup(|_| {}).await else {
        return;
    };
    let browser = Browser::new();
    browser.sign_in(&setup, CAMPUS, &login("only")).await;
    let path = format!("/api/v1/auth/identities/{CAMPUS}");
    let response = browser
        .send_json(&setup, reqwest::Method::DELETE, &path, None)
        .await;
    assert_problem(response, 409, "last_sign_in_method").await;
    assert_eq!(identities(&setup, &browser).await.len(), 1);
}

#[tokio::test]
async fn a_second_provider_is_linked_and_then_the_first_unlinked() {
    let Some(setup) = setup(|_| {}).await else {
        return;
    };
    let browser = Browser::new();
    let user = browser.sign_in(&setup, CAMPUS, &login("two-ways")).await;
    let response = link(&setup, &browser, NAVER, "two-ways-naver").await;
    assert_eq!(response.status(), 302, "the link's callback");
    let providers: Vec<Value> = identities(&setup, &browser)
        .await
        .iter()
        .map(|identity| identity["provider"].clone())
        .collect();
    assert_eq!(providers.len(), 2, "{providers:?}");
    assert!(providers.contains(&json!(NAVER)), "{providers:?}");
    let path = format!("/api/v1/auth/identities/{CAMPUS}");
    let response = browser
        .send_json(&setup, reqwest::Method::DELETE, &path, None)
        .await;
    assert_eq!(response.status(), 204);
    // Naver now finds the same account; the campus login makes a new one.
    let by_naver = Browser::new()
        .sign_in(&setup, NAVER, &login("two-ways-naver"))
        .await;
    assert_eq!(by_naver["id"], user["id"]);
    let by_campus = Browser::new()
        .sign_in(&setup, CAMPUS, &login("two-ways"))
        .await;
    assert_ne!(by_campus["id"], user["id"]);
}

#[tokio::test]
async fn an_identity_of_another_account_cannot_be_linked() {
    let Some(setup) = setup(|_| {}).await else {
        return;
    };
    let owner = Browser::new();
    let owner_user = owner.sign_in(&setup, NAVER, &login("taken")).await;
    let browser = Browser::new();
    let user = browser.sign_in(&setup, CAMPUS, &login("taker")).await;
    let response = link(&setup, &browser, NAVER, "taken").await;
    assert_problem(response, 409, "identity_in_use").await;
    assert_eq!(identities(&setup, &browser).await.len(), 1);
    // Neither account changed hands: each login still finds its own.
    let again = Browser::new().sign_in(&setup, NAVER, &login("taken")).await;
    assert_eq!(again["id"], owner_user["id"]);
    assert_ne!(again["id"], user["id"]);
}

#[tokio::test]
async fn a_link_ticket_works_once() {
    let Some(setup) = setup(|_| {}).await else {
        return;
    };
    let browser = Browser::new();
    browser.sign_in(&setup, CAMPUS, &login("ticket")).await;
    let path = format!("/api/v1/auth/identities/{NAVER}/link");
    let response = browser
        .send_json(&setup, reqwest::Method::POST, &path, None)
        .await;
    let start_url = json_body(response).await["start_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut url = Url::parse(&start_url).unwrap();
    url.query_pairs_mut()
        .append_pair("return_to", &return_to(&setup));
    assert_eq!(browser.get(url.as_str()).await.status(), 302, "first use");
    let again = browser.get(url.as_str()).await;
    assert_failed_page(again, "login_failed").await;
}

// ---- 7. LOCAL_LOGIN off ----

#[tokio::test]
async fn with_local_login_off_only_providers_sign_in() {
    let Some(setup) = setup(|s| s.login.local_login = false).await else {
        return;
    };
    let app = &setup.app;
    let response = app.register("kim@news.example", "김독자", PASSWORD).await;
    assert_problem(response, 403, "local_login_off").await;
    let response = app.login("kim@news.example", PASSWORD).await;
    assert_problem(response, 403, "local_login_off").await;
    let providers = json_body(app.get("/api/v1/auth/providers").await).await;
    assert_eq!(providers["local_login"], false, "{providers}");
    let ids: Vec<&str> = providers["providers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [CAMPUS, OTHER, NAVER]);
    Browser::new()
        .sign_in(&setup, CAMPUS, &login("no-password"))
        .await;
}

#[tokio::test]
async fn the_provider_list_says_local_login_is_on_by_default() {
    let Some(setup) = setup(|_| {}).await else {
        return;
    };
    let providers = json_body(setup.app.get("/api/v1/auth/providers").await).await;
    assert_eq!(providers["local_login"], true);
    assert_eq!(
        providers["providers"][2],
        json!({"id": NAVER, "name": "네이버", "kind": "oauth2"})
    );
    assert_eq!(providers["providers"][0]["kind"], "oidc");
}

// ---- 8. The sign-in limit ----

#[tokio::test]
async fn too_many_starts_from_one_address_are_refused() {
    let limit = 3;
    let Some(setup) = setup(|s| {
        s.rate_limits = true;
        s.sign_in_limit = FloodLimit {
            count: limit,
            per: std::time::Duration::from_secs(3600),
        };
    })
    .await
    else {
        return;
    };
    let browser = Browser::new();
    for n in 1..=limit {
        let response = browser.start(&setup, CAMPUS, &return_to(&setup)).await;
        assert_eq!(response.status(), 302, "start {n} of {limit}");
    }
    let response = browser
        .client
        .get(setup.app.url("/auth/campus/start?return_to=x"))
        .header(ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    assert!(response.headers().contains_key("retry-after"));
    assert_problem(response, 429, "too_many_attempts").await;
}
