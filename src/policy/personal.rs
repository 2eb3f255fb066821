//! Personal information: resident registration numbers, phone numbers, email addresses.
//!
//! Numbers are searched in a view of the text where full-width digits and
//! other dashes are ASCII, one character for one, so a disguised number is
//! still found and its span still maps back to the text as written.

use std::sync::LazyLock;

use linkify::{LinkFinder, LinkKind};
use regex::Regex;

use crate::policy::Hit;

static RESIDENT_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d{2}(\d{2})(\d{2})\s?-?\s?[1-8]\d{6}").expect("valid regex"));

/// Korean mobile, area-code and internet numbers, with or without +82, and
/// other international numbers written with a leading +.
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?:(?:\+82[\s.-]?|0)(?:1[016789]|2|[3-6][1-5]|70|50[2-8])[\s.)-]{0,2}\d{3,4}[\s.-]?\d{4})",
        r"|(?:\+\d{1,3}[\s.-]?\(?\d{1,4}\)?[\s.-]?\d{3,4}[\s.-]?\d{4})"
    ))
    .expect("valid regex")
});

pub fn find(text: &str) -> Vec<Hit> {
    let view = AsciiView::of(text);
    let mut hits = Vec::new();
    for m in RESIDENT_NUMBER.captures_iter(&view.text) {
        let whole = m.get(0).expect("match");
        let month: u32 = m[1].parse().unwrap_or(0);
        let day: u32 = m[2].parse().unwrap_or(0);
        if (1..=12).contains(&month) && (1..=31).contains(&day) && view.stands_alone(whole.range())
        {
            hits.push(Hit {
                code: "resident_registration_number",
                range: view.original(whole.range()),
                // Never repeated back, never logged, never stored.
                shown: None,
            });
        }
    }
    for m in PHONE.find_iter(&view.text) {
        let overlaps = hits.iter().any(|h| {
            view.original(m.range()).start < h.range.end
                && h.range.start < view.original(m.range()).end
        });
        if view.stands_alone(m.range()) && !overlaps {
            hits.push(Hit {
                code: "phone_number",
                range: view.original(m.range()),
                shown: None,
            });
        }
    }
    let mut emails = LinkFinder::new();
    emails.kinds(&[LinkKind::Email]);
    hits.extend(emails.links(text).map(|link| Hit {
        code: "email_address",
        range: link.start()..link.end(),
        shown: None,
    }));
    hits
}

/// The text with digits and dashes made ASCII, and where each character came from.
struct AsciiView {
    text: String,
    /// For each byte offset of `text` where a character starts: the original offset.
    starts: Vec<(usize, usize)>,
    original_len: usize,
}

impl AsciiView {
    fn of(original: &str) -> AsciiView {
        let mut text = String::with_capacity(original.len());
        let mut starts = Vec::with_capacity(original.len());
        for (offset, c) in original.char_indices() {
            starts.push((text.len(), offset));
            text.push(ascii_form(c));
        }
        AsciiView {
            text,
            starts,
            original_len: original.len(),
        }
    }

    fn original(&self, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
        let at = |view_offset: usize| match self.starts.binary_search_by_key(&view_offset, |s| s.0)
        {
            Ok(i) => self.starts[i].1,
            Err(_) => self.original_len,
        };
        at(range.start)..at(range.end)
    }

    /// No digit right before or after: part of a longer number is not a match.
    fn stands_alone(&self, range: std::ops::Range<usize>) -> bool {
        let before = self.text[..range.start].chars().next_back();
        let after = self.text[range.end..].chars().next();
        !before.is_some_and(|c| c.is_ascii_digit()) && !after.is_some_and(|c| c.is_ascii_digit())
    }
}

fn ascii_form(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        '－' | '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' | 'ー' => '-',
        '＋' => '+',
        '（' => '(',
        '）' => ')',
        '．' | '。' => '.',
        '\u{3000}' | '\u{a0}' => ' ',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<&'static str> {
        find(text).into_iter().map(|h| h.code).collect()
    }

    #[test]
    fn finds_personal_information_in_both_languages() {
        let cases: &[(&str, &[&str])] = &[
            (
                "제 주민번호는 900101-1234567 입니다",
                &["resident_registration_number"],
            ),
            ("my RRN 9001011234567", &["resident_registration_number"]),
            (
                "full width ９００１０１－１２３４５６７",
                &["resident_registration_number"],
            ),
            ("연락주세요 010-1234-5678", &["phone_number"]),
            ("call 010 1234 5678 tonight", &["phone_number"]),
            ("+82 10-1234-5678", &["phone_number"]),
            ("서울 02-123-4567", &["phone_number"]),
            ("mail kim.reader@news.example now", &["email_address"]),
            ("이메일 reader@naver.com 으로", &["email_address"]),
        ];
        for (text, expected) in cases {
            assert_eq!(codes(text), *expected, "{text}");
        }
    }

    #[test]
    fn leaves_ordinary_numbers_alone() {
        for text in [
            "2024년 6월 18일, 24년 만의 방문",
            "in 1961 and 1996 and 2000",
            "9001011234567890 is a long number",
            "사망 13명, 부상 991231명",
            "price 1,234,567 won",
            "991399-1234567 is not a date",
            "@someone said so",
        ] {
            assert!(codes(text).is_empty(), "{text}: {:?}", codes(text));
        }
    }

    #[test]
    fn spans_map_back_to_the_text_as_written() {
        let text = "번호 ０１０－１２３４－５６７８ 끝";
        let hit = &find(text)[0];
        assert_eq!(&text[hit.range.clone()], "０１０－１２３４－５６７８");
    }
}
