//! The demonstration pages: a front page listing the demo editorials, an
//! article page with the comment section embedded, and the widget itself.
//!
//! Pages are plain HTML built here with every piece of text escaped; they get
//! their own Content-Security-Policy, under which the widget runs.

use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::articles::seed::{DEMO_EDITORIALS, DemoEditorial};

const EMBED_JS: &str = include_str!("../../../static/embed.js");
const PAGE_CSS: &str = include_str!("../../../static/page.css");

/// Scripts and styles only from this server; the widget's API calls go to it too.
const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; \
    frame-ancestors 'self'";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/").get(front_page))
        .service(web::resource("/editorials/{article_id}").get(article_page))
        .service(web::resource("/embed.js").get(embed_js))
        .service(web::resource("/page.css").get(page_css));
}

async fn embed_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(EMBED_JS)
}

async fn page_css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(PAGE_CSS)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum PageLang {
    Ko,
    En,
}

impl PageLang {
    fn of(req: &HttpRequest) -> PageLang {
        let english = req.query_string().split('&').any(|pair| pair == "lang=en");
        if english { PageLang::En } else { PageLang::Ko }
    }

    fn code(self) -> &'static str {
        match self {
            PageLang::Ko => "ko",
            PageLang::En => "en",
        }
    }

    fn pick(self, ko: &'static str, en: &'static str) -> &'static str {
        match self {
            PageLang::Ko => ko,
            PageLang::En => en,
        }
    }
}

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

fn page(lang: PageLang, title: &str, main: &str) -> HttpResponse {
    let other = match lang {
        PageLang::Ko => "<a href=\"?lang=en\">English</a>",
        PageLang::En => "<a href=\"?\">한국어</a>",
    };
    let html = format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<link rel=\"stylesheet\" href=\"/page.css\">\n</head>\n<body>\n\
         <header class=\"masthead\"><p class=\"name\"><a href=\"/{query}\">{paper}</a></p>\
         <p class=\"tagline\">{tagline}</p></header>\n<div class=\"langs\">{other}</div>\n\
         <main>\n{main}\n</main>\n<footer>{footer}</footer>\n</body>\n</html>\n",
        lang = lang.code(),
        title = escape(title),
        query = if lang == PageLang::En { "?lang=en" } else { "" },
        paper = lang.pick("코멘트 데스크 일보", "The Comment Desk Daily"),
        tagline = lang.pick(
            "댓글 관리 시스템 시연 페이지",
            "A demonstration of Comment Desk"
        ),
        footer = lang.pick(
            "사설 원문: Korea JoongAng Daily. 댓글: Comment Desk.",
            "Editorials: Korea JoongAng Daily. Comments: Comment Desk."
        ),
    );
    HttpResponse::Ok()
        .content_type(ContentType::html())
        .insert_header((header::CONTENT_SECURITY_POLICY, PAGE_CSP))
        .body(html)
}

async fn front_page(req: HttpRequest) -> HttpResponse {
    let lang = PageLang::of(&req);
    let query = if lang == PageLang::En { "?lang=en" } else { "" };
    let items: String = DEMO_EDITORIALS
        .iter()
        .map(|e| {
            format!(
                "<li><a href=\"/editorials/{}{query}\">{}</a></li>",
                escape(e.id),
                escape(e.title())
            )
        })
        .collect();
    let main = format!(
        "<p class=\"crumbs\">{}</p>\n<h1>{}</h1>\n<ul class=\"front\">{items}</ul>",
        lang.pick(
            "홈 &gt; 오피니언 &gt; 사설",
            "Home &gt; Opinion &gt; Editorials"
        ),
        lang.pick("사설", "Editorials"),
    );
    page(
        lang,
        lang.pick("사설 — 코멘트 데스크", "Editorials — Comment Desk"),
        &main,
    )
}

async fn article_page(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let lang = PageLang::of(&req);
    let Some(editorial) = DemoEditorial::find(&path) else {
        let main = format!(
            "<h1>{}</h1><p><a href=\"/\">{}</a></p>",
            lang.pick("기사를 찾을 수 없습니다", "Article not found"),
            lang.pick("첫 화면으로", "Back to the front page"),
        );
        let mut response = page(lang, "404", &main);
        *response.status_mut() = actix_web::http::StatusCode::NOT_FOUND;
        return response;
    };
    let paragraphs: String = editorial
        .paragraphs()
        .map(|p| format!("<p>{}</p>\n", escape(p)))
        .collect();
    let main = format!(
        "<p class=\"crumbs\">{crumbs}</p>\n<article>\n<h1>{title}</h1>\n{paragraphs}</article>\n\
         <section class=\"comments\">\n<div id=\"comments\" data-article-id=\"{id}\"></div>\n\
         <script src=\"/embed.js\" async></script>\n</section>",
        crumbs = lang.pick(
            "홈 &gt; 오피니언 &gt; 사설",
            "Home &gt; Opinion &gt; Editorials"
        ),
        title = escape(editorial.title()),
        id = escape(editorial.id),
    );
    page(lang, editorial.title(), &main)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_that_could_open_markup() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn the_widget_stays_small() {
        assert!(
            EMBED_JS.len() < 40 * 1024,
            "embed.js is {} bytes",
            EMBED_JS.len()
        );
    }
}
