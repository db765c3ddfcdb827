//! `GET /api/v1/directory`: discoverable profiles, most recently active or newest first.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use crate::api::auth::MaybeAuth;
use crate::api::de;
use crate::api::entities::Account;
use crate::api::params::Query;
use crate::app::AppState;
use crate::error::Result;
use crate::service::directory::{self, DirectoryInput};

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/directory", get(index))
}

#[derive(Deserialize)]
pub struct DirectoryParams {
    #[serde(default, deserialize_with = "de::opt_i64")]
    offset: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    limit: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_string")]
    order: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    local: Option<bool>,
}

/// `GET /api/v1/directory`: public; `order` is `active` (default) or `new`.
pub async fn index(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Query(q): Query<DirectoryParams>,
) -> Result<Json<Vec<Account>>> {
    let viewer = auth.viewer("read:accounts")?;
    let accounts = directory::page(
        &state,
        viewer,
        DirectoryInput {
            local_only: q.local.unwrap_or(false),
            order: q.order,
            offset: q.offset,
            limit: q.limit,
        },
    )
    .await?;
    let base = state.base_url();
    Ok(Json(
        accounts.iter().map(|a| Account::render(a, &base)).collect(),
    ))
}
