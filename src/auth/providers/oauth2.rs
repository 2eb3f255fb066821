//! Plain OAuth 2.0 (Naver, Facebook, X): the code flow with state and PKCE,
//! then the profile from the provider's user endpoint in its own shape.
//!
//! The token request is a few lines written here rather than a crate's,
//! because these providers bend the standard (Naver sends `expires_in` as a
//! string): only `access_token` is read, and no token is kept.

use reqwest::Url;
use serde::Deserialize;
use serde_json::Value;

use super::{Start, challenge};
use crate::config::{OAuth2Endpoints, ProfileShape};
use crate::domain::identities::{Profile, SignInError};

pub struct OAuth2 {
    endpoints: OAuth2Endpoints,
    client_id: String,
    client_secret: String,
}

/// A user endpoint's answer is small; anything larger is not one.
const PROFILE_LIMIT: usize = 64 * 1024;

impl OAuth2 {
    pub fn new(endpoints: &OAuth2Endpoints, client_id: &str, client_secret: &str) -> OAuth2 {
        OAuth2 {
            endpoints: endpoints.clone(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
        }
    }

    pub fn authorize_url(&self, start: &Start<'_>) -> Result<String, SignInError> {
        let mut url = Url::parse(&self.endpoints.authorize_url)
            .map_err(|e| SignInError::Internal(anyhow::anyhow!("bad authorize url: {e}")))?;
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", &self.client_id)
                .append_pair("redirect_uri", start.redirect_uri)
                .append_pair("state", start.state)
                .append_pair("code_challenge", &challenge(start.pkce_verifier))
                .append_pair("code_challenge_method", "S256");
            if !self.endpoints.scopes.is_empty() {
                query.append_pair("scope", &self.endpoints.scopes.join(" "));
            }
        }
        Ok(url.to_string())
    }

    pub async fn finish(
        &self,
        http: &reqwest::Client,
        redirect_uri: &str,
        code: &str,
        pkce_verifier: &str,
    ) -> Result<Profile, SignInError> {
        let access_token = self
            .exchange(http, redirect_uri, code, pkce_verifier)
            .await?;
        let answer = http
            .get(&self.endpoints.userinfo_url)
            .bearer_auth(&access_token)
            .send()
            .await
            .map_err(|e| SignInError::failed(format!("user endpoint: {e}")))?;
        if !answer.status().is_success() {
            return Err(SignInError::failed(format!(
                "user endpoint answered {}",
                answer.status()
            )));
        }
        let body = answer
            .bytes()
            .await
            .map_err(|e| SignInError::failed(format!("user endpoint: {e}")))?;
        if body.len() > PROFILE_LIMIT {
            return Err(SignInError::failed("user endpoint answer too large"));
        }
        let value: Value = serde_json::from_slice(&body)
            .map_err(|e| SignInError::failed(format!("user endpoint: {e}")))?;
        read_profile(self.endpoints.shape, &value)
            .ok_or_else(|| SignInError::failed("user endpoint answer has no id"))
    }

    async fn exchange(
        &self,
        http: &reqwest::Client,
        redirect_uri: &str,
        code: &str,
        pkce_verifier: &str,
    ) -> Result<String, SignInError> {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", pkce_verifier),
        ];
        let mut request = http.post(&self.endpoints.token_url);
        if self.endpoints.basic_auth {
            request = request.basic_auth(&self.client_id, Some(&self.client_secret));
        } else {
            form.push(("client_id", &self.client_id));
            form.push(("client_secret", &self.client_secret));
        }
        #[derive(Deserialize)]
        struct Tokens {
            access_token: String,
        }
        let answer = request
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(|e| SignInError::failed(format!("token exchange: {e}")))?;
        if !answer.status().is_success() {
            return Err(SignInError::failed(format!(
                "token exchange answered {}",
                answer.status()
            )));
        }
        let tokens: Tokens = answer
            .json()
            .await
            .map_err(|e| SignInError::failed(format!("token answer: {e}")))?;
        Ok(tokens.access_token)
    }
}

/// The subject, name and email in each provider's shape. Naver and Facebook
/// give only an email their owner has confirmed; X gives none.
pub fn read_profile(shape: ProfileShape, value: &Value) -> Option<Profile> {
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    let (person, name_keys): (&Value, &[&str]) = match shape {
        ProfileShape::Naver => {
            if value.get("resultcode").and_then(Value::as_str) != Some("00") {
                return None;
            }
            (value.get("response")?, &["nickname", "name"])
        }
        ProfileShape::Facebook => (value, &["name"]),
        ProfileShape::X => (value.get("data")?, &["name", "username"]),
    };
    let subject = match person.get("id")? {
        Value::String(id) if !id.is_empty() => id.clone(),
        Value::Number(id) => id.to_string(),
        _ => return None,
    };
    Some(Profile {
        subject,
        name: name_keys.iter().find_map(|key| text(person, key)),
        email: match shape {
            ProfileShape::X => None,
            _ => text(person, "email"),
        },
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn each_shape_gives_its_subject_name_and_email() {
        let naver = json!({"resultcode": "00", "message": "success",
            "response": {"id": "abc", "nickname": "네이버독자", "email": "n@naver.com"}});
        let profile = read_profile(ProfileShape::Naver, &naver).unwrap();
        assert_eq!(profile.subject, "abc");
        assert_eq!(profile.name.as_deref(), Some("네이버독자"));
        assert_eq!(profile.email.as_deref(), Some("n@naver.com"));
        let failed = json!({"resultcode": "024", "message": "Authentication failed"});
        assert_eq!(read_profile(ProfileShape::Naver, &failed), None);

        let x = json!({"data": {"id": "42", "name": "X Reader", "username": "xr"}});
        let profile = read_profile(ProfileShape::X, &x).unwrap();
        assert_eq!((profile.subject.as_str(), profile.email), ("42", None));

        let facebook = json!({"id": 7, "name": "Fb Reader"});
        assert_eq!(
            read_profile(ProfileShape::Facebook, &facebook)
                .unwrap()
                .subject,
            "7"
        );
        assert_eq!(
            read_profile(ProfileShape::Facebook, &json!({"id": ""})),
            None
        );
    }
}
