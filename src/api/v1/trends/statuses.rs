//! `GET /api/v1/trends/statuses`

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use super::TrendParams;
use crate::api::auth::MaybeAuth;
use crate::api::entities::Status;
use crate::api::params::Query;
use crate::app::AppState;
use crate::error::Result;
use crate::service::trends;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/trends/statuses", get(index))
}

/// `GET /api/v1/trends/statuses`: public; 20 by default, 40 at most, from `offset`.
pub async fn index(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Query(q): Query<TrendParams>,
) -> Result<Json<Vec<Status>>> {
    let viewer = auth.viewer("read:statuses")?;
    let found = trends::statuses(&state, viewer, q.offset, q.limit).await?;
    let base = state.base_url();
    let me = viewer.map(|v| v.id);
    Ok(Json(
        found.iter().map(|v| Status::render(v, me, &base)).collect(),
    ))
}
