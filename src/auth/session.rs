//! Session tokens: 256 random bits, handed to the client once, stored only as a SHA-256.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The session cookie over plain http (`COOKIE_SECURE=false`, local only).
pub const COOKIE_NAME: &str = "comment_desk_session";
/// The session cookie over https. Browsers accept a `__Host-` cookie only when
/// it is Secure, for `Path=/` and without `Domain`, so no sibling subdomain can
/// set or shadow it.
pub const SECURE_COOKIE_NAME: &str = "__Host-comment_desk_session";

/// The name the session cookie is set and read under.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_COOKIE_NAME
    } else {
        COOKIE_NAME
    }
}

/// What identifies a session in storage: the hash of its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenHash(pub [u8; 32]);

impl TokenHash {
    pub fn of(token: &str) -> TokenHash {
        TokenHash(Sha256::digest(token.as_bytes()).into())
    }
}

/// A session just created: the only moment the token itself exists on the server.
#[derive(Debug)]
pub struct NewSession {
    pub token: String,
    pub hash: TokenHash,
    pub expires_at: DateTime<Utc>,
}

impl NewSession {
    pub fn generate(expires_at: DateTime<Utc>) -> NewSession {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let token = URL_SAFE_NO_PAD.encode(bytes);
        let hash = TokenHash::of(&token);
        NewSession {
            token,
            hash,
            expires_at,
        }
    }

    pub fn cookie(&self, secure: bool) -> Cookie<'static> {
        let seconds = (self.expires_at - Utc::now()).num_seconds().max(0);
        base_cookie(self.token.clone(), secure)
            .max_age(CookieDuration::seconds(seconds))
            .finish()
    }
}

/// A cookie that tells the browser to forget the session.
pub fn removal_cookie(secure: bool) -> Cookie<'static> {
    let mut cookie = base_cookie(String::new(), secure).finish();
    cookie.make_removal();
    cookie
}

fn base_cookie(value: String, secure: bool) -> actix_web::cookie::CookieBuilder<'static> {
    Cookie::build(cookie_name(secure), value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let a = NewSession::generate(Utc::now());
        let b = NewSession::generate(Utc::now());
        assert_eq!(a.token.len(), 43, "32 bytes in unpadded base64url");
        assert_ne!(a.token, b.token);
        assert_eq!(a.hash, TokenHash::of(&a.token));
        assert_ne!(a.hash.0.to_vec(), a.token.as_bytes().to_vec());
    }

    #[test]
    fn the_cookie_is_http_only_and_lax() {
        let cookie = NewSession::generate(Utc::now() + chrono::Duration::days(1)).cookie(true);
        let text = cookie.to_string();
        for part in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/", "Max-Age="] {
            assert!(text.contains(part), "{text} lacks {part}");
        }
        assert!(
            text.starts_with("__Host-") && !text.contains("Domain"),
            "{text}"
        );
        let plain = removal_cookie(false).to_string();
        assert!(plain.starts_with("comment_desk_session=") && !plain.contains("Secure"));
    }
}
