//! What the standards policy decides about a text, as the other layers see it.

use std::time::Duration;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Publish,
    Hold,
    Refuse,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Publish => "publish",
            Action::Hold => "hold",
            Action::Refuse => "refuse",
        }
    }
}

/// A rule of the standards policy. The codes are stable: they show in
/// answers, in the moderation queue and in stored decisions.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RuleCode {
    BannedTerm,
    SuspectTerm,
    ResidentRegistrationNumber,
    PhoneNumber,
    EmailAddress,
    Link,
    Duplicate,
    NewCommenter,
    Premoderation,
    /// The newsroom's classifier held or refused the text (`MODERATION_HOOK_URL`).
    ModerationHook,
}

impl RuleCode {
    /// Every rule, in the order the policy lists them.
    pub const ALL: [RuleCode; 10] = [
        RuleCode::BannedTerm,
        RuleCode::SuspectTerm,
        RuleCode::ResidentRegistrationNumber,
        RuleCode::PhoneNumber,
        RuleCode::EmailAddress,
        RuleCode::Link,
        RuleCode::Duplicate,
        RuleCode::NewCommenter,
        RuleCode::Premoderation,
        RuleCode::ModerationHook,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RuleCode::BannedTerm => "banned_term",
            RuleCode::SuspectTerm => "suspect_term",
            RuleCode::ResidentRegistrationNumber => "resident_registration_number",
            RuleCode::PhoneNumber => "phone_number",
            RuleCode::EmailAddress => "email_address",
            RuleCode::Link => "link",
            RuleCode::Duplicate => "duplicate",
            RuleCode::NewCommenter => "new_commenter",
            RuleCode::Premoderation => "premoderation",
            RuleCode::ModerationHook => "moderation_hook",
        }
    }

    pub fn parse(code: &str) -> Option<RuleCode> {
        RuleCode::ALL.into_iter().find(|c| c.as_str() == code)
    }

    /// The rule's place in `ALL`.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for RuleCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FloodLimit {
    pub count: u32,
    pub per: Duration,
}

/// One rule that fired on a comment, with the span it fired on in code points
/// (as the counter counts), `0..0` for rules about the whole comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub code: RuleCode,
    pub action: Action,
    pub start: usize,
    pub end: usize,
    /// The text that matched; empty where repeating it would expose it.
    pub matched: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_code_round_trips() {
        for (i, code) in RuleCode::ALL.into_iter().enumerate() {
            assert_eq!(RuleCode::parse(code.as_str()), Some(code), "{code:?}");
            assert_eq!(code.index(), i, "{code:?} is in declaration order");
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, code.as_str(), "{code:?} serializes as its code");
        }
        assert_eq!(RuleCode::parse("spelling"), None);
        assert_eq!(RuleCode::parse("Link"), None, "codes are exact");
    }
}
