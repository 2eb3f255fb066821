//! Reading a standards policy file (TOML) into a `Policy`.
//!
//! The built-in policy (`default.toml`) is read by the same code. A newsroom's
//! file replaces it section by section: a section the file leaves out keeps the
//! built-in values, and a rule the file names changes only the fields it sets.
//! Every error names the file, the line and the field.

use std::collections::BTreeMap;
use std::ops::Range;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::domain::message::Text;
use crate::domain::quota::Quotas;
use crate::policy::terms::TermList;
use crate::policy::{Action, FloodLimit, Policy, Rule, RuleCode};

pub const BUILT_IN: &str = include_str!("default.toml");

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {field}: {problem}")]
pub struct PolicyError {
    pub file: String,
    pub line: usize,
    pub field: String,
    pub problem: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    text: Option<Localized>,
    terms: Option<Terms>,
    links: Option<Links>,
    repeats: Option<Repeats>,
    flooding: Option<Flooding>,
    new_commenters: Option<NewCommenters>,
    quotas: Option<QuotaFile>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, RuleFile>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct Localized {
    en: String,
    ko: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Terms {
    #[serde(default)]
    banned: Vec<Spanned<String>>,
    #[serde(default)]
    suspect: Vec<Spanned<String>>,
    #[serde(default)]
    allowed: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Links {
    allowed_domains: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Repeats {
    window: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Flooding {
    limits: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewCommenters {
    hold_first: Spanned<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuotaFile {
    comments_per_day: u32,
    comments_per_article: u32,
    min_interval: Spanned<String>,
    reactions_per_day: u32,
    new_account_wait: Spanned<String>,
    day_starts: Spanned<String>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    action: Option<Spanned<String>>,
    title: Option<Localized>,
    description: Option<Localized>,
    message: Option<Localized>,
}

/// One file's text with its name, for error messages.
struct Source<'a> {
    name: &'a str,
    text: &'a str,
}

impl Source<'_> {
    fn error(
        &self,
        span: Range<usize>,
        field: impl Into<String>,
        problem: impl Into<String>,
    ) -> PolicyError {
        let line = self.text[..span.start.min(self.text.len())]
            .matches('\n')
            .count()
            + 1;
        PolicyError {
            file: self.name.to_owned(),
            line,
            field: field.into(),
            problem: problem.into(),
        }
    }

    fn parse(&self) -> Result<PolicyFile, PolicyError> {
        toml::from_str(self.text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            self.error(span, "toml", e.message().to_owned())
        })
    }
}

/// The built-in policy.
pub fn built_in() -> Result<Policy, PolicyError> {
    build(None)
}

/// A newsroom's policy file over the built-in one.
pub fn from_file(name: &str, text: &str) -> Result<Policy, PolicyError> {
    build(Some(Source { name, text }))
}

fn build(user: Option<Source<'_>>) -> Result<Policy, PolicyError> {
    let base_source = Source {
        name: "built-in policy",
        text: BUILT_IN,
    };
    let base = base_source.parse()?;
    let (file, source) = match &user {
        Some(source) => (source.parse()?, source),
        None => (PolicyFile::default(), &base_source),
    };
    // Each section comes from the newsroom's file when it has one.
    macro_rules! pick {
        ($field:ident) => {
            match file.$field {
                Some(value) => (value, source),
                None => (
                    base.$field.expect(concat!("built-in ", stringify!($field))),
                    &base_source,
                ),
            }
        };
    }
    let (text, _) = pick!(text);
    let (terms, terms_source) = pick!(terms);
    let (links, links_source) = pick!(links);
    let (repeats, repeats_source) = pick!(repeats);
    let (flooding, flooding_source) = pick!(flooding);
    let (new_commenters, _) = pick!(new_commenters);
    let (quotas, quotas_source) = pick!(quotas);
    Ok(Policy {
        text: Text::new(text.en.trim(), text.ko.trim()),
        rules: rules(&base.rules, &file.rules, source)?,
        terms: term_list(&terms, terms_source)?,
        allowed_domains: domains(&links, links_source)?,
        repeat_window: duration(&repeats.window, "repeats.window", repeats_source)?,
        flooding: flood_limits(&flooding, flooding_source)?,
        new_commenter_hold: *new_commenters.hold_first.get_ref(),
        quotas: quota_limits(&quotas, quotas_source)?,
    })
}

fn quota_limits(file: &QuotaFile, source: &Source<'_>) -> Result<Quotas, PolicyError> {
    let day_starts = file.day_starts.get_ref().trim().parse().map_err(|_| {
        source.error(
            file.day_starts.span(),
            "quotas.day_starts",
            format!(
                "{:?} is not a UTC offset such as \"+09:00\"",
                file.day_starts.get_ref()
            ),
        )
    })?;
    Ok(Quotas {
        comments_per_day: file.comments_per_day,
        comments_per_article: file.comments_per_article,
        min_interval: duration(&file.min_interval, "quotas.min_interval", source)?,
        reactions_per_day: file.reactions_per_day,
        new_account_wait: duration(&file.new_account_wait, "quotas.new_account_wait", source)?,
        day_starts,
    })
}

fn rules(
    base: &BTreeMap<Spanned<String>, RuleFile>,
    file: &BTreeMap<Spanned<String>, RuleFile>,
    source: &Source<'_>,
) -> Result<[Rule; RuleCode::ALL.len()], PolicyError> {
    for code in file.keys() {
        if RuleCode::parse(code.get_ref()).is_none() {
            let known: Vec<&str> = RuleCode::ALL.iter().map(|c| c.as_str()).collect();
            return Err(source.error(
                code.span(),
                format!("rules.{}", code.get_ref()),
                format!("unknown rule; the rules are {}", known.join(", ")),
            ));
        }
    }
    let mut rules = Vec::with_capacity(RuleCode::ALL.len());
    for code in RuleCode::ALL {
        rules.push(rule(code, base, file, source)?);
    }
    Ok(rules
        .try_into()
        .unwrap_or_else(|_| unreachable!("one rule per code")))
}

/// A rule as the newsroom's file sets it, each field the file leaves out
/// taken from the built-in rule.
fn rule(
    code: RuleCode,
    base: &BTreeMap<Spanned<String>, RuleFile>,
    file: &BTreeMap<Spanned<String>, RuleFile>,
    source: &Source<'_>,
) -> Result<Rule, PolicyError> {
    let find = |map: &BTreeMap<Spanned<String>, RuleFile>| {
        map.iter()
            .find(|(k, _)| k.get_ref() == code.as_str())
            .map(|(_, v)| v.clone())
    };
    let built_in = find(base).unwrap_or_default();
    let chosen = find(file).unwrap_or_default();
    let field = |name: &str| format!("rules.{}.{name}", code.as_str());
    let action = match (&chosen.action, &built_in.action) {
        (Some(a), _) => parse_action(a, &field("action"), source)?,
        (None, Some(a)) => parse_action(a, &field("action"), source)?,
        (None, None) => Action::Hold,
    };
    let fixed = match code {
        RuleCode::ResidentRegistrationNumber => Some((
            Action::Refuse,
            "refuse: resident registration numbers are never stored",
        )),
        RuleCode::Premoderation => Some((Action::Hold, "hold: premoderation is set per editorial")),
        RuleCode::ModerationHook => Some((Action::Hold, "hold: the classifier's answer decides")),
        _ => None,
    };
    if let Some((required, why)) = fixed
        && action != required
    {
        let span = chosen.action.as_ref().map_or(0..0, |a| a.span());
        return Err(source.error(span, field("action"), format!("must be {why}")));
    }
    let text = |mine: &Option<Localized>, theirs: &Option<Localized>| {
        mine.clone().or_else(|| theirs.clone()).map_or_else(
            || Text::new(code.as_str(), code.as_str()),
            |l| Text::new(l.en, l.ko),
        )
    };
    Ok(Rule {
        code,
        action,
        title: text(&chosen.title, &built_in.title),
        description: text(&chosen.description, &built_in.description),
        message: text(&chosen.message, &built_in.message),
    })
}

fn parse_action(
    action: &Spanned<String>,
    field: &str,
    source: &Source<'_>,
) -> Result<Action, PolicyError> {
    match action.get_ref().as_str() {
        "publish" => Ok(Action::Publish),
        "hold" => Ok(Action::Hold),
        "refuse" => Ok(Action::Refuse),
        other => Err(source.error(
            action.span(),
            field,
            format!("{other:?} is not an action; use publish, hold or refuse"),
        )),
    }
}

fn term_list(terms: &Terms, source: &Source<'_>) -> Result<TermList, PolicyError> {
    let plain =
        |list: &[Spanned<String>]| list.iter().map(|t| t.get_ref().clone()).collect::<Vec<_>>();
    TermList::new(
        &plain(&terms.banned),
        &plain(&terms.suspect),
        &plain(&terms.allowed),
    )
    .map_err(|e| {
        // Point at the first entry written as the failing pattern.
        let lists = [
            ("banned", &terms.banned),
            ("suspect", &terms.suspect),
            ("allowed", &terms.allowed),
        ];
        let (field, span) = lists
            .iter()
            .find_map(|(name, list)| {
                list.iter()
                    .position(|t| *t.get_ref() == e.pattern)
                    .map(|i| (format!("terms.{name}[{i}]"), list[i].span()))
            })
            .unwrap_or_else(|| ("terms".to_owned(), 0..0));
        source.error(span, field, e.to_string())
    })
}

fn domains(links: &Links, source: &Source<'_>) -> Result<Vec<String>, PolicyError> {
    links
        .allowed_domains
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let domain = d
                .get_ref()
                .trim()
                .trim_start_matches("*.")
                .to_ascii_lowercase();
            let valid = domain.contains('.')
                && domain
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
            if valid {
                Ok(domain)
            } else {
                Err(source.error(
                    d.span(),
                    format!("links.allowed_domains[{i}]"),
                    format!("{:?} is not a domain such as news.example", d.get_ref()),
                ))
            }
        })
        .collect()
}

fn duration(
    value: &Spanned<String>,
    field: &str,
    source: &Source<'_>,
) -> Result<Duration, PolicyError> {
    humantime::parse_duration(value.get_ref().trim()).map_err(|_| {
        source.error(
            value.span(),
            field,
            format!(
                "{:?} is not a duration such as 30s, 10m, 24h or 7d",
                value.get_ref()
            ),
        )
    })
}

fn flood_limits(flooding: &Flooding, source: &Source<'_>) -> Result<Vec<FloodLimit>, PolicyError> {
    flooding
        .limits
        .iter()
        .enumerate()
        .map(|(i, limit)| {
            let field = format!("flooding.limits[{i}]");
            let bad = || {
                source.error(
                    limit.span(),
                    &field,
                    format!(
                        "{:?} is not a limit such as \"5/1m\" (count/duration)",
                        limit.get_ref()
                    ),
                )
            };
            let (count, per) = limit.get_ref().split_once('/').ok_or_else(bad)?;
            let count: u32 = count
                .trim()
                .parse()
                .ok()
                .filter(|c| *c > 0)
                .ok_or_else(bad)?;
            let per = humantime::parse_duration(per.trim())
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(bad)?;
            Ok(FloodLimit { count, per })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_policy_loads() {
        let policy = built_in().unwrap();
        assert_eq!(policy.rules.len(), RuleCode::ALL.len());
        assert!(policy.text.ko.contains("운영 원칙"));
        assert_eq!(policy.repeat_window, Duration::from_secs(24 * 3600));
    }

    #[test]
    fn every_built_in_rule_speaks_both_languages() {
        let policy = built_in().unwrap();
        let hangul = |s: &str| s.chars().any(|c| ('가'..='힣').contains(&c));
        for rule in policy.rules() {
            for text in [&rule.title, &rule.description, &rule.message] {
                assert!(
                    !text.en.is_empty() && !hangul(&text.en),
                    "{}: {:?}",
                    rule.code,
                    text.en
                );
                assert!(hangul(&text.ko), "{}: {:?}", rule.code, text.ko);
            }
        }
    }

    #[test]
    fn a_file_replaces_sections_and_single_rule_fields() {
        let text = "[terms]\nbanned = [\"darn\"]\n\n[rules.link]\naction = \"refuse\"\n";
        let policy = from_file("newsroom.toml", text).unwrap();
        assert_eq!(policy.rule(RuleCode::Link).action, Action::Refuse);
        assert_eq!(
            policy.rule(RuleCode::Link).title.en,
            "Link",
            "kept from the built-in rule"
        );
        assert_eq!(policy.terms.len(), 1, "the terms section is replaced");
        assert_eq!(policy.flooding.len(), 2, "the flooding section is kept");
    }

    #[test]
    fn a_rule_the_file_leaves_out_is_the_built_in_rule() {
        let base = built_in().unwrap();
        let text = "[rules.link]\naction = \"refuse\"\n";
        let policy = from_file("newsroom.toml", text).unwrap();
        for code in RuleCode::ALL {
            let rule = policy.rule(code);
            assert_eq!(rule.code, code);
            if code != RuleCode::Link {
                assert_eq!(rule.action, base.rule(code).action, "{code}");
                assert_eq!(rule.message, base.rule(code).message, "{code}");
            }
        }
    }

    #[test]
    fn an_unknown_rule_is_a_start_up_error_naming_the_rules() {
        let error = from_file("p.toml", "[rules.lnik]\naction = \"hold\"\n")
            .map(|_| ())
            .unwrap_err();
        assert_eq!(error.field, "rules.lnik");
        assert!(
            error.problem.contains("banned_term, suspect_term"),
            "{error}"
        );
        assert!(
            error.problem.ends_with("premoderation, moderation_hook"),
            "{error}"
        );
    }

    #[test]
    fn errors_name_the_line_and_the_field() {
        let cases = [
            ("[terms]\nbanned = [\"ok\", \"\"]\n", 2, "terms.banned[1]"),
            (
                "\n\n[rules.link]\naction = \"delete\"\n",
                4,
                "rules.link.action",
            ),
            ("[rules.spelling]\naction = \"hold\"\n", 1, "rules.spelling"),
            (
                "[rules.resident_registration_number]\naction = \"hold\"\n",
                2,
                "rules.resident_registration_number.action",
            ),
            ("[repeats]\nwindow = \"a while\"\n", 2, "repeats.window"),
            (
                concat!(
                    "[quotas]\ncomments_per_day = 20\ncomments_per_article = 3\n",
                    "min_interval = \"15s\"\nreactions_per_day = 50\n",
                    "new_account_wait = \"0s\"\nday_starts = \"KST\"\n"
                ),
                7,
                "quotas.day_starts",
            ),
            (
                "[flooding]\nlimits = [\"5/1m\",\n  \"lots\"]\n",
                3,
                "flooding.limits[1]",
            ),
            (
                "[links]\nallowed_domains = [\"not a domain\"]\n",
                2,
                "links.allowed_domains[0]",
            ),
            ("[terms]\nbaned = []\n", 2, "toml"),
            ("[terms\n", 1, "toml"),
        ];
        for (text, line, field) in cases {
            let error = from_file("p.toml", text).map(|_| ()).expect_err(text);
            assert_eq!(
                (error.line, error.field.as_str()),
                (line, field),
                "{text:?}: {error}"
            );
            assert!(
                error
                    .to_string()
                    .starts_with(&format!("p.toml:{line}: {field}: ")),
                "{error}"
            );
        }
    }
}
