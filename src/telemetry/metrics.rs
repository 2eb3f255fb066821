//! Prometheus metrics: every name and label in one place, the recorder, and
//! one function per fact so that each call site is one line.
//!
//! The recorder is process-wide (the `metrics` macros reach one global
//! recorder), so it is installed once, the first time a server asks for it.
//! Until then every call here does nothing. Label values come only from
//! route templates, status codes, configured provider ids, rule codes and
//! verdicts: nothing a stranger sends can make a new series.

use std::sync::OnceLock;
use std::time::Duration;

use metrics::{
    Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram,
};
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};

use crate::domain::policy::{Action, Finding};

pub const HTTP_REQUESTS: &str = "comment_desk_http_requests_total";
pub const HTTP_DURATION: &str = "comment_desk_http_request_duration_seconds";
pub const COMMENTS: &str = "comment_desk_comments_total";
pub const RULE_HITS: &str = "comment_desk_rule_hits_total";
pub const QUEUE_DEPTH: &str = "comment_desk_queue_depth";
pub const COMMIT_BATCH: &str = "comment_desk_commit_batch_size";
pub const COMMIT_DURATION: &str = "comment_desk_commit_duration_seconds";
pub const PAGE_CACHE: &str = "comment_desk_page_cache_total";
pub const LOGINS: &str = "comment_desk_logins_total";
pub const EVENT_STREAMS: &str = "comment_desk_event_streams_open";
pub const WEBHOOK_DELIVERIES: &str = "comment_desk_webhook_deliveries_total";
pub const WEBHOOK_ATTEMPTS: &str = "comment_desk_webhook_attempts";
pub const WEBHOOK_LAG: &str = "comment_desk_webhook_lag_seconds";
// The moderation hook.
pub const HOOK_ANSWERS: &str = "comment_desk_moderation_hook_answers_total";
pub const HOOK_FALLBACKS: &str = "comment_desk_moderation_hook_fallbacks_total";

/// The label value of every request that matched no route.
pub const UNMATCHED: &str = "unmatched";

/// Seconds, from a fast query to a slow hash or a stalled checkpoint.
const SECONDS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Attempts a webhook delivery took.
const ATTEMPTS: [f64; 8] = [1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 21.0, 34.0];
/// Jobs per group commit, up to the writer's limit of 256.
const BATCH: [f64; 9] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the recorder (once per process) and returns what renders it.
pub fn install() -> Result<PrometheusHandle, BuildError> {
    if let Some(handle) = HANDLE.get() {
        return Ok(handle.clone());
    }
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), &SECONDS)?
        .set_buckets_for_metric(Matcher::Full(COMMIT_DURATION.into()), &SECONDS)?
        .set_buckets_for_metric(Matcher::Full(COMMIT_BATCH.into()), &BATCH)?
        .set_buckets_for_metric(Matcher::Full(WEBHOOK_ATTEMPTS.into()), &ATTEMPTS)?
        .install_recorder()?;
    describe();
    Ok(HANDLE.get_or_init(|| handle).clone())
}

/// The `# HELP` line of each metric.
fn describe() {
    describe_counter!(
        HTTP_REQUESTS,
        "Answered requests by route template and status."
    );
    describe_histogram!(HTTP_DURATION, Unit::Seconds, "Time to each answer's head.");
    describe_counter!(COMMENTS, "New and edited texts by the policy's verdict.");
    describe_counter!(RULE_HITS, "Rules that held or refused a text.");
    describe_gauge!(QUEUE_DEPTH, "Comments waiting in each review queue.");
    describe_histogram!(COMMIT_BATCH, "Posts and reactions in each group commit.");
    describe_histogram!(
        COMMIT_DURATION,
        Unit::Seconds,
        "Each group commit's transaction."
    );
    describe_counter!(
        PAGE_CACHE,
        "Kept first pages served (hit, previous) or built."
    );
    describe_counter!(LOGINS, "Sign-ins by provider and result.");
    describe_gauge!(EVENT_STREAMS, "Open moderation event streams.");
    describe_counter!(
        WEBHOOK_DELIVERIES,
        "Webhook delivery attempts by outcome (delivered, failed)."
    );
    describe_histogram!(WEBHOOK_ATTEMPTS, "Attempts each delivered webhook took.");
    describe_gauge!(
        WEBHOOK_LAG,
        Unit::Seconds,
        "Age of the oldest undelivered webhook event (0: none waiting)."
    );
    // The moderation hook.
    describe_counter!(HOOK_ANSWERS, "Moderation hook answers by action.");
    describe_counter!(
        HOOK_FALLBACKS,
        "Moderation hook calls that fell back to our verdict, by reason."
    );
}

/// Whether a recorder is installed: the request middleware is left out otherwise.
pub fn enabled() -> bool {
    HANDLE.get().is_some()
}

/// One answered request: `route` is the matched template, or `UNMATCHED`.
pub fn request(route: String, status: u16, took: Duration) {
    let status = status.to_string();
    counter!(HTTP_REQUESTS, "route" => route.clone(), "status" => status.clone()).increment(1);
    histogram!(HTTP_DURATION, "route" => route, "status" => status).record(took.as_secs_f64());
}

/// What the policy made of a new or edited text, and each rule that counted.
pub fn judged(verdict: Action, findings: &[Finding]) {
    let verdict = match verdict {
        Action::Publish => "published",
        Action::Hold => "held",
        Action::Refuse => "refused",
    };
    counter!(COMMENTS, "verdict" => verdict).increment(1);
    for finding in findings
        .iter()
        .filter(|f| f.action == Action::Hold || f.action == Action::Refuse)
    {
        counter!(RULE_HITS, "rule" => finding.code.as_str(), "action" => finding.action.as_str())
            .increment(1);
    }
}

/// The review queues' sizes, as last counted.
pub fn queue_depths(pending: i64, reported: i64) {
    gauge!(QUEUE_DEPTH, "queue" => "pending").set(pending as f64);
    gauge!(QUEUE_DEPTH, "queue" => "reported").set(reported as f64);
}

/// One group commit: how many jobs it held and how long it took.
pub fn committed(jobs: usize, took: Duration) {
    histogram!(COMMIT_BATCH).record(jobs as f64);
    histogram!(COMMIT_DURATION).record(took.as_secs_f64());
}

/// How a kept first page was served.
#[derive(Debug, Clone, Copy)]
pub enum PageServed {
    /// The kept page was current.
    Hit,
    /// Another reader was rebuilding it: the previous page was served.
    Previous,
    /// It was built (and kept) for this reader.
    Built,
}

pub fn page_served(served: PageServed) {
    let outcome = match served {
        PageServed::Hit => "hit",
        PageServed::Previous => "previous",
        PageServed::Built => "build",
    };
    counter!(PAGE_CACHE, "outcome" => outcome).increment(1);
}

/// A sign-in by password (`local`), a configured provider's id, or `sso`.
pub fn login(provider: &str, ok: bool) {
    let result = if ok { "ok" } else { "failed" };
    counter!(LOGINS, "provider" => provider.to_owned(), "result" => result).increment(1);
}

/// Counts an open moderation event stream while it lives.
pub struct OpenStream(());

impl OpenStream {
    pub fn opened() -> OpenStream {
        gauge!(EVENT_STREAMS).increment(1);
        OpenStream(())
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        gauge!(EVENT_STREAMS).decrement(1);
    }
}

/// One webhook attempt; a delivered one also records how many it took.
pub fn webhook_attempt(delivered: bool, attempts: i64) {
    let outcome = if delivered { "delivered" } else { "failed" };
    counter!(WEBHOOK_DELIVERIES, "outcome" => outcome).increment(1);
    if delivered {
        histogram!(WEBHOOK_ATTEMPTS).record(attempts as f64);
    }
}

/// How long the oldest undelivered webhook event has waited.
pub fn webhook_lag(lag: Duration) {
    gauge!(WEBHOOK_LAG).set(lag.as_secs_f64());
}

// The moderation hook.

/// The classifier answered in time, with this action.
pub fn hook_answered(action: Action) {
    counter!(HOOK_ANSWERS, "action" => action.as_str()).increment(1);
}

/// The classifier gave no usable answer: `timeout`, `connect`, `status`,
/// `invalid` or `busy`.
pub fn hook_fell_back(reason: &'static str) {
    counter!(HOOK_FALLBACKS, "reason" => reason).increment(1);
}
