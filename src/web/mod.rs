//! Server-rendered pages for browsers: the OAuth sign-in and consent page, a front page,
//! profile and status pages, default images, and the health checks. As in `api`, each module
//! registers the URLs it serves in a `routes()` and this one merges them; `media` (the
//! stored files) is merged by `app::router` itself, outside the request limits.

pub mod assets;
pub mod auth;
pub mod health;
pub mod interact;
pub mod media;
pub mod oauth;
pub mod pages;
pub mod profiles;
pub mod session;
pub mod settings;
pub mod sign_up;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Router;

use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(pages::routes())
        .merge(oauth::routes())
        .merge(interact::routes())
        .merge(assets::routes())
        .merge(health::routes())
        .merge(profiles::routes())
        .merge(auth::routes())
        .merge(sign_up::routes())
        .merge(settings::routes())
}

/// An HTML page that must not be framed (clickjacking) or cached.
pub fn page(status: StatusCode, html: String) -> Response {
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// Renders a template, or a plain error page when rendering itself fails.
pub fn render(status: StatusCode, template: &impl askama::Template) -> Response {
    match template.render() {
        Ok(html) => page(status, html),
        Err(e) => {
            tracing::error!(error = %e, "rendering a page");
            page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "<h1>Internal server error</h1>".into(),
            )
        }
    }
}
