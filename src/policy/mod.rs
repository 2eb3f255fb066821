//! The newsroom's standards policy: which text is published, held for a
//! moderator, or refused, and what the author is told.
//!
//! A policy is data (`default.toml`, or `POLICY_FILE`), read by `file.rs`.
//! `Policy::scan` checks a comment's text (terms, personal information,
//! links); the rules that depend on the author (repeats, flooding, new
//! commenters) are applied by the comment service with the same `Finding`s.

pub mod disguise;
pub mod file;
pub mod links;
pub mod live;
pub mod normalize;
pub mod personal;
pub mod terms;

use std::time::Duration;

use crate::domain::body::BodyError;
use crate::domain::message::{Text, Violation};
use crate::domain::quota::Quotas;
use crate::policy::terms::{TermKind, TermList};

pub use crate::domain::policy::{Action, Finding, FloodLimit, RuleCode};
pub use live::LivePolicy;

#[derive(Debug, Clone)]
pub struct Rule {
    pub code: RuleCode,
    pub action: Action,
    pub title: Text,
    pub description: Text,
    /// What the author is told; `{match}` stands for the matched text.
    pub message: Text,
}

pub struct Policy {
    pub text: Text,
    /// One rule per code, in the order of `RuleCode::ALL`.
    rules: [Rule; RuleCode::ALL.len()],
    terms: TermList,
    allowed_domains: Vec<String>,
    pub repeat_window: Duration,
    pub flooding: Vec<FloodLimit>,
    pub new_commenter_hold: u32,
    pub quotas: Quotas,
}

/// A span of text found by a detector, in byte offsets.
pub struct Hit {
    pub code: RuleCode,
    pub range: std::ops::Range<usize>,
    /// Shown to the author in the message; `None` keeps the text out of answers.
    pub shown: Option<String>,
}

impl Policy {
    pub fn rule(&self, code: RuleCode) -> &Rule {
        &self.rules[code.index()]
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Everything the text alone breaks, in order of position.
    pub fn scan(&self, text: &str) -> Vec<Finding> {
        // An emoji tag sequence (`🏴` and tag characters) stays whole in a
        // comment, but its tag characters spell ASCII that no reader sees: read
        // them as that ASCII, one code point for one, so spans stay the same.
        let is_tag = |c: char| ('\u{E0020}'..='\u{E007E}').contains(&c);
        if text.chars().any(is_tag) {
            let revealed: String = text
                .chars()
                .map(|c| match c {
                    c if is_tag(c) => char::from_u32(c as u32 - 0xE0000).unwrap_or(c),
                    c => c,
                })
                .collect();
            return self.scan_shown(&revealed);
        }
        self.scan_shown(text)
    }

    fn scan_shown(&self, text: &str) -> Vec<Finding> {
        let mut hits: Vec<Hit> = self
            .terms
            .find(text)
            .into_iter()
            .map(|m| Hit {
                code: match m.kind {
                    TermKind::Banned => RuleCode::BannedTerm,
                    TermKind::Suspect => RuleCode::SuspectTerm,
                },
                shown: Some(text[m.start..m.end].to_owned()),
                range: m.start..m.end,
            })
            .collect();
        let addresses = disguise::AddressView::of(text);
        hits.extend(personal::find_with(text, &addresses));
        hits.extend(links::find_in(&addresses, &self.allowed_domains));
        hits.sort_by_key(|h| (h.range.start, h.range.end));
        hits.into_iter()
            .map(|hit| self.finding_at(text, hit))
            .filter(|f| f.action != Action::Publish)
            .collect()
    }

    fn finding_at(&self, text: &str, hit: Hit) -> Finding {
        let to_chars = |byte: usize| text[..byte].chars().count();
        Finding {
            code: hit.code,
            action: self.rule(hit.code).action,
            start: to_chars(hit.range.start),
            end: to_chars(hit.range.end),
            matched: hit.shown.unwrap_or_default(),
        }
    }

    /// A finding about the whole comment (a repeat, a new commenter).
    pub fn whole(&self, code: RuleCode) -> Finding {
        Finding {
            code,
            action: self.rule(code).action,
            start: 0,
            end: 0,
            matched: String::new(),
        }
    }

    /// What the author is told about one finding.
    pub fn violation(&self, finding: &Finding) -> Violation {
        let message = &self.rule(finding.code).message;
        let fill = |m: &str| m.replace("{match}", &finding.matched);
        Violation {
            rule: finding.code.as_str().to_owned(),
            message: Text::new(fill(&message.en), fill(&message.ko)),
        }
    }
}

/// The strictest action among the findings.
pub fn verdict(findings: &[Finding]) -> Action {
    findings
        .iter()
        .map(|f| f.action)
        .max()
        .unwrap_or(Action::Publish)
}

/// A rule as readers see it listed: the comment text rule's have codes of
/// their own, outside the policy's.
pub struct ListedRule {
    pub code: &'static str,
    pub action: Action,
    pub title: Text,
    pub description: Text,
}

impl From<&Rule> for ListedRule {
    fn from(rule: &Rule) -> Self {
        ListedRule {
            code: rule.code.as_str(),
            action: rule.action,
            title: rule.title.clone(),
            description: rule.description.clone(),
        }
    }
}

/// The rules of the comment text rule, as the policy lists them for readers.
pub fn length_rules(max_length: usize) -> Vec<ListedRule> {
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
            "Control characters, text-direction marks and more than 8 combining marks in a row are not allowed.",
            "제어 문자, 글자 방향 표시 문자, 9개 이상 연달아 쓴 결합 부호는 쓸 수 없습니다.",
        ),
    ];
    examples
        .iter()
        .zip(descriptions)
        .map(|(error, description)| ListedRule {
            code: error.code(),
            action: Action::Refuse,
            title: error.title(),
            description,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::clean;
    use proptest::prelude::*;
    use std::sync::LazyLock;

    static POLICY: LazyLock<Policy> = LazyLock::new(|| file::built_in().expect("built-in policy"));

    /// Words that fire rules and words that must not, mixed at random.
    const WORDS: &[&str] = &[
        "fuck",
        "f.u.c.k",
        "씨발",
        "시발점이",
        "ㅅㅂ",
        "멍청이",
        "idiot",
        "assistant",
        "class",
        "010-1234-5678",
        "900101-1234567",
        "kim@news.example",
        "https://spam.example",
        "푸틴은",
        "북한에",
        "signal",
        "the",
        "2024년",
        "있습니다",
        "시민",
    ];

    fn decision(text: &str) -> (Action, Vec<RuleCode>) {
        let findings = POLICY.scan(text);
        (
            verdict(&findings),
            findings.iter().map(|f| f.code).collect(),
        )
    }

    proptest! {
        #[test]
        fn white_space_at_the_ends_never_changes_a_decision(
            words in proptest::collection::vec(proptest::sample::select(WORDS), 0..8),
            pad in "[ \n\t\u{3000}\u{a0}]{0,4}",
        ) {
            let text = words.join(" ");
            let padded = format!("{pad}{text}{pad}");
            prop_assert_eq!(decision(&padded), decision(&text), "scan alone");
            let cleaned = clean(&text).unwrap();
            prop_assert_eq!(decision(&clean(&padded).unwrap()), decision(&cleaned), "after the text rule");
        }
    }

    proptest! {
        #[test]
        fn findings_stay_inside_any_text(
            text in prop_oneof![
                "\\PC{0,80}",
                "[0-9٠-٩०-९𝟎-𝟗０-９ .\\-_/,+()\u{ad}\u{2063}@＠。．\\[\\]a-z한국시발ㆍ*']{0,60}",
            ]
        ) {
            let length = text.chars().count();
            for finding in POLICY.scan(&text) {
                prop_assert!(finding.start <= finding.end && finding.end <= length, "{finding:?}");
            }
        }
    }

    #[test]
    fn the_built_in_policy_lets_the_innocent_list_through() {
        let words = include_str!("../../tests/policy/innocent-words.txt");
        let flagged: Vec<String> = words
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .filter_map(|line| {
                let findings = POLICY.scan(line);
                (!findings.is_empty()).then(|| format!("{line:?}: {findings:?}"))
            })
            .collect();
        assert!(
            flagged.is_empty(),
            "innocent text flagged:\n{}",
            flagged.join("\n")
        );
    }

    #[test]
    fn findings_carry_code_point_spans_and_hide_numbers() {
        let text = "연락 010-1234-5678 그리고 900101-1234567";
        let findings = POLICY.scan(text);
        let codes: Vec<RuleCode> = findings.iter().map(|f| f.code).collect();
        assert_eq!(
            codes,
            [RuleCode::PhoneNumber, RuleCode::ResidentRegistrationNumber]
        );
        let span: String = text
            .chars()
            .skip(findings[0].start)
            .take(findings[0].end - findings[0].start)
            .collect();
        assert_eq!(span, "010-1234-5678");
        let message = POLICY.violation(&findings[1]).message;
        assert!(!message.en.contains("1234567") && !message.ko.contains("1234567"));
        assert_eq!(verdict(&findings), Action::Refuse);
    }
}
