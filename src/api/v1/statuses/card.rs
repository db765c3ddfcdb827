//! `GET /api/v1/statuses/:id/card`

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use crate::api::auth::MaybeAuth;
use crate::api::entities::card::PreviewCard;
use crate::api::path_id;
use crate::app::AppState;
use crate::error::Result;
use crate::service::cards;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/statuses/{id}/card", get(card))
}

/// `GET /api/v1/statuses/:id/card`: the status's preview card, for clients from before
/// Mastodon 3.0 put it in the Status entity; `{}` when it has none (as Mastodon answered),
/// 404 when the viewer may not see the status.
pub async fn card(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> Result<Response> {
    let viewer = auth.viewer("read:statuses")?;
    Ok(
        match cards::of_status(&state, viewer, path_id(&id)?).await? {
            Some(card) => Json(PreviewCard::render(&card, &state.base_url())).into_response(),
            None => Json(serde_json::json!({})).into_response(),
        },
    )
}
