//! The style sheet and icon, built into the binary.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

const STYLE: &str = include_str!("static/style.css");
const FAVICON: &str = include_str!("static/favicon.svg");

/// `GET /static/{file}`.
pub async fn serve(file: web::Path<String>) -> HttpResponse {
    let (body, content_type) = match file.as_str() {
        "style.css" => (STYLE, "text/css; charset=utf-8"),
        "favicon.svg" => (FAVICON, "image/svg+xml"),
        _ => return HttpResponse::NotFound().finish(),
    };
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body)
}
