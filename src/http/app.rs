//! The server's routes in one place: the pages, the API under `/api/v1` with
//! its OpenAPI description, and the answer for everything else.

use actix_web::web;

use crate::http::{middleware, openapi, routes};

/// Every route of the server, under the paths API.md gives them.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.configure(routes::health::configure)
        .configure(routes::pages::configure)
        .configure(routes::desk_page::configure)
        .configure(routes::sign_in::configure_pages)
        .service(
            web::scope("/api/v1")
                .service(web::resource("/openapi.json").get(openapi::serve))
                .configure(routes::quota::configure)
                .configure(routes::auth::configure)
                .configure(routes::sign_in::configure)
                .configure(routes::articles::configure)
                .configure(routes::comments::configure)
                .configure(routes::policy::configure)
                .configure(routes::reactions::configure)
                .configure(routes::history::configure)
                .configure(routes::moderation::configure)
                .configure(routes::desk::configure)
                .configure(routes::events::configure)
                .configure(routes::webhooks::configure),
        )
        .default_service(web::to(middleware::not_found));
}
