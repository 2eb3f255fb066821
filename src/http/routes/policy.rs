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

#[derive(Serialize, ToSchema)]
pub struct PolicyResponse {
    pub max_length: usize,
    /// How length is counted: `code_points` (Unicode scalar values after normalization).
    pub counting: String,
    pub rules: Vec<RuleView>,
    pub text: String,
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
    })
}
