//! Ways in from outside: a provider's account (Kakao, Naver, Google, …) or the
//! newsroom's own sign-in, each found again by (provider, subject).

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::domain::accounts::AccountError;
use crate::domain::refusal::{Details, INTERNAL, Refusal};

/// The provider id the newsroom's own SSO is stored under.
pub const SSO_PROVIDER: &str = "sso";

/// What a provider says about the person who signed in, after its checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The provider's stable id for the person; never shown whole.
    pub subject: String,
    pub name: Option<String>,
    /// Only when the provider says it is verified.
    pub email: Option<String>,
}

/// One way in, as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub provider: String,
    pub subject_hint: String,
    pub linked_at: DateTime<Utc>,
}

/// Where the browser goes after the provider: back to the page, or a popup
/// that hands the token to the page that opened it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnMode {
    Redirect,
    Popup,
}

impl ReturnMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnMode::Redirect => "redirect",
            ReturnMode::Popup => "popup",
        }
    }

    pub fn parse(value: &str) -> Option<ReturnMode> {
        match value {
            "redirect" => Some(ReturnMode::Redirect),
            "popup" => Some(ReturnMode::Popup),
            _ => None,
        }
    }
}

/// A masked hint of the subject, enough for its owner to recognise it:
/// `k***@naver.com` from an email, else `12***` from the subject.
pub fn subject_hint(subject: &str, email: Option<&str>) -> String {
    if let Some((local, domain)) = email.and_then(|email| email.split_once('@')) {
        let first: String = local.chars().take(1).collect();
        return format!("{first}***@{domain}");
    }
    let shown = if subject.chars().count() > 4 { 2 } else { 0 };
    let start: String = subject.chars().take(shown).collect();
    format!("{start}***")
}

/// Why a sign-in through a provider or SSO, or a change to an account's ways
/// in, failed. A failed callback says only that it failed, never which check.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("unknown provider")]
    UnknownProvider,
    #[error("return_to is not an allowed origin")]
    InvalidReturnTo,
    #[error("login failed: {0}")]
    LoginFailed(String),
    /// The provider sent the reader back with an error of its own (a denied consent).
    #[error("the provider refused: {0}")]
    ProviderRefused(String),
    #[error("invalid sso token: {0}")]
    InvalidSsoToken(String),
    #[error("sso is not configured")]
    SsoOff,
    #[error("local login is off")]
    LocalLoginOff,
    #[error("the only way in")]
    LastSignInMethod,
    #[error("identity belongs to another account")]
    IdentityInUse,
    #[error("provider already linked")]
    AlreadyLinked,
    #[error("not linked")]
    NotLinked,
    #[error("too many sign-in attempts")]
    TooManyAttempts { retry_after: Duration },
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl SignInError {
    /// A failed check, kept for the log; the client hears only `login_failed`.
    pub fn failed(why: impl Into<String>) -> SignInError {
        SignInError::LoginFailed(why.into())
    }
}

impl Refusal for SignInError {
    fn code(&self) -> &'static str {
        match self {
            SignInError::UnknownProvider => "unknown_provider",
            SignInError::InvalidReturnTo => "invalid_return_to",
            SignInError::LoginFailed(_) => "login_failed",
            SignInError::ProviderRefused(_) => "login_failed",
            SignInError::InvalidSsoToken(_) | SignInError::SsoOff => "invalid_sso_token",
            SignInError::LocalLoginOff => "local_login_off",
            SignInError::LastSignInMethod => "last_sign_in_method",
            SignInError::IdentityInUse => "identity_in_use",
            SignInError::AlreadyLinked => "provider_already_linked",
            SignInError::NotLinked => "not_found",
            SignInError::TooManyAttempts { .. } => "too_many_attempts",
            SignInError::Account(error) => error.code(),
            SignInError::Internal(_) => INTERNAL,
        }
    }

    fn details(&self) -> Details {
        match self {
            SignInError::TooManyAttempts { retry_after } => Details::retry_after(*retry_after),
            SignInError::ProviderRefused(_) => Details {
                detail: Some(crate::domain::message::Text::new(
                    "The sign-in was cancelled or refused at the provider. Try again, or use another way in.",
                    "로그인 제공자에서 로그인이 취소되었거나 거절되었습니다. 다시 시도하거나 다른 방법으로 로그인해 주세요.",
                )),
                ..Details::default()
            },
            SignInError::Account(error) => error.details(),
            _ => Details::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_never_show_the_whole_subject() {
        assert_eq!(
            subject_hint("1234567890", Some("kim@naver.com")),
            "k***@naver.com"
        );
        assert_eq!(subject_hint("1234567890", None), "12***");
        assert_eq!(subject_hint("abc", None), "***");
        assert_eq!(subject_hint("김철수바보", None), "김철***");
    }
}
