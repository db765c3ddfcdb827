//! `GET /api/v1/custom_emojis`

use axum::routing::get;
use axum::{Json, Router};

use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/custom_emojis", get(index))
}

/// No custom emoji can be added yet, so the list is truthfully empty.
pub async fn index() -> Json<Vec<serde_json::Value>> {
    Json(Vec::new())
}
