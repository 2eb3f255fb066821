//! Signing in with another account through the widget, against the real
//! OpenID provider: the whole page goes there and back on the API's own
//! origin, a popup does on a newsroom's page on another origin, and a
//! newsroom's SSO token signs its subscriber in with no click at all.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use comment_desk::config::{
    OAuth2Endpoints, ProfileShape, Protocol, ProviderConfig, Settings, SsoConfig, SsoKey,
};
use fantoccini::Locator;
use fantoccini::wd::WindowHandle;
use jsonwebtoken::{EncodingKey, Header};
use serde_json::json;

use crate::driver::Browser;
use crate::helpers::{DEMO_ARTICLE, TestApp};
use crate::provider::{ProviderClient, TestProvider, free_port};

const KAKAO_SECRET: &str = "the kakao client secret of the test";
const NAVER_SECRET: &str = "the naver client secret of the test";
const SSO_SECRET: &str = "the newsroom's SSO secret, 32 bytes or more";
const PATIENCE: Duration = Duration::from_secs(10);

/// Kakao as an OpenID provider and Naver as OAuth 2.0, both at the test
/// provider on `port`, in that order.
fn providers(settings: &mut Settings, port: u16) {
    let issuer = format!("http://127.0.0.1:{port}");
    settings.login.providers = vec![
        ProviderConfig {
            id: "kakao".into(),
            name: "카카오".into(),
            client_id: "kakao-client".into(),
            client_secret: KAKAO_SECRET.into(),
            protocol: Protocol::Oidc {
                issuer: issuer.clone(),
            },
        },
        ProviderConfig {
            id: "naver".into(),
            name: "네이버".into(),
            client_id: "naver-client".into(),
            client_secret: NAVER_SECRET.into(),
            protocol: Protocol::OAuth2(OAuth2Endpoints {
                authorize_url: format!("{issuer}/auth"),
                token_url: format!("{issuer}/token"),
                userinfo_url: format!("{issuer}/naver/v1/nid/me"),
                scopes: vec!["profile".into(), "email".into()],
                shape: ProfileShape::Naver,
                basic_auth: false,
            }),
        },
    ];
}

/// The provider on `port`, knowing the app's two callbacks; `None` skips.
async fn provider_for(app: &TestApp, port: u16) -> Option<TestProvider> {
    let kakao = ProviderClient::new(
        "kakao-client",
        KAKAO_SECRET,
        &app.url("/auth/kakao/callback"),
    );
    let mut naver = ProviderClient::new(
        "naver-client",
        NAVER_SECRET,
        &app.url("/auth/naver/callback"),
    );
    naver.token_endpoint_auth_method = Some("client_secret_post".into());
    TestProvider::start_on(port, &[kakao, naver]).await
}

/// A newsroom's article page on another origin (`localhost`, another site
/// than the app's `127.0.0.1`), served by its own server.
struct HostPage {
    origin: String,
    listener: TcpListener,
}

impl HostPage {
    /// Reserves the page's port first: the app must allow its origin.
    fn reserve() -> HostPage {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port for the host page");
        let port = listener.local_addr().expect("its address").port();
        HostPage {
            origin: format!("http://localhost:{port}"),
            listener,
        }
    }

    /// Serves the page with the mount element (`extra` attributes on it) and
    /// the app's script, under a strict policy of its own; returns its URL.
    fn serve(self, app: &TestApp, lang: &str, extra: &str) -> String {
        let api = &app.address;
        let html = format!(
            "<!doctype html>\n<html lang=\"{lang}\">\n<head><meta charset=\"utf-8\">\
             <title>The Newsroom</title></head>\n<body>\n<h1>An editorial</h1>\n\
             <div id=\"comments\" data-article-id=\"{DEMO_ARTICLE}\" {extra}></div>\n\
             <script src=\"{api}/embed.js\"></script>\n</body>\n</html>\n"
        );
        let csp = format!(
            "default-src 'none'; script-src {api}; connect-src {api}; style-src 'self'; base-uri 'none'"
        );
        let server = HttpServer::new(move || {
            let (html, csp) = (html.clone(), csp.clone());
            App::new().default_service(web::to(move || {
                let (html, csp) = (html.clone(), csp.clone());
                async move {
                    HttpResponse::Ok()
                        .content_type("text/html; charset=utf-8")
                        .insert_header(("content-security-policy", csp))
                        .body(html)
                }
            }))
        })
        .workers(1)
        .listen(self.listener)
        .expect("serve the host page")
        .run();
        tokio::spawn(server);
        format!("{}/editorial", self.origin)
    }
}

impl Browser {
    async fn goto_widget(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        self.wait_for(
            "the widget to set data-ready=\"true\"",
            "return host && host.getAttribute('data-ready') === 'true';",
        )
        .await;
    }

    /// The provider buttons: label, id, background and text colour.
    async fn provider_buttons(&self) -> serde_json::Value {
        self.js(
            "return [...root.querySelectorAll('[data-cd=provider]')].map((b) => { \
               const style = getComputedStyle(b); \
               return { label: b.textContent, provider: b.getAttribute('data-provider'), \
                 background: style.backgroundColor, color: style.color }; });",
            vec![],
        )
        .await
    }

    async fn click_provider(&self, id: &str) {
        let host = self.client.find(Locator::Css("#comments")).await.unwrap();
        let root = host.shadow_root().await.unwrap();
        root.find(Locator::Css(&format!(
            "[data-cd=provider][data-provider={id}]"
        )))
        .await
        .unwrap_or_else(|e| panic!("no button for {id}: {e}"))
        .click()
        .await
        .unwrap();
    }

    /// Fills the provider's login page and allows the consent, as a reader would.
    async fn sign_in_at_provider(&self, login: &str, name: &str) {
        let wait = || self.client.wait().at_most(PATIENCE);
        wait()
            .for_element(Locator::Css("#login"))
            .await
            .expect("the provider's login page")
            .send_keys(login)
            .await
            .unwrap();
        let field = self.client.find(Locator::Css("#name")).await.unwrap();
        field.send_keys(name).await.unwrap();
        self.client
            .find(Locator::Css("#sign-in"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait()
            .for_element(Locator::Css("#allow"))
            .await
            .expect("the provider's consent page")
            .click()
            .await
            .unwrap();
    }

    async fn wait_for_me(&self, name: &str) {
        self.wait_for_with(
            &format!("[data-cd=me] to show {name:?}"),
            "return !!cd('me') && cd('me').textContent === arguments[0];",
            vec![json!(name)],
        )
        .await;
    }

    /// Waits until the browser has `count` windows, and returns them.
    async fn wait_for_windows(&self, count: usize) -> Vec<WindowHandle> {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let windows = self.client.windows().await.expect("the window handles");
            if windows.len() == count {
                return windows;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "waited {PATIENCE:?} for {count} windows, there are {}",
                windows.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test]
async fn on_the_apis_own_page_the_reader_signs_in_with_kakao_and_posts() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let port = free_port();
    let app = TestApp::spawn_with(|settings| {
        providers(settings, port);
        settings.login.local_login = false;
    })
    .await;
    let Some(_provider) = provider_for(&app, port).await else {
        return;
    };
    browser.open_article(&app, "").await;

    let buttons = browser.provider_buttons().await;
    assert_eq!(
        buttons,
        json!([
            { "label": "카카오로 로그인", "provider": "kakao",
              "background": "rgb(254, 229, 0)", "color": "rgb(0, 0, 0)" },
            { "label": "네이버로 로그인", "provider": "naver",
              "background": "rgb(3, 199, 90)", "color": "rgb(255, 255, 255)" },
        ]),
        "the buttons in the configured order, in the brand colours"
    );
    assert!(
        browser.text_of("login-form").await.is_none(),
        "LOCAL_LOGIN is off: no email form; the widget shows:\n{}",
        browser.snapshot().await
    );

    browser.click_provider("kakao").await;
    browser.sign_in_at_provider("kim.kakao", "김카카오").await;
    browser
        .wait_for(
            "the page to come back to the article",
            "return location.pathname.startsWith('/editorials/') \
             && !!host && host.getAttribute('data-ready') === 'true';",
        )
        .await;
    browser.wait_for_me("김카카오").await;
    let url = browser.client.current_url().await.unwrap();
    assert_eq!(
        url.as_str(),
        app.url(&format!("/editorials/{DEMO_ARTICLE}")),
        "back where the reader was"
    );

    let text = "카카오 계정으로 쓴 댓글입니다.";
    browser.post_through_ui(text).await;
    let first = browser.wait_for_first_comment(text).await;
    assert_eq!(first.author, "김카카오");
    assert_eq!(first.status, "published");
}

#[tokio::test]
async fn on_a_newsroom_page_elsewhere_a_popup_signs_the_reader_in() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let port = free_port();
    let page = HostPage::reserve();
    let origin = page.origin.clone();
    let app = TestApp::spawn_with(|settings| {
        providers(settings, port);
        settings.allowed_origins = vec![origin];
    })
    .await;
    let Some(_provider) = provider_for(&app, port).await else {
        return;
    };
    let url = page.serve(&app, "en", "");
    browser.goto_widget(&url).await;
    let labels = browser.provider_buttons().await;
    assert_eq!(labels[0]["label"], "Sign in with 카카오", "{labels}");
    assert!(
        browser.text_of("login-form").await.is_some(),
        "LOCAL_LOGIN on"
    );

    let page_window = browser.client.window().await.unwrap();
    browser.click_provider("kakao").await;
    let windows = browser.wait_for_windows(2).await;

    // A message from anyone but the popup is ignored, even with a real token.
    let stranger = app.reader().await;
    browser
        .js(
            "window.postMessage({ type: 'comment-desk:signed-in', token: arguments[0] }, '*');",
            vec![json!(stranger.token)],
        )
        .await;

    let popup = windows
        .into_iter()
        .find(|w| *w != page_window)
        .expect("the popup");
    browser.client.switch_to_window(popup).await.unwrap();
    browser.sign_in_at_provider("lee.popup", "이팝업").await;
    browser.wait_for_windows(1).await;
    browser.client.switch_to_window(page_window).await.unwrap();

    browser.wait_for_me("이팝업").await;
    let current = browser.client.current_url().await.unwrap();
    assert_eq!(current.as_str(), url, "the reader never left the page");
    let kept = browser
        .js(
            "return sessionStorage.getItem('comment-desk-token:' + arguments[0]);",
            vec![json!(app.address)],
        )
        .await;
    assert!(
        kept.as_str()
            .is_some_and(|t| !t.is_empty() && t != stranger.token),
        "the popup's token is kept for the API: {kept}"
    );

    let text = "Posted from a page on another site.";
    browser.post_through_ui(text).await;
    let first = browser.wait_for_first_comment(text).await;
    assert_eq!(first.author, "이팝업");
    let listed = app
        .list(&format!("/api/v1/articles/{DEMO_ARTICLE}/comments"))
        .await;
    assert_eq!(listed["comments"][0]["body"], text, "{listed}");
}

/// An HS256 token the newsroom signs for `sub`, as its own servers would.
fn sso_token(sub: &str, name: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = json!({
        "sub": sub, "name": name, "iat": now, "exp": now + 300,
        "jti": uuid::Uuid::new_v4().to_string(),
    });
    jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(SSO_SECRET.as_bytes()).expect("an HS256 key"),
    )
    .expect("sign the SSO token")
}

#[tokio::test]
async fn a_newsroom_signs_its_subscriber_in_with_an_sso_token() {
    let Some(browser) = Browser::launch().await else {
        return;
    };
    let page = HostPage::reserve();
    let origin = page.origin.clone();
    let app = TestApp::spawn_with(|settings| {
        settings.allowed_origins = vec![origin];
        settings.login.sso = Some(SsoConfig {
            key: SsoKey::Secret(SSO_SECRET.into()),
            issuer: None,
            audience: None,
        });
    })
    .await;
    let token = sso_token("subscriber-1", "구독자 한명");
    let url = page.serve(&app, "ko", &format!("data-sso-token=\"{token}\""));
    browser.goto_widget(&url).await;
    browser.wait_for_me("구독자 한명").await;

    let text = "구독자로서 남기는 댓글입니다.";
    browser.post_through_ui(text).await;
    assert_eq!(
        browser.wait_for_first_comment(text).await.author,
        "구독자 한명"
    );

    // The newsroom's page signs another subscriber in later, by the global.
    let signed_in = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             window.commentDesk.login(arguments[0]).then(done, (e) => done(String(e)));",
            vec![json!(sso_token("subscriber-2", "구독자 두명"))],
        )
        .await
        .unwrap();
    assert_eq!(signed_in, json!(true));
    browser.wait_for_me("구독자 두명").await;
}
