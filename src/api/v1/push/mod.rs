//! `/api/v1/push/…`

pub mod subscription;

use axum::Router;

use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().merge(subscription::routes())
}
