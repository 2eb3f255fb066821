//! Account values that enter the system: `Email`, `DisplayName`, `Password`, `Role`.
//! Each parses once and cannot hold a bad value afterwards.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use validator::ValidateEmail;

use crate::domain::ids::AccountId;
use crate::domain::message::Violation;
use crate::domain::policy::{Finding, RuleCode};
use crate::domain::refusal::{Details, INTERNAL, Refusal};
use crate::text;

/// A stored account as the rest of the code sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: AccountId,
    /// `None` for an account made by a provider that gave no verified email.
    pub email: Option<String>,
    pub display_name: String,
    pub role: Role,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Reader,
    Moderator,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        match value {
            "reader" => Some(Role::Reader),
            "moderator" => Some(Role::Moderator),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn can_moderate(self) -> bool {
        matches!(self, Role::Moderator | Role::Admin)
    }
}

/// Why registering, logging in or changing a password failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("invalid email")]
    InvalidEmail,
    #[error("invalid display name")]
    InvalidDisplayName(Violation),
    #[error("weak password")]
    WeakPassword(Violation),
    #[error("email taken")]
    EmailTaken,
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("wrong password")]
    WrongPassword,
    #[error("too many login attempts")]
    TooManyAttempts { retry_after: Duration },
    #[error("too many registrations")]
    RateLimited { retry_after: Duration },
    /// The account or session went away during the request.
    #[error("session ended")]
    SessionEnded,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Refusal for AccountError {
    fn code(&self) -> &'static str {
        match self {
            AccountError::InvalidEmail => "invalid_email",
            AccountError::InvalidDisplayName(_) => "invalid_display_name",
            AccountError::WeakPassword(_) => "weak_password",
            AccountError::EmailTaken => "email_taken",
            AccountError::InvalidCredentials => "invalid_credentials",
            AccountError::WrongPassword => "wrong_password",
            AccountError::TooManyAttempts { .. } => "too_many_attempts",
            AccountError::RateLimited { .. } => "rate_limited",
            AccountError::SessionEnded => "unauthenticated",
            AccountError::Internal(_) => INTERNAL,
        }
    }

    fn details(&self) -> Details {
        match self {
            AccountError::InvalidDisplayName(v) | AccountError::WeakPassword(v) => {
                Details::violation(v)
            }
            AccountError::TooManyAttempts { retry_after }
            | AccountError::RateLimited { retry_after } => Details::retry_after(*retry_after),
            _ => Details::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Trimmed and lower-cased, so one mailbox is one account whatever its spelling.
    pub fn parse(raw: &str) -> Result<Email, AccountError> {
        let email = raw.trim().to_lowercase();
        if email.len() > 254 || !email.validate_email() {
            return Err(AccountError::InvalidEmail);
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

pub const DISPLAY_NAME_MIN: usize = 2;
pub const DISPLAY_NAME_MAX: usize = 30;

impl DisplayName {
    /// The comment text rule, then one line of 2 to 30 characters.
    pub fn parse(raw: &str) -> Result<DisplayName, AccountError> {
        let invalid = |en: &str, ko: &str| {
            AccountError::InvalidDisplayName(Violation::new("display_name", en, ko))
        };
        let name = text::clean(raw).map_err(|_| {
            invalid(
                "The name holds control or text-direction characters.",
                "이름에 제어 문자나 글자 방향 표시 문자가 있습니다.",
            )
        })?;
        if name.contains('\n') {
            return Err(invalid(
                "The name must be on one line.",
                "이름은 한 줄로 써 주세요.",
            ));
        }
        let length = text::length(&name);
        if !(DISPLAY_NAME_MIN..=DISPLAY_NAME_MAX).contains(&length) {
            return Err(invalid(
                "The name must have 2 to 30 characters.",
                "이름은 2자에서 30자 사이로 써 주세요.",
            ));
        }
        Ok(DisplayName(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the name looks like, for telling names apart that only look alike.
    pub fn skeleton(&self) -> String {
        skeleton(&self.0)
    }
}

/// A name as it looks: compatibility forms folded (full-width letters), white
/// space and invisible characters dropped, confusable characters folded to one
/// prototype (UTS #39, so a Cyrillic `і` is an `i`), and case folded.
/// Skeleton, then case, then skeleton again: `I` and `l` look alike only before
/// lower-casing, `rn` and `m` after. A capital `I` is both an `l` (by look)
/// and an `i` (by case), so `l` and `i` are one letter at the end: `NIGHT`
/// and `N1ght` look like `Night`.
pub fn skeleton(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let visible: String = name.nfkc().filter(|c| !c.is_whitespace()).collect();
    let lower = unicode_security::skeleton(&visible)
        .collect::<String>()
        .to_lowercase();
    unicode_security::skeleton(&lower)
        .map(|c| if c == 'l' { 'i' } else { c })
        .collect()
}

/// Why the standards policy refuses a name. A name is either acceptable or
/// not: what the policy would only hold in a comment is refused here.
pub fn refused_name(finding: &Finding) -> AccountError {
    let quoted = &finding.matched;
    let (en, ko) = match finding.code {
        RuleCode::BannedTerm | RuleCode::SuspectTerm if !quoted.is_empty() => (
            format!("The name contains \u{201C}{quoted}\u{201D}, which names may not contain."),
            format!("이름에 쓸 수 없는 표현이 있습니다: \u{201C}{quoted}\u{201D}"),
        ),
        RuleCode::Link => (
            "The name must not contain a link.".to_owned(),
            "이름에 링크를 넣을 수 없습니다.".to_owned(),
        ),
        RuleCode::ResidentRegistrationNumber | RuleCode::PhoneNumber | RuleCode::EmailAddress => (
            "The name must not contain personal information such as a phone number or an email address."
                .to_owned(),
            "이름에 전화번호나 이메일 주소 같은 개인정보를 넣을 수 없습니다.".to_owned(),
        ),
        _ => (
            "The name breaks the newsroom's standards. Choose another.".to_owned(),
            "이름이 뉴스룸의 기준에 맞지 않습니다. 다른 이름을 써 주세요.".to_owned(),
        ),
    };
    AccountError::InvalidDisplayName(Violation::new(finding.code.as_str(), en, ko))
}

/// A reader's name that looks like a moderator's or an admin's.
pub fn staff_lookalike() -> AccountError {
    AccountError::InvalidDisplayName(Violation::new(
        "staff_name",
        "The name looks like the name of a member of the newsroom staff. Choose another.",
        "뉴스룸 직원의 이름과 비슷해 보이는 이름입니다. 다른 이름을 써 주세요.",
    ))
}

/// A password on its way to the hasher; its `Debug` never shows it.
#[derive(Clone)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 128;

/// Passwords that attackers try first; refusing them costs nothing.
const COMMON_PASSWORDS: &[&str] = &[
    "password",
    "password1",
    "password123",
    "12345678",
    "123456789",
    "1234567890",
    "11111111",
    "00000000",
    "87654321",
    "qwertyuiop",
    "qwerty123",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "iloveyou",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "welcome1",
    "admin123",
    "letmein1",
    "abcd1234",
    "asdfghjk",
    "zxcvbnm1",
    "qwer1234",
    "aaaaaaaa",
    "passw0rd",
    "superman",
    "starwars",
    "trustno1",
];

impl Password {
    /// Used at login: any text is checked, nothing is refused before the hash.
    pub fn any(raw: String) -> Password {
        Password(raw)
    }

    /// Used when a password is chosen: 8 to 128 characters, not a common one,
    /// not the email or the name.
    pub fn choose(
        raw: String,
        email: Option<&str>,
        name: &DisplayName,
    ) -> Result<Password, AccountError> {
        let weak =
            |en: &str, ko: &str| AccountError::WeakPassword(Violation::new("password", en, ko));
        let length = raw.chars().count();
        if length < PASSWORD_MIN {
            return Err(weak(
                "Use at least 8 characters.",
                "비밀번호는 8자 이상이어야 합니다.",
            ));
        }
        if length > PASSWORD_MAX {
            return Err(weak(
                "Use at most 128 characters.",
                "비밀번호는 128자 이하여야 합니다.",
            ));
        }
        let lower = raw.to_lowercase();
        let email = email.unwrap_or_default();
        let local_part = email.split('@').next().unwrap_or_default();
        if COMMON_PASSWORDS.contains(&lower.as_str())
            || (!email.is_empty() && (lower == email || lower == local_part))
            || lower == name.as_str().to_lowercase()
        {
            return Err(weak(
                "This password is too easy to guess.",
                "너무 쉽게 추측할 수 있는 비밀번호입니다.",
            ));
        }
        Ok(Password(raw))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// What identifies a session in storage: the hash of its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenHash(pub [u8; 32]);

impl TokenHash {
    pub fn of(token: &str) -> TokenHash {
        TokenHash(Sha256::digest(token.as_bytes()).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalized_and_checked() {
        assert_eq!(
            Email::parse("  Reader@News.Example ").unwrap().as_str(),
            "reader@news.example"
        );
        for bad in ["", "reader", "reader@", "@news.example", "a b@news.example"] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn display_names_follow_the_text_rule() {
        assert_eq!(
            DisplayName::parse("  김기자\u{200B} ").unwrap().as_str(),
            "김기자"
        );
        let cases = [
            ("김", "too short"),
            ("a\nb", "two lines"),
            ("ab\u{202E}c", "bidi"),
            (&"가".repeat(31), "too long"),
        ];
        for (raw, why) in cases {
            assert!(DisplayName::parse(raw).is_err(), "{why}");
        }
    }

    #[test]
    fn look_alike_names_have_one_skeleton() {
        let same = [
            ("Night Desk", "N\u{0456}ght Desk"),
            ("Night Desk", "night\u{2063}desk"),
            ("Mod", "Mod\u{2063}"),
            ("Mod", "ＭＯＤ"),
            ("Mod", "M\u{043E}d"),
            ("Ian", "lan"),
            ("Night Desk", "NIGHT DESK"),
            ("Night Desk", "N1ght Desk"),
        ];
        for (a, b) in same {
            assert_eq!(skeleton(a), skeleton(b), "{a:?} and {b:?}");
        }
        for (a, b) in [
            ("Mod", "Modern"),
            ("Night Desk", "Night Desk Fan"),
            ("김기자", "김기지"),
        ] {
            assert_ne!(skeleton(a), skeleton(b), "{a:?} and {b:?}");
        }
    }

    #[test]
    fn weak_passwords_are_refused() {
        let email = Email::parse("kim@news.example").unwrap();
        let name = DisplayName::parse("Kim Reader").unwrap();
        for weak in [
            "short",
            "password",
            "kim@news.example",
            "kim reader",
            &"x".repeat(129),
        ] {
            assert!(
                Password::choose(weak.to_string(), Some(email.as_str()), &name).is_err(),
                "{weak}"
            );
        }
        assert!(
            Password::choose("correct horse battery".into(), Some(email.as_str()), &name).is_ok()
        );
    }
}
