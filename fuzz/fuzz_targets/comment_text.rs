//! The comment text rule on any input: it never panics, a parsed body holds
//! at most the limit in code points and no character the rule converts,
//! refuses or removes (tag characters only inside a whole emoji tag
//! sequence), and measuring (the dry run) agrees with parsing (posting).
//! (Parsing a parsed body need not give it back: the rule is not idempotent,
//! see docs/decisions/0003-comment-length.md. For the same reason a body may
//! hold a run of more than 8 combining marks: the run is counted before the
//! invisible characters between its parts are removed, as the spec orders.)
#![no_main]

use comment_desk::domain::body::CommentBody;
use libfuzzer_sys::fuzz_target;

const LIMIT: usize = 250;

/// Step 1 converts these, step 3 refuses these: none is left in a body.
fn converted_or_refused(c: char) -> bool {
    matches!(c,
        '\r' | '\t' | '\u{2028}' | '\u{2029}'
        | '\u{0}'..='\u{9}' | '\u{B}'..='\u{1F}' | '\u{7F}'..='\u{9F}'
        | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{61C}')
}

/// Step 4 removes these, written out again from the spec.
fn removed(c: char) -> bool {
    matches!(c,
        '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{3164}' | '\u{115F}' | '\u{1160}' | '\u{FFA0}'
        | '\u{AD}' | '\u{34F}' | '\u{17B4}' | '\u{17B5}' | '\u{180E}'
        | '\u{2061}'..='\u{2064}' | '\u{206A}'..='\u{206F}' | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E007F}')
}

/// Checks that every tag character of `text` is inside an emoji tag
/// sequence, and returns `text` without those sequences.
fn without_emoji_tag_sequences(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\u{1F3F4}' {
            let tags = chars[i + 1..]
                .iter()
                .take_while(|c| ('\u{E0020}'..='\u{E007E}').contains(*c))
                .count();
            if tags > 0 && chars.get(i + 1 + tags) == Some(&'\u{E007F}') {
                i += tags + 2;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let measured = CommentBody::measure(raw, LIMIT);
    match CommentBody::parse(raw, LIMIT) {
        Ok(body) => {
            assert!(body.length() <= LIMIT);
            assert_eq!(body.length(), body.as_str().chars().count());
            assert!(measured.verdict.is_ok());
            assert_eq!(measured.length, Some(body.length()));
            assert_eq!(measured.normalized.as_deref(), Some(body.as_str()));
            let text = body.as_str();
            assert_eq!(text, text.trim_matches(char::is_whitespace), "trimmed");
            assert!(!text.chars().any(converted_or_refused), "{text:?}");
            let outside = without_emoji_tag_sequences(text);
            assert!(!outside.chars().any(removed), "{text:?}");
        }
        Err(_) => assert!(measured.verdict.is_err()),
    }
});
