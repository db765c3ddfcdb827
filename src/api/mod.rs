//! The Mastodon client API: thin handlers that parse, authorise, call one service, and render
//! an entity. Files mirror the URLs they serve (`v1/accounts.rs` serves `/api/v1/accounts…`).

pub mod auth;
pub mod de;
pub mod entities;
pub mod oauth;
pub mod pagination;
pub mod params;
pub mod v1;
pub mod v2;

use axum::routing::{get, patch, post};
use axum::Router;

use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/apps", post(v1::apps::create))
        .route(
            "/api/v1/apps/verify_credentials",
            get(v1::apps::verify_credentials),
        )
        .route("/api/v1/accounts", post(v1::accounts::register))
        .route(
            "/api/v1/accounts/verify_credentials",
            get(v1::accounts::verify_credentials),
        )
        .route(
            "/api/v1/accounts/update_credentials",
            patch(v1::accounts::update_credentials),
        )
        .route("/api/v1/accounts/lookup", get(v1::accounts::lookup))
        .route("/api/v1/accounts/{id}", get(v1::accounts::show))
        .route(
            "/api/v1/accounts/{id}/statuses",
            get(v1::accounts::statuses),
        )
        .route("/api/v1/instance", get(v1::instance::show))
        .route("/api/v1/preferences", get(v1::preferences::show))
        .route("/api/v1/custom_emojis", get(v1::custom_emojis::index))
        .route("/api/v2/instance", get(v2::instance::show))
        .route("/api/v2/search", get(v2::search::show))
        .route("/oauth/token", post(oauth::token::create))
        .route("/oauth/revoke", post(oauth::revoke::create))
        .route(
            "/.well-known/oauth-authorization-server",
            get(oauth::metadata::show),
        )
        .merge(v1::relationships::routes())
        .merge(v1::statuses::routes())
        .merge(v1::timelines::routes())
        .merge(v1::notifications::routes())
        .merge(v1::markers::routes())
        .merge(v1::admin::routes())
        .merge(v1::reports::routes())
        .merge(v1::instance_moderation::routes())
        .merge(v1::domain_blocks::routes())
        .merge(v1::filters::routes())
        .merge(v2::filters::routes())
        .merge(v1::streaming::routes())
        .merge(v1::media::routes())
        .merge(v1::profile::routes())
}

/// Parses an id from a path; unknown or malformed ids are simply not found.
pub fn path_id(raw: &str) -> crate::error::Result<i64> {
    crate::id::parse(raw).ok_or(crate::error::Error::NotFound)
}
