//! `/api/v1/settings`: account settings that are actions rather than preferences.

pub mod move_followers;

use axum::Router;

use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().merge(move_followers::routes())
}
