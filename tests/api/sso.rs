//! The newsroom's own sign-in, `POST /api/v1/auth/sso`: JWTs signed here with
//! HS256 and `SSO_SECRET`, or with RS256 and ES256 keys that a real key server
//! on loopback publishes at `SSO_JWKS_URL`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use comment_desk::config::{SsoConfig, SsoKey};
use futures_util::future::join_all;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Response;
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, json_body};

const SSO: &str = "/api/v1/auth/sso";
const SECRET: &str = "the newsroom's secret, longer than 32 bytes";
const SKEW: i64 = 60;
const DAY: i64 = 24 * 3600;
/// `REFETCH_GAP` in src/auth/sso.rs, and a second to spare.
const REFETCH_GAP: Duration = Duration::from_secs(11);

fn now() -> i64 {
    Utc::now().timestamp()
}

fn fresh_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The claims of a good token for `sub`: issued now, five minutes long, its own `jti`.
fn claims(sub: &str) -> Value {
    json!({
        "sub": sub,
        "name": "구독자",
        "email": format!("{sub}@subscriber.example"),
        "iat": now(),
        "exp": now() + 300,
        "jti": fresh_id(),
    })
}

/// `claims` for a fresh subscriber, with `changes` laid over them (`null` removes a claim).
fn claims_with(changes: Value) -> Value {
    let mut claims = claims(&fresh_id());
    for (name, value) in changes.as_object().unwrap() {
        if value.is_null() {
            claims.as_object_mut().unwrap().remove(name);
        } else {
            claims[name] = value.clone();
        }
    }
    claims
}

fn hs256_with(secret: &[u8], claims: &Value) -> String {
    let key = EncodingKey::from_secret(secret).unwrap();
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &key).unwrap()
}

fn hs256(claims: &Value) -> String {
    hs256_with(SECRET.as_bytes(), claims)
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A token made by hand: any header, no signature.
fn unsigned(header: &Value, claims: &Value) -> String {
    let header = b64(header.to_string().as_bytes());
    let payload = b64(claims.to_string().as_bytes());
    format!("{header}.{payload}.")
}

async fn sso_app(key: SsoKey, issuer: Option<&str>, audience: Option<&str>) -> TestApp {
    let config = SsoConfig {
        key,
        issuer: issuer.map(Into::into),
        audience: audience.map(Into::into),
    };
    TestApp::spawn_with(|settings| settings.login.sso = Some(config)).await
}

async fn secret_app() -> TestApp {
    sso_app(SsoKey::Secret(SECRET.into()), None, None).await
}

async fn sign_in(app: &TestApp, token: &str) -> Response {
    app.post_json(SSO, &json!({ "token": token })).await
}

/// Signs in and returns the account's id.
async fn signed_in(app: &TestApp, token: &str, case: &str) -> String {
    let response = sign_in(app, token).await;
    assert_eq!(response.status(), 200, "{case}");
    json_body(response).await["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn refused(app: &TestApp, token: &str, case: &str) {
    let response = sign_in(app, token).await;
    assert_eq!(response.status(), 401, "{case}");
    assert_problem(response, 401, "invalid_sso_token").await;
}

fn session_cookie(response: &Response) -> String {
    let cookie = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("comment_desk_session="))
        .expect("a session cookie");
    cookie.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_good_token_signs_in_and_the_same_sub_is_the_same_account_later() {
    let app = secret_app().await;

    let response = sign_in(&app, &hs256(&claims("subscriber-1"))).await;

    assert_eq!(response.status(), 200);
    let cookie = session_cookie(&response);
    let body = json_body(response).await;
    assert_eq!(body["user"]["display_name"], "구독자", "{body}");
    assert!(
        body["expires_at"].as_str().unwrap().ends_with('Z'),
        "{body}"
    );
    let token = body["token"].as_str().unwrap();
    let id = body["user"]["id"].as_str().unwrap();

    let me = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200, "the token is a session");
    let me = json_body(me).await;
    assert_eq!(me["user"]["id"], id);
    assert_eq!(me["user"]["email"], "subscriber-1@subscriber.example");
    let by_cookie = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(by_cookie.status(), 200, "the cookie is a session");

    let again = signed_in(&app, &hs256(&claims("subscriber-1")), "same sub").await;
    assert_eq!(again, id, "the same sub finds the same account");
    let other = signed_in(&app, &hs256(&claims("subscriber-2")), "other sub").await;
    assert_ne!(other, id, "another sub is another account");
}

#[tokio::test]
async fn without_sso_configured_every_token_is_refused() {
    let app = TestApp::spawn().await;
    refused(&app, &hs256(&claims("subscriber")), "SSO off").await;
}

#[tokio::test]
async fn a_jti_is_accepted_once() {
    let app = secret_app().await;
    let first = claims("subscriber");
    let token = hs256(&first);
    signed_in(&app, &token, "first use").await;

    refused(&app, &token, "the same token again").await;
    let mut other = claims("another-subscriber");
    other["jti"] = first["jti"].clone();
    refused(&app, &hs256(&other), "another token with the used jti").await;
}

#[tokio::test]
async fn times_are_checked_with_sixty_seconds_of_skew() {
    let app = secret_app().await;
    // (case, iat from now, exp from now, accepted)
    let cases = [
        ("expired 30 s ago, within the skew", -300, -30, true),
        (
            "expired 90 s ago, beyond the skew",
            -300,
            -(SKEW + 30),
            false,
        ),
        ("issued 30 s ahead, within the skew", 30, 300, true),
        ("issued 2 min ahead, beyond the skew", 2 * SKEW, 600, false),
        ("lives 23 h", 0, DAY - 3600, true),
        ("lives 24 h and 2 min", 0, DAY + 120, false),
        (
            "issued two days ago, valid one more hour",
            -2 * DAY,
            3600,
            false,
        ),
    ];
    for (case, iat, exp, accepted) in cases {
        let token = hs256(&claims_with(
            json!({"iat": now() + iat, "exp": now() + exp}),
        ));
        if accepted {
            signed_in(&app, &token, case).await;
        } else {
            refused(&app, &token, case).await;
        }
    }
}

#[tokio::test]
async fn bad_signatures_algorithms_and_missing_claims_are_refused() {
    let app = secret_app().await;
    let good = hs256(&claims("subscriber"));
    let other_payload = hs256(&claims("someone-else"));
    let swapped = {
        let mut parts: Vec<&str> = good.split('.').collect();
        parts[1] = other_payload.split('.').nth(1).unwrap();
        parts.join(".")
    };
    let hs384 = jsonwebtoken::encode(
        &Header::new(Algorithm::HS384),
        &claims("subscriber"),
        &EncodingKey::from_secret(SECRET.as_bytes()).unwrap(),
    )
    .unwrap();
    let cases = [
        (
            "another secret",
            hs256_with(b"not the newsroom's secret, 32+ bytes", &claims("s")),
        ),
        ("a payload swapped after signing", swapped),
        (
            "alg none",
            unsigned(&json!({"alg": "none", "typ": "JWT"}), &claims("s")),
        ),
        (
            "alg None",
            unsigned(&json!({"alg": "None", "typ": "JWT"}), &claims("s")),
        ),
        ("HS384 with the right secret", hs384),
        ("no jti", hs256(&claims_with(json!({"jti": null})))),
        ("an empty jti", hs256(&claims_with(json!({"jti": ""})))),
        ("no sub", hs256(&claims_with(json!({"sub": null})))),
        ("an empty sub", hs256(&claims_with(json!({"sub": ""})))),
        ("no exp", hs256(&claims_with(json!({"exp": null})))),
        ("no iat", hs256(&claims_with(json!({"iat": null})))),
        ("not a token", "not-a-token".to_owned()),
        ("an empty token", String::new()),
    ];
    for (case, token) in cases {
        refused(&app, &token, case).await;
    }
    signed_in(&app, &good, "the good token still works").await;
}

#[tokio::test]
async fn issuer_and_audience_are_checked_when_configured() {
    let app = sso_app(
        SsoKey::Secret(SECRET.into()),
        Some("https://news.example"),
        Some("comment-desk"),
    )
    .await;
    let right = json!({"iss": "https://news.example", "aud": "comment-desk"});
    signed_in(&app, &hs256(&claims_with(right)), "right iss and aud").await;
    let in_a_list = json!({"iss": "https://news.example", "aud": ["other", "comment-desk"]});
    signed_in(&app, &hs256(&claims_with(in_a_list)), "aud in a list").await;

    let cases = [
        (
            "wrong iss",
            json!({"iss": "https://evil.example", "aud": "comment-desk"}),
        ),
        ("no iss", json!({"aud": "comment-desk"})),
        (
            "wrong aud",
            json!({"iss": "https://news.example", "aud": "other"}),
        ),
        ("no aud", json!({"iss": "https://news.example"})),
    ];
    for (case, changes) in cases {
        refused(&app, &hs256(&claims_with(changes)), case).await;
    }
}

#[tokio::test]
async fn issuer_and_audience_are_ignored_when_not_configured() {
    let app = secret_app().await;
    let any = json!({"iss": "https://elsewhere.example", "aud": "someone-else"});
    signed_in(&app, &hs256(&claims_with(any)), "any iss and aud").await;
}

#[tokio::test]
async fn huge_tokens_are_client_errors() {
    let app = secret_app().await;
    for size in [9_000, 20_000, 200_000] {
        let token = hs256(&claims_with(json!({"name": "가".repeat(size / 3)})));
        let response = sign_in(&app, &token).await;
        let status = response.status();
        assert!(
            status.is_client_error(),
            "a token of {} bytes: {status}",
            token.len()
        );
    }
    signed_in(
        &app,
        &hs256(&claims("subscriber")),
        "the server still answers",
    )
    .await;
}

#[tokio::test]
async fn one_token_posted_twenty_times_at_once_signs_in_once() {
    let app = secret_app().await;
    let token = hs256(&claims("subscriber"));

    let statuses: Vec<u16> = join_all((0..20).map(|_| sign_in(&app, &token)))
        .await
        .iter()
        .map(|response| response.status().as_u16())
        .collect();

    let accepted = statuses.iter().filter(|s| **s == 200).count();
    assert_eq!(accepted, 1, "{statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 401),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn a_new_subscriber_signing_in_ten_times_at_once_gets_one_account() {
    let app = secret_app().await;
    let tokens: Vec<String> = (0..10).map(|_| hs256(&claims("newcomer"))).collect();

    let responses = join_all(tokens.iter().map(|token| sign_in(&app, token))).await;

    let mut ids = Vec::new();
    for response in responses {
        assert_eq!(response.status(), 200);
        ids.push(json_body(response).await["user"]["id"].clone());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one account: {ids:?}");
}

// RS256 and ES256 with keys at SSO_JWKS_URL.

/// A key the newsroom signs with, and its public half as a JWK.
struct SigningKey {
    kid: String,
    alg: Algorithm,
    key: EncodingKey,
    jwk: Value,
}

impl SigningKey {
    fn rsa(kid: &str) -> SigningKey {
        use rsa::pkcs1::EncodeRsaPrivateKey;
        use rsa::traits::PublicKeyParts;
        let private = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
        let der = private.to_pkcs1_der().unwrap();
        let jwk = json!({
            "kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
            "n": b64(&private.n().to_bytes_be()),
            "e": b64(&private.e().to_bytes_be()),
        });
        SigningKey {
            kid: kid.into(),
            alg: Algorithm::RS256,
            key: EncodingKey::from_rsa_der(der.as_bytes()),
            jwk,
        }
    }

    fn p256(kid: &str) -> SigningKey {
        use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
        let random = ring::rand::SystemRandom::new();
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &random).unwrap();
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &random)
                .unwrap();
        // Uncompressed point: 0x04, then x and y of 32 bytes each.
        let point = pair.public_key().as_ref();
        let jwk = json!({
            "kty": "EC", "crv": "P-256", "kid": kid, "use": "sig", "alg": "ES256",
            "x": b64(&point[1..33]),
            "y": b64(&point[33..65]),
        });
        SigningKey {
            kid: kid.into(),
            alg: Algorithm::ES256,
            key: EncodingKey::from_ec_der(pkcs8.as_ref()),
            jwk,
        }
    }

    fn sign(&self, claims: &Value) -> String {
        self.sign_as(&self.kid, self.alg, claims)
    }

    /// Signs with this key but says another `kid` or `alg` in the header.
    fn sign_as(&self, kid: &str, alg: Algorithm, claims: &Value) -> String {
        let mut header = Header::new(alg);
        header.kid = Some(kid.into());
        jsonwebtoken::encode(&header, claims, &self.key).unwrap()
    }
}

/// RSA keys take seconds to make in a test build: two for the whole run.
static RSA: LazyLock<SigningKey> = LazyLock::new(|| SigningKey::rsa("rsa-1"));
static RSA_UNPUBLISHED: LazyLock<SigningKey> = LazyLock::new(|| SigningKey::rsa("rsa-1"));

/// The newsroom's key server: serves `{keys}` at `/jwks` and counts the fetches.
struct KeyServer {
    url: String,
    published: web::Data<Published>,
}

struct Published {
    keys: Mutex<Vec<Value>>,
    fetches: AtomicUsize,
}

async fn jwks(published: web::Data<Published>) -> HttpResponse {
    published.fetches.fetch_add(1, Ordering::SeqCst);
    let keys = published.keys.lock().unwrap().clone();
    HttpResponse::Ok().json(json!({ "keys": keys }))
}

impl KeyServer {
    async fn start(keys: &[&SigningKey]) -> KeyServer {
        let published = web::Data::new(Published {
            keys: Mutex::new(keys.iter().map(|key| key.jwk.clone()).collect()),
            fetches: AtomicUsize::new(0),
        });
        let data = published.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/jwks", web::get().to(jwks))
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .unwrap();
        let port = server.addrs()[0].port();
        tokio::spawn(server.run());
        KeyServer {
            url: format!("http://127.0.0.1:{port}/jwks"),
            published,
        }
    }

    fn publish(&self, key: &SigningKey) {
        self.published.keys.lock().unwrap().push(key.jwk.clone());
    }

    fn fetches(&self) -> usize {
        self.published.fetches.load(Ordering::SeqCst)
    }
}

async fn jwks_app(server: &KeyServer) -> TestApp {
    sso_app(SsoKey::JwksUrl(server.url.clone()), None, None).await
}

#[tokio::test]
async fn rs256_and_es256_tokens_signed_with_published_keys_sign_in() {
    let ec = SigningKey::p256("ec-1");
    let server = KeyServer::start(&[&RSA, &ec]).await;
    let app = jwks_app(&server).await;

    let by_rsa = signed_in(&app, &RSA.sign(&claims("subscriber")), "RS256").await;
    let by_ec = signed_in(&app, &ec.sign(&claims("subscriber")), "ES256").await;

    assert_eq!(by_rsa, by_ec, "the sub, not the key, names the account");
    assert_eq!(server.fetches(), 1, "the key set is cached");
}

#[tokio::test]
async fn with_published_keys_hs256_and_mismatched_tokens_are_refused() {
    let ec = SigningKey::p256("ec-1");
    let server = KeyServer::start(&[&RSA, &ec]).await;
    let app = jwks_app(&server).await;
    // The classic confusion: HS256 keyed with what the server publishes.
    let public_jwk = RSA.jwk.to_string();
    let mut hs256_with_kid = Header::new(Algorithm::HS256);
    hs256_with_kid.kid = Some("rsa-1".into());
    let confused = jsonwebtoken::encode(
        &hs256_with_kid,
        &claims("s"),
        &EncodingKey::from_secret(public_jwk.as_bytes()).unwrap(),
    )
    .unwrap();
    let no_kid =
        jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims("s"), &RSA.key).unwrap();
    let cases = [
        ("HS256 with the secret", hs256(&claims("s"))),
        ("HS256 keyed with the published JWK", confused),
        ("RS256 without a kid", no_kid),
        (
            "an unpublished key under a published kid",
            RSA_UNPUBLISHED.sign(&claims("s")),
        ),
        (
            "ES256 in the header, the RSA key's kid",
            ec.sign_as("rsa-1", Algorithm::ES256, &claims("s")),
        ),
        (
            "RS256 in the header, the EC key's kid",
            RSA.sign_as("ec-1", Algorithm::RS256, &claims("s")),
        ),
        (
            "PS256, not one of the two",
            RSA.sign_as("rsa-1", Algorithm::PS256, &claims("s")),
        ),
    ];
    for (case, token) in cases {
        refused(&app, &token, case).await;
    }
    signed_in(&app, &RSA.sign(&claims("s")), "a good token still works").await;
}

#[tokio::test]
async fn a_key_published_later_is_fetched_for_its_new_kid() {
    let server = KeyServer::start(&[&RSA]).await;
    let app = jwks_app(&server).await;
    signed_in(&app, &RSA.sign(&claims("subscriber")), "the first key").await;
    assert_eq!(server.fetches(), 1);

    let added = SigningKey::p256("ec-2");
    server.publish(&added);
    // Unknown kids fetch the keys again at most once per REFETCH_GAP.
    tokio::time::sleep(REFETCH_GAP).await;

    signed_in(&app, &added.sign(&claims("subscriber")), "the added key").await;
    assert_eq!(server.fetches(), 2, "the new kid fetched the keys again");
    signed_in(&app, &RSA.sign(&claims("subscriber")), "the first key").await;
    assert_eq!(server.fetches(), 2, "known kids use the cache");
}

#[tokio::test]
async fn a_flood_of_unknown_kids_does_not_flood_the_key_server() {
    let published = SigningKey::p256("ec-1");
    let stranger = SigningKey::p256("stranger");
    let server = KeyServer::start(&[&published]).await;
    let app = jwks_app(&server).await;
    let tokens: Vec<String> = (0..50)
        .map(|_| stranger.sign_as(&fresh_id(), Algorithm::ES256, &claims("s")))
        .collect();

    let responses = join_all(tokens.iter().map(|token| sign_in(&app, token))).await;

    for response in responses {
        assert_eq!(response.status(), 401, "unknown kid");
    }
    let fetches = server.fetches();
    assert!(
        (1..=2).contains(&fetches),
        "{fetches} key fetches for 50 unknown kids"
    );
    signed_in(
        &app,
        &published.sign(&claims("s")),
        "a published key still works",
    )
    .await;
}
