//! The comment text rule of `shared/spec/comment-text.md`, steps 1 to 5.
//!
//! Everything a person types that is shown to others (comments, display names)
//! goes through [`clean`], so what is counted is what is stored and shown.

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("the text holds a control or bidirectional character")]
    InvalidCharacters,
}

/// Applies steps 1–5: line breaks, NFC, forbidden characters, invisible fillers, trimming.
pub fn clean(raw: &str) -> Result<String, TextError> {
    let unified = unify_breaks(raw);
    // Most text arrives in NFC already; the quick check is far cheaper than composing.
    let nfc: String = match is_nfc_quick(unified.chars()) {
        IsNormalized::Yes => unified,
        _ => unified.nfc().collect(),
    };
    if nfc.chars().any(is_forbidden) {
        return Err(TextError::InvalidCharacters);
    }
    let visible: String = nfc.chars().filter(|c| !is_filler(*c)).collect();
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

fn is_filler(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{3164}' | '\u{115F}' | '\u{1160}' | '\u{FFA0}'
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

    proptest! {
        #[test]
        fn cleaning_is_idempotent(raw in "\\PC{0,80}") {
            if let Ok(once) = clean(&raw) {
                prop_assert_eq!(clean(&once).unwrap(), once);
            }
        }

        #[test]
        fn white_space_at_the_ends_never_changes_the_result(raw in "\\PC{0,60}", pad in "[ \\n\\t\u{3000}\u{a0}]{0,5}") {
            let padded = format!("{pad}{raw}{pad}");
            prop_assert_eq!(clean(&padded), clean(&raw));
        }
    }
}
