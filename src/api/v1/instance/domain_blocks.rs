//! `GET /api/v1/instance/domain_blocks`

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use crate::api::auth::MaybeAuth;
use crate::api::entities::moderation::DomainBlock;
use crate::app::AppState;
use crate::error::Result;
use crate::service::moderation::domains;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/instance/domain_blocks", get(index))
}

/// `GET /api/v1/instance/domain_blocks`: the blocked domains, to whom the configuration shows
/// them.
pub async fn index(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
) -> Result<Json<Vec<DomainBlock>>> {
    let reader = auth.as_ref().map(|a| &a.user);
    Ok(Json(
        domains::published_blocks(&state, reader)
            .await?
            .iter()
            .map(DomainBlock::render)
            .collect(),
    ))
}
