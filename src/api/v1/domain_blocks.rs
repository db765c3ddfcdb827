//! `GET|POST|DELETE /api/v1/domain_blocks`: domains a user hides for themselves.

use axum::extract::{OriginalUri, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use crate::api::auth::Auth;
use crate::api::de;
use crate::api::pagination::{PageParams, Paginated, ACCOUNT_LIMITS};
use crate::api::params::{Params, Query};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::service::moderation::filters;

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/api/v1/domain_blocks",
        get(index).post(create).delete(destroy),
    )
}

/// A page of hidden domains, as plain strings (Mastodon's shape).
pub async fn index(
    State(state): State<AppState>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(q): Query<PageParams>,
) -> Result<Paginated<String>> {
    auth.require_any(&["read:blocks", "follow"])?;
    let blocks = filters::blocked_domains(&state, &auth.account, &q.page(ACCOUNT_LIMITS)).await?;
    let cursors = blocks.first().zip(blocks.last()).map(|(a, b)| (a.id, b.id));
    let items = blocks.into_iter().map(|b| b.domain).collect();
    Ok(Paginated::new(items, cursors, &state.base_url(), &uri))
}

#[derive(Deserialize)]
pub struct DomainParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    domain: Option<String>,
}

fn domain(p: DomainParams) -> Result<String> {
    p.domain
        .filter(|d| !d.trim().is_empty())
        .ok_or_else(|| Error::invalid("domain", "ERR_BLANK", "can't be blank"))
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<DomainParams>,
) -> Result<Json<serde_json::Value>> {
    auth.require_any(&["write:blocks", "follow"])?;
    filters::block_domain(&state, &auth.account, &domain(p)?).await?;
    Ok(Json(serde_json::json!({})))
}

pub async fn destroy(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<DomainParams>,
) -> Result<Json<serde_json::Value>> {
    auth.require_any(&["write:blocks", "follow"])?;
    filters::unblock_domain(&state, &auth.account, &domain(p)?).await?;
    Ok(Json(serde_json::json!({})))
}
