//! Links: held for review unless they point at a domain the policy allows.

use linkify::{LinkFinder, LinkKind};

use crate::policy::Hit;

/// Domains written without a scheme count as links only with one of these
/// endings, so "file.txt" or "e.g." are not links.
const BARE_TLDS: &[&str] = &[
    "com", "net", "org", "kr", "io", "me", "co", "ly", "gl", "info", "biz", "tv", "xyz", "site",
    "link", "app", "dev", "news", "online", "shop", "top", "club", "page", "to",
];

pub fn find(text: &str, allowed_domains: &[String]) -> Vec<Hit> {
    let mut finder = LinkFinder::new();
    finder.kinds(&[LinkKind::Url, LinkKind::Email]);
    finder.url_must_have_scheme(false);
    finder
        .links(text)
        .filter(|link| *link.kind() == LinkKind::Url)
        .filter_map(|link| {
            let host = host_of(link.as_str())?;
            let allowed = allowed_domains
                .iter()
                .any(|d| host == *d || host.ends_with(&format!(".{d}")));
            (!allowed).then(|| Hit {
                code: "link",
                range: link.start()..link.end(),
                shown: Some(host),
            })
        })
        .collect()
}

/// The lower-case host of a link, or `None` when a bare word is not a real link.
fn host_of(link: &str) -> Option<String> {
    let (has_scheme, rest) = match link.split_once("://") {
        Some((_, rest)) => (true, rest),
        None => (false, link),
    };
    let host = rest
        .split(['/', '?', '#'])
        .next()?
        .rsplit('@')
        .next()?
        .split(':')
        .next()?
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let tld = host.rsplit('.').next()?;
    let looks_real = has_scheme || host.starts_with("www.") || BARE_TLDS.contains(&tld);
    (looks_real && host.contains('.')).then_some(host)
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
