//! `TestProvider`: a real OpenID provider on a loopback port for the sign-in
//! tests, not a mock: the certified `oidc-provider` package, run under Node.js
//! by `tests/provider/server.mjs`, one process per test.
//!
//! It needs `node` on PATH and `tests/provider/node_modules` (`scripts/test`
//! installs both). Without them the tests that use it are skipped with a note,
//! except under `CI`, where they fail.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Once;
use std::time::Duration;

use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Client, Response, StatusCode, Url};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const PROVIDER_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/provider");
const INSTALL: &str = "apt-get install -y nodejs npm && npm ci --prefix tests/provider";
/// Node starts in well under a second alone; with a whole test run sharing
/// two cores it has taken over 20 s. This only bounds a hung start.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// Login, consent and the redirects between them take about eight steps.
const MAX_STEPS: usize = 20;

static SKIPPED: Once = Once::new();

/// A client registered at the provider.
#[derive(Debug, Clone)]
pub struct ProviderClient {
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uris: Vec<String>,
    /// `client_secret_basic` when `None`; `client_secret_post` also works.
    pub token_endpoint_auth_method: Option<String>,
}

impl ProviderClient {
    /// A confidential client with one redirect URI and HTTP Basic authentication.
    pub fn new(client_id: &str, client_secret: &str, redirect_uri: &str) -> ProviderClient {
        ProviderClient {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            redirect_uris: vec![redirect_uri.into()],
            token_endpoint_auth_method: None,
        }
    }

    fn to_json(&self) -> Value {
        let mut client = json!({
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "redirect_uris": self.redirect_uris,
        });
        if let Some(method) = &self.token_endpoint_auth_method {
            client["token_endpoint_auth_method"] = json!(method);
        }
        client
    }
}

/// What the reader types on the provider's login page.
#[derive(Debug, Clone)]
pub struct ProviderLogin<'a> {
    /// Becomes the `sub` claim (and the id at the OAuth 2.0 user endpoints).
    pub login: &'a str,
    /// The display name; the provider makes one from the login when `None`.
    pub name: Option<&'a str>,
    pub email_verified: bool,
}

/// How the ID tokens of the next token responses misbehave (`POST /test/tamper`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tamper {
    Off,
    WrongNonce,
    /// `exp` and `iat` an hour or more in the past.
    Expired,
    WrongAudience,
    WrongIssuer,
    /// Header `alg: none`, no signature.
    AlgNone,
    /// Signed by a fresh key that is not in the provider's JWKS.
    ForeignKey,
    /// Signed HS256 with the client secret as the key.
    Hs256,
}

impl Tamper {
    fn as_str(self) -> &'static str {
        match self {
            Tamper::Off => "off",
            Tamper::WrongNonce => "wrong_nonce",
            Tamper::Expired => "expired",
            Tamper::WrongAudience => "wrong_audience",
            Tamper::WrongIssuer => "wrong_issuer",
            Tamper::AlgNone => "alg_none",
            Tamper::ForeignKey => "foreign_key",
            Tamper::Hs256 => "hs256",
        }
    }
}

#[derive(Clone, Copy)]
enum Consent {
    Allow,
    Deny,
}

pub struct TestProvider {
    issuer: Url,
    /// `config.json`, `keys.json` (the private JWKS) and `provider.log` (stderr).
    dir: TempDir,
    process: Child,
}

impl TestProvider {
    /// The provider on a free port with these clients, or `None` when the
    /// tests are skipped (no Node.js on a laptop). Under `CI` a missing Node.js
    /// fails instead.
    pub async fn start(clients: &[ProviderClient]) -> Option<TestProvider> {
        TestProvider::start_on(0, clients).await
    }

    /// `start` on a port reserved beforehand (`free_port`): the app needs the
    /// issuer before it starts, the provider the app's redirect URIs.
    pub async fn start_on(port: u16, clients: &[ProviderClient]) -> Option<TestProvider> {
        if !installed() {
            return None;
        }
        let dir = tempfile::tempdir().expect("a folder for the provider");
        let config = json!({
            "clients": clients.iter().map(ProviderClient::to_json).collect::<Vec<_>>(),
            "keys": dir.path().join("keys.json"),
        });
        std::fs::write(dir.path().join("config.json"), config.to_string())
            .expect("write the provider's config");
        let (process, issuer) = spawn(dir.path(), port).await;
        Some(TestProvider {
            issuer,
            dir,
            process,
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn issuer(&self) -> &str {
        self.issuer.as_str().trim_end_matches('/')
    }

    /// Stops the provider, replaces its signing key and starts it again on
    /// the same port: a key rotation. Sessions, codes and tokens are lost.
    pub async fn restart_with_new_key(&mut self) {
        self.process.kill().await.expect("stop the provider");
        std::fs::remove_file(self.dir.path().join("keys.json")).expect("remove the old key");
        let port = self.issuer.port().expect("the issuer has a port");
        let (process, issuer) = spawn(self.dir.path(), port).await;
        assert_eq!(
            issuer, self.issuer,
            "the provider came back on another port"
        );
        self.process = process;
    }

    /// Makes the ID token of the next token responses misbehave until `Tamper::Off`.
    pub async fn tamper(&self, mode: Tamper) {
        let response = Client::new()
            .post(format!("{}/test/tamper", self.issuer()))
            .json(&json!({ "mode": mode.as_str() }))
            .send()
            .await
            .expect("POST /test/tamper");
        assert_eq!(response.status(), StatusCode::OK, "tamper {mode:?}");
    }

    /// Signs in as `login` (email not verified) and allows the consent;
    /// returns the relying party's callback URL (`code` and `state`, or `error`).
    pub async fn sign_in(
        &self,
        client: &Client,
        authorize_url: &str,
        login: &str,
        name: Option<&str>,
    ) -> Url {
        let login = ProviderLogin {
            login,
            name,
            email_verified: false,
        };
        self.sign_in_as(client, authorize_url, &login).await
    }

    /// `sign_in` with every field of the login form.
    pub async fn sign_in_as(
        &self,
        client: &Client,
        authorize_url: &str,
        login: &ProviderLogin<'_>,
    ) -> Url {
        self.walk(client, authorize_url, login, Consent::Allow)
            .await
    }

    /// Signs in as `login` and presses Deny on the consent page; returns the
    /// callback URL, which carries `error=access_denied`.
    pub async fn deny(&self, client: &Client, authorize_url: &str, login: &str) -> Url {
        let login = ProviderLogin {
            login,
            name: None,
            email_verified: false,
        };
        self.walk(client, authorize_url, &login, Consent::Deny)
            .await
    }

    /// Follows the provider's redirects and fills in its pages, as a browser
    /// with a fresh profile would, until a redirect leaves the provider.
    /// `client` must not follow redirects itself.
    async fn walk(
        &self,
        client: &Client,
        authorize_url: &str,
        login: &ProviderLogin<'_>,
        consent: Consent,
    ) -> Url {
        let jar = Jar::default();
        let mut url = Url::parse(authorize_url).expect("an absolute authorization URL");
        let mut response = get(client, &jar, &url).await;
        for _ in 0..MAX_STEPS {
            if response.status().is_redirection() {
                let next = redirect_target(&url, &response);
                if next.origin() != self.issuer.origin() {
                    return next;
                }
                url = next;
                response = get(client, &jar, &url).await;
                continue;
            }
            let status = response.status();
            let html = response.text().await.expect("the provider's page");
            assert_eq!(status, StatusCode::OK, "{url}: {html}");
            let (button, form) = if html.contains(r#"id="sign-in""#) {
                ("sign-in", login_form(login))
            } else {
                match consent {
                    Consent::Allow => ("allow", Vec::new()),
                    Consent::Deny => ("deny", Vec::new()),
                }
            };
            url = url
                .join(&form_action(&html, button))
                .expect("a form action");
            response = post(client, &jar, &url, &form).await;
        }
        panic!("the sign-in took more than {MAX_STEPS} steps; last at {url}");
    }
}

/// A free loopback port, released at once for the provider to take.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

/// Whether the provider can run here (see `start`).
pub fn installed() -> bool {
    let node = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    let modules = Path::new(PROVIDER_DIR).join("node_modules/oidc-provider");
    let missing: Vec<&str> = [
        (!node).then_some("node"),
        (!modules.exists()).then_some("tests/provider/node_modules"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "the sign-in tests need {} (missing); CI must install them: {INSTALL}",
            missing.join(" and ")
        );
    }
    SKIPPED.call_once(|| {
        // Straight to the terminal: the test harness captures `eprintln!`.
        let _ = writeln!(
            std::io::stderr(),
            "sign-in provider tests skipped: {} not found (install with `{INSTALL}`; under CI they fail)",
            missing.join(" and ")
        );
    });
    false
}

/// Starts `server.mjs` on `port` (0: a free one) and waits for its issuer line.
async fn spawn(dir: &Path, port: u16) -> (Child, Url) {
    let log_path = dir.join("provider.log");
    let log = std::fs::File::create(&log_path).expect("the provider's log");
    let mut process = Command::new("node")
        .arg(PathBuf::from(PROVIDER_DIR).join("server.mjs"))
        .args(["--port", &port.to_string(), "--config"])
        .arg(dir.join("config.json"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .expect("start node");
    let stdout = process.stdout.take().expect("the provider's stdout");
    let line = tokio::time::timeout(START_TIMEOUT, BufReader::new(stdout).lines().next_line())
        .await
        .ok()
        .and_then(Result::ok)
        .flatten();
    let Some(line) = line else {
        let _ = process.kill().await;
        panic!(
            "the provider did not start:\n{}",
            std::fs::read_to_string(&log_path).unwrap_or_default()
        );
    };
    let hello: Value = serde_json::from_str(&line).expect("the provider's issuer line");
    let issuer = hello["issuer"].as_str().expect("an issuer");
    (process, Url::parse(issuer).expect("an issuer URL"))
}

async fn get(client: &Client, jar: &Jar, url: &Url) -> Response {
    send(client.get(url.clone()), jar, url).await
}

async fn post(client: &Client, jar: &Jar, url: &Url, form: &[(&str, &str)]) -> Response {
    send(client.post(url.clone()).form(form), jar, url).await
}

/// Sends with the provider's cookies from `jar` and keeps the ones it sets.
async fn send(request: reqwest::RequestBuilder, jar: &Jar, url: &Url) -> Response {
    let request = match jar.cookies(url) {
        Some(cookies) => request.header(COOKIE, cookies),
        None => request,
    };
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    jar.set_cookies(&mut response.headers().get_all(SET_COOKIE).iter(), url);
    response
}

fn redirect_target(from: &Url, response: &Response) -> Url {
    let location = response
        .headers()
        .get(LOCATION)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_else(|| panic!("{from}: a redirect without Location"));
    from.join(location).expect("a Location URL")
}

fn login_form<'a>(login: &ProviderLogin<'a>) -> Vec<(&'static str, &'a str)> {
    let mut form = vec![("login", login.login)];
    if let Some(name) = login.name {
        form.push(("name", name));
    }
    if login.email_verified {
        form.push(("email_verified", "on"));
    }
    form
}

/// The `action` of the form that holds the button `button_id`.
fn form_action(html: &str, button_id: &str) -> String {
    let button = html
        .find(&format!(r#"id="{button_id}""#))
        .unwrap_or_else(|| panic!("no button #{button_id} on the page:\n{html}"));
    let start = html[..button]
        .rfind(r#"action=""#)
        .map(|at| at + r#"action=""#.len())
        .unwrap_or_else(|| panic!("button #{button_id} is in no form:\n{html}"));
    let end = html[start..].find('"').expect("a closing quote") + start;
    html[start..end].to_string()
}
