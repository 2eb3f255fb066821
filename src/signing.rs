//! The signature on everything we send to a newsroom's systems (webhooks and
//! the moderation hook): `Comment-Desk-Signature: t=<unix seconds>,v1=<hex>`,
//! where each `v1` is HMAC-SHA256 of `"<t>.<body>"` under one secret.
//!
//! During a rotation several secrets are configured: the header carries one
//! `v1=` per secret, so a receiver holding either the old or the new one
//! accepts the request.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header's name, as API.md gives it.
pub const SIGNATURE_HEADER: &str = "Comment-Desk-Signature";

/// The header's value for `body` sent at `unix_seconds`, one `v1=` per secret.
pub fn signature(secrets: &[String], unix_seconds: i64, body: &[u8]) -> String {
    let mut value = format!("t={unix_seconds}");
    for secret in secrets {
        value.push_str(",v1=");
        value.push_str(&hex::encode(mac(secret, unix_seconds, body)));
    }
    value
}

fn mac(secret: &str, unix_seconds: i64, body: &[u8]) -> Vec<u8> {
    // HMAC takes a key of any length; this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(unix_seconds.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_v1_per_secret_in_order() {
        let secrets = ["new".to_string(), "old".to_string()];
        let value = signature(&secrets, 1_700_000_000, b"{}");
        let parts: Vec<&str> = value.split(',').collect();
        assert_eq!(parts[0], "t=1700000000");
        assert_eq!(parts.len(), 3);
        assert_eq!(
            parts[1],
            format!("v1={}", hex::encode(mac("new", 1_700_000_000, b"{}")))
        );
        assert_eq!(
            parts[2],
            format!("v1={}", hex::encode(mac("old", 1_700_000_000, b"{}")))
        );
        assert_ne!(parts[1], parts[2]);
    }

    #[test]
    fn matches_hmac_sha256_of_timestamp_dot_body() {
        // Computed apart from this code (Python's hmac module).
        let value = signature(&["whsec_test".to_string()], 1_700_000_000, br#"{"id":"1"}"#);
        assert_eq!(
            value,
            "t=1700000000,v1=11bf4466ea17c3df3fd743af0b435368e16b7a05eb8eced85e8c4670767bdec5"
        );
    }
}
