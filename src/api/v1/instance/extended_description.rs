//! `GET /api/v1/instance/extended_description`: the administrators' longer description
//! (empty, with no date, until they write one, as Mastodon answers).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::api::entities::datetime;
use crate::app::AppState;
use crate::error::Result;
use crate::service::instance_pages;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/instance/extended_description", get(show))
}

pub async fn show(State(state): State<AppState>) -> Result<Json<Value>> {
    let text = instance_pages::extended_description(&state).await?;
    Ok(Json(json!({
        "updated_at": text.as_ref().map(|t| datetime(&t.updated_at)),
        "content": text.map(|t| t.content).unwrap_or_default(),
    })))
}
