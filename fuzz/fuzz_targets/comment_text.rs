//! The comment text rule on any input: it never panics, a parsed body holds
//! at most the limit in code points and no character the rule removes or
//! refuses, and measuring (the dry run) agrees with parsing (posting).
//! (Parsing a parsed body need not give it back: the rule is not idempotent,
//! see docs/decisions/0003-comment-length.md.)
#![no_main]

use comment_desk::comments::CommentBody;
use libfuzzer_sys::fuzz_target;

const LIMIT: usize = 250;

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
            assert!(!text.contains(['\r', '\t', '\u{200B}', '\u{FEFF}', '\u{202E}']), "{text:?}");
        }
        Err(_) => assert!(measured.verdict.is_err()),
    }
});
