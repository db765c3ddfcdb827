//! `GET /api/v1/trends/links`

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use super::TrendParams;
use crate::api::entities::card::TrendsLink;
use crate::api::params::Query;
use crate::app::AppState;
use crate::error::Result;
use crate::service::trends;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/trends/links", get(index))
}

/// `GET /api/v1/trends/links`: public; 10 by default, 20 at most, from `offset`.
pub async fn index(
    State(state): State<AppState>,
    Query(q): Query<TrendParams>,
) -> Result<Json<Vec<TrendsLink>>> {
    let found = trends::links(&state, q.offset, q.limit).await?;
    let base_url = state.base_url();
    Ok(Json(
        found
            .iter()
            .map(|t| TrendsLink::render(t, &base_url))
            .collect(),
    ))
}
