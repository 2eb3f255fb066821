//! Session tokens: 256 random bits, handed to the client once, stored only as a SHA-256.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use rand::RngCore;

pub use crate::domain::accounts::TokenHash;

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
}
