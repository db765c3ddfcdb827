//! Built-in images: default avatar and header, the instance thumbnail.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/avatars/original/missing.png", get(avatar))
        .route("/headers/original/missing.png", get(header))
        .route("/instance/thumbnail.png", get(thumbnail))
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
