//! `/api/v2/instance`

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use crate::api::entities::instance::InstanceV2;
use crate::api::entities::Account;
use crate::app::AppState;
use crate::error::Result;
use crate::service;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v2/instance", get(show))
}

pub async fn show(State(state): State<AppState>) -> Result<Json<InstanceV2>> {
    let active = service::instance::active_month(&state).await?;
    let contact = service::instance::contact_account(&state)
        .await?
        .map(|a| Account::render(&a, &state.base_url()));
    let vapid_key = service::push::vapid_public_key(&state).await?;
    let config = service::instance_settings::config(&state).await?;
    Ok(Json(InstanceV2::render(
        &config, active, contact, vapid_key,
    )))
}
