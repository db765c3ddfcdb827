//! The Mastodon client API: thin handlers that parse, authorise (scopes), call one service,
//! and render an entity; the rules they apply live in the services.
//!
//! Files mirror the URLs they serve: `v1/accounts/follow.rs` serves
//! `/api/v1/accounts/:id/follow`, `v1/blocks.rs` serves `/api/v1/blocks`, `oauth/token.rs`
//! serves `/oauth/token`. A folder stands for a URL prefix with actions of its own
//! (`v1/accounts/`, `v1/statuses/`, `v1/instance/`, `v1/admin/`). Every handler module
//! registers its own URLs in a `routes()`; this module and the `mod.rs` of each folder only
//! merge them. The other modules serve no URL: `auth` (tokens, scopes, the client address),
//! `params` and `de` (parameters), `pagination`, and `entities` (the JSON clients receive).

pub mod auth;
pub mod de;
pub mod entities;
pub mod oauth;
pub mod pagination;
pub mod params;
pub mod v1;
pub mod v2;

use axum::handler::HandlerWithoutStateExt;
use axum::http::{HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::app::AppState;

/// Every URL of the client API and of OAuth; any other path under `/api/` is not found, in
/// Mastodon's JSON.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(v1::routes())
        .merge(v2::routes())
        .merge(oauth::routes())
        .route_service("/api/{*rest}", unrouted.into_service())
}

/// The header that marks an answer as the router's own "no such URL" (the body is the same
/// as a handler's "not found"), so tests can tell a URL that is not served from one that is.
pub static UNROUTED: HeaderName = HeaderName::from_static("x-rookery-unrouted");

/// No URL under `/api/` matched: 404 with `{"error":"Record not found"}` as Mastodon answers
/// (an empty body breaks some client libraries).
async fn unrouted() -> Response {
    let mut response = crate::error::Error::NotFound.into_response();
    response
        .headers_mut()
        .insert(UNROUTED.clone(), HeaderValue::from_static("1"));
    response
}

/// Parses an id from a path; unknown or malformed ids are simply not found.
pub fn path_id(raw: &str) -> crate::error::Result<i64> {
    crate::id::parse(raw).ok_or(crate::error::Error::NotFound)
}
