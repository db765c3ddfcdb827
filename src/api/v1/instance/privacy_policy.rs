//! `GET /api/v1/instance/privacy_policy`: the privacy policy administrators wrote (404 until
//! they do: Rookery ships no template policy).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::api::entities::datetime;
use crate::app::AppState;
use crate::error::Result;
use crate::service::instance_pages;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/instance/privacy_policy", get(show))
}

pub async fn show(State(state): State<AppState>) -> Result<Json<Value>> {
    let policy = instance_pages::privacy_policy(&state).await?;
    Ok(Json(json!({
        "updated_at": datetime(&policy.updated_at),
        "content": policy.content,
    })))
}
