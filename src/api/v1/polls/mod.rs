//! `/api/v1/polls`: one poll (`GET /api/v1/polls/:id`) here; voting in `votes.rs`.

pub mod votes;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};

use crate::api::auth::MaybeAuth;
use crate::api::entities::Poll;
use crate::api::path_id;
use crate::app::AppState;
use crate::error::Result;
use crate::service::polls;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/polls/{id}", get(show))
        .merge(votes::routes())
}

/// `GET /api/v1/polls/:id`: public for a poll on a status the caller may see; a token that is
/// sent must allow reading statuses.
pub async fn show(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> Result<Json<Poll>> {
    let viewer = auth.viewer("read:statuses")?;
    let view = polls::one(&state, viewer, path_id(&id)?).await?;
    Ok(Json(Poll::render(&view)))
}
