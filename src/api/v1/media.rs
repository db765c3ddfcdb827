//! `POST /api/v1/media` and `/api/v1/media/:id`; the upload they share with
//! `POST /api/v2/media` (`api/v2/media.rs`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde::Deserialize;

use crate::api::auth::Auth;
use crate::api::entities::media::MediaAttachment;
use crate::api::params::{ParamsWithFiles, Upload};
use crate::api::{de, path_id};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::service::media::{self, Mode, UploadMeta};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/media", post(create))
        .route("/api/v1/media/{id}", get(show).put(update).delete(destroy))
}

#[derive(Deserialize)]
pub struct MediaParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    description: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    focus: Option<String>,
}

impl MediaParams {
    fn meta(self, files: Vec<Upload>) -> Result<UploadMeta> {
        Ok(UploadMeta {
            description: self.description,
            focus: self.focus,
            thumbnail: file_part(files, "thumbnail")?,
        })
    }
}

/// The `file` part of an upload, or 422 naming it.
pub fn file_part(files: Vec<Upload>, field: &str) -> Result<Option<Bytes>> {
    Ok(files.into_iter().find(|f| f.field == field).map(|f| f.data))
}

/// Takes the upload out of a multipart body (400 when there is none, as Mastodon).
pub async fn upload(
    state: &AppState,
    auth: &Auth,
    body: ParamsWithFiles<MediaParams>,
    mode: Mode,
) -> Result<crate::model::Media> {
    auth.require("write:media")?;
    let (file, others): (Vec<Upload>, Vec<Upload>) =
        body.files.into_iter().partition(|f| f.field == "file");
    let bytes = file_part(file, "file")?
        .ok_or_else(|| Error::bad_request("param is missing or the value is empty: file"))?;
    let meta = body.params.meta(others)?;
    media::upload(state, &auth.account, bytes, meta, mode).await
}

/// `POST /api/v1/media`: processed before answering.
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    body: ParamsWithFiles<MediaParams>,
) -> Result<Json<MediaAttachment>> {
    let m = upload(&state, &auth, body, Mode::Now).await?;
    Ok(Json(MediaAttachment::render(&m)))
}

/// `GET /api/v1/media/:id`: 206 while processing continues, 200 when done, 422 if it failed.
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Response> {
    auth.require("write:media")?;
    let m = media::own(&state, &auth.account, path_id(&id)?).await?;
    match m.processing.as_str() {
        "pending" => Ok((
            StatusCode::PARTIAL_CONTENT,
            Json(MediaAttachment::render(&m)),
        )
            .into_response()),
        "failed" => Err(Error::unprocessable(
            "Validation failed: File could not be processed",
        )),
        _ => Ok(Json(MediaAttachment::render(&m)).into_response()),
    }
}

/// `DELETE /api/v1/media/:id`: an upload not attached to any status (422 otherwise).
pub async fn destroy(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>> {
    auth.require("write:media")?;
    media::delete(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(serde_json::json!({})))
}

/// `PUT /api/v1/media/:id`: description, focal point and custom preview (`thumbnail`),
/// before or after attaching.
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    body: ParamsWithFiles<MediaParams>,
) -> Result<Json<MediaAttachment>> {
    auth.require("write:media")?;
    let meta = body.params.meta(body.files)?;
    let m = media::update(&state, &auth.account, path_id(&id)?, meta).await?;
    Ok(Json(MediaAttachment::render(&m)))
}
