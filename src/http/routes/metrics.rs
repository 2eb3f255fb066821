//! `GET /metrics` in Prometheus text format, on its own listener
//! (`METRICS_ADDR`) only: the public one answers 404 there.

use actix_web::{HttpResponse, web};
use metrics_exporter_prometheus::PrometheusHandle;

/// The metrics listener's whole app: one route, everything else 404.
pub fn configure(handle: PrometheusHandle) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::new(handle))
            .service(web::resource("/metrics").get(scrape))
            .default_service(web::to(HttpResponse::NotFound));
    }
}

async fn scrape(handle: web::Data<PrometheusHandle>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(handle.render())
}
