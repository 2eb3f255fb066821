//! Characters that hide what they stand for: digits of other scripts,
//! invisible characters, look-alike punctuation. The detectors of personal
//! information and links read the text through [`AddressView`], which undoes
//! these disguises and maps every span back to the text as written.

use std::ops::Range;

/// The first code point (digit zero) of each run of ten decimal digits
/// (general category Nd): Unicode keeps them contiguous, zero to nine. Up to
/// Unicode 16; the test checks the table against the regex crate's `\d`.
const DIGIT_ZEROS: &[u32] = &[
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
    0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x10D40, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0,
    0x11650, 0x116C0, 0x116D0, 0x116DA, 0x11730, 0x118E0, 0x11950, 0x11BF0, 0x11C50, 0x11D50,
    0x11DA0, 0x11F50, 0x16130, 0x16A60, 0x16AC0, 0x16B50, 0x16D70, 0x1CCF0, 0x1D7CE, 0x1D7D8,
    0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E4F0, 0x1E5F1, 0x1E950, 0x1FBF0,
];

/// The value of a decimal digit of any script (`٣`, `३`, `𝟑`, `３` → 3).
pub fn digit_value(c: char) -> Option<u32> {
    let code = c as u32;
    if c.is_ascii_digit() {
        return Some(code - 0x30);
    }
    // Below the first digit of another script, and Hangul up to the
    // full-width digits, have none: most text is checked in one comparison.
    if code < 0x660 || (0xAC00..0xFF10).contains(&code) {
        return None;
    }
    let index = DIGIT_ZEROS.partition_point(|zero| *zero <= code);
    let zero = DIGIT_ZEROS[index.checked_sub(1)?];
    (code - zero < 10).then_some(code - zero)
}

/// The ASCII digit a decimal digit of any script stands for.
pub fn ascii_digit(c: char) -> Option<char> {
    digit_value(c).and_then(|value| char::from_digit(value, 10))
}

/// The ASCII digit a character spells in a number: a decimal digit of any
/// script, or a compatibility form of one that is no decimal digit itself
/// (`⑨`, `⁹`, `₉`, `⒐`, `⑼`, `❾`, `⓿`): circled, superscript and subscript
/// digits read as plain ones once folded (NFKC), so they spell numbers too.
pub fn number_digit(c: char) -> Option<char> {
    if let Some(digit) = ascii_digit(c) {
        return Some(digit);
    }
    let code = c as u32;
    let compatibility = matches!(code, 0xB2 | 0xB3 | 0xB9)
        || (0x2070..=0x209F).contains(&code)
        || (0x2460..=0x24FF).contains(&code)
        || (0x2776..=0x2793).contains(&code)
        || (0x1F100..=0x1F10C).contains(&code);
    if !compatibility {
        return None;
    }
    use unicode_normalization::UnicodeNormalization;
    let mut digits = std::iter::once(c)
        .nfkc()
        .filter(|c| !matches!(c, '.' | ',' | '(' | ')'));
    match (digits.next(), digits.next()) {
        (Some(digit), None) if digit.is_ascii_digit() => Some(digit),
        _ => match code {
            // Dingbat negative circled digits have no decomposition.
            0x2776..=0x277E => char::from_digit(code - 0x2775, 10),
            0x278A..=0x2792 => char::from_digit(code - 0x2789, 10),
            0x2780..=0x2788 => char::from_digit(code - 0x277F, 10),
            0x24FF => Some('0'),
            0x24F5..=0x24FD => char::from_digit(code - 0x24F4, 10),
            _ => None,
        },
    }
}

/// Characters that show nothing (or nearly nothing) and so can be slipped
/// between the characters of a number, an address or a word: the default
/// ignorable code points of Unicode, less the Hangul fillers that text uses.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{AD}'
            | '\u{34F}'
            | '\u{61C}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Dashes, hyphens and minus signs of any kind.
pub fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{58A}'
            | '\u{5BE}'
            | '\u{1806}'
            | '\u{2010}'..='\u{2015}'
            | '\u{2053}'
            | '\u{207B}'
            | '\u{208B}'
            | '\u{2212}'
            | '\u{2E17}'
            | '\u{2E1A}'
            | '\u{2E3A}'..='\u{2E3B}'
            | '\u{2E40}'
            | '\u{301C}'
            | '\u{3030}'
            | '\u{30A0}'
            | '\u{30FC}'
            | '\u{FE31}'..='\u{FE32}'
            | '\u{FE58}'
            | '\u{FE63}'
            | '\u{FF0D}'
            | '\u{FF70}'
    )
}

/// Full stops other than `.`: ideographic, full-width, half-width, small.
pub fn is_full_stop(c: char) -> bool {
    matches!(c, '.' | '\u{3002}' | '\u{FF0E}' | '\u{FF61}' | '\u{FE52}')
}

/// Middle dots, which Korean text uses between list items (`시ㆍ군ㆍ구`), and
/// the medial araea U+119E that the letter ㆍ (U+318D) folds to.
pub fn is_middle_dot(c: char) -> bool {
    matches!(
        c,
        '\u{B7}'
            | '\u{119E}'
            | '\u{2022}'
            | '\u{2027}'
            | '\u{2219}'
            | '\u{30FB}'
            | '\u{318D}'
            | '\u{FF65}'
    )
}

/// The ASCII character a full-width form stands for (`ｅ` → `e`, `＠` → `@`).
fn from_full_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// The text with the disguises of addresses and links undone: full-width
/// forms and other full stops and at signs made ASCII, invisible characters
/// left out, `[.]`, `(dot)`, `(at)` and the like read as `.` and `@`, and
/// spaces around an at sign dropped. Each character of the view knows the
/// range of the text it came from.
pub struct AddressView {
    pub text: String,
    /// For each character of `text`: its byte offset there, and the range of
    /// the original text it stands for. Empty when the view is the text itself.
    sources: Vec<(usize, Range<usize>)>,
}

/// Written-out dots and at signs, lower case, as they stand in the text.
const SPELLED: &[(&str, char)] = &[
    ("[.]", '.'),
    ("(.)", '.'),
    ("{.}", '.'),
    ("[dot]", '.'),
    ("(dot)", '.'),
    ("{dot}", '.'),
    ("[at]", '@'),
    ("(at)", '@'),
    ("{at}", '@'),
    ("[@]", '@'),
    ("(@)", '@'),
];

impl AddressView {
    pub fn of(original: &str) -> AddressView {
        if !original.chars().any(needs_reading) {
            // Nothing to undo (most comments): no map to build.
            return AddressView {
                text: original.to_owned(),
                sources: Vec::new(),
            };
        }
        let mut view = AddressView {
            text: String::with_capacity(original.len()),
            sources: Vec::with_capacity(original.len()),
        };
        // After an at sign or a spelled-out form, spaces are left out.
        let mut glue_next = false;
        let mut rest = original.char_indices().peekable();
        while let Some((at, c)) = rest.next() {
            if is_invisible(c) {
                continue;
            }
            let spelled = spelled_at(&original[at..]);
            let (ch, end) = match spelled {
                Some((ch, len)) => {
                    // Skip the rest of the spelled-out form.
                    while rest.peek().is_some_and(|(next, _)| *next < at + len) {
                        rest.next();
                    }
                    (ch, at + len)
                }
                None => (read_as(c), at + c.len_utf8()),
            };
            if ch.is_whitespace() && glue_next {
                continue;
            }
            glue_next = ch == '@' || spelled.is_some();
            if glue_next {
                view.drop_trailing_spaces();
            }
            view.sources.push((view.text.len(), at..end));
            view.text.push(ch);
        }
        view
    }

    /// The range of the original text that `range` of the view stands for.
    pub fn original(&self, range: Range<usize>) -> Range<usize> {
        if self.sources.is_empty() {
            return range;
        }
        let first = self.sources.partition_point(|(at, _)| *at < range.start);
        let last = self.sources.partition_point(|(at, _)| *at < range.end);
        match (self.sources.get(first), last.checked_sub(1)) {
            (Some((_, start)), Some(last)) if last >= first => {
                start.start..self.sources[last].1.end
            }
            _ => 0..0,
        }
    }

    fn drop_trailing_spaces(&mut self) {
        while self.text.ends_with(char::is_whitespace) {
            self.text.pop();
            self.sources.pop();
        }
    }
}

/// A character the view may read otherwise, or that starts a form that it may.
fn needs_reading(c: char) -> bool {
    if c.is_ascii() {
        return matches!(c, '@' | '[' | '(' | '{');
    }
    is_invisible(c) || read_as(c) != c
}

/// A written-out dot or at sign at the start of `text`: what it stands for and its length.
fn spelled_at(text: &str) -> Option<(char, usize)> {
    if !text.starts_with(['[', '(', '{']) {
        return None;
    }
    SPELLED.iter().find_map(|(form, ch)| {
        let head = text.get(..form.len())?;
        head.eq_ignore_ascii_case(form).then_some((*ch, form.len()))
    })
}

/// What a character reads as in an address.
fn read_as(c: char) -> char {
    match c {
        '\u{FE6B}' => '@',
        c if is_full_stop(c) => '.',
        c => from_styled(c).unwrap_or_else(|| from_full_width(c)),
    }
}

/// The ASCII letter or digit a styled form stands for: mathematical letters
/// (`𝐤`, `𝕜`, `𝓀`), letterlike symbols (`ℕ`) and circled or squared letters
/// (`ⓒ`, `🄲`) fold to it (NFKC) as full-width letters do.
fn from_styled(c: char) -> Option<char> {
    let code = c as u32;
    let styled = (0x1D400..=0x1D7FF).contains(&code)
        || (0x2100..=0x214F).contains(&code)
        || (0x24B6..=0x24E9).contains(&code)
        || (0x1F130..=0x1F189).contains(&code);
    if !styled {
        return None;
    }
    use unicode_normalization::UnicodeNormalization;
    let mut folded = std::iter::once(c).nfkc();
    match (folded.next(), folded.next()) {
        (Some(ascii), None) if ascii.is_ascii_alphanumeric() => Some(ascii.to_ascii_lowercase()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    #[test]
    fn digits_of_every_script_have_their_value() {
        let cases = [
            ('7', 7),
            ('７', 7),
            ('٧', 7),
            ('۷', 7),
            ('७', 7),
            ('৭', 7),
            ('๗', 7),
            ('𝟕', 7),
            ('𝟽', 7),
            ('𝟗', 9),
            ('０', 0),
        ];
        for (c, value) in cases {
            assert_eq!(digit_value(c), Some(value), "{c}");
        }
        for c in ['a', '½', '²', 'Ⅶ', '七', '⑦', ' '] {
            assert_eq!(digit_value(c), None, "{c} is not a decimal digit");
        }
    }

    #[test]
    fn compatibility_digits_spell_numbers() {
        for (c, digit) in [
            ('⑨', '9'),
            ('⓪', '0'),
            ('⁹', '9'),
            ('¹', '1'),
            ('₉', '9'),
            ('⒐', '9'),
            ('⑼', '9'),
            ('❾', '9'),
            ('⓿', '0'),
            ('➒', '9'),
            ('⓽', '9'),
            ('9', '9'),
            ('९', '9'),
        ] {
            assert_eq!(number_digit(c), Some(digit), "{c}");
        }
        for c in ['a', '½', 'Ⅶ', '七', 'ⓐ', '⑩', '⒜'] {
            assert_eq!(number_digit(c), None, "{c}");
        }
    }

    #[test]
    fn every_decimal_digit_is_in_the_table() {
        let decimal = Regex::new(r"^\d$").unwrap();
        let mut missing = Vec::new();
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let mut buffer = [0; 4];
            let is_digit = decimal.is_match(c.encode_utf8(&mut buffer));
            if is_digit != digit_value(c).is_some() {
                missing.push(format!("U+{:04X}", c as u32));
            }
        }
        assert!(missing.is_empty(), "disagree with \\d: {missing:?}");
    }

    #[test]
    fn the_address_view_undoes_disguises_and_maps_back() {
        let cases = [
            ("kim＠naver．com", "kim@naver.com"),
            ("kim@naver。com", "kim@naver.com"),
            ("kim (at) naver [dot] com", "kim@naver.com"),
            ("kim @ naver.com", "kim@naver.com"),
            ("evil.c\u{AD}om", "evil.com"),
            ("evil[.]com", "evil.com"),
            ("ｅｖｉｌ．ｃｏｍ", "evil.com"),
            ("𝐞𝐯𝐢𝐥.𝐜𝐨𝐦", "evil.com"),
            ("evil.ⓒⓞⓜ", "evil.com"),
            ("e.g. (at) all", "e.g.@all"),
        ];
        for (text, expected) in cases {
            assert_eq!(AddressView::of(text).text, expected, "{text}");
        }
        let text = "see evil[.]c\u{AD}om now";
        let view = AddressView::of(text);
        let start = view.text.find("evil").unwrap();
        let range = view.original(start..start + "evil.com".len());
        assert_eq!(&text[range], "evil[.]c\u{AD}om");
    }
}
