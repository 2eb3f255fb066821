//! Settings from the environment (and `.env`), with the names of `API.md`.
//!
//! Every variable is read through one lookup function so that tests can
//! check bad values without touching the process environment.

mod login;

use std::path::PathBuf;
use std::time::Duration;

use ipnet::IpNet;

use crate::domain::body::DEFAULT_MAX_LENGTH;
use crate::domain::data_rights::CommentsOnErasure;
use crate::domain::desk::UNDO_WINDOW_MAX;
use crate::domain::policy::FloodLimit;
pub use login::{
    LoginSettings, OAuth2Endpoints, ProfileShape, Protocol, ProviderConfig, SsoConfig, SsoKey,
};

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub bind_addr: String,
    /// Where `GET /metrics` is served; `None` (the default): no metrics at all.
    pub metrics_addr: Option<String>,
    /// Origins, besides the server's own, allowed to call with the session cookie.
    pub allowed_origins: Vec<String>,
    pub cookie_secure: bool,
    pub policy_file: Option<PathBuf>,
    pub rate_limits: bool,
    pub comment_max_length: usize,
    pub session_idle_timeout: Duration,
    pub session_max_age: Duration,
    /// Failed logins per account and address before delays start.
    pub login_free_attempts: u32,
    pub login_max_delay: Duration,
    pub sqlite_synchronous: Synchronous,
    /// Connections to PostgreSQL each process keeps at most.
    pub database_pool_size: u32,
    pub password_hash_concurrency: usize,
    pub json_body_limit: usize,
    pub seed_demo: bool,
    /// How long an author may edit a comment after posting it.
    pub edit_window: Duration,
    /// How long a moderator may take back their decision (at most `UNDO_WINDOW_MAX`).
    pub undo_window: Duration,
    /// Open reports from distinct readers that put a comment in the reported queue.
    pub reports_to_queue: u32,
    /// Open reports that hide a comment until a moderator decides.
    pub reports_to_hide: u32,
    /// Reports count toward queueing and hiding only from accounts this old.
    pub reports_min_account_age: Duration,
    /// Proxies whose `X-Forwarded-For` is believed; empty: the socket's address counts.
    pub trusted_proxies: Vec<IpNet>,
    /// Accounts one client network (an IPv6 client's /64) may create, steadily.
    pub register_limit: FloodLimit,
    /// How many of those it may create at once.
    pub register_burst: u32,
    /// Reports one account may file.
    pub report_limit: FloodLimit,
    /// Dry runs of the policy one client address may ask for.
    pub validate_limit: FloodLimit,
    /// Open connections at most; more wait in the listen backlog.
    pub max_connections: usize,
    /// How long a client may take to send a request's head, and then its body.
    pub client_timeout: Duration,
    /// Reactions a comment needs before it ranks by 공감비율.
    pub ratio_min_reactions: i64,
    /// Best comments shown first (0: none), and the 순공감 they need.
    pub best_comments: usize,
    pub best_min_score: i64,
    /// `AUTHOR_HISTORY=public`: each reader's published comments, counts and
    /// 공감 ratio are open to everyone, linked from their comments.
    pub author_history_public: bool,
    /// Reactions one account may set in a short time (the daily quota is policy).
    pub reaction_limit: FloodLimit,
    /// Sign-in with other accounts, SSO, and whether local login is on.
    pub login: LoginSettings,
    /// Sign-in starts, callbacks and SSO tokens per client address.
    pub sign_in_limit: FloodLimit,
    /// Live moderation event streams open at once.
    pub event_streams: usize,
    /// Of those, streams one account may hold.
    pub event_streams_per_account: usize,
    /// Recent moderation events kept for desks that reconnect.
    pub event_window: usize,
    /// Webhooks: endpoints, signing secrets and delivery timing.
    pub webhooks: WebhookSettings,
    /// The newsroom's classifier (`MODERATION_HOOK_URL`); `None`: off.
    pub moderation_hook: Option<HookSettings>,
    /// Readers' data rights: what an erased account's comments become,
    /// how fresh a provider sign-in must be to delete an account without a
    /// password, and how often one account may download its data.
    pub deletion_comments: CommentsOnErasure,
    pub deletion_sign_in_window: Duration,
    pub export_limit: FloodLimit,
}

/// `WEBHOOK_*`: where events go and how they are signed and retried.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// `WEBHOOK_URLS`; empty: no events are written at all.
    pub urls: Vec<String>,
    /// `WEBHOOK_SECRET`, comma-separated during a rotation: the first signs,
    /// and every one gets a `v1=` in the header.
    pub secrets: Vec<String>,
    /// The first retry's delay; each next one doubles, up to `retry_max`.
    pub retry_first: Duration,
    pub retry_max: Duration,
    /// How long an answer may take, from connecting to its last byte.
    pub timeout: Duration,
    /// Delivered events are deleted after this long.
    pub retention: Duration,
}

/// Where and how the moderation hook is called.
#[derive(Debug, Clone)]
pub struct HookSettings {
    pub url: reqwest::Url,
    /// Signing secrets, the first signs (see `signing`).
    pub secrets: Vec<String>,
    /// The whole call's budget, connect and answer together.
    pub timeout: Duration,
}

/// How the store opens its engine: the settings beside `DATABASE_URL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatabaseTuning {
    pub sqlite_synchronous: Synchronous,
    pub pool_size: u32,
}

impl Default for DatabaseTuning {
    fn default() -> DatabaseTuning {
        DatabaseTuning {
            sqlite_synchronous: Synchronous::Full,
            pool_size: 16,
        }
    }
}

impl Settings {
    pub fn database_tuning(&self) -> DatabaseTuning {
        DatabaseTuning {
            sqlite_synchronous: self.sqlite_synchronous,
            pool_size: self.database_pool_size,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// Every commit reaches the disk before it is acknowledged.
    #[default]
    Full,
    Normal,
}

/// A bad variable: the one line start-up prints before it stops.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("configuration error: {name} {problem}")]
pub struct ConfigError {
    pub name: String,
    pub problem: String,
}

impl Settings {
    /// Reads `.env` (if present) and then the process environment.
    pub fn from_env() -> Result<Settings, ConfigError> {
        // A missing .env is normal; a malformed one is reported by name.
        if let Err(error) = dotenvy::dotenv()
            && !error.not_found()
        {
            return Err(ConfigError {
                name: ".env".into(),
                problem: format!("cannot be read: {error}"),
            });
        }
        Settings::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        let vars = Vars(&lookup);
        Ok(Settings {
            database_url: vars.text("DATABASE_URL", "sqlite://data/comment-desk.db")?,
            bind_addr: vars.text("BIND_ADDR", "127.0.0.1:8080")?,
            metrics_addr: vars.raw("METRICS_ADDR"),
            login: vars.login()?,
            allowed_origins: vars.origins("ALLOWED_ORIGINS")?,
            cookie_secure: vars.boolean("COOKIE_SECURE", true)?,
            policy_file: vars.raw("POLICY_FILE").map(PathBuf::from),
            rate_limits: vars.switch("RATE_LIMITS", true)?,
            comment_max_length: vars.number(
                "COMMENT_MAX_LENGTH",
                DEFAULT_MAX_LENGTH,
                1..=10_000,
            )?,
            session_idle_timeout: vars.duration("SESSION_IDLE_TIMEOUT", "7d")?,
            session_max_age: vars.duration("SESSION_MAX_AGE", "30d")?,
            login_free_attempts: vars.number("LOGIN_FREE_ATTEMPTS", 5, 1..=1000)? as u32,
            login_max_delay: vars.duration("LOGIN_MAX_DELAY", "15m")?,
            sqlite_synchronous: vars.synchronous("SQLITE_SYNCHRONOUS")?,
            database_pool_size: vars.number("DATABASE_POOL_SIZE", 16, 2..=1000)? as u32,
            password_hash_concurrency: vars.number(
                "PASSWORD_HASH_CONCURRENCY",
                default_hash_concurrency(),
                1..=256,
            )?,
            json_body_limit: vars.number("JSON_BODY_LIMIT", 16 * 1024, 256..=1024 * 1024)?,
            seed_demo: vars.boolean("SEED_DEMO", true)?,
            edit_window: vars.duration("EDIT_WINDOW", "5m")?,
            undo_window: vars.undo_window()?,
            reports_to_queue: vars.number("REPORTS_TO_QUEUE", 3, 1..=1000)? as u32,
            reports_to_hide: vars.number("REPORTS_TO_HIDE", 5, 1..=1000)? as u32,
            reports_min_account_age: vars.duration_or_zero("REPORTS_MIN_ACCOUNT_AGE", "1h")?,
            trusted_proxies: vars.networks("TRUSTED_PROXIES")?,
            register_limit: vars.limit("REGISTER_LIMIT", "60/1h")?,
            register_burst: vars.number("REGISTER_BURST", 10, 1..=100_000)? as u32,
            report_limit: vars.limit("REPORT_LIMIT", "30/1h")?,
            validate_limit: vars.limit("VALIDATE_LIMIT", "120/1m")?,
            max_connections: vars.number("MAX_CONNECTIONS", 10_000, 1..=1_000_000)?,
            client_timeout: vars.duration("CLIENT_TIMEOUT", "10s")?,
            ratio_min_reactions: vars.number("RATIO_MIN_REACTIONS", 5, 1..=1_000_000)? as i64,
            best_comments: vars.number("BEST_COMMENTS", 3, 0..=20)?,
            best_min_score: vars.number("BEST_MIN_SCORE", 5, 1..=1_000_000)? as i64,
            reaction_limit: vars.limit("REACTION_LIMIT", "60/1m")?,
            author_history_public: vars.visibility("AUTHOR_HISTORY")?,
            sign_in_limit: vars.limit("SIGN_IN_LIMIT", "30/1m")?,
            event_streams: vars.number("EVENT_STREAMS", 200, 1..=100_000)?,
            event_streams_per_account: vars.number("EVENT_STREAMS_PER_ACCOUNT", 5, 1..=100_000)?,
            event_window: vars.number("EVENT_WINDOW", 1000, 1..=1_000_000)?,
            webhooks: vars.webhooks()?,
            moderation_hook: vars.moderation_hook()?,
            deletion_comments: vars.deletion_comments()?,
            deletion_sign_in_window: vars.duration("ACCOUNT_DELETION_SIGN_IN_WINDOW", "5m")?,
            export_limit: vars.limit("EXPORT_LIMIT", "3/1h")?,
        })
    }
}

fn default_hash_concurrency() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

struct Vars<'a, F: Fn(&str) -> Option<String>>(&'a F);

impl<F: Fn(&str) -> Option<String>> Vars<'_, F> {
    /// A set but blank variable counts as unset, as `.env` files often hold `NAME=`.
    fn raw(&self, name: &str) -> Option<String> {
        (self.0)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    fn text(&self, name: &'static str, default: &str) -> Result<String, ConfigError> {
        Ok(self.raw(name).unwrap_or_else(|| default.to_owned()))
    }

    fn boolean(&self, name: &'static str, default: bool) -> Result<bool, ConfigError> {
        match self.raw(name).map(|v| v.to_ascii_lowercase()) {
            None => Ok(default),
            Some(v) if v == "true" || v == "1" => Ok(true),
            Some(v) if v == "false" || v == "0" => Ok(false),
            Some(v) => Err(bad(name, format!("must be true or false, got {v:?}"))),
        }
    }

    fn switch(&self, name: &'static str, default: bool) -> Result<bool, ConfigError> {
        match self.raw(name).map(|v| v.to_ascii_lowercase()) {
            None => Ok(default),
            Some(v) if v == "on" => Ok(true),
            Some(v) if v == "off" => Ok(false),
            Some(v) => Err(bad(name, format!("must be on or off, got {v:?}"))),
        }
    }

    /// `public` or `private` (the default).
    fn visibility(&self, name: &'static str) -> Result<bool, ConfigError> {
        match self.raw(name).map(|v| v.to_ascii_lowercase()).as_deref() {
            None | Some("private") => Ok(false),
            Some("public") => Ok(true),
            Some(v) => Err(bad(name, format!("must be public or private, got {v:?}"))),
        }
    }

    fn number(
        &self,
        name: &'static str,
        default: usize,
        range: std::ops::RangeInclusive<usize>,
    ) -> Result<usize, ConfigError> {
        let Some(v) = self.raw(name) else {
            return Ok(default);
        };
        match v.parse::<usize>() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => Err(bad(
                name,
                format!(
                    "must be a whole number from {} to {}, got {v:?}",
                    range.start(),
                    range.end()
                ),
            )),
        }
    }

    fn duration(&self, name: &'static str, default: &str) -> Result<Duration, ConfigError> {
        let v = self.raw(name).unwrap_or_else(|| default.to_owned());
        match humantime::parse_duration(&v) {
            Ok(d) if d >= Duration::from_secs(1) => Ok(d),
            _ => Err(bad(
                name,
                format!("must be a duration such as 30m, 12h or 7d, got {v:?}"),
            )),
        }
    }

    /// `ACCOUNT_DELETION_COMMENTS`: `remove` (the default) or `anonymize`.
    fn deletion_comments(&self) -> Result<CommentsOnErasure, ConfigError> {
        let name = "ACCOUNT_DELETION_COMMENTS";
        match self.raw(name).map(|v| v.to_ascii_lowercase()) {
            None => Ok(CommentsOnErasure::default()),
            Some(v) => CommentsOnErasure::parse(&v)
                .ok_or_else(|| bad(name, format!("must be remove or anonymize, got {v:?}"))),
        }
    }

    /// `UNDO_WINDOW`: a duration, no longer than what undoing keeps.
    fn undo_window(&self) -> Result<Duration, ConfigError> {
        let window = self.duration("UNDO_WINDOW", "30s")?;
        if window > UNDO_WINDOW_MAX {
            return Err(bad(
                "UNDO_WINDOW",
                format!(
                    "must be at most {}",
                    humantime::format_duration(UNDO_WINDOW_MAX)
                ),
            ));
        }
        Ok(window)
    }

    /// `MODERATION_HOOK_URL`, its secret (or the first of `WEBHOOK_SECRET`)
    /// and `MODERATION_HOOK_TIMEOUT` (10ms to 10s, default 300ms).
    fn moderation_hook(&self) -> Result<Option<HookSettings>, ConfigError> {
        let Some(raw_url) = self.raw("MODERATION_HOOK_URL") else {
            return Ok(None);
        };
        let url = reqwest::Url::parse(&raw_url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| {
                bad(
                    "MODERATION_HOOK_URL",
                    format!("must be an http or https URL, got {raw_url:?}"),
                )
            })?;
        let listed = |name: &str| -> Vec<String> {
            self.raw(name)
                .map(|v| {
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut secrets = listed("MODERATION_HOOK_SECRET");
        if secrets.is_empty() {
            secrets = listed("WEBHOOK_SECRET").into_iter().take(1).collect();
        }
        if secrets.is_empty() {
            return Err(bad(
                "MODERATION_HOOK_SECRET",
                "must be set when MODERATION_HOOK_URL is (or WEBHOOK_SECRET)".to_owned(),
            ));
        }
        let raw_timeout = self
            .raw("MODERATION_HOOK_TIMEOUT")
            .unwrap_or_else(|| "300ms".to_owned());
        let timeout = humantime::parse_duration(&raw_timeout)
            .ok()
            .filter(|d| (Duration::from_millis(10)..=Duration::from_secs(10)).contains(d))
            .ok_or_else(|| {
                bad(
                    "MODERATION_HOOK_TIMEOUT",
                    format!("must be a duration from 10ms to 10s, got {raw_timeout:?}"),
                )
            })?;
        Ok(Some(HookSettings {
            url,
            secrets,
            timeout,
        }))
    }

    /// A duration that may also be `0` (no wait at all).
    fn duration_or_zero(&self, name: &'static str, default: &str) -> Result<Duration, ConfigError> {
        if self.raw(name).as_deref() == Some("0") {
            return Ok(Duration::ZERO);
        }
        self.duration(name, default)
    }

    fn synchronous(&self, name: &'static str) -> Result<Synchronous, ConfigError> {
        match self.raw(name).map(|v| v.to_ascii_uppercase()).as_deref() {
            None | Some("FULL") => Ok(Synchronous::Full),
            Some("NORMAL") => Ok(Synchronous::Normal),
            Some(v) => Err(bad(name, format!("must be FULL or NORMAL, got {v:?}"))),
        }
    }

    /// `N/duration`, e.g. `10/1h`: at most N in any such window.
    fn limit(&self, name: &'static str, default: &str) -> Result<FloodLimit, ConfigError> {
        let v = self.raw(name).unwrap_or_else(|| default.to_owned());
        let parsed = v.split_once('/').and_then(|(count, per)| {
            let count = count.trim().parse::<u32>().ok().filter(|n| *n > 0)?;
            let per = humantime::parse_duration(per.trim()).ok()?;
            (per >= Duration::from_secs(1)).then_some(FloodLimit { count, per })
        });
        parsed.ok_or_else(|| {
            bad(
                name,
                format!("must be a count per duration such as 10/1h, got {v:?}"),
            )
        })
    }

    /// Comma-separated addresses or networks: `10.0.0.1, 192.168.0.0/16, ::1`.
    fn networks(&self, name: &'static str) -> Result<Vec<IpNet>, ConfigError> {
        let Some(v) = self.raw(name) else {
            return Ok(Vec::new());
        };
        v.split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| {
                n.parse::<IpNet>()
                    .or_else(|_| n.parse::<std::net::IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        bad(
                            name,
                            format!(
                                "must list addresses or networks such as 10.0.0.0/8, got {n:?}"
                            ),
                        )
                    })
            })
            .collect()
    }

    /// `WEBHOOK_URLS` are http(s) URLs; a secret is needed as soon as one is set.
    fn webhooks(&self) -> Result<WebhookSettings, ConfigError> {
        let list = |name: &str| -> Vec<String> {
            self.raw(name)
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let urls = list("WEBHOOK_URLS");
        for url in &urls {
            let parsed = reqwest::Url::parse(url).ok();
            if !parsed.is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host()) {
                return Err(bad(
                    "WEBHOOK_URLS",
                    format!(
                        "must list http(s) URLs such as https://cms.example/hooks, got {url:?}"
                    ),
                ));
            }
        }
        let secrets = list("WEBHOOK_SECRET");
        if !urls.is_empty() && secrets.is_empty() {
            return Err(bad(
                "WEBHOOK_SECRET",
                "must be set when WEBHOOK_URLS is".into(),
            ));
        }
        Ok(WebhookSettings {
            urls,
            secrets,
            retry_first: self.duration("WEBHOOK_RETRY_FIRST", "1s")?,
            retry_max: self.duration("WEBHOOK_RETRY_MAX", "10m")?,
            timeout: self.duration("WEBHOOK_TIMEOUT", "10s")?,
            retention: self.duration("WEBHOOK_RETENTION", "7d")?,
        })
    }

    fn origins(&self, name: &'static str) -> Result<Vec<String>, ConfigError> {
        let Some(v) = self.raw(name) else {
            return Ok(Vec::new());
        };
        v.split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(|o| {
                normalize_origin(o).ok_or_else(|| {
                    bad(
                        name,
                        format!("must list origins such as https://news.example, got {o:?}"),
                    )
                })
            })
            .collect()
    }
}

/// `scheme://host[:port]` in lower case without a trailing slash, or `None`.
pub fn normalize_origin(origin: &str) -> Option<String> {
    let origin = origin.trim().trim_end_matches('/').to_ascii_lowercase();
    let (scheme, rest) = origin.split_once("://")?;
    let valid_scheme = scheme == "http" || scheme == "https";
    let valid_host = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    (valid_scheme && valid_host).then_some(origin)
}

fn bad(name: &str, problem: String) -> ConfigError {
    ConfigError {
        name: name.to_owned(),
        problem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_follow_the_api_contract() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.database_url, "sqlite://data/comment-desk.db");
        assert_eq!(s.bind_addr, "127.0.0.1:8080");
        assert_eq!(s.metrics_addr, None, "metrics are off unless asked for");
        assert!(s.cookie_secure);
        assert!(s.rate_limits);
        assert_eq!(s.comment_max_length, 250);
        assert_eq!(s.sqlite_synchronous, Synchronous::Full);
        assert!(s.trusted_proxies.is_empty());
        assert_eq!(s.reports_min_account_age, Duration::from_secs(3600));
        let zero = settings(&[("REPORTS_MIN_ACCOUNT_AGE", "0")]).unwrap();
        assert_eq!(zero.reports_min_account_age, Duration::ZERO);
        assert_eq!(
            s.register_limit,
            FloodLimit {
                count: 60,
                per: Duration::from_secs(3600)
            }
        );
        assert_eq!(s.register_burst, 10);
        assert_eq!(s.undo_window, Duration::from_secs(30));
        let longest = settings(&[("UNDO_WINDOW", "10m")]).unwrap();
        assert_eq!(longest.undo_window, UNDO_WINDOW_MAX);
        assert_eq!((s.event_streams, s.event_window), (200, 1000));
        assert_eq!(s.event_streams_per_account, 5);
    }

    #[test]
    fn trusted_proxies_take_addresses_and_networks() {
        let s = settings(&[("TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1,::1")]).unwrap();
        let listed: Vec<String> = s.trusted_proxies.iter().map(|n| n.to_string()).collect();
        assert_eq!(listed, ["10.0.0.0/8", "127.0.0.1/32", "::1/128"]);
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        let cases = [
            ("COOKIE_SECURE", "maybe"),
            ("RATE_LIMITS", "sometimes"),
            ("COMMENT_MAX_LENGTH", "0"),
            ("SESSION_IDLE_TIMEOUT", "soon"),
            ("SQLITE_SYNCHRONOUS", "OFF"),
            ("ALLOWED_ORIGINS", "news.example"),
            ("JSON_BODY_LIMIT", "-1"),
            ("TRUSTED_PROXIES", "proxy.internal"),
            ("REGISTER_LIMIT", "10 per hour"),
            ("REGISTER_BURST", "0"),
            ("REPORT_LIMIT", "0/1h"),
            ("VALIDATE_LIMIT", "5/0s"),
            ("MAX_CONNECTIONS", "0"),
            ("CLIENT_TIMEOUT", "never"),
            ("REPORTS_MIN_ACCOUNT_AGE", "-1h"),
            ("UNDO_WINDOW", "11m"),
            ("UNDO_WINDOW", "later"),
            ("EVENT_STREAMS", "0"),
            ("EVENT_STREAMS_PER_ACCOUNT", "0"),
            ("EVENT_WINDOW", "many"),
        ];
        for (name, value) in cases {
            let error = settings(&[(name, value)]).expect_err(name);
            assert_eq!(error.name, name, "{name}={value}");
            assert!(error.to_string().contains(name));
        }
    }

    #[test]
    fn origins_are_normalized() {
        let s = settings(&[(
            "ALLOWED_ORIGINS",
            "https://News.Example/, http://localhost:3000",
        )])
        .unwrap();
        assert_eq!(
            s.allowed_origins,
            ["https://news.example", "http://localhost:3000"]
        );
    }

    #[test]
    fn webhook_urls_need_a_secret_and_a_scheme() {
        type Case<'a> = (&'a [(&'a str, &'a str)], Option<&'a str>);
        let cases: &[Case] = &[
            (
                &[("WEBHOOK_URLS", "https://cms.example/h")],
                Some("WEBHOOK_SECRET"),
            ),
            (
                &[
                    ("WEBHOOK_URLS", "ftp://cms.example/h"),
                    ("WEBHOOK_SECRET", "s"),
                ],
                Some("WEBHOOK_URLS"),
            ),
            (
                &[("WEBHOOK_URLS", "cms.example"), ("WEBHOOK_SECRET", "s")],
                Some("WEBHOOK_URLS"),
            ),
            (
                &[
                    ("WEBHOOK_URLS", "https://a.example/h, http://b.example:81/h"),
                    ("WEBHOOK_SECRET", "new,old"),
                ],
                None,
            ),
            (&[], None),
        ];
        for (vars, failing) in cases {
            let result = settings(vars);
            match failing {
                Some(name) => assert_eq!(&result.unwrap_err().name, name, "{vars:?}"),
                None => assert!(result.is_ok(), "{vars:?}"),
            }
        }
        let s = settings(&[
            ("WEBHOOK_URLS", "https://a.example/h"),
            ("WEBHOOK_SECRET", "new, old"),
        ])
        .unwrap();
        assert_eq!(s.webhooks.secrets, ["new", "old"]);
    }

    #[test]
    fn the_moderation_hook_needs_a_secret_and_a_sane_budget() {
        let url = ("MODERATION_HOOK_URL", "http://127.0.0.1:9/classify");
        assert!(
            settings(&[]).unwrap().moderation_hook.is_none(),
            "off by default"
        );
        let error = settings(&[url]).unwrap_err();
        assert_eq!(error.name, "MODERATION_HOOK_SECRET");
        let hook = settings(&[url, ("WEBHOOK_SECRET", "first, second")])
            .unwrap()
            .moderation_hook
            .unwrap();
        assert_eq!(hook.secrets, ["first"], "the first webhook secret signs");
        assert_eq!(hook.timeout, Duration::from_millis(300));
        let hook = settings(&[
            url,
            ("MODERATION_HOOK_SECRET", "own"),
            ("WEBHOOK_SECRET", "w"),
        ])
        .unwrap()
        .moderation_hook
        .unwrap();
        assert_eq!(hook.secrets, ["own"]);
        for (name, value) in [
            ("MODERATION_HOOK_TIMEOUT", "1ms"),
            ("MODERATION_HOOK_TIMEOUT", "a while"),
            ("MODERATION_HOOK_URL", "ftp://x.example/"),
            ("MODERATION_HOOK_URL", "classify"),
        ] {
            let pairs = [url, ("MODERATION_HOOK_SECRET", "s"), (name, value)];
            let map: HashMap<&str, &str> = pairs.into_iter().collect();
            let pairs: Vec<(&str, &str)> = map.into_iter().collect();
            assert_eq!(settings(&pairs).unwrap_err().name, name, "{name}={value}");
        }
    }
}
