//! `GET /api/v1/admin/trends/tags` and `POST /api/v1/admin/trends/tags/:id/approve|reject`.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};

use super::{READ, WRITE};
use crate::api::auth::Auth;
use crate::api::entities::tag::AdminTag;
use crate::api::path_id;
use crate::api::v1::admin::staff;
use crate::app::AppState;
use crate::error::Result;
use crate::model::TagView;
use crate::service::trends;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/trends/tags", get(index))
        .route("/api/v1/admin/trends/tags/{id}/approve", post(approve))
        .route("/api/v1/admin/trends/tags/{id}/reject", post(reject))
}

fn render(state: &AppState, view: &TagView) -> AdminTag {
    AdminTag::render(
        view,
        trends::trendable(state, view.tag.trendable),
        trends::requires_review(state, view.tag.trendable),
        &state.base_url(),
    )
}

/// `GET /api/v1/admin/trends/tags`: every hashtag with a trend score, best first, including
/// those waiting for review and those rejected.
pub async fn index(State(state): State<AppState>, auth: Auth) -> Result<Json<Vec<AdminTag>>> {
    staff(&auth, READ)?;
    let found = trends::tags_for_review(&state, &auth.account).await?;
    Ok(Json(found.iter().map(|v| render(&state, v)).collect()))
}

/// `POST /api/v1/admin/trends/tags/:id/approve`
pub async fn approve(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AdminTag>> {
    staff(&auth, WRITE)?;
    let tag = trends::review_tag(&state, &auth.account, path_id(&id)?, true).await?;
    Ok(Json(render(&state, &tag)))
}

/// `POST /api/v1/admin/trends/tags/:id/reject`: the tag never trends.
pub async fn reject(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AdminTag>> {
    staff(&auth, WRITE)?;
    let tag = trends::review_tag(&state, &auth.account, path_id(&id)?, false).await?;
    Ok(Json(render(&state, &tag)))
}
