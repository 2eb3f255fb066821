//! `/api/v1/articles/{article_id}`: register and read editorials.
//! The comment routes under an article live in `comments::routes`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::domain::articles::{Article, ArticleChanges, ArticleId};
use crate::domain::message::Violation;
use crate::http::error::{ApiError, ApiResult, ProblemDoc};
use crate::http::extract::Moderator;
use crate::http::json::ValidJson;
use crate::http::state::AppState;
use crate::text;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/articles/{article_id}")
            .put(put_article)
            .get(get_article),
    );
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
pub struct ArticleView {
    pub id: String,
    pub title: String,
    pub url: String,
    pub published_at: Option<DateTime<Utc>>,
    pub comments_open: bool,
    pub premoderation: bool,
    /// Published comments, replies included.
    pub comment_count: i64,
}

impl From<Article> for ArticleView {
    fn from(a: Article) -> Self {
        ArticleView {
            id: a.id,
            title: a.title,
            url: a.url,
            published_at: a.published_at,
            comments_open: a.comments_open,
            premoderation: a.premoderation,
            comment_count: a.comment_count,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ArticleResponse {
    pub article: ArticleView,
}

fn article_changes(body: PutArticleRequest) -> ApiResult<ArticleChanges> {
    let invalid = |rule: &str, en: &str, ko: &str| {
        ApiError::InvalidRequest(vec![Violation::new(rule, en, ko)])
    };
    let title = text::clean(&body.title)
        .ok()
        .filter(|t| !t.is_empty() && !t.contains('\n'))
        .ok_or_else(|| {
            invalid(
                "title",
                "The title must be one line of visible text.",
                "제목은 보이는 글자로 된 한 줄이어야 합니다.",
            )
        })?;
    let url = body.url.trim().to_owned();
    let absolute = url.starts_with("https://") || url.starts_with("http://");
    let on_site = url.starts_with('/') && !url.starts_with("//");
    if !(absolute || on_site) || url.chars().any(char::is_whitespace) {
        return Err(invalid(
            "url",
            "The url must start with https://, http:// or /.",
            "url은 https://, http:// 또는 /로 시작해야 합니다.",
        ));
    }
    Ok(ArticleChanges {
        title,
        url,
        published_at: body.published_at,
        comments_open: body.comments_open,
        premoderation: body.premoderation,
    })
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
    let id = ArticleId::parse(&path).map_err(|_| {
        ApiError::InvalidRequest(vec![Violation::new(
            "article_id",
            "Use at most 128 letters, digits, -, _ or .",
            "영문자, 숫자, -, _, . 로 128자 이내로 써 주세요.",
        )])
    })?;
    let changes = article_changes(body.into_inner())?;
    let (article, created) = state
        .store
        .upsert_article(id.as_str(), &changes, Some(moderator.0.user.id))
        .await?;
    tracing::info!(
        article_id = id.as_str(),
        moderator_id = moderator.0.user.id,
        created,
        "article saved"
    );
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
    let id = ArticleId::parse(&path)?;
    let article = state
        .store
        .article(id.as_str())
        .await?
        .ok_or(ApiError::ArticleNotFound)?;
    Ok(web::Json(ArticleResponse {
        article: article.into(),
    }))
}
