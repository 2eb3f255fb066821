//! `GET /api/v1/policy`: the standards policy as readers see it.

use actix_web::{HttpRequest, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::state::AppState;
use crate::policy::{Action, ListedRule, length_rules};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/policy").get(get_policy));
}

#[derive(Serialize, ToSchema)]
pub struct RuleView {
    pub code: String,
    pub action: Action,
    pub title: String,
    pub description: String,
}

/// The quotas of `[quotas]`; 0 where a quota is off. Staff have none.
#[derive(Serialize, ToSchema)]
pub struct QuotasView {
    pub comments_per_day: u32,
    pub comments_per_article: u32,
    pub min_interval_seconds: u64,
    pub reactions_per_day: u32,
    pub new_account_wait_seconds: u64,
    /// The UTC offset at whose midnight the day's counts start again, e.g. `+09:00`.
    pub day_starts: String,
}

#[derive(Serialize, ToSchema)]
pub struct PolicyResponse {
    pub max_length: usize,
    /// How length is counted: `code_points` (Unicode scalar values after normalization).
    pub counting: String,
    pub rules: Vec<RuleView>,
    pub text: String,
    pub quotas: QuotasView,
}

#[utoipa::path(get, path = "/api/v1/policy", tag = "policy",
    responses((status = 200, body = PolicyResponse)))]
pub async fn get_policy(state: web::Data<AppState>, req: HttpRequest) -> web::Json<PolicyResponse> {
    let lang = crate::http::lang::of(&req);
    let max_length = state.comments.max_length();
    let policy = state.policy.get();
    let listed = policy.rules().iter().map(ListedRule::from);
    let rules = length_rules(max_length)
        .into_iter()
        .chain(listed)
        .map(|r| RuleView {
            code: r.code.to_owned(),
            action: r.action,
            title: r.title.get(lang).to_owned(),
            description: r.description.get(lang).to_owned(),
        })
        .collect();
    web::Json(PolicyResponse {
        max_length,
        counting: "code_points".to_owned(),
        rules,
        text: policy.text.get(lang).to_owned(),
        quotas: QuotasView {
            comments_per_day: policy.quotas.comments_per_day,
            comments_per_article: policy.quotas.comments_per_article,
            min_interval_seconds: policy.quotas.min_interval.as_secs(),
            reactions_per_day: policy.quotas.reactions_per_day,
            new_account_wait_seconds: policy.quotas.new_account_wait.as_secs(),
            day_starts: policy.quotas.day_starts.to_string(),
        },
    })
}
