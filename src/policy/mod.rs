//! The standards policy as readers see it. For now it holds the length rule;
//! the standards rules (abuse, personal information, links, spam) join it here.

pub mod routes;

use crate::comments::BodyError;
use crate::http::lang::Text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Publish,
    Hold,
    Refuse,
}

pub struct Rule {
    pub code: &'static str,
    pub action: Action,
    pub title: Text,
    pub description: Text,
}

/// The rules of the comment text rule, as the policy lists them.
pub fn length_rules(max_length: usize) -> Vec<Rule> {
    let examples = [
        BodyError::Empty,
        BodyError::TooLong {
            length: max_length + 1,
            limit: max_length,
        },
        BodyError::InvalidCharacters,
    ];
    let descriptions = [
        Text::new(
            "A comment must have at least one visible character.",
            "댓글에는 보이는 글자가 하나 이상 있어야 합니다.",
        ),
        Text::new(
            format!(
                "A comment holds at most {max_length} characters, counted as Unicode code points after normalization."
            ),
            format!(
                "댓글은 {max_length}자까지 쓸 수 있습니다. 정규화한 뒤 유니코드 코드 포인트 단위로 셉니다."
            ),
        ),
        Text::new(
            "Control characters and text-direction marks are not allowed.",
            "제어 문자와 글자 방향 표시 문자는 쓸 수 없습니다.",
        ),
    ];
    examples
        .iter()
        .zip(descriptions)
        .map(|(error, description)| Rule {
            code: error.code(),
            action: Action::Refuse,
            title: error.title(),
            description,
        })
        .collect()
}

/// The policy text shown to readers.
pub fn policy_text(max_length: usize) -> Text {
    Text::new(
        format!(
            "Standards Board Policy\n\n\
             Comments are the readers' space for debate. Write about the article, respect \
             other readers and the people in the news, and keep to {max_length} characters.\n\n\
             Comments that break the rules are refused with the reason, or held until a \
             moderator reviews them."
        ),
        format!(
            "열린마당 운영 원칙\n\n\
             댓글은 독자가 기사에 대해 의견을 나누는 공간입니다. 기사와 관련된 내용을 쓰고, \
             다른 독자와 기사 속 인물을 존중하며, {max_length}자 이내로 써 주세요.\n\n\
             원칙에 어긋나는 댓글은 이유와 함께 등록이 거부되거나, 운영자가 검토할 때까지 \
             게시가 보류됩니다."
        ),
    )
}
