//! `POST /api/v1/exports/archive` (ask for a full archive), `GET /api/v1/exports/archive`
//! (the newest one) and `GET /api/v1/exports/archive/:id/download` (its ZIP file, to its owner
//! only). Rookery's own API: Mastodon offers archives on a web page, not to clients.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use crate::api::auth::Auth;
use crate::api::entities::portability::Archive;
use crate::api::path_id;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::service::archives;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/exports/archive", get(show).post(request))
        .route("/api/v1/exports/archive/{id}/download", get(download))
}

/// `POST /api/v1/exports/archive` (`read:accounts`): 202 and the pending archive; 422 when one
/// was asked for in the last week.
pub async fn request(State(state): State<AppState>, auth: Auth) -> Result<Response> {
    auth.require("read:accounts")?;
    let archive = archives::request(&state, &auth.account).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Archive::render(&archive, &state.base_url())),
    )
        .into_response())
}

/// `GET /api/v1/exports/archive` (`read:accounts`): the newest archive, 404 if none.
pub async fn show(State(state): State<AppState>, auth: Auth) -> Result<Json<Archive>> {
    auth.require("read:accounts")?;
    let archive = archives::latest(&state, &auth.account).await?;
    Ok(Json(Archive::render(&archive, &state.base_url())))
}

/// `GET /api/v1/exports/archive/:id/download` (`read:accounts`): the ZIP file, streamed from
/// the storage; 404 for anyone but its owner, and before it is ready or after it expired.
pub async fn download(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Response> {
    auth.require("read:accounts")?;
    let (name, size, stream) = archives::download(&state, &auth.account, path_id(&id)?).await?;
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .map_err(|e| Error::Internal(e.into()))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/zip"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CONTENT_LENGTH, HeaderValue::from(size)),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}
