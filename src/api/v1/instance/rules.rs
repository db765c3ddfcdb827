//! `GET /api/v1/instance/rules`

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use crate::api::entities::moderation::Rule;
use crate::app::AppState;
use crate::error::Result;
use crate::service::moderation::rules;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/instance/rules", get(index))
}

/// `GET /api/v1/instance/rules`: public.
pub async fn index(State(state): State<AppState>) -> Result<Json<Vec<Rule>>> {
    Ok(Json(
        rules::all(&state).await?.iter().map(Rule::render).collect(),
    ))
}
