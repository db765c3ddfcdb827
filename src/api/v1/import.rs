//! `POST /api/v1/import` (GoToSocial's shape: multipart `data`, `type`, `mode`), and Rookery's
//! `GET /api/v1/import` and `GET /api/v1/import/:id` to follow an import's progress and read
//! the rows that failed.

use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use crate::api::auth::Auth;
use crate::api::entities::portability::Import;
use crate::api::pagination::{PageParams, Paginated, ACCOUNT_LIMITS};
use crate::api::params::{ParamsWithFiles, Query};
use crate::api::{de, path_id};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::import::{ImportKind, ImportMode};
use crate::service::imports;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/import", post(create).get(index))
        .route("/api/v1/import/{id}", get(show))
}

#[derive(Deserialize)]
pub struct ImportParams {
    #[serde(rename = "type", default, deserialize_with = "de::opt_string")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    mode: Option<String>,
}

/// `POST /api/v1/import` (`write`, as GoToSocial): 202 with the import, whose rows a job
/// works through; 422 for an unknown `type` or `mode` or a file that cannot be read, 413 for
/// one too large, 400 without a file.
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    body: ParamsWithFiles<ImportParams>,
) -> Result<(StatusCode, Json<Import>)> {
    auth.require("write")?;
    let kind = body
        .params
        .kind
        .as_deref()
        .ok_or_else(|| Error::invalid("type", "ERR_BLANK", "can't be blank"))?;
    let kind = ImportKind::parse(kind)
        .ok_or_else(|| Error::invalid("type", "ERR_INCLUSION", "is not included in the list"))?;
    let mode = match body.params.mode.as_deref() {
        None => ImportMode::Merge,
        Some(m) => ImportMode::parse(m).ok_or_else(|| {
            Error::invalid("mode", "ERR_INCLUSION", "is not included in the list")
        })?,
    };
    let data = body
        .files
        .into_iter()
        .find(|f| f.field == "data")
        .ok_or_else(|| Error::bad_request("param is missing or the value is empty: data"))?;
    let import = imports::start(&state, &auth.account, kind, mode, &data.data).await?;
    Ok((StatusCode::ACCEPTED, Json(Import::render(&import, true))))
}

/// `GET /api/v1/import/:id` (`read`): the import's progress and its failed rows.
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Import>> {
    auth.require("read")?;
    let import = imports::get(&state, &auth.account, path_id(&id)?).await?;
    Ok(Json(Import::render(&import, true)))
}

/// `GET /api/v1/import` (`read`): the caller's imports, newest first, paginated.
pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> Result<Paginated<Import>> {
    auth.require("read")?;
    let list = imports::list(&state, &auth.account, &q.page(ACCOUNT_LIMITS)).await?;
    let cursors = list.first().zip(list.last()).map(|(a, b)| (a.id, b.id));
    let items = list.iter().map(|i| Import::render(i, false)).collect();
    Ok(Paginated::new(items, cursors, &state.base_url(), &uri))
}
