//! The language of messages, from `Accept-Language` (`ko` or `en`, English by default).

use actix_web::HttpRequest;
use actix_web::http::header::{ACCEPT_LANGUAGE, HeaderMap};

pub use crate::domain::message::{Lang, Text};

pub fn of(req: &HttpRequest) -> Lang {
    from_headers(req.headers())
}

pub fn from_headers(headers: &HeaderMap) -> Lang {
    headers
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map_or(Lang::En, negotiate)
}

/// Picks the supported language with the highest quality; ties go to the first listed.
pub fn negotiate(header: &str) -> Lang {
    let mut best: Option<(f32, Lang)> = None;
    for entry in header.split(',') {
        let mut parts = entry.split(';');
        let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let quality = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let lang = match tag.split('-').next() {
            Some("ko") => Lang::Ko,
            Some("en") => Lang::En,
            _ => continue,
        };
        if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
            best = Some((quality, lang));
        }
    }
    best.map_or(Lang::En, |(_, lang)| lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates_by_quality() {
        let cases = [
            ("", Lang::En),
            ("ko", Lang::Ko),
            ("ko-KR,ko;q=0.9,en-US;q=0.8", Lang::Ko),
            ("en-US,en;q=0.9,ko;q=0.8", Lang::En),
            ("fr, ko;q=0.5", Lang::Ko),
            ("ko;q=0, en", Lang::En),
            ("ja", Lang::En),
            ("en;q=0.2, ko;q=0.7", Lang::Ko),
        ];
        for (header, expected) in cases {
            assert_eq!(negotiate(header), expected, "{header:?}");
        }
    }
}
