//! The test provider itself, end to end without Comment Desk: a relying party
//! built by hand (PKCE S256, state, nonce) signs in, exchanges the code and
//! reads the profile. Kept apart from `provider.rs` so the browser binary,
//! which includes that file, does not run these twice.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use reqwest::{Client, StatusCode, Url};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::provider::{ProviderClient, Tamper, TestProvider};

const CLIENT_ID: &str = "comment-desk-test";
const CLIENT_SECRET: &str = "a client secret of the test";
/// Nothing listens here: the walk stops at the redirect to it.
const REDIRECT_URI: &str = "http://127.0.0.1:9/auth/test/callback";

/// One authorization request, as a relying party would make it.
struct Request {
    url: String,
    state: String,
    nonce: Option<String>,
    verifier: String,
}

async fn start() -> Option<TestProvider> {
    TestProvider::start(&[ProviderClient::new(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)]).await
}

fn no_redirects() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}

fn random() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// `openid` scope with a nonce, or plain OAuth 2.0 (no `openid`, no nonce).
fn authorization_request(provider: &TestProvider, openid: bool) -> Request {
    let (state, verifier) = (random(), random());
    let nonce = openid.then(random);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let scope = if openid {
        "openid profile email"
    } else {
        "profile email"
    };
    let mut url = Url::parse(&format!("{}/auth", provider.issuer())).expect("a URL");
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", CLIENT_ID)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("scope", scope)
        .append_pair("state", &state)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    if let Some(nonce) = &nonce {
        url.query_pairs_mut().append_pair("nonce", nonce);
    }
    Request {
        url: url.into(),
        state,
        nonce,
        verifier,
    }
}

fn query(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// The code from the callback, after checking it came back to us with our state.
fn code_from(callback: &Url, request: &Request) -> String {
    assert!(
        callback.as_str().starts_with(REDIRECT_URI),
        "back at the relying party: {callback}"
    );
    assert_eq!(query(callback, "state"), Some(request.state.clone()));
    query(callback, "code").unwrap_or_else(|| panic!("a code in {callback}"))
}

/// The token endpoint's answer for the code (client_secret_basic).
async fn exchange(provider: &TestProvider, code: &str, request: &Request) -> Value {
    let response = Client::new()
        .post(format!("{}/token", provider.issuer()))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", &request.verifier),
        ])
        .send()
        .await
        .expect("POST /token");
    let status = response.status();
    let body: Value = response.json().await.expect("a JSON token response");
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// The JSON of one part of a JWT: 0 the header, 1 the claims.
fn jwt_part(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).expect("a JWT part");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("JSON")
}

async fn naver_profile(provider: &TestProvider, access_token: &str) -> (StatusCode, Value) {
    let response = Client::new()
        .get(format!("{}/naver/v1/nid/me", provider.issuer()))
        .bearer_auth(access_token)
        .send()
        .await
        .expect("GET the Naver-shaped profile");
    let status = response.status();
    (status, response.json().await.expect("JSON"))
}

#[tokio::test]
async fn provider_signs_in_with_openid_connect_end_to_end() {
    let Some(provider) = start().await else {
        return;
    };
    let request = authorization_request(&provider, true);

    let callback = provider
        .sign_in(&no_redirects(), &request.url, "minji", Some("김민지"))
        .await;
    let tokens = exchange(&provider, &code_from(&callback, &request), &request).await;

    let claims = jwt_part(tokens["id_token"].as_str().expect("an ID token"), 1);
    assert_eq!(claims["nonce"].as_str(), request.nonce.as_deref());
    assert_eq!(claims["sub"], "minji");
    assert_eq!(claims["aud"], CLIENT_ID);
    assert_eq!(claims["iss"], provider.issuer());
    assert_eq!(claims["name"], "김민지");
    let access_token = tokens["access_token"].as_str().expect("an access token");
    let (status, profile) = naver_profile(&provider, access_token).await;
    assert_eq!(status, StatusCode::OK, "{profile}");
    assert_eq!(profile["resultcode"], "00");
    assert_eq!(profile["response"]["id"], "minji");
    assert_eq!(profile["response"]["email"], "minji@example.test");
}

#[tokio::test]
async fn provider_serves_plain_oauth2_and_refuses_unknown_tokens() {
    let Some(provider) = start().await else {
        return;
    };
    let request = authorization_request(&provider, false);

    let callback = provider
        .sign_in(&no_redirects(), &request.url, "naver-reader", None)
        .await;
    let tokens = exchange(&provider, &code_from(&callback, &request), &request).await;

    assert!(
        tokens.get("id_token").is_none(),
        "no openid, no ID token: {tokens}"
    );
    let access_token = tokens["access_token"].as_str().expect("an access token");
    let (status, profile) = naver_profile(&provider, access_token).await;
    assert_eq!(status, StatusCode::OK, "{profile}");
    assert_eq!(
        profile["response"]["name"], "Naver-reader",
        "a name made from the login"
    );
    let (status, profile) = naver_profile(&provider, "not-a-token").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{profile}");
    assert_ne!(profile["resultcode"], "00");
}

#[tokio::test]
async fn provider_sends_the_denial_back_to_the_client() {
    let Some(provider) = start().await else {
        return;
    };
    let request = authorization_request(&provider, true);

    let callback = provider.deny(&no_redirects(), &request.url, "minji").await;

    assert_eq!(query(&callback, "error").as_deref(), Some("access_denied"));
    assert_eq!(query(&callback, "state"), Some(request.state.clone()));
}

/// What a relying party would check in an ID token from `/token`.
struct Issued<'a> {
    token: &'a str,
    header: Value,
    claims: Value,
    nonce: Option<&'a str>,
    issuer: &'a str,
    provider_kids: &'a [String],
}

impl Issued<'_> {
    fn signed_by_the_provider(&self) -> bool {
        self.header["alg"] == "RS256"
            && self
                .provider_kids
                .iter()
                .any(|kid| self.header["kid"] == kid.as_str())
    }
}

#[tokio::test]
async fn tamper_modes_make_the_id_token_misbehave_until_off() {
    let Some(provider) = start().await else {
        return;
    };
    let kids = signing_key_ids(&provider).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    type Check = fn(&Issued) -> bool;
    let cases: [(Tamper, Check); 8] = [
        (Tamper::AlgNone, |t| {
            t.header["alg"] == "none" && t.token.ends_with('.')
        }),
        (Tamper::WrongNonce, |t| {
            t.signed_by_the_provider() && t.claims["nonce"].as_str() != t.nonce
        }),
        (Tamper::Expired, |t| t.signed_by_the_provider()),
        (Tamper::WrongAudience, |t| {
            t.signed_by_the_provider() && t.claims["aud"] != CLIENT_ID
        }),
        (Tamper::WrongIssuer, |t| {
            t.signed_by_the_provider() && t.claims["iss"] != t.issuer
        }),
        (Tamper::ForeignKey, |t| {
            t.header["alg"] == "RS256" && !t.signed_by_the_provider()
        }),
        (Tamper::Hs256, |t| t.header["alg"] == "HS256"),
        (Tamper::Off, |t| {
            t.signed_by_the_provider()
                && t.claims["nonce"].as_str() == t.nonce
                && t.claims["aud"] == CLIENT_ID
                && t.claims["iss"] == t.issuer
        }),
    ];

    for (mode, check) in cases {
        provider.tamper(mode).await;
        let request = authorization_request(&provider, true);
        let callback = provider
            .sign_in(&no_redirects(), &request.url, "minji", None)
            .await;
        let tokens = exchange(&provider, &code_from(&callback, &request), &request).await;

        let token = tokens["id_token"].as_str().expect("an ID token");
        let issued = Issued {
            token,
            header: jwt_part(token, 0),
            claims: jwt_part(token, 1),
            nonce: request.nonce.as_deref(),
            issuer: provider.issuer(),
            provider_kids: &kids,
        };
        assert!(
            check(&issued),
            "{mode:?}: {} {}",
            issued.header,
            issued.claims
        );
        assert_eq!(issued.claims["sub"], "minji", "{mode:?}");
        let expired = issued.claims["exp"].as_u64().expect("exp") + 3000 < now;
        assert_eq!(
            expired,
            mode == Tamper::Expired,
            "{mode:?}: {}",
            issued.claims
        );
    }
}

#[tokio::test]
async fn restart_with_new_key_rotates_the_signing_key() {
    let Some(mut provider) = start().await else {
        return;
    };
    let issuer = provider.issuer().to_string();
    let before = signing_key_ids(&provider).await;

    provider.restart_with_new_key().await;

    assert_eq!(provider.issuer(), issuer);
    let after = signing_key_ids(&provider).await;
    assert_eq!(after.len(), 1, "{after:?}");
    assert_ne!(before, after);
}

async fn signing_key_ids(provider: &TestProvider) -> Vec<String> {
    let jwks: Value = Client::new()
        .get(format!("{}/jwks", provider.issuer()))
        .send()
        .await
        .expect("GET /jwks")
        .json()
        .await
        .expect("a JWKS");
    let keys = jwks["keys"].as_array().expect("keys");
    keys.iter()
        .map(|key| key["kid"].as_str().expect("a kid").to_string())
        .collect()
}
