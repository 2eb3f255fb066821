//! `GET /api/v1/users/{id}/history`: a reader's public comment history, when
//! the newsroom opens histories (`AUTHOR_HISTORY=public`).

use actix_web::web;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::history::HistoryComment;
use crate::http::error::{ApiResult, ProblemDoc};
use crate::http::paging::{self, encode_cursor};
use crate::http::state::AppState;
use crate::http::views::CommentView;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/users/{id}/history").get(history));
}

#[derive(Deserialize, IntoParams)]
pub struct HistoryQuery {
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct HistoryUserView {
    pub id: String,
    pub display_name: String,
    pub joined_at: DateTime<Utc>,
    /// Suspended or banned now.
    pub sanctioned: bool,
}

#[derive(Serialize, ToSchema)]
pub struct HistoryCommentView {
    #[serde(flatten)]
    pub comment: CommentView,
    pub article_title: String,
    pub article_url: String,
}

#[derive(Serialize, ToSchema)]
pub struct HistoryResponse {
    pub user: HistoryUserView,
    /// Published comments, all time.
    pub published_count: i64,
    pub likes_received: i64,
    pub dislikes_received: i64,
    /// 공감 of all reactions on the comments of the last 30 days; null without any.
    pub ratio_30d: Option<f64>,
    /// Published comments, newest first.
    pub comments: Vec<HistoryCommentView>,
    pub next_cursor: Option<String>,
}

fn comment_view(h: HistoryComment, state: &AppState) -> HistoryCommentView {
    HistoryCommentView {
        comment: state.comment_view(h.comment),
        article_title: h.article_title,
        article_url: h.article_url,
    }
}

/// A reader's published comments across editorials, with their counts.
#[utoipa::path(get, path = "/api/v1/users/{id}/history", tag = "comments",
    params(("id" = String, Path,), HistoryQuery),
    responses((status = 200, body = HistoryResponse), (status = 400, body = ProblemDoc),
        (status = 404, description = "history_not_public, user_not_found", body = ProblemDoc)))]
pub async fn history(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<HistoryQuery>,
) -> ApiResult<web::Json<HistoryResponse>> {
    let paging = paging::parse_by_id(query.limit.as_deref(), query.cursor.as_deref())?;
    let (summary, page) = state.history.of(&path, paging).await?;
    Ok(web::Json(HistoryResponse {
        ratio_30d: summary.ratio_30d(),
        user: HistoryUserView {
            id: summary.account_id.to_string(),
            display_name: summary.display_name,
            joined_at: summary.joined_at,
            sanctioned: summary.sanctioned,
        },
        published_count: summary.published_count,
        likes_received: summary.likes_received,
        dislikes_received: summary.dislikes_received,
        comments: page
            .items
            .into_iter()
            .map(|h| comment_view(h, &state))
            .collect(),
        next_cursor: page.next_after.map(|id| encode_cursor(id, None)),
    }))
}
