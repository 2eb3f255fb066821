//! The top layer: everything HTTP. `AppState`, the extractors of the
//! logged-in user, errors as problem+json, language, paging, middleware, the
//! routes of every feature (`routes/`) and the OpenAPI description. Nothing
//! below this folder imports it.

pub mod app;
pub mod client;
pub mod cookies;
pub mod error;
pub mod extract;
pub mod json;
pub mod lang;
pub mod middleware;
pub mod openapi;
pub mod paging;
pub mod routes;
pub mod state;
pub mod views;
