//! Messages in both languages, and the rules a request broke.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ko,
}

/// A message in both languages; which one is shown is decided per request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Text {
    pub en: String,
    pub ko: String,
}

impl Text {
    pub fn new(en: impl Into<String>, ko: impl Into<String>) -> Text {
        Text {
            en: en.into(),
            ko: ko.into(),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Ko => &self.ko,
        }
    }
}

/// One rule a request broke, as in `violations: [{rule, message}]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub rule: String,
    pub message: Text,
}

impl Violation {
    pub fn new(rule: impl Into<String>, en: impl Into<String>, ko: impl Into<String>) -> Self {
        Violation {
            rule: rule.into(),
            message: Text::new(en, ko),
        }
    }
}
