//! Server-rendered pages for browsers: the OAuth sign-in and consent page, the public pages
//! (landing and about pages, profiles with their tabs and feeds, threads, hashtags,
//! robots.txt), default images, and the health checks. As in `api`, each module
//! registers the URLs it serves in a `routes()` and this one merges them; `media` (the
//! stored files) is merged by `app::router` itself, outside the request limits.

pub mod admin;
pub mod assets;
pub mod auth;
pub mod feeds;
pub mod health;
pub mod interact;
pub mod media;
pub mod oauth;
pub mod pages;
pub mod profiles;
pub mod remote;
pub mod session;
pub mod settings;
pub mod sign_up;
pub mod site;
pub mod statuses;
pub mod tags;
pub mod view;

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
        .merge(admin::routes())
        .merge(tags::routes())
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

/// A public page (profiles, threads, hashtags): as [`page`], with images and media allowed
/// from this instance and its media storage too (when that is elsewhere), plus `data:` and
/// `blob:` images, which is what Mastodon's policy allows; nothing from other servers.
/// Remote avatars, headers and custom emoji show from the remote-media cache (local URLs)
/// once cached, and as the default image or the plain shortcode until then
/// ([`view::Origins::allow`]). The page may be cached briefly: it shows what anyone may see.
pub fn render_public(
    state: &AppState,
    status: StatusCode,
    template: &impl askama::Template,
) -> Response {
    let mut response = render(status, template);
    if response.status() != status {
        return response;
    }
    let media = view::Origins::of(state)
        .media_source()
        .map(|m| format!(" {m}"))
        .unwrap_or_default();
    let csp = format!(
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data: blob:{media}; media-src 'self'{media}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    );
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=30"),
    );
    headers.insert(header::VARY, HeaderValue::from_static("Accept"));
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
