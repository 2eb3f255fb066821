//! OpenID Connect through the `openidconnect` crate: discovery, the
//! authorization URL with PKCE and nonce, and the ID token's checks (signature
//! against the provider's keys, issuer, audience, expiry, issue time, nonce).

use std::time::{Duration, Instant};

use chrono::Utc;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreJsonWebKeySet, CoreJwsSigningAlgorithm,
    CoreProviderMetadata,
};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, IssuerUrl,
    Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, SignatureVerificationError,
    TokenResponse,
};
use tokio::sync::Mutex;

use super::{CLOCK_SKEW, Start};
use crate::domain::identities::{Profile, SignInError};

/// Asymmetric algorithms only: never `none`, never a shared-secret HS*.
const ALLOWED_ALGS: [CoreJwsSigningAlgorithm; 6] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
];

/// Discovery is fetched again after this long; an unknown key id fetches the
/// keys at once (the token comes from the provider itself, over the back channel).
const METADATA_TTL: Duration = Duration::from_secs(3600);

pub struct Oidc {
    issuer: String,
    client_id: String,
    client_secret: String,
    metadata: Mutex<Option<(CoreProviderMetadata, Instant)>>,
}

impl Oidc {
    pub fn new(issuer: &str, client_id: &str, client_secret: &str) -> Oidc {
        Oidc {
            issuer: issuer.to_owned(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            metadata: Mutex::new(None),
        }
    }

    pub async fn authorize_url(
        &self,
        http: &reqwest::Client,
        start: &Start<'_>,
    ) -> Result<String, SignInError> {
        let client = self.client(self.metadata(http).await?, start.redirect_uri)?;
        let state = start.state.to_owned();
        let nonce = start.nonce.to_owned();
        let verifier = PkceCodeVerifier::new(start.pkce_verifier.to_owned());
        let (url, _, _) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                move || CsrfToken::new(state),
                move || Nonce::new(nonce),
            )
            .add_scope(Scope::new("profile".into()))
            .add_scope(Scope::new("email".into()))
            .set_pkce_challenge(PkceCodeChallenge::from_code_verifier_sha256(&verifier))
            .url();
        Ok(url.to_string())
    }

    /// Exchanges the code and checks the ID token; a key the cached set lacks
    /// sends us for the provider's keys once more (they rotate).
    pub async fn finish(
        &self,
        http: &reqwest::Client,
        redirect_uri: &str,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<Profile, SignInError> {
        let client = self.client(self.metadata(http).await?, redirect_uri)?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| SignInError::failed(format!("no token endpoint: {e}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
            .request_async(http)
            .await
            .map_err(|e| SignInError::failed(format!("token exchange: {e}")))?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| SignInError::failed("no id token"))?;
        let nonce = Nonce::new(nonce.to_owned());
        match profile(&client, id_token, &nonce) {
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) => {
                let client = self.client(self.refresh_keys(http).await?, redirect_uri)?;
                profile(&client, id_token, &nonce).map_err(claims_failed)
            }
            other => other.map_err(claims_failed),
        }
    }

    fn client(
        &self,
        metadata: CoreProviderMetadata,
        redirect_uri: &str,
    ) -> Result<ConfiguredClient, SignInError> {
        let redirect = RedirectUrl::new(redirect_uri.to_owned())
            .map_err(|e| SignInError::Internal(anyhow::anyhow!("bad redirect uri: {e}")))?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.client_id.clone()),
            Some(ClientSecret::new(self.client_secret.clone())),
        )
        .set_redirect_uri(redirect))
    }

    async fn metadata(&self, http: &reqwest::Client) -> Result<CoreProviderMetadata, SignInError> {
        let mut cached = self.metadata.lock().await;
        if let Some((metadata, at)) = cached.as_ref()
            && at.elapsed() < METADATA_TTL
        {
            return Ok(metadata.clone());
        }
        let issuer = IssuerUrl::new(self.issuer.clone())
            .map_err(|e| SignInError::Internal(anyhow::anyhow!("bad issuer: {e}")))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, http)
            .await
            .map_err(|e| SignInError::failed(format!("discovery of {}: {e}", self.issuer)))?;
        *cached = Some((metadata.clone(), Instant::now()));
        Ok(metadata)
    }

    async fn refresh_keys(
        &self,
        http: &reqwest::Client,
    ) -> Result<CoreProviderMetadata, SignInError> {
        let metadata = self.metadata(http).await?;
        let keys = CoreJsonWebKeySet::fetch_async(metadata.jwks_uri(), http)
            .await
            .map_err(|e| SignInError::failed(format!("keys of {}: {e}", self.issuer)))?;
        let metadata = metadata.set_jwks(keys);
        *self.metadata.lock().await = Some((metadata.clone(), Instant::now()));
        Ok(metadata)
    }
}

type ConfiguredClient = openidconnect::core::CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

fn profile(
    client: &ConfiguredClient,
    id_token: &openidconnect::core::CoreIdToken,
    nonce: &Nonce,
) -> Result<Profile, ClaimsVerificationError> {
    let skew = chrono::Duration::from_std(CLOCK_SKEW).unwrap_or_default();
    let verifier = client
        .id_token_verifier()
        .set_allowed_algs(ALLOWED_ALGS)
        // The expiry is checked against a clock set back by the allowed skew.
        .set_time_fn(move || Utc::now() - skew)
        .set_issue_time_verifier_fn(move |iat| {
            let now = Utc::now();
            if iat > now + skew {
                Err("issued in the future".into())
            } else if iat < now - chrono::Duration::hours(1) - skew {
                Err("issued too long ago".into())
            } else {
                Ok(())
            }
        });
    let claims = id_token.claims(&verifier, nonce)?;
    let name = claims
        .name()
        .and_then(|n| n.get(None))
        .map(|n| n.as_str().to_owned())
        .or_else(|| {
            claims
                .nickname()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str().to_owned())
        })
        .or_else(|| claims.preferred_username().map(|n| n.as_str().to_owned()));
    let email = match (claims.email(), claims.email_verified()) {
        (Some(email), Some(true)) => Some(email.as_str().to_owned()),
        _ => None,
    };
    Ok(Profile {
        subject: claims.subject().as_str().to_owned(),
        name,
        email,
    })
}

fn claims_failed(error: ClaimsVerificationError) -> SignInError {
    SignInError::failed(format!("id token: {error}"))
}
