//! The OpenAPI 3 description, generated from the handlers' annotations.

use std::sync::OnceLock;

use actix_web::HttpResponse;
use utoipa::openapi::RefOr;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::http::cookies::SECURE_COOKIE_NAME;
use crate::http::error::PROBLEM_JSON;
use crate::http::routes::{
    articles, auth, comments, data_rights, desk, events, health, history, moderation, policy,
    quota, reactions, sign_in, webhooks,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "Comment Desk", description = "Comment moderation for news sites. Errors are application/problem+json (RFC 9457) with a stable `code`."),
    paths(
        health::healthz, health::readyz,
        auth::register, auth::login, auth::logout, auth::me,
        auth::logout_all, auth::change_password, quota::my_quota,
        sign_in::providers, sign_in::start, sign_in::callback, sign_in::sso,
        sign_in::identities, sign_in::unlink, sign_in::link, auth::rename,
        data_rights::export, data_rights::delete_account,
        articles::put_article, articles::get_article, articles::latest_articles,
        comments::list_comments, comments::post_comment,
        comments::get_comment, comments::delete_comment,
        comments::list_replies, comments::validate_comment,
        comments::edit_comment, comments::best_comments,
        reactions::put_reaction, reactions::delete_reaction, history::history,
        policy::get_policy,
        moderation::queue, moderation::decide, moderation::feature, moderation::reactors, moderation::report,
        moderation::sanction, moderation::lift, moderation::log,
        moderation::set_role, events::events,
        desk::counts, desk::account, desk::account_comments, desk::set_note, desk::undo,
        webhooks::deliveries, webhooks::redeliver,
    ),
    components(schemas(events::EventData)),
    modifiers(&Security, &ProblemBodies),
    tags((name = "auth"), (name = "sign-in"), (name = "articles"), (name = "comments"), (name = "reactions"), (name = "policy"), (name = "moderation"), (name = "webhooks"), (name = "health"))
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                SECURE_COOKIE_NAME,
                "The session cookie; `comment_desk_session` when COOKIE_SECURE=false. \
                 A request with two session cookies is refused: 400 `duplicate_session_cookie`.",
            ))),
        );
    }
}

/// Every error answer is `application/problem+json`; the handlers' annotations
/// name the body type, and this says which media type carries it. Errors any
/// endpoint can give (malformed JSON, a missing session, a cross-site request,
/// a body too large, a rate limit …) are the `default` answer of each.
struct ProblemBodies;

impl Modify for ProblemBodies {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                operation
                    .responses
                    .responses
                    .entry("default".to_owned())
                    .or_insert_with(|| RefOr::T(any_problem()));
                for (status, response) in operation.responses.responses.iter_mut() {
                    let is_error = status.starts_with('4') || status.starts_with('5');
                    let is_error = is_error || status == "default";
                    if let (true, RefOr::T(response)) = (is_error, response)
                        && let Some(body) = response.content.shift_remove("application/json")
                    {
                        response.content.insert(PROBLEM_JSON.to_owned(), body);
                    }
                }
            }
        }
    }
}

fn any_problem() -> utoipa::openapi::Response {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description("Any other error, as an RFC 9457 problem with a stable `code`")
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ProblemDoc")))
                .build(),
        )
        .build()
}

pub fn document() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        ApiDoc::openapi()
            .to_json()
            .unwrap_or_else(|_| "{}".to_owned())
    })
}

pub async fn serve() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document())
}
