//! The text rule on imported text: a comment that breaks it is kept, held,
//! with the rule's code as the reason a moderator sees.

use chrono::{DateTime, Utc};

use crate::domain::body::BodyError;
use crate::domain::comments::Status;
use crate::domain::transfer::ImportedComment;
use crate::text;

/// A comment as another system kept it, before the text rule.
pub struct Source {
    pub external_id: String,
    pub editorial: String,
    pub parent: Option<String>,
    pub author: String,
    pub status: Status,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
}

/// The comment to store: its text held to the rule (a break holds it, with
/// the rule's code), a comment the source deleted kept as a tombstone.
pub fn comment(source: Source, text: &str, max_length: usize) -> ImportedComment {
    let ruled = apply(text, max_length);
    let deleted = source.status == Status::Deleted;
    ImportedComment {
        external_id: source.external_id,
        editorial: source.editorial,
        parent: source.parent,
        author: source.author,
        status: status(source.status, &ruled),
        held_reason: if deleted { None } else { ruled.held },
        body: ruled.body,
        length: ruled.length,
        hidden: false,
        featured: false,
        created_at: source.created_at,
        edited_at: source.edited_at,
        deleted_at: deleted.then_some(source.created_at),
    }
}

/// What an imported text becomes: the text to store, its length, and why it
/// is held, if it breaks the rule.
pub struct Ruled {
    pub body: String,
    pub length: usize,
    pub held: Option<&'static str>,
}

pub fn apply(raw: &str, max_length: usize) -> Ruled {
    let (body, broken) = match text::clean(raw) {
        Ok(body) if body.is_empty() => (body, Some(BodyError::Empty)),
        Ok(body) if text::length(&body) > max_length => {
            let length = text::length(&body);
            let limit = max_length;
            (body, Some(BodyError::TooLong { length, limit }))
        }
        Ok(body) => (body, None),
        // Kept readable for the moderator: the characters the rule forbids
        // become U+FFFD, so nothing invisible reaches the desk.
        Err(_) => (visible(raw), Some(BodyError::InvalidCharacters)),
    };
    Ruled {
        length: text::length(&body),
        body,
        held: broken.map(|error| error.code()),
    }
}

/// A held comment waits for a moderator, unless the source already removed it.
pub fn status(source_status: Status, ruled: &Ruled) -> Status {
    match source_status {
        Status::Published if ruled.held.is_some() => Status::Pending,
        other => other,
    }
}

fn visible(raw: &str) -> String {
    raw.chars()
        .map(|c| {
            let bidi = matches!(c,
                '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}');
            if (c.is_control() && c != '\n') || bidi {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_broken_rule_holds_with_its_code() {
        let cases = [
            ("a fine comment", None),
            ("   ", Some("comment_empty")),
            ("가".repeat(300).as_str(), Some("comment_too_long")),
            ("bell \u{7} here", Some("comment_invalid_characters")),
        ]
        .map(|(raw, code)| (raw.to_owned(), code));
        for (raw, code) in cases {
            assert_eq!(apply(&raw, 250).held, code, "{raw:?}");
        }
        assert_eq!(apply("bell \u{7}", 250).body, "bell \u{FFFD}");
    }
}
