//! `GET /api/v1/accounts/familiar_followers?id[]=`: for each account, the accounts the caller
//! follows that follow it too.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::api::auth::Auth;
use crate::api::de;
use crate::api::entities::Account;
use crate::api::params::Query;
use crate::app::AppState;
use crate::error::Result;
use crate::service::relationships as rel;

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/api/v1/accounts/familiar_followers",
        get(familiar_followers),
    )
}

#[derive(Deserialize)]
pub struct FamiliarParams {
    #[serde(default, deserialize_with = "de::string_list")]
    id: Vec<String>,
}

/// Mastodon's FamiliarFollowers entity.
#[derive(Serialize)]
pub struct FamiliarFollowers {
    id: String,
    accounts: Vec<Account>,
}

/// `GET /api/v1/accounts/familiar_followers?id[]=…`: malformed ids are skipped.
pub async fn familiar_followers(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<FamiliarParams>,
) -> Result<Json<Vec<FamiliarFollowers>>> {
    auth.require("read:follows")?;
    let ids: Vec<i64> =
        q.id.iter()
            .filter_map(|raw| crate::id::parse(raw.trim()))
            .collect();
    let found = rel::familiar_followers(&state, &auth.account, &ids).await?;
    let base = state.base_url();
    Ok(Json(
        found
            .into_iter()
            .map(|(id, accounts)| FamiliarFollowers {
                id: id.to_string(),
                accounts: accounts.iter().map(|a| Account::render(a, &base)).collect(),
            })
            .collect(),
    ))
}
