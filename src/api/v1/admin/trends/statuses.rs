//! `GET /api/v1/admin/trends/statuses` and
//! `POST /api/v1/admin/trends/statuses/:id/approve|reject`.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::{READ, WRITE};
use crate::api::auth::Auth;
use crate::api::entities::Status;
use crate::api::path_id;
use crate::api::v1::admin::staff;
use crate::app::AppState;
use crate::error::Result;
use crate::service::trends;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/trends/statuses", get(index))
        .route("/api/v1/admin/trends/statuses/{id}/approve", post(approve))
        .route("/api/v1/admin/trends/statuses/{id}/reject", post(reject))
}

/// `GET /api/v1/admin/trends/statuses`: every status with a trend score, best first,
/// including those waiting for review and those rejected.
pub async fn index(State(state): State<AppState>, auth: Auth) -> Result<Json<Vec<Status>>> {
    staff(&auth, READ)?;
    let found = trends::statuses_for_review(&state, &auth.account).await?;
    let base = state.base_url();
    Ok(Json(
        found
            .iter()
            .map(|v| Status::render(v, Some(auth.account.id), &base))
            .collect(),
    ))
}

async fn review(state: &AppState, auth: &Auth, id: &str, approve: bool) -> Result<Json<Status>> {
    staff(auth, WRITE)?;
    let view = trends::review_status(state, &auth.account, path_id(id)?, approve).await?;
    Ok(Json(Status::render(
        &view,
        Some(auth.account.id),
        &state.base_url(),
    )))
}

/// `POST /api/v1/admin/trends/statuses/:id/approve`
pub async fn approve(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Status>> {
    review(&state, &auth, &id, true).await
}

/// `POST /api/v1/admin/trends/statuses/:id/reject`: the status never trends.
pub async fn reject(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Status>> {
    review(&state, &auth, &id, false).await
}
