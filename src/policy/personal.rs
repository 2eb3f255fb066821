//! Personal information: resident registration numbers, phone numbers, email addresses.
//!
//! Numbers are read as groups of digits, in any script (`٩`, `𝟗`, `９`),
//! joined by any run of separators (spaces, dots, dashes of any kind,
//! underscores, slashes, invisible characters), so `90 01 01.123 4567` is
//! read as the thirteen digits it shows. A number is any run of whole groups;
//! its span covers the groups as written. Emails are found in the
//! [`AddressView`], where `＠`, `。` and `(at)` read as `@` and `.`.

use std::ops::Range;

use linkify::{LinkFinder, LinkKind};

use crate::policy::disguise::{self, AddressView};
use crate::policy::{Hit, RuleCode};

/// Digits in a number are at most this many: longer runs are article numbers,
/// and no number sought here has more.
const MOST_DIGITS: usize = 15;

pub fn find(text: &str) -> Vec<Hit> {
    find_with(text, &AddressView::of(text))
}

/// As [`find`], with the address view of `text` already made.
pub fn find_with(text: &str, view: &AddressView) -> Vec<Hit> {
    let mut hits = Vec::new();
    for number in numbers(text) {
        find_in_number(&number, &mut hits);
    }
    hits.extend(emails(view));
    hits
}

/// Digits written together, and how they are joined to the group before.
#[derive(Debug)]
struct Group {
    digits: String,
    range: Range<usize>,
    join: Join,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Join {
    /// Starts a number.
    None,
    /// Separators only.
    Separators,
    /// Separators with a `+` among them: an international number may start here.
    Plus,
    /// A single comma, which joins unless it groups thousands (`1,234,567`).
    Comma,
}

/// The separators read since the last digit.
#[derive(Default)]
struct Separators {
    count: usize,
    comma: bool,
    plus: bool,
}

/// The numbers of a text: runs of digit groups joined by separators.
fn numbers(text: &str) -> Vec<Vec<Group>> {
    let mut numbers: Vec<Vec<Group>> = Vec::new();
    let mut groups: Vec<Group> = Vec::new();
    let mut separators = Separators::default();
    for (at, c) in text.char_indices() {
        if let Some(digit) = disguise::number_digit(c) {
            let end = at + c.len_utf8();
            match groups.last_mut() {
                Some(group) if group.range.end == at => {
                    group.digits.push(digit);
                    group.range.end = end;
                }
                _ => {
                    let join = if separators.plus {
                        Join::Plus
                    } else if groups.is_empty() {
                        Join::None
                    } else if separators.comma {
                        // "1990, 2000" lists numbers; "900101,1234567" joins them.
                        if separators.count == 1 {
                            Join::Comma
                        } else {
                            Join::None
                        }
                    } else {
                        Join::Separators
                    };
                    if matches!(join, Join::None | Join::Plus) {
                        close(&mut groups, &mut numbers);
                    }
                    groups.push(Group {
                        digits: digit.to_string(),
                        range: at..end,
                        join,
                    });
                }
            }
            separators = Separators::default();
        } else if is_separator(c) {
            separators.count += 1;
            separators.comma |= matches!(c, ',' | '\u{FF0C}');
            separators.plus |= matches!(c, '+' | '\u{FF0B}');
        } else {
            close(&mut groups, &mut numbers);
            separators = Separators::default();
        }
    }
    close(&mut groups, &mut numbers);
    numbers
}

/// Ends the number being read, splitting it where a comma groups thousands.
fn close(groups: &mut Vec<Group>, numbers: &mut Vec<Vec<Group>>) {
    let mut number: Vec<Group> = Vec::new();
    for group in groups.drain(..) {
        let thousands = group.join == Join::Comma
            && group.digits.len() == 3
            && number.last().is_some_and(|g| g.digits.len() <= 3);
        if thousands {
            numbers.push(std::mem::take(&mut number));
        }
        number.push(group);
    }
    if !number.is_empty() {
        numbers.push(number);
    }
}

/// What may stand between the digit groups of one number.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || disguise::is_invisible(c)
        || disguise::is_dash(c)
        || disguise::is_full_stop(c)
        || disguise::is_middle_dot(c)
        || matches!(
            c,
            // The enclosing keycap of `9️⃣`, and ㅡ typed for a dash.
            '\u{20DD}'
                ..='\u{20E4}'
                    | '\u{3161}'
                    | '_'
                    | '/'
                    | '\\'
                    | '|'
                    | '('
                    | ')'
                    | '+'
                    | ','
                    | '~'
                    | '*'
                    | '\u{FF0C}'
                    | '\u{FF0B}'
                    | '\u{FF3F}'
                    | '\u{FF0F}'
                    | '\u{FF3C}'
                    | '\u{FF5C}'
                    | '\u{FF08}'
                    | '\u{FF09}'
                    | '\u{FF5E}'
                    | '\u{3000}'
        )
}

/// Finds resident registration numbers and phone numbers among the runs of
/// whole groups of one number, each group in at most one finding.
fn find_in_number(groups: &[Group], hits: &mut Vec<Hit>) {
    let mut first = 0;
    while first < groups.len() {
        match longest_match(&groups[first..]) {
            Some((code, count)) => {
                let range = groups[first].range.start..groups[first + count - 1].range.end;
                hits.push(Hit {
                    code,
                    range,
                    // Never repeated back, never logged, never stored.
                    shown: None,
                });
                first += count;
            }
            None => first += 1,
        }
    }
}

/// The rule and number of groups of the longest run from the first group
/// that reads as a resident registration number or a phone number.
fn longest_match(groups: &[Group]) -> Option<(RuleCode, usize)> {
    let international = groups.first()?.join == Join::Plus;
    let mut digits = String::new();
    let mut found = None;
    for (index, group) in groups.iter().enumerate() {
        digits.push_str(&group.digits);
        if digits.len() > MOST_DIGITS {
            break;
        }
        // After a +, thirteen digits are a phone number ("+82 (0)10 1234 5678").
        if !international && is_resident_number(&digits) {
            return Some((RuleCode::ResidentRegistrationNumber, index + 1));
        }
        if is_phone_number(&digits, international) {
            found = Some((RuleCode::PhoneNumber, index + 1));
        }
    }
    found
}

/// Six digits of a birth date, then seven more starting with 1 to 8.
fn is_resident_number(digits: &str) -> bool {
    let bytes = digits.as_bytes();
    if bytes.len() != 13 || !(b'1'..=b'8').contains(&bytes[6]) {
        return false;
    }
    let two = |at: usize| (bytes[at] - b'0') * 10 + (bytes[at + 1] - b'0');
    (1..=12).contains(&two(2)) && (1..=31).contains(&two(4))
}

/// Korean mobile, Seoul, area-code and internet numbers, from 0 or after +82,
/// and other international numbers after a `+`.
fn is_phone_number(digits: &str, international: bool) -> bool {
    if international {
        return match digits.strip_prefix("82") {
            Some(national) => is_korean_number(national.strip_prefix('0').unwrap_or(national)),
            None => (9..=MOST_DIGITS).contains(&digits.len()),
        };
    }
    digits.strip_prefix('0').is_some_and(is_korean_number)
}

/// A Korean number without its leading 0: a prefix, then seven or eight digits.
fn is_korean_number(national: &str) -> bool {
    let bytes = national.as_bytes();
    let prefix = match bytes {
        [b'1', b'0' | b'1' | b'6' | b'7' | b'8' | b'9', ..] => 2,
        [b'2', ..] => 1,
        [b'3'..=b'6', b'1'..=b'5', ..] => 2,
        [b'7', b'0', ..] => 2,
        [b'5', b'0', b'2'..=b'8', ..] => 3,
        _ => return false,
    };
    (prefix + 7..=prefix + 8).contains(&bytes.len())
}

fn emails(view: &AddressView) -> Vec<Hit> {
    if !view.text.contains('@') {
        return Vec::new();
    }
    let mut finder = LinkFinder::new();
    finder.kinds(&[LinkKind::Email]);
    finder
        .links(&view.text)
        .map(|link| Hit {
            code: RuleCode::EmailAddress,
            range: view.original(link.start()..link.end()),
            shown: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<&'static str> {
        find(text).into_iter().map(|h| h.code.as_str()).collect()
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
    fn sees_through_disguised_resident_numbers() {
        let rrn = "resident_registration_number";
        let cases = [
            ("900101.1234567", "a dot"),
            ("900101_1234567", "an underscore"),
            ("900101/1234567", "a slash"),
            ("900101--1234567", "two hyphens"),
            ("900101 — 1234567", "an em dash with spaces"),
            ("90 01 01-1234567", "spaces inside the date"),
            ("900101-123 4567", "a space inside the second half"),
            ("900101\u{ad}1234567", "a soft hyphen"),
            ("900101\u{2063}1234567", "an invisible separator"),
            (
                "900101\u{200b}-\u{200b}1234567",
                "zero-width spaces around a hyphen",
            ),
            ("900101,1234567", "a comma"),
            ("𝟗𝟎𝟎𝟏𝟎𝟏-𝟏𝟐𝟑𝟒𝟓𝟔𝟕", "mathematical bold digits"),
            ("٩٠٠١٠١-١٢٣٤٥٦٧", "Arabic-Indic digits"),
            ("۹۰۰۱۰۱-۱۲۳۴۵۶۷", "Persian digits"),
            ("९००१०१-१२३४५६७", "Devanagari digits"),
            ("９００１０１．１２３４５６７", "full-width digits and dot"),
            ("1. 900101-1234567", "after a numbered list mark"),
            (
                "번호는900101ㆍ1234567입니다",
                "a Korean middle dot, inside a sentence",
            ),
        ];
        for (text, why) in cases {
            assert_eq!(codes(text), [rrn], "{why}: {text}");
        }
    }

    #[test]
    fn sees_through_disguised_phone_numbers() {
        let cases = [
            ("010_1234_5678", "underscores"),
            ("010 - 1234 - 5678", "spaced hyphens"),
            ("010/1234/5678", "slashes"),
            ("010.1234.5678", "dots"),
            ("010\u{ad}1234\u{ad}5678", "soft hyphens"),
            ("(02) 123-4567", "an area code in brackets"),
            ("０１０ １２３４ ５６７８", "full-width digits"),
            ("٠١٠-١٢٣٤-٥٦٧٨", "Arabic-Indic digits"),
            ("+82 (0)10 1234 5678", "international with a bracketed zero"),
            ("+1 (555) 123-4567", "another country"),
        ];
        for (text, why) in cases {
            assert_eq!(codes(text), ["phone_number"], "{why}: {text}");
        }
    }

    #[test]
    fn sees_through_disguised_email_addresses() {
        let cases = [
            ("kim@naver。com", "an ideographic full stop"),
            ("kim@naver．com", "a full-width full stop"),
            ("kim＠naver.com", "a full-width at sign"),
            ("kim﹫naver.com", "a small at sign"),
            ("kim (at) naver.com", "(at)"),
            ("kim [at] naver [dot] com", "[at] and [dot]"),
            ("kim@naver[.]com", "a bracketed dot"),
            ("kim @ naver.com", "spaces around the at sign"),
            ("kim@nav\u{ad}er.com", "a soft hyphen"),
        ];
        for (text, why) in cases {
            assert_eq!(codes(text), ["email_address"], "{why}: {text}");
        }
    }

    #[test]
    fn leaves_dates_prices_and_counts_alone() {
        for text in [
            "2024.06.19",
            "2024-06-19 10:30",
            "2024/06/19",
            "2024년 6월 19일",
            "24.06.19 기사",
            "1,234,567원",
            "12,000,000원",
            "1.234.567 euros",
            "기사번호 20240619123456",
            "ISBN 978-89-123-4567-8",
            "ISBN 979-11-5678-123-4",
            "in 1961, 1996, 2000 and 2024",
            "10:30, 11:45",
            "3-2 win, 101-99 final",
            "version 0.10.1234",
            "3.5%",
            "4 000 000 people",
            "at 12.34.56.78",
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
