//! Mastodon's `/api/v2/…`: one module per URL prefix, each with its `routes()`, merged here.

pub mod filters;
pub mod instance;
pub mod media;
pub mod notifications;
pub mod search;
pub mod suggestions;

use axum::Router;

use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(filters::routes())
        .merge(instance::routes())
        .merge(media::routes())
        .merge(notifications::routes())
        .merge(search::routes())
        .merge(suggestions::routes())
}
