//! A sign-in through a provider, from start to callback: `return_to` held to
//! the allowed origins, state, nonce and PKCE verifier kept server-side and
//! taken once, and the attempt bound to the browser that started it.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use rand::RngCore;
use reqwest::Url;
use sha2::{Digest, Sha256};

use crate::auth::providers::{Provider, Providers, Start};
use crate::auth::sso::Sso;
use crate::config::{ProviderConfig, Settings, normalize_origin};
use crate::domain::accounts::User;
use crate::domain::identities::{Profile, ReturnMode, SSO_PROVIDER, SignInError};
use crate::domain::ids::AccountId;
use crate::rate_limit::{Throttle, client_network};
use crate::storage::{LoginAttempt, Store};
use crate::telemetry::metrics;

/// A reader has this long between the start and the provider's callback.
const ATTEMPT_LIFETIME: Duration = Duration::from_secs(10 * 60);
/// A link ticket is used at once, by the popup the widget opens.
const TICKET_LIFETIME: Duration = Duration::from_secs(5 * 60);
const RETURN_TO_MAX: usize = 2048;

pub struct SignIn {
    providers: Providers,
    store: Arc<dyn Store>,
    public_url: String,
    allowed_origins: Vec<String>,
    throttle: Throttle<IpAddr>,
    sso: Option<Sso>,
}

/// The first step's answer: where to send the browser, and the secret its
/// cookie must carry back.
pub struct Started {
    pub location: String,
    pub browser_secret: String,
}

/// Who came back from the provider, and where they go next.
pub struct Returned {
    pub provider: String,
    pub profile: Profile,
    pub return_to: String,
    pub mode: ReturnMode,
    pub link: Option<AccountId>,
}

/// What the provider's redirect back carries.
pub struct Callback<'a> {
    pub code: Option<&'a str>,
    pub state: Option<&'a str>,
    pub error: Option<&'a str>,
}

impl SignIn {
    /// `public_url` is the server's external origin (`PUBLIC_URL`, or the
    /// address it listens on).
    pub fn new(
        store: Arc<dyn Store>,
        settings: &Settings,
        public_url: String,
    ) -> anyhow::Result<SignIn> {
        let providers = Providers::new(&settings.login)?;
        let sso = settings
            .login
            .sso
            .clone()
            .map(|config| Sso::new(config, store.clone(), providers.http().clone()));
        Ok(SignIn {
            providers,
            sso,
            store: store.clone(),
            public_url,
            allowed_origins: settings.allowed_origins.clone(),
            throttle: Throttle::new(
                settings.rate_limits,
                store.clone(),
                "signin:",
                settings.sign_in_limit,
            ),
        })
    }

    pub fn providers(&self) -> impl Iterator<Item = (&ProviderConfig, &'static str)> {
        self.providers
            .list()
            .filter_map(|config| self.providers.get(&config.id).map(|p| (config, p.kind())))
    }

    /// Counts one sign-in request from the client's network.
    pub async fn count(&self, client: IpAddr) -> Result<(), SignInError> {
        self.throttle
            .check(client_network(client))
            .await?
            .map_err(|retry_after| SignInError::TooManyAttempts { retry_after })
    }

    pub fn redirect_uri(&self, provider: &str) -> String {
        format!("{}/auth/{provider}/callback", self.public_url)
    }

    /// `return_to` must be an absolute URL on our own origin or an allowed one.
    pub fn check_return_to(&self, return_to: &str) -> Result<String, SignInError> {
        let url = Url::parse(return_to).map_err(|_| SignInError::InvalidReturnTo)?;
        let origin = normalize_origin(&url.origin().ascii_serialization());
        let allowed = origin.as_ref().is_some_and(|origin| {
            *origin == self.public_url || self.allowed_origins.contains(origin)
        });
        if return_to.len() > RETURN_TO_MAX || !allowed || !url.username().is_empty() {
            return Err(SignInError::InvalidReturnTo);
        }
        Ok(url.to_string())
    }

    pub async fn start(
        &self,
        provider_id: &str,
        return_to: &str,
        mode: ReturnMode,
        link_ticket: Option<&str>,
    ) -> Result<Started, SignInError> {
        let provider = self.provider(provider_id)?;
        let return_to = self.check_return_to(return_to)?;
        let link_account_id = match link_ticket {
            Some(ticket) => Some(
                self.store
                    .take_link_ticket(hash(ticket), Utc::now())
                    .await?
                    .ok_or(SignInError::failed("unknown or used link ticket"))?,
            ),
            None => None,
        };
        let (state, nonce, verifier, browser_secret) = (random(), random(), random(), random());
        let redirect_uri = self.redirect_uri(provider_id);
        let start = Start {
            redirect_uri: &redirect_uri,
            state: &state,
            nonce: &nonce,
            pkce_verifier: &verifier,
        };
        let location = provider
            .authorize_url(self.providers.http(), &start)
            .await?;
        self.store
            .insert_login_attempt(LoginAttempt {
                state_hash: hash(&state),
                browser_hash: hash(&browser_secret),
                provider: provider_id.to_owned(),
                nonce,
                pkce_verifier: verifier,
                return_to,
                mode,
                link_account_id,
                expires_at: Utc::now() + ATTEMPT_LIFETIME,
            })
            .await?;
        Ok(Started {
            location,
            browser_secret,
        })
    }

    /// The provider's redirect back: the attempt is taken (so a replay finds
    /// nothing), checked against the browser and provider, and the code
    /// exchanged. Every failure is `login_failed`; the log says which.
    pub async fn finish(
        &self,
        provider_id: &str,
        callback: Callback<'_>,
        browser_secret: Option<&str>,
    ) -> Result<Returned, SignInError> {
        let provider = self.provider(provider_id)?;
        let returned = self.take_back(provider, callback, browser_secret).await;
        // A success is counted once the account is signed in (`Auth::sign_in_with`).
        if returned.is_err() {
            metrics::login(&provider.config.id, false);
        }
        returned
    }

    async fn take_back(
        &self,
        provider: &Provider,
        callback: Callback<'_>,
        browser_secret: Option<&str>,
    ) -> Result<Returned, SignInError> {
        let provider_id = provider.config.id.as_str();
        let state = callback.state.ok_or(SignInError::failed("no state"))?;
        let attempt = self
            .store
            .take_login_attempt(hash(state), Utc::now())
            .await?
            .ok_or(SignInError::failed("unknown, used or expired state"))?;
        if browser_secret.map(hash) != Some(attempt.browser_hash) {
            return Err(SignInError::failed(
                "the browser that started is not this one",
            ));
        }
        if attempt.provider != provider_id {
            return Err(SignInError::failed("state of another provider"));
        }
        if let Some(error) = callback.error {
            return Err(SignInError::ProviderRefused(
                error.chars().take(64).collect(),
            ));
        }
        let code = callback.code.ok_or(SignInError::failed("no code"))?;
        let profile = provider
            .finish(
                self.providers.http(),
                &self.redirect_uri(provider_id),
                code,
                &attempt.pkce_verifier,
                &attempt.nonce,
            )
            .await?;
        Ok(Returned {
            provider: provider_id.to_owned(),
            profile,
            return_to: attempt.return_to,
            mode: attempt.mode,
            link: attempt.link_account_id,
        })
    }

    /// A single-use ticket that lets the signed-in `user` link `provider`
    /// from a popup: the start URL to open.
    pub async fn link_start(&self, user: &User, provider_id: &str) -> Result<String, SignInError> {
        self.provider(provider_id)?;
        let ticket = random();
        self.store
            .insert_link_ticket(hash(&ticket), user.id, Utc::now() + TICKET_LIFETIME)
            .await?;
        Ok(format!(
            "{}/auth/{provider_id}/start?link={ticket}",
            self.public_url
        ))
    }

    /// The subscriber a newsroom's SSO token names.
    pub async fn sso(&self, token: &str) -> Result<Profile, SignInError> {
        let sso = self.sso.as_ref().ok_or(SignInError::SsoOff)?;
        let profile = sso.verify(token).await;
        // A success is counted once the account is signed in (`Auth::sign_in_with`).
        if profile.is_err() {
            metrics::login(SSO_PROVIDER, false);
        }
        profile
    }

    fn provider(&self, id: &str) -> Result<&Provider, SignInError> {
        self.providers.get(id).ok_or(SignInError::UnknownProvider)
    }
}

/// 256 random bits, base64url.
fn random() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn hash(value: &str) -> [u8; 32] {
    Sha256::digest(value.as_bytes()).into()
}
