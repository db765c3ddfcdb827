//! `PUT /api/v1/statuses/:id/interaction_policy`: who may quote one's status (Mastodon 4.5).

use axum::extract::{Path, State};
use axum::routing::put;
use axum::{Json, Router};
use serde::Deserialize;

use crate::api::auth::Auth;
use crate::api::entities::Status;
use crate::api::params::Params;
use crate::api::{de, path_id};
use crate::app::AppState;
use crate::error::Result;
use crate::service::quotes;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/statuses/{id}/interaction_policy", put(update))
}

#[derive(Deserialize)]
pub struct PolicyParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    quote_approval_policy: Option<String>,
}

/// `PUT /api/v1/statuses/:id/interaction_policy`
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<PolicyParams>,
) -> Result<Json<Status>> {
    auth.require("write:statuses")?;
    let view = quotes::set_policy(
        &state,
        &auth.account,
        path_id(&id)?,
        p.quote_approval_policy.as_deref(),
    )
    .await?;
    Ok(Json(Status::render(
        &view,
        Some(auth.account.id),
        &state.base_url(),
    )))
}
