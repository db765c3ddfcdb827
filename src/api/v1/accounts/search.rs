//! `GET /api/v1/accounts/search`: accounts by username, handle or display name, for
//! @-mention autocompletion and "add to list" pickers.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use crate::api::auth::Auth;
use crate::api::de;
use crate::api::entities::Account;
use crate::api::params::Query;
use crate::app::AppState;
use crate::error::Result;
use crate::service::accounts::{self, AccountSearch};

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/accounts/search", get(search))
}

#[derive(Deserialize)]
pub struct SearchParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    q: Option<String>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    limit: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    offset: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    resolve: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    following: Option<bool>,
}

/// `GET /api/v1/accounts/search?q=`: signed-in, as on Mastodon.
pub async fn search(
    State(state): State<AppState>,
    auth: Auth,
    Query(p): Query<SearchParams>,
) -> Result<Json<Vec<Account>>> {
    auth.require("read:accounts")?;
    let found = accounts::search(
        &state,
        &auth.account,
        AccountSearch {
            q: p.q.unwrap_or_default(),
            limit: p.limit,
            offset: p.offset,
            resolve: p.resolve.unwrap_or(false),
            following: p.following.unwrap_or(false),
        },
    )
    .await?;
    let base = state.base_url();
    Ok(Json(
        found.iter().map(|a| Account::render(a, &base)).collect(),
    ))
}
