//! `/healthz` (the process serves) and `/readyz` (the database answers).

use std::time::Duration;

use actix_web::{HttpResponse, web};

use crate::http::error::{ApiError, ApiResult, ProblemDoc};
use crate::http::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").get(healthz))
        .service(web::resource("/readyz").get(readyz));
}

#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "the process serves")))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

#[utoipa::path(get, path = "/readyz", tag = "health",
    responses((status = 200, description = "the database answers"), (status = 503, body = ProblemDoc)))]
pub async fn readyz(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    match tokio::time::timeout(Duration::from_secs(2), state.store.ping()).await {
        Ok(Ok(())) => Ok(HttpResponse::Ok()
            .json(serde_json::json!({"status": "ready", "engine": state.store.engine()}))),
        Ok(Err(error)) => {
            tracing::warn!(error = format!("{error:#}"), "database not ready");
            Err(ApiError::NotReady)
        }
        Err(_) => Err(ApiError::NotReady),
    }
}
