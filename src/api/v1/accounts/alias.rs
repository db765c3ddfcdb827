//! `POST /api/v1/accounts/alias`: the caller's aliases (`alsoKnownAs`), in GoToSocial's shape.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;

use crate::api::auth::Auth;
use crate::api::de;
use crate::api::entities::CredentialAccount;
use crate::api::params::Params;
use crate::app::AppState;
use crate::error::Result;
use crate::service;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/accounts/alias", post(alias))
}

#[derive(Deserialize)]
pub struct AliasParams {
    /// Actor URLs or `user@domain` addresses; an empty list clears the aliases.
    #[serde(default, deserialize_with = "de::string_list")]
    also_known_as_uris: Vec<String>,
}

/// `POST /api/v1/accounts/alias`: sets the aliases (each resolved now; one that cannot be is
/// a 422) and answers with the account, its `source.also_known_as_uris` showing them.
pub async fn alias(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<AliasParams>,
) -> Result<Json<CredentialAccount>> {
    auth.require("write:accounts")?;
    let account = service::moves::set_aliases(&state, &auth.account, &p.also_known_as_uris).await?;
    super::verify_credentials::own_account(&state, account, &auth.user).await
}
