//! Cursor paging: `?limit=` (default 20, at most 100) and an opaque `?cursor=`
//! that wraps the id of the last item of the previous page.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub use crate::domain::paging::Paging;
use crate::domain::paging::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::http::error::ApiError;

/// A limit above 100 is served as 100; zero, negative or non-numeric is refused.
pub fn parse(limit: Option<&str>, cursor: Option<&str>) -> Result<Paging, ApiError> {
    let limit = match limit {
        None | Some("") => DEFAULT_LIMIT,
        Some(raw) => match raw.parse::<u64>() {
            Ok(0) | Err(_) => return Err(ApiError::InvalidQuery("limit")),
            Ok(n) => n.min(MAX_LIMIT as u64) as usize,
        },
    };
    let after = match cursor {
        None | Some("") => None,
        Some(raw) => Some(decode_cursor(raw).ok_or(ApiError::InvalidCursor)?),
    };
    Ok(Paging { limit, after })
}

pub fn encode_cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("v1:{id}"))
}

fn decode_cursor(raw: &str) -> Option<i64> {
    if raw.len() > 64 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(raw).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    text.strip_prefix("v1:")?
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let cursor = encode_cursor(12345);
        assert_eq!(parse(None, Some(&cursor)).unwrap().after, Some(12345));
        for garbage in ["x", "' OR 1=1 --", "djE6LTE", &"A".repeat(100), "v1:5"] {
            assert!(parse(None, Some(garbage)).is_err(), "{garbage}");
        }
    }

    #[test]
    fn limits_default_clamp_and_refuse() {
        assert_eq!(parse(None, None).unwrap().limit, 20);
        assert_eq!(parse(Some("1000"), None).unwrap().limit, 100);
        for bad in ["0", "-1", "ten", "1e3"] {
            assert!(parse(Some(bad), None).is_err(), "{bad}");
        }
    }
}
