//! `GET /api/v1/auth/me/quota`: what the reader has left of today's quotas,
//! shown before they write ("오늘 남은 댓글 17개").

use actix_web::web;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::articles::ArticleId;
use crate::domain::quota::{Counted, Standing};
use crate::http::error::{ApiError, ApiResult, ProblemDoc};
use crate::http::extract::CurrentUser;
use crate::http::state::AppState;
use crate::http::views::NO_STORE;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/auth/me/quota").get(my_quota));
}

#[derive(Deserialize, IntoParams)]
pub struct QuotaQuery {
    /// The editorial the reader is about to comment on.
    pub article_id: Option<String>,
}

/// One quota: used today, the limit, and what is left.
#[derive(Serialize, ToSchema)]
pub struct CountedView {
    pub used: i64,
    pub limit: i64,
    pub remaining: i64,
}

/// Each quota is null where none applies (staff, limits off, a quota of 0).
#[derive(Serialize, ToSchema)]
pub struct QuotaResponse {
    pub comments_today: Option<CountedView>,
    pub on_article: Option<CountedView>,
    pub reactions_today: Option<CountedView>,
    /// When the interval between comments or a new account's wait ends, if still ahead.
    pub next_comment_at: Option<DateTime<Utc>>,
    /// When the day's counts start again (midnight at the policy's `day_starts`).
    pub resets_at: DateTime<Utc>,
}

fn view(counted: Option<Counted>) -> Option<CountedView> {
    counted.map(|c| CountedView {
        used: c.used,
        limit: c.limit,
        remaining: c.remaining,
    })
}

impl From<Standing> for QuotaResponse {
    fn from(s: Standing) -> Self {
        QuotaResponse {
            comments_today: view(s.comments_today),
            on_article: view(s.on_article),
            reactions_today: view(s.reactions_today),
            next_comment_at: s.next_comment_at,
            resets_at: s.resets_at,
        }
    }
}

/// The caller's quotas today, on this editorial too.
#[utoipa::path(get, path = "/api/v1/auth/me/quota", tag = "auth", params(QuotaQuery),
    responses((status = 200, body = QuotaResponse),
        (status = 400, description = "invalid_query: article_id missing", body = ProblemDoc),
        (status = 401, description = "unauthenticated", body = ProblemDoc),
        (status = 404, description = "article_not_found", body = ProblemDoc)))]
pub async fn my_quota(
    state: web::Data<AppState>,
    caller: CurrentUser,
    query: web::Query<QuotaQuery>,
) -> ApiResult<actix_web::HttpResponse> {
    let raw = query
        .article_id
        .as_deref()
        .ok_or(ApiError::InvalidQuery("article_id"))?;
    let article_id = ArticleId::parse(raw)?;
    let standing = state.comments.standing(&caller.user, &article_id).await?;
    Ok(actix_web::HttpResponse::Ok()
        .insert_header(NO_STORE)
        .json(QuotaResponse::from(standing)))
}
