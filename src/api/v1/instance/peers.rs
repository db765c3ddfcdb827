//! `GET /api/v1/instance/peers`: the domains this instance knows (404 when kept private).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use crate::app::AppState;
use crate::error::Result;
use crate::service::instance_pages;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/instance/peers", get(index))
}

pub async fn index(State(state): State<AppState>) -> Result<Json<Vec<String>>> {
    Ok(Json(instance_pages::peers(&state).await?))
}
