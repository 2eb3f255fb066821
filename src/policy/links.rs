//! Links: held for review unless they point at a domain the policy allows.
//!
//! Links are found in the [`AddressView`], so `evil．com`, `evil。com`,
//! `evil[.]com` and `evil.c\u{AD}om` read as `evil.com`. Without a scheme, a
//! name is a link when its ending is a real public suffix (the Public Suffix
//! List, through the `psl` crate: `evil.shop`, `bit.ly`, `evil.한국`), not only
//! the endings of a short list.

use std::sync::LazyLock;

use linkify::{LinkFinder, LinkKind};
use regex::Regex;

use crate::policy::disguise::AddressView;
use crate::policy::{Hit, RuleCode};

/// Top-level domains that are also common file extensions: `report.md` or
/// `archive.zip` without a scheme, `www.` or a path is a file name.
const FILE_EXTENSIONS: &[&str] = &[
    "ai", "app", "cc", "java", "md", "mk", "ml", "mov", "pl", "ps", "py", "rs", "sh", "so", "zip",
];

/// A name whose last label is not ASCII (`evil.한국`), which linkify does not
/// read as a link without a scheme.
static UNICODE_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[\p{L}\p{N}_-]+(?:\.[\p{L}\p{N}_-]+)*\.[\p{L}\p{M}]*[^\x00-\x7F\s\p{P}\p{S}][\p{L}\p{M}]*(?:/\S*)?")
        .expect("valid regex")
});

/// A link with a scheme, whatever its host: a number (`http://3232235777/`),
/// an IPv6 literal or a name without a public suffix, which linkify skips.
static WITH_SCHEME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(?:https?|ftp|wss?)://[^\s<>\x22]+").expect("valid regex"));

pub fn find(text: &str, allowed_domains: &[String]) -> Vec<Hit> {
    find_in(&AddressView::of(text), allowed_domains)
}

/// As [`find`], in the address view of a text.
pub fn find_in(view: &AddressView, allowed_domains: &[String]) -> Vec<Hit> {
    let has_scheme = view.text.contains("://");
    if !view.text.contains('.') && !has_scheme {
        return Vec::new();
    }
    let mut finder = LinkFinder::new();
    finder.kinds(&[LinkKind::Url, LinkKind::Email]);
    finder.url_must_have_scheme(false);
    let links = finder
        .links(&view.text)
        .filter(|link| *link.kind() == LinkKind::Url)
        .map(|link| (link.start()..link.end(), link.as_str()));
    let unicode_names = has_unicode_label(&view.text)
        .then(|| UNICODE_NAME.find_iter(&view.text))
        .into_iter()
        .flatten()
        .map(|m| (m.range(), m.as_str()));
    let with_scheme = has_scheme
        .then(|| WITH_SCHEME.find_iter(&view.text))
        .into_iter()
        .flatten()
        .map(|m| (m.range(), m.as_str()));
    let mut hits: Vec<Hit> = links
        .chain(unicode_names)
        .chain(with_scheme)
        .filter_map(|(range, link)| {
            let host = host_of(link)?;
            let allowed = allowed_domains
                .iter()
                .any(|d| is_within(&host, &d.to_lowercase()));
            (!allowed).then(|| Hit {
                code: RuleCode::Link,
                range: view.original(range),
                shown: Some(host),
            })
        })
        .collect();
    hits.sort_by_key(|hit| hit.range.start);
    hits.dedup_by(|a, b| a.range.start < b.range.end && b.range.start < a.range.end);
    hits
}

/// A dot is followed by a character that is not ASCII: the regex for such
/// names is slow to run over every text.
fn has_unicode_label(text: &str) -> bool {
    text.match_indices('.')
        .any(|(at, _)| text[at + 1..].chars().next().is_some_and(|c| !c.is_ascii()))
}

/// `host` is `domain` or one of its subdomains.
fn is_within(host: &str, domain: &str) -> bool {
    host.strip_suffix(domain)
        .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
}

/// The lower-case host of a link, or `None` when a bare word is not a real link.
fn host_of(link: &str) -> Option<String> {
    let (has_scheme, rest) = match link.split_once("://") {
        Some((_, rest)) => (true, rest),
        None => (false, link),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let has_path = authority_end < rest.len();
    let authority = rest[..authority_end].rsplit('@').next()?;
    let host = match authority.strip_prefix('[') {
        // An IPv6 literal: its colons are not a port.
        Some(literal) => literal.split(']').next()?,
        None => authority.split(':').next()?,
    }
    .trim_end_matches('.')
    .to_lowercase();
    if host.is_empty() {
        return None;
    }
    if has_scheme {
        return Some(host);
    }
    let suffix = psl::suffix(host.as_bytes())?;
    if !suffix.is_known() || psl::domain(host.as_bytes()).is_none() {
        return None;
    }
    if has_path || host.starts_with("www.") {
        return Some(host);
    }
    let tld = host.rsplit('.').next()?;
    // "했다.한국": a sentence that ends without a space before the next one.
    let only_hangul = host.chars().all(|c| c == '.' || is_hangul(c));
    (!FILE_EXTENSIONS.contains(&tld) && !only_hangul).then_some(host)
}

fn is_hangul(c: char) -> bool {
    matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(text: &str) -> Vec<String> {
        let allowed = vec!["joongang.co.kr".to_owned()];
        find(text, &allowed)
            .into_iter()
            .filter_map(|h| h.shown)
            .collect()
    }

    #[test]
    fn links_are_found_with_or_without_a_scheme() {
        let cases: &[(&str, &[&str])] = &[
            ("see https://evil.example/path?q=1", &["evil.example"]),
            ("go to www.spam.biz now", &["www.spam.biz"]),
            ("바로가기 naver.com 클릭", &["naver.com"]),
            ("http://bit.ly/x and t.co/y", &["bit.ly", "t.co"]),
        ];
        for (text, expected) in cases {
            assert_eq!(hosts(text), *expected, "{text}");
        }
    }

    #[test]
    fn disguised_links_are_found() {
        let cases: &[(&str, &str, &str)] = &[
            ("evil．com/x", "evil.com", "a full-width dot"),
            ("evil。com", "evil.com", "an ideographic full stop"),
            ("evil.c\u{ad}om", "evil.com", "a soft hyphen"),
            ("ev\u{200b}il.com", "evil.com", "a zero-width space"),
            ("evil[.]com", "evil.com", "a bracketed dot"),
            ("evil(.)com/x", "evil.com", "a dot in parentheses"),
            ("evil(dot)com", "evil.com", "(dot)"),
            ("ｅｖｉｌ．ｃｏｍ", "evil.com", "full-width letters"),
        ];
        for (text, host, why) in cases {
            assert_eq!(hosts(text), [*host], "{why}: {text}");
        }
    }

    #[test]
    fn any_real_top_level_domain_makes_a_link() {
        let cases: &[(&str, &str)] = &[
            ("buy at evil.shop now", "evil.shop"),
            ("scam.click 로 오세요", "scam.click"),
            ("bit.ly/x", "bit.ly"),
            ("evil.xn--3e0b707e", "evil.xn--3e0b707e"),
            ("evil.한국", "evil.한국"),
            ("win.lotto", "win.lotto"),
            ("go evil.co.uk today", "evil.co.uk"),
            ("evil.zip/download", "evil.zip"),
            ("www.report.md", "www.report.md"),
            ("https://run.sh", "run.sh"),
        ];
        for (text, host) in cases {
            assert_eq!(hosts(text), [*host], "{text}");
        }
    }

    #[test]
    fn allowed_domains_pass_in_disguise_too() {
        for text in [
            "joongang．co．kr/article/1",
            "www.joongang。co。kr",
            "https://JoongAng.co.kr/x",
        ] {
            assert!(hosts(text).is_empty(), "{text}: {:?}", hosts(text));
        }
        assert_eq!(
            hosts("joongang.co.kr.evil.com"),
            ["joongang.co.kr.evil.com"]
        );
        assert_eq!(hosts("notjoongang.co.kr"), ["notjoongang.co.kr"]);
    }

    #[test]
    fn file_names_numbers_and_sentences_are_not_links() {
        for text in [
            "report.pdf",
            "photo.jpg",
            "main.rs",
            "script.py",
            "README.md",
            "archive.zip",
            "clip.mov",
            "notes.txt and data.csv",
            "v2.0",
            "3.5",
            "version 1.2.3",
            "e.g. this",
            "Node.js",
            "좋다.그래서 갔다",
            "했다.한국 사람들은",
            "정말.그렇다",
            "Main.java",
            "a.m. and p.m.",
        ] {
            assert!(hosts(text).is_empty(), "{text}: {:?}", hosts(text));
        }
    }

    #[test]
    fn allowed_domains_and_non_links_pass() {
        for text in [
            "https://www.joongang.co.kr/article/1",
            "https://koreajoongangdaily.joongang.co.kr/x",
            "e.g. this, i.e. that",
            "see file.txt and version 1.2.3",
            "mail kim@naver.com",
            "끝.그리고 다음",
        ] {
            assert!(hosts(text).is_empty(), "{text}: {:?}", hosts(text));
        }
    }
}
