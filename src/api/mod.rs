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

use axum::Router;

use crate::app::AppState;

/// Every URL of the client API and of OAuth.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(v1::routes())
        .merge(v2::routes())
        .merge(oauth::routes())
}

/// Parses an id from a path; unknown or malformed ids are simply not found.
pub fn path_id(raw: &str) -> crate::error::Result<i64> {
    crate::id::parse(raw).ok_or(crate::error::Error::NotFound)
}
