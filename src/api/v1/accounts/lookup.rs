//! `GET /api/v1/accounts/lookup`

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use crate::api::auth::MaybeAuth;
use crate::api::de;
use crate::api::entities::Account;
use crate::api::params::Query;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::service;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/accounts/lookup", get(lookup))
}

#[derive(Deserialize)]
pub struct Lookup {
    #[serde(default, deserialize_with = "de::opt_string")]
    acct: Option<String>,
}

/// `GET /api/v1/accounts/lookup?acct=`: public, as on Mastodon.
pub async fn lookup(
    State(state): State<AppState>,
    _auth: MaybeAuth,
    Query(q): Query<Lookup>,
) -> Result<Json<Account>> {
    let acct = q
        .acct
        .filter(|a| !a.trim().is_empty())
        .ok_or_else(|| Error::bad_request("param is missing or the value is empty: acct"))?;
    let account = service::accounts::lookup(&state, &acct).await?;
    Ok(Json(Account::render(&account, &state.base_url())))
}
