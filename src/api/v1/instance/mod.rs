//! `GET /api/v1/instance` here; `/api/v1/instance/rules` and `/api/v1/instance/domain_blocks`
//! in the files named for them.

pub mod domain_blocks;
pub mod rules;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use crate::api::entities::instance::InstanceV1;
use crate::api::entities::Account;
use crate::app::AppState;
use crate::error::Result;
use crate::service;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/instance", get(show))
        .merge(rules::routes())
        .merge(domain_blocks::routes())
}

/// `GET /api/v1/instance`: public.
pub async fn show(State(state): State<AppState>) -> Result<Json<InstanceV1>> {
    let stats = service::instance::stats(&state).await?;
    let contact = service::instance::contact_account(&state)
        .await?
        .map(|a| Account::render(&a, &state.base_url()));
    Ok(Json(InstanceV1::render(&state.config, &stats, contact)))
}
