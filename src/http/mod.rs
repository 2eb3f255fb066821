//! HTTP wiring shared by every route: errors, language, paging, middleware,
//! health checks and the OpenAPI description.

pub mod error;
pub mod health;
pub mod lang;
pub mod middleware;
pub mod openapi;
pub mod paging;

use actix_web::web;
use validator::Validate;

use crate::http::error::{ApiError, Violation};

/// Unwraps a JSON body and checks the shape rules declared on its struct.
pub fn validated<T: Validate>(body: web::Json<T>) -> Result<T, ApiError> {
    let body = body.into_inner();
    body.validate().map_err(|errors| {
        let violations = errors
            .field_errors()
            .keys()
            .map(|field| {
                Violation::new(
                    field.to_string(),
                    format!("The field {field} is too long or too short."),
                    format!("{field} 항목의 길이가 허용 범위를 벗어났습니다."),
                )
            })
            .collect();
        ApiError::InvalidRequest(violations)
    })?;
    Ok(body)
}
