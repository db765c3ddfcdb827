//! `GET /api/v1/instance/translation_languages`: which languages can be translated into
//! which. Rookery has no translation service, so none: `{}`, as Mastodon answers when
//! translation is not configured.

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Map, Value};

use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/instance/translation_languages", get(index))
}

pub async fn index() -> Json<Map<String, Value>> {
    Json(Map::new())
}
