//! The moderator desk: `/desk`, a page for staff that works the review queues
//! through the moderation API. The page is a shell; `desk.js` draws the rest
//! and asks the API who is signed in, so a reader gets "staff only" there.

use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::http::lang::Lang;

const DESK_JS: &str = include_str!("../../../static/desk.js");
const DESK_CSS: &str = include_str!("../../../static/desk.css");

/// Only this server's script and style, no inline code, never in a frame
/// (a framed desk could be clickjacked into decisions).
const DESK_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; \
    frame-ancestors 'none'";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/desk").get(desk_page))
        .service(web::resource("/desk.js").get(desk_js))
        .service(web::resource("/desk.css").get(desk_css));
}

/// `?lang=ko|en` first, then the browser's languages.
fn page_lang(req: &HttpRequest) -> Lang {
    let asked = req
        .query_string()
        .split('&')
        .find_map(|pair| pair.strip_prefix("lang="));
    match asked {
        Some("ko") => Lang::Ko,
        Some("en") => Lang::En,
        _ => crate::http::lang::of(req),
    }
}

async fn desk_page(req: HttpRequest) -> HttpResponse {
    let (code, title, needs_script) = match page_lang(&req) {
        Lang::Ko => (
            "ko",
            "운영 데스크 — Comment Desk",
            "운영 데스크는 자바스크립트가 필요합니다.",
        ),
        Lang::En => (
            "en",
            "Moderator desk — Comment Desk",
            "The moderator desk needs JavaScript.",
        ),
    };
    let html = format!(
        "<!doctype html>\n<html lang=\"{code}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"referrer\" content=\"same-origin\">\n\
         <title>{title}</title>\n<link rel=\"stylesheet\" href=\"/desk.css\">\n\
         <script src=\"/desk.js\" defer></script>\n</head>\n\
         <body>\n<div id=\"desk\" data-ready=\"false\"><noscript>{needs_script}</noscript></div>\n\
         </body>\n</html>\n"
    );
    HttpResponse::Ok()
        .content_type(ContentType::html())
        .insert_header((header::CONTENT_SECURITY_POLICY, DESK_CSP))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .body(html)
}

async fn desk_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(DESK_JS)
}

async fn desk_css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(DESK_CSS)
}
