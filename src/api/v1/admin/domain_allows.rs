//! `/api/v1/admin/domain_allows`: the domains federated with in allowlist mode.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::{required_domain, staff};
use crate::api::auth::Auth;
use crate::api::entities::moderation::AdminDomainAllow;
use crate::api::params::Params;
use crate::api::{de, path_id};
use crate::app::AppState;
use crate::error::Result;
use crate::service::moderation::domains;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/domain_allows", get(index).post(create))
        .route(
            "/api/v1/admin/domain_allows/{id}",
            get(show).delete(destroy),
        )
}

const READ: &str = "admin:read:domain_allows";
const WRITE: &str = "admin:write:domain_allows";

pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<Vec<AdminDomainAllow>>> {
    staff(&auth, READ)?;
    let allows = domains::allows(&state).await?;
    Ok(Json(allows.iter().map(AdminDomainAllow::render).collect()))
}

pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AdminDomainAllow>> {
    staff(&auth, READ)?;
    Ok(Json(AdminDomainAllow::render(
        &domains::allow(&state, path_id(&id)?).await?,
    )))
}

#[derive(Deserialize)]
pub struct AllowParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    domain: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<AllowParams>,
) -> Result<Json<AdminDomainAllow>> {
    staff(&auth, WRITE)?;
    let domain = required_domain(p.domain)?;
    let allow = domains::create_allow(&state, Some(&auth.account), &domain).await?;
    Ok(Json(AdminDomainAllow::render(&allow)))
}

pub async fn destroy(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>> {
    staff(&auth, WRITE)?;
    domains::delete_allow(&state, Some(&auth.account), path_id(&id)?).await?;
    Ok(Json(json!({})))
}
