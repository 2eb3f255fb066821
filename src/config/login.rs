//! Sign-in settings: `PUBLIC_URL`, `LOCAL_LOGIN`, `LOGIN_PROVIDERS` with each
//! provider's `LOGIN_{ID}_*`, and `SSO_*`. Known ids come with their endpoints.

use super::{ConfigError, Vars, bad, normalize_origin};

#[derive(Debug, Clone)]
pub struct LoginSettings {
    /// The server's external origin, for redirect URIs and the own origin;
    /// unset, the address the server listens on (`http://{address}`).
    pub public_url: Option<String>,
    /// Email and password sign-in and registration (`LOCAL_LOGIN=off` turns them off).
    pub local_login: bool,
    /// In the order their buttons are shown.
    pub providers: Vec<ProviderConfig>,
    pub sso: Option<SsoConfig>,
}

#[derive(Debug, Clone)]
pub struct ProviderConfig {
    pub id: String,
    /// The button's label.
    pub name: String,
    pub client_id: String,
    pub client_secret: String,
    pub protocol: Protocol,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protocol {
    /// OpenID Connect, found by discovery at the issuer.
    Oidc { issuer: String },
    /// Plain OAuth 2.0 with the profile read from a user endpoint.
    OAuth2(OAuth2Endpoints),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuth2Endpoints {
    pub authorize_url: String,
    pub token_url: String,
    pub userinfo_url: String,
    pub scopes: Vec<String>,
    pub shape: ProfileShape,
    /// X wants the client's secret in HTTP Basic; Naver and Facebook in the body.
    pub basic_auth: bool,
}

/// How a provider's user endpoint answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileShape {
    /// `{resultcode, message, response: {id, nickname, name, email}}`
    Naver,
    /// `{id, name, email}`
    Facebook,
    /// `{data: {id, name, username}}`
    X,
}

#[derive(Debug, Clone)]
pub struct SsoConfig {
    pub key: SsoKey,
    pub issuer: Option<String>,
    pub audience: Option<String>,
}

#[derive(Debug, Clone)]
pub enum SsoKey {
    /// HS256 with these bytes.
    Secret(String),
    /// RS256 or ES256 with the keys published here.
    JwksUrl(String),
}

/// The endpoints of a known id, before any `LOGIN_{ID}_*` override.
fn known(id: &str) -> Option<(&'static str, Protocol)> {
    let oidc = |issuer: &str| Protocol::Oidc {
        issuer: issuer.into(),
    };
    let oauth2 = |urls: [&str; 3], scopes: &[&str], shape, basic_auth| {
        Protocol::OAuth2(OAuth2Endpoints {
            authorize_url: urls[0].into(),
            token_url: urls[1].into(),
            userinfo_url: urls[2].into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            shape,
            basic_auth,
        })
    };
    Some(match id {
        "kakao" => ("카카오", oidc("https://kauth.kakao.com")),
        "google" => ("Google", oidc("https://accounts.google.com")),
        "naver" => (
            "네이버",
            oauth2(
                [
                    "https://nid.naver.com/oauth2.0/authorize",
                    "https://nid.naver.com/oauth2.0/token",
                    "https://openapi.naver.com/v1/nid/me",
                ],
                &[],
                ProfileShape::Naver,
                false,
            ),
        ),
        "facebook" => (
            "Facebook",
            oauth2(
                [
                    "https://www.facebook.com/v21.0/dialog/oauth",
                    "https://graph.facebook.com/v21.0/oauth/access_token",
                    "https://graph.facebook.com/me?fields=id,name,email",
                ],
                &["public_profile", "email"],
                ProfileShape::Facebook,
                false,
            ),
        ),
        "x" => (
            "X",
            oauth2(
                [
                    "https://x.com/i/oauth2/authorize",
                    "https://api.x.com/2/oauth2/token",
                    "https://api.x.com/2/users/me",
                ],
                &["users.read", "tweet.read"],
                ProfileShape::X,
                true,
            ),
        ),
        _ => return None,
    })
}

impl<F: Fn(&str) -> Option<String>> Vars<'_, F> {
    pub(super) fn login(&self) -> Result<LoginSettings, ConfigError> {
        let public_url = match self.raw("PUBLIC_URL") {
            Some(url) => Some(normalize_origin(&url).ok_or_else(|| {
                bad(
                    "PUBLIC_URL",
                    format!("must be an origin such as https://comments.news.example, got {url:?}"),
                )
            })?),
            None => None,
        };
        Ok(LoginSettings {
            public_url,
            local_login: self.switch("LOCAL_LOGIN", true)?,
            providers: self.providers()?,
            sso: self.sso()?,
        })
    }

    fn providers(&self) -> Result<Vec<ProviderConfig>, ConfigError> {
        let Some(list) = self.raw("LOGIN_PROVIDERS") else {
            return Ok(Vec::new());
        };
        let mut providers: Vec<ProviderConfig> = Vec::new();
        for id in list.split(',').map(|id| id.trim().to_ascii_lowercase()) {
            if id.is_empty() {
                continue;
            }
            let valid = id.len() <= 32
                && id != crate::domain::identities::SSO_PROVIDER
                && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid || providers.iter().any(|p| p.id == id) {
                return Err(bad(
                    "LOGIN_PROVIDERS",
                    format!("must list distinct ids of letters, digits and _, got {id:?}"),
                ));
            }
            providers.push(self.provider(&id)?);
        }
        Ok(providers)
    }

    fn provider(&self, id: &str) -> Result<ProviderConfig, ConfigError> {
        let var = |suffix: &str| format!("LOGIN_{}_{suffix}", id.to_ascii_uppercase());
        let required = |suffix: &str| {
            let name = var(suffix);
            self.raw(&name).ok_or_else(|| {
                bad(
                    &name,
                    "must be set for a provider in LOGIN_PROVIDERS".into(),
                )
            })
        };
        let (default_name, protocol) = match (known(id), self.raw(&var("ISSUER"))) {
            (Some((_, Protocol::Oidc { .. })) | None, Some(issuer)) => (
                known(id).map_or(id.to_owned(), |k| k.0.into()),
                Protocol::Oidc { issuer },
            ),
            (Some((name, Protocol::OAuth2(endpoints))), _) => {
                (name.into(), Protocol::OAuth2(self.endpoints(id, endpoints)))
            }
            (Some((name, protocol)), None) => (name.into(), protocol),
            (None, None) => {
                return Err(bad(
                    &var("ISSUER"),
                    "must be set for an OpenID provider not known by name".into(),
                ));
            }
        };
        Ok(ProviderConfig {
            id: id.to_owned(),
            name: self.raw(&var("NAME")).unwrap_or(default_name),
            client_id: required("CLIENT_ID")?,
            client_secret: required("CLIENT_SECRET")?,
            protocol,
        })
    }

    /// A known OAuth 2.0 provider's endpoints, each replaceable.
    fn endpoints(&self, id: &str, known: OAuth2Endpoints) -> OAuth2Endpoints {
        let var = |suffix: &str| self.raw(&format!("LOGIN_{}_{suffix}", id.to_ascii_uppercase()));
        OAuth2Endpoints {
            authorize_url: var("AUTHORIZE_URL").unwrap_or(known.authorize_url),
            token_url: var("TOKEN_URL").unwrap_or(known.token_url),
            userinfo_url: var("USERINFO_URL").unwrap_or(known.userinfo_url),
            ..known
        }
    }

    fn sso(&self) -> Result<Option<SsoConfig>, ConfigError> {
        let key = match (self.raw("SSO_SECRET"), self.raw("SSO_JWKS_URL")) {
            (None, None) => return Ok(None),
            (Some(_), Some(_)) => {
                return Err(bad(
                    "SSO_SECRET",
                    "and SSO_JWKS_URL cannot both be set".into(),
                ));
            }
            (Some(secret), None) if secret.len() < 32 => {
                return Err(bad("SSO_SECRET", "must be at least 32 bytes long".into()));
            }
            (Some(secret), None) => SsoKey::Secret(secret),
            (None, Some(url)) => SsoKey::JwksUrl(url),
        };
        Ok(Some(SsoConfig {
            key,
            issuer: self.raw("SSO_ISSUER"),
            audience: self.raw("SSO_AUDIENCE"),
        }))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::config::Settings;

    fn login(pairs: &[(&str, &str)]) -> Result<LoginSettings, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|name| map.get(name).cloned()).map(|s| s.login)
    }

    #[test]
    fn known_ids_bring_their_endpoints_and_names() {
        let login = login(&[
            ("LOGIN_PROVIDERS", "kakao, naver,campus"),
            ("LOGIN_KAKAO_CLIENT_ID", "k"),
            ("LOGIN_KAKAO_CLIENT_SECRET", "ks"),
            ("LOGIN_NAVER_CLIENT_ID", "n"),
            ("LOGIN_NAVER_CLIENT_SECRET", "ns"),
            ("LOGIN_NAVER_USERINFO_URL", "http://127.0.0.1:9/me"),
            ("LOGIN_CAMPUS_CLIENT_ID", "c"),
            ("LOGIN_CAMPUS_CLIENT_SECRET", "cs"),
            ("LOGIN_CAMPUS_ISSUER", "https://sso.campus.example"),
            ("LOGIN_CAMPUS_NAME", "Campus"),
        ])
        .unwrap();
        let ids: Vec<_> = login.providers.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["kakao", "naver", "campus"]);
        assert_eq!(login.providers[0].name, "카카오");
        assert_eq!(
            login.providers[0].protocol,
            Protocol::Oidc {
                issuer: "https://kauth.kakao.com".into()
            }
        );
        let Protocol::OAuth2(naver) = &login.providers[1].protocol else {
            panic!("naver is OAuth 2.0");
        };
        assert_eq!(naver.userinfo_url, "http://127.0.0.1:9/me");
        assert_eq!(naver.token_url, "https://nid.naver.com/oauth2.0/token");
        assert_eq!(login.providers[2].name, "Campus");
        assert!(login.local_login);
        assert_eq!(login.public_url, None);
    }

    #[test]
    fn a_provider_without_its_client_or_issuer_stops_start_up() {
        let error = login(&[
            ("LOGIN_PROVIDERS", "google"),
            ("LOGIN_GOOGLE_CLIENT_ID", "g"),
        ])
        .unwrap_err();
        assert_eq!(error.name, "LOGIN_GOOGLE_CLIENT_SECRET");
        let error = login(&[("LOGIN_PROVIDERS", "campus")]).unwrap_err();
        assert_eq!(error.name, "LOGIN_CAMPUS_ISSUER");
        let error = login(&[("LOGIN_PROVIDERS", "sso")]).unwrap_err();
        assert_eq!(error.name, "LOGIN_PROVIDERS");
        let error = login(&[("SSO_SECRET", "short")]).unwrap_err();
        assert_eq!(error.name, "SSO_SECRET");
    }
}
