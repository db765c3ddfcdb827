//! `GET /api/v1/custom_emojis`

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use crate::api::entities::emoji::CustomEmoji;
use crate::app::AppState;
use crate::error::Result;
use crate::service::emojis;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/custom_emojis", get(index))
}

/// `GET /api/v1/custom_emojis`: the instance's enabled emoji, for everyone (no token). The
/// answer is the same for every caller and changes rarely, so browsers and proxies may keep
/// it for a minute.
pub async fn index(State(state): State<AppState>) -> Result<Response> {
    let list = emojis::local_enabled(&state).await?;
    let mut response = Json(CustomEmoji::list(&list)).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    Ok(response)
}
