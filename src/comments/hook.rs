//! The moderation hook: the newsroom's own classifier, asked about each new
//! or edited comment after our policy has judged it (`MODERATION_HOOK_URL`).
//!
//! The call has a hard time budget measured from its start (connect and
//! answer together). A late, failed or odd answer is no answer: the comment
//! keeps our own verdict, and the fallback is logged and counted. The call
//! holds no lock and no database connection while it waits; a semaphore caps
//! how many calls are in flight, so a flood of posts cannot open unbounded
//! sockets (a post that finds it full falls back at once).

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

use crate::config::HookSettings;
use crate::domain::policy::Action;
use crate::signing;
use crate::telemetry::metrics;

/// Calls in flight at most; more fall back to our verdict (`busy`).
pub const MAX_IN_FLIGHT: usize = 64;
/// The most of an answer that is read; a longer one is `invalid`.
pub const MAX_ANSWER_BYTES: usize = 8 * 1024;
/// Labels kept from an answer, and the length of each (in characters).
pub const MAX_LABELS: usize = 8;
pub const MAX_LABEL_CHARS: usize = 64;

/// What is sent: our verdict and reasons, and the comment.
#[derive(Debug, Serialize)]
pub struct HookRequest<'a> {
    /// `publish` or `hold`: our refusals are final and are not sent.
    pub verdict: &'static str,
    /// The codes of our rules that fired (e.g. `link`, `new_commenter`).
    pub reasons: Vec<&'static str>,
    pub body: &'a str,
    pub article_id: &'a str,
    pub author_id: String,
    /// The comment answered (the thread's first comment for a reply), or null.
    pub parent_id: Option<String>,
    pub edit: bool,
}

/// What the classifier answers.
/// Other fields (a score, a model version) are allowed and ignored.
#[derive(Debug, Deserialize)]
struct Answer {
    action: AnswerAction,
    #[serde(default)]
    reasons: Vec<String>,
}

#[derive(Debug, Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum AnswerAction {
    Publish,
    Hold,
    Refuse,
}

/// The classifier's judgment, when it gave one in time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgment {
    pub action: Action,
    /// Its labels, checked and shown to moderators.
    pub labels: Vec<String>,
}

/// Why a call gave no judgment: the `reason` label of the fallback counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    Timeout,
    Connect,
    Status,
    Invalid,
    Busy,
}

impl Fallback {
    pub fn as_str(self) -> &'static str {
        match self {
            Fallback::Timeout => "timeout",
            Fallback::Connect => "connect",
            Fallback::Status => "status",
            Fallback::Invalid => "invalid",
            Fallback::Busy => "busy",
        }
    }
}

pub struct ModerationHook {
    client: reqwest::Client,
    url: reqwest::Url,
    secrets: Vec<String>,
    budget: Duration,
    in_flight: Arc<Semaphore>,
}

impl ModerationHook {
    pub fn new(settings: &HookSettings) -> anyhow::Result<ModerationHook> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(settings.timeout)
            .timeout(settings.timeout)
            .build()?;
        Ok(ModerationHook {
            client,
            url: settings.url.clone(),
            secrets: settings.secrets.clone(),
            budget: settings.timeout,
            in_flight: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
        })
    }

    /// Asks the classifier; `None` means "keep our verdict" (already counted).
    pub async fn ask(&self, request: &HookRequest<'_>) -> Option<Judgment> {
        let outcome = match self.in_flight.clone().try_acquire_owned() {
            Ok(_permit) => match tokio::time::timeout(self.budget, self.call(request)).await {
                Ok(outcome) => outcome,
                Err(_) => Err(Fallback::Timeout),
            },
            Err(_) => Err(Fallback::Busy),
        };
        match outcome {
            Ok(judgment) => {
                metrics::hook_answered(judgment.action);
                Some(judgment)
            }
            Err(fallback) => {
                tracing::warn!(reason = fallback.as_str(), article_id = request.article_id,
                    user_id = %request.author_id, "moderation hook gave no answer; our verdict stands");
                metrics::hook_fell_back(fallback.as_str());
                None
            }
        }
    }

    async fn call(&self, request: &HookRequest<'_>) -> Result<Judgment, Fallback> {
        let body = serde_json::to_vec(request).map_err(|_| Fallback::Invalid)?;
        let signature = signing::signature(&self.secrets, chrono::Utc::now().timestamp(), &body);
        let response = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(signing::SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    Fallback::Timeout
                } else {
                    Fallback::Connect
                }
            })?;
        if !response.status().is_success() {
            return Err(Fallback::Status);
        }
        let bytes = read_limited(response).await?;
        parse_answer(&bytes)
    }
}

/// The answer's body, up to `MAX_ANSWER_BYTES`; more is `invalid`.
async fn read_limited(mut response: reqwest::Response) -> Result<Vec<u8>, Fallback> {
    if response
        .content_length()
        .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
    {
        return Err(Fallback::Invalid);
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| {
        if e.is_timeout() {
            Fallback::Timeout
        } else {
            Fallback::Invalid
        }
    })? {
        if bytes.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(Fallback::Invalid);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// `{"action": "publish"|"hold"|"refuse", "reasons": [..]}`; labels are at
/// most `MAX_LABELS` non-empty strings of `MAX_LABEL_CHARS` characters with
/// no control characters, or the whole answer is `invalid`.
fn parse_answer(bytes: &[u8]) -> Result<Judgment, Fallback> {
    let answer: Answer = serde_json::from_slice(bytes).map_err(|_| Fallback::Invalid)?;
    let fits = |label: &String| {
        let length = label.chars().count();
        (1..=MAX_LABEL_CHARS).contains(&length) && !label.chars().any(char::is_control)
    };
    if answer.reasons.len() > MAX_LABELS || !answer.reasons.iter().all(fits) {
        return Err(Fallback::Invalid);
    }
    let action = match answer.action {
        AnswerAction::Publish => Action::Publish,
        AnswerAction::Hold => Action::Hold,
        AnswerAction::Refuse => Action::Refuse,
    };
    Ok(Judgment {
        action,
        labels: answer.reasons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_strictly() {
        let cases: [(&str, Result<Action, Fallback>); 8] = [
            (r#"{"action":"publish"}"#, Ok(Action::Publish)),
            (
                r#"{"action":"hold","reasons":["toxicity"]}"#,
                Ok(Action::Hold),
            ),
            (r#"{"action":"refuse","reasons":[]}"#, Ok(Action::Refuse)),
            (r#"{"action":"delete"}"#, Err(Fallback::Invalid)),
            (
                r#"{"action":"hold","reasons":[""]}"#,
                Err(Fallback::Invalid),
            ),
            (
                r#"{"action":"hold","reasons":["a\nb"]}"#,
                Err(Fallback::Invalid),
            ),
            (r#"{"action":"hold","score":0.9}"#, Ok(Action::Hold)),
            ("not json", Err(Fallback::Invalid)),
        ];
        for (answer, expected) in cases {
            let got = parse_answer(answer.as_bytes()).map(|j| j.action);
            assert_eq!(got, expected, "{answer}");
        }
        let many = format!(r#"{{"action":"hold","reasons":{:?}}}"#, vec!["x"; 9]);
        assert_eq!(parse_answer(many.as_bytes()), Err(Fallback::Invalid));
    }
}
