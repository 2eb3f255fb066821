//! `CommentBody`: a comment's text that has passed the length rule.

use crate::domain::message::Text;
use crate::domain::refusal::{Details, Refusal};
use crate::text::{self, TextError};

/// The default limit of the text rule; the limit is configuration, the rule is not.
pub const DEFAULT_MAX_LENGTH: usize = 250;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentBody {
    text: String,
    length: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    #[error("the comment is empty")]
    Empty,
    #[error("the comment has {length} characters, more than {limit}")]
    TooLong { length: usize, limit: usize },
    #[error("the comment holds control or bidirectional characters, or stacked combining marks")]
    InvalidCharacters,
}

impl BodyError {
    /// The verdict name used by `comment-length-vectors.json`.
    pub fn verdict(&self) -> &'static str {
        match self {
            BodyError::Empty => "empty",
            BodyError::TooLong { .. } => "too_long",
            BodyError::InvalidCharacters => "invalid_characters",
        }
    }
}

impl BodyError {
    /// The stable error code, also the rule name in `violations`.
    pub fn code(&self) -> &'static str {
        match self {
            BodyError::Empty => "comment_empty",
            BodyError::TooLong { .. } => "comment_too_long",
            BodyError::InvalidCharacters => "comment_invalid_characters",
        }
    }

    pub fn title(&self) -> Text {
        match self {
            BodyError::Empty => Text::new("Empty comment", "댓글이 비어 있습니다"),
            BodyError::TooLong { .. } => Text::new("Comment too long", "댓글이 너무 깁니다"),
            BodyError::InvalidCharacters => {
                Text::new("Invalid characters", "쓸 수 없는 문자가 있습니다")
            }
        }
    }

    /// What the author should change.
    pub fn message(&self) -> Text {
        match self {
            BodyError::Empty => Text::new(
                "Write something before posting.",
                "내용을 입력한 뒤에 등록해 주세요.",
            ),
            BodyError::TooLong { length, limit } => Text::new(
                format!("The comment has {length} characters; the limit is {limit}."),
                format!("댓글이 {length}자입니다. {limit}자까지 쓸 수 있습니다."),
            ),
            BodyError::InvalidCharacters => Text::new(
                "Remove control characters, text-direction marks and stacks of more than 8 accents.",
                "제어 문자, 글자 방향 표시 문자, 9개 이상 겹쳐 쌓은 결합 부호를 지워 주세요.",
            ),
        }
    }
}

impl Refusal for BodyError {
    fn code(&self) -> &'static str {
        BodyError::code(self)
    }

    fn details(&self) -> Details {
        Details {
            title: Some(self.title()),
            detail: Some(self.message()),
            length: match self {
                BodyError::TooLong { length, limit } => Some((*length, *limit)),
                _ => None,
            },
            ..Details::default()
        }
    }
}

impl From<TextError> for BodyError {
    fn from(error: TextError) -> Self {
        match error {
            TextError::InvalidCharacters => BodyError::InvalidCharacters,
        }
    }
}

/// What the rule says of a text without refusing it: used by the dry run,
/// which reports the length of a text that is too long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measured {
    pub normalized: Option<String>,
    pub length: Option<usize>,
    pub verdict: Result<(), BodyError>,
}

/// Step 7 of the rule: 0 is empty, above the limit too long.
fn check_length(length: usize, limit: usize) -> Result<(), BodyError> {
    if length == 0 {
        return Err(BodyError::Empty);
    }
    if length > limit {
        return Err(BodyError::TooLong { length, limit });
    }
    Ok(())
}

impl CommentBody {
    /// Applies the whole text rule once: clean, count, check the limit.
    pub fn parse(raw: &str, limit: usize) -> Result<CommentBody, BodyError> {
        let text = text::clean(raw)?;
        let length = text::length(&text);
        check_length(length, limit)?;
        Ok(CommentBody { text, length })
    }

    /// Like [`CommentBody::parse`], but keeps the normalized text and length for reporting.
    pub fn measure(raw: &str, limit: usize) -> Measured {
        match text::clean(raw) {
            Err(error) => Measured {
                normalized: None,
                length: None,
                verdict: Err(error.into()),
            },
            Ok(text) => {
                // Not `parse(&text)`: the rule is not idempotent (removing a
                // filler can leave a base letter and its accent uncomposed,
                // which a second pass would join), so cleaning twice could
                // judge a different length than the one posting judges.
                let length = text::length(&text);
                let verdict = check_length(length, limit);
                Measured {
                    normalized: Some(text),
                    length: Some(length),
                    verdict,
                }
            }
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn length(&self) -> usize {
        self.length
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dry_run_judges_the_length_that_posting_judges() {
        // A filler between a letter and its accent: after removal they stay
        // apart (4 code points), though cleaning again would join them (3).
        let raw = "abe\u{200B}\u{301}";

        let measured = CommentBody::measure(raw, 3);
        let parsed = CommentBody::parse(raw, 3);

        assert_eq!(measured.length, Some(4));
        assert!(measured.verdict.is_err(), "{:?}", measured.verdict);
        assert!(parsed.is_err());
    }

    #[test]
    fn the_limit_is_configuration() {
        assert!(CommentBody::parse("abcd", 3).is_err());
        assert_eq!(CommentBody::parse("abc", 3).unwrap().length(), 3);
    }
}
