//! The comment text rule of `shared/spec/comment-text.md`, steps 1 to 5.
//!
//! Everything a person types that is shown to others (comments, display names)
//! goes through [`clean`], so what is counted is what is stored and shown.

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// More combining marks in a row than this is "Zalgo" text, refused.
const MAX_MARK_RUN: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("the text holds a control or bidirectional character, or stacked combining marks")]
    InvalidCharacters,
}

/// Applies steps 1–5: line breaks, NFC, forbidden characters, invisible characters, trimming.
pub fn clean(raw: &str) -> Result<String, TextError> {
    let unified = unify_breaks(raw);
    // Most text arrives in NFC already; the quick check is far cheaper than composing.
    let nfc: String = match is_nfc_quick(unified.chars()) {
        IsNormalized::Yes => unified,
        _ => unified.nfc().collect(),
    };
    if nfc.chars().any(is_forbidden) || has_long_mark_run(&nfc) {
        return Err(TextError::InvalidCharacters);
    }
    let visible = remove_invisible(&nfc);
    Ok(visible.trim_matches(char::is_whitespace).to_owned())
}

/// The length the counter shows: Unicode scalar values.
pub fn length(cleaned: &str) -> usize {
    cleaned.chars().count()
}

fn unify_breaks(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\u{2028}' | '\u{2029}' => out.push('\n'),
            '\t' => out.push(' '),
            other => out.push(other),
        }
    }
    out
}

fn is_forbidden(c: char) -> bool {
    let control = (c <= '\u{1F}' && c != '\n') || ('\u{7F}'..='\u{9F}').contains(&c);
    let bidi = matches!(c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}');
    control || bidi
}

fn has_long_mark_run(text: &str) -> bool {
    let mut run = 0;
    for c in text.chars() {
        run = if is_combining_mark(c) { run + 1 } else { 0 };
        if run > MAX_MARK_RUN {
            return true;
        }
    }
    false
}

/// General_Category Mn or Me. Not Mc: a spacing mark takes room on the line
/// like a letter, so a run of them cannot paint over the lines around it.
fn is_combining_mark(c: char) -> bool {
    // No mark comes before U+0300, nor among the Hangul syllables: most text
    // here never reaches the table, whose search would double the rule's time.
    c >= '\u{300}'
        && !('\u{AC00}'..='\u{D7A3}').contains(&c)
        && matches!(
            c.general_category(),
            GeneralCategory::NonspacingMark | GeneralCategory::EnclosingMark
        )
}

/// Step 4: drops the invisible characters, but keeps an emoji tag sequence whole.
fn remove_invisible(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if let Some(flag) = emoji_tag_sequence(rest) {
            out.push_str(flag);
            rest = &rest[flag.len()..];
            continue;
        }
        if !is_invisible(c) {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// The emoji tag sequence `text` starts with, if any: U+1F3F4, one or more
/// tag characters U+E0020–U+E007E, then the cancel tag U+E007F (the flags of
/// England, Scotland and Wales).
fn emoji_tag_sequence(text: &str) -> Option<&str> {
    let tags = text.strip_prefix('\u{1F3F4}')?;
    let tag_bytes: usize = tags
        .chars()
        .take_while(|c| ('\u{E0020}'..='\u{E007E}').contains(c))
        .map(char::len_utf8)
        .sum();
    if tag_bytes == 0 {
        return None;
    }
    let after = tags[tag_bytes..].strip_prefix('\u{E007F}')?;
    Some(&text[..text.len() - after.len()])
}

/// The characters step 4 removes (outside an emoji tag sequence).
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        // Fillers.
        '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{3164}' | '\u{115F}' | '\u{1160}' | '\u{FFA0}'
        // Soft hyphen, combining grapheme joiner, Khmer inherent vowels, Mongolian vowel separator.
        | '\u{00AD}' | '\u{034F}' | '\u{17B4}' | '\u{17B5}' | '\u{180E}'
        // Invisible operators, deprecated format characters, musical formatting, tags.
        | '\u{2061}'..='\u{2064}' | '\u{206A}'..='\u{206F}' | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E007F}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keeps_the_zero_width_joiner_inside_emoji() {
        assert_eq!(clean("👨\u{200D}👩").unwrap(), "👨\u{200D}👩");
    }

    #[test]
    fn a_tab_inside_crlf_text_becomes_one_space() {
        assert_eq!(clean("a\t\r\nb").unwrap(), "a \nb");
    }

    #[test]
    fn tag_characters_outside_a_whole_emoji_tag_sequence_are_removed() {
        let england = "🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}";
        let cases = [
            (
                "two flags side by side",
                format!("{england}{england}"),
                format!("{england}{england}"),
            ),
            (
                "no cancel tag",
                "🏴\u{E0067}\u{E0062}".to_owned(),
                "🏴".to_owned(),
            ),
            (
                "a cancel tag only",
                "🏴\u{E007F}".to_owned(),
                "🏴".to_owned(),
            ),
            (
                "a language tag inside",
                "🏴\u{E0001}\u{E0067}\u{E007F}".to_owned(),
                "🏴".to_owned(),
            ),
            (
                "a filler inside",
                "🏴\u{E0067}\u{200B}\u{E0062}\u{E007F}".to_owned(),
                "🏴".to_owned(),
            ),
            (
                "tags before the flag",
                "\u{E0067}🏴".to_owned(),
                "🏴".to_owned(),
            ),
        ];
        for (name, raw, want) in cases {
            assert_eq!(clean(&raw).unwrap(), want, "{name}");
        }
    }

    #[test]
    fn only_nonspacing_and_enclosing_marks_make_a_run() {
        // U+0903 DEVANAGARI SIGN VISARGA is a spacing mark (Mc): it takes room on the line.
        assert!(clean(&format!("क{}", "\u{903}".repeat(9))).is_ok());
        // Composing comes first: e and nine acute accents are é and eight.
        assert!(clean(&format!("e{}", "\u{301}".repeat(9))).is_ok());
        assert_eq!(
            clean(&format!("a{}", "\u{301}\u{20DD}".repeat(5))),
            Err(TextError::InvalidCharacters)
        );
        // U+034F is removed, but it is a mark when the run is counted.
        assert_eq!(
            clean(&format!("a{}\u{34F}", "\u{301}".repeat(9))),
            Err(TextError::InvalidCharacters)
        );
    }

    /// Characters the rule treats specially, mixed with any others.
    const SPECIAL: &[char] = &[
        '\r',
        '\n',
        '\t',
        '\u{2028}',
        '\u{2029}',
        ' ',
        '\u{3000}',
        '\u{301}',
        '\u{20DD}',
        '\u{34F}',
        '\u{200B}',
        '\u{200D}',
        '\u{AD}',
        '\u{2061}',
        '\u{1D173}',
        '\u{1F3F4}',
        '\u{E0001}',
        '\u{E0067}',
        '\u{E007F}',
        'e',
        '가',
        '\u{1100}',
        '\u{1161}',
    ];

    fn mixed_text() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![any::<char>(), prop::sample::select(SPECIAL)],
            0..80,
        )
        .prop_map(String::from_iter)
    }

    /// The text without its emoji tag sequences.
    fn outside_flags(text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            let step = emoji_tag_sequence(rest).map_or(c.len_utf8(), str::len);
            if step == c.len_utf8() {
                out.push(c);
            }
            rest = &rest[step..];
        }
        out
    }

    proptest! {
        // Not on every text: removing a character can leave a letter and its
        // accent side by side, which a second pass composes (see body.rs).
        #[test]
        fn cleaning_is_idempotent_when_nothing_is_removed(raw in "\\PC{0,80}") {
            prop_assume!(!raw.chars().any(is_invisible));
            if let Ok(once) = clean(&raw) {
                prop_assert_eq!(clean(&once).unwrap(), once);
            }
        }

        #[test]
        fn a_cleaned_text_holds_nothing_the_rule_converts_refuses_or_removes(raw in mixed_text()) {
            if let Ok(text) = clean(&raw) {
                let bad = |c: char| matches!(c, '\r' | '\t' | '\u{2028}' | '\u{2029}') || is_forbidden(c);
                prop_assert!(!text.chars().any(bad), "{:?}", text);
                prop_assert!(!outside_flags(&text).chars().any(is_invisible), "{:?}", text);
            }
        }

        #[test]
        fn white_space_at_the_ends_never_changes_the_result(raw in "\\PC{0,60}", pad in "[ \\n\\t\u{3000}\u{a0}]{0,5}") {
            let padded = format!("{pad}{raw}{pad}");
            prop_assert_eq!(clean(&padded), clean(&raw));
        }
    }
}
