//! `GET /api/v1/trends/tags`, and `GET /api/v1/trends`, its older name.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use super::TrendParams;
use crate::api::auth::MaybeAuth;
use crate::api::entities::Tag;
use crate::api::params::Query;
use crate::app::AppState;
use crate::error::Result;
use crate::service::trends;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/trends/tags", get(index))
        .route("/api/v1/trends", get(index))
}

/// `GET /api/v1/trends/tags`: public; 10 by default, 20 at most, from `offset`.
pub async fn index(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Query(q): Query<TrendParams>,
) -> Result<Json<Vec<Tag>>> {
    let viewer = auth.viewer("read:statuses")?;
    let found = trends::tags(&state, viewer, q.offset, q.limit).await?;
    Ok(Json(Tag::render_all(&found, &state.base_url())))
}
