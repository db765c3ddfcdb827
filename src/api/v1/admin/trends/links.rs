//! `GET /api/v1/admin/trends/links` and `POST /api/v1/admin/trends/links/:id/approve|reject`
//! (`:id` is the card's).

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::{READ, WRITE};
use crate::api::auth::Auth;
use crate::api::entities::card::AdminTrendsLink;
use crate::api::path_id;
use crate::api::v1::admin::staff;
use crate::app::AppState;
use crate::error::Result;
use crate::model::card::LinkTrend;
use crate::service::trends;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/trends/links", get(index))
        .route("/api/v1/admin/trends/links/{id}/approve", post(approve))
        .route("/api/v1/admin/trends/links/{id}/reject", post(reject))
}

fn render(state: &AppState, trend: &LinkTrend) -> AdminTrendsLink {
    AdminTrendsLink::render(
        trend,
        trends::trendable(state, trend.review),
        trends::requires_review(state, trend.review),
        &state.base_url(),
    )
}

/// `GET /api/v1/admin/trends/links`: every link with a trend score, best first, including
/// those waiting for review and those rejected.
pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<AdminTrendsLink>>> {
    staff(&auth, READ)?;
    let found = trends::links_for_review(&state).await?;
    Ok(Json(found.iter().map(|t| render(&state, t)).collect()))
}

async fn review(
    state: &AppState,
    auth: &Auth,
    id: &str,
    approve: bool,
) -> Result<Json<AdminTrendsLink>> {
    staff(auth, WRITE)?;
    let trend = trends::review_link(state, &auth.account, path_id(id)?, approve).await?;
    Ok(Json(render(state, &trend)))
}

/// `POST /api/v1/admin/trends/links/:id/approve`
pub async fn approve(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AdminTrendsLink>> {
    review(&state, &auth, &id, true).await
}

/// `POST /api/v1/admin/trends/links/:id/reject`: the link never trends.
pub async fn reject(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AdminTrendsLink>> {
    review(&state, &auth, &id, false).await
}
