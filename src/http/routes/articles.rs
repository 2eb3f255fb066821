//! `/api/v1/articles/{article_id}`: register and read editorials.
//! The comment routes under an article live in `comments::routes`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::articles::service::ArticleForm;
use crate::domain::paging::MAX_LIMIT;
pub use crate::domain::views::ArticleView;
use crate::http::error::{ApiResult, ProblemDoc};
use crate::http::extract::Moderator;
use crate::http::json::ValidJson;
use crate::http::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/articles/{article_id}")
            .put(put_article)
            .get(get_article),
    )
    .service(web::resource("/moderation/articles").get(latest_articles));
}

#[derive(Deserialize, Validate, ToSchema)]
pub struct PutArticleRequest {
    #[validate(length(min = 1, max = 300))]
    pub title: String,
    /// The article's address: absolute http(s), or a path on this site.
    #[validate(length(min = 1, max = 2048))]
    pub url: String,
    pub published_at: Option<DateTime<Utc>>,
    pub comments_open: Option<bool>,
    pub premoderation: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct ArticleResponse {
    pub article: ArticleView,
}

/// Registers or updates an editorial. Omitted optional fields keep their values.
#[utoipa::path(put, path = "/api/v1/articles/{article_id}", tag = "articles",
    params(("article_id" = String, Path, description = "the newsroom's id: letters, digits, -, _, .; at most 128")),
    request_body = PutArticleRequest,
    responses((status = 201, body = ArticleResponse), (status = 200, body = ArticleResponse),
        (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc), (status = 422, body = ProblemDoc)))]
pub async fn put_article(
    state: web::Data<AppState>,
    moderator: Moderator,
    path: web::Path<String>,
    body: ValidJson<PutArticleRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let form = ArticleForm {
        title: body.title,
        url: body.url,
        published_at: body.published_at,
        comments_open: body.comments_open,
        premoderation: body.premoderation,
    };
    let (article, created) = state.articles.put(&moderator.0.user, &path, form).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(ArticleResponse {
        article: article.into(),
    }))
}

#[utoipa::path(get, path = "/api/v1/articles/{article_id}", tag = "articles",
    params(("article_id" = String, Path,)),
    responses((status = 200, body = ArticleResponse), (status = 404, description = "article_not_found", body = ProblemDoc)))]
pub async fn get_article(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<web::Json<ArticleResponse>> {
    let article = state.articles.get(&path).await?;
    Ok(web::Json(ArticleResponse {
        article: article.into(),
    }))
}

#[derive(Deserialize, IntoParams)]
pub struct LatestQuery {
    /// 100 by default, and at most.
    pub limit: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ArticlesResponse {
    pub articles: Vec<ArticleView>,
}

/// The newest editorials with their settings, for the moderator desk.
#[utoipa::path(get, path = "/api/v1/moderation/articles", tag = "moderation", params(LatestQuery),
    responses((status = 200, body = ArticlesResponse), (status = 400, body = ProblemDoc),
        (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc)))]
pub async fn latest_articles(
    state: web::Data<AppState>,
    _moderator: Moderator,
    query: web::Query<LatestQuery>,
) -> ApiResult<web::Json<ArticlesResponse>> {
    let limit = match query.limit.as_deref() {
        None | Some("") => MAX_LIMIT,
        given => crate::http::paging::parse(given, None)?.limit,
    };
    let articles = state.articles.latest(limit).await?;
    Ok(web::Json(ArticlesResponse {
        articles: articles.into_iter().map(ArticleView::from).collect(),
    }))
}
