//! Middleware and extractor settings that make every answer follow the API's
//! conventions: problem+json in the caller's language, a request id, and
//! actix's own extractor errors mapped onto `ApiError`.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, web};
use tracing_actix_web::RequestId;

use crate::http::error::{ApiError, PROBLEM_JSON};
use crate::http::lang::Lang;
use crate::telemetry::metrics;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Renders every error as problem+json in the language the caller asked for,
/// including answers that actix produced without an `ApiError` (405, 413 …).
pub async fn problems(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let lang = crate::http::lang::from_headers(req.headers());
    let request_id = req.extensions().get::<RequestId>().map(|id| id.to_string());
    // Handlers' and extractors' errors arrive here as responses; an `Err` could
    // only come from a middleware inside this one, and there is none.
    let mut res = as_problem(next.call(req).await?.map_into_boxed_body(), lang);
    if let Some(value) = request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(res)
}

fn as_problem(res: ServiceResponse<BoxBody>, lang: Lang) -> ServiceResponse<BoxBody> {
    let status = res.status();
    if let Some(api) = res
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
    {
        if lang == Lang::En {
            return res;
        }
        let rendered = api.render(lang);
        return res.into_response(rendered);
    }
    let content_type = res.headers().get(header::CONTENT_TYPE);
    let is_problem = content_type.is_some_and(|v| v.as_bytes() == PROBLEM_JSON.as_bytes());
    // The sign-in's error pages for browsers are written on purpose, in HTML,
    // with the code on the page and the login cookie's removal; keep them.
    let is_page = content_type.is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if status.as_u16() >= 400 && !is_problem && !is_page {
        let rendered = ApiError::from_status(status).render(lang);
        return res.into_response(rendered);
    }
    res
}

/// The most a request line's target and its headers may hold. actix stops at
/// 128 KiB and 96 headers; no browser or API client needs near that much.
const MAX_URI_BYTES: usize = 8 * 1024;
const MAX_HEADER_BYTES: usize = 16 * 1024;

/// Refuses oversized request targets (414) and headers (431) before any
/// handler, extractor or log line spends work on them.
pub async fn limit_heads(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let uri_bytes = req.uri().to_string().len();
    let header_bytes: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    let refused = if uri_bytes > MAX_URI_BYTES {
        Some(StatusCode::URI_TOO_LONG)
    } else if header_bytes > MAX_HEADER_BYTES {
        Some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE)
    } else {
        None
    };
    match refused {
        Some(status) => Ok(req.error_response(ApiError::Status(status))),
        None => Ok(next.call(req).await?.map_into_boxed_body()),
    }
}

/// HEAD is GET without the body (RFC 9110), so it is routed as GET here, once
/// for every route, instead of a HEAD next to each GET. The connection still
/// knows the request was HEAD and sends the head only. It runs first, while the
/// request is not yet shared (changing it later would panic), so the log shows GET.
/// A handler whose body never ends (the event stream) asks `was_head` instead
/// of making one.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
        req.extensions_mut().insert(WasHead);
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Left on a HEAD request that `head_as_get` routed as GET.
#[derive(Clone, Copy)]
struct WasHead;

/// Whether the client asked for the head only.
pub fn was_head(req: &HttpRequest) -> bool {
    req.extensions().contains::<WasHead>()
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|_, _req: &HttpRequest| ApiError::InvalidQuery("query string").into())
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_, _req: &HttpRequest| ApiError::NotFound.into())
}

pub async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}

/// Headers every answer carries: no type sniffing, no referrer leaks, and no
/// framing or active content for API answers. (Pages set their own policy.)
pub fn security_headers() -> actix_web::middleware::DefaultHeaders {
    actix_web::middleware::DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "strict-origin-when-cross-origin"))
        .add((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'",
        ))
}

/// CORS for the origins of `ALLOWED_ORIGINS` only, with credentials, never `*`.
/// Other origins get no CORS headers, so browsers keep their pages out; the
/// request itself still runs (same-origin pages send an Origin too), and the
/// cross-site check of the session extractor guards what the cookie may do.
pub fn cors(allowed: &[String]) -> actix_cors::Cors {
    let allowed = allowed.to_vec();
    actix_cors::Cors::default()
        .allowed_origin_fn(move |origin, _req| {
            origin
                .to_str()
                .ok()
                .and_then(crate::config::normalize_origin)
                .is_some_and(|o| allowed.contains(&o))
        })
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT_LANGUAGE,
        ])
        .expose_headers([header::RETRY_AFTER, REQUEST_ID])
        .supports_credentials()
        .block_on_origin_mismatch(false)
        .max_age(600)
}

/// The span of each request, as tracing-actix-web's default but without the
/// request target: a path or query string may carry what a client should not
/// have sent there (a resident registration number as a comment id or an
/// order), and the log must never hold it. The route's pattern names the
/// address instead (`/api/v1/comments/{id}/reports`).
pub struct RequestSpans;

impl tracing_actix_web::RootSpanBuilder for RequestSpans {
    fn on_request_start(request: &ServiceRequest) -> tracing::Span {
        let route = request
            .match_pattern()
            .unwrap_or_else(|| "unmatched".into());
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(|id| id.to_string())
            .unwrap_or_default();
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %route,
            http.client_ip = %request.connection_info().realip_remote_addr().unwrap_or(""),
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            request_id = %request_id,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(
        span: tracing::Span,
        outcome: &Result<ServiceResponse<B>, Error>,
    ) {
        tracing_actix_web::DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// Counts each answer by its route template (never the raw path, so a
/// stranger cannot make new series) and status, with how long it took.
pub async fn count_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = std::time::Instant::now();
    let res = next.call(req).await?;
    let route = res.request().match_pattern();
    let route = route.unwrap_or_else(|| metrics::UNMATCHED.to_owned());
    metrics::request(route, res.status().as_u16(), started.elapsed());
    Ok(res)
}
