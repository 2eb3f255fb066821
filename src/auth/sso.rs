//! The newsroom's own sign-in: a JWT it signs for a subscriber (HS256 with
//! `SSO_SECRET`, or RS256/ES256 with keys at `SSO_JWKS_URL`), claims `sub`,
//! `name`, `email?`, `iat`, `exp`, `jti`; each `jti` is accepted once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::auth::providers::CLOCK_SKEW;
use crate::config::{SsoConfig, SsoKey};
use crate::domain::identities::{Profile, SignInError};
use crate::storage::Store;

/// A token longer-lived than this is refused: SSO tokens are minted per page
/// view, and each used `jti` is kept until its token would expire.
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// Keys are fetched again after this long, or sooner for an unknown `kid`,
/// but never more often than `REFETCH_GAP`: the `kid` is the sender's to choose.
const KEYS_TTL: Duration = Duration::from_secs(3600);
const REFETCH_GAP: Duration = Duration::from_secs(10);
const TOKEN_MAX: usize = 8 * 1024;

pub struct Sso {
    config: SsoConfig,
    store: Arc<dyn Store>,
    http: reqwest::Client,
    keys: Mutex<Option<(JwkSet, Instant)>>,
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    name: Option<String>,
    email: Option<String>,
    iat: i64,
    exp: i64,
    jti: String,
}

impl Sso {
    pub fn new(config: SsoConfig, store: Arc<dyn Store>, http: reqwest::Client) -> Sso {
        Sso {
            config,
            store,
            http,
            keys: Mutex::new(None),
        }
    }

    /// Who the token signs in, after every check and once only.
    pub async fn verify(&self, token: &str) -> Result<Profile, SignInError> {
        let invalid = |why: &str| SignInError::InvalidSsoToken(why.to_owned());
        if token.len() > TOKEN_MAX {
            return Err(invalid("too long"));
        }
        let header = jsonwebtoken::decode_header(token).map_err(|e| invalid(&e.to_string()))?;
        let key = self.key(header.alg, header.kid.as_deref()).await?;
        let data = jsonwebtoken::decode::<Claims>(token, &key, &self.validation(header.alg))
            .map_err(|e| invalid(&e.to_string()))?;
        let claims = data.claims;
        let now = Utc::now();
        let skew = CLOCK_SKEW.as_secs() as i64;
        if claims.iat > now.timestamp() + skew {
            return Err(invalid("issued in the future"));
        }
        if claims.exp - claims.iat > MAX_LIFETIME.as_secs() as i64 {
            return Err(invalid("lives too long"));
        }
        if claims.sub.is_empty()
            || claims.sub.len() > 255
            || claims.jti.is_empty()
            || claims.jti.len() > 255
        {
            return Err(invalid("sub or jti empty or too long"));
        }
        let kept_until = seconds(claims.exp + skew);
        if !self
            .store
            .use_sso_token_id(&claims.jti, kept_until, now)
            .await?
        {
            return Err(invalid("jti used before"));
        }
        Ok(Profile {
            subject: claims.sub,
            name: claims.name,
            // The newsroom vouches for its subscribers' addresses.
            email: claims.email,
        })
    }

    fn validation(&self, alg: Algorithm) -> Validation {
        let mut validation = Validation::new(alg);
        validation.leeway = CLOCK_SKEW.as_secs();
        // The library checks `iss` and `aud` only when the token has them:
        // configured, they must be there. (`iat` and `jti` are required by `Claims`.)
        let mut required = vec!["exp", "sub"];
        required.extend(self.config.issuer.as_ref().map(|_| "iss"));
        required.extend(self.config.audience.as_ref().map(|_| "aud"));
        validation.set_required_spec_claims(&required);
        match &self.config.issuer {
            Some(issuer) => validation.set_issuer(&[issuer]),
            None => validation.iss = None,
        }
        match &self.config.audience {
            Some(audience) => validation.set_audience(&[audience]),
            None => validation.validate_aud = false,
        }
        validation
    }

    /// The key for the token's algorithm: only HS256 with a secret, only
    /// RS256 or ES256 with published keys.
    async fn key(&self, alg: Algorithm, kid: Option<&str>) -> Result<DecodingKey, SignInError> {
        let invalid = |why: &str| SignInError::InvalidSsoToken(why.to_owned());
        match (&self.config.key, alg) {
            (SsoKey::Secret(secret), Algorithm::HS256) => {
                DecodingKey::from_secret(secret.as_bytes()).map_err(|e| invalid(&e.to_string()))
            }
            (SsoKey::JwksUrl(url), Algorithm::RS256 | Algorithm::ES256) => {
                let kid = kid.ok_or_else(|| invalid("no kid"))?;
                let keys = self.keys(url, kid).await?;
                let jwk = keys.find(kid).ok_or_else(|| invalid("unknown kid"))?;
                DecodingKey::from_jwk(jwk).map_err(|e| invalid(&e.to_string()))
            }
            _ => Err(invalid("algorithm not allowed")),
        }
    }

    async fn keys(&self, url: &str, kid: &str) -> Result<JwkSet, SignInError> {
        let mut cached = self.keys.lock().await;
        if let Some((keys, at)) = cached.as_ref() {
            let fresh = at.elapsed() < KEYS_TTL && keys.find(kid).is_some();
            if fresh || at.elapsed() < REFETCH_GAP {
                return Ok(keys.clone());
            }
        }
        let keys: JwkSet = self
            .http
            .get(url)
            .send()
            .await
            .and_then(|answer| answer.error_for_status())
            .map_err(|e| unverifiable(format!("cannot fetch SSO_JWKS_URL: {e}")))?
            .json()
            .await
            .map_err(|e| unverifiable(format!("SSO_JWKS_URL is not a key set: {e}")))?;
        *cached = Some((keys.clone(), Instant::now()));
        Ok(keys)
    }
}

fn seconds(at: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(at, 0).single().unwrap_or_else(Utc::now)
}

/// Without the newsroom's keys no token can be checked: it is refused (and
/// the log says why), never a failure of ours.
fn unverifiable(why: String) -> SignInError {
    tracing::warn!("{why}");
    SignInError::InvalidSsoToken(why)
}
