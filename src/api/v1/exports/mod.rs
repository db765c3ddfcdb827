//! `GET /api/v1/exports/stats` and the CSV exports `GET /api/v1/exports/{following,
//! followers,lists,blocks,mutes,domain_blocks,bookmarks}.csv`, as GoToSocial serves them (the
//! last two are Rookery's, in the same shape), in Mastodon's formats; the full archive is in
//! [`archive`].

mod archive;

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use crate::api::auth::Auth;
use crate::api::entities::portability::ExportStats;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::service::exports::{self, Export, Table};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/exports/stats", get(stats))
        .route("/api/v1/exports/following.csv", get(following))
        .route("/api/v1/exports/followers.csv", get(followers))
        .route("/api/v1/exports/lists.csv", get(lists))
        .route("/api/v1/exports/blocks.csv", get(blocks))
        .route("/api/v1/exports/mutes.csv", get(mutes))
        .route("/api/v1/exports/domain_blocks.csv", get(domain_blocks))
        .route("/api/v1/exports/bookmarks.csv", get(bookmarks))
        .merge(archive::routes())
}

/// `GET /api/v1/exports/stats` (`read:accounts`, as GoToSocial).
pub async fn stats(State(state): State<AppState>, auth: Auth) -> Result<Json<ExportStats>> {
    auth.require("read:accounts")?;
    let counts = exports::stats(&state, &auth.account).await?;
    Ok(Json(ExportStats::render(&counts)))
}

/// The table as a CSV download named for the export.
fn csv_file(what: Export, table: Table) -> Result<Response> {
    let body = table.to_csv().map_err(|e| Error::Internal(e.into()))?;
    let disposition =
        HeaderValue::from_str(&format!("attachment; filename=\"{}\"", what.file_name()))
            .map_err(|e| Error::Internal(e.into()))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

async fn export(state: &AppState, auth: &Auth, what: Export) -> Result<Response> {
    csv_file(what, exports::export(state, &auth.account, what).await?)
}

/// `GET /api/v1/exports/following.csv` (`read:follows`).
pub async fn following(State(state): State<AppState>, auth: Auth) -> Result<Response> {
    auth.require_any(&["read:follows", "follow"])?;
    export(&state, &auth, Export::Following).await
}

/// `GET /api/v1/exports/followers.csv` (`read:follows`).
pub async fn followers(State(state): State<AppState>, auth: Auth) -> Result<Response> {
    auth.require_any(&["read:follows", "follow"])?;
    export(&state, &auth, Export::Followers).await
}

/// `GET /api/v1/exports/lists.csv` (`read:lists`).
pub async fn lists(State(state): State<AppState>, auth: Auth) -> Result<Response> {
    auth.require("read:lists")?;
    export(&state, &auth, Export::Lists).await
}

/// `GET /api/v1/exports/blocks.csv` (`read:blocks`).
pub async fn blocks(State(state): State<AppState>, auth: Auth) -> Result<Response> {
    auth.require_any(&["read:blocks", "follow"])?;
    export(&state, &auth, Export::Blocks).await
}

/// `GET /api/v1/exports/mutes.csv` (`read:mutes`).
pub async fn mutes(State(state): State<AppState>, auth: Auth) -> Result<Response> {
    auth.require_any(&["read:mutes", "follow"])?;
    export(&state, &auth, Export::Mutes).await
}

/// `GET /api/v1/exports/domain_blocks.csv` (`read:blocks`, as `GET /api/v1/domain_blocks`).
pub async fn domain_blocks(State(state): State<AppState>, auth: Auth) -> Result<Response> {
    auth.require_any(&["read:blocks", "follow"])?;
    export(&state, &auth, Export::DomainBlocks).await
}

/// `GET /api/v1/exports/bookmarks.csv` (`read:bookmarks`, as `GET /api/v1/bookmarks`).
pub async fn bookmarks(State(state): State<AppState>, auth: Auth) -> Result<Response> {
    auth.require("read:bookmarks")?;
    export(&state, &auth, Export::Bookmarks).await
}
