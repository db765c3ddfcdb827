//! `GET /api/v1/instance/terms_of_service` and `/:date`: the terms in effect, or one version
//! (404 when there is none).

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::app::AppState;
use crate::error::Result;
use crate::service::instance_pages::{self, TermsView};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/instance/terms_of_service", get(current))
        .route("/api/v1/instance/terms_of_service/{date}", get(of_date))
}

fn render(t: &TermsView) -> Value {
    json!({
        "effective_date": t.effective_date.format("%Y-%m-%d").to_string(),
        "effective": t.effective,
        "content": t.content,
        "succeeded_by": t.succeeded_by.map(|d| d.format("%Y-%m-%d").to_string()),
    })
}

pub async fn current(State(state): State<AppState>) -> Result<Json<Value>> {
    Ok(Json(render(
        &instance_pages::terms_of_service(&state, None).await?,
    )))
}

pub async fn of_date(
    State(state): State<AppState>,
    Path(date): Path<String>,
) -> Result<Json<Value>> {
    Ok(Json(render(
        &instance_pages::terms_of_service(&state, Some(&date)).await?,
    )))
}
