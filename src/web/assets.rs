//! Built-in files: default avatar and header, the instance thumbnail, and the stylesheets and
//! scripts pages link under `/assets/` (the CSP allows no inline styles or scripts, so every
//! page's styles and scripts are files here).

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/avatars/original/missing.png", get(avatar))
        .route("/headers/original/missing.png", get(header))
        .route("/instance/thumbnail.png", get(thumbnail))
        .route("/assets/{name}", get(asset))
}

/// The files served under `/assets/`: name, content type, bytes. Each web area adds its own.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "rookery.css",
        "text/css; charset=utf-8",
        include_bytes!("static/rookery.css"),
    ),
    (
        "settings.css",
        "text/css; charset=utf-8",
        include_bytes!("static/settings.css"),
    ),
    (
        "admin.css",
        "text/css; charset=utf-8",
        include_bytes!("static/admin.css"),
    ),
    // Public pages: times in the reader's zone, blurhash placeholders under images.
    (
        "rookery.js",
        "text/javascript; charset=utf-8",
        include_bytes!("static/rookery.js"),
    ),
];

/// `/assets/:name`: a built-in stylesheet or script, cached for a day.
pub async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, content_type, bytes)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=86400"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            *bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

const AVATAR: &[u8] = include_bytes!("static/avatar-missing.png");
const HEADER: &[u8] = include_bytes!("static/header-missing.png");
const THUMBNAIL: &[u8] = include_bytes!("static/thumbnail.png");

fn png(bytes: &'static [u8]) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        bytes,
    )
}

pub async fn avatar() -> impl IntoResponse {
    png(AVATAR)
}

pub async fn header() -> impl IntoResponse {
    png(HEADER)
}

pub async fn thumbnail() -> impl IntoResponse {
    png(THUMBNAIL)
}
