//! `/api/v1/admin/domain_blocks` (list, create, show, update, delete) and their CSV
//! import/export in Mastodon's format (`/api/v1/admin/domain_blocks/{export,import}`).

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::{required_domain, staff};
use crate::api::auth::Auth;
use crate::api::entities::moderation::AdminDomainBlock;
use crate::api::params::{Params, ParamsWithFiles};
use crate::api::{de, path_id};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::service::moderation::domains::{self, BlockInput};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/domain_blocks", get(index).post(create))
        .route("/api/v1/admin/domain_blocks/export", get(export))
        .route("/api/v1/admin/domain_blocks/import", post(import))
        .route(
            "/api/v1/admin/domain_blocks/{id}",
            get(show).put(update).delete(destroy),
        )
}

const READ: &str = "admin:read:domain_blocks";
const WRITE: &str = "admin:write:domain_blocks";

#[derive(Deserialize)]
pub struct BlockParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    domain: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    severity: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    reject_media: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    reject_reports: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    private_comment: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    public_comment: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    obfuscate: Option<bool>,
}

impl BlockParams {
    fn input(self) -> BlockInput {
        BlockInput {
            domain: self.domain.unwrap_or_default(),
            severity: self.severity,
            reject_media: self.reject_media,
            reject_reports: self.reject_reports,
            private_comment: self.private_comment,
            public_comment: self.public_comment,
            obfuscate: self.obfuscate,
        }
    }
}

pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<AdminDomainBlock>>> {
    staff(&auth, READ)?;
    let blocks = domains::blocks(&state).await?;
    Ok(Json(blocks.iter().map(AdminDomainBlock::render).collect()))
}

pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AdminDomainBlock>> {
    staff(&auth, READ)?;
    Ok(Json(AdminDomainBlock::render(
        &domains::block(&state, path_id(&id)?).await?,
    )))
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<BlockParams>,
) -> Result<Json<AdminDomainBlock>> {
    staff(&auth, WRITE)?;
    let input = BlockInput {
        domain: required_domain(p.domain.clone())?,
        ..p.input()
    };
    let block = domains::create_block(&state, Some(&auth.account), &input).await?;
    Ok(Json(AdminDomainBlock::render(&block)))
}

pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<BlockParams>,
) -> Result<Json<AdminDomainBlock>> {
    staff(&auth, WRITE)?;
    let block =
        domains::update_block(&state, Some(&auth.account), path_id(&id)?, &p.input()).await?;
    Ok(Json(AdminDomainBlock::render(&block)))
}

pub async fn destroy(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>> {
    staff(&auth, WRITE)?;
    domains::delete_block(&state, Some(&auth.account), path_id(&id)?).await?;
    Ok(Json(json!({})))
}

/// The blocklist as Mastodon's CSV.
pub async fn export(State(state): State<AppState>, auth: Auth) -> Result<Response> {
    staff(&auth, READ)?;
    let csv = domains::export_csv(&state).await?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"domain_blocks.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct ImportParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    data: Option<String>,
}

/// Imports a Mastodon CSV blocklist, as a `data` file (multipart) or a `data` text field.
/// Answers what was created, what existed already, and which lines were refused.
pub async fn import(
    State(state): State<AppState>,
    auth: Auth,
    p: ParamsWithFiles<ImportParams>,
) -> Result<Json<serde_json::Value>> {
    staff(&auth, WRITE)?;
    let text = match p.files.iter().find(|f| f.field == "data") {
        Some(file) => String::from_utf8(file.data.to_vec())
            .map_err(|_| Error::invalid("data", "ERR_INVALID", "is not UTF-8 text"))?,
        None => p
            .params
            .data
            .ok_or_else(|| Error::invalid("data", "ERR_BLANK", "can't be blank"))?,
    };
    let report = domains::import_csv(&state, Some(&auth.account), &text).await?;
    Ok(Json(json!({
        "created": report.created,
        "existing": report.existing,
        "errors": report.errors.iter().map(|(line, why)| json!({ "line": line, "error": why })).collect::<Vec<_>>(),
    })))
}
