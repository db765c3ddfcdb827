//! `GET /api/v1/instance/languages`: the languages a status may be tagged with (ISO 639-1).

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::app::AppState;
use crate::model::language::ISO_639_1;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/instance/languages", get(index))
}

pub async fn index() -> Json<Vec<Value>> {
    Json(
        ISO_639_1
            .iter()
            .map(|(code, name)| json!({ "code": code, "name": name }))
            .collect(),
    )
}
