//! HTTP wiring shared by every route: errors, language, paging, middleware,
//! health checks and the OpenAPI description.

pub mod client;
pub mod error;
pub mod health;
pub mod json;
pub mod lang;
pub mod middleware;
pub mod openapi;
pub mod paging;

pub use client::ClientAddr;
pub use json::ValidJson;
