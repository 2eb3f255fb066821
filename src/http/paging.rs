//! Cursor paging: `?limit=` (default 20, at most 100) and an opaque `?cursor=`
//! that wraps the id of the last item of the previous page (`v1:`), and for
//! orders by reactions also the moment the listing is cut at and the last
//! rank shown (`v2:`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub use crate::domain::paging::Paging;
use crate::domain::paging::{Cut, DEFAULT_LIMIT, MAX_LIMIT};
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
    let (after, cut) = match cursor {
        None | Some("") => (None, None),
        Some(raw) => {
            let (id, cut) = decode_cursor(raw).ok_or(ApiError::InvalidCursor)?;
            (Some(id), cut)
        }
    };
    Ok(Paging { limit, after, cut })
}

/// For listings ordered by id only: a ranked cursor is not theirs.
pub fn parse_by_id(limit: Option<&str>, cursor: Option<&str>) -> Result<Paging, ApiError> {
    let paging = parse(limit, cursor)?;
    if paging.cut.is_some() {
        return Err(ApiError::InvalidCursor);
    }
    Ok(paging)
}

/// The cursor after the item `id`, with the cut of a ranked listing.
pub fn encode_cursor(id: i64, cut: Option<Cut>) -> String {
    match cut {
        None => URL_SAFE_NO_PAD.encode(format!("v1:{id}")),
        Some(cut) => URL_SAFE_NO_PAD.encode(format!("v2:{}:{}:{id}", cut.seq, cut.key)),
    }
}

fn decode_cursor(raw: &str) -> Option<(i64, Option<Cut>)> {
    if raw.len() > 96 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(raw).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let positive = |part: &str| part.parse::<i64>().ok().filter(|n| *n > 0);
    if let Some(id) = text.strip_prefix("v1:") {
        return Some((positive(id)?, None));
    }
    let mut parts = text.strip_prefix("v2:")?.split(':');
    let seq = parts.next()?.parse::<i64>().ok().filter(|n| *n >= 0)?;
    let key = parts.next()?.parse::<i64>().ok()?;
    let id = positive(parts.next()?)?;
    if parts.next().is_some() {
        return None;
    }
    Some((id, Some(Cut { seq, key })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let cursor = encode_cursor(12345, None);
        assert_eq!(parse(None, Some(&cursor)).unwrap().after, Some(12345));
        let cut = Cut { seq: 7, key: -3 };
        let ranked = parse(None, Some(&encode_cursor(9, Some(cut)))).unwrap();
        assert_eq!((ranked.after, ranked.cut), (Some(9), Some(cut)));
        let v2 = |text: &str| URL_SAFE_NO_PAD.encode(text);
        for garbage in [
            "x",
            "' OR 1=1 --",
            "djE6LTE",
            &"A".repeat(100),
            "v1:5",
            &v2("v2:1:2"),
            &v2("v2:-1:2:3"),
            &v2("v2:1:2:3:4"),
            &v2("v2:1:x:3"),
        ] {
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
