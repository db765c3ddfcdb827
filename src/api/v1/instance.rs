//! `/api/v1/instance`

use axum::extract::State;
use axum::Json;

use crate::api::entities::instance::InstanceV1;
use crate::api::entities::Account;
use crate::app::AppState;
use crate::error::Result;
use crate::service;

pub async fn show(State(state): State<AppState>) -> Result<Json<InstanceV1>> {
    let stats = service::instance::stats(&state).await?;
    let contact = service::instance::contact_account(&state)
        .await?
        .map(|a| Account::render(&a, &state.base_url()));
    Ok(Json(InstanceV1::render(&state.config, &stats, contact)))
}
