//! The configured sign-in providers, in button order, each spoken to in its
//! own protocol: OpenID Connect (`oidc.rs`) or plain OAuth 2.0 (`oauth2.rs`).

mod oauth2;
mod oidc;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::config::{LoginSettings, Protocol, ProviderConfig};
use crate::domain::identities::{Profile, SignInError};

/// Allowed difference between the provider's clock and ours.
pub const CLOCK_SKEW: Duration = Duration::from_secs(60);

/// A provider's calls must answer within this; a stuck one fails the sign-in.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);

/// What a sign-in's first step hands the provider.
pub struct Start<'a> {
    pub redirect_uri: &'a str,
    pub state: &'a str,
    pub nonce: &'a str,
    pub pkce_verifier: &'a str,
}

pub struct Provider {
    pub config: ProviderConfig,
    protocol: Speaker,
}

enum Speaker {
    Oidc(Box<oidc::Oidc>),
    OAuth2(oauth2::OAuth2),
}

pub struct Providers {
    list: Vec<Provider>,
    /// Redirects are not followed: a provider's endpoint answers itself.
    http: reqwest::Client,
}

impl Providers {
    pub fn new(settings: &LoginSettings) -> anyhow::Result<Providers> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(PROVIDER_TIMEOUT)
            .user_agent(concat!("comment-desk/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let list = settings.providers.iter().map(Provider::new).collect();
        Ok(Providers { list, http })
    }

    pub fn list(&self) -> impl Iterator<Item = &ProviderConfig> {
        self.list.iter().map(|p| &p.config)
    }

    pub fn get(&self, id: &str) -> Option<&Provider> {
        self.list.iter().find(|p| p.config.id == id)
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }
}

impl Provider {
    fn new(config: &ProviderConfig) -> Provider {
        let protocol = match &config.protocol {
            Protocol::Oidc { issuer } => Speaker::Oidc(Box::new(oidc::Oidc::new(
                issuer,
                &config.client_id,
                &config.client_secret,
            ))),
            Protocol::OAuth2(endpoints) => Speaker::OAuth2(oauth2::OAuth2::new(
                endpoints,
                &config.client_id,
                &config.client_secret,
            )),
        };
        Provider {
            config: config.clone(),
            protocol,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self.protocol {
            Speaker::Oidc(_) => "oidc",
            Speaker::OAuth2(_) => "oauth2",
        }
    }

    pub async fn authorize_url(
        &self,
        http: &reqwest::Client,
        start: &Start<'_>,
    ) -> Result<String, SignInError> {
        match &self.protocol {
            Speaker::Oidc(oidc) => oidc.authorize_url(http, start).await,
            Speaker::OAuth2(oauth2) => oauth2.authorize_url(start),
        }
    }

    /// The code exchanged and every check passed: who signed in.
    pub async fn finish(
        &self,
        http: &reqwest::Client,
        redirect_uri: &str,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<Profile, SignInError> {
        match &self.protocol {
            Speaker::Oidc(oidc) => {
                oidc.finish(http, redirect_uri, code, pkce_verifier, nonce)
                    .await
            }
            Speaker::OAuth2(oauth2) => oauth2.finish(http, redirect_uri, code, pkce_verifier).await,
        }
    }
}

/// The PKCE S256 challenge of a verifier.
pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}
