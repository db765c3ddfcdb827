//! `POST /api/v1/import` (GoToSocial's shape: multipart `data`, `type`, `mode`), and Rookery's
//! `GET /api/v1/import` and `GET /api/v1/import/:id` to follow an import's progress and read
//! the rows that failed.

use axum::extract::{
    DefaultBodyLimit, FromRequest, FromRequestParts, Multipart, OriginalUri, Path, Request, State,
};
use axum::http::{header, StatusCode};
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
use crate::service::imports::{self, archive::Spool};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/import",
            // An archive of posts may be far larger than any other request: its file is
            // written to disk as it arrives, up to its own limit (see `upload`).
            post(create).layer(DefaultBodyLimit::disable()).get(index),
        )
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
/// one too large, 400 without a file. With `type=posts` (or `statuses`) the file is an
/// archive of posts, imported into the token's own account (merge mode only).
pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    request: Request,
) -> Result<(StatusCode, Json<Import>)> {
    auth.require("write")?;
    let (params, data) = upload(&state, request).await?;
    let kind = params
        .kind
        .as_deref()
        .ok_or_else(|| Error::invalid("type", "ERR_BLANK", "can't be blank"))?;
    let kind = ImportKind::parse(kind)
        .ok_or_else(|| Error::invalid("type", "ERR_INCLUSION", "is not included in the list"))?;
    let mode = match params.mode.as_deref() {
        None => ImportMode::Merge,
        Some(m) => ImportMode::parse(m).ok_or_else(|| {
            Error::invalid("mode", "ERR_INCLUSION", "is not included in the list")
        })?,
    };
    let data =
        data.ok_or_else(|| Error::bad_request("param is missing or the value is empty: data"))?;
    let import = if kind == ImportKind::Posts {
        if mode != ImportMode::Merge {
            return Err(Error::invalid(
                "mode",
                "ERR_INCLUSION",
                "must be merge for posts: an archive adds posts, it never removes any",
            ));
        }
        imports::posts::start(&state, &auth.account, data).await?
    } else {
        let max = state.config.portability.import_max_bytes as u64;
        let bytes = data.into_bytes(max).await?;
        imports::start(&state, &auth.account, kind, mode, &bytes).await?
    };
    Ok((StatusCode::ACCEPTED, Json(Import::render(&import, true))))
}

/// Longest text field read from a multipart import.
const MAX_FIELD_BYTES: usize = 1024;

/// Reads an import's parameters and spools its `data` file to disk as it arrives (up to
/// `portability.archive_max_bytes`), so that an archive of a gigabyte takes no more memory
/// than a chunk. A body that is not multipart is read as other requests are (its size capped
/// by `limits.request_body_bytes`); it carries no file.
async fn upload(state: &AppState, request: Request) -> Result<(ImportParams, Option<Spool>)> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let (mut parts, body) = request.into_parts();
    let Query(mut params) = Query::<ImportParams>::from_request_parts(&mut parts, state).await?;
    if !content_type.starts_with("multipart/form-data") {
        let limit = state.config.limits.request_body_bytes;
        let bytes = axum::body::to_bytes(body, limit)
            .await
            .map_err(|_| Error::PayloadTooLarge("Request body is too large".into()))?;
        let request = Request::from_parts(parts, axum::body::Body::from(bytes));
        let body = ParamsWithFiles::<ImportParams>::from_request(request, state).await?;
        return Ok((body.params, None));
    }
    let request = Request::from_parts(parts, body);
    let mut multipart = Multipart::from_request(request, state)
        .await
        .map_err(|e| Error::bad_request(format!("Malformed multipart body: {}", e.body_text())))?;
    let mut data = None;
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or("").to_string();
        if name == "data" {
            if data.is_some() {
                return Err(Error::bad_request(
                    "Only one file may be imported at a time",
                ));
            }
            let max = state.config.portability.archive_max_bytes;
            let mut spool = Spool::create(state, max).await?;
            while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                spool.write(&chunk).await?;
            }
            data = Some(spool);
            continue;
        }
        let mut text = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            if text.len() + chunk.len() > MAX_FIELD_BYTES {
                return Err(Error::bad_request(format!("Parameter {name} is too long")));
            }
            text.extend_from_slice(&chunk);
        }
        let text = String::from_utf8(text)
            .map_err(|_| Error::bad_request(format!("Parameter {name} is not UTF-8")))?;
        match name.as_str() {
            "type" => params.kind = Some(text).filter(|t| !t.is_empty()),
            "mode" => params.mode = Some(text).filter(|t| !t.is_empty()),
            // Anything else (an `account_id` among them) is ignored: an import is always the
            // token's own account's.
            _ => {}
        }
    }
    Ok((params, data))
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> Error {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Error::PayloadTooLarge("Request body is too large".into())
    } else {
        Error::bad_request(format!("Malformed multipart body: {}", e.body_text()))
    }
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
