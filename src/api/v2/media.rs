//! `POST /api/v2/media`

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};

use crate::api::auth::Auth;
use crate::api::entities::media::MediaAttachment;
use crate::api::params::ParamsWithFiles;
use crate::api::v1::media::{upload, MediaParams};
use crate::app::AppState;
use crate::error::Result;
use crate::service::media::Mode;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v2/media", post(create))
}

/// `POST /api/v2/media`: 200 when processed at once, 202 (with `url: null`) when a job
/// finishes it; then `GET /api/v1/media/:id` answers 206 until it is ready.
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    body: ParamsWithFiles<MediaParams>,
) -> Result<Response> {
    let m = upload(&state, &auth, body, Mode::Later).await?;
    let status = if m.is_ready() {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    Ok((status, Json(MediaAttachment::render(&m))).into_response())
}
